import { describe, expect, it } from 'vitest';
import type { Action } from '../../../refinement/generators/action.js';
import { field, index, key } from '../../../refinement/diff.js';
import { failureSignature, minimise } from '../../../refinement/check/minimise.js';
import type { RunResult } from '../../../refinement/check/run.js';

// Traces of interrupts on distinct lines stand for actions: line 7 fails, but only after line
// 2 ran. As in the engine, a failing step that ends the trace is seen by the whole comparison
// (first difference: a slot), one in the middle by the per-step comparison (the registers).
const act = (line: number): Action => ({ t: 'Interrupt', line });
const slotPath = [field('kheap'), key(0x1000), field('slots'), key(3)];
const registerPath = [field('kheap'), key(0x2000), field('context'), index(1)];

function run(actions: readonly Action[]): RunResult {
  const lines = actions.map((a) => (a.t === 'Interrupt' ? a.line : null));
  const step = lines.indexOf(7);
  if (step < 0 || !lines.slice(0, step).includes(2)) return { steps: [] };
  const path = step === actions.length - 1 ? slotPath : registerPath;
  return { steps: [], failure: { kind: 'divergence', side: 'both', step, message: 'differs', difference: { path, left: 0, right: 1 } } };
}

describe('minimise', () => {
  const trace = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(act);

  it('keeps only the actions the failure needs', () => {
    const kept = minimise(trace, run(trace), run);
    expect(kept).toEqual([2, 7]);
  });

  it('judges smaller traces against the failure of the trace cut after the failing step', () => {
    // The full trace fails in the middle (registers); every cut trace ends at the failing step
    // (a slot). Against the first signature nothing would count as the same failure.
    expect(failureSignature(run(trace).failure!)).not.toBe(failureSignature(run(trace.slice(0, 8)).failure!));
    expect(minimise(trace, run(trace), run).length).toBe(2);
  });

  it('keeps everything of a trace that holds', () => {
    const holds = [0, 1, 3].map(act);
    expect(minimise(holds, run(holds), run)).toEqual([0, 1, 2]);
  });
});
