/**
 * Notifications (seL4 `src/object/notification.c` `sendSignal`, `receiveSignal`,
 * `completeSignal`, `bindNotification`, and `performInvocation_Notification` in
 * `src/object/objecttype.c`; non-MCS). A notification is a word of badge bits: a signal ORs
 * its badge in (Active), or wakes the first waiting thread, or a bound thread blocked in a
 * receive on an endpoint; a wait takes the whole word and makes the notification Idle.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { BADGE_REGISTER } from '../../hardware/registers.js';
import { EXCEPTION_NONE, type Exception } from '../kernel/failures.js';
import { KernelPanic, kernelAssert } from '../kernel/panic.js';
import { possibleSwitchTo, scheduleTCB, setThreadState } from '../kernel/thread.js';
import { notificationCapGetCapNtfnPtr } from './cap.js';
import { cancelIPC } from './ipc-cancel.js';
import { doNBRecvFailedTransfer } from './ipc-transfer.js';
import {
  NTFN_BOUND_TCB, NTFN_MSG_IDENTIFIER, NTFN_STATE_ACTIVE, NTFN_STATE_IDLE, NTFN_STATE_WAITING, NTFN_W0,
  notificationGetBoundTCB, notificationGetState,
} from './structures.js';
import { queueGetHead, queueSetState, tcbEPAppend, tcbEPDequeue, threadStateSetBlockingObject } from './tcb-queue.js';
import {
  TCB_BOUND_NOTIFICATION, THREAD_STATE_BLOCKED_ON_NOTIFICATION, THREAD_STATE_BLOCKED_ON_RECEIVE,
  THREAD_STATE_RUNNING, setRegister, tcbGetState, tcbSet, tcbSetStateType,
} from './tcb-layout.js';

// `ntfn_set_active(ntfnPtr, badge)`.
function ntfnSetActive(k: Kernel, ntfn: number, badge: number): void {
  queueSetState(k.mem, ntfn, NTFN_STATE_ACTIVE);
  k.mem.write32(ntfn + NTFN_MSG_IDENTIFIER, badge >>> 0);
}

/**
 * `sendSignal(ntfnPtr, badge)`: an Idle notification wakes its bound thread if that thread is
 * blocked receiving on an endpoint (its receive is cancelled, the badge delivered), else
 * becomes Active with the badge; a Waiting one wakes its first waiter; an Active one ORs the
 * badge into its word.
 */
export function sendSignal(k: Kernel, ntfn: number, badge: number): void {
  const mem = k.mem;
  switch (notificationGetState(mem.read32(ntfn + NTFN_W0))) {
    case NTFN_STATE_IDLE: {
      const tcb = notificationGetBoundTCB(mem.read32(ntfn + NTFN_BOUND_TCB));
      if (tcb !== 0 && tcbGetState(mem, tcb) === THREAD_STATE_BLOCKED_ON_RECEIVE) {
        cancelIPC(k, tcb);
        setThreadState(k, tcb, THREAD_STATE_RUNNING);
        setRegister(mem, tcb, BADGE_REGISTER, badge);
        possibleSwitchTo(k, tcb);
      } else {
        // Also a bound thread waiting for a reply: a signal does not interrupt a Call.
        ntfnSetActive(k, ntfn, badge);
      }
      return;
    }
    case NTFN_STATE_WAITING: {
      const dest = queueGetHead(mem, ntfn);
      kernelAssert(dest !== 0, 'WaitingNtfn Notification must have non-empty queue');
      tcbEPDequeue(mem, ntfn, dest);
      if (queueGetHead(mem, ntfn) === 0) queueSetState(mem, ntfn, NTFN_STATE_IDLE);
      setThreadState(k, dest, THREAD_STATE_RUNNING);
      setRegister(mem, dest, BADGE_REGISTER, badge);
      possibleSwitchTo(k, dest);
      return;
    }
    case NTFN_STATE_ACTIVE:
      mem.write32(ntfn + NTFN_MSG_IDENTIFIER, (mem.read32(ntfn + NTFN_MSG_IDENTIFIER) | badge) >>> 0);
      return;
    default:
      throw new KernelPanic('sendSignal: invalid notification state');
  }
}

/**
 * `receiveSignal(thread, cap, isBlocking)`: an Active notification hands over its word and
 * becomes Idle; otherwise the thread queues (blocking) or gets badge 0 (non-blocking).
 */
export function receiveSignal(k: Kernel, thread: number, capW0: number, isBlocking: boolean): void {
  const mem = k.mem;
  const ntfn = notificationCapGetCapNtfnPtr(capW0);
  switch (notificationGetState(mem.read32(ntfn + NTFN_W0))) {
    case NTFN_STATE_IDLE:
    case NTFN_STATE_WAITING:
      if (isBlocking) {
        tcbSetStateType(mem, thread, THREAD_STATE_BLOCKED_ON_NOTIFICATION);
        threadStateSetBlockingObject(mem, thread, ntfn);
        scheduleTCB(k, thread);
        tcbEPAppend(mem, ntfn, thread);
        queueSetState(mem, ntfn, NTFN_STATE_WAITING);
      } else {
        doNBRecvFailedTransfer(k, thread);
      }
      return;
    case NTFN_STATE_ACTIVE:
      setRegister(mem, thread, BADGE_REGISTER, mem.read32(ntfn + NTFN_MSG_IDENTIFIER));
      queueSetState(mem, ntfn, NTFN_STATE_IDLE);
      return;
    default:
      throw new KernelPanic('receiveSignal: invalid notification state');
  }
}

/** `completeSignal(ntfnPtr, tcb)`: a thread's receive takes the pending word of its Active bound notification. */
export function completeSignal(k: Kernel, ntfn: number, tcb: number): void {
  const mem = k.mem;
  if (tcb === 0 || notificationGetState(mem.read32(ntfn + NTFN_W0)) !== NTFN_STATE_ACTIVE) {
    throw new KernelPanic('tried to complete signal with inactive notification object');
  }
  setRegister(mem, tcb, BADGE_REGISTER, mem.read32(ntfn + NTFN_MSG_IDENTIFIER));
  queueSetState(mem, ntfn, NTFN_STATE_IDLE);
}

/** `bindNotification(tcb, ntfnPtr)`: links thread and notification both ways. */
export function bindNotification(k: Kernel, tcb: number, ntfn: number): void {
  const w3 = k.mem.read32(ntfn + NTFN_BOUND_TCB);
  k.mem.write32(ntfn + NTFN_BOUND_TCB, ((w3 & 0xf) | (tcb & 0xfffffff0)) >>> 0);
  tcbSet(k.mem, tcb, TCB_BOUND_NOTIFICATION, ntfn);
}

export { unbindMaybeNotification, unbindNotification } from './ipc-cancel.js';

/** `performInvocation_Notification(ntfn, badge)`: the current thread signals. */
export function performInvocationNotification(k: Kernel, ntfn: number, badge: number): Exception {
  sendSignal(k, ntfn, badge);
  return EXCEPTION_NONE;
}
