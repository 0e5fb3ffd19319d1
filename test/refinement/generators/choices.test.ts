import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { optionalRun } from '../../../refinement/generators/choices.js';

// A trace of a setup run and a body; the failure needs only a large body value.
function shrunkRun(setup: fc.Arbitrary<number[]>): number[] | undefined {
  const details = fc.check(
    fc.property(setup, fc.nat({ max: 100 }), (_run, n) => n < 50),
    { seed: 42, numRuns: 1000 },
  );
  const found = details.counterexample;
  return found === null ? undefined : found[0];
}

describe('optionalRun', () => {
  const run = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 3, maxLength: 3 });

  it('shrinks away a run the failure does not need', () => {
    expect(shrunkRun(optionalRun(1, 3, run))).toEqual([]);
  });

  it('draws the run in about the share of traces its weight gives', () => {
    const drawn = fc.sample(optionalRun(1, 3, run), { seed: 1, numRuns: 2000 });
    const withRun = drawn.filter((r) => r.length > 0).length / drawn.length;
    expect(withRun).toBeGreaterThan(0.65);
    expect(withRun).toBeLessThan(0.85);
  });
});
