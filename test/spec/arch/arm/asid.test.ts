import { Map as PMap } from 'immutable';
import { describe, expect, test } from 'vitest';
import type { KernelState } from '../../../../spec/state/kernel-state.js';
import { findFreeHWASID, getHWASID, invalidateASIDEntry } from '../../../../spec/arch/arm/asid.js';
import { A, makeVMState } from './vm-fixture.js';

const s0 = makeVMState();

// Hardware ASIDs `used` given to ASIDs 100 + hw (their PD is irrelevant to the allocator).
function withHW(s: KernelState, used: readonly number[], nextASID: number): KernelState {
  return {
    ...s,
    arch: {
      ...s.arch,
      nextASID,
      hwASIDTable: PMap(used.map((hw) => [hw, 100 + hw])),
      asidMap: PMap(used.map((hw) => [100 + hw, { hwASID: hw, pd: A.rootPD }])),
    },
  };
}

describe('hardware ASIDs', () => {
  test('get_hw_asid allocates once and records both directions', () => {
    const r = getHWASID(s0, 1);
    expect(r.hwASID).toBe(0);
    expect(r.state.arch.asidMap.get(1)).toEqual({ hwASID: 0, pd: A.rootPD });
    expect(r.state.arch.hwASIDTable.get(0)).toBe(1);
    expect(r.state.arch.nextASID).toBe(0);
    expect(getHWASID(r.state, 1)).toEqual({ state: r.state, hwASID: 0 });
  });

  test('the search starts at next_asid and does not move it', () => {
    const r = findFreeHWASID(withHW(s0, [5, 6], 5));
    expect(r.hwASID).toBe(7);
    expect(r.state.arch.nextASID).toBe(5);
    expect(findFreeHWASID(withHW(s0, [254, 255], 254)).hwASID).toBe(0);
  });

  test('all taken: round robin takes back next_asid from its ASID and moves on, wrapping at 256', () => {
    const all = Array.from({ length: 256 }, (_, i) => i);
    const r = findFreeHWASID(withHW(s0, all, 5));
    expect(r.hwASID).toBe(5);
    expect(r.state.arch.nextASID).toBe(6);
    expect(r.state.arch.hwASIDTable.has(5)).toBe(false);
    expect(r.state.arch.asidMap.has(105)).toBe(false);
    expect(r.state.arch.asidMap.has(106)).toBe(true);
    const w = findFreeHWASID(withHW(s0, all, 255));
    expect([w.hwASID, w.state.arch.nextASID]).toEqual([255, 0]);
    // Taking back one at a time visits every hardware ASID in turn.
    let s = withHW(s0, all, 0);
    const order: number[] = [];
    for (let i = 0; i < 300; i++) {
      const f = findFreeHWASID(s);
      order.push(f.hwASID);
      s = { ...f.state, arch: { ...f.state.arch, hwASIDTable: f.state.arch.hwASIDTable.set(f.hwASID, 1000 + i) } };
    }
    expect(order).toEqual(Array.from({ length: 300 }, (_, i) => i % 256));
  });

  test('invalidate_asid_entry frees both directions', () => {
    const s1 = invalidateASIDEntry(withHW(s0, [3], 0), 103);
    expect(s1.arch.hwASIDTable.size).toBe(0);
    expect(s1.arch.asidMap.size).toBe(0);
  });
});
