import { describe, expect, it } from 'vitest';
import { getObject, getTCB, updateTCB } from '../../../spec/kernel/kheap.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { makeState } from '../fixture.js';

describe('heap reads', () => {
  it('read each state as it is, however reads and writes of other states interleave', () => {
    const s0: KernelState = makeState();
    const t = s0.curThread;
    const states = [s0];
    for (let i = 1; i <= 20; i++) states.push(updateTCB(states[i - 1]!, t, { priority: i }));
    // Reads in an order that revisits old states after newer ones were read and written.
    for (const i of [20, 0, 7, 20, 3, 0, 19, 1]) expect(getTCB(states[i]!, t).priority).toBe(i === 0 ? getTCB(s0, t).priority : i);
    expect(getObject(states[5]!, t)).toBe(states[5]!.kheap.get(t));
    // A heap written directly (not through the setters) is read as it is too.
    const direct = { ...states[20]!, kheap: states[20]!.kheap.set(t, { ...getTCB(states[20]!, t), priority: 99 }) };
    expect(getTCB(direct, t).priority).toBe(99);
    expect(getTCB(states[20]!, t).priority).toBe(20);
  });
});
