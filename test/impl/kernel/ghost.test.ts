// The ghost table: a run (boot's interrupt node) reads exactly like the same objects added one
// by one, through every later change.
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { GhostTable, type GhostObject } from '../../../impl/kernel/ghost.js';

const BASE = 0x10028000;
const COUNT = 160;

// The reference: the same objects, each added on its own, in a plain map.
function asMap(t: GhostTable): Map<number, GhostObject> {
  return new Map([...t.entries()].map(([a, o]) => [a, { ...o }]));
}

type Op =
  | { readonly op: 'add'; readonly addr: number; readonly bits: number }
  | { readonly op: 'remove'; readonly addr: number }
  | { readonly op: 'removeRange'; readonly addr: number; readonly bits: number };

// Addresses near the run (inside it, at its edges, misaligned) and elsewhere.
const addr = fc.oneof(
  fc.integer({ min: -2, max: COUNT + 2 }).map((i) => BASE + 16 * i),
  fc.integer({ min: 0, max: 16 * COUNT }).map((o) => BASE + o),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), addr, bits: fc.integer({ min: 4, max: 14 }) }),
  fc.record({ op: fc.constant('remove' as const), addr }),
  fc.record({ op: fc.constant('removeRange' as const), addr: addr.map((a) => a & ~0xfff), bits: fc.integer({ min: 4, max: 16 }) }),
);

function apply(t: GhostTable, o: Op): void {
  if (o.op === 'add') t.add(o.addr, 'CapTable', o.bits);
  else if (o.op === 'remove') t.remove(o.addr);
  else t.removeRange(o.addr, o.bits);
}

describe('GhostTable.addRun', () => {
  test('reads as one entry per object', () => {
    const t = new GhostTable();
    t.add(0x10024000, 'PageDirectory', 14);
    t.addRun(BASE, COUNT, 'CapTable', 4);
    expect(t.size).toBe(COUNT + 1);
    expect(t.get(BASE)).toEqual({ kind: 'CapTable', sizeBits: 4, isDevice: false });
    expect(t.get(BASE + 16 * (COUNT - 1))?.kind).toBe('CapTable');
    expect(t.get(BASE + 16 * COUNT)).toBeUndefined();
    expect(t.get(BASE + 8)).toBeUndefined();
    expect(t.get(BASE - 16)).toBeUndefined();
    expect([...t.entries()].filter(([, o]) => o.kind === 'CapTable').map(([a]) => a))
      .toEqual(Array.from({ length: COUNT }, (_, i) => BASE + 16 * i));
    expect(t.clone().size).toBe(COUNT + 1);
  });

  test.prop([fc.array(op, { maxLength: 12 })])('changes after a run act as on separately added objects', (ops) => {
    const run = new GhostTable();
    const each = new GhostTable();
    run.addRun(BASE, COUNT, 'CapTable', 4);
    for (let i = 0; i < COUNT; i++) each.add(BASE + 16 * i, 'CapTable', 4);
    for (const o of ops) {
      apply(run, o);
      apply(each, o);
    }
    expect(run.size).toBe(each.size);
    expect(asMap(run)).toEqual(asMap(each));
    expect(asMap(run.clone())).toEqual(asMap(each));
    for (const o of ops) expect(run.get(o.addr)).toEqual(each.get(o.addr));
  });

  test('a run over an existing entry, or a second run, is added entry by entry', () => {
    const t = new GhostTable();
    t.add(BASE + 32, 'TCB', 9);
    t.addRun(BASE, 4, 'CapTable', 4);
    expect(t.get(BASE + 32)?.kind).toBe('CapTable');
    expect(t.size).toBe(4);
    t.addRun(0x20000000, 2, 'Endpoint', 4);
    expect(t.size).toBe(6);
    expect(t.get(0x20000010)?.kind).toBe('Endpoint');
  });
});
