import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import * as C from '../../../impl/object/cap.js';
import { cteInsert } from '../../../impl/object/cte.js';
import { LOOP_BOUND, loopStep } from '../../../impl/kernel/panic.js';
import { EP_STATE_IDLE, EP_STATE_SEND, endpointGetState } from '../../../impl/object/structures.js';
import { queueGetHead, queueGetTail } from '../../../impl/object/tcb-queue.js';
import {
  TCB_EP_NEXT, THREAD_STATE_BLOCKED_ON_SEND, THREAD_STATE_RESTART, tcbGetState, tcbSet,
} from '../../../impl/object/tcb-layout.js';
import { FX, SLOT, invoke, invokeAs, makeIPCThread, makeKernel, rootSlot, runAs } from '../fixture.js';

const BADGED_SLOT = 30;

// Root plus two threads blocked sending on the fixture's endpoint (a first), through a copy
// of its cap badged 0x42; the root thread runs again.
function twoSenders(): { k: Kernel; a: number; b: number } {
  const k = makeKernel();
  const root = k.ksCurThread;
  const a = makeIPCThread(k, 100, 0x10020600, 21, 0x10031000);
  const b = makeIPCThread(k, 100, 0x10020800, 22, 0x10032000);
  const cap = C.endpointCapNew(C.capWords(), 0x42, 1, 1, 1, 1, FX.endpoint);
  cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ep), rootSlot(BADGED_SLOT));
  for (const t of [a, b]) {
    runAs(k, t);
    invokeAs(k, BADGED_SLOT, { label: 1 }, 'SysSend');
    expect(tcbGetState(k.mem, t)).toBe(THREAD_STATE_BLOCKED_ON_SEND);
  }
  expect(queueGetHead(k.mem, FX.endpoint)).toBe(a);
  expect(queueGetTail(k.mem, FX.endpoint)).toBe(b);
  runAs(k, root);
  return { k, a, b };
}

// The queue's tail links back to its head: a walk from the head never reaches 0.
function corrupt(k: Kernel, a: number, b: number): void {
  tcbSet(k.mem, b, TCB_EP_NEXT, a);
}

describe('the bound on memory-linked loops', () => {
  it('a healthy queue walk stays within the bound: revoking the endpoint restarts both senders', () => {
    const { k, a, b } = twoSenders();
    invoke(k, SLOT.cnode, { label: LABEL.CNodeRevoke, mrs: [SLOT.ep, 32] });
    invoke(k, SLOT.cnode, { label: LABEL.CNodeDelete, mrs: [SLOT.ep, 32] });
    expect(endpointGetState(k.mem.read32(FX.endpoint))).toBe(EP_STATE_IDLE);
    expect([tcbGetState(k.mem, a), tcbGetState(k.mem, b)]).toEqual([THREAD_STATE_RESTART, THREAD_STATE_RESTART]);
  });

  it('deleting the last cap to an endpoint whose queue is a cycle panics instead of spinning', { timeout: 10_000 }, () => {
    const { k, a, b } = twoSenders();
    corrupt(k, a, b);
    invoke(k, SLOT.cnode, { label: LABEL.CNodeDelete, mrs: [BADGED_SLOT, 32] });
    expect(() => invoke(k, SLOT.cnode, { label: LABEL.CNodeDelete, mrs: [SLOT.ep, 32] }))
      .toThrow(/^no progress: endpoint queue walk \(cancelAllIPC\)/);
  });

  it('cancelling badged sends on a cyclic queue panics instead of spinning', { timeout: 10_000 }, () => {
    const { k, a, b } = twoSenders();
    corrupt(k, a, b);
    expect(endpointGetState(k.mem.read32(FX.endpoint))).toBe(EP_STATE_SEND);
    // Badge 0x43 matches neither sender, so the walk dequeues nothing and goes round.
    const cap = C.endpointCapNew(C.capWords(), 0x43, 1, 1, 1, 1, FX.endpoint);
    cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ep), rootSlot(31));
    expect(() => invoke(k, SLOT.cnode, { label: LABEL.CNodeCancelBadgedSends, mrs: [31, 32] }))
      .toThrow(/^no progress: endpoint queue walk \(cancelBadgedSends\)/);
  });

  it('each kernel entry starts with the whole budget', () => {
    const k = makeKernel();
    for (let i = 0; i < LOOP_BOUND - 1; i++) loopStep(k, 'test');
    expect(() => loopStep(k, 'test')).not.toThrow();
    expect(() => loopStep(k, 'test')).toThrow(/^no progress: test ran past/);
    k.callKernel({ kind: 'Syscall', syscall: 'SysYield' });
    expect(k.loopBudget).toBe(LOOP_BOUND);
  });
});
