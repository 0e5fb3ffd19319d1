import { describe, expect, test } from 'vitest';
import { Reg } from '../../../hardware/registers.js';
import { ALL_RIGHTS, type Cap } from '../../../spec/state/cap.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { getCap, setCap } from '../../../spec/kernel/cspace-access.js';
import { getTCB, setObject, updateTCB } from '../../../spec/kernel/kheap.js';
import { A, invoke, makeState, prepare, reply, rootSlot, SLOT, step, withRegs } from '../fixture.js';

const s0 = makeState();
const CN = SLOT.cnode;
const delOf = (slot: number) => ({ cptr: CN, label: 'CNodeDelete' as const, mrs: [slot, 32] });

function regsOf(s: KernelState, t = A.rootTCB): readonly number[] {
  return getTCB(s, t).context;
}

describe('handle_invocation: phase 1 (lookups)', () => {
  test('a failed lookup of the invoked cap is a CapFault; with no fault handler the thread halts', () => {
    const { state, outcome } = invoke(s0, { cptr: 0x1000, label: 'CNodeDelete', mrs: [40, 32] });
    expect(outcome).toEqual({ entry: 'SysCall', result: 'CapFault' });
    expect(getTCB(state, A.rootTCB).state).toEqual({ kind: 'Inactive' });
    expect(state.curThread).toBe(A.idleTCB);
  });

  test('NBSend drops a lookup fault silently', () => {
    const s1 = prepare(s0, { cptr: 0x1000, label: 'CNodeDelete', mrs: [40, 32] });
    const { state, outcome } = step(s1, { kind: 'Syscall', syscall: 'SysNBSend' });
    expect(outcome.result).toBe('CapFault');
    expect(state).toEqual(s1);
  });

  test('a failed extra-cap lookup is a CapFault too', () => {
    const { state, outcome } = invoke(s0, { cptr: CN, label: 'CNodeCopy', mrs: [40, 32, SLOT.ep, 32, 15], extraCaps: [0x1000] }, 'SysSend');
    expect(outcome).toEqual({ entry: 'SysSend', result: 'CapFault' });
    expect(getTCB(state, A.rootTCB).state.kind).toBe('Inactive');
  });

  test('a fault handler that is an endpoint with Write and Grant gets the fault as a Call', () => {
    const s1 = updateTCB(s0, A.rootTCB, { faultHandler: SLOT.ep });
    const sent = getTCB(invoke(s1, { cptr: 0x1000, label: 0 }).state, A.rootTCB);
    expect(sent.state).toMatchObject({ kind: 'BlockedOnSend', ep: A.ep, isCall: true, canGrantReply: true });
    expect(sent.fault?.kind).toBe('CapFault');
    const s2 = setCap(s1, rootSlot(SLOT.ep), { kind: 'EndpointCap', ptr: A.ep, badge: 0, rights: { ...ALL_RIGHTS, grant: false, grantReply: false } });
    expect(getTCB(invoke(s2, { cptr: 0x1000, label: 0 }).state, A.rootTCB).state.kind).toBe('Inactive');
  });

  test('without an IPC buffer there are no extra caps and at most four arguments', () => {
    const s1 = setCap(s0, { obj: A.rootTCB, index: 4 }, { kind: 'NullCap' });
    const { state, outcome } = invoke(s1, { cptr: CN, label: 'CNodeCopy', mrs: [40, 32, SLOT.ep, 32, 15], extraCaps: [CN] });
    expect(outcome).toEqual({ entry: 'CNodeCopy', result: 'TruncatedMessage' });
    expect(reply(state).label).toBe(7);
  });
});

describe('handle_invocation: decode errors and replies', () => {
  test('errors are replied to Call only', () => {
    const m = { cptr: CN, label: 'CNodeDelete' as const, mrs: [40] };
    const call = invoke(s0, m, 'SysCall');
    expect(reply(call.state)).toEqual({ label: 7, length: 0, mrs: [], badge: 0 });
    for (const sc of ['SysSend', 'SysNBSend'] as const) {
      const s1 = prepare(s0, m);
      const r = step(s1, { kind: 'Syscall', syscall: sc });
      expect(r.outcome).toEqual({ entry: 'CNodeDelete', result: 'TruncatedMessage' });
      expect(r.state).toEqual(s1);
    }
  });

  test('a five-word error reply puts MR4 in the IPC buffer; without a buffer it is cut to four', () => {
    const m = { cptr: CN, label: 'CNodeDelete' as const, mrs: [0x100, 32] };
    expect(reply(invoke(s0, m).state)).toMatchObject({ label: 6, length: 5, mrs: [0, 4, 32, 0, 24] });
    const s1 = setCap(s0, { obj: A.rootTCB, index: 4 }, { kind: 'NullCap' });
    expect(reply(invoke(s1, m).state)).toMatchObject({ label: 6, length: 4, mrs: [0, 4, 32, 0] });
  });

  test('a read-only IPC buffer: the sender may read it, but the reply cannot use it', () => {
    const ro: Cap = { kind: 'FrameCap', isDevice: false, ptr: A.ipcFrame, rights: 'VMReadOnly', size: 'ARMSmallPage', mapping: null };
    const s1 = setCap(s0, { obj: A.rootTCB, index: 4 }, ro);
    const r = invoke(s1, { cptr: CN, label: 'CNodeCopy', mrs: [40, 32, 0x1000, 32, 15], extraCaps: [CN] });
    expect(r.outcome.result).toBe('FailedLookup');
    expect(reply(r.state).length).toBe(4);
  });

  test('caps that cannot be invoked: InvalidCapability 0', () => {
    const cases: Cap[] = [
      { kind: 'NullCap' },
      { kind: 'Zombie', ptr: A.cnodeB, type: { kind: 'ZombieTCB' }, number: 5 },
      { kind: 'ReplyCap', tcb: A.rootTCB, isMaster: true, rights: ALL_RIGHTS },
      { kind: 'EndpointCap', ptr: A.ep, badge: 0, rights: { ...ALL_RIGHTS, write: false } },
      { kind: 'NotificationCap', ptr: A.ntfn, badge: 0, rights: { ...ALL_RIGHTS, write: false } },
    ];
    for (const c of cases) {
      const r = invoke(setCap(s0, rootSlot(60), c), { cptr: 60, label: 0 });
      expect(r.outcome).toEqual({ entry: 'InvalidInvocation', result: 'InvalidCapability' });
      expect(reply(r.state)).toMatchObject({ label: 2, mrs: [0] });
    }
  });

  test('a label foreign to the object: IllegalOperation; the object\'s own labels decode', () => {
    const cases: [number, Cap][] = [
      [SLOT.tcb, { kind: 'ThreadCap', tcb: A.rootTCB }],
      [SLOT.irqControl, { kind: 'IRQControlCap' }],
      [SLOT.domain, { kind: 'DomainCap' }],
      [SLOT.asidControl, { kind: 'ASIDControlCap' }],
      [SLOT.asidPool, { kind: 'ASIDPoolCap', ptr: A.asidPool, asidBase: 0 }],
      [SLOT.pd, { kind: 'PageDirectoryCap', ptr: A.rootPD, asid: 1 }],
      [SLOT.ipcBuffer, { kind: 'FrameCap', isDevice: false, ptr: A.ipcFrame, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: null }],
    ];
    for (const [slot] of cases) {
      expect(invoke(s0, { cptr: slot, label: 'CNodeCopy' }).outcome.result).toBe('IllegalOperation');
    }
    expect(invoke(s0, { cptr: SLOT.pd, label: 'ARMPDClean_Data', mrs: [0, 4] }).outcome.result).toBe('ok');
    expect(getTCB(invoke(s0, { cptr: SLOT.ep, label: 0 }).state, A.rootTCB).state.kind).toBe('BlockedOnSend');
    expect(invoke(s0, { cptr: SLOT.untyped, label: 'CNodeCopy' }).outcome.result).toBe('IllegalOperation');
  });

  test('success: the reply has label 0 for Call; Send leaves the registers', () => {
    const r = invoke(s0, delOf(SLOT.ep));
    expect(r.outcome).toEqual({ entry: 'CNodeDelete', result: 'ok' });
    expect(reply(r.state)).toEqual({ label: 0, length: 0, mrs: [], badge: 0 });
    const s1 = prepare(s0, delOf(SLOT.ep));
    const r2 = step(s1, { kind: 'Syscall', syscall: 'SysSend' });
    expect(regsOf(r2.state)).toEqual(regsOf(s1));
    expect(getCap(r2.state, rootSlot(SLOT.ep)).kind).toBe('NullCap');
  });
});

describe('untyped invocations go to spec/object/untyped.ts', () => {
  test('Retype two endpoints, then revoke the untyped', () => {
    const r = invoke(s0, { cptr: SLOT.untyped, label: 'UntypedRetype', mrs: [2, 0, 0, 0, 40, 2], extraCaps: [CN] });
    expect(r.outcome).toEqual({ entry: 'UntypedRetype', result: 'ok' });
    expect(getCap(r.state, rootSlot(41))).toMatchObject({ kind: 'EndpointCap', ptr: A.untyped + 16 });
    const r2 = invoke(r.state, { cptr: CN, label: 'CNodeRevoke', mrs: [SLOT.untyped, 32] });
    expect(r2.outcome.result).toBe('ok');
    expect(getCap(r2.state, rootSlot(40)).kind).toBe('NullCap');
    expect(getCap(r2.state, rootSlot(41)).kind).toBe('NullCap');
  });
});

describe('receive, reply, yield', () => {
  test('Recv on a cap that cannot receive: CapFault MissingCapability 0 in the receive phase', () => {
    for (const cptr of [40, SLOT.cnode]) {
      const r = step(withRegs(s0, { [Reg.R0]: cptr }), { kind: 'Syscall', syscall: 'SysRecv' });
      expect(r.outcome).toEqual({ entry: 'SysRecv', result: 'CapFault' });
      expect(getTCB(r.state, A.rootTCB).state.kind).toBe('Inactive');
    }
    const noRead = setCap(s0, rootSlot(SLOT.ep), { kind: 'EndpointCap', ptr: A.ep, badge: 0, rights: { ...ALL_RIGHTS, read: false } });
    expect(step(withRegs(noRead, { [Reg.R0]: SLOT.ep }), { kind: 'Syscall', syscall: 'SysNBRecv' }).outcome.result).toBe('CapFault');
    const other = setObject(s0, A.ntfn, { kind: 'Notification', state: { kind: 'IdleNtfn' }, boundTCB: A.idleTCB });
    expect(step(withRegs(other, { [Reg.R0]: SLOT.ntfn }), { kind: 'Syscall', syscall: 'SysRecv' }).outcome.result).toBe('CapFault');
  });

  test('Recv on an endpoint or notification with Read receives', () => {
    const recv = step(withRegs(s0, { [Reg.R0]: SLOT.ep }), { kind: 'Syscall', syscall: 'SysRecv' });
    expect(getTCB(recv.state, A.rootTCB).state).toEqual({ kind: 'BlockedOnReceive', ep: A.ep, canGrant: true });
    const poll = step(withRegs(s0, { [Reg.R0]: SLOT.ntfn }), { kind: 'Syscall', syscall: 'SysNBRecv' });
    expect(poll.outcome).toEqual({ entry: 'SysNBRecv', result: 'ok' });
    expect(regsOf(poll.state)[Reg.R0]).toBe(0);
  });

  test('Reply with an empty caller slot does nothing; ReplyRecv then receives', () => {
    const r = step(s0, { kind: 'Syscall', syscall: 'SysReply' });
    expect(r.outcome).toEqual({ entry: 'SysReply', result: 'ok' });
    expect(r.state).toEqual(s0);
    const rr = step(withRegs(s0, { [Reg.R0]: 40 }), { kind: 'Syscall', syscall: 'SysReplyRecv' });
    expect(rr.outcome).toEqual({ entry: 'SysReplyRecv', result: 'CapFault' });
  });

  test('Yield: the only runnable thread runs again, and its address space gets a hardware ASID', () => {
    const r = step(s0, { kind: 'Syscall', syscall: 'SysYield' });
    expect(r.state.curThread).toBe(A.rootTCB);
    expect(r.state.schedulerAction).toEqual({ kind: 'ResumeCurrentThread' });
    expect(r.state.readyQueues.size).toBe(0);
    expect(r.state.arch.asidMap.get(1)).toEqual({ hwASID: 0, pd: A.rootPD });
    expect(r.state.arch.hwASIDTable.get(0)).toBe(1);
  });
});

describe('fault events', () => {
  test('UnknownSyscall, UserLevelFault and VMFault with no handler: the thread halts', () => {
    const events = [
      [{ kind: 'UnknownSyscall', number: 99 }, 'UnknownSyscall', 'UnknownSyscall'],
      [{ kind: 'UserLevelFault', code: 0, address: 0 }, 'UserLevelFault', 'UserException'],
      [{ kind: 'VMFault', type: 'Data', address: 0x1000, fsr: 5 }, 'VMFaultEvent', 'VMFault'],
      [{ kind: 'VMFault', type: 'Instruction', address: 0x1000, fsr: 5 }, 'VMFaultEvent', 'VMFault'],
    ] as const;
    for (const [e, entry, result] of events) {
      const r = step(s0, e);
      expect(r.outcome).toEqual({ entry, result });
      expect(getTCB(r.state, A.rootTCB).state.kind).toBe('Inactive');
      expect(r.state.curThread).toBe(A.idleTCB);
    }
  });
});

describe('activate_thread', () => {
  test('a thread in Restart resumes at its FaultIP', () => {
    const s1 = updateTCB(withRegs(s0, { [Reg.FaultIP]: 0x1234, [Reg.NextIP]: 0x1238 }), A.rootTCB, { state: { kind: 'Restart' } });
    const r = step(s1, { kind: 'Interrupt' });
    expect(regsOf(r.state)[Reg.NextIP]).toBe(0x1234);
    expect(getTCB(r.state, A.rootTCB).state.kind).toBe('Running');
  });
});
