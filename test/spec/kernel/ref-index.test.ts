import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import type { Cap } from '../../../spec/state/cap.js';
import { slotKey, type CSlot } from '../../../spec/state/cslot.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { callKernelWithOutcome } from '../../../spec/kernel/entry.js';
import { genObjRefs, isFinalCap } from '../../../spec/kernel/empty-slot.js';
import { makeState, prepare, SLOT } from '../fixture.js';

/** Every non-null cap slot, by scanning the heap. */
function allCaps(s: KernelState): [CSlot, Cap][] {
  const out: [CSlot, Cap][] = [];
  for (const [ptr, obj] of s.kheap) {
    if (obj.kind === 'CNode') for (const [index, cap] of obj.slots) out.push([{ obj: ptr, index }, cap]);
    if (obj.kind === 'TCB') obj.caps.forEach((cap, index) => cap.kind !== 'NullCap' && out.push([{ obj: ptr, index }, cap]));
  }
  return out;
}

/** l4v is_final_cap by definition: exactly one slot holds a cap sharing a reference. */
function finalByScan(s: KernelState, cap: Cap): boolean {
  const ref = genObjRefs(cap);
  return ref !== null && allCaps(s).filter(([, c]) => genObjRefs(c) === ref).length === 1;
}

/** l4v valid_list: the child lists hold exactly the cdt's children, without duplicates. */
function validList(s: KernelState): boolean {
  for (const [parentKey, list] of s.cdtList) {
    const children = list.toArray();
    if (children.length === 0) return false;
    const keys = children.map(slotKey);
    if (new Set(keys).size !== keys.length) return false;
    if (children.some((c) => s.cdt.get(slotKey(c)) === undefined || slotKey(s.cdt.get(slotKey(c))!) !== parentKey)) return false;
  }
  for (const [childKey, parent] of s.cdt) {
    if (!(s.cdtList.get(slotKey(parent))?.toArray() ?? []).some((c) => slotKey(c) === childKey)) return false;
  }
  return true;
}

const slotArb = fc.oneof(fc.constantFrom(SLOT.ep, SLOT.ntfn, SLOT.cnodeB, SLOT.tcb, SLOT.untyped, SLOT.domain, SLOT.irqControl), fc.integer({ min: 32, max: 40 }));
const op = fc.record({
  label: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: LABEL.CNodeRevoke, max: LABEL.CNodeSaveCaller }) },
    { weight: 1, arbitrary: fc.constant(LABEL.UntypedRetype) },
  ),
  type: fc.nat({ max: 10 }),
  size: fc.nat({ max: 4 }),
  dest: slotArb,
  src: slotArb,
  pivot: slotArb,
  rights: fc.nat({ max: 15 }),
  data: fc.oneof(fc.nat({ max: 7 }), fc.constant(2 << 3)),
});

describe('the reference count behind is_final_cap, and the CDT child lists', () => {
  test.prop([fc.array(op, { minLength: 1, maxLength: 30 })], { numRuns: 200 })(
    'agree with their definitions after any sequence of CNode invocations',
    (ops) => {
      let s = makeState();
      for (const o of ops) {
        const retype = o.label === LABEL.UntypedRetype;
        const mrs = retype
          ? [o.type, o.size, 0, 0, 32 + o.size, 1 + (o.rights % 3)]
          : o.label === LABEL.CNodeRotate
            ? [o.dest, 32, o.data, o.pivot, 32, o.data, o.src, 32]
            : [o.dest, 32, o.src, 32, o.label === LABEL.CNodeMutate ? o.data : o.rights, o.data];
        const cptr = retype ? SLOT.untyped : SLOT.cnode;
        const r = callKernelWithOutcome(prepare(s, { cptr, label: o.label, mrs, extraCaps: [SLOT.cnode, SLOT.cnode] }), {
          kind: 'Syscall',
          syscall: 'SysCall',
        });
        if (r.state.curThread === r.state.idleThread) break;
        s = r.state;
        expect(validList(s)).toBe(true);
        for (const [, cap] of allCaps(s)) expect(isFinalCap(s, cap)).toBe(finalByScan(s, cap));
      }
    },
  );
});
