/**
 * `valid_global_refs` (l4v `Invariants_AI.thy`, ARM `global_refs`): no cap covers one of the
 * kernel's own objects, the idle thread, the global page directory, the global page tables
 * or an IRQ-node CNode, so user level can never delete, retype or invoke them.
 *
 * @module
 */
import { MAX_IRQ, SLOT_BITS } from '../../abi/config.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { capRange, isEmpty, overlaps, type Range } from './cap-range.js';
import { indexOf, showSlotKey } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

/**
 * `valid_global_refs`: no cap's `cap_range` (the untyped range, or the object it names)
 * contains a global ref. The IRQ node is a run of slot-sized CNodes, so it is one range: a
 * cap meets it when its range overlaps the run at a slot boundary.
 */
export const validGlobalRefs: Invariant = {
  name: 'valid_global_refs',
  family: 'refs',
  summary: 'no cap covers the idle thread, the global page directory or tables, or the IRQ node',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const points = [s.idleThread, s.arch.globalPD, ...s.arch.globalPTs];
    const slot = 2 ** SLOT_BITS;
    const node: Range = { lo: s.irqNode, hi: s.irqNode + MAX_IRQ * slot };
    const out: Violation[] = [];
    for (const c of ix.caps) {
      const r = capRange(c.cap);
      if (isEmpty(r)) continue;
      let hitsPoint = false;
      for (const p of points) if (p >= r.lo && p <= r.hi) hitsPoint = true;
      const hitsNode = overlaps(r, node) && (r.lo !== r.hi || (r.lo - s.irqNode) % slot === 0);
      if (hitsPoint || hitsNode) out.push(violation('valid_global_refs', showSlotKey(ix, c.key), `${c.cap.kind} covers ${hitsPoint ? 'a global object' : 'the IRQ node'}`));
    }
    return out;
  },
};
