import { describe, expect, it } from 'vitest';
import { Reg } from '../../../hardware/registers.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import * as C from '../../../impl/object/cap.js';
import { cteInsert } from '../../../impl/object/cte.js';
import { cteGetNext, cteGetPrev } from '../../../impl/object/mdb.js';
import { cancelAllIPC, cancelBadgedSends, cancelIPC } from '../../../impl/object/ipc-cancel.js';
import { EP_STATE_IDLE, EP_STATE_RECV, EP_STATE_SEND, endpointGetState } from '../../../impl/object/structures.js';
import { queueGetHead, queueGetTail } from '../../../impl/object/tcb-queue.js';
import {
  TCB_CALLER, TCB_BUFFER, TCB_EP_NEXT, TCB_EP_PREV, THREAD_STATE_BLOCKED_ON_RECEIVE, THREAD_STATE_BLOCKED_ON_REPLY,
  THREAD_STATE_BLOCKED_ON_SEND, THREAD_STATE_INACTIVE, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, tcbCte, tcbGet,
  tcbGetQueued, tcbGetState,
} from '../../../impl/object/tcb-layout.js';
import { FX, SLOT, invokeAs, ipcBufferOf, makeIPCThread, makeKernel, readReplyOf, rootSlot, runAs } from '../fixture.js';

const EP = FX.endpoint;
const BADGED_EP_SLOT = 30;

/** Root plus three IPC threads a, b, c at priority 100 (thread caps in root slots 21..23). */
function setup(): { k: Kernel; a: number; b: number; c: number } {
  const k = makeKernel();
  const a = makeIPCThread(k, 100, 0x10020600, 21, 0x10031000);
  const b = makeIPCThread(k, 100, 0x10020800, 22, 0x10032000);
  const c = makeIPCThread(k, 100, 0x10020a00, 23, 0x10033000);
  return { k, a, b, c };
}

// A copy of the endpoint cap in `slot` with the given badge and rights (grantReply, grant, receive, send).
function epCap(k: Kernel, slot: number, badge: number, rights: [number, number, number, number] = [1, 1, 1, 1]): void {
  const cap = C.endpointCapNew(C.capWords(), badge, rights[0], rights[1], rights[3], rights[2], EP);
  cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ep), rootSlot(slot));
}

function epState(k: Kernel): number {
  return endpointGetState(k.mem.read32(EP));
}

function epQueue(k: Kernel): number[] {
  const out: number[] = [];
  for (let t = queueGetHead(k.mem, EP); t !== 0; t = tcbGet(k.mem, t, TCB_EP_NEXT)) out.push(t);
  return out;
}

describe('rendezvous', () => {
  it('receiver first: Recv blocks and queues, then Send delivers label, MRs and badge and wakes it', () => {
    const { k, a, b } = setup();
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_RECEIVE);
    expect(epState(k)).toBe(EP_STATE_RECV);
    expect(epQueue(k)).toEqual([a]);
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 0x1234, mrs: [1, 2, 3, 4, 5, 6] }, 'SysSend');
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_RUNNING);
    expect(epState(k)).toBe(EP_STATE_IDLE);
    expect(readReplyOf(k, a)).toEqual({ label: 0x1234, length: 6, mrs: [1, 2, 3, 4, 5, 6], badge: 0 });
    // Same priority: the sender keeps the CPU, the receiver waits in the ready queue.
    expect(k.ksCurThread).toBe(b);
    expect(tcbGetQueued(k.mem, a)).toBe(1);
  });

  it('sender first: Send blocks and queues, then Recv takes the message and wakes the sender', () => {
    const { k, a, b } = setup();
    epCap(k, BADGED_EP_SLOT, 0x42);
    runAs(k, b);
    invokeAs(k, BADGED_EP_SLOT, { label: 9, mrs: [7, 8] }, 'SysSend');
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_BLOCKED_ON_SEND);
    expect(epState(k)).toBe(EP_STATE_SEND);
    runAs(k, a);
    const got = invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    expect(got).toEqual({ label: 9, length: 2, mrs: [7, 8], badge: 0x42 });
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_RUNNING);
    expect(epState(k)).toBe(EP_STATE_IDLE);
  });

  it('NBSend without a receiver drops the message; NBRecv without a sender returns badge 0', () => {
    const { k, a } = setup();
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 3, mrs: [1] }, 'SysNBSend');
    expect(epState(k)).toBe(EP_STATE_IDLE);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
    k.setRegister(a, Reg.R0, SLOT.ep);
    k.callKernel({ kind: 'Syscall', syscall: 'SysNBRecv' });
    expect(k.getRegister(a, Reg.R0)).toBe(0);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RUNNING);
  });

  it('a long message goes buffer to buffer; without a receive buffer only the register MRs arrive', () => {
    const { k, a, b } = setup();
    const mrs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 1, mrs }, 'SysSend');
    expect(readReplyOf(k, a).mrs).toEqual(mrs);
    runAs(k, a);
    k.writeCap(tcbCte(a, TCB_BUFFER), 0, 0); // no IPC buffer any more
    k.setRegister(a, Reg.R0, SLOT.ep);
    k.callKernel({ kind: 'Syscall', syscall: 'SysRecv' });
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 1, mrs }, 'SysSend');
    expect(k.getRegister(a, Reg.R1) & 0x7f).toBe(4);
  });
});

describe('queues', () => {
  it('senders are served first come, first served, and the queue links stay mutual', () => {
    const { k, a, b, c } = setup();
    for (const [t, label] of [[a, 1], [b, 2], [c, 3]] as const) {
      runAs(k, t);
      invokeAs(k, SLOT.ep, { label, mrs: [label * 10] }, 'SysSend');
    }
    expect(epQueue(k)).toEqual([a, b, c]);
    expect(queueGetTail(k.mem, EP)).toBe(c);
    expect(tcbGet(k.mem, b, TCB_EP_PREV)).toBe(a);
    expect(tcbGet(k.mem, c, TCB_EP_PREV)).toBe(b);
    const root = 0x10020000 + 256;
    const labels: number[] = [];
    for (let i = 0; i < 3; i++) {
      runAs(k, root);
      labels.push(invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv').label);
    }
    expect(labels).toEqual([1, 2, 3]);
    expect(epState(k)).toBe(EP_STATE_IDLE);
    expect(queueGetHead(k.mem, EP)).toBe(0);
    expect(queueGetTail(k.mem, EP)).toBe(0);
  });

  it('cancelIPC takes a thread out of the middle of the queue', () => {
    const { k, a, b, c } = setup();
    for (const t of [a, b, c]) {
      runAs(k, t);
      invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    }
    cancelIPC(k, b);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_INACTIVE);
    expect(epQueue(k)).toEqual([a, c]);
    expect(tcbGet(k.mem, c, TCB_EP_PREV)).toBe(a);
    cancelIPC(k, a);
    cancelIPC(k, c);
    expect(epState(k)).toBe(EP_STATE_IDLE);
  });

  it('cancelAllIPC restarts every queued thread and idles the endpoint', () => {
    const { k, a, b } = setup();
    for (const t of [a, b]) {
      runAs(k, t);
      invokeAs(k, SLOT.ep, { label: 0 }, 'SysSend');
    }
    cancelAllIPC(k, EP);
    expect(epState(k)).toBe(EP_STATE_IDLE);
    expect(queueGetHead(k.mem, EP)).toBe(0);
    for (const t of [a, b]) {
      expect(tcbGetState(k.mem, t)).toBe(THREAD_STATE_RESTART);
      expect(tcbGetQueued(k.mem, t)).toBe(1);
    }
  });

  it('cancelBadgedSends restarts only the senders with that badge and keeps the others in order', () => {
    const { k, a, b, c } = setup();
    epCap(k, 30, 1);
    epCap(k, 31, 2);
    for (const [t, slot] of [[a, 30], [b, 31], [c, 30]] as const) {
      runAs(k, t);
      invokeAs(k, slot, { label: 0 }, 'SysSend');
    }
    cancelBadgedSends(k, EP, 1);
    expect(epQueue(k)).toEqual([b]);
    expect(epState(k)).toBe(EP_STATE_SEND);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RESTART);
    expect(tcbGetState(k.mem, c)).toBe(THREAD_STATE_RESTART);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_BLOCKED_ON_SEND);
    cancelBadgedSends(k, EP, 2);
    expect(epState(k)).toBe(EP_STATE_IDLE);
  });
});

describe('call and reply', () => {
  it('Call leaves the caller BlockedOnReply with a reply cap in the receiver; Reply answers and deletes it', () => {
    const { k, a, b } = setup();
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 5, mrs: [11] }, 'SysCall');
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_BLOCKED_ON_REPLY);
    const caller = tcbCte(a, TCB_CALLER);
    const w0 = k.mem.read32(caller);
    expect(C.capGetCapType(w0)).toBe(C.CAP_REPLY);
    expect(C.replyCapGetCapReplyMaster(w0)).toBe(0);
    expect(C.replyCapGetCapTCBPtr(w0)).toBe(b);
    expect(C.replyCapGetCapReplyCanGrant(w0)).toBe(1); // the receiver's endpoint cap has Grant
    expect(cteGetPrev(k.mem, caller)).toBe(tcbCte(b, 2)); // child of b's master reply cap
    runAs(k, a);
    invokeAs(k, 0, { label: 6, mrs: [12, 13] }, 'SysReply');
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_RUNNING);
    expect(readReplyOf(k, b)).toEqual({ label: 6, length: 2, mrs: [12, 13], badge: 0 });
    expect(C.capGetCapType(k.mem.read32(caller))).toBe(C.CAP_NULL);
    expect(cteGetNext(k.mem, tcbCte(b, 2))).toBe(0);
  });

  it('ReplyRecv replies, then waits again; a Recv deletes a pending caller cap first', () => {
    const { k, a, b, c } = setup();
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 1 }, 'SysCall');
    runAs(k, c);
    invokeAs(k, SLOT.ep, { label: 2 }, 'SysCall');
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 3 }, 'SysReplyRecv');
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_RUNNING);
    expect(readReplyOf(k, a).label).toBe(2); // took c's call at once
    expect(C.replyCapGetCapTCBPtr(k.mem.read32(tcbCte(a, TCB_CALLER)))).toBe(c);
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv'); // drops the reply cap to c
    expect(C.capGetCapType(k.mem.read32(tcbCte(a, TCB_CALLER)))).toBe(C.CAP_NULL);
    expect(tcbGetState(k.mem, c)).toBe(THREAD_STATE_BLOCKED_ON_REPLY);
  });

  it('Call through a cap with neither Grant nor GrantReply delivers but leaves the caller Inactive', () => {
    const { k, a, b } = setup();
    epCap(k, 30, 0, [0, 0, 1, 1]);
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, 30, { label: 4 }, 'SysCall');
    expect(readReplyOf(k, a).label).toBe(4);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_INACTIVE);
    expect(C.capGetCapType(k.mem.read32(tcbCte(a, TCB_CALLER)))).toBe(C.CAP_NULL);
  });

  it('a reply cap is invocable as a cap: Send on it replies', () => {
    const { k, a, b } = setup();
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 1 }, 'SysCall');
    // Move the caller cap to a CNode slot as SaveCaller would, then send on it.
    const caller = tcbCte(a, TCB_CALLER);
    const cap = k.readCap(caller);
    cteInsert(k, cap.w0, cap.w1, caller, rootSlot(40));
    runAs(k, a);
    invokeAs(k, 40, { label: 8, mrs: [1] }, 'SysSend');
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_RUNNING);
    expect(readReplyOf(k, b)).toMatchObject({ label: 8, mrs: [1] });
    expect(C.capGetCapType(k.mem.read32(rootSlot(40)))).toBe(C.CAP_NULL);
  });
});

describe('cap transfer', () => {
  function receiveInto(k: Kernel, t: number, index: number): void {
    const buf = ipcBufferOf(k, t);
    k.mem.write32(buf + 4 * 125, SLOT.cnode);
    k.mem.write32(buf + 4 * 126, index);
    k.mem.write32(buf + 4 * 127, 32);
  }

  it('an extra cap is derived into the receiver\'s receive slot as a child of the source', () => {
    const { k, a, b } = setup();
    receiveInto(k, a, 50);
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 1, caps: [SLOT.ntfn] }, 'SysSend');
    const info = k.getRegister(a, Reg.R1);
    expect((info >>> 7) & 3).toBe(1);
    expect((info >>> 9) & 7).toBe(0);
    expect(C.capGetCapType(k.mem.read32(rootSlot(50)))).toBe(C.CAP_NOTIFICATION);
    expect(cteGetPrev(k.mem, rootSlot(50))).toBe(rootSlot(SLOT.ntfn));
  });

  it('a cap to the endpoint in use is unwrapped to its badge; only one cap is inserted', () => {
    const { k, a, b } = setup();
    epCap(k, 30, 0x77);
    receiveInto(k, a, 50);
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 1, caps: [30, SLOT.ntfn, SLOT.cnode2] }, 'SysSend');
    const info = k.getRegister(a, Reg.R1);
    expect((info >>> 9) & 7).toBe(1);
    // cap 0 unwrapped, cap 1 inserted, cap 2 has no slot left: the transfer stops there.
    expect((info >>> 7) & 3).toBe(2);
    expect(k.mem.read32(ipcBufferOf(k, a) + 4 * 122)).toBe(0x77);
    expect(C.capGetCapType(k.mem.read32(rootSlot(50)))).toBe(C.CAP_NOTIFICATION);
  });

  it('without Grant on the sender\'s cap no cap moves', () => {
    const { k, a, b } = setup();
    epCap(k, 30, 0, [0, 0, 1, 1]);
    receiveInto(k, a, 50);
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, 30, { label: 1, caps: [SLOT.ntfn] }, 'SysSend');
    expect((k.getRegister(a, Reg.R1) >>> 7) & 3).toBe(0);
    expect(C.capGetCapType(k.mem.read32(rootSlot(50)))).toBe(C.CAP_NULL);
  });

  it('an occupied receive slot takes nothing', () => {
    const { k, a, b } = setup();
    receiveInto(k, a, SLOT.untyped);
    runAs(k, a);
    invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, b);
    invokeAs(k, SLOT.ep, { label: 1, caps: [SLOT.ntfn] }, 'SysSend');
    expect((k.getRegister(a, Reg.R1) >>> 7) & 3).toBe(0);
  });
});
