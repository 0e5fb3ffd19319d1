import fc from 'fast-check';
import { actionArb } from './refinement/generators/arbitraries.js';
import { resolveAction } from './refinement/generators/resolve.js';
import { applyUserWrites } from './refinement/check/run.js';
import { SPEC } from './refinement/check/spec-kernel.js';
const traces = fc.sample(fc.array(actionArb(), { minLength: 60, maxLength: 60 }), { numRuns: Number(process.argv[2] ?? 40), seed: 7 });
const counts = new Map<string, number>();
const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
let total = 0;
const idleAt: number[] = [];
for (const actions of traces) {
  let s = SPEC.boot();
  let firstIdle = -1;
  actions.forEach((a, i) => {
    const r = resolveAction(s, a);
    total++;
    const m = r.text.match(/^(\w+:)?(\w+)/);
    let key = r.text.includes('not running') ? 'IDLE' : (r.text.startsWith('Yield() (') ? 'Y:' + r.text.replace(/0x[0-9a-f]+/g, '').slice(0, 60) : (m?.[2] ?? r.text));
    bump(key);
    if (r.text.includes('not running') && firstIdle < 0) firstIdle = i;
    const out = SPEC.step(applyUserWrites(s, r), r.event);
    bump('=> ' + out.outcome.entry + ' ' + out.outcome.result);
    s = out.state;
  });
  idleAt.push(firstIdle);
}
console.log('total', total, 'first idle', idleAt.join(' '));
for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(5), k);
// end-of-trace summaries
{
  const { cspaceView } = await import('./refinement/generators/cspace.js');
  let i = 0;
  for (const actions of traces.slice(0, 12)) {
    let s = SPEC.boot();
    const curs = new Set<number>();
    for (const a of actions) { const r = resolveAction(s, a); s = SPEC.step(applyUserWrites(s, r), r.event).state; curs.add(s.curThread); }
    const v = cspaceView(SPEC.boot())!;
    const root: any = s.kheap.get(v.rootCap!.ptr);
    const kinds = new Map<string, number>();
    root.slots.forEach((c: any) => kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1));
    const tcbs: string[] = [];
    s.kheap.forEach((o: any, p: number) => { if (o.kind === 'TCB') tcbs.push(`${o.state.kind}/p${o.priority}/${o.caps[0].kind === 'CNodeCap' ? 'cs' : '-'}`); });
    console.log(i++, 'EP', kinds.get('EndpointCap') ?? 0, 'NT', kinds.get('NotificationCap') ?? 0, 'TC', kinds.get('ThreadCap'), 'curs', curs.size, tcbs.join(' '));
  }
}
{
  const { canAct, rootTask } = await import('./refinement/generators/threads.js');
  const { cspaceView } = await import('./refinement/generators/cspace.js');
  let child = 0, all = 0;
  for (const actions of traces) {
    let s = SPEC.boot();
    const root = s.curThread;
    for (const a of actions) { const r = resolveAction(s, a); s = SPEC.step(applyUserWrites(s, r), r.event).state; all++; if (s.curThread !== root && s.curThread !== s.idleThread) child++; }
  }
  console.log('child current', child, 'of', all);
}
