import fc from 'fast-check';
import { actionArb } from './refinement/generators/arbitraries.js';
import { resolveAction } from './refinement/generators/resolve.js';
import { applyUserWrites } from './refinement/check/run.js';
import { SPEC } from './refinement/check/spec-kernel.js';
const traces = fc.sample(fc.array(actionArb(), { minLength: 60, maxLength: 60 }), { numRuns: 60, seed: 7 });
for (const ti of process.argv.slice(2).map(Number)) {
  let s = SPEC.boot();
  console.log('--- trace', ti);
  let n = 0;
  for (const a of traces[ti]!) {
    const r = resolveAction(s, a);
    const out = SPEC.step(applyUserWrites(s, r), r.event);
    const t: any = out.state.kheap.get(out.state.curThread);
    console.log(String(++n).padStart(3), r.text.slice(0, 150), '->', out.outcome.entry, out.outcome.result, '| cur', out.state.curThread.toString(16), t?.state?.kind);
    s = out.state;
    if (n > 12 && r.text.includes('not running')) break;
  }
}
