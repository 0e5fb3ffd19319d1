/**
 * The root task's address space as boot builds it (manual §9.1 "Initial Thread's
 * Environment"; seL4 `create_it_address_space`, `create_frames_of_region`,
 * `create_mapped_it_frame_cap`, `map_it_frame_cap`, `map_it_pt_cap`,
 * `create_it_asid_pool`, `write_it_asid_pool` in `src/arch/arm/32/kernel/vspace.c` and
 * `src/kernel/boot.c`): a page directory with ASID 1, page tables covering the image and
 * the pages after it, and every frame mapped read-write at its virtual address.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import { PAGE_BITS } from '../../abi/config.js';
import { IT_ASID, type BootParams } from '../../abi/bootinfo.js';
import type { Cap, CapOf } from '../state/cap.js';
import type { KernelObject, PDE, PTE } from '../state/object.js';
import type { BootLayout } from './layout.js';

/** A 4 KiB frame of the root task and where it is mapped. */
export interface ItFrame {
  /** Physical address. */
  readonly paddr: number;
  /** Virtual address in the root task's address space. */
  readonly vaddr: number;
  /** Whether the mapping allows execution (image and extra bootinfo pages do). */
  readonly executable: boolean;
}

/** The root task's frames, paging structures, and the caps boot hands out for them. */
export interface ItAddressSpace {
  /** Objects to place in the heap, by address (PD, page tables, ASID pool, frames). */
  readonly objects: readonly (readonly [number, KernelObject])[];
  /** The PD cap (slot 3), mapped with ASID 1. */
  readonly pdCap: Cap;
  /** The ASID pool cap (slot 6): pool 0. */
  readonly asidPoolCap: Cap;
  /** The bootinfo frame cap (slot 9). */
  readonly bootInfoCap: Cap;
  /** The IPC buffer frame cap (slot 10). */
  readonly ipcBufferCap: Cap;
  /** Its derived copy for the root TCB's buffer slot: `deriveCap` drops the mapping. */
  readonly ipcBufferDerivedCap: Cap;
  /** Page-table caps, in address order (`userImagePaging`). */
  readonly pageTableCaps: readonly Cap[];
  /** Extra-bootinfo frame caps (`extraBIPages`). */
  readonly extraBICaps: readonly Cap[];
  /** User-image frame caps, one per page in address order (`userImageFrames`). */
  readonly userImageCaps: readonly Cap[];
}

const MIB = 2 ** 20;
const PAGE = 2 ** PAGE_BITS;

/** A frame cap mapped at `vaddr` with ASID 1 (`create_it_frame_cap`). */
function mappedFrameCap(f: ItFrame): CapOf<'FrameCap'> {
  return { kind: 'FrameCap', isDevice: false, ptr: f.paddr, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: IT_ASID, vaddr: f.vaddr } };
}

/** The PTE `map_it_frame_cap` writes: a cacheable read-write small page, XN unless executable. */
function itPTE(f: ItFrame): PTE {
  return {
    kind: 'SmallPagePTE',
    frame: f.paddr,
    attributes: { cacheable: true, parityEnabled: false, executeNever: !f.executable },
    rights: 'VMReadWrite',
  };
}

/** The 4 KiB frames covering `[paddr, paddr + bytes)`, mapped from `vaddr` on. */
function framesOf(paddr: number, vaddr: number, bytes: number, executable: boolean): ItFrame[] {
  return Array.from({ length: Math.ceil(bytes / PAGE) }, (_, i) => ({ paddr: paddr + i * PAGE, vaddr: vaddr + i * PAGE, executable }));
}

/**
 * Builds the root task's address space for `layout`: the PD, one page table per MiB of the
 * root task's virtual region, the bootinfo frame (not executable), the extra bootinfo pages,
 * the IPC buffer frame (not executable), the image frames, and ASID pool 0 holding the PD at
 * ASID 1. The PD's copy of the kernel mappings is added by the caller from the global PD.
 */
export function itAddressSpace(params: BootParams, layout: BootLayout): ItAddressSpace {
  const rs = layout.rootserver;
  const bootInfo: ItFrame = { paddr: rs.bootInfo, vaddr: layout.vBootInfo, executable: false };
  const ipcBuffer: ItFrame = { paddr: rs.ipcBuf, vaddr: layout.vIPCBuffer, executable: false };
  const extraBI = rs.extraBI === null ? [] : framesOf(rs.extraBI, layout.vExtraBI, layout.extraBISize, true);
  const image = framesOf(params.userImage.paddr, params.userImage.vaddr, params.userImage.size, true);
  const frames = [bootInfo, ...extraBI, ipcBuffer, ...image];

  const firstPTVaddr = Math.floor(layout.itVRegion.start / MIB) * MIB;
  const tables = rs.paging.map((ptr, i) => ({ ptr, vaddr: firstPTVaddr + i * MIB }));
  const pdEntries = PMap<number, PDE>(tables.map((t) => [t.vaddr / MIB, { kind: 'PageTablePDE', table: t.ptr, parityEnabled: true }]));
  const ptObjects = tables.map((t): readonly [number, KernelObject] => {
    const entries = PMap<number, PTE>(frames
      .filter((f) => Math.floor(f.vaddr / MIB) * MIB === t.vaddr)
      .map((f) => [(f.vaddr % MIB) / PAGE, itPTE(f)]));
    return [t.ptr, { kind: 'PageTable', entries }];
  });

  return {
    objects: [
      [rs.vspace, { kind: 'PageDirectory', entries: pdEntries }],
      ...ptObjects,
      [rs.asidPool, { kind: 'ASIDPool', entries: PMap([[IT_ASID, rs.vspace]]) }],
      ...frames.map((f): readonly [number, KernelObject] => [f.paddr, { kind: 'DataPage', isDevice: false, size: 'ARMSmallPage' }]),
    ],
    pdCap: { kind: 'PageDirectoryCap', ptr: rs.vspace, asid: IT_ASID },
    asidPoolCap: { kind: 'ASIDPoolCap', ptr: rs.asidPool, asidBase: 0 },
    bootInfoCap: mappedFrameCap(bootInfo),
    ipcBufferCap: mappedFrameCap(ipcBuffer),
    ipcBufferDerivedCap: { ...mappedFrameCap(ipcBuffer), mapping: null },
    pageTableCaps: tables.map((t): Cap => ({ kind: 'PageTableCap', ptr: t.ptr, mapping: { asid: IT_ASID, vaddr: t.vaddr } })),
    extraBICaps: extraBI.map(mappedFrameCap),
    userImageCaps: image.map(mappedFrameCap),
  };
}
