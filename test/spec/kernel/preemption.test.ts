import { describe, expect, test } from 'vitest';
import { Reg } from '../../../hardware/registers.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { capInsert } from '../../../spec/kernel/cap-insert.js';
import { cdtChildren } from '../../../spec/kernel/cdt.js';
import { getCap } from '../../../spec/kernel/cspace-access.js';
import { getTCB } from '../../../spec/kernel/kheap.js';
import { preemptionPoint } from '../../../spec/kernel/preemption.js';
import { A, makeState, prepare, reply, rootSlot, SLOT, step, TIMER_IRQ, withRegs } from '../fixture.js';

/** The fixture with `n` copies of the endpoint cap, and a Revoke of it prepared in the registers. */
function manyCopies(n: number, irqPending: number[]): KernelState {
  const ep = rootSlot(SLOT.ep);
  let s = makeState();
  for (let i = 0; i < n; i++) s = capInsert(s, getCap(s, ep), ep, rootSlot(100 + i));
  s = withRegs(s, { [Reg.FaultIP]: 0x8000, [Reg.NextIP]: 0x8004 });
  s = prepare(s, { cptr: SLOT.cnode, label: 'CNodeRevoke', mrs: [SLOT.ep, 32] });
  return { ...s, machine: { ...s.machine, irqPending } };
}

const call = { kind: 'Syscall', syscall: 'SysCall' } as const;

describe('preemption points', () => {
  test('every 100 work units the kernel checks for an unmasked pending interrupt', () => {
    const s = makeState();
    expect(preemptionPoint({ ...s, workUnitsCompleted: 98 })).toMatchObject({ preempted: false, state: { workUnitsCompleted: 99 } });
    expect(preemptionPoint({ ...s, workUnitsCompleted: 99 })).toMatchObject({ preempted: false, state: { workUnitsCompleted: 0 } });
    const pending = { ...s, workUnitsCompleted: 99, machine: { ...s.machine, irqPending: [TIMER_IRQ] } };
    expect(preemptionPoint(pending)).toMatchObject({ preempted: true, state: { workUnitsCompleted: 0 } });
    const masked = { ...pending, machine: { ...pending.machine, irqPending: [40] } };
    expect(preemptionPoint(masked).preempted).toBe(false);
  });

  test('a revoke is preempted after 100 deletions, the interrupt handled, and the call restarts', () => {
    const s0 = manyCopies(150, [TIMER_IRQ]);
    const first = step(s0, call);
    expect(first.outcome).toEqual({ entry: 'CNodeRevoke', result: 'Preempted' });
    const s1 = first.state;
    expect(cdtChildren(s1, rootSlot(SLOT.ep)).length).toBe(50);
    expect(s1.workUnitsCompleted).toBe(0);
    // The timer interrupt was taken: the line consumed, one tick off the domain time; the time
    // slice is unchanged, as the thread was in Restart (not Running) during the tick.
    expect(s1.machine.irqPending).toEqual([]);
    expect(s1.domainTime).toBe(99n);
    expect(getTCB(s1, A.rootTCB).timeSlice).toBe(5);
    // The caller restarts its system call: NextIP = FaultIP, no reply written.
    const t = getTCB(s1, A.rootTCB);
    expect(t.state).toEqual({ kind: 'Running' });
    expect(t.context[Reg.NextIP]).toBe(0x8000);
    expect(t.context[Reg.R1]).toBe(getTCB(s0, A.rootTCB).context[Reg.R1]);

    const second = step(s1, call);
    expect(second.outcome).toEqual({ entry: 'CNodeRevoke', result: 'ok' });
    expect(cdtChildren(second.state, rootSlot(SLOT.ep))).toEqual([]);
    expect(second.state.workUnitsCompleted).toBe(50);
    expect(reply(second.state).label).toBe(0);
  });

  test('without a pending interrupt the revoke runs to the end', () => {
    const r = step(manyCopies(150, []), call);
    expect(r.outcome.result).toBe('ok');
    expect(cdtChildren(r.state, rootSlot(SLOT.ep))).toEqual([]);
    expect(r.state.workUnitsCompleted).toBe(50);
  });

  test('a masked pending line does not preempt', () => {
    const r = step(manyCopies(120, [40]), call);
    expect(r.outcome.result).toBe('ok');
    expect(r.state.machine.irqPending).toEqual([40]);
  });
});
