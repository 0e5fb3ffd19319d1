/**
 * Endpoints (seL4 `src/object/endpoint.c` `sendIPC`, `receiveIPC`, and
 * `performInvocation_Endpoint` in `src/object/objecttype.c`; non-MCS). An endpoint holds a
 * FIFO queue of either senders or receivers; a send meets the first waiting receiver (or
 * queues, or is dropped when not blocking), a receive meets the first waiting sender.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { EXCEPTION_NONE, type Exception } from '../kernel/failures.js';
import { KernelPanic, kernelAssert } from '../kernel/panic.js';
import { possibleSwitchTo, scheduleTCB, setThreadState } from '../kernel/thread.js';
import { endpointCapGetCapCanGrant, endpointCapGetCapEPPtr } from './cap.js';
import { doIPCTransfer, doNBRecvFailedTransfer } from './ipc-transfer.js';
import { completeSignal } from './notification.js';
import { setupCallerCap } from './reply.js';
import {
  EP_STATE_IDLE, EP_STATE_RECV, EP_STATE_SEND, EP_W0, NTFN_STATE_ACTIVE, NTFN_W0, endpointGetState,
  notificationGetState,
} from './structures.js';
import {
  queueGetHead, queueSetState, tcbEPAppend, tcbEPDequeue, threadStateSetBlockingIPC,
  threadStateSetBlockingIPCCanGrant, threadStateSetBlockingObject,
} from './tcb-queue.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_STATE_W2, THREAD_STATE_BLOCKED_ON_RECEIVE, THREAD_STATE_BLOCKED_ON_SEND,
  THREAD_STATE_INACTIVE, THREAD_STATE_RUNNING, tcbGet, tcbSetStateType, threadStateGetBlockingIPCBadge,
  threadStateGetBlockingIPCCanGrant, threadStateGetBlockingIPCCanGrantReply, threadStateGetBlockingIPCIsCall,
} from './tcb-layout.js';

// The first thread of a non-idle endpoint's queue, taken off it (the endpoint idles when empty).
function dequeueHead(k: Kernel, ep: number): number {
  const head = queueGetHead(k.mem, ep);
  kernelAssert(head !== 0, 'Endpoint queue must not be empty');
  tcbEPDequeue(k.mem, ep, head);
  if (queueGetHead(k.mem, ep) === 0) queueSetState(k.mem, ep, EP_STATE_IDLE);
  return head;
}

/**
 * `sendIPC(blocking, do_call, badge, canGrant, canGrantReply, thread, epptr)`: with a
 * receiver waiting, transfers the message, wakes the receiver and, for a Call, leaves the
 * sender waiting for the reply (or Inactive when the cap had neither Grant nor GrantReply);
 * otherwise a blocking sender queues and a non-blocking one's message is dropped.
 */
export function sendIPC(k: Kernel, blocking: boolean, doCall: boolean, badge: number, canGrant: boolean,
  canGrantReply: boolean, thread: number, ep: number): void {
  const mem = k.mem;
  switch (endpointGetState(mem.read32(ep + EP_W0))) {
    case EP_STATE_IDLE:
    case EP_STATE_SEND:
      if (blocking) {
        tcbSetStateType(mem, thread, THREAD_STATE_BLOCKED_ON_SEND);
        threadStateSetBlockingObject(mem, thread, ep);
        threadStateSetBlockingIPC(mem, thread, badge, canGrant, canGrantReply, doCall);
        scheduleTCB(k, thread);
        tcbEPAppend(mem, ep, thread);
        queueSetState(mem, ep, EP_STATE_SEND);
      }
      return;
    case EP_STATE_RECV: {
      const dest = dequeueHead(k, ep);
      doIPCTransfer(k, thread, ep, badge, canGrant, dest);
      const replyCanGrant = threadStateGetBlockingIPCCanGrant(mem.read32(dest + TCB_STATE_W2)) === 1;
      setThreadState(k, dest, THREAD_STATE_RUNNING);
      possibleSwitchTo(k, dest);
      if (doCall) {
        if (canGrant || canGrantReply) setupCallerCap(k, thread, dest, replyCanGrant);
        else setThreadState(k, thread, THREAD_STATE_INACTIVE);
      }
      return;
    }
    default:
      throw new KernelPanic('sendIPC: invalid endpoint state');
  }
}

/**
 * `receiveIPC(thread, cap, isBlocking)`: a pending signal on the thread's bound notification
 * comes first; else the first queued sender's message is received (a Call leaves the sender
 * waiting for the reply), or the thread queues (blocking) or gets badge 0 (non-blocking).
 */
export function receiveIPC(k: Kernel, thread: number, capW1: number, isBlocking: boolean): void {
  const mem = k.mem;
  const ep = endpointCapGetCapEPPtr(capW1);
  const ntfn = tcbGet(mem, thread, TCB_BOUND_NOTIFICATION);
  if (ntfn !== 0 && notificationGetState(mem.read32(ntfn + NTFN_W0)) === NTFN_STATE_ACTIVE) {
    completeSignal(k, ntfn, thread);
    return;
  }
  switch (endpointGetState(mem.read32(ep + EP_W0))) {
    case EP_STATE_IDLE:
    case EP_STATE_RECV:
      if (isBlocking) {
        tcbSetStateType(mem, thread, THREAD_STATE_BLOCKED_ON_RECEIVE);
        threadStateSetBlockingObject(mem, thread, ep);
        threadStateSetBlockingIPCCanGrant(mem, thread, endpointCapGetCapCanGrant(capW1) === 1);
        scheduleTCB(k, thread);
        tcbEPAppend(mem, ep, thread);
        queueSetState(mem, ep, EP_STATE_RECV);
      } else {
        doNBRecvFailedTransfer(k, thread);
      }
      return;
    case EP_STATE_SEND: {
      const sender = dequeueHead(k, ep);
      const w2 = mem.read32(sender + TCB_STATE_W2);
      const canGrant = threadStateGetBlockingIPCCanGrant(w2) === 1;
      const canGrantReply = threadStateGetBlockingIPCCanGrantReply(w2) === 1;
      doIPCTransfer(k, sender, ep, threadStateGetBlockingIPCBadge(w2), canGrant, thread);
      if (threadStateGetBlockingIPCIsCall(mem.read32(sender + TCB_STATE_W2)) === 1) {
        if (canGrant || canGrantReply) setupCallerCap(k, sender, thread, endpointCapGetCapCanGrant(capW1) === 1);
        else setThreadState(k, sender, THREAD_STATE_INACTIVE);
      } else {
        setThreadState(k, sender, THREAD_STATE_RUNNING);
        possibleSwitchTo(k, sender);
      }
      return;
    }
    default:
      throw new KernelPanic('receiveIPC: invalid endpoint state');
  }
}

/** `performInvocation_Endpoint(ep, badge, canGrant, canGrantReply, block, call)`: the current thread sends. */
export function performInvocationEndpoint(k: Kernel, ep: number, badge: number, canGrant: boolean,
  canGrantReply: boolean, block: boolean, call: boolean): Exception {
  sendIPC(k, block, call, badge, canGrant, canGrantReply, k.ksCurThread, ep);
  return EXCEPTION_NONE;
}
