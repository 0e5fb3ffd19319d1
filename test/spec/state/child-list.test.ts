import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ChildList } from '../../../spec/state/child-list.js';
import type { CSlot } from '../../../spec/state/cslot.js';

// Slots of one CNode at 0x1000 (index i has slot key 0x1000 + 16 i).
const at = (i: number): CSlot => ({ obj: 0x1000, index: i });
const same = (a: CSlot, b: CSlot): boolean => a.obj === b.obj && a.index === b.index;

// The List_Lib functions over arrays, as l4v states them: the reference for every form.
const ref = {
  remove: (l: readonly CSlot[], a: CSlot) => l.filter((x) => !same(x, a)),
  replace: (l: readonly CSlot[], a: CSlot, b: CSlot) => l.map((x) => (same(x, a) ? b : x)),
  swap: (l: readonly CSlot[], a: CSlot, b: CSlot) => l.map((x) => (same(x, a) ? b : same(x, b) ? a : x)),
  insertAfter: (l: readonly CSlot[], a: CSlot, b: CSlot) => {
    const i = l.findIndex((x) => same(x, a));
    return i < 0 ? [...l] : [...l.slice(0, i + 1), b, ...l.slice(i + 1)];
  },
  replaceWithList: (l: readonly CSlot[], a: CSlot, bs: readonly CSlot[]) => {
    const i = l.findIndex((x) => same(x, a));
    return i < 0 ? [...l] : [...l.slice(0, i), ...bs, ...l.slice(i + 1)];
  },
};

type Op =
  | { op: 'remove'; a: number }
  | { op: 'replace' | 'swap' | 'insertAfter'; a: number; b: number }
  | { op: 'prepend'; b: number }
  | { op: 'replaceWithList' | 'concat'; a: number; bs: number[] };

// Small indices, so that operations hit existing members often; lists up to 60 long cross
// both forms (array and linked).
const idx = fc.nat({ max: 80 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('remove' as const), a: idx }),
  fc.record({ op: fc.constantFrom('replace' as const, 'swap' as const, 'insertAfter' as const), a: idx, b: idx }),
  fc.record({ op: fc.constant('prepend' as const), b: idx }),
  fc.record({ op: fc.constantFrom('replaceWithList' as const, 'concat' as const), a: idx, bs: fc.array(idx, { maxLength: 25 }) }),
);

function apply(l: ChildList, o: Op): ChildList {
  switch (o.op) {
    case 'remove': return l.remove(at(o.a));
    case 'replace': return l.replace(at(o.a), at(o.b));
    case 'swap': return l.swap(at(o.a), at(o.b));
    case 'insertAfter': return l.insertAfter(at(o.a), at(o.b));
    case 'prepend': return l.prepend(at(o.b));
    case 'replaceWithList': return l.replaceWithList(at(o.a), ChildList.of(o.bs.map(at)));
    case 'concat': return l.concat(ChildList.of(o.bs.map(at)));
  }
}

function applyRef(l: readonly CSlot[], o: Op): readonly CSlot[] {
  switch (o.op) {
    case 'remove': return ref.remove(l, at(o.a));
    case 'replace': return ref.replace(l, at(o.a), at(o.b));
    case 'swap': return ref.swap(l, at(o.a), at(o.b));
    case 'insertAfter': return ref.insertAfter(l, at(o.a), at(o.b));
    case 'prepend': return [at(o.b), ...l];
    case 'replaceWithList': return ref.replaceWithList(l, at(o.a), o.bs.map(at));
    case 'concat': return [...l, ...o.bs.map(at)];
  }
}

describe('ChildList', () => {
  test.prop([fc.uniqueArray(idx, { maxLength: 60 }), fc.array(op, { maxLength: 40 })])(
    'every operation means what List_Lib says, in either form',
    (start, ops) => {
      let l = ChildList.of(start.map(at));
      let r: readonly CSlot[] = start.map(at);
      for (const o of ops) {
        l = apply(l, o);
        r = applyRef(r, o);
        expect(l.toArray()).toEqual(r);
        expect(l.length).toBe(r.length);
        expect([...l]).toEqual(r);
        expect(l.first()).toEqual(r[0]);
        expect(l.equals(ChildList.of(r))).toBe(true);
        expect(l.hashCode()).toBe(ChildList.of(r).hashCode());
      }
    },
  );

  it('keeps a long list linked and a short one an array, equal either way', () => {
    const long = ChildList.of(Array.from({ length: 40 }, (_, i) => at(i)));
    const short = Array.from({ length: 40 }, (_, i) => i).reduce((l, i) => (i < 36 ? l.remove(at(i)) : l), long);
    expect(short.toArray()).toEqual([at(36), at(37), at(38), at(39)]);
    expect(short.equals(ChildList.of([at(36), at(37), at(38), at(39)]))).toBe(true);
    expect(long.equals(short)).toBe(false);
  });

  it('represents a broken list with a repeated slot (valid_list rules it out)', () => {
    const l = ChildList.of(Array.from({ length: 30 }, (_, i) => at(i % 20)));
    expect(l.length).toBe(30);
    expect(l.remove(at(3)).length).toBe(28);
  });
});
