/**
 * Cancelling IPC and unbinding, as deletion and suspension need them (seL4
 * `src/object/endpoint.c`, `src/object/notification.c`, `suspend` in `src/kernel/thread.c`;
 * l4v `IpcCancel_A`). Endpoint and notification queues belong to the IPC slice: in this slice
 * they are always empty, and a non-empty one ends in `NotModelledYet`.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { NotModelledYet } from '../kernel/panic.js';
import { EP_STATE_IDLE, EP_STATE_RECV, EP_W0, NTFN_BOUND_TCB, NTFN_STATE_WAITING, NTFN_W0, endpointGetState, notificationGetBoundTCB, notificationGetState } from './structures.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_FAULT_W0, TCB_FAULT_W1, TCB_REPLY, THREAD_STATE_BLOCKED_ON_NOTIFICATION,
  THREAD_STATE_BLOCKED_ON_RECEIVE, THREAD_STATE_BLOCKED_ON_REPLY, THREAD_STATE_BLOCKED_ON_SEND,
  THREAD_STATE_INACTIVE, THREAD_STATE_RUNNING, tcbCte, tcbGet, tcbGetState, tcbSet,
} from './tcb-layout.js';
import { FAULT_REGISTER, NEXT_IP_REGISTER } from '../../hardware/registers.js';
import { getRegister, setRegister } from './tcb-layout.js';
import { setThreadState, tcbSchedDequeue } from '../kernel/thread.js';
import { cteGetNext } from './mdb.js';
import { cteDeleteOne } from './delete.js';

/** `cancelAllIPC(ep)`: restarts every thread queued on the endpoint (none in this slice). */
export function cancelAllIPC(k: Kernel, ep: number): void {
  if (endpointGetState(k.mem.read32(ep + EP_W0)) !== EP_STATE_IDLE) {
    throw new NotModelledYet('cancelAllIPC on a non-idle endpoint');
  }
}

/** `cancelAllSignals(ntfn)`: restarts every thread waiting on the notification (none in this slice). */
export function cancelAllSignals(k: Kernel, ntfn: number): void {
  if (notificationGetState(k.mem.read32(ntfn + NTFN_W0)) === NTFN_STATE_WAITING) {
    throw new NotModelledYet('cancelAllSignals on a waiting notification');
  }
}

/** `cancelBadgedSends(ep, badge)`: restarts the senders with that badge (none in this slice). */
export function cancelBadgedSends(k: Kernel, ep: number): void {
  const state = endpointGetState(k.mem.read32(ep + EP_W0));
  if (state !== EP_STATE_IDLE && state !== EP_STATE_RECV) {
    throw new NotModelledYet('cancelBadgedSends on an endpoint with queued senders');
  }
}

// `doUnbindNotification`.
function doUnbindNotification(k: Kernel, ntfn: number, tcb: number): void {
  k.mem.write32(ntfn + NTFN_BOUND_TCB, k.mem.read32(ntfn + NTFN_BOUND_TCB) & 0xf);
  tcbSet(k.mem, tcb, TCB_BOUND_NOTIFICATION, 0);
}

/** `unbindMaybeNotification(ntfn)`: unbinds the notification's bound TCB, if any. */
export function unbindMaybeNotification(k: Kernel, ntfn: number): void {
  const bound = notificationGetBoundTCB(k.mem.read32(ntfn + NTFN_BOUND_TCB));
  if (bound !== 0) doUnbindNotification(k, ntfn, bound);
}

/** `unbindNotification(tcb)`: unbinds the thread's bound notification, if any. */
export function unbindNotification(k: Kernel, tcb: number): void {
  const ntfn = tcbGet(k.mem, tcb, TCB_BOUND_NOTIFICATION);
  if (ntfn !== 0) doUnbindNotification(k, ntfn, tcb);
}

/** `cancelIPC(tptr)`: takes a blocked thread out of its IPC (queues: a later slice). */
export function cancelIPC(k: Kernel, tcb: number): void {
  switch (tcbGetState(k.mem, tcb)) {
    case THREAD_STATE_BLOCKED_ON_SEND:
    case THREAD_STATE_BLOCKED_ON_RECEIVE:
      throw new NotModelledYet('cancelIPC of a thread blocked on an endpoint');
    case THREAD_STATE_BLOCKED_ON_NOTIFICATION:
      throw new NotModelledYet('cancelSignal of a thread blocked on a notification');
    case THREAD_STATE_BLOCKED_ON_REPLY: {
      tcbSet(k.mem, tcb, TCB_FAULT_W0, 0);
      tcbSet(k.mem, tcb, TCB_FAULT_W1, 0);
      const callerCap = cteGetNext(k.mem, tcbCte(tcb, TCB_REPLY));
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
