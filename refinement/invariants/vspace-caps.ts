/**
 * ARM's virtual-memory invariants between caps and tables: l4v `valid_arch_caps` =
 * `valid_vs_lookup ∧ valid_table_caps ∧ unique_table_caps ∧ unique_table_refs`
 * (`ARM/ArchInvariants_AI.thy`), each checked on its own so a report names the part broken,
 * and the page-table half of the converse of `valid_vs_lookup` (`table_cap_mappings`).
 *
 * The converse does not hold for frames in seL4: a small page may be mapped over another
 * frame's small-page entry (`ensure_safe_mapping` accepts a `SmallPagePTE` there), and
 * deleting a page directory leaves its frames' caps recording the old mapping; so a frame
 * cap's recorded mapping is checked for shape only (`valid_objs`), and the tables are
 * checked to have a cap for each of their mappings.
 *
 * @module
 */
import { ASID_POOL_INDEX_BITS } from '../../abi/config.js';
import { SECTION_BITS } from '../../hardware/descriptors.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { emptyTableProblem } from './vspace.js';
import { indexOf, showSlotKey, type SlotCap, type StateIndex } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';
import { addressSpaces, hex, reachFromSpace, whereOf, type TableReach } from './vspace-lookup.js';

type TableCap = Extract<Cap, { kind: 'ASIDPoolCap' | 'PageDirectoryCap' | 'PageTableCap' | 'FrameCap' }>;

function isTableCap(c: Cap): c is TableCap {
  return c.kind === 'ASIDPoolCap' || c.kind === 'PageDirectoryCap' || c.kind === 'PageTableCap' || c.kind === 'FrameCap';
}

// The arch caps of `s` by the object they name (l4v `obj_refs` is that one pointer).
const capsByRef = new WeakMap<StateIndex, ReadonlyMap<number, readonly SlotCap[]>>();

function archCapsOf(ix: StateIndex): ReadonlyMap<number, readonly SlotCap[]> {
  const hit = capsByRef.get(ix);
  if (hit !== undefined) return hit;
  const m = new Map<number, SlotCap[]>();
  for (const sc of ix.caps) {
    if (!isTableCap(sc.cap)) continue;
    const list = m.get(sc.cap.ptr) ?? [];
    list.push(sc);
    m.set(sc.cap.ptr, list);
  }
  capsByRef.set(ix, m);
  return m;
}

/** l4v `table_cap_ref`, printed: the lookup path a table cap records, or undefined for none. */
function tableCapRef(c: TableCap): string | undefined {
  switch (c.kind) {
    case 'ASIDPoolCap':
      return `pool ${c.asidBase >>> ASID_POOL_INDEX_BITS}`;
    case 'PageDirectoryCap':
      return c.asid === null ? undefined : `ASID ${c.asid}`;
    case 'PageTableCap':
      return c.mapping === null ? undefined : `ASID ${c.mapping.asid} slot ${c.mapping.vaddr >>> SECTION_BITS}`;
    case 'FrameCap':
      return undefined;
  }
}

/** Whether some cap names what a table entry reaches with the matching `vs_cap_ref`. */
function capFor(caps: readonly SlotCap[], r: TableReach): boolean {
  return caps.some(({ cap: c }) => {
    if (r.kind === 'PageTable') {
      return c.kind === 'PageTableCap' && c.mapping !== null && c.mapping.asid === r.space.asid &&
        c.mapping.vaddr >>> SECTION_BITS === r.vaddr >>> SECTION_BITS;
    }
    return c.kind === 'FrameCap' && c.size === r.size && c.mapping !== null && c.mapping.asid === r.space.asid && c.mapping.vaddr === r.vaddr;
  });
}

/**
 * `valid_vs_lookup`: everything reachable through the ASID table has a cap recording that
 * lookup path (`vs_cap_ref`), and nothing is reachable through ASID 0. Where l4v names the
 * 16 entries of a large page or supersection by their own indices, this asks for the cap
 * that records the mapping's base, which is the one seL4 gives.
 */
export const validVsLookup: Invariant = {
  name: 'valid_vs_lookup',
  family: 'vspace',
  summary: 'every pool, page directory, page table and frame the tables reach has a cap recording that mapping',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const caps = archCapsOf(ix);
    const out: Violation[] = [];
    const report = (where: string, message: string): void => void out.push(violation('valid_vs_lookup', where, message));
    s.arch.asidTable.forEach((pool, hi) => {
      const ok = (caps.get(pool) ?? []).some(({ cap: c }) => c.kind === 'ASIDPoolCap' && c.asidBase >>> ASID_POOL_INDEX_BITS === hi);
      if (!ok) report(`ASID table [${hi}]`, `no ASID pool cap to ${hex(pool)} for pool ${hi}`);
    });
    for (const sp of addressSpaces(s)) {
      const where = `ASID pool ${hex(sp.pool)}[${sp.asid % 2 ** ASID_POOL_INDEX_BITS}]`;
      if (sp.asid === 0) report(where, 'a page directory is reachable through ASID 0');
      const ok = (caps.get(sp.pd) ?? []).some(({ cap: c }) => c.kind === 'PageDirectoryCap' && c.asid === sp.asid);
      if (!ok) report(where, `no page-directory cap to ${hex(sp.pd)} with ASID ${sp.asid}`);
      for (const r of reachFromSpace(s, sp)) {
        if (!capFor(caps.get(r.ptr) ?? [], r)) {
          const what = r.kind === 'PageTable' ? 'page-table' : `${r.size ?? ''} frame`;
          report(whereOf(r), `no ${what} cap to ${hex(r.ptr)} mapped at ASID ${sp.asid} ${hex(r.vaddr)}`);
        }
      }
    }
    return out;
  },
};

/** `valid_table_caps`: a page-directory or page-table cap with no ASID names an empty table. */
export const validTableCaps: Invariant = {
  name: 'valid_table_caps',
  family: 'vspace',
  summary: 'unmapped page-directory and page-table caps name empty tables',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const { key, cap: c } of ix.caps) {
      const unmapped = (c.kind === 'PageDirectoryCap' && c.asid === null) || (c.kind === 'PageTableCap' && c.mapping === null);
      if (!unmapped) continue;
      const o = s.kheap.get(c.ptr);
      const p = o === undefined ? undefined : emptyTableProblem(s, o); // valid_objs reports a missing object
      if (p !== undefined) out.push(violation('valid_table_caps', showSlotKey(ix, key), `unmapped ${c.kind} to ${hex(c.ptr)}: ${p}`));
    }
    return out;
  },
};

/** `unique_table_caps`: an unmapped page-directory or page-table cap is the only cap of its kind to its table. */
export const uniqueTableCaps: Invariant = {
  name: 'unique_table_caps',
  family: 'vspace',
  summary: 'an unmapped page-directory or page-table cap is the only one to its table',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const caps = archCapsOf(ix);
    const out: Violation[] = [];
    for (const { key, cap: c } of ix.caps) {
      const unmapped = (c.kind === 'PageDirectoryCap' && c.asid === null) || (c.kind === 'PageTableCap' && c.mapping === null);
      if (!unmapped) continue;
      const other = (caps.get(c.ptr) ?? []).find((o) => o.key !== key && o.cap.kind === c.kind);
      if (other !== undefined) out.push(violation('unique_table_caps', showSlotKey(ix, key), `unmapped ${c.kind} to ${hex(c.ptr)} beside another at ${showSlotKey(ix, other.key)}`));
    }
    return out;
  },
};

/** `unique_table_refs`: all caps to one object record the same table lookup path (`table_cap_ref`). */
export const uniqueTableRefs: Invariant = {
  name: 'unique_table_refs',
  family: 'vspace',
  summary: 'caps to one ASID pool, page directory or page table agree on where it is mapped',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    archCapsOf(ix).forEach((list, ptr) => {
      const first = list[0];
      if (first === undefined || !isTableCap(first.cap)) return;
      const ref = tableCapRef(first.cap);
      const other = list.find((o) => isTableCap(o.cap) && tableCapRef(o.cap) !== ref);
      if (other !== undefined && isTableCap(other.cap)) {
        out.push(violation('unique_table_refs', showSlotKey(ix, other.key),
          `records ${tableCapRef(other.cap) ?? 'no mapping'} for ${hex(ptr)}, the cap at ${showSlotKey(ix, first.key)} ${ref ?? 'no mapping'}`));
      }
    });
    return out;
  },
};

/**
 * `table_cap_mappings` (ours; it follows from `valid_vs_lookup` and `unique_table_refs`): a
 * page table the tables reach is reached exactly where each of its caps records, and a page
 * table whose caps record no mapping is not reached.
 */
export const tableCapMappings: Invariant = {
  name: 'table_cap_mappings',
  family: 'vspace',
  summary: 'page-table caps record where the tables really map their page table',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const caps = archCapsOf(ix);
    const out: Violation[] = [];
    for (const sp of addressSpaces(s)) {
      for (const r of reachFromSpace(s, sp)) {
        if (r.kind !== 'PageTable') continue;
        for (const { key, cap: c } of caps.get(r.ptr) ?? []) {
          if (c.kind !== 'PageTableCap') continue;
          const m = c.mapping;
          if (m === null || m.asid !== sp.asid || m.vaddr >>> SECTION_BITS !== r.vaddr >>> SECTION_BITS) {
            out.push(violation('table_cap_mappings', showSlotKey(ix, key),
              `records ${m === null ? 'no mapping' : `ASID ${m.asid} ${hex(m.vaddr)}`}, but ${whereOf(r)} maps ${hex(r.ptr)} at ASID ${sp.asid} ${hex(r.vaddr)}`));
          }
        }
      }
    }
    return out;
  },
};
