import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { Reg } from '../../../hardware/registers.js';
import type { Cap } from '../../../spec/state/cap.js';
import type { IRQState, KernelState } from '../../../spec/state/kernel-state.js';
import { setCap } from '../../../spec/kernel/cspace-access.js';
import { getEndpoint, getIRQSlot, getNotification, getTCB } from '../../../spec/kernel/kheap.js';
import { bindNotification, sendSignal, unbindNotification } from '../../../spec/object/notification.js';
import { A, rootSlot, SLOT } from '../fixture.js';
import { event, makeIPCState, stateOf, sys, T } from './ipc-fixture.js';

const NTFN = 40;
const ntfnCap = (badge: number, write = true, read = true): Cap => ({
  kind: 'NotificationCap', ptr: A.ntfn, badge, rights: { read, write, grant: false, grantReply: false },
});

function withBadge(badge: number, s: KernelState = makeIPCState()): KernelState {
  return setCap(s, rootSlot(NTFN), ntfnCap(badge));
}

const IDLE = makeIPCState();
const badgeOf = (s: KernelState, t: number): number | undefined => getTCB(s, t).context[Reg.R0];

describe('send_signal and receive_signal', () => {
  test('signals with no waiter accumulate by OR; a Wait takes the word and idles the notification', () => {
    let s = sys(withBadge(0b0101), A.rootTCB, 'SysSend', { cptr: NTFN }).state;
    expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'ActiveNtfn', badge: 0b0101 });
    s = sys(setCap(s, rootSlot(NTFN), ntfnCap(0b0011)), A.rootTCB, 'SysSend', { cptr: NTFN }).state;
    expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'ActiveNtfn', badge: 0b0111 });
    const r = sys(s, T.two, 'SysRecv', { cptr: SLOT.ntfn });
    expect(badgeOf(r.state, T.two)).toBe(0b0111);
    expect(stateOf(r.state, T.two).kind).toBe('Running');
    expect(getNotification(r.state, A.ntfn).state).toEqual({ kind: 'IdleNtfn' });
  });

  propTest.prop([fc.array(fc.integer({ min: 0, max: 2 ** 28 - 1 }), { minLength: 1, maxLength: 6 })])(
    'the word after several signals is the OR of their badges',
    (badges) => {
      let s = IDLE;
      for (const b of badges) s = sendSignal(s, A.ntfn, b);
      const or = badges.reduce((a, b) => (a | b) >>> 0, 0);
      expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'ActiveNtfn', badge: or });
    },
  );

  test('Wait on an idle notification blocks; waiters queue in order and each Signal wakes the first', () => {
    let s = sys(makeIPCState(), T.two, 'SysRecv', { cptr: SLOT.ntfn }).state;
    s = sys(s, T.three, 'SysRecv', { cptr: SLOT.ntfn }).state;
    expect(stateOf(s, T.two)).toEqual({ kind: 'BlockedOnNotification', ntfn: A.ntfn });
    expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'WaitingNtfn', queue: [T.two, T.three] });
    s = sys(withBadge(9, s), A.rootTCB, 'SysSend', { cptr: NTFN }).state;
    expect(stateOf(s, T.two).kind).toBe('Running');
    expect(badgeOf(s, T.two)).toBe(9);
    expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'WaitingNtfn', queue: [T.three] });
    s = sys(s, A.rootTCB, 'SysNBSend', { cptr: NTFN }).state;
    expect(badgeOf(s, T.three)).toBe(9);
    expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'IdleNtfn' });
  });

  test('Poll of an idle notification returns badge 0 and does not block; of an active one the word', () => {
    const idle = sys(makeIPCState(), A.rootTCB, 'SysNBRecv', { cptr: SLOT.ntfn });
    expect(badgeOf(idle.state, A.rootTCB)).toBe(0);
    expect(stateOf(idle.state, A.rootTCB).kind).toBe('Running');
    const active = sendSignal(makeIPCState(), A.ntfn, 0x30);
    const r = sys(active, A.rootTCB, 'SysNBRecv', { cptr: SLOT.ntfn });
    expect(badgeOf(r.state, A.rootTCB)).toBe(0x30);
  });

  test('a notification cap without Write cannot signal; without Read cannot wait', () => {
    const noWrite = setCap(makeIPCState(), rootSlot(NTFN), ntfnCap(1, false));
    expect(sys(noWrite, A.rootTCB, 'SysCall', { cptr: NTFN }).outcome.result).toBe('InvalidCapability');
    const noRead = setCap(makeIPCState(), rootSlot(NTFN), ntfnCap(1, true, false));
    expect(sys(noRead, A.rootTCB, 'SysRecv', { cptr: NTFN }).outcome.result).toBe('CapFault');
  });

  test('a Signal replies nothing to a Call: the caller runs on with label 0', () => {
    const r = sys(withBadge(1), A.rootTCB, 'SysCall', { cptr: NTFN, label: 77 });
    expect(r.outcome).toEqual({ entry: 'InvalidInvocation', result: 'ok' });
    expect(getTCB(r.state, A.rootTCB).context[Reg.R1]).toBe(0);
  });
});

describe('bound notifications', () => {
  test('bind and unbind set both sides', () => {
    const s = bindNotification(makeIPCState(), T.two, A.ntfn);
    expect(getNotification(s, A.ntfn).boundTCB).toBe(T.two);
    expect(getTCB(s, T.two).boundNotification).toBe(A.ntfn);
    const u = unbindNotification(s, T.two);
    expect(getNotification(u, A.ntfn).boundTCB).toBeNull();
    expect(getTCB(u, T.two).boundNotification).toBeNull();
  });

  test('a signal wakes the bound thread blocked on an endpoint receive, with the badge', () => {
    let s = bindNotification(makeIPCState(), T.two, A.ntfn);
    s = sys(s, T.two, 'SysRecv', { cptr: SLOT.ep }).state;
    expect(getEndpoint(s, A.ep).state).toEqual({ kind: 'RecvEP', queue: [T.two] });
    s = sys(withBadge(0x40, s), A.rootTCB, 'SysSend', { cptr: NTFN }).state;
    expect(stateOf(s, T.two).kind).toBe('Running');
    expect(badgeOf(s, T.two)).toBe(0x40);
    expect(getEndpoint(s, A.ep).state).toEqual({ kind: 'IdleEP' });
    expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'IdleNtfn' });
  });

  test('a bound thread waiting for a reply is not woken: the notification becomes active', () => {
    let s = bindNotification(makeIPCState(), T.two, A.ntfn);
    s = sys(s, T.three, 'SysRecv', { cptr: SLOT.ep }).state;
    s = sys(s, T.two, 'SysCall', { cptr: SLOT.ep }).state;
    expect(stateOf(s, T.two)).toEqual({ kind: 'BlockedOnReply' });
    s = sys(withBadge(2, s), A.rootTCB, 'SysSend', { cptr: NTFN }).state;
    expect(stateOf(s, T.two)).toEqual({ kind: 'BlockedOnReply' });
    expect(getNotification(s, A.ntfn).state).toEqual({ kind: 'ActiveNtfn', badge: 2 });
  });

  test('the bound thread may Wait on its notification; another thread gets a cap fault', () => {
    const s = bindNotification(sendSignal(makeIPCState(), A.ntfn, 4), T.two, A.ntfn);
    const own = sys(s, T.two, 'SysRecv', { cptr: SLOT.ntfn });
    expect(badgeOf(own.state, T.two)).toBe(4);
    const other = sys(s, T.three, 'SysRecv', { cptr: SLOT.ntfn });
    expect(other.outcome).toEqual({ entry: 'SysRecv', result: 'CapFault' });
    expect(stateOf(other.state, T.three).kind).toBe('Inactive');
  });
});

describe('interrupts signal their notification', () => {
  test('an IRQSignal line signals the handler cap\'s notification with its badge and is masked', () => {
    const irq = 40;
    const base = withBadge(0x100);
    const irqStates: IRQState[] = base.irqStates.slice();
    irqStates[irq] = 'IRQSignal';
    const irqMasks = base.machine.irqMasks.slice();
    irqMasks[irq] = false;
    let s: KernelState = { ...base, irqStates, machine: { ...base.machine, irqMasks, irqPending: [irq] } };
    s = setCap(s, getIRQSlot(s, irq), ntfnCap(0x100));
    s = sys(s, T.two, 'SysRecv', { cptr: SLOT.ntfn }).state;
    const r = event({ ...s, machine: { ...s.machine, irqPending: [irq] } }, A.rootTCB, { kind: 'Interrupt' });
    expect(badgeOf(r.state, T.two)).toBe(0x100);
    expect(stateOf(r.state, T.two).kind).toBe('Running');
    expect(r.state.machine.irqMasks[irq]).toBe(true);
  });

  test('a handler cap without Write signals nothing', () => {
    const irq = 41;
    const base = makeIPCState();
    const irqStates: IRQState[] = base.irqStates.slice();
    irqStates[irq] = 'IRQSignal';
    const irqMasks = base.machine.irqMasks.slice();
    irqMasks[irq] = false;
    let s: KernelState = { ...base, irqStates, machine: { ...base.machine, irqMasks, irqPending: [irq] } };
    s = setCap(s, getIRQSlot(s, irq), ntfnCap(1, false));
    const r = event(s, A.rootTCB, { kind: 'Interrupt' });
    expect(getNotification(r.state, A.ntfn).state).toEqual({ kind: 'IdleNtfn' });
    expect(r.state.machine.irqMasks[irq]).toBe(true);
  });
});
