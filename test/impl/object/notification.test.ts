import { describe, expect, it } from 'vitest';
import { Reg } from '../../../hardware/registers.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import * as C from '../../../impl/object/cap.js';
import { cteInsert } from '../../../impl/object/cte.js';
import { cancelAllSignals, suspend } from '../../../impl/object/ipc-cancel.js';
import { bindNotification, sendSignal, unbindNotification } from '../../../impl/object/notification.js';
import { handleInterrupt } from '../../../impl/object/interrupt.js';
import { IRQ_SIGNAL } from '../../../impl/kernel/statedata.js';
import {
  EP_STATE_IDLE, NTFN_BOUND_TCB, NTFN_MSG_IDENTIFIER, NTFN_STATE_ACTIVE, NTFN_STATE_IDLE, NTFN_STATE_WAITING,
  endpointGetState, notificationGetBoundTCB, notificationGetState,
} from '../../../impl/object/structures.js';
import { queueGetHead } from '../../../impl/object/tcb-queue.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_EP_NEXT, THREAD_STATE_BLOCKED_ON_NOTIFICATION, THREAD_STATE_BLOCKED_ON_RECEIVE,
  THREAD_STATE_BLOCKED_ON_REPLY, THREAD_STATE_INACTIVE, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, tcbGet, tcbGetState,
} from '../../../impl/object/tcb-layout.js';
import { FX, SLOT, invokeAs, makeIPCThread, makeKernel, rootSlot, runAs } from '../fixture.js';

const NTFN = FX.notification;

function setup(): { k: Kernel; a: number; b: number; c: number } {
  const k = makeKernel();
  const a = makeIPCThread(k, 100, 0x10020600, 21, 0x10031000);
  const b = makeIPCThread(k, 100, 0x10020800, 22, 0x10032000);
  const c = makeIPCThread(k, 100, 0x10020a00, 23, 0x10033000);
  return { k, a, b, c };
}

// A copy of the notification cap with `badge` in root slot `slot`.
function ntfnCap(k: Kernel, slot: number, badge: number): void {
  const cap = C.notificationCapNew(C.capWords(), badge, 1, 1, NTFN);
  cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ntfn), rootSlot(slot));
}

function state(k: Kernel): number {
  return notificationGetState(k.mem.read32(NTFN));
}

function word(k: Kernel): number {
  return k.mem.read32(NTFN + NTFN_MSG_IDENTIFIER);
}

// Wait (blocking Recv) or Poll (NBRecv) on the notification as thread `t`; returns the badge register.
function wait(k: Kernel, t: number, syscall: 'SysRecv' | 'SysNBRecv' = 'SysRecv'): number {
  runAs(k, t);
  return invokeAs(k, SLOT.ntfn, { label: 0 }, syscall).badge;
}

function signal(k: Kernel, t: number, slot: number): void {
  runAs(k, t);
  invokeAs(k, slot, { label: 0 }, 'SysSend');
}

describe('signal and wait', () => {
  it('signals on an idle notification accumulate by OR; a wait takes the word and idles it', () => {
    const { k, a, b } = setup();
    ntfnCap(k, 30, 0b0101);
    ntfnCap(k, 31, 0b1100);
    signal(k, b, 30);
    expect(state(k)).toBe(NTFN_STATE_ACTIVE);
    expect(word(k)).toBe(0b0101);
    signal(k, b, 31);
    expect(word(k)).toBe(0b1101);
    expect(wait(k, a)).toBe(0b1101);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
  });

  it('a waiter blocks and the next signal wakes it with the signal\'s badge', () => {
    const { k, a, b } = setup();
    ntfnCap(k, 30, 9);
    wait(k, a);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_NOTIFICATION);
    expect(state(k)).toBe(NTFN_STATE_WAITING);
    signal(k, b, 30);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    expect(k.getRegister(a, Reg.R0)).toBe(9);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
  });

  it('waiters are woken first come, first served, one per signal', () => {
    const { k, a, b, c } = setup();
    ntfnCap(k, 30, 1);
    wait(k, a);
    wait(k, b);
    expect(queueGetHead(k.mem, NTFN)).toBe(a);
    expect(tcbGet(k.mem, a, TCB_EP_NEXT)).toBe(b);
    signal(k, c, 30);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_BLOCKED_ON_NOTIFICATION);
    expect(state(k)).toBe(NTFN_STATE_WAITING);
    signal(k, c, 30);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_RUNNING);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
  });

  it('a poll of an idle notification returns badge 0 and does not block', () => {
    const { k, a } = setup();
    k.setRegister(a, Reg.R0, 0xdead);
    expect(wait(k, a, 'SysNBRecv')).toBe(0);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
  });

  it('cancelAllSignals restarts every waiter; suspend takes one waiter out', () => {
    const { k, a, b, c } = setup();
    wait(k, a);
    wait(k, b);
    wait(k, c);
    suspend(k, b);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_INACTIVE);
    expect(tcbGet(k.mem, a, TCB_EP_NEXT)).toBe(c);
    cancelAllSignals(k, NTFN);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RESTART);
    expect(tcbGetState(k.mem, c)).toBe(THREAD_STATE_RESTART);
  });

  it('a signalled IRQ goes to its notification handler with the handler cap\'s badge', () => {
    const { k, a } = setup();
    const irq = 40;
    const cap = C.notificationCapNew(C.capWords(), 0x80, 0, 1, NTFN);
    cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ntfn), FX.irqNode + 16 * irq);
    k.intStateIRQTable[irq] = IRQ_SIGNAL;
    wait(k, a);
    handleInterrupt(k, irq);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    expect(k.getRegister(a, Reg.R0)).toBe(0x80);
    expect(k.irq.isMasked(irq)).toBe(true);
  });
});

describe('bound notifications', () => {
  it('bind and unbind link both ways', () => {
    const { k, a } = setup();
    bindNotification(k, a, NTFN);
    expect(notificationGetBoundTCB(k.mem.read32(NTFN + NTFN_BOUND_TCB))).toBe(a);
    expect(tcbGet(k.mem, a, TCB_BOUND_NOTIFICATION)).toBe(NTFN);
    unbindNotification(k, a);
    expect(notificationGetBoundTCB(k.mem.read32(NTFN + NTFN_BOUND_TCB))).toBe(0);
    expect(tcbGet(k.mem, a, TCB_BOUND_NOTIFICATION)).toBe(0);
  });

  it('a signal wakes the bound thread out of its endpoint receive', () => {
    const { k, a, b } = setup();
    ntfnCap(k, 30, 5);
    bindNotification(k, a, NTFN);
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_RECEIVE);
    signal(k, b, 30);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    expect(k.getRegister(a, Reg.R0)).toBe(5);
    expect(endpointGetState(k.mem.read32(FX.endpoint))).toBe(EP_STATE_IDLE);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
  });

  it('a pending signal is taken by the next endpoint receive without blocking', () => {
    const { k, a, b } = setup();
    ntfnCap(k, 30, 6);
    bindNotification(k, a, NTFN);
    signal(k, b, 30);
    runAs(k, a);
    expect(invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv').badge).toBe(6);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
  });

  it('a signal does not interrupt a bound thread waiting for a reply', () => {
    const { k, a, b, c } = setup();
    ntfnCap(k, 30, 7);
    bindNotification(k, a, NTFN);
    runAs(k, c);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysCall');
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_REPLY);
    signal(k, b, 30);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_REPLY);
    expect(state(k)).toBe(NTFN_STATE_ACTIVE);
    expect(word(k)).toBe(7);
  });

  it('waiting on a notification bound to another thread is a CapFault in the receive phase', () => {
    const { k, a, b } = setup();
    bindNotification(k, a, NTFN);
    wait(k, b); // no fault handler: b double-faults
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_INACTIVE);
    expect(state(k)).toBe(NTFN_STATE_IDLE);
  });

  it('sendSignal with the exported signature ORs into an active word', () => {
    const { k } = setup();
    sendSignal(k, NTFN, 1);
    sendSignal(k, NTFN, 0x10);
    expect(word(k)).toBe(0x11);
  });
});
