// The refinement and invariant properties over generated traces: short runs per label of this
// slice, spec against impl; and every spec state a trace reaches satisfies the invariants.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { implKernel } from '../../refinement/abstraction.js';
import { traceArb } from '../../refinement/check.js';
import { applyUserWrites, runTrace } from '../../refinement/check/run.js';
import { SPEC } from '../../refinement/check/spec-kernel.js';
import { SLICE_LABELS } from '../../refinement/generators/action.js';
import { resolveAction } from '../../refinement/generators/resolve.js';
import { checkInvariants } from '../../refinement/invariants/index.js';

const IMPL = implKernel();

describe('refinement per label', () => {
  for (const label of SLICE_LABELS) {
    test.prop([traceArb(12, label)], { numRuns: 4 })(`impl refines spec: ${label}`, (actions) => {
      const r = runTrace(actions, { spec: SPEC, kernel: IMPL, fullEvery: 6, invariantsEvery: 3 });
      expect(r.failure?.message).toBeUndefined();
    });
  }
});

describe('invariants', () => {
  test.prop([traceArb(25, undefined)], { numRuns: 6 })('hold after every spec step', (actions) => {
    let s = SPEC.boot();
    for (const a of actions) {
      const r = resolveAction(s, a);
      s = SPEC.step(applyUserWrites(s, r), r.event).state;
      expect(checkInvariants(s).map((v) => `${r.text}: ${v.invariant} at ${v.where}: ${v.message}`)).toEqual([]);
    }
  });
});
