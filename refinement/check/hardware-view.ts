/**
 * Hardware view = spec view: after a kernel entry, what the machine would do with the kernel
 * under test's memory agrees with what the spec's tables say.
 *
 * - For every live address space (each ASID the spec's ASID table and pools give a page
 *   directory) and the global page directory, the MMU's table walk (`hardware/mmu` `walk`)
 *   from that page directory in the kernel's memory gives, at a set of probe addresses, the
 *   physical address, mapping size, level and permissions the spec's lookup through its page
 *   directory and page tables gives, or the same translation fault. The probes: both ends of
 *   every user mapping and the first address after it (mapped, unmapped and boundaries, every
 *   page size), the first page of every page table's MiB, the ends of user space, and fixed
 *   points of the kernel window. User mappings must be non-global and kernel mappings global
 *   (nG), and every mapping in domain 0, as seL4 writes them.
 * - Every live entry of the kernel's TLB agrees with a fresh walk of the tables of the
 *   address space its hardware ASID belongs to in the spec (`Tlb.staleEntries`), so a flush
 *   the kernel left out shows as a stale entry.
 * - The CPU runs on the global page directory or a live one (TTBR0), as `set_vm_root` leaves it.
 *
 * Then the current thread "runs": the mapped probe addresses of the address space the CPU
 * is on are loaded through the TLB, as user code touching its pages would, so that the next
 * entries have cached translations that a missing flush would leave stale.
 *
 * @module
 */
import { USER_TOP } from '../../abi/config.js';
import { SECTION_BITS, SMALL_PAGE_BITS } from '../../hardware/descriptors.js';
import type { PhysicalMemory } from '../../hardware/memory.js';
import {
  PERM_PRIV_READ, PERM_USER_EXECUTE, PERM_USER_READ, PERM_USER_WRITE, TTBR_BASE_MASK, Translation, walk,
} from '../../hardware/mmu.js';
import type { StaleTlbEntry } from '../../hardware/tlb.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import {
  PT_ENTRIES, addressSpaces, hex, isKernelSlot, pageDirectoryAt, specTranslate, type PageDirectory, type SpecTranslation,
} from '../invariants/vspace-lookup.js';
import type { HardwareView } from './kernel-under-test.js';

const MIB = 2 ** SECTION_BITS;
const PAGE = 2 ** SMALL_PAGE_BITS;
// Fixed probes: the ends of user space, the start of the kernel window, the stored-ASID slot's
// MiB, the last MiB (the global page table), the vector page and the last byte.
const FIXED_PROBES: readonly number[] = [0, USER_TOP - 1, USER_TOP, 0xff000000, 0xfff00000, 0xffff0000, 0xffffffff];
// At most this many translations are loaded into the TLB per entry (the TLB holds 256).
const TOUCH_LIMIT = 64;

// Probe lists by page directory object, with the page tables they were built from: objects
// are immutable, so the list stays right while the directory and those tables are unchanged.
const probeCache = new WeakMap<PageDirectory, { readonly tables: readonly (readonly [number, unknown])[]; readonly probes: readonly number[] }>();

/** The probe addresses of a page directory: the fixed ones, then those around every user mapping. */
export function probeAddresses(s: KernelState, pd: PageDirectory): readonly number[] {
  const hit = probeCache.get(pd);
  if (hit !== undefined && hit.tables.every(([addr, pt]) => s.kheap.get(addr) === pt)) return hit.probes;
  const tables: [number, unknown][] = [];
  const probes = buildProbes(s, pd, tables);
  probeCache.set(pd, { tables, probes });
  return probes;
}

function buildProbes(s: KernelState, pd: PageDirectory, tables: [number, unknown][]): number[] {
  const out = [...FIXED_PROBES];
  const around = (base: number, size: number): void => void out.push(base, base + size - 1, base + size);
  pd.entries.forEach((pde, i) => {
    if (isKernelSlot(i) || pde.kind === 'InvalidPDE') return;
    const base = i * MIB;
    if (pde.kind !== 'PageTablePDE') {
      around(base, MIB);
      return;
    }
    out.push(base);
    const pt = s.kheap.get(pde.table);
    tables.push([pde.table, pt]);
    if (pt?.kind !== 'PageTable') return;
    pt.entries.forEach((pte, j) => {
      if (pte.kind !== 'InvalidPTE' && j < PT_ENTRIES) around(base + j * PAGE, PAGE);
    });
  });
  return out.map((a) => a >>> 0);
}

function showPermissions(p: number): string {
  const user = (p & PERM_USER_WRITE) !== 0 ? 'user RW' : (p & PERM_USER_READ) !== 0 ? 'user R' : (p & PERM_PRIV_READ) !== 0 ? 'kernel only' : 'no access';
  return (p & PERM_USER_EXECUTE) !== 0 ? `${user}X` : user;
}

function showSize(bits: number): string {
  return bits >= SECTION_BITS ? `${2 ** (bits - SECTION_BITS)} MiB` : `${2 ** (bits - 10)} KiB`;
}

function showSpec(t: SpecTranslation): string {
  return t.mapped ? `${hex(t.paddr)} (${showSize(t.pageBits)}, ${showPermissions(t.permissions)})` : `a translation fault (FS ${t.status})`;
}

function showWalk(t: Translation): string {
  return t.mapped
    ? `${hex(t.paddr)} (${showSize(t.pageBits)}, ${showPermissions(t.permissions)}${t.global ? ', global' : ''}${t.domain !== 0 ? `, domain ${t.domain}` : ''})`
    : `a fault (FS ${t.status})`;
}

// Whether the walk result says what the spec's lookup says, seL4's nG and domain included.
function agrees(spec: SpecTranslation, t: Translation, va: number): boolean {
  if (!spec.mapped) return !t.mapped && t.status === spec.status;
  return t.mapped && t.paddr === spec.paddr && t.pageBits === spec.pageBits && t.level === spec.level &&
    t.permissions === spec.permissions && t.global === isKernelSlot(va >>> SECTION_BITS) && t.domain === 0;
}

/** The first probe of page directory `pd` where the MMU walk in `mem` and the spec disagree, described. */
function translationMismatch(s: KernelState, mem: PhysicalMemory, name: string, pdAddr: number, pd: PageDirectory, scratch: Translation): string | undefined {
  for (const va of probeAddresses(s, pd)) {
    walk(mem, pdAddr, va, scratch);
    const spec = specTranslate(pd, s, va);
    if (!agrees(spec, scratch, va)) {
      return `${name} (PD ${hex(pdAddr)}) at ${hex(va)}: the spec's tables give ${showSpec(spec)}, the MMU walk gives ${showWalk(scratch)}`;
    }
  }
  return undefined;
}

/** The page directory hardware ASID `hw` belongs to in the spec, if any. */
export function pageDirectoryOfHwAsid(s: KernelState, hw: number): number | undefined {
  const asid = s.arch.hwASIDTable.get(hw);
  return asid === undefined ? undefined : s.arch.asidMap.get(asid)?.pd;
}

function showStale(st: StaleTlbEntry): string {
  const e = st.entry;
  const why = st.reason === 'no-vspace' ? 'its hardware ASID has no address space' : st.reason === 'unmapped' ? 'the tables no longer map it' : 'the tables now map it differently';
  return `stale TLB entry (hw ASID ${e.asid}${e.global ? ', global' : ''}) ${hex(e.vaddr)} -> ${hex(e.paddr)} (${showSize(e.pageBits)}, ${showPermissions(e.permissions)}): ${why}`;
}

/**
 * The first way the hardware view of `hw` disagrees with the spec state `s` (see the module
 * comment), described in a sentence, or undefined when it agrees everywhere it was probed.
 */
export function hardwareViewMismatch(s: KernelState, hw: HardwareView): string | undefined {
  const scratch = new Translation();
  for (const sp of addressSpaces(s)) {
    const pd = pageDirectoryAt(s, sp.pd);
    if (pd === undefined) continue; // valid_vspace_objs reports it
    const m = translationMismatch(s, hw.memory, `ASID ${sp.asid}`, sp.pd, pd, scratch);
    if (m !== undefined) return m;
  }
  const global = pageDirectoryAt(s, s.arch.globalPD);
  if (global !== undefined) {
    const m = translationMismatch(s, hw.memory, 'the global page directory', s.arch.globalPD, global, scratch);
    if (m !== undefined) return m;
  }
  const stale = hw.tlb?.staleEntries(hw.memory, (h) => pageDirectoryOfHwAsid(s, h));
  if (stale !== undefined && stale.length > 0) return showStale(stale[0]!) + (stale.length > 1 ? ` (+${stale.length - 1} more)` : '');
  if (hw.cpu !== undefined) {
    const ttbr = (hw.cpu.ttbr0 & TTBR_BASE_MASK) >>> 0;
    if (pageDirectoryAt(s, ttbr) === undefined) return `the CPU runs on ${hex(ttbr)} (TTBR0), which is no page directory`;
  }
  return undefined;
}

/**
 * Loads the mapped probe addresses of the address space the CPU runs on through the TLB, as
 * the user code resuming after the entry would (reads, user mode), at most 64 of them.
 */
export function touchCurrentAddressSpace(s: KernelState, hw: HardwareView): void {
  const { tlb, cpu } = hw;
  if (tlb === undefined || cpu === undefined) return;
  const pd = pageDirectoryAt(s, (cpu.ttbr0 & TTBR_BASE_MASK) >>> 0);
  if (pd === undefined) return;
  let touched = 0;
  for (const va of probeAddresses(s, pd)) {
    if (touched >= TOUCH_LIMIT) return;
    if (isKernelSlot(va >>> SECTION_BITS) || !specTranslate(pd, s, va).mapped) continue;
    tlb.translate(hw.memory, cpu.ttbr0, cpu.asid, va, 'read', false);
    touched++;
  }
}
