import { describe, expect, it } from 'vitest';
import { PD_ASID_SLOT } from '../../../abi/bootinfo.js';
import { Reg } from '../../../hardware/registers.js';
import { FASTPATH_CHECK_NAMES } from '../../../impl/fastpath/counters.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import { tcbSchedEnqueue } from '../../../impl/kernel/thread.js';
import { CAP_NULL, CAP_REPLY, capGetCapType, replyCapGetCapTCBPtr } from '../../../impl/object/cap.js';
import { bindNotification, sendSignal } from '../../../impl/object/notification.js';
import { EP_STATE_IDLE, EP_STATE_RECV, endpointGetState, userExceptionW0 } from '../../../impl/object/structures.js';
import {
  TCB_CALLER, TCB_DOMAIN, TCB_FAULT_W0, TCB_PRIORITY, TCB_VTABLE, THREAD_STATE_BLOCKED_ON_RECEIVE,
  THREAD_STATE_BLOCKED_ON_REPLY, THREAD_STATE_RUNNING, tcbCte, tcbGetState, tcbSet, tcbSetStateType,
} from '../../../impl/object/tcb-layout.js';
import { fastpathTwinMismatch } from '../../../refinement/check/fastpath-twin.js';
import { FX, SLOT, invokeAs, readReplyOf, runAs } from '../fixture.js';
import { FP, mintEp, serverReplying, serverWaiting, twin, type Pair, type Twin } from './fixture.js';

const CALL_MSG = { label: 7, mrs: [11, 22, 33, 44] };
const REPLY_MSG = { label: 3, mrs: [5, 6] };

function counts(k: Kernel): { SysCall: { hit: number; fallback: Record<string, number> }; SysReplyRecv: { hit: number; fallback: Record<string, number> } } {
  return k.fastpathCounters.snapshot() as never;
}

// The one fallback reason counted on the fastpath-on kernel for `path`, or 'hit'.
function outcome(t: Twin, path: 'SysCall' | 'SysReplyRecv'): string {
  const c = counts(t.on.k)[path];
  const reasons = Object.entries(c.fallback).filter(([, n]) => n > 0).map(([r]) => r);
  return c.hit === 1 && reasons.length === 0 ? 'hit' : reasons.join(',');
}

function expectSameAsSlowpath(t: Twin): void {
  expect(counts(t.off.k).SysCall.hit + counts(t.off.k).SysReplyRecv.hit).toBe(0);
  expect(fastpathTwinMismatch(t.on.k, t.off.k)).toBeUndefined();
}

const noTweak = (): void => {};

// Each row: the check's name and how to make it fail (applied to both kernels before the Call).
const callFallbacks: readonly [string, (p: Pair) => void, number, { label: number; mrs?: number[]; caps?: number[] }][] = [
  ['msgInfo', noTweak, FP.badgedEp, { label: 1, mrs: [1, 2, 3, 4, 5] }],
  ['extraCaps', noTweak, FP.badgedEp, { label: 1, caps: [SLOT.ntfn] }],
  ['fault', (p) => tcbSet(p.k.mem, p.client, TCB_FAULT_W0, userExceptionW0(1)), FP.badgedEp, CALL_MSG],
  ['epCap', noTweak, 99, CALL_MSG],
  ['epCap', noTweak, SLOT.ntfn, CALL_MSG],
  ['epRights', (p) => mintEp(p.k, FP.spareEp, 1, [1, 1, 1, 0]), FP.spareEp, CALL_MSG],
  ['vspace', (p) => p.k.writeCap(tcbCte(p.server, TCB_VTABLE), 0, 0), FP.badgedEp, CALL_MSG],
  ['priority', (p) => {
    tcbSet(p.k.mem, p.server, TCB_PRIORITY, 50);
    tcbSet(p.k.mem, p.other, TCB_PRIORITY, 80);
    tcbSetStateType(p.k.mem, p.other, THREAD_STATE_RUNNING);
    tcbSchedEnqueue(p.k, p.other);
  }, FP.badgedEp, CALL_MSG],
  ['grant', (p) => mintEp(p.k, FP.spareEp, 1, [0, 0, 1, 1]), FP.spareEp, CALL_MSG],
  ['hwASID', (p) => {
    p.k.mem.write32(FP.serverPD + 4 * PD_ASID_SLOT, 0);
    p.k.armKSHWASIDTable[2] = 0;
  }, FP.badgedEp, CALL_MSG],
  ['domain', (p) => tcbSet(p.k.mem, p.server, TCB_DOMAIN, 1), FP.badgedEp, CALL_MSG],
];
// ReplyRecv rows, as for Call.
const replyFallbacks: readonly [string, (p: Pair) => void, number, { label: number; mrs?: number[]; caps?: number[] }][] = [
  ['msgInfo', noTweak, SLOT.ep, { label: 1, mrs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
  ['extraCaps', noTweak, SLOT.ep, { label: 1, caps: [SLOT.ntfn] }],
  ['fault', (p) => tcbSet(p.k.mem, p.server, TCB_FAULT_W0, userExceptionW0(1)), SLOT.ep, REPLY_MSG],
  ['epCap', noTweak, 99, REPLY_MSG],
  ['epRights', (p) => mintEp(p.k, FP.spareEp, 1, [1, 1, 0, 1]), FP.spareEp, REPLY_MSG],
  ['boundNtfn', (p) => {
    bindNotification(p.k, p.server, FX.notification);
    sendSignal(p.k, FX.notification, 3);
  }, SLOT.ep, REPLY_MSG],
  ['replyCap', (p) => p.k.callKernel({ kind: 'Syscall', syscall: 'SysReply' }), SLOT.ep, REPLY_MSG],
  ['callerFault', (p) => tcbSet(p.k.mem, p.client, TCB_FAULT_W0, userExceptionW0(1)), SLOT.ep, REPLY_MSG],
  ['vspace', (p) => p.k.writeCap(tcbCte(p.client, TCB_VTABLE), 0, 0), SLOT.ep, REPLY_MSG],
  ['priority', (p) => {
    tcbSetStateType(p.k.mem, p.other, THREAD_STATE_RUNNING);
    tcbSchedEnqueue(p.k, p.other);
  }, SLOT.ep, REPLY_MSG],
  ['hwASID', (p) => {
    p.k.mem.write32(FP.clientPD + 4 * PD_ASID_SLOT, 0);
    p.k.armKSHWASIDTable[1] = 0;
  }, SLOT.ep, REPLY_MSG],
  ['domain', (p) => tcbSet(p.k.mem, p.client, TCB_DOMAIN, 1), SLOT.ep, REPLY_MSG],
];
describe('fastpath_call', () => {
  it('a Call to a waiting server in another address space takes the fastpath and equals the slowpath word for word', () => {
    const t = twin(serverWaiting, noTweak, FP.badgedEp, CALL_MSG, 'SysCall');
    expect(outcome(t, 'SysCall')).toBe('hit');
    expectSameAsSlowpath(t);
    const { k, client, server } = t.on;
    expect(k.ksCurThread).toBe(server);
    expect(tcbGetState(k.mem, server)).toBe(THREAD_STATE_RUNNING);
    expect(tcbGetState(k.mem, client)).toBe(THREAD_STATE_BLOCKED_ON_REPLY);
    expect(endpointGetState(k.mem.read32(FX.endpoint))).toBe(EP_STATE_IDLE);
    const caller = k.mem.read32(tcbCte(server, TCB_CALLER));
    expect(capGetCapType(caller)).toBe(CAP_REPLY);
    expect(replyCapGetCapTCBPtr(caller)).toBe(client);
    expect(readReplyOf(k, server)).toEqual({ label: 7, length: 4, mrs: [11, 22, 33, 44], badge: FP.badge });
    expect(k.cpu.asid).toBe(2);
    expect(k.cpu.ttbr0 & 0xffffc000).toBe(FP.serverPD);
  });

  it('message lengths 0..4 take the fastpath; capsUnwrapped is cleared in the delivered message info', () => {
    for (let n = 0; n <= 4; n++) {
      const t = twin(serverWaiting, noTweak, FP.badgedEp, { label: 1, mrs: [9, 8, 7, 6].slice(0, n) }, 'SysCall');
      expect(outcome(t, 'SysCall')).toBe('hit');
      expectSameAsSlowpath(t);
    }
  });

  for (const [check, tweak, cptr, msg] of callFallbacks) {
    it(`falls back on ${check} (${JSON.stringify(msg)}) and then equals the slowpath`, () => {
      const t = twin(serverWaiting, tweak, cptr, msg, 'SysCall');
      expect(outcome(t, 'SysCall')).toBe(check);
      expectSameAsSlowpath(t);
    });
  }

  it('falls back on epState when no receiver waits', () => {
    const t = twin(serverWaiting, (p) => {
      runAs(p.k, p.other);
      invokeAs(p.k, SLOT.ep, { label: 0 }, 'SysSend'); // the server takes it and leaves the queue
      runAs(p.k, p.client);
    }, FP.badgedEp, CALL_MSG, 'SysCall');
    expect(outcome(t, 'SysCall')).toBe('epState');
    expectSameAsSlowpath(t);
  });

  it('dequeues the head of a two-receiver queue, leaving the second first', () => {
    const t = twin(serverWaiting, (p) => {
      runAs(p.k, p.other);
      invokeAs(p.k, SLOT.ep, { label: 0 }, 'SysRecv');
      runAs(p.k, p.client);
    }, FP.badgedEp, CALL_MSG, 'SysCall');
    expect(outcome(t, 'SysCall')).toBe('hit');
    expectSameAsSlowpath(t);
  });

  it('clears capsUnwrapped in the message info the receiver gets', () => {
    const on = serverWaiting(true);
    const off = serverWaiting(false);
    for (const p of [on, off]) {
      p.k.setRegister(p.client, Reg.R0, FP.badgedEp);
      p.k.setRegister(p.client, Reg.R1, (7 << 12) | (7 << 9) | 1);
      p.k.callKernel({ kind: 'Syscall', syscall: 'SysCall' });
    }
    expect(counts(on.k).SysCall.hit).toBe(1);
    expect(on.k.getRegister(on.server, Reg.R1)).toBe((7 << 12) | 1);
    expect(fastpathTwinMismatch(on.k, off.k)).toBeUndefined();
  });

  it('a lower-priority server is still fastpathed when nothing ready outranks it', () => {
    const t = twin(serverWaiting, (p) => tcbSet(p.k.mem, p.server, TCB_PRIORITY, 50), FP.badgedEp, CALL_MSG, 'SysCall');
    expect(outcome(t, 'SysCall')).toBe('hit');
    expectSameAsSlowpath(t);
  });
});

describe('fastpath_reply_recv', () => {
  it('a reply to a blocked caller, receiving again on the endpoint, takes the fastpath and equals the slowpath', () => {
    const t = twin(serverReplying, noTweak, SLOT.ep, REPLY_MSG, 'SysReplyRecv');
    expect(outcome(t, 'SysReplyRecv')).toBe('hit');
    expectSameAsSlowpath(t);
    const { k, client, server } = t.on;
    expect(k.ksCurThread).toBe(client);
    expect(tcbGetState(k.mem, server)).toBe(THREAD_STATE_BLOCKED_ON_RECEIVE);
    expect(endpointGetState(k.mem.read32(FX.endpoint))).toBe(EP_STATE_RECV);
    expect(capGetCapType(k.mem.read32(tcbCte(server, TCB_CALLER)))).toBe(CAP_NULL);
    expect(readReplyOf(k, client)).toEqual({ label: 3, length: 2, mrs: [5, 6], badge: 0 });
    expect(k.getRegister(client, Reg.R0)).toBe(0);
    expect(k.cpu.asid).toBe(1);
  });

  it('appends to a non-empty receive queue', () => {
    const t = twin(serverReplying, (p) => {
      runAs(p.k, p.other);
      invokeAs(p.k, SLOT.ep, { label: 0 }, 'SysRecv');
      runAs(p.k, p.server);
    }, SLOT.ep, REPLY_MSG, 'SysReplyRecv');
    expect(outcome(t, 'SysReplyRecv')).toBe('hit');
    expectSameAsSlowpath(t);
  });

  for (const [check, tweak, cptr, msg] of replyFallbacks) {
    it(`falls back on ${check} and then equals the slowpath`, () => {
      const t = twin(serverReplying, tweak, cptr, msg, 'SysReplyRecv');
      expect(outcome(t, 'SysReplyRecv')).toBe(check);
      expectSameAsSlowpath(t);
    });
  }

  it('records the receiving cap\'s Grant right (here none) in the server\'s blocking state', () => {
    const t = twin(serverReplying, (p) => mintEp(p.k, FP.spareEp, 0, [0, 0, 1, 1]), FP.spareEp, REPLY_MSG, 'SysReplyRecv');
    expect(outcome(t, 'SysReplyRecv')).toBe('hit');
    expectSameAsSlowpath(t);
  });

  it('falls back on epState when a sender waits', () => {
    const t = twin(serverReplying, (p) => {
      runAs(p.k, p.other);
      invokeAs(p.k, SLOT.ep, { label: 0 }, 'SysSend');
      runAs(p.k, p.server);
    }, SLOT.ep, REPLY_MSG, 'SysReplyRecv');
    expect(outcome(t, 'SysReplyRecv')).toBe('epState');
    expectSameAsSlowpath(t);
  });

  it('every check of both paths is exercised by the rows above', () => {
    const names = new Set([...callFallbacks.map((r) => r[0]), ...replyFallbacks.map((r) => r[0]), 'epState']);
    expect([...FASTPATH_CHECK_NAMES].filter((n) => !names.has(n))).toEqual([]);
  });
});

describe('round trips', () => {
  it('a hundred Call/ReplyRecv round trips stay word-for-word equal to the slowpath', () => {
    const on = serverWaiting(true);
    const off = serverWaiting(false);
    for (let i = 0; i < 100; i++) {
      for (const p of [on, off]) {
        invokeAs(p.k, FP.badgedEp, { label: i, mrs: [i, i + 1].slice(0, i % 3) }, 'SysCall');
        invokeAs(p.k, SLOT.ep, { label: i + 1, mrs: [i] }, 'SysReplyRecv');
      }
      expect(fastpathTwinMismatch(on.k, off.k)).toBeUndefined();
    }
    expect(counts(on.k).SysCall.hit).toBe(100);
    expect(counts(on.k).SysReplyRecv.hit).toBe(100);
  });

  it('the twin comparison names the first differing word', () => {
    const t = twin(serverWaiting, noTweak, FP.badgedEp, CALL_MSG, 'SysCall');
    t.on.k.mem.write32(FX.endpoint + 4, 0x1234);
    expect(fastpathTwinMismatch(t.on.k, t.off.k)).toMatch(/^memory at 0x10050004 \(Endpoint 0x10050000 \+ 0x4\)/);
    t.on.k.ksCurDomain = 3;
    expect(fastpathTwinMismatch(t.on.k, t.off.k)).toMatch(/^ksCurDomain/);
  });
});
