/**
 * Cancelling IPC and suspending threads (l4v `IpcCancel_A.thy`; manual §4.2 "Endpoints",
 * §5 "Notifications", §6.1 "Threads"). When an endpoint or notification dies, every thread
 * queued on it is restarted; when a thread is suspended, whatever it was blocked on lets
 * go of it.
 *
 * @module
 */
import { match, P } from 'ts-pattern';
import type { Cap } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT, type EndpointState } from '../state/object.js';
import type { ThreadState } from '../state/thread.js';
import { descendantsOf } from './cdt.js';
import { getCap } from './cspace-access.js';
import { emptySlot, isFinalCap } from './empty-slot.js';
import {
  getEndpoint,
  getNotification,
  getTCB,
  setBoundNotification,
  setEndpoint,
  setNotificationBoundTCB,
  setNotificationState,
  updateTCB,
} from './kheap.js';
import { KernelPanic } from './panic.js';
import { rescheduleRequired, tcbSchedAction, tcbSchedDequeue, tcbSchedEnqueue } from './ready-queues.js';
import { getThreadState, setThreadState, updateRestartPC } from './thread.js';

/** Restarts a queued thread: state `Restart` and onto its ready queue. */
function restartQueued(s: KernelState, t: number): KernelState {
  return tcbSchedAction(setThreadState(s, t, { kind: 'Restart' }), tcbSchedEnqueue, t);
}

/**
 * Empties an endpoint's queue, restarting every queued thread so that it retries its
 * operation. @see l4v cancel_all_ipc
 */
export function cancelAllIPC(s: KernelState, ep: number): KernelState {
  const st = getEndpoint(s, ep).state;
  if (st.kind === 'IdleEP') return s;
  const s1 = setEndpoint(s, ep, { kind: 'IdleEP' });
  return rescheduleRequired(st.queue.reduce(restartQueued, s1));
}

/** The badge a thread blocked on sending carries. @see l4v blocking_ipc_badge */
function blockingIPCBadge(st: ThreadState): number {
  if (st.kind !== 'BlockedOnSend') throw new KernelPanic(`blocking_ipc_badge of ${st.kind}`);
  return st.badge;
}

/**
 * Restarts every thread queued to send on an endpoint with the given badge.
 * @see l4v cancel_badged_sends
 */
export function cancelBadgedSends(s: KernelState, ep: number, badge: number): KernelState {
  const st = getEndpoint(s, ep).state;
  if (st.kind !== 'SendEP') return s;
  let acc = setEndpoint(s, ep, { kind: 'IdleEP' });
  const kept: number[] = [];
  for (const t of st.queue) {
    if (blockingIPCBadge(getThreadState(acc, t)) === badge) acc = restartQueued(acc, t);
    else kept.push(t);
  }
  acc = setEndpoint(acc, ep, kept.length === 0 ? { kind: 'IdleEP' } : { kind: 'SendEP', queue: kept });
  return rescheduleRequired(acc);
}

/** Breaks the binding between a notification and a thread. @see l4v do_unbind_notification */
function doUnbindNotification(s: KernelState, ntfn: number, tcb: number): KernelState {
  return setBoundNotification(setNotificationBoundTCB(s, ntfn, null), tcb, null);
}

/** Unbinds a thread from its notification, if it is bound. @see l4v unbind_notification */
export function unbindNotification(s: KernelState, tcb: number): KernelState {
  const ntfn = getTCB(s, tcb).boundNotification;
  if (ntfn === null) return s;
  getNotification(s, ntfn);
  return doUnbindNotification(s, ntfn, tcb);
}

/** Unbinds a notification from its thread, if it is bound. @see l4v unbind_maybe_notification */
export function unbindMaybeNotification(s: KernelState, ntfn: number): KernelState {
  const t = getNotification(s, ntfn).boundTCB;
  return t === null ? s : doUnbindNotification(s, ntfn, t);
}

/** Restarts every thread waiting on a notification. @see l4v cancel_all_signals */
export function cancelAllSignals(s: KernelState, ntfn: number): KernelState {
  const st = getNotification(s, ntfn).state;
  if (st.kind !== 'WaitingNtfn') return s;
  const s1 = setNotificationState(s, ntfn, { kind: 'IdleNtfn' });
  return rescheduleRequired(st.queue.reduce(restartQueued, s1));
}

/** The queue without the first occurrence of `t` (Isabelle's `remove1`). */
function remove1(queue: readonly number[], t: number): number[] {
  const i = queue.indexOf(t);
  return i < 0 ? [...queue] : [...queue.slice(0, i), ...queue.slice(i + 1)];
}

/**
 * Takes a thread blocked sending or receiving off its endpoint's queue and makes it
 * inactive. @see l4v blocked_cancel_ipc
 */
export function blockedCancelIPC(s: KernelState, st: ThreadState, t: number): KernelState {
  if (st.kind !== 'BlockedOnSend' && st.kind !== 'BlockedOnReceive') throw new KernelPanic('get_blocking_object');
  const ep = getEndpoint(s, st.ep).state;
  if (ep.kind === 'IdleEP') throw new KernelPanic('get_ep_queue of an idle endpoint');
  const queue = remove1(ep.queue, t);
  const next: EndpointState = queue.length === 0 ? { kind: 'IdleEP' } : { kind: ep.kind, queue };
  return setThreadState(setEndpoint(s, st.ep, next), t, { kind: 'Inactive' });
}

/** Takes a thread waiting on a notification off its queue and makes it inactive. @see l4v cancel_signal */
export function cancelSignal(s: KernelState, t: number, ntfn: number): KernelState {
  const st = getNotification(s, ntfn).state;
  if (st.kind !== 'WaitingNtfn') throw new KernelPanic('cancel_signal: notification not waiting');
  const queue = remove1(st.queue, t);
  const s1 = setNotificationState(s, ntfn, queue.length === 0 ? { kind: 'IdleNtfn' } : { kind: 'WaitingNtfn', queue });
  return setThreadState(s1, t, { kind: 'Inactive' });
}

/**
 * Cancels a call waiting for its reply: clears the thread's fault and deletes the one reply
 * cap derived from its master reply cap. @see l4v reply_cancel_ipc
 */
export function replyCancelIPC(s: KernelState, t: number): KernelState {
  const s1 = updateTCB(s, t, { fault: null });
  const descs = descendantsOf(s1, { obj: t, index: TCB_SLOT.Reply });
  if (descs.length === 0) return s1;
  const [only, ...more] = descs;
  if (only === undefined || more.length > 0) throw new KernelPanic('reply_cancel_ipc: more than one reply cap');
  return capDeleteOne(s1, only);
}

/** Cancels whatever IPC a thread is blocked in. @see l4v cancel_ipc */
export function cancelIPC(s: KernelState, t: number): KernelState {
  return match(getThreadState(s, t))
    .with({ kind: P.union('BlockedOnSend', 'BlockedOnReceive') }, (st) => blockedCancelIPC(s, st, t))
    .with({ kind: 'BlockedOnNotification' }, (st) => cancelSignal(s, t, st.ntfn))
    .with({ kind: 'BlockedOnReply' }, () => replyCancelIPC(s, t))
    .with({ kind: P.union('Running', 'Inactive', 'Restart', 'IdleThreadState') }, () => s)
    .exhaustive();
}

/**
 * Suspends a thread: cancels its IPC, makes a running thread resume after its trap when it
 * is restarted, takes it off the ready queues and makes it inactive. @see l4v suspend
 */
export function suspend(s: KernelState, t: number): KernelState {
  const s1 = cancelIPC(s, t);
  const s2 = getThreadState(s1, t).kind === 'Running' ? updateRestartPC(s1, t) : s1;
  return setThreadState(tcbSchedAction(s2, tcbSchedDequeue, t), t, { kind: 'Inactive' });
}

/**
 * Finalises a cap that needs no long-running work (null, reply, endpoint, notification).
 * @see l4v fast_finalise
 */
export function fastFinalise(s: KernelState, cap: Cap, final: boolean): KernelState {
  // A switch, not ts-pattern: every receive on an endpoint deletes the caller's reply cap here.
  switch (cap.kind) {
    case 'NullCap':
    case 'ReplyCap':
      return s;
    case 'EndpointCap':
      return final ? cancelAllIPC(s, cap.ptr) : s;
    case 'NotificationCap':
      return final ? cancelAllSignals(unbindMaybeNotification(s, cap.ptr), cap.ptr) : s;
    case 'UntypedCap':
    case 'CNodeCap':
    case 'ThreadCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'Zombie':
    case 'ASIDControlCap':
    case 'ASIDPoolCap':
    case 'FrameCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
    case 'SGISignalCap':
      throw new KernelPanic(`fast_finalise of a ${cap.kind}`);
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
  }
}

/** Deletes a cap known to need no long-running finalisation. @see l4v cap_delete_one */
export function capDeleteOne(s: KernelState, slot: CSlot): KernelState {
  const cap = getCap(s, slot);
  if (cap.kind === 'NullCap') return s;
  const s1 = fastFinalise(s, cap, isFinalCap(s, cap));
  return emptySlot(s1, slot, { kind: 'NullCap' });
}
