import fc from 'fast-check';
import { actionArb } from './refinement/generators/arbitraries.js';
import { resolveAction } from './refinement/generators/resolve.js';
import { applyUserWrites } from './refinement/check/run.js';
import { SPEC } from './refinement/check/spec-kernel.js';
import { describeCap } from './refinement/cli/text.js';
const traces = fc.sample(fc.array(actionArb(), { minLength: 60, maxLength: 60 }), { numRuns: 60, seed: 7 });
let s = SPEC.boot();
const acts = traces[36]!;
for (let i = 0; i < 18; i++) {
  const r = resolveAction(s, acts[i]!);
  s = SPEC.step(applyUserWrites(s, r), r.event).state;
  if (i >= 15) { const t: any = s.kheap.get(s.curThread); console.log(i + 1, JSON.stringify(acts[i + 1]).slice(0, 200), s.curThread.toString(16), t.state.kind, t.caps.map(describeCap).join(' | '), 'fh', t.faultHandler); }
}
