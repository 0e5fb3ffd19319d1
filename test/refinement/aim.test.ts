// The aimed action: from a state with two threads, repeated draws aimed at one cell reach it
// (each step an ordinary kernel entry of the spec), for every cell it aims at.
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import { applyUserWrites } from '../../refinement/check/run.js';
import { SPEC } from '../../refinement/check/spec-kernel.js';
import { nameOutcome } from '../../refinement/check/coverage.js';
import { AIM_CELLS, aimAction, type AimAction, type AimCell } from '../../refinement/generators/aim.js';
import { resolveAction } from '../../refinement/generators/resolve.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { twoThreads } from './two-threads.js';

// One aimed step: the state after it and the coverage cell of the entry.
function aimStep(s: KernelState, a: AimAction): { s: KernelState; cell: string } {
  const r = resolveAction(s, a);
  const before = applyUserWrites(s, r);
  const { state, outcome } = SPEC.step(before, r.event);
  const o = nameOutcome(before, r.event, outcome, state);
  return { s: state, cell: `${o.entry}:${o.result}` };
}

// The steps an aimed run takes until it meets `cell` (or gives up after `limit`).
function stepsTo(cell: AimCell, k: number, limit = 12): number | undefined {
  let { s } = twoThreads();
  for (let i = 0; i < limit; i++) {
    const r = aimStep(s, { t: 'Aim', cell, k: k + i, word: 0x5a5a + i, word2: i });
    if (r.cell === cell) return i + 1;
    s = r.s;
  }
  return undefined;
}

describe('aimed actions', () => {
  it.each(AIM_CELLS.map((c) => [c]))('reach %s within a few steps', (cell) => {
    expect(stepsTo(cell, 3)).toBeDefined();
  });

  it('reach a fault delivered to a handler only after giving the thread one', () => {
    // The second thread has no fault handler: the run lets it run, gives it one, then faults.
    expect(stepsTo('UnknownSyscall:FaultDelivered', 3)).toBeGreaterThan(1);
  });

  test.prop([aimAction], { numRuns: 60 })('resolve to an entry of the current thread from any cell', (a) => {
    const { s } = twoThreads();
    const r = resolveAction(s, a);
    expect(r.event.kind === 'Interrupt').toBe(false);
    expect(r.text).toContain(`aiming at ${a.cell.replace(':', ': ')}`);
  });
});
