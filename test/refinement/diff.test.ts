import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { Map as PMap, Set as PSet } from 'immutable';
import { ABSENT, deepEqual, firstDifference, formatDifference, formatPath } from '../../refinement/diff.js';
import { changedElements, changedKeys } from '../../refinement/changed-keys.js';

describe('firstDifference', () => {
  it('finds nothing in equal values, shared or not', () => {
    const a = { kheap: PMap([[0x10020000, { kind: 'CNode', slots: PMap([[2, { x: 1 }]]) }]]), list: [1, 2], bytes: new Uint8Array([1, 2]) };
    const b = { kheap: PMap([[0x10020000, { kind: 'CNode', slots: PMap([[2, { x: 1 }]]) }]]), list: [1, 2], bytes: new Uint8Array([1, 2]) };
    expect(firstDifference(a, a)).toBeUndefined();
    expect(firstDifference(a, b)).toBeUndefined();
    expect(deepEqual(a, b)).toBe(true);
  });

  it('prints the path to the first differing leaf', () => {
    const cap = (grant: boolean) => ({ kind: 'EndpointCap', rights: { read: true, grant } });
    const tcb = (grant: boolean) => ({ kind: 'TCB', caps: [null, null, cap(grant)] });
    const spec = { kheap: PMap([[0x10020000, tcb(true)]]) };
    const impl = { kheap: PMap([[0x10020000, tcb(false)]]) };
    const d = firstDifference(spec, impl);
    expect(d).toBeDefined();
    expect(formatDifference(d!)).toBe('kheap[0x10020000].caps[2].rights.grant: spec=true impl=false');
  });

  it('reports the smallest differing map key and absent sides', () => {
    const a = PMap<number, number>([[5, 1], [3, 1], [9, 1]]);
    const b = PMap<number, number>([[5, 2], [9, 1], [4, 1]]);
    const d = firstDifference(a, b)!;
    expect(formatPath(d.path)).toBe('[0x3]');
    expect(d.left).toBe(1);
    expect(d.right).toBe(ABSENT);
    expect(formatDifference(d)).toBe('[0x3]: spec=1 impl=<absent>');
  });

  it('compares sets, typed arrays and arrays of different length', () => {
    expect(formatPath(firstDifference(PSet([1, 2]), PSet([1, 3]))!.path)).toBe('[0x2]');
    const d = firstDifference({ m: new Uint8Array([0, 0, 7]) }, { m: new Uint8Array([0, 0, 8]) })!;
    expect(formatDifference(d)).toBe('m[0x2]: spec=7 impl=8');
    expect(formatDifference(firstDifference([1], [1, 2])!)).toBe('[1]: spec=<absent> impl=2');
  });

  it('treats a missing field as undefined and prints large numbers in hex', () => {
    expect(firstDifference({ a: 1, b: undefined }, { a: 1 })).toBeUndefined();
    expect(formatDifference(firstDifference({ p: 0x10000000 }, { p: 0x10000010 })!, ['a', 'b'])).toBe(
      'p: a=0x10000000 b=0x10000010',
    );
  });

  test.prop([fc.jsonValue(), fc.jsonValue()])('agrees with JSON equality on JSON values', (x, y) => {
    const same = JSON.stringify(x) === JSON.stringify(y);
    if (same) expect(firstDifference(x, y)).toBeUndefined();
    if (firstDifference(x, y) === undefined) expect(deepEqual(y, x)).toBe(true);
  });
});

describe('changedKeys', () => {
  test.prop([fc.uniqueArray(fc.integer({ min: 0, max: 1 << 30 }), { maxLength: 300 }), fc.array(fc.tuple(fc.nat(400), fc.boolean(), fc.integer()), { maxLength: 20 })])(
    'finds exactly the keys a sequence of updates touched',
    (keys, updates) => {
      const before = PMap<number, { v: number }>(keys.map((k) => [k, { v: k }]));
      let after = before;
      const expected = new Set<number>();
      for (const [i, remove, v] of updates) {
        const k = keys.length > 0 && i < keys.length ? keys[i]! : i * 7919 + 3;
        after = remove ? after.delete(k) : after.set(k, { v });
      }
      before.forEach((v, k) => { if (after.get(k) !== v) expected.add(k); });
      after.forEach((_v, k) => { if (!before.has(k)) expected.add(k); });
      expect(new Set(changedKeys(before, after))).toEqual(expected);
    },
  );

  it('is proportional to the change, not to the map', () => {
    const big = PMap<number, number>().withMutations((m) => { for (let i = 0; i < 100_000; i++) m.set(0x10000000 + i * 16, i); });
    const changed = big.set(0x10000000 + 16 * 500, -1).delete(0x10000000).set(7, 7);
    expect(changedKeys(big, changed).sort((a, b) => a - b)).toEqual([7, 0x10000000, 0x10000000 + 16 * 500]);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) changedKeys(big, changed);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('works for sets', () => {
    const s = PSet([1, 2, 3]);
    expect(changedElements(s, s.add(9).delete(1)).sort()).toEqual([1, 9]);
  });
});
