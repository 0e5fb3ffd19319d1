/**
 * Cancelling IPC and unbinding, as deletion, suspension and signals need them (seL4
 * `src/object/endpoint.c` `cancelIPC`, `cancelAllIPC`, `cancelBadgedSends`,
 * `src/object/notification.c` `cancelSignal`, `cancelAllSignals`, unbinding, `suspend` in
 * `src/kernel/thread.c`; non-MCS; l4v `IpcCancel_A`). Threads taken off a queue by a cancel
 * of the whole queue restart (their system call is re-executed); a thread whose own IPC is
 * cancelled becomes Inactive.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { KernelPanic, kernelAssert, loopStep } from '../kernel/panic.js';
import {
  EP_STATE_IDLE, EP_STATE_RECV, EP_STATE_SEND, EP_W0, NTFN_BOUND_TCB, NTFN_STATE_IDLE, NTFN_STATE_WAITING, NTFN_W0,
  endpointGetState, notificationGetBoundTCB, notificationGetState,
} from './structures.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_EP_NEXT, TCB_FAULT_W0, TCB_FAULT_W1, TCB_REPLY, TCB_STATE_W2,
  THREAD_STATE_BLOCKED_ON_NOTIFICATION, THREAD_STATE_BLOCKED_ON_RECEIVE, THREAD_STATE_BLOCKED_ON_REPLY,
  THREAD_STATE_BLOCKED_ON_SEND, THREAD_STATE_INACTIVE, THREAD_STATE_RESTART, THREAD_STATE_RUNNING,
  getRegister, setRegister, tcbCte, tcbGet, tcbGetBlockingObject, tcbGetState, tcbSet,
  threadStateGetBlockingIPCBadge,
} from './tcb-layout.js';
import { FAULT_REGISTER, NEXT_IP_REGISTER } from '../../hardware/registers.js';
import { rescheduleRequired, setThreadState, tcbSchedDequeue, tcbSchedEnqueue } from '../kernel/thread.js';
import { queueGetHead, queueSet, queueSetState, tcbEPDequeue } from './tcb-queue.js';
import { cteGetNext } from './mdb.js';
import { cteDeleteOne } from './delete.js';

// Every thread of a queue already detached from its object, from `head` on, restarts;
// `loop` names the walk in a panic.
function restartQueue(k: Kernel, head: number, loop: string): void {
  for (let t = head; t !== 0; t = tcbGet(k.mem, t, TCB_EP_NEXT)) {
    loopStep(k, loop);
    setThreadState(k, t, THREAD_STATE_RESTART);
    tcbSchedEnqueue(k, t);
  }
  rescheduleRequired(k);
}

/** `cancelAllIPC(epptr)`: the endpoint becomes Idle and every queued thread restarts. */
export function cancelAllIPC(k: Kernel, ep: number): void {
  if (endpointGetState(k.mem.read32(ep + EP_W0)) === EP_STATE_IDLE) return;
  const head = queueGetHead(k.mem, ep);
  queueSetState(k.mem, ep, EP_STATE_IDLE);
  queueSet(k.mem, ep, 0, 0);
  restartQueue(k, head, 'endpoint queue walk (cancelAllIPC)');
}

/** `cancelAllSignals(ntfnPtr)`: a Waiting notification becomes Idle and every waiter restarts. */
export function cancelAllSignals(k: Kernel, ntfn: number): void {
  if (notificationGetState(k.mem.read32(ntfn + NTFN_W0)) !== NTFN_STATE_WAITING) return;
  const head = queueGetHead(k.mem, ntfn);
  queueSetState(k.mem, ntfn, NTFN_STATE_IDLE);
  queueSet(k.mem, ntfn, 0, 0);
  restartQueue(k, head, 'notification queue walk (cancelAllSignals)');
}

/**
 * `cancelBadgedSends(epptr, badge)`: every sender queued with exactly this badge restarts
 * (in queue order); the others stay queued in their order.
 */
export function cancelBadgedSends(k: Kernel, ep: number, badge: number): void {
  const mem = k.mem;
  switch (endpointGetState(mem.read32(ep + EP_W0))) {
    case EP_STATE_IDLE:
    case EP_STATE_RECV:
      return;
    case EP_STATE_SEND: {
      // C detaches the queue and works on a copy; dequeuing in place leaves the same words.
      let next = 0;
      for (let t = queueGetHead(mem, ep); t !== 0; t = next) {
        loopStep(k, 'endpoint queue walk (cancelBadgedSends)');
        next = tcbGet(mem, t, TCB_EP_NEXT);
        if (threadStateGetBlockingIPCBadge(tcbGet(mem, t, TCB_STATE_W2)) === badge) {
          setThreadState(k, t, THREAD_STATE_RESTART);
          tcbSchedEnqueue(k, t);
          tcbEPDequeue(mem, ep, t);
        }
      }
      queueSetState(mem, ep, queueGetHead(mem, ep) !== 0 ? EP_STATE_SEND : EP_STATE_IDLE);
      rescheduleRequired(k);
      return;
    }
    default:
      throw new KernelPanic('invalid EP state');
  }
}

/** `cancelSignal(threadPtr, ntfnPtr)`: the thread leaves the notification's queue and becomes Inactive. */
export function cancelSignal(k: Kernel, tcb: number, ntfn: number): void {
  kernelAssert(notificationGetState(k.mem.read32(ntfn + NTFN_W0)) === NTFN_STATE_WAITING,
    'cancelSignal: notification object must be in a waiting state');
  tcbEPDequeue(k.mem, ntfn, tcb);
  if (queueGetHead(k.mem, ntfn) === 0) queueSetState(k.mem, ntfn, NTFN_STATE_IDLE);
  setThreadState(k, tcb, THREAD_STATE_INACTIVE);
}

// `doUnbindNotification`.
function doUnbindNotification(k: Kernel, ntfn: number, tcb: number): void {
  k.mem.write32(ntfn + NTFN_BOUND_TCB, k.mem.read32(ntfn + NTFN_BOUND_TCB) & 0xf);
  tcbSet(k.mem, tcb, TCB_BOUND_NOTIFICATION, 0);
}

/** `unbindMaybeNotification(ntfnPtr)`: unbinds the notification's bound TCB, if any. */
export function unbindMaybeNotification(k: Kernel, ntfn: number): void {
  const bound = notificationGetBoundTCB(k.mem.read32(ntfn + NTFN_BOUND_TCB));
  if (bound !== 0) doUnbindNotification(k, ntfn, bound);
}

/** `unbindNotification(tcb)`: unbinds the thread's bound notification, if any. */
export function unbindNotification(k: Kernel, tcb: number): void {
  const ntfn = tcbGet(k.mem, tcb, TCB_BOUND_NOTIFICATION);
  if (ntfn !== 0) doUnbindNotification(k, ntfn, tcb);
}

/**
 * `cancelIPC(tptr)`: a thread blocked on an endpoint or notification leaves its queue and
 * becomes Inactive; one waiting for a reply loses its fault and the reply cap to it.
 */
export function cancelIPC(k: Kernel, tcb: number): void {
  const mem = k.mem;
  switch (tcbGetState(mem, tcb)) {
    case THREAD_STATE_BLOCKED_ON_SEND:
    case THREAD_STATE_BLOCKED_ON_RECEIVE: {
      const ep = tcbGetBlockingObject(mem, tcb);
      kernelAssert(endpointGetState(mem.read32(ep + EP_W0)) !== EP_STATE_IDLE, 'blockedIPCCancel: endpoint must not be idle');
      tcbEPDequeue(mem, ep, tcb);
      if (queueGetHead(mem, ep) === 0) queueSetState(mem, ep, EP_STATE_IDLE);
      setThreadState(k, tcb, THREAD_STATE_INACTIVE);
      return;
    }
    case THREAD_STATE_BLOCKED_ON_NOTIFICATION:
      cancelSignal(k, tcb, tcbGetBlockingObject(mem, tcb));
      return;
    case THREAD_STATE_BLOCKED_ON_REPLY: {
      tcbSet(mem, tcb, TCB_FAULT_W0, 0);
      tcbSet(mem, tcb, TCB_FAULT_W1, 0);
      const callerCap = cteGetNext(mem, tcbCte(tcb, TCB_REPLY));
      if (callerCap !== 0) cteDeleteOne(k, callerCap);
      return;
    }
    default:
      return;
  }
}

/** `suspend(target)`: cancels the thread's IPC, fixes its restart PC, dequeues it, makes it Inactive. */
export function suspend(k: Kernel, tcb: number): void {
  cancelIPC(k, tcb);
  if (tcbGetState(k.mem, tcb) === THREAD_STATE_RUNNING) {
    setRegister(k.mem, tcb, FAULT_REGISTER, getRegister(k.mem, tcb, NEXT_IP_REGISTER));
  }
  tcbSchedDequeue(k, tcb);
  setThreadState(k, tcb, THREAD_STATE_INACTIVE);
}
