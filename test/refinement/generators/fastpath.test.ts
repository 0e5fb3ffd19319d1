import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../../refinement/generators/action.js';
import { CALL_GOALS, REPLY_RECV_GOALS, fastpathAction, type FastpathGoal } from '../../../refinement/generators/fastpath.js';
import { runTrace } from '../../../refinement/check/run.js';
import { SPEC } from '../../../refinement/check/spec-kernel.js';
import { implKernelWithFastpathTwin } from '../../../refinement/check/fastpath-twin.js';

// The k of draws that pursue their own goal (not the trace's) and take no other goal's step.
const OWN_K = Array.from({ length: 40000 }, (_, k) => k).filter((k) => k % 5 === 0 && (k >>> 2) % 3 !== 0 && (k >>> 4) % 4 === 0);

// Traces of fastpath actions aimed at one goal, after a few switches that bring threads to
// life and with a switch now and then; run on the spec, the impl and the impl's fastpath-off
// twin, compared after every entry.
function tracesFor(path: 'SysCall' | 'SysReplyRecv', goal: FastpathGoal, seed: number): Action[][] {
  const draws = fc.sample(fastpathAction, { numRuns: 6 * 45, seed });
  const bringUp: Action[] = [0, 1, 2, 3, 4, 5].map((k) => ({ t: 'Switch', from: 3, k }));
  return [0, 1, 2, 3, 4, 5].map((t) => [
    ...bringUp,
    ...draws.slice(t * 45, t * 45 + 45).flatMap((d, i): Action[] => [
      { ...d, path, goal, k: OWN_K[(i * 37 + t * 101 + seed) % OWN_K.length]! },
      // Now and then a switch, as the mix has: another thread runs.
      ...(i % 3 === 2 ? [{ t: 'Switch' as const, from: 2 + (i % 2), k: i }] : []),
    ]),
  ]);
}

function reach(path: 'SysCall' | 'SysReplyRecv', goal: FastpathGoal): { count: number; failures: string[] } {
  const kernel = implKernelWithFastpathTwin();
  const failures: string[] = [];
  for (const trace of tracesFor(path, goal, 11)) {
    const r = runTrace(trace, { spec: SPEC, kernel, fullEvery: 10, invariantsEvery: 10 });
    if (r.failure !== undefined) failures.push(`${r.failure.kind}: ${r.failure.message}`);
    const c = kernel.fastpathCounts()![path];
    const count = goal === 'hit' ? c.hit : c.fallback[goal]!;
    if (count > 0) return { count, failures };
  }
  const c = kernel.fastpathCounts()![path];
  return { count: goal === 'hit' ? c.hit : c.fallback[goal]!, failures };
}

describe('the fastpath action', () => {
  for (const goal of CALL_GOALS) {
    it(`reaches SysCall ${goal === 'hit' ? 'a hit' : `the ${goal} fallback`}`, () => {
      const r = reach('SysCall', goal);
      expect(r.failures).toEqual([]);
      expect(r.count).toBeGreaterThan(0);
    });
  }
  for (const goal of REPLY_RECV_GOALS) {
    it(`reaches SysReplyRecv ${goal === 'hit' ? 'a hit' : `the ${goal} fallback`}`, () => {
      const r = reach('SysReplyRecv', goal);
      expect(r.failures).toEqual([]);
      expect(r.count).toBeGreaterThan(0);
    });
  }
});
