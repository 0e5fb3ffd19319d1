/**
 * ARM's virtual-memory invariants on the objects and the arch state (l4v
 * `ARM/ArchInvariants_AI.thy`: `valid_vspace_objs`, `valid_arch_state`, `valid_asid_map`,
 * `valid_global_objs`, `valid_kernel_mappings`, `equal_kernel_mappings`, and the
 * `wellformed_vspace_obj` part of `valid_obj`; `ArchVSpaceEntries_AI.thy` for whole large
 * entries). The cap side (`valid_arch_caps`) is in `vspace-caps.ts`.
 *
 * The kernel window's global mappings are whatever the state's global page directory holds:
 * these checks compare every page directory with it and test its page-table entries against
 * `arm_global_pts`, without assuming a particular window.
 *
 * @module
 */
import { PD_ASID_SLOT } from '../../abi/bootinfo.js';
import { ASID_POOL_INDEX_BITS, NUM_ASID_POOLS_BITS } from '../../abi/config.js';
import { isAligned } from '../../hardware/word.js';
import { PAGE_BITS_FOR_SIZE, type VMPageSize } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { KernelObject, PDE, PTE } from '../../spec/state/object.js';
import { showObject } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';
import {
  GROUP_ENTRIES, addressSpaces, groupBase, hex, isKernelSlot, pageDirectoryAt, type PageDirectory,
} from './vspace-lookup.js';

const ASID_BITS = NUM_ASID_POOLS_BITS + ASID_POOL_INDEX_BITS;
const PT_BITS = 10;

function dataAt(s: KernelState, ptr: number, size: VMPageSize): boolean {
  const o = s.kheap.get(ptr);
  return o?.kind === 'DataPage' && o.size === size;
}

// `valid_pde` / `valid_pte`: an entry names an object of the kind and size it maps.
function pdeProblem(s: KernelState, pde: PDE): string | undefined {
  switch (pde.kind) {
    case 'InvalidPDE':
      return undefined;
    case 'PageTablePDE':
      return s.kheap.get(pde.table)?.kind === 'PageTable' ? undefined : `names ${hex(pde.table)}, which is no page table`;
    case 'SectionPDE':
      return dataAt(s, pde.frame, 'ARMSection') ? undefined : `names ${hex(pde.frame)}, which is no 1 MiB frame`;
    case 'SuperSectionPDE':
      return dataAt(s, pde.frame, 'ARMSuperSection') ? undefined : `names ${hex(pde.frame)}, which is no 16 MiB frame`;
  }
}

function pteProblem(s: KernelState, pte: PTE): string | undefined {
  switch (pte.kind) {
    case 'InvalidPTE':
      return undefined;
    case 'SmallPagePTE':
      return dataAt(s, pte.frame, 'ARMSmallPage') ? undefined : `names ${hex(pte.frame)}, which is no 4 KiB frame`;
    case 'LargePagePTE':
      return dataAt(s, pte.frame, 'ARMLargePage') ? undefined : `names ${hex(pte.frame)}, which is no 64 KiB frame`;
  }
}

/**
 * `valid_vspace_objs`: every pool, page directory and page table reachable from the ASID
 * table is valid: pool entries name page directories, user-slot page-directory entries name
 * frames of their size or page tables, page-table entries name frames of their size.
 */
export const validVspaceObjs: Invariant = {
  name: 'valid_vspace_objs',
  family: 'vspace',
  summary: 'reachable pools, page directories and page tables name objects of the right kind and size',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    const report = (where: string, message: string): void => void out.push(violation('valid_vspace_objs', where, message));
    const seenPD = new Set<number>();
    const seenPT = new Set<number>();
    for (const sp of addressSpaces(s)) {
      const pd = pageDirectoryAt(s, sp.pd);
      if (pd === undefined) {
        report(`ASID pool ${hex(sp.pool)}[${sp.asid % 2 ** ASID_POOL_INDEX_BITS}]`, `names ${hex(sp.pd)}, which is no page directory`);
        continue;
      }
      if (seenPD.has(sp.pd)) continue;
      seenPD.add(sp.pd);
      pd.entries.forEach((pde, i) => {
        if (isKernelSlot(i)) return;
        const p = pdeProblem(s, pde);
        if (p !== undefined) report(`PD ${hex(sp.pd)}[${i}]`, p);
        if (pde.kind !== 'PageTablePDE' || seenPT.has(pde.table)) return;
        seenPT.add(pde.table);
        const pt = s.kheap.get(pde.table);
        if (pt?.kind !== 'PageTable') return;
        pt.entries.forEach((pte, j) => {
          const q = pteProblem(s, pte);
          if (q !== undefined) report(`PT ${hex(pde.table)}[${j}]`, q);
        });
      });
    }
    s.arch.asidTable.forEach((pool, hi) => {
      if (s.kheap.get(pool)?.kind !== 'ASIDPool') report(`ASID table [${hi}]`, `names ${hex(pool)}, which is no ASID pool`);
    });
    return out;
  },
};

// `wellformed_pde` / `wellformed_pte`.
function pdeShapeProblem(pde: PDE): string | undefined {
  switch (pde.kind) {
    case 'InvalidPDE':
      return undefined;
    case 'PageTablePDE':
      return isAligned(pde.table, PT_BITS) ? undefined : `page table ${hex(pde.table)} is not 1 KiB aligned`;
    case 'SectionPDE':
    case 'SuperSectionPDE': {
      const bits = PAGE_BITS_FOR_SIZE[pde.kind === 'SectionPDE' ? 'ARMSection' : 'ARMSuperSection'];
      return isAligned(pde.frame, bits) ? undefined : `frame ${hex(pde.frame)} is not aligned to its 2^${bits} bytes`;
    }
  }
}

function pteShapeProblem(pte: PTE): string | undefined {
  if (pte.kind !== 'InvalidPTE' && pte.attributes.parityEnabled) return 'a page-table entry has ParityEnabled';
  return pteAlignProblem(pte);
}

// l4v `aligned_pte`.
function pteAlignProblem(pte: PTE): string | undefined {
  if (pte.kind === 'InvalidPTE') return undefined;
  const bits = PAGE_BITS_FOR_SIZE[pte.kind === 'SmallPagePTE' ? 'ARMSmallPage' : 'ARMLargePage'];
  return isAligned(pte.frame, bits) ? undefined : `frame ${hex(pte.frame)} is not aligned to its 2^${bits} bytes`;
}

// The 16 entries of a large page or supersection: equal, from a 16-aligned index (what
// `create_mapping_entries` writes and `unmap_page` clears; l4v `entries_align`).
function groupProblem<E extends PDE | PTE>(entries: { get(i: number): E | undefined }, i: number, e: E, isLarge: (e: E) => boolean): string | undefined {
  if (!isLarge(e)) return undefined;
  const base = groupBase(i);
  // The base entry is checked against the whole group, every other one against the base.
  const last = i === base ? base + GROUP_ENTRIES - 1 : base;
  for (let k = base; k <= last; k++) {
    if (!sameEntry(entries.get(k), e)) return `entry ${k} of the 16-entry mapping at ${base} differs`;
  }
  return undefined;
}

/** Whether two page-directory or page-table entries are equal, field by field. */
export function sameEntry(a: PDE | PTE | undefined, b: PDE | PTE | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.kind !== b.kind) return false;
  if (a.kind === 'InvalidPDE' || a.kind === 'InvalidPTE') return true;
  if (a.kind === 'PageTablePDE') return b.kind === 'PageTablePDE' && a.table === b.table && a.parityEnabled === b.parityEnabled;
  if (b.kind === 'InvalidPDE' || b.kind === 'InvalidPTE' || b.kind === 'PageTablePDE') return false;
  const x = a.attributes;
  const y = b.attributes;
  return a.frame === b.frame && a.rights === b.rights && x.cacheable === y.cacheable &&
    x.parityEnabled === y.parityEnabled && x.executeNever === y.executeNever;
}

// Objects are immutable and an unchanged one keeps its identity from step to step, so the
// per-object results are kept for as long as the object lives.
const wellformedCache = new WeakMap<KernelObject, readonly (readonly [number, string])[]>();

function tableShapeProblems(o: KernelObject): readonly (readonly [number, string])[] {
  const hit = wellformedCache.get(o);
  if (hit !== undefined) return hit;
  const out: [number, string][] = [];
  if (o.kind === 'PageDirectory') {
    o.entries.forEach((pde, i) => {
      const p = pdeShapeProblem(pde) ?? groupProblem(o.entries, i, pde, (e) => e.kind === 'SuperSectionPDE');
      if (p !== undefined) out.push([i, p]);
    });
  } else if (o.kind === 'PageTable') {
    o.entries.forEach((pte, j) => {
      const p = pteShapeProblem(pte) ?? groupProblem(o.entries, j, pte, (e) => e.kind === 'LargePagePTE');
      if (p !== undefined) out.push([j, p]);
    });
  }
  wellformedCache.set(o, out);
  return out;
}

/**
 * `wellformed_vspace_obj` (the arch part of `valid_obj`), with whole large entries: table
 * and frame addresses aligned to their size, no parity on page-table entries, and every
 * large page or supersection present in all 16 entries of its aligned group.
 */
export const wellformedVspaceObjs: Invariant = {
  name: 'wellformed_vspace_objs',
  family: 'vspace',
  summary: 'page-table and page-directory entries are aligned, and large entries fill their 16-entry group',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    s.kheap.forEach((o, addr) => {
      if (o.kind !== 'PageDirectory' && o.kind !== 'PageTable') return;
      for (const [i, p] of tableShapeProblems(o)) out.push(violation('wellformed_vspace_objs', `${showObject(addr)}[${i}]`, p));
    });
    return out;
  },
};

/**
 * `valid_arch_state`: ASID-table entries are ASID pools and no pool is in two entries; the
 * global page directory is one; the global page tables are page tables; the hardware-ASID
 * table is the inverse of the hardware ASIDs in `arm_asid_map`.
 */
export const validArchState: Invariant = {
  name: 'valid_arch_state',
  family: 'vspace',
  summary: 'the ASID table names distinct pools, the global tables exist, hw-ASID table and ASID map are inverse',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    const report = (where: string, message: string): void => void out.push(violation('valid_arch_state', where, message));
    const a = s.arch;
    const pools = new Map<number, number>();
    a.asidTable.forEach((pool, hi) => {
      if (hi < 0 || hi >= 2 ** NUM_ASID_POOLS_BITS) report(`ASID table [${hi}]`, 'index out of range');
      if (s.kheap.get(pool)?.kind !== 'ASIDPool') report(`ASID table [${hi}]`, `names ${hex(pool)}, which is no ASID pool`);
      const other = pools.get(pool);
      if (other !== undefined) report(`ASID table [${hi}]`, `names the pool ${hex(pool)} entry ${other} names too`);
      pools.set(pool, hi);
    });
    if (pageDirectoryAt(s, a.globalPD) === undefined) report('arm_global_pd', `${hex(a.globalPD)} is no page directory`);
    for (const pt of a.globalPTs) if (s.kheap.get(pt)?.kind !== 'PageTable') report('arm_global_pts', `${hex(pt)} is no page table`);
    a.hwASIDTable.forEach((asid, hw) => {
      if (a.asidMap.get(asid)?.hwASID !== hw) report(`hw ASID ${hw}`, `is given to ASID ${asid}, whose ASID-map entry does not hold it`);
    });
    a.asidMap.forEach((e, asid) => {
      if (a.hwASIDTable.get(e.hwASID) !== asid) report(`ASID ${asid}`, `holds hw ASID ${e.hwASID}, which the hw-ASID table gives to ${a.hwASIDTable.get(e.hwASID) ?? 'no ASID'}`);
    });
    return out;
  },
};

/**
 * `valid_asid_map`: every ASID with a hardware ASID is in range, not 0, and its page
 * directory is the one the ASID table and pool name for it (`vspace_at_asid`).
 */
export const validAsidMap: Invariant = {
  name: 'valid_asid_map',
  family: 'vspace',
  summary: 'every ASID-map entry names a live ASID and the page directory its pool holds',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    s.arch.asidMap.forEach((e, asid) => {
      const where = `ASID ${asid}`;
      if (asid <= 0 || asid >= 2 ** ASID_BITS) {
        out.push(violation('valid_asid_map', where, 'out of range or 0'));
        return;
      }
      const pool = s.arch.asidTable.get(asid >>> ASID_POOL_INDEX_BITS);
      const p = pool === undefined ? undefined : s.kheap.get(pool);
      const pd = p?.kind === 'ASIDPool' ? p.entries.get(asid % 2 ** ASID_POOL_INDEX_BITS) : undefined;
      if (pd !== e.pd || pageDirectoryAt(s, e.pd) === undefined) {
        out.push(violation('valid_asid_map', where, `maps to PD ${hex(e.pd)}, but the ASID table reaches ${pd === undefined ? 'nothing' : hex(pd)}`));
      }
    });
    return out;
  },
};

/**
 * l4v `empty_table (set arm_global_pts)` for a page directory: user slots invalid, page
 * tables only global ones. Exported for `valid_table_caps`.
 */
export function emptyTableProblem(s: KernelState, o: KernelObject): string | undefined {
  const globals = s.arch.globalPTs;
  const known = emptyCache.get(o);
  if (known !== undefined && known.globals === globals) return known.problem;
  const problem = emptyProblem(o, globals);
  emptyCache.set(o, { globals, problem });
  return problem;
}

const emptyCache = new WeakMap<KernelObject, { readonly globals: readonly number[]; readonly problem: string | undefined }>();

function emptyProblem(o: KernelObject, globals: readonly number[]): string | undefined {
  if (o.kind === 'PageTable') return o.entries.some((e) => e.kind !== 'InvalidPTE') ? 'the page table is not empty' : undefined;
  if (o.kind !== 'PageDirectory') return `${o.kind} is no page table or page directory`;
  let problem: string | undefined;
  o.entries.forEach((pde, i) => {
    if (problem !== undefined || pde.kind === 'InvalidPDE') return;
    if (!isKernelSlot(i)) problem = `user slot ${i} holds a ${pde.kind}`;
    else if (pde.kind === 'PageTablePDE' && !globals.includes(pde.table)) problem = `kernel slot ${i} names ${hex(pde.table)}, no global page table`;
  });
  return problem;
}

/**
 * `valid_global_objs`: the global page directory holds nothing in user slots and only
 * global page tables in kernel slots; the global page tables hold aligned entries.
 */
export const validGlobalObjs: Invariant = {
  name: 'valid_global_objs',
  family: 'vspace',
  summary: 'the global page directory maps only the kernel window, through global page tables',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    const pd = s.kheap.get(s.arch.globalPD);
    const p = pd === undefined ? 'is missing' : emptyTableProblem(s, pd);
    if (p !== undefined) out.push(violation('valid_global_objs', `global PD ${hex(s.arch.globalPD)}`, p));
    for (const ptr of s.arch.globalPTs) {
      const pt = s.kheap.get(ptr);
      if (pt?.kind !== 'PageTable') {
        out.push(violation('valid_global_objs', `global PT ${hex(ptr)}`, 'is no page table'));
        continue;
      }
      for (const [j, q] of tableShapeProblems(pt)) out.push(violation('valid_global_objs', `global PT ${hex(ptr)}[${j}]`, q));
    }
    return out;
  },
};

const kernelMappingsCache = new WeakMap<PageDirectory, { readonly globals: readonly number[]; readonly problems: readonly [number, string][] }>();

function kernelMappingProblems(pd: PageDirectory, globals: readonly number[]): readonly [number, string][] {
  const out: [number, string][] = [];
  pd.entries.forEach((pde, i) => {
    if (pde.kind !== 'PageTablePDE' || globals.includes(pde.table) === isKernelSlot(i)) return;
    out.push([i, isKernelSlot(i) ? `kernel slot names ${hex(pde.table)}, which is no global page table` : `user slot names the global page table ${hex(pde.table)}`]);
  });
  kernelMappingsCache.set(pd, { globals, problems: out });
  return out;
}

/**
 * `valid_kernel_mappings`: in every page directory, an entry names a global page table
 * exactly when it is a kernel-window slot.
 */
export const validKernelMappings: Invariant = {
  name: 'valid_kernel_mappings',
  family: 'vspace',
  summary: 'page directories reach the global page tables exactly from kernel-window slots',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    const globals = s.arch.globalPTs;
    s.kheap.forEach((o, addr) => {
      if (o.kind !== 'PageDirectory') return;
      const known = kernelMappingsCache.get(o);
      const problems = known !== undefined && known.globals === globals ? known.problems : kernelMappingProblems(o, globals);
      for (const [i, p] of problems) out.push(violation('valid_kernel_mappings', `PD ${hex(addr)}[${i}]`, p));
    });
    return out;
  },
};

const kernelCopyCache = new WeakMap<PageDirectory, { readonly global: PageDirectory; readonly problem: [string, string] | undefined }>();

function kernelEntriesOf(pd: PageDirectory): [number, PDE][] {
  const out: [number, PDE][] = [];
  pd.entries.forEach((pde, i) => {
    if (isKernelSlot(i) && i !== PD_ASID_SLOT) out.push([i, pde]);
  });
  return out;
}

// Where a page directory's kernel slots differ from the global one's ([where suffix, message]).
function kernelCopyProblem(pd: PageDirectory, global: PageDirectory, expected: readonly [number, PDE][]): [string, string] | undefined {
  const differs = expected.find(([i, pde]) => !sameEntry(pd.entries.get(i), pde));
  const problem: [string, string] | undefined = differs !== undefined
    ? [`[${differs[0]}]`, 'differs from the global page directory']
    : kernelEntries(pd) !== expected.length ? ['', 'has kernel-window entries the global page directory lacks'] : undefined;
  kernelCopyCache.set(pd, { global, problem });
  return problem;
}

function kernelEntries(pd: PageDirectory): number {
  let n = 0;
  pd.entries.forEach((_e, i) => {
    if (isKernelSlot(i) && i !== PD_ASID_SLOT) n++;
  });
  return n;
}

/**
 * `equal_kernel_mappings`: every page directory holds the same kernel-window entries, which
 * are the global page directory's (the copy `copy_global_mappings` makes at creation). The
 * entry at `PD_ASID_SLOT` is left out: seL4's C never copies it, since each page directory
 * keeps its own stored hardware ASID there.
 */
export const equalKernelMappings: Invariant = {
  name: 'equal_kernel_mappings',
  family: 'vspace',
  summary: 'every page directory has the global page directory’s kernel-window entries',
  check(s: KernelState): Violation[] {
    const global = pageDirectoryAt(s, s.arch.globalPD);
    if (global === undefined) return []; // valid_arch_state reports it
    let expected: [number, PDE][] | undefined;
    const out: Violation[] = [];
    s.kheap.forEach((o, addr) => {
      if (o.kind !== 'PageDirectory' || o === global) return;
      const known = kernelCopyCache.get(o);
      const problem = known !== undefined && known.global === global ? known.problem : kernelCopyProblem(o, global, (expected ??= kernelEntriesOf(global)));
      if (problem !== undefined) out.push(violation('equal_kernel_mappings', `PD ${hex(addr)}${problem[0]}`, problem[1]));
    });
    return out;
  },
};
