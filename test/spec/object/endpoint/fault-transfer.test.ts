import { describe, expect, test } from 'vitest';
import { Reg } from '../../../../hardware/registers.js';
import { ALL_RIGHTS, type CapRights } from '../../../../spec/state/cap.js';
import type { KernelEvent } from '../../../../hardware/events.js';
import type { KernelState } from '../../../../spec/state/kernel-state.js';
import { getCap, setCap } from '../../../../spec/kernel/cspace-access.js';
import { getTCB, updateTCB } from '../../../../spec/kernel/kheap.js';
import { setRegisters } from '../../../../spec/kernel/thread.js';
import { A, rootSlot, SLOT } from '../../fixture.js';
import { event, makeIPCState, received, stateOf, sys, T } from '../ipc-fixture.js';

const HANDLER = 40;
const BADGE = 0x77;
const FAULT_IP = 0x8000;
const SP = 0x7ff0;
const LR = 0x8100;
const CPSR = 0x60000150;

/** Root has thread two as fault handler (through a cap with `rights`); two waits unless `waiting` is false. */
function setUp(rights: CapRights = ALL_RIGHTS, waiting = true): KernelState {
  let s = setCap(makeIPCState(), rootSlot(HANDLER), { kind: 'EndpointCap', ptr: A.ep, badge: BADGE, rights });
  s = updateTCB(s, A.rootTCB, { faultHandler: HANDLER });
  const regs = Array.from({ length: 8 }, (_, i) => [i, 0x100 + i] as const);
  s = setRegisters(s, A.rootTCB, [...regs, [Reg.FaultIP, FAULT_IP], [Reg.NextIP, FAULT_IP + 4], [Reg.SP, SP], [Reg.LR, LR], [Reg.CPSR, CPSR]]);
  return waiting ? sys(s, T.two, 'SysRecv', { cptr: SLOT.ep }).state : s;
}

/** Root takes `e` as its kernel entry (its registers are left as set up). */
function fault(s: KernelState, e: KernelEvent): KernelState {
  return event(s, A.rootTCB, e).state;
}

const reg = (s: KernelState, t: number, r: number): number | undefined => getTCB(s, t).context[r];

describe('fault messages (make_fault_msg, do_fault_transfer)', () => {
  test('a cap fault on Call: label 1, restart PC, CPtr, phase and lookup failure; badge of the handler cap', () => {
    const s = sys(setUp(), A.rootTCB, 'SysCall', { cptr: 0x1000 }).state;
    // The CPtr fails the 24-bit zero guard with all 32 bits left.
    expect(received(s, T.two)).toEqual({
      label: 1, length: 7, extraCaps: 0, capsUnwrapped: 0, mrs: [FAULT_IP, 0x1000, 0, 4, 32, 0, 24], badge: BADGE,
    });
    expect(stateOf(s, A.rootTCB)).toEqual({ kind: 'BlockedOnReply' });
    expect(getTCB(s, A.rootTCB).fault?.kind).toBe('CapFault');
    expect(getCap(s, { obj: T.two, index: 3 })).toMatchObject({ kind: 'ReplyCap', tcb: A.rootTCB, isMaster: false });
  });

  test('a cap fault of Recv is marked as in the receive phase', () => {
    const s = sys(setUp(), A.rootTCB, 'SysRecv', { cptr: 0x1000 }).state;
    expect(received(s, T.two).mrs.slice(0, 3)).toEqual([FAULT_IP, 0x1000, 1]);
  });

  test('an unknown syscall: label 2, R0..R7, FaultIP, SP, LR, CPSR and the number', () => {
    const s = fault(setUp(), { kind: 'UnknownSyscall', number: 0x1234 });
    const regs = Array.from({ length: 8 }, (_, i) => 0x100 + i);
    expect(received(s, T.two)).toMatchObject({ label: 2, length: 13, mrs: [...regs, FAULT_IP, SP, LR, CPSR, 0x1234] });
  });

  test('a user exception: label 3, FaultIP, SP, CPSR, number and code', () => {
    const s = fault(setUp(), { kind: 'UserLevelFault', address: 3, code: 0x20 });
    expect(received(s, T.two)).toMatchObject({ label: 3, length: 5, mrs: [FAULT_IP, SP, CPSR, 3, 0x20] });
  });

  test('VM faults: label 5, restart PC, address (the PC for a prefetch abort), prefetch flag, FSR', () => {
    const d = fault(setUp(), { kind: 'VMFault', type: 'Data', address: 0xdead0000, fsr: 0xc805 });
    expect(received(d, T.two)).toMatchObject({ label: 5, length: 4, mrs: [FAULT_IP, 0xdead0000, 0, 0x805] });
    const i = fault(setUp(), { kind: 'VMFault', type: 'Instruction', address: 0x1234, fsr: 7 });
    expect(received(i, T.two).mrs).toEqual([FAULT_IP, FAULT_IP, 1, 7]);
  });

  test('a handler without an IPC buffer gets the first four words only', () => {
    const s0 = setCap(setUp(ALL_RIGHTS, false), { obj: T.two, index: 4 }, { kind: 'NullCap' });
    const s = fault(sys(s0, T.two, 'SysRecv', { cptr: SLOT.ep }).state, { kind: 'UnknownSyscall', number: 9 });
    expect(received(s, T.two)).toMatchObject({ label: 2, length: 4, mrs: [0x100, 0x101, 0x102, 0x103] });
  });

  test('no handler waiting: the thread queues as a Call with the cap\'s badge and Grant, and GrantReply', () => {
    const rights = { ...ALL_RIGHTS, grant: false };
    const s = fault(setUp(rights, false), { kind: 'UserLevelFault', address: 1, code: 2 });
    expect(stateOf(s, A.rootTCB)).toEqual({ kind: 'BlockedOnSend', ep: A.ep, badge: BADGE, canGrant: false, canGrantReply: true, isCall: true });
    const r = sys(s, T.two, 'SysRecv', { cptr: SLOT.ep }).state;
    expect(received(r, T.two)).toMatchObject({ label: 3, mrs: [FAULT_IP, SP, CPSR, 1, 2], badge: BADGE });
    expect(stateOf(r, A.rootTCB)).toEqual({ kind: 'BlockedOnReply' });
  });

  test('a handler cap without Write, or without Grant and GrantReply, leaves the thread inactive', () => {
    for (const rights of [{ ...ALL_RIGHTS, write: false }, { ...ALL_RIGHTS, grant: false, grantReply: false }]) {
      const s = fault(setUp(rights), { kind: 'UnknownSyscall', number: 1 });
      expect(stateOf(s, A.rootTCB).kind).toBe('Inactive');
      expect(getTCB(s, A.rootTCB).fault).toBeNull();
    }
  });
});

describe('fault replies (handle_fault_reply)', () => {
  test('after a cap fault the thread restarts at the faulting instruction, whatever the reply', () => {
    const s = sys(setUp(), A.rootTCB, 'SysCall', { cptr: 0x1000 }).state;
    const r = sys(s, T.two, 'SysReply', { cptr: 0, label: 9, mrs: [1, 2, 3] }).state;
    expect(getTCB(r, A.rootTCB).fault).toBeNull();
    expect(stateOf(r, A.rootTCB).kind).toBe('Running');
    expect(r.curThread).toBe(A.rootTCB);
    expect(reg(r, A.rootTCB, Reg.NextIP)).toBe(FAULT_IP);
    // The reply words go nowhere: MR0 of the faulting Call (0) is still in R2.
    expect(reg(r, A.rootTCB, Reg.R2)).toBe(0);
    expect(getCap(r, { obj: T.two, index: 3 }).kind).toBe('NullCap');
  });

  test('unknown syscall, label 0: the reply words set R0..R7, FaultIP, SP, LR and a sanitised CPSR', () => {
    const s = fault(setUp(), { kind: 'UnknownSyscall', number: 5 });
    const words = [10, 11, 12, 13, 14, 15, 16, 17, 0x9000, 0x6000, 0x9100, 0xffffffff];
    const r = sys(s, T.two, 'SysReply', { cptr: 0, mrs: words }).state;
    expect(Array.from({ length: 8 }, (_, i) => reg(r, A.rootTCB, i))).toEqual(words.slice(0, 8));
    expect([reg(r, A.rootTCB, Reg.SP), reg(r, A.rootTCB, Reg.LR), reg(r, A.rootTCB, Reg.CPSR)]).toEqual([0x6000, 0x9100, 0xf8000150]);
    expect(reg(r, A.rootTCB, Reg.NextIP)).toBe(0x9000);
    expect(stateOf(r, A.rootTCB).kind).toBe('Running');
  });

  test('unknown syscall, label not 0: the registers are still written but the thread stays inactive', () => {
    const s = fault(setUp(), { kind: 'UnknownSyscall', number: 5 });
    const r = sys(s, T.two, 'SysReply', { cptr: 0, label: 1, mrs: [42] }).state;
    expect(reg(r, A.rootTCB, Reg.R0)).toBe(42);
    expect(reg(r, A.rootTCB, Reg.R1)).toBe(0x101);
    expect(stateOf(r, A.rootTCB).kind).toBe('Inactive');
    expect(getTCB(r, A.rootTCB).fault).toBeNull();
  });

  test('user exception: only as many registers as the reply has words (FaultIP, SP, CPSR order)', () => {
    const s = fault(setUp(), { kind: 'UserLevelFault', address: 0, code: 0 });
    const r = sys(s, T.two, 'SysReply', { cptr: 0, mrs: [0xa000, 0x5000] }).state;
    expect(reg(r, A.rootTCB, Reg.FaultIP)).toBe(0xa000);
    expect(reg(r, A.rootTCB, Reg.SP)).toBe(0x5000);
    expect(reg(r, A.rootTCB, Reg.CPSR)).toBe(CPSR);
    expect(reg(r, A.rootTCB, Reg.NextIP)).toBe(0xa000);
  });

  test('a VM fault always restarts and ignores the reply words', () => {
    const s = fault(setUp(), { kind: 'VMFault', type: 'Data', address: 0x4000, fsr: 1 });
    const r = sys(s, T.two, 'SysReply', { cptr: 0, label: 3, mrs: [1, 2, 3, 4] }).state;
    expect(stateOf(r, A.rootTCB).kind).toBe('Running');
    expect(reg(r, A.rootTCB, Reg.R0)).toBe(0x100);
    expect(reg(r, A.rootTCB, Reg.NextIP)).toBe(FAULT_IP);
  });

  test('a reply through a saved reply cap handles the fault the same way', () => {
    const s = fault(setUp(), { kind: 'UserLevelFault', address: 0, code: 0 });
    const saved = sys(s, T.two, 'SysSend', { cptr: SLOT.cnode, label: 'CNodeSaveCaller', mrs: [60, 32] }).state;
    const r = sys(saved, T.two, 'SysSend', { cptr: 60, label: 1 }).state;
    expect(stateOf(r, A.rootTCB).kind).toBe('Inactive');
    expect(getCap(r, rootSlot(60)).kind).toBe('NullCap');
  });
});
