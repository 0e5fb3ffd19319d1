import { describe, expect, test } from 'vitest';
import { Reg } from '../../../hardware/registers.js';
import { ALL_RIGHTS, type Cap, type CapRights } from '../../../spec/state/cap.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { cdtParent } from '../../../spec/kernel/cdt.js';
import { getCap, setCap } from '../../../spec/kernel/cspace-access.js';
import { getEndpoint, getNotification, getTCB, updateTCB } from '../../../spec/kernel/kheap.js';
import { bindNotification } from '../../../spec/object/notification.js';
import { A, rootSlot, SLOT } from '../fixture.js';
import { become, bufWord, makeIPCState, MASTER_REPLY_RIGHTS, received, stateOf, sys, T } from './ipc-fixture.js';

const EP = 40;
const epCap = (badge: number, rights: CapRights = ALL_RIGHTS) => ({ kind: 'EndpointCap' as const, ptr: A.ep, badge, rights });
const RW: CapRights = { read: true, write: true, grant: false, grantReply: false };

/** The IPC state with a badged endpoint cap at slot 40. */
function withEp(badge = 0x55, rights: CapRights = ALL_RIGHTS, s: KernelState = makeIPCState()): KernelState {
  return setCap(s, rootSlot(EP), epCap(badge, rights));
}

describe('send_ipc and receive_ipc: the rendezvous', () => {
  test('receiver first: the sender\'s message, label and badge reach the waiting receiver', () => {
    const s0 = withEp();
    const r1 = sys(s0, T.two, 'SysRecv', { cptr: SLOT.ep });
    expect(stateOf(r1.state, T.two)).toEqual({ kind: 'BlockedOnReceive', ep: A.ep, canGrant: true });
    expect(getEndpoint(r1.state, A.ep).state).toEqual({ kind: 'RecvEP', queue: [T.two] });
    const r2 = sys(r1.state, A.rootTCB, 'SysSend', { cptr: EP, label: 0x42, mrs: [1, 2, 3, 4, 5, 6] });
    expect(r2.outcome).toEqual({ entry: 'InvalidInvocation', result: 'ok' });
    expect(received(r2.state, T.two)).toEqual({ label: 0x42, length: 6, extraCaps: 0, capsUnwrapped: 0, mrs: [1, 2, 3, 4, 5, 6], badge: 0x55 });
    expect(stateOf(r2.state, T.two).kind).toBe('Running');
    expect(stateOf(r2.state, A.rootTCB).kind).toBe('Running');
    expect(getEndpoint(r2.state, A.ep).state).toEqual({ kind: 'IdleEP' });
  });

  test('sender first: a blocked Send is queued with its badge and rights, then runs on when received', () => {
    const r1 = sys(withEp(7, { ...ALL_RIGHTS, grant: false }), T.two, 'SysSend', { cptr: EP, label: 9, mrs: [11, 12] });
    expect(stateOf(r1.state, T.two)).toEqual({
      kind: 'BlockedOnSend', ep: A.ep, badge: 7, canGrant: false, canGrantReply: true, isCall: false,
    });
    const r2 = sys(r1.state, T.three, 'SysRecv', { cptr: SLOT.ep });
    expect(received(r2.state, T.three)).toMatchObject({ label: 9, length: 2, mrs: [11, 12], badge: 7 });
    expect(stateOf(r2.state, T.two).kind).toBe('Running');
    expect(stateOf(r2.state, T.three).kind).toBe('Running');
  });

  test('senders and receivers queue in FIFO order', () => {
    let s = withEp();
    s = sys(s, T.two, 'SysSend', { cptr: EP, mrs: [2] }).state;
    s = sys(s, T.three, 'SysSend', { cptr: SLOT.ep, mrs: [3] }).state;
    expect(getEndpoint(s, A.ep).state).toEqual({ kind: 'SendEP', queue: [T.two, T.three] });
    s = sys(s, A.rootTCB, 'SysRecv', { cptr: SLOT.ep }).state;
    expect(received(s, A.rootTCB)).toMatchObject({ mrs: [2], badge: 0x55 });
    expect(getEndpoint(s, A.ep).state).toEqual({ kind: 'SendEP', queue: [T.three] });
    s = sys(s, A.rootTCB, 'SysRecv', { cptr: SLOT.ep }).state;
    expect(received(s, A.rootTCB)).toMatchObject({ mrs: [3], badge: 0 });
    expect(getEndpoint(s, A.ep).state).toEqual({ kind: 'IdleEP' });
  });

  test('a woken receiver of higher priority runs next; of equal priority the sender keeps running', () => {
    const twoWaits = (prio2: number): KernelState => {
      const s = updateTCB(withEp(0, ALL_RIGHTS, makeIPCState(prio2, 100)), A.rootTCB, { state: { kind: 'Inactive' } });
      return sys(s, T.two, 'SysRecv', { cptr: SLOT.ep }).state;
    };
    const high = sys(twoWaits(200), T.three, 'SysSend', { cptr: EP });
    expect(high.state.curThread).toBe(T.two);
    expect(high.state.readyQueues.get(100)).toEqual([T.three]);
    const equal = sys(twoWaits(100), T.three, 'SysSend', { cptr: EP });
    expect(equal.state.curThread).toBe(T.three);
    expect(equal.state.readyQueues.get(100)).toEqual([T.two]);
  });

  test('NBSend with no receiver is dropped; NBRecv with no sender returns badge 0', () => {
    const s0 = become(withEp(), A.rootTCB);
    const r = sys(s0, A.rootTCB, 'SysNBSend', { cptr: EP, mrs: [1] });
    expect(getEndpoint(r.state, A.ep).state).toEqual({ kind: 'IdleEP' });
    expect(stateOf(r.state, A.rootTCB).kind).toBe('Running');
    const q = sys(s0, A.rootTCB, 'SysNBRecv', { cptr: SLOT.ep });
    expect(getTCB(q.state, A.rootTCB).context[Reg.R0]).toBe(0);
    expect(stateOf(q.state, A.rootTCB).kind).toBe('Running');
  });

  test('an endpoint cap without Write cannot send; without Read cannot receive', () => {
    const noWrite = withEp(0, { ...ALL_RIGHTS, write: false });
    const r = sys(noWrite, A.rootTCB, 'SysCall', { cptr: EP });
    expect(r.outcome.result).toBe('InvalidCapability');
    const noRead = withEp(0, { ...ALL_RIGHTS, read: false });
    expect(sys(noRead, A.rootTCB, 'SysRecv', { cptr: EP }).outcome.result).toBe('CapFault');
  });

  test('a receiver without an IPC buffer gets only the four register words', () => {
    const s0 = setCap(withEp(), { obj: T.two, index: 4 }, { kind: 'NullCap' });
    const r1 = sys(s0, T.two, 'SysRecv', { cptr: SLOT.ep });
    const r2 = sys(r1.state, A.rootTCB, 'SysSend', { cptr: EP, mrs: [1, 2, 3, 4, 5, 6, 7] });
    expect(received(r2.state, T.two)).toMatchObject({ length: 4, mrs: [1, 2, 3, 4] });
  });

  test('a length above 120 is cut to 120 words', () => {
    const mrs = Array.from({ length: 120 }, (_, i) => i + 1);
    const r1 = sys(withEp(), T.two, 'SysRecv', { cptr: SLOT.ep });
    const r2 = sys(r1.state, A.rootTCB, 'SysSend', { cptr: EP, mrs, length: 127 });
    const got = received(r2.state, T.two);
    expect(got.length).toBe(120);
    expect(got.mrs).toEqual(mrs);
  });

  test('a pending signal on the bound notification is taken instead of waiting on the endpoint', () => {
    let s = setCap(bindNotification(withEp(), T.two, A.ntfn), rootSlot(42), { ...getCap(withEp(), rootSlot(SLOT.ntfn)), badge: 0x8 } as Cap);
    s = sys(s, A.rootTCB, 'SysSend', { cptr: 42 }).state;
    const r = sys(s, T.two, 'SysRecv', { cptr: SLOT.ep });
    expect(stateOf(r.state, T.two).kind).toBe('Running');
    expect(getTCB(r.state, T.two).context[Reg.R0]).toBe(0x8);
    expect(getNotification(r.state, A.ntfn).state).toEqual({ kind: 'IdleNtfn' });
    expect(getEndpoint(r.state, A.ep).state).toEqual({ kind: 'IdleEP' });
  });
});

describe('Call and reply caps', () => {
  /** Thread two waits on the endpoint through a cap with `rights`; root calls it. */
  function called(rights: CapRights = ALL_RIGHTS, callRights: CapRights = ALL_RIGHTS): KernelState {
    let s = setCap(withEp(0x10, callRights), rootSlot(41), epCap(0, rights));
    s = sys(s, T.two, 'SysRecv', { cptr: 41 }).state;
    return sys(s, A.rootTCB, 'SysCall', { cptr: EP, label: 3, mrs: [8] }).state;
  }

  test('Call to a waiting receiver: the caller waits for the reply; the receiver gets a reply cap', () => {
    const s = called();
    expect(stateOf(s, A.rootTCB)).toEqual({ kind: 'BlockedOnReply' });
    expect(received(s, T.two)).toMatchObject({ label: 3, mrs: [8], badge: 0x10 });
    const caller = { obj: T.two, index: 3 };
    expect(getCap(s, caller)).toEqual({ kind: 'ReplyCap', tcb: A.rootTCB, isMaster: false, rights: MASTER_REPLY_RIGHTS });
    expect(cdtParent(s, caller)).toEqual({ obj: A.rootTCB, index: 2 });
    expect(s.curThread).toBe(T.two);
  });

  test('the reply cap has Grant only if the receiver\'s endpoint cap has Grant', () => {
    const s = called(RW);
    expect(getCap(s, { obj: T.two, index: 3 })).toMatchObject({ rights: { grant: false, write: true } });
  });

  test('Reply: the message goes back with badge 0, the reply cap is used up, the caller runs', () => {
    const s = called();
    const r = sys(s, T.two, 'SysReply', { cptr: 0, label: 6, mrs: [100, 200] });
    expect(r.outcome).toEqual({ entry: 'SysReply', result: 'ok' });
    expect(received(r.state, A.rootTCB)).toMatchObject({ label: 6, mrs: [100, 200], badge: 0 });
    expect(stateOf(r.state, A.rootTCB).kind).toBe('Running');
    expect(getCap(r.state, { obj: T.two, index: 3 }).kind).toBe('NullCap');
    expect(r.state.curThread).toBe(A.rootTCB);
  });

  test('ReplyRecv replies and then waits', () => {
    const r = sys(called(), T.two, 'SysReplyRecv', { cptr: SLOT.ep, mrs: [5] });
    expect(received(r.state, A.rootTCB).mrs).toEqual([5]);
    expect(stateOf(r.state, T.two)).toMatchObject({ kind: 'BlockedOnReceive', ep: A.ep });
  });

  test('Recv first deletes a reply cap still held, and the caller it pointed to stays blocked', () => {
    const r = sys(called(), T.two, 'SysRecv', { cptr: SLOT.ep });
    expect(getCap(r.state, { obj: T.two, index: 3 }).kind).toBe('NullCap');
    expect(stateOf(r.state, A.rootTCB)).toEqual({ kind: 'BlockedOnReply' });
  });

  test('Call through a cap without Grant or GrantReply: the message goes, the caller becomes inactive', () => {
    const s = called(ALL_RIGHTS, { ...ALL_RIGHTS, grant: false, grantReply: false });
    expect(received(s, T.two).mrs).toEqual([8]);
    expect(stateOf(s, A.rootTCB).kind).toBe('Inactive');
    expect(getCap(s, { obj: T.two, index: 3 }).kind).toBe('NullCap');
  });

  test('GrantReply alone is enough for a reply cap', () => {
    const s = called(ALL_RIGHTS, { ...ALL_RIGHTS, grant: false });
    expect(stateOf(s, A.rootTCB)).toEqual({ kind: 'BlockedOnReply' });
    expect(getCap(s, { obj: T.two, index: 3 }).kind).toBe('ReplyCap');
  });

  test('caller first: a queued Call gets its reply cap when the receiver arrives', () => {
    let s = withEp();
    s = sys(s, T.three, 'SysCall', { cptr: EP, mrs: [1] }).state;
    expect(stateOf(s, T.three)).toMatchObject({ kind: 'BlockedOnSend', isCall: true });
    s = setCap(s, rootSlot(41), epCap(0, RW));
    s = sys(s, T.two, 'SysRecv', { cptr: 41 }).state;
    expect(stateOf(s, T.three)).toEqual({ kind: 'BlockedOnReply' });
    expect(getCap(s, { obj: T.two, index: 3 })).toMatchObject({ kind: 'ReplyCap', tcb: T.three, rights: { grant: false } });
  });

  test('a saved reply cap is invoked with Send; a master reply cap cannot be invoked', () => {
    const s = called();
    const saved = sys(s, T.two, 'SysSend', { cptr: SLOT.cnode, label: 'CNodeSaveCaller', mrs: [50, 32] });
    expect(getCap(saved.state, rootSlot(50)).kind).toBe('ReplyCap');
    const r = sys(saved.state, T.two, 'SysSend', { cptr: 50, label: 1, mrs: [9] });
    expect(received(r.state, A.rootTCB)).toMatchObject({ label: 1, mrs: [9] });
    expect(getCap(r.state, rootSlot(50)).kind).toBe('NullCap');
    expect(stateOf(r.state, T.two).kind).toBe('Running');
    const master = setCap(s, rootSlot(51), { kind: 'ReplyCap', tcb: T.two, isMaster: true, rights: MASTER_REPLY_RIGHTS });
    expect(sys(master, T.two, 'SysCall', { cptr: 51 }).outcome.result).toBe('InvalidCapability');
  });

  test('Reply with an empty caller slot does nothing', () => {
    const s = become(withEp(), A.rootTCB);
    const r = sys(s, A.rootTCB, 'SysReply');
    expect(getEndpoint(r.state, A.ep)).toEqual(getEndpoint(s, A.ep));
    expect(stateOf(r.state, A.rootTCB).kind).toBe('Running');
  });

  test('the reply message lands in the caller\'s own IPC buffer', () => {
    const mrs = [1, 2, 3, 4, 5, 6, 7, 8];
    const r = sys(called(), T.two, 'SysReply', { cptr: 0, mrs });
    expect(received(r.state, A.rootTCB).mrs).toEqual(mrs);
    expect(bufWord(r.state, A.rootTCB, 8)).toBe(8);
  });
});
