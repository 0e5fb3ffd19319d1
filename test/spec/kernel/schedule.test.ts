import { describe, expect, test } from 'vitest';
import { TIME_SLICE } from '../../../abi/config.js';
import { Reg } from '../../../hardware/registers.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import type { TCB } from '../../../spec/state/object.js';
import { getTCB, updateTCB } from '../../../spec/kernel/kheap.js';
import { possibleSwitchTo, rescheduleRequired, tcbSchedAction, tcbSchedEnqueue } from '../../../spec/kernel/ready-queues.js';
import { activateThread, nextDomain, schedule } from '../../../spec/kernel/schedule.js';
import { setThreadState } from '../../../spec/kernel/thread.js';
import { A, makeState, step, TIMER_IRQ, withRegs } from '../fixture.js';

const s0 = makeState();
const T1 = 0x10060000;
const T2 = 0x10060200;

/** Adds a runnable thread (not queued) of the given priority and domain. */
function addThread(s: KernelState, ptr: number, priority: number, domain = 0): KernelState {
  const t: TCB = { ...getTCB(s, A.rootTCB), caps: [{ kind: 'NullCap' }, { kind: 'NullCap' }, { kind: 'NullCap' }, { kind: 'NullCap' }, { kind: 'NullCap' }], priority, domain, state: { kind: 'Running' } };
  return { ...s, kheap: s.kheap.set(ptr, t) };
}

describe('choose_thread and the scheduler action', () => {
  test('ChooseNewThread: the head of the highest queue, the current thread queued first', () => {
    let s = addThread(addThread(s0, T1, 100), T2, 100);
    s = tcbSchedAction(tcbSchedAction(s, tcbSchedEnqueue, T2), tcbSchedEnqueue, T1);
    s = updateTCB(s, A.rootTCB, { priority: 50 });
    const r = schedule(rescheduleRequired(s));
    expect(r.curThread).toBe(T1);
    expect(r.readyQueues.get(100)).toEqual([T2]);
    expect(r.readyQueues.get(50)).toEqual([A.rootTCB]);
    expect(r.schedulerAction).toEqual({ kind: 'ResumeCurrentThread' });
  });

  test('no runnable thread: the idle thread', () => {
    const r = schedule(setThreadState(s0, A.rootTCB, { kind: 'Inactive' }));
    expect(r.curThread).toBe(A.idleTCB);
  });

  test('SwitchToThread to a higher priority thread switches directly', () => {
    const s = possibleSwitchTo(addThread(s0, T1, 255), T1);
    expect(s.schedulerAction).toEqual({ kind: 'SwitchToThread', tcb: T1 });
    const r = schedule(updateTCB(s, A.rootTCB, { priority: 10 }));
    expect(r.curThread).toBe(T1);
    expect(r.readyQueues.get(10)).toEqual([A.rootTCB]);
  });

  test('SwitchToThread to an equal priority thread: the current thread wins, the candidate goes last', () => {
    const s = possibleSwitchTo(addThread(s0, T1, 255), T1);
    const r = schedule(s);
    expect(r.curThread).toBe(A.rootTCB);
    expect(r.readyQueues.get(255)).toEqual([T1]);
  });

  test('SwitchToThread fast fail: a lower candidate than the best queued one', () => {
    let s = addThread(addThread(s0, T1, 20), T2, 30);
    s = tcbSchedAction(s, tcbSchedEnqueue, T2);
    s = setThreadState(updateTCB(s, A.rootTCB, { priority: 40 }), A.rootTCB, { kind: 'Inactive' });
    s = { ...s, schedulerAction: { kind: 'SwitchToThread', tcb: T1 } };
    const r = schedule(s);
    expect(r.curThread).toBe(T2);
    expect(r.readyQueues.get(20)).toEqual([T1]);
  });

  test('a thread of another domain is only queued', () => {
    const s = possibleSwitchTo(addThread(s0, T1, 255, 3), T1);
    expect(s.schedulerAction).toEqual({ kind: 'ResumeCurrentThread' });
    expect(s.readyQueues.get(3 * 256 + 255)).toEqual([T1]);
  });

  test('next_domain wraps at the end marker to the start index', () => {
    const s = { ...s0, domainList: [{ domain: 2, duration: 7n }, { domain: 5, duration: 9n }, { domain: 0, duration: 0n }], domainIndex: 0 };
    const a = nextDomain(s);
    expect([a.domainIndex, a.curDomain, a.domainTime]).toEqual([1, 5, 9n]);
    const b = nextDomain(a);
    expect([b.domainIndex, b.curDomain, b.domainTime]).toEqual([0, 2, 7n]);
  });

  test('activate_thread of a blocked current thread is a contradiction', () => {
    expect(() => activateThread(updateTCB(s0, A.rootTCB, { state: { kind: 'BlockedOnReply' } }))).toThrow('activate_thread');
  });
});

describe('interrupts and the timer', () => {
  const pending = (s: KernelState, irqs: number[]): KernelState => ({ ...s, machine: { ...s.machine, irqPending: irqs } });

  test('no pending interrupt, or only masked ones: nothing happens', () => {
    expect(step(s0, { kind: 'Interrupt' }).state).toEqual(s0);
    const s1 = pending(s0, [40]);
    expect(step(s1, { kind: 'Interrupt' }).state).toEqual(s1);
  });

  test('a timer tick shortens the time slice and the domain time, and is consumed', () => {
    const r = step(pending(s0, [40, TIMER_IRQ]), { kind: 'Interrupt' });
    expect(getTCB(r.state, A.rootTCB).timeSlice).toBe(TIME_SLICE - 1);
    expect(r.state.domainTime).toBe(99n);
    expect(r.state.machine.irqPending).toEqual([40]);
    expect(r.outcome).toEqual({ entry: 'Interrupt', result: 'ok' });
  });

  test('the last tick of a time slice refills it and round-robins the thread', () => {
    let s = addThread(s0, T1, 255);
    s = tcbSchedAction(s, tcbSchedEnqueue, T1);
    s = updateTCB(s, A.rootTCB, { timeSlice: 1 });
    const r = step(pending(s, [TIMER_IRQ]), { kind: 'Interrupt' });
    expect(r.state.curThread).toBe(T1);
    expect(getTCB(r.state, A.rootTCB).timeSlice).toBe(TIME_SLICE);
    expect(r.state.readyQueues.get(255)).toEqual([A.rootTCB]);
  });

  test('the last tick of a domain moves to the next domain', () => {
    const s = { ...pending(s0, [TIMER_IRQ]), domainTime: 1n, domainList: [{ domain: 0, duration: 3n }, { domain: 1, duration: 4n }, { domain: 0, duration: 0n }] };
    const r = step(s, { kind: 'Interrupt' });
    expect([r.state.curDomain, r.state.domainIndex, r.state.domainTime]).toEqual([1, 1, 4n]);
    expect(r.state.curThread).toBe(A.idleTCB);
    expect(r.state.readyQueues.get(255)).toEqual([A.rootTCB]);
  });

  test('an IRQ with a handler state but no notification is masked until acknowledged', () => {
    const s = { ...pending(s0, [40]), irqStates: s0.irqStates.map((st, i) => (i === 40 ? 'IRQSignal' : st)), machine: { ...s0.machine, irqPending: [40], irqMasks: s0.machine.irqMasks.map((m, i) => (i === 40 ? false : m)) } };
    const r = step(s, { kind: 'Interrupt' });
    expect(r.state.machine.irqMasks[40]).toBe(true);
    expect(r.state.machine.irqPending).toEqual([]);
  });

  test('the registers of the interrupted thread are untouched', () => {
    const s = withRegs(pending(s0, [TIMER_IRQ]), { [Reg.R3]: 77 });
    expect(getTCB(step(s, { kind: 'Interrupt' }).state, A.rootTCB).context).toEqual(getTCB(s, A.rootTCB).context);
  });
});
