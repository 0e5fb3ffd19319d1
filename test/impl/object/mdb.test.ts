import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { LABEL } from '../../../abi/labels.js';
import * as C from '../../../impl/object/cap.js';
import { cteGetNext, cteGetPrev } from '../../../impl/object/mdb.js';
import { SLOT, allFixtureSlots, invoke, makeKernel, mdbProblems } from '../fixture.js';

// Slots the random operations use: the fixture's caps and some empty slots.
const slot = fc.constantFrom(SLOT.ep, SLOT.ntfn, SLOT.cnode2, SLOT.untyped, SLOT.irqControl, SLOT.domain, 40, 41, 42, 43, 44, 45);
const data = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 0xffffffff }));
const rights = fc.integer({ min: 0, max: 15 });

type Op = { label: number; mrs: number[]; caps: number[] };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(slot, slot, rights).map(([d, s, r]) => ({ label: LABEL.CNodeCopy, mrs: [d, 32, s, 32, r], caps: [SLOT.cnode] })),
  fc.tuple(slot, slot, rights, data).map(([d, s, r, b]) => ({ label: LABEL.CNodeMint, mrs: [d, 32, s, 32, r, b], caps: [SLOT.cnode] })),
  fc.tuple(slot, slot).map(([d, s]) => ({ label: LABEL.CNodeMove, mrs: [d, 32, s, 32], caps: [SLOT.cnode] })),
  fc.tuple(slot, slot, data).map(([d, s, b]) => ({ label: LABEL.CNodeMutate, mrs: [d, 32, s, 32, b], caps: [SLOT.cnode] })),
  fc.tuple(slot, slot, slot).map(([d, p, s]) => ({ label: LABEL.CNodeRotate, mrs: [d, 32, 0, p, 32, 0, s, 32], caps: [SLOT.cnode, SLOT.cnode] })),
  slot.map((d) => ({ label: LABEL.CNodeDelete, mrs: [d, 32], caps: [] })),
  slot.map((d) => ({ label: LABEL.CNodeRevoke, mrs: [d, 32], caps: [] })),
);

// Follows `next` links from `start` and reports a cycle.
function hasCycle(k: ReturnType<typeof makeKernel>, start: number): boolean {
  const seen = new Set<number>();
  for (let s = start; s !== 0; s = cteGetNext(k.mem, s)) {
    if (seen.has(s)) return true;
    seen.add(s);
  }
  return false;
}

describe('MDB integrity', () => {
  test.prop([fc.array(op, { minLength: 1, maxLength: 30 })], { numRuns: 200 })(
    'prev/next stay mutual, null slots unlinked, no cycles, after any CNode operations', (ops) => {
      const k = makeKernel();
      for (const o of ops) {
        const r = invoke(k, SLOT.cnode, o);
        expect(r.label).toBeLessThanOrEqual(10);
        const slots = allFixtureSlots();
        expect(mdbProblems(k, slots)).toEqual([]);
        for (const s of slots) {
          if (cteGetPrev(k.mem, s) === 0 && C.capGetCapType(k.mem.read32(s)) !== C.CAP_NULL) expect(hasCycle(k, s)).toBe(false);
        }
      }
    });
});
