/**
 * The ready queues and the scheduler action (l4v `KHeap_A.thy` `tcb_sched_action`,
 * `reschedule_required`, `possible_switch_to`; manual §6.1.3 "Scheduling"). A queue is per
 * (domain, priority); the head runs first.
 *
 * @module
 */
import { readyQueueKey, updateState, type KernelState, type SchedulerAction } from '../state/kernel-state.js';
import { getTCB } from './kheap.js';

/** How a queue changes for a thread (l4v's `tcb_sched_enqueue`, `_append`, `_dequeue`). */
export type QueueAction = (thread: number, queue: readonly number[]) => readonly number[];

/** Puts a thread at the head of its queue unless it is queued already. @see l4v tcb_sched_enqueue */
export const tcbSchedEnqueue: QueueAction = (t, q) => (q.includes(t) ? q : [t, ...q]);

/** Puts a thread at the tail of its queue unless it is queued already. @see l4v tcb_sched_append */
export const tcbSchedAppend: QueueAction = (t, q) => (q.includes(t) ? q : [...q, t]);

/** Removes a thread from its queue. @see l4v tcb_sched_dequeue */
export const tcbSchedDequeue: QueueAction = (t, q) => q.filter((x) => x !== t);

/** The ready queue of a domain and priority. @see l4v get_tcb_queue */
export function getTCBQueue(s: KernelState, domain: number, priority: number): readonly number[] {
  return s.readyQueues.get(readyQueueKey(domain, priority)) ?? [];
}

/** Replaces a ready queue; an empty queue is stored as absent. @see l4v set_tcb_queue */
export function setTCBQueue(s: KernelState, domain: number, priority: number, q: readonly number[]): KernelState {
  const key = readyQueueKey(domain, priority);
  return updateState(s, 'readyQueues', q.length === 0 ? s.readyQueues.delete(key) : s.readyQueues.set(key, q));
}

/** Applies a queue action to the queue of the thread's domain and priority. @see l4v tcb_sched_action */
export function tcbSchedAction(s: KernelState, action: QueueAction, thread: number): KernelState {
  const { domain, priority } = getTCB(s, thread);
  const q = getTCBQueue(s, domain, priority);
  const q2 = action(thread, q);
  return q2 === q ? s : setTCBQueue(s, domain, priority, q2);
}

/** Sets the scheduler action. @see l4v set_scheduler_action */
export function setSchedulerAction(s: KernelState, action: SchedulerAction): KernelState {
  return updateState(s, 'schedulerAction', action);
}

/**
 * Asks the scheduler to choose a new thread at the end of this entry; a thread that was
 * going to be switched to goes back to its queue. @see l4v reschedule_required
 */
export function rescheduleRequired(s: KernelState): KernelState {
  const a = s.schedulerAction;
  const s1 = a.kind === 'SwitchToThread' ? tcbSchedAction(s, tcbSchedEnqueue, a.tcb) : s;
  return setSchedulerAction(s1, { kind: 'ChooseNewThread' });
}

/**
 * Considers switching to a thread that became runnable: a thread of another domain is only
 * queued; otherwise it becomes the switch candidate unless the scheduler already has other
 * plans, in which case it is queued and a reschedule is required. @see l4v possible_switch_to
 */
export function possibleSwitchTo(s: KernelState, target: number): KernelState {
  if (getTCB(s, target).domain !== s.curDomain) return tcbSchedAction(s, tcbSchedEnqueue, target);
  if (s.schedulerAction.kind !== 'ResumeCurrentThread') {
    return tcbSchedAction(rescheduleRequired(s), tcbSchedEnqueue, target);
  }
  return setSchedulerAction(s, { kind: 'SwitchToThread', tcb: target });
}
