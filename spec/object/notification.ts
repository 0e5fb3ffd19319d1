/**
 * Notifications (l4v `Ipc_A.thy` "Asynchronous Message Transfers", `Tcb_A.thy`
 * `bind_notification`; manual §5 "Notifications"). A notification is a word of badge bits
 * and a queue of waiting threads: a signal ORs its badge into the word or wakes the first
 * waiter; a wait takes the word or queues the thread. A thread may be bound to one
 * notification, which then also wakes it while it waits on an endpoint.
 *
 * @module
 */
import { BADGE_REGISTER } from '../../hardware/registers.js';
import type { CapOf } from '../state/cap.js';
import type { KernelState } from '../state/kernel-state.js';
import type { ThreadState } from '../state/thread.js';
import { cancelIPC } from '../kernel/ipc-cancel.js';
import { getNotification, setBoundNotification, setNotification, setNotificationBoundTCB, setNotificationState } from '../kernel/kheap.js';
import { KernelPanic } from '../kernel/panic.js';
import { possibleSwitchTo } from '../kernel/ready-queues.js';
import { getThreadState, setRegister, setThreadState } from '../kernel/thread.js';

export { unbindMaybeNotification, unbindNotification } from '../kernel/ipc-cancel.js';

/** Two badges signalled before anyone waited combine by bitwise OR. @see l4v combine_ntfn_badges */
export function combineNtfnBadges(a: number, b: number): number {
  return (a | b) >>> 0;
}

/** Whether a thread waits to receive on an endpoint. @see l4v receive_blocked */
function receiveBlocked(st: ThreadState): boolean {
  return st.kind === 'BlockedOnReceive';
}

/** Wakes `t` with `badge` in its badge register; it may then run before the signaller. */
function wakeWithBadge(s: KernelState, t: number, badge: number): KernelState {
  const s1 = setRegister(setThreadState(s, t, { kind: 'Running' }), t, BADGE_REGISTER, badge);
  return possibleSwitchTo(s1, t);
}

/**
 * Signals with a waiter queued: the first waiter wakes with the badge and leaves the queue.
 * @see l4v update_waiting_ntfn
 */
function updateWaitingNtfn(s: KernelState, ntfn: number, queue: readonly number[], badge: number): KernelState {
  const [dest, ...rest] = queue;
  if (dest === undefined) throw new KernelPanic('update_waiting_ntfn: empty queue');
  const boundTCB = getNotification(s, ntfn).boundTCB;
  const s1 = setNotification(s, ntfn, {
    kind: 'Notification',
    state: rest.length === 0 ? { kind: 'IdleNtfn' } : { kind: 'WaitingNtfn', queue: rest },
    boundTCB,
  });
  return wakeWithBadge(s1, dest, badge);
}

/**
 * Signals a notification with a badge (manual §5.1): a waiting thread wakes with the badge;
 * with no waiter, the thread bound to it wakes if it is blocked receiving on an endpoint
 * (its receive is cancelled); otherwise the badge is ORed into the notification's word.
 * A bound thread waiting for a reply is not woken. @see l4v send_signal
 */
export function sendSignal(s: KernelState, ntfn: number, badge: number): KernelState {
  const n = getNotification(s, ntfn);
  const st = n.state;
  // A switch, not ts-pattern: every Signal and every notification interrupt runs this.
  switch (st.kind) {
    case 'IdleNtfn': {
      const tcb = n.boundTCB;
      if (tcb !== null && receiveBlocked(getThreadState(s, tcb))) return wakeWithBadge(cancelIPC(s, tcb), tcb, badge);
      return setNotificationState(s, ntfn, { kind: 'ActiveNtfn', badge });
    }
    case 'WaitingNtfn':
      return updateWaitingNtfn(s, ntfn, st.queue, badge);
    case 'ActiveNtfn':
      return setNotificationState(s, ntfn, { kind: 'ActiveNtfn', badge: combineNtfnBadges(badge, st.badge) });
    default: {
      const _exhaustive: never = st;
      return _exhaustive;
    }
  }
}

/**
 * A non-blocking receive that found nothing: the badge register reads 0, so a Poll of an
 * idle notification returns badge 0. @see l4v do_nbrecv_failed_transfer
 */
export function doNBRecvFailedTransfer(s: KernelState, thread: number): KernelState {
  return setRegister(s, thread, BADGE_REGISTER, 0);
}

/**
 * Waits on (or, not blocking, polls) a notification (manual §5.1): an active notification
 * hands its word to the thread and becomes idle; otherwise a blocking thread joins the end
 * of the queue and a polling one gets badge 0. @see l4v receive_signal
 */
export function receiveSignal(s: KernelState, thread: number, cap: CapOf<'NotificationCap'>, isBlocking: boolean): KernelState {
  const ntfn = cap.ptr;
  const st = getNotification(s, ntfn).state;
  // A switch, not ts-pattern: every Wait and Poll runs this.
  switch (st.kind) {
    case 'IdleNtfn':
    case 'WaitingNtfn': {
      if (!isBlocking) return doNBRecvFailedTransfer(s, thread);
      const queue = st.kind === 'WaitingNtfn' ? [...st.queue, thread] : [thread];
      const s1 = setThreadState(s, thread, { kind: 'BlockedOnNotification', ntfn });
      return setNotificationState(s1, ntfn, { kind: 'WaitingNtfn', queue });
    }
    case 'ActiveNtfn':
      return setNotificationState(setRegister(s, thread, BADGE_REGISTER, st.badge), ntfn, { kind: 'IdleNtfn' });
    default: {
      const _exhaustive: never = st;
      return _exhaustive;
    }
  }
}

/**
 * Delivers a bound notification's pending word to its thread instead of an endpoint
 * receive; the notification becomes idle. The notification must be active.
 * @see l4v complete_signal
 */
export function completeSignal(s: KernelState, ntfn: number, tcb: number): KernelState {
  const st = getNotification(s, ntfn).state;
  if (st.kind !== 'ActiveNtfn') throw new KernelPanic('complete_signal: notification not active');
  return setNotificationState(setRegister(s, tcb, BADGE_REGISTER, st.badge), ntfn, { kind: 'IdleNtfn' });
}

/**
 * Binds a thread and a notification to each other (manual §5.2 "Binding"); the caller has
 * checked that neither is bound already. @see l4v bind_notification
 */
export function bindNotification(s: KernelState, tcb: number, ntfn: number): KernelState {
  return setBoundNotification(setNotificationBoundTCB(s, ntfn, tcb), tcb, ntfn);
}

/** Whether a notification has a pending word. @see l4v isActive */
export function isActive(s: KernelState, ntfn: number): boolean {
  return getNotification(s, ntfn).state.kind === 'ActiveNtfn';
}
