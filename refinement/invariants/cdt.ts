/**
 * The capability-derivation-tree invariants (l4v `valid_mdb` and its parts, `valid_ioc`,
 * det_ext `valid_list`; `Invariants_AI.thy`, `Deterministic_A.thy`).
 *
 * @module
 */
import { slotKey, type CSlot } from '../../spec/state/cslot.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { capClass, capRange, within } from './cap-range.js';
import { capInSlot, indexOf, showSlotKey, slotOfKey } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

/** `mdb_cte_at`: both ends of every CDT edge are existing slots holding non-null caps. */
export const mdbCteAt: Invariant = {
  name: 'mdb_cte_at',
  family: 'cdt',
  summary: 'every CDT edge joins two existing slots with non-null caps',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    s.cdt.forEach((parent, child) => {
      const pk = slotKey(parent);
      if (!ix.capAt.has(child)) out.push(violation('mdb_cte_at', showSlotKey(ix, child), 'has a CDT parent but holds no cap'));
      if (!ix.capAt.has(pk)) out.push(violation('mdb_cte_at', showSlotKey(ix, pk), `is the CDT parent of ${showSlotKey(ix, child)} but holds no cap`));
    });
    return out;
  },
};

/** `no_mloop`: no slot is its own CDT ancestor. */
export const noMloop: Invariant = {
  name: 'no_mloop',
  family: 'cdt',
  summary: 'the CDT has no cycles',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    // 0 = unvisited, 1 = on the current walk, 2 = known to reach a root.
    const mark = new Map<number, number>();
    s.cdt.forEach((_p, start) => {
      const walk: number[] = [];
      let k: number | undefined = start;
      while (k !== undefined && mark.get(k) === undefined) {
        mark.set(k, 1);
        walk.push(k);
        const p: CSlot | undefined = s.cdt.get(k);
        k = p === undefined ? undefined : slotKey(p);
      }
      if (k !== undefined && mark.get(k) === 1) out.push(violation('no_mloop', showSlotKey(ix, k), 'is its own CDT ancestor'));
      for (const w of walk) mark.set(w, 2);
    });
    return out;
  },
};

/**
 * `descendants_inc`: a CDT descendant has its ancestor's cap class and a cap range inside
 * the ancestor's. Checked per edge, which is equivalent: class equality and range
 * inclusion are transitive.
 */
export const descendantsInc: Invariant = {
  name: 'descendants_inc',
  family: 'cdt',
  summary: 'descendants have the class of their ancestors and lie inside their range',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    s.cdt.forEach((parent, child) => {
      const c = ix.capAt.get(child)?.cap;
      const p = ix.capAt.get(slotKey(parent))?.cap;
      if (c === undefined || p === undefined) return; // mdb_cte_at reports it
      if (capClass(c) !== capClass(p)) {
        out.push(violation('descendants_inc', showSlotKey(ix, child), `${c.kind} (${capClass(c)}) derived from ${p.kind} (${capClass(p)})`));
      } else if (!within(capRange(c), capRange(p))) {
        out.push(violation('descendants_inc', showSlotKey(ix, child), `${c.kind} reaches outside its parent ${p.kind} at ${showSlotKey(ix, slotKey(parent))}`));
      }
    });
    return out;
  },
};

/**
 * Null slots take no part in the CDT: no parent, no children, not original (l4v `valid_ioc`
 * with `mdb_cte_at`; Haskell `valid_nullcaps`: a null CTE has the null MDB node).
 */
export const validNullcaps: Invariant = {
  name: 'valid_nullcaps',
  family: 'cdt',
  summary: 'a null slot has no CDT parent or children and is not original',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    s.isOriginalCap.forEach((k) => {
      if (!ix.capAt.has(k)) out.push(violation('valid_nullcaps', showSlotKey(ix, k), 'is marked original but holds no cap'));
    });
    s.cdtList.forEach((children, p) => {
      if (children.length > 0 && !ix.capAt.has(p)) out.push(violation('valid_nullcaps', showSlotKey(ix, p), 'has CDT children but holds no cap'));
    });
    s.cdt.forEach((_p, c) => {
      if (!ix.capAt.has(c)) out.push(violation('valid_nullcaps', showSlotKey(ix, c), 'has a CDT parent but holds no cap'));
    });
    return out;
  },
};

/** `ut_revocable`: every untyped cap is original. */
export const utRevocable: Invariant = originalCaps('ut_revocable', 'every untyped cap is original', (k) => k === 'UntypedCap');

/** `irq_revocable`: the IRQ control cap is original. */
export const irqRevocable: Invariant = originalCaps('irq_revocable', 'the IRQ control cap is original', (k) => k === 'IRQControlCap');

/** `reply_master_revocable`: every master reply cap is original. */
export const replyMasterRevocable: Invariant = {
  ...originalCaps('reply_master_revocable', 'every master reply cap is original', (k) => k === 'ReplyCap'),
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    return ix.caps
      .filter((c) => c.cap.kind === 'ReplyCap' && c.cap.isMaster && !s.isOriginalCap.has(c.key))
      .map((c) => violation('reply_master_revocable', showSlotKey(ix, c.key), 'master reply cap is not original'));
  },
};

function originalCaps(name: string, summary: string, isKind: (k: string) => boolean): Invariant {
  return {
    name,
    family: 'cdt',
    summary,
    check(s: KernelState): Violation[] {
      const ix = indexOf(s);
      return ix.caps
        .filter((c) => isKind(c.cap.kind) && !s.isOriginalCap.has(c.key))
        .map((c) => violation(name, showSlotKey(ix, c.key), `${c.cap.kind} is not original`));
    },
  };
}

/**
 * det_ext `valid_list`: each slot's ordered child list holds exactly its CDT children, each
 * once, and names existing slots.
 */
export const validList: Invariant = {
  name: 'valid_list',
  family: 'cdt',
  summary: 'cdt_list holds exactly the CDT children of each slot, without duplicates',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    const listed = new Map<number, Set<number>>();
    s.cdtList.forEach((children, p) => {
      const list = children.toArray();
      const keys = list.map(slotKey);
      listed.set(p, new Set(keys));
      if (new Set(keys).size !== keys.length) out.push(violation('valid_list', showSlotKey(ix, p), 'child list has duplicates'));
      list.forEach((c, i) => {
        const parent = s.cdt.get(keys[i]!);
        if (parent === undefined || slotKey(parent) !== p) {
          out.push(violation('valid_list', showSlotKey(ix, p), `lists ${showSlotKey(ix, keys[i]!)} as a child, which the CDT does not`));
        } else if (capInSlot(s, c) === undefined) {
          out.push(violation('valid_list', showSlotKey(ix, p), `lists a slot that does not exist`));
        }
      });
    });
    s.cdt.forEach((parent, c) => {
      if (listed.get(slotKey(parent))?.has(c) !== true) {
        out.push(violation('valid_list', showSlotKey(ix, slotKey(parent)), `child list misses its CDT child ${showSlotKey(ix, c)}`));
      }
      if (slotOfKey(ix, c) === undefined) out.push(violation('valid_list', showSlotKey(ix, c), 'a CDT key names no slot'));
    });
    return out;
  },
};
