/**
 * The spec's virtual-memory lookups as the VM invariants and the hardware-view check read
 * them (l4v `ArchInvariants_AI.thy`: `vs_lookup`, `vs_lookup_pages`, `vs_refs_pages`,
 * `kernel_mapping_slots`): the live address spaces reached from the ASID table, everything
 * their tables reach, and the translation of one virtual address through a page directory
 * and its page tables, as the spec's objects describe it.
 *
 * Kernel objects live at their physical addresses in this model, so l4v's `ptrFromPAddr` is
 * the identity and a table entry's frame or table address is a heap key.
 *
 * @module
 */
import { ASID_POOL_INDEX_BITS, USER_TOP } from '../../abi/config.js';
import {
  AP_KERNEL_ONLY, AP_USER_READ_ONLY, AP_USER_READ_WRITE, LARGE_PAGE_BITS, SECTION_BITS, SMALL_PAGE_BITS,
  SUPERSECTION_BITS,
} from '../../hardware/descriptors.js';
import { FS_TRANSLATION_PAGE, FS_TRANSLATION_SECTION, permissionsOf } from '../../hardware/mmu.js';
import type { VMPageSize, VMRights } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { KernelObject, PDE, PTE } from '../../spec/state/object.js';

/** Entries of a page directory. */
export const PD_ENTRIES = 4096;
/** Entries of a page table. */
export const PT_ENTRIES = 256;
/** The first page-directory index of the kernel window (`kernel_base >> 20`). */
export const KERNEL_PD_INDEX = USER_TOP / 2 ** SECTION_BITS;
/** Entries a large page or a supersection occupies. */
export const GROUP_ENTRIES = 16;

/** A page directory object. */
export type PageDirectory = Extract<KernelObject, { kind: 'PageDirectory' }>;
/** A page table object. */
export type PageTable = Extract<KernelObject, { kind: 'PageTable' }>;

/** l4v `kernel_mapping_slots`: whether a page-directory index belongs to the kernel window. */
export function isKernelSlot(index: number): boolean {
  return index >= KERNEL_PD_INDEX;
}

/** A live address space: an ASID whose pool entry names a page directory. */
export interface AddressSpace {
  /** The ASID. */
  readonly asid: number;
  /** The ASID pool holding it. */
  readonly pool: number;
  /** The page directory the pool entry names (which may not be a page directory: see `valid_vspace_objs`). */
  readonly pd: number;
}

/**
 * Every ASID reachable from `arm_asid_table` through a pool that exists, with the page
 * directory its pool entry names (the depth-2 part of `vs_lookup`), in ASID order.
 */
export function addressSpaces(s: KernelState): AddressSpace[] {
  const out: AddressSpace[] = [];
  s.arch.asidTable.forEach((pool, hi) => {
    const p = s.kheap.get(pool);
    if (p?.kind !== 'ASIDPool') return;
    p.entries.forEach((pd, lo) => out.push({ asid: (hi << ASID_POOL_INDEX_BITS) | lo, pool, pd }));
  });
  return out.sort((a, b) => a.asid - b.asid);
}

/** The page directory at `addr`, if that is what the heap holds there. */
export function pageDirectoryAt(s: KernelState, addr: number): PageDirectory | undefined {
  const o = s.kheap.get(addr);
  return o?.kind === 'PageDirectory' ? o : undefined;
}

/**
 * One object the tables of a live address space reach below its page directory (a step of
 * `vs_lookup_pages` through a user slot): a page table, or a frame with the base of the
 * whole mapping. The 16 entries of a large page or a supersection name one mapping, at the
 * base of their aligned group.
 */
export interface TableReach {
  /** The address space. */
  readonly space: AddressSpace;
  /** What the entry maps. */
  readonly kind: 'PageTable' | 'Frame';
  /** The page table or frame. */
  readonly ptr: number;
  /** For frames, the size the entry maps. */
  readonly size?: VMPageSize;
  /** Virtual base of the mapping (of the MiB, for a page table). */
  readonly vaddr: number;
  /** The page directory or page table holding the entry. */
  readonly table: number;
  /** The entry's index in it. */
  readonly index: number;
}

/** Where a {@link TableReach} entry is, printed (`PD 0x...[i]` or `PT 0x...[j]`). */
export function whereOf(r: TableReach): string {
  return `${r.table === r.space.pd ? 'PD' : 'PT'} ${hex(r.table)}[${r.index}]`;
}

/** The page tables and frames the user slots of `space`'s page directory reach (`vs_lookup_pages` below depth 2). */
export function reachFromSpace(s: KernelState, space: AddressSpace): TableReach[] {
  const pd = pageDirectoryAt(s, space.pd);
  if (pd === undefined) return [];
  const out: TableReach[] = [];
  pd.entries.forEach((pde, i) => {
    if (isKernelSlot(i)) return;
    const where = { table: space.pd, index: i };
    switch (pde.kind) {
      case 'InvalidPDE':
        return;
      case 'PageTablePDE': {
        out.push({ space, kind: 'PageTable', ptr: pde.table, vaddr: i * 2 ** SECTION_BITS, ...where });
        const pt = s.kheap.get(pde.table);
        if (pt?.kind === 'PageTable') pt.entries.forEach((pte, j) => pushPage(out, space, pde.table, i, j, pte));
        return;
      }
      case 'SectionPDE':
        out.push({ space, kind: 'Frame', ptr: pde.frame, size: 'ARMSection', vaddr: i * 2 ** SECTION_BITS, ...where });
        return;
      case 'SuperSectionPDE':
        out.push({ space, kind: 'Frame', ptr: pde.frame, size: 'ARMSuperSection', vaddr: groupBase(i) * 2 ** SECTION_BITS, ...where });
        return;
      default: {
        const _exhaustive: never = pde;
        return _exhaustive;
      }
    }
  });
  return out;
}

function pushPage(out: TableReach[], space: AddressSpace, pt: number, i: number, j: number, pte: PTE): void {
  if (pte.kind === 'InvalidPTE') return;
  const large = pte.kind === 'LargePagePTE';
  out.push({
    space, kind: 'Frame', ptr: pte.frame, size: large ? 'ARMLargePage' : 'ARMSmallPage',
    vaddr: i * 2 ** SECTION_BITS + (large ? groupBase(j) : j) * 2 ** SMALL_PAGE_BITS, table: pt, index: j,
  });
}

/** The first index of the aligned group of 16 entries holding `index`. */
export function groupBase(index: number): number {
  return index - (index % GROUP_ENTRIES);
}

// AP[2:0] seL4 writes for each mapping right (`APFromVMRights`).
const AP_OF: Readonly<Record<VMRights, number>> = {
  VMKernelOnly: AP_KERNEL_ONLY,
  VMReadOnly: AP_USER_READ_ONLY,
  VMReadWrite: AP_USER_READ_WRITE,
};

/** The `PERM_*` bits (hardware/mmu) a mapping with these rights and execute-never grants. */
export function permissionsOfRights(rights: VMRights, executeNever: boolean): number {
  return permissionsOf(AP_OF[rights], executeNever ? 1 : 0);
}

/** What the spec's tables say about one virtual address. */
export type SpecTranslation =
  | {
      readonly mapped: true;
      /** The physical address. */
      readonly paddr: number;
      /** log2 of the mapping's size. */
      readonly pageBits: number;
      /** 1 for a section or supersection, 2 for a page. */
      readonly level: 1 | 2;
      /** The `PERM_*` bits the mapping grants. */
      readonly permissions: number;
    }
  | {
      readonly mapped: false;
      /** The translation fault the hardware raises: FS[4:0] of a section or a page fault. */
      readonly status: number;
    };

const UNMAPPED_SECTION: SpecTranslation = { mapped: false, status: FS_TRANSLATION_SECTION };
const UNMAPPED_PAGE: SpecTranslation = { mapped: false, status: FS_TRANSLATION_PAGE };

/**
 * Translates `vaddr` through the page directory `pd` as the spec's objects describe it: the
 * short-descriptor walk of the ARM architecture over the entries l4v's `pde`/`pte` stand for.
 * A page-table entry naming no page table reads as an empty table.
 */
export function specTranslate(pd: PageDirectory, s: KernelState, vaddr: number): SpecTranslation {
  const va = vaddr >>> 0;
  const pde: PDE | undefined = pd.entries.get(va >>> SECTION_BITS);
  if (pde === undefined) return UNMAPPED_SECTION;
  switch (pde.kind) {
    case 'InvalidPDE':
      return UNMAPPED_SECTION;
    case 'SectionPDE':
      return mapped(pde.frame, SECTION_BITS, 1, va, pde.rights, pde.attributes.executeNever);
    case 'SuperSectionPDE':
      return mapped(pde.frame, SUPERSECTION_BITS, 1, va, pde.rights, pde.attributes.executeNever);
    case 'PageTablePDE': {
      const pt = s.kheap.get(pde.table);
      const pte = pt?.kind === 'PageTable' ? pt.entries.get((va >>> SMALL_PAGE_BITS) & (PT_ENTRIES - 1)) : undefined;
      if (pte === undefined || pte.kind === 'InvalidPTE') return UNMAPPED_PAGE;
      const bits = pte.kind === 'SmallPagePTE' ? SMALL_PAGE_BITS : LARGE_PAGE_BITS;
      return mapped(pte.frame, bits, 2, va, pte.rights, pte.attributes.executeNever);
    }
    default: {
      const _exhaustive: never = pde;
      return _exhaustive;
    }
  }
}

function mapped(frame: number, pageBits: number, level: 1 | 2, va: number, rights: VMRights, xn: boolean): SpecTranslation {
  const offset = va % 2 ** pageBits;
  return { mapped: true, paddr: frame + offset, pageBits, level, permissions: permissionsOfRights(rights, xn) };
}

/** A word in hex. */
export function hex(w: number): string {
  return `0x${(w >>> 0).toString(16)}`;
}
