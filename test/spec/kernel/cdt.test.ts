import { describe, expect, test } from 'vitest';
import { ALL_RIGHTS, type Cap } from '../../../spec/state/cap.js';
import type { CSlot } from '../../../spec/state/cslot.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { capInsert, capMove, capSwap } from '../../../spec/kernel/cap-insert.js';
import { cdtChildren, cdtParent, createCap, descendantsOf, ensureNoChildren } from '../../../spec/kernel/cdt.js';
import { getCap, isOriginal, setCap } from '../../../spec/kernel/cspace-access.js';
import { emptySlot } from '../../../spec/kernel/empty-slot.js';
import { A, makeState, rootSlot, SLOT } from '../fixture.js';

const ep = (badge = 0): Cap => ({ kind: 'EndpointCap', ptr: A.ep, badge, rights: ALL_RIGHTS });
const s0 = makeState();
const EP = rootSlot(SLOT.ep);
const r = (i: number): CSlot => rootSlot(i);
const indices = (l: readonly CSlot[]): number[] => l.map((c) => c.index);

/** Inserts copies of the cap in `src` into the given slots, in order. */
function copies(s: KernelState, src: CSlot, dests: number[]): KernelState {
  return dests.reduce((acc, d) => capInsert(acc, getCap(acc, src), src, r(d)), s);
}

describe('cap_insert order (det_ext cap_insert_ext)', () => {
  test('a new child goes to the front of its parent list', () => {
    const s = copies(s0, EP, [40, 41, 42]);
    expect(indices(cdtChildren(s, EP))).toEqual([42, 41, 40]);
    expect(cdtParent(s, r(40))).toEqual(EP);
    expect(isOriginal(s, r(40))).toBe(false);
  });

  test('a copy of a non-original cap is a sibling right after its source', () => {
    const s1 = copies(s0, EP, [40, 41]);
    const s2 = capInsert(s1, getCap(s1, r(41)), r(41), r(50));
    expect(indices(cdtChildren(s2, EP))).toEqual([41, 50, 40]);
    expect(cdtParent(s2, r(50))).toEqual(EP);
    expect(cdtChildren(s2, r(41))).toEqual([]);
  });

  test('a sibling of a root cap (no parent) has no parent either', () => {
    const s1 = setCap(s0, r(60), ep());
    const s2 = capInsert(s1, ep(), r(60), r(61));
    expect(cdtParent(s2, r(61))).toBeUndefined();
  });

  test('a newly badged cap is original and a child of the unbadged original', () => {
    const s = capInsert(s0, ep(5), EP, r(40));
    expect(isOriginal(s, r(40))).toBe(true);
    expect(cdtParent(s, r(40))).toEqual(EP);
    const s2 = capInsert(s, ep(5), r(40), r(41));
    expect(cdtParent(s2, r(41))).toEqual(r(40));
    expect(isOriginal(s2, r(41))).toBe(false);
  });

  test('copying an untyped cap marks the source as full and makes a child', () => {
    const src = rootSlot(SLOT.untyped);
    const s = capInsert(s0, getCap(s0, src), src, r(40));
    expect(getCap(s, src)).toMatchObject({ kind: 'UntypedCap', freeIndex: 2 ** 16 });
    expect(cdtParent(s, r(40))).toEqual(src);
    expect(isOriginal(s, r(40))).toBe(true);
    expect(ensureNoChildren(s, src)).toEqual({ ok: false, error: { kind: 'RevokeFirst' } });
  });
});

describe('cap_move, cap_swap, empty_slot, create_cap order', () => {
  test('a moved cap takes its source place and children', () => {
    const s1 = copies(s0, EP, [40, 41, 42]);
    const s2 = capMove(s1, getCap(s1, r(41)), r(41), r(70));
    expect(indices(cdtChildren(s2, EP))).toEqual([42, 70, 40]);
    const s3 = capMove(s2, getCap(s2, EP), EP, r(71));
    expect(indices(cdtChildren(s3, r(71)))).toEqual([42, 70, 40]);
    expect(cdtParent(s3, r(40))).toEqual(r(71));
    expect(isOriginal(s3, r(71))).toBe(true);
    expect(isOriginal(s3, EP)).toBe(false);
    expect(getCap(s3, EP).kind).toBe('NullCap');
  });

  test('swapped caps exchange places and children', () => {
    const s1 = copies(s0, EP, [40, 41]);
    const s2 = capSwap(s1, getCap(s1, EP), EP, getCap(s1, r(41)), r(41));
    expect(indices(cdtChildren(s2, r(41)))).toEqual([EP.index, 40]);
    expect(cdtParent(s2, EP)).toEqual(r(41));
    expect(cdtParent(s2, r(41))).toBeUndefined();
    expect(isOriginal(s2, r(41))).toBe(true);
  });

  test('an emptied slot gives its place to its children', () => {
    const s1 = copies(s0, EP, [40]);
    const s2 = capInsert(s1, ep(7), EP, r(41));
    const s3 = copies(s2, r(41), [42, 43]);
    const s4 = copies(s3, EP, [44]);
    expect(indices(cdtChildren(s4, EP))).toEqual([44, 41, 40]);
    const s5 = emptySlot(s4, r(41), { kind: 'NullCap' });
    expect(indices(cdtChildren(s5, EP))).toEqual([44, 43, 42, 40]);
    expect(cdtParent(s5, r(43))).toEqual(EP);
    expect(descendantsOf(s5, EP).length).toBe(4);
    expect(isOriginal(s5, r(41))).toBe(false);
  });

  test('create_cap puts the new original cap at the front of the untyped children', () => {
    const ut = rootSlot(SLOT.untyped);
    const s1 = createCap(s0, ut, r(40), { kind: 'NotificationCap', ptr: A.untyped, badge: 0, rights: ALL_RIGHTS });
    const s2 = createCap(s1, ut, r(41), { kind: 'NotificationCap', ptr: A.untyped + 16, badge: 0, rights: ALL_RIGHTS });
    expect(indices(cdtChildren(s2, ut))).toEqual([41, 40]);
    expect(isOriginal(s2, r(41))).toBe(true);
    expect(() => createCap(s2, ut, r(41), ep())).toThrow('full slot');
  });

  test('descendants_of is the preorder of the tree', () => {
    const s1 = capInsert(s0, ep(3), EP, r(40));
    const s2 = copies(s1, r(40), [41]);
    const s3 = copies(s2, EP, [42]);
    expect(indices(descendantsOf(s3, EP))).toEqual([42, 40, 41]);
  });
});
