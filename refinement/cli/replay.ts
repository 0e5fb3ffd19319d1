/**
 * `sel4ts replay <token>`: runs the shrunk trace a check printed again, printing each step
 * as it goes. Exit status 1 when the failure reproduces, 0 when the
 * trace now holds.
 *
 * @module
 */
import { describeRun, replayToken, traceLine } from '../check.js';
import { decodeToken } from '../check/token.js';
import { kernelNamed } from './kernels.js';

/** Runs the command; returns the exit status. */
export function replayCommand(token: string): number {
  try {
    decodeToken(token);
  } catch (e) {
    process.stderr.write(`sel4ts replay: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  let i = 0;
  const r = replayToken(token, kernelNamed, {
    onStep: (rec) => {
      process.stdout.write(`${traceLine(i++, rec.text, rec.outcome)}\n`);
    },
  });
  const { diff } = describeRun(r.result);
  const f = r.result.failure;
  process.stdout.write(`kernel: ${r.token.kernel}, ${r.actions.length} actions (found by the check of seed ${r.token.seed})\n`);
  if (f === undefined) {
    process.stdout.write('the trace holds: no failure reproduced\n');
    return 0;
  }
  if (f.step >= 0) process.stdout.write(`${traceLine(f.step, r.result.steps[f.step]!.text, r.result.steps[f.step]!.outcome)}   <- fails here\n`);
  process.stdout.write(`${diff}\n`);
  return 1;
}
