/**
 * The scheduler (l4v `Schedule_A.thy`, `Tcb_A.thy` `activate_thread`; manual §6.1.3
 * "Scheduling" and §6.3 "Domains"). At the end of each kernel entry the scheduler acts on
 * the scheduler action: keep the current thread, switch to a candidate, or choose the head
 * of the highest non-empty ready queue of the current domain (else the idle thread). When
 * the domain's time is up the domain schedule moves to its next entry.
 *
 * @module
 */
import { MAX_PRIO } from '../../abi/config.js';
import { readyQueueKey, updateState, type DomainScheduleEntry, type KernelState } from '../state/kernel-state.js';
import { runnable } from '../state/thread.js';
import { getTCB, getTCBOpt } from './kheap.js';
import { KernelPanic } from './panic.js';
import { getTCBQueue, setSchedulerAction, tcbSchedAction, tcbSchedAppend, tcbSchedDequeue, tcbSchedEnqueue } from './ready-queues.js';
import { getRestartPC, getThreadState, setNextPC, setThreadState } from './thread.js';
import { archSwitchToThread, setVMRoot } from './vm-root.js';

/** Makes `t` the current thread; a running thread is not in a ready queue. @see l4v switch_to_thread */
export function switchToThread(s: KernelState, t: number): KernelState {
  if (getTCBOpt(s, t) === undefined) throw new KernelPanic(`switch_to_thread: no TCB at 0x${t.toString(16)}`);
  const s1 = tcbSchedAction(archSwitchToThread(s, t), tcbSchedDequeue, t);
  return updateState(s1, 'curThread', t);
}

/** Switches to `t`, which must be runnable. @see l4v guarded_switch_to */
export function guardedSwitchTo(s: KernelState, t: number): KernelState {
  if (!runnable(getThreadState(s, t))) throw new KernelPanic('guarded_switch_to: thread not runnable');
  return switchToThread(s, t);
}

/** Makes the idle thread current. @see l4v switch_to_idle_thread */
export function switchToIdleThread(s: KernelState): KernelState {
  return updateState(setVMRoot(s, s.idleThread), 'curThread', s.idleThread);
}

/**
 * Moves to the next entry of the domain schedule, wrapping to the start entry at the end
 * marker, and restarts the work-unit count. @see l4v next_domain
 */
export function nextDomain(s: KernelState): KernelState {
  const entry = (i: number): DomainScheduleEntry => {
    const e = s.domainList[i];
    if (e === undefined) throw new KernelPanic(`next_domain: no schedule entry ${i}`);
    return e;
  };
  const inc = s.domainIndex + 1;
  const atEnd = entry(inc).domain === 0 && entry(inc).duration === 0n;
  const index = atEnd ? s.domainStartIndex : inc;
  const e = entry(index);
  return { ...s, domainIndex: index, curDomain: e.domain, domainTime: e.duration, workUnitsCompleted: 0 };
}

/**
 * The highest priority with a non-empty ready queue in a domain, or null (l4v's
 * `max_non_empty_queue`). Read off the queues there are rather than by asking each of the 256
 * priorities in turn: a state holds a few non-empty queues, and this runs on every switch.
 */
export function highestReadyPriority(s: KernelState, domain: number): number | null {
  let best: number | null = null;
  s.readyQueues.forEach((q, key) => {
    const p = key - readyQueueKey(domain, 0);
    if (q.length > 0 && p >= 0 && p <= MAX_PRIO && (best === null || p > best)) best = p;
  });
  return best;
}

/**
 * Switches to the head of the highest non-empty ready queue of the current domain, or to
 * the idle thread when all are empty. @see l4v choose_thread
 */
export function chooseThread(s: KernelState): KernelState {
  const p = highestReadyPriority(s, s.curDomain);
  if (p === null) return switchToIdleThread(s);
  const head = getTCBQueue(s, s.curDomain, p)[0];
  if (head === undefined) throw new KernelPanic('choose_thread: empty queue');
  return guardedSwitchTo(s, head);
}

/** Whether `prio` is at least the highest ready priority of a domain. @see l4v is_highest_prio */
export function isHighestPrio(s: KernelState, domain: number, prio: number): boolean {
  const p = highestReadyPriority(s, domain);
  return p === null || prio >= p;
}

/**
 * Advances the domain schedule if the domain's time is up, then chooses a thread.
 * @see l4v schedule_choose_new_thread
 */
export function scheduleChooseNewThread(s: KernelState): KernelState {
  const s1 = s.domainTime === 0n ? nextDomain(s) : s;
  return setSchedulerAction(chooseThread(s1), { kind: 'ResumeCurrentThread' });
}

/**
 * Acts on the scheduler action at the end of a kernel entry. A switch candidate loses to a
 * better-placed thread: when it would not preempt the current thread and is not of the
 * highest ready priority ("fast fail"), or when the current thread is runnable at the same
 * priority (the candidate goes to the back of its queue). @see l4v schedule
 */
export function schedule(s: KernelState): KernelState {
  const ct = s.curThread;
  const ctRunnable = runnable(getThreadState(s, ct));
  const action = s.schedulerAction;
  // A switch, not ts-pattern: this runs on every kernel entry (hot path).
  switch (action.kind) {
    case 'ResumeCurrentThread':
      if (!ctRunnable && ct !== s.idleThread) throw new KernelPanic('schedule: current thread cannot resume');
      return s;
    case 'ChooseNewThread':
      return scheduleChooseNewThread(ctRunnable ? tcbSchedAction(s, tcbSchedEnqueue, ct) : s);
    case 'SwitchToThread':
      return scheduleSwitchThread(ctRunnable ? tcbSchedAction(s, tcbSchedEnqueue, ct) : s, action.tcb, ctRunnable);
    default: {
      const _exhaustive: never = action;
      return _exhaustive;
    }
  }
}

function scheduleSwitchThread(s: KernelState, candidate: number, ctRunnable: boolean): KernelState {
  const ct = s.curThread;
  const it = s.idleThread;
  const targetPrio = getTCB(s, candidate).priority;
  const ctPrio = ct !== it ? getTCB(s, ct).priority : 0;
  const fastfail = ct === it || targetPrio < ctPrio;
  const highest = isHighestPrio(s, s.curDomain, targetPrio);
  if (fastfail && !highest) {
    const s1 = tcbSchedAction(s, tcbSchedEnqueue, candidate);
    return scheduleChooseNewThread(setSchedulerAction(s1, { kind: 'ChooseNewThread' }));
  }
  if (ctRunnable && ctPrio === targetPrio) {
    const s1 = tcbSchedAction(s, tcbSchedAppend, candidate);
    return scheduleChooseNewThread(setSchedulerAction(s1, { kind: 'ChooseNewThread' }));
  }
  return setSchedulerAction(guardedSwitchTo(s, candidate), { kind: 'ResumeCurrentThread' });
}

/**
 * Prepares the current thread to return to user level: a thread in `Restart` resumes at
 * the instruction that trapped (NextIP := FaultIP) and becomes `Running`.
 * @see l4v activate_thread
 */
export function activateThread(s: KernelState): KernelState {
  const t = s.curThread;
  const st = getThreadState(s, t);
  // A switch, not ts-pattern: this runs on every kernel entry (hot path).
  switch (st.kind) {
    case 'Running':
    case 'IdleThreadState':
      return s;
    case 'Restart':
      return setThreadState(setNextPC(s, t, getRestartPC(s, t)), t, { kind: 'Running' });
    case 'Inactive':
    case 'BlockedOnReceive':
    case 'BlockedOnSend':
    case 'BlockedOnReply':
    case 'BlockedOnNotification':
      throw new KernelPanic(`activate_thread: current thread is ${st.kind}`);
    default: {
      const _exhaustive: never = st;
      return _exhaustive;
    }
  }
}
