import fc from 'fast-check';
import { test } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import { wordFromMessageInfo } from '../../../abi/message-info.js';
import { callKernelWithOutcome } from '../../../spec/kernel/entry.js';
import { NotModelledYet } from '../../../spec/kernel/panic.js';
import { makeState, prepare } from '../fixture.js';
test('cov', () => {
  const hist = new Map<string, number>();
  const small = fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(32));
  const samples = fc.sample(fc.record({ cptr: small, label: fc.integer({ min: LABEL.CNodeRevoke, max: LABEL.CNodeSaveCaller }), mrs: fc.array(small, {maxLength: 8}), caps: fc.array(small, {maxLength: 2}) }), 3000);
  let s = makeState();
  let nmy = 0;
  for (const m of samples) {
    try {
      const r = callKernelWithOutcome(prepare(s, { cptr: m.cptr, label: m.label, mrs: m.mrs, extraCaps: m.caps }), { kind: 'Syscall', syscall: 'SysCall' });
      const k = r.outcome.entry + ':' + r.outcome.result;
      hist.set(k, (hist.get(k) ?? 0) + 1);
      if (r.state.curThread === r.state.idleThread) s = makeState(); else s = r.state;
    } catch (e) { if (e instanceof NotModelledYet) { nmy++; continue; } throw e; }
  }
  console.log([...hist].sort().map(([k, v]) => `${k} ${v}`).join('\n'), 'NMY', nmy);
});
