/**
 * The scheduler (seL4 `src/kernel/thread.c`, `src/object/tcb.c` queue functions,
 * `include/kernel/thread.h` bitmap; l4v `Schedule_A`, Haskell `Kernel/Thread.lhs`): ready
 * queues as intrusive lists through `tcbSchedNext/Prev` with a two-level priority bitmap per
 * domain, `schedule` with its fast-fail rule, thread activation and state changes.
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { NUM_DOMAINS, NUM_PRIORITIES, TIME_SLICE } from '../../abi/config.js';
import { NEXT_IP_REGISTER, FAULT_REGISTER } from '../../hardware/registers.js';
import {
  L2_BITMAP_SIZE, SCHEDULER_ACTION_CHOOSE_NEW_THREAD, SCHEDULER_ACTION_RESUME_CURRENT_THREAD,
} from './statedata.js';
import {
  THREAD_STATE_IDLE, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, TCB_DOMAIN, TCB_PRIORITY,
  TCB_SCHED_NEXT, TCB_SCHED_PREV, TCB_TIME_SLICE, getRegister, isRunnableState, setRegister,
  tcbGet, tcbGetQueued, tcbGetState, tcbSet, tcbSetQueued, tcbSetStateType,
} from '../object/tcb-layout.js';
import { KernelPanic } from './panic.js';
import { setVMRoot } from './vspace.js';

const WORD_RADIX = 5;

function readyQueuesIndex(dom: number, prio: number): number {
  return dom * NUM_PRIORITIES + prio;
}

function invertL1Index(l1: number): number {
  return L2_BITMAP_SIZE - 1 - l1;
}

function addToBitmap(k: Kernel, dom: number, prio: number): void {
  const l1 = prio >>> WORD_RADIX;
  k.ksReadyQueuesL1Bitmap[dom] = (k.ksReadyQueuesL1Bitmap[dom]! | (1 << l1)) >>> 0;
  const i = dom * L2_BITMAP_SIZE + invertL1Index(l1);
  k.ksReadyQueuesL2Bitmap[i] = (k.ksReadyQueuesL2Bitmap[i]! | (1 << (prio & 31))) >>> 0;
}

function removeFromBitmap(k: Kernel, dom: number, prio: number): void {
  const l1 = prio >>> WORD_RADIX;
  const i = dom * L2_BITMAP_SIZE + invertL1Index(l1);
  k.ksReadyQueuesL2Bitmap[i] = (k.ksReadyQueuesL2Bitmap[i]! & ~(1 << (prio & 31))) >>> 0;
  if (k.ksReadyQueuesL2Bitmap[i] === 0) {
    k.ksReadyQueuesL1Bitmap[dom] = (k.ksReadyQueuesL1Bitmap[dom]! & ~(1 << l1)) >>> 0;
  }
}

/** `getHighestPrio(dom)`: the highest priority with a non-empty ready queue (bitmap must be non-empty). */
export function getHighestPrio(k: Kernel, dom: number): number {
  const l1 = 31 - Math.clz32(k.ksReadyQueuesL1Bitmap[dom]!);
  const l2 = 31 - Math.clz32(k.ksReadyQueuesL2Bitmap[dom * L2_BITMAP_SIZE + invertL1Index(l1)]!);
  return (l1 << WORD_RADIX) | l2;
}

/** `isHighestPrio(dom, prio)`: no ready thread in `dom` has a priority above `prio`. */
export function isHighestPrio(k: Kernel, dom: number, prio: number): boolean {
  return k.ksReadyQueuesL1Bitmap[dom] === 0 || prio >= getHighestPrio(k, dom);
}

/** `tcbSchedEnqueue`: puts the thread at the head of its ready queue unless already queued. */
export function tcbSchedEnqueue(k: Kernel, tcb: number): void {
  const mem = k.mem;
  if (tcbGetQueued(mem, tcb)) return;
  const dom = tcbGet(mem, tcb, TCB_DOMAIN);
  const prio = tcbGet(mem, tcb, TCB_PRIORITY);
  const idx = readyQueuesIndex(dom, prio);
  const head = k.ksReadyQueuesHead[idx]!;
  if (head === 0) {
    addToBitmap(k, dom, prio);
    k.ksReadyQueuesTail[idx] = tcb;
  } else {
    tcbSet(mem, tcb, TCB_SCHED_NEXT, head);
    tcbSet(mem, head, TCB_SCHED_PREV, tcb);
  }
  k.ksReadyQueuesHead[idx] = tcb;
  tcbSetQueued(mem, tcb, 1);
}

/** `tcbSchedAppend`: puts the thread at the tail of its ready queue unless already queued. */
export function tcbSchedAppend(k: Kernel, tcb: number): void {
  const mem = k.mem;
  if (tcbGetQueued(mem, tcb)) return;
  const dom = tcbGet(mem, tcb, TCB_DOMAIN);
  const prio = tcbGet(mem, tcb, TCB_PRIORITY);
  const idx = readyQueuesIndex(dom, prio);
  const tail = k.ksReadyQueuesTail[idx]!;
  if (k.ksReadyQueuesHead[idx] === 0) {
    addToBitmap(k, dom, prio);
    k.ksReadyQueuesHead[idx] = tcb;
  } else {
    tcbSet(mem, tcb, TCB_SCHED_PREV, tail);
    tcbSet(mem, tail, TCB_SCHED_NEXT, tcb);
  }
  k.ksReadyQueuesTail[idx] = tcb;
  tcbSetQueued(mem, tcb, 1);
}

/** `tcbSchedDequeue`: removes the thread from its ready queue if it is queued (`tcb_queue_remove`). */
export function tcbSchedDequeue(k: Kernel, tcb: number): void {
  const mem = k.mem;
  if (!tcbGetQueued(mem, tcb)) return;
  const dom = tcbGet(mem, tcb, TCB_DOMAIN);
  const prio = tcbGet(mem, tcb, TCB_PRIORITY);
  const idx = readyQueuesIndex(dom, prio);
  const before = tcbGet(mem, tcb, TCB_SCHED_PREV);
  const after = tcbGet(mem, tcb, TCB_SCHED_NEXT);
  const head = k.ksReadyQueuesHead[idx]!;
  const tail = k.ksReadyQueuesTail[idx]!;
  if (head === tcb && tail === tcb) {
    k.ksReadyQueuesHead[idx] = 0;
    k.ksReadyQueuesTail[idx] = 0;
  } else if (head === tcb) {
    tcbSet(mem, after, TCB_SCHED_PREV, 0);
    tcbSet(mem, tcb, TCB_SCHED_NEXT, 0);
    k.ksReadyQueuesHead[idx] = after;
  } else if (tail === tcb) {
    tcbSet(mem, before, TCB_SCHED_NEXT, 0);
    tcbSet(mem, tcb, TCB_SCHED_PREV, 0);
    k.ksReadyQueuesTail[idx] = before;
  } else {
    tcbSet(mem, before, TCB_SCHED_NEXT, after);
    tcbSet(mem, after, TCB_SCHED_PREV, before);
    tcbSet(mem, tcb, TCB_SCHED_PREV, 0);
    tcbSet(mem, tcb, TCB_SCHED_NEXT, 0);
  }
  tcbSetQueued(mem, tcb, 0);
  if (k.ksReadyQueuesHead[idx] === 0) removeFromBitmap(k, dom, prio);
}

/** `isSchedulable` (non-MCS: `isRunnable`). */
export function isSchedulable(k: Kernel, tcb: number): boolean {
  return isRunnableState(tcbGetState(k.mem, tcb));
}

/** `rescheduleRequired`: re-queues a chosen candidate and asks for a full choice. */
export function rescheduleRequired(k: Kernel): void {
  const action = k.ksSchedulerAction;
  if (action !== SCHEDULER_ACTION_RESUME_CURRENT_THREAD && action !== SCHEDULER_ACTION_CHOOSE_NEW_THREAD) {
    tcbSchedEnqueue(k, action);
  }
  k.ksSchedulerAction = SCHEDULER_ACTION_CHOOSE_NEW_THREAD;
}

/** `possibleSwitchTo(target)`: a woken thread runs next if the scheduler has no other plan. */
export function possibleSwitchTo(k: Kernel, target: number): void {
  if (k.ksCurDomain !== tcbGet(k.mem, target, TCB_DOMAIN)) {
    tcbSchedEnqueue(k, target);
  } else if (k.ksSchedulerAction !== SCHEDULER_ACTION_RESUME_CURRENT_THREAD) {
    rescheduleRequired(k);
    tcbSchedEnqueue(k, target);
  } else {
    k.ksSchedulerAction = target;
  }
}

/** `scheduleTCB`: if the current thread stops being runnable, a new thread must be chosen. */
export function scheduleTCB(k: Kernel, tcb: number): void {
  if (tcb === k.ksCurThread && k.ksSchedulerAction === SCHEDULER_ACTION_RESUME_CURRENT_THREAD &&
      !isSchedulable(k, tcb)) {
    k.ksSchedulerAction = SCHEDULER_ACTION_CHOOSE_NEW_THREAD;
  }
}

/** `setThreadState(tptr, ts)`: changes the state type and reschedules if needed. */
export function setThreadState(k: Kernel, tcb: number, ts: number): void {
  tcbSetStateType(k.mem, tcb, ts);
  scheduleTCB(k, tcb);
}

/** `switchToThread`: makes `tcb` current, taking it off its ready queue. */
export function switchToThread(k: Kernel, tcb: number): void {
  setVMRoot(k, tcb); // Arch_switchToThread
  tcbSchedDequeue(k, tcb);
  k.ksCurThread = tcb;
}

/** `switchToIdleThread`: the idle thread runs on the global page directory (`Arch_switchToIdleThread`). */
export function switchToIdleThread(k: Kernel): void {
  setVMRoot(k, k.ksIdleThread);
  k.ksCurThread = k.ksIdleThread;
}

/** `chooseThread`: the head of the highest non-empty queue of the current domain, else idle. */
export function chooseThread(k: Kernel): void {
  const dom = k.ksCurDomain;
  if (k.ksReadyQueuesL1Bitmap[dom] !== 0) {
    const prio = getHighestPrio(k, dom);
    const thread = k.ksReadyQueuesHead[readyQueuesIndex(dom, prio)]!;
    if (thread === 0 || !isSchedulable(k, thread)) throw new KernelPanic('chooseThread: bad ready queue head');
    switchToThread(k, thread);
  } else {
    switchToIdleThread(k);
  }
}

/** `nextDomain`: advances the domain schedule, wrapping at an end marker. */
export function nextDomain(k: Kernel): void {
  k.ksDomScheduleIdx++;
  if (isDomainScheduleEndMarker(k, k.ksDomScheduleIdx)) k.ksDomScheduleIdx = k.ksDomScheduleStart;
  k.ksWorkUnitsCompleted = 0;
  const i = k.ksDomScheduleIdx;
  k.ksCurDomain = k.domainScheduleDomain(i);
  k.ksDomainTimeLo = k.ksDomSchedule[2 * i]!;
  k.ksDomainTimeHi = k.ksDomSchedule[2 * i + 1]! & 0xffffff;
}

// `dschedule_is_end_marker`: an all-zero entry (an index past the array reads as zero in C's
// terms only if the array ends in a marker, which the domain-schedule invariant guarantees).
function isDomainScheduleEndMarker(k: Kernel, i: number): boolean {
  return (k.ksDomSchedule[2 * i] ?? 0) === 0 && (k.ksDomSchedule[2 * i + 1] ?? 0) === 0;
}

/** `scheduleChooseNewThread`: switches domain when its time is up, then chooses. */
export function scheduleChooseNewThread(k: Kernel): void {
  if (k.ksDomainTimeHi === 0 && k.ksDomainTimeLo === 0) nextDomain(k);
  chooseThread(k);
}

/** `schedule`: acts on `ksSchedulerAction` (with the fast-fail rule of the C kernel). */
export function schedule(k: Kernel): void {
  if (k.ksSchedulerAction !== SCHEDULER_ACTION_RESUME_CURRENT_THREAD) {
    const wasRunnable = isSchedulable(k, k.ksCurThread);
    if (wasRunnable) tcbSchedEnqueue(k, k.ksCurThread);
    if (k.ksSchedulerAction === SCHEDULER_ACTION_CHOOSE_NEW_THREAD) {
      scheduleChooseNewThread(k);
    } else {
      switchToCandidate(k, k.ksSchedulerAction, wasRunnable);
    }
  }
  k.ksSchedulerAction = SCHEDULER_ACTION_RESUME_CURRENT_THREAD;
}

// The SwitchToThread arm of `schedule`.
function switchToCandidate(k: Kernel, candidate: number, wasRunnable: boolean): void {
  const mem = k.mem;
  if (!isSchedulable(k, candidate)) throw new KernelPanic('schedule: candidate not schedulable');
  const candPrio = tcbGet(mem, candidate, TCB_PRIORITY);
  const curPrio = tcbGet(mem, k.ksCurThread, TCB_PRIORITY);
  const fastfail = k.ksCurThread === k.ksIdleThread || candPrio < curPrio;
  if (fastfail && !isHighestPrio(k, k.ksCurDomain, candPrio)) {
    tcbSchedEnqueue(k, candidate);
    k.ksSchedulerAction = SCHEDULER_ACTION_CHOOSE_NEW_THREAD;
    scheduleChooseNewThread(k);
  } else if (wasRunnable && candPrio === curPrio) {
    tcbSchedAppend(k, candidate);
    k.ksSchedulerAction = SCHEDULER_ACTION_CHOOSE_NEW_THREAD;
    scheduleChooseNewThread(k);
  } else {
    if (candidate === k.ksCurThread) throw new KernelPanic('schedule: candidate is current thread');
    switchToThread(k, candidate);
  }
}

/** `activateThread`: a restarted thread resumes at its restart PC; blocked current threads are a panic. */
export function activateThread(k: Kernel): void {
  const cur = k.ksCurThread;
  switch (tcbGetState(k.mem, cur)) {
    case THREAD_STATE_RUNNING:
      return;
    case THREAD_STATE_RESTART:
      setRegister(k.mem, cur, NEXT_IP_REGISTER, getRegister(k.mem, cur, FAULT_REGISTER));
      setThreadState(k, cur, THREAD_STATE_RUNNING);
      return;
    case THREAD_STATE_IDLE:
      return; // Arch_activateIdleThread: nothing on ARM
    default:
      throw new KernelPanic('activateThread: current thread is blocked');
  }
}

/** `timerTick`: round robin within a priority and the domain clock. */
export function timerTick(k: Kernel): void {
  const cur = k.ksCurThread;
  if (tcbGetState(k.mem, cur) === THREAD_STATE_RUNNING) {
    const slice = tcbGet(k.mem, cur, TCB_TIME_SLICE);
    if (slice > 1) {
      tcbSet(k.mem, cur, TCB_TIME_SLICE, slice - 1);
    } else {
      tcbSet(k.mem, cur, TCB_TIME_SLICE, TIME_SLICE);
      tcbSchedAppend(k, cur);
      rescheduleRequired(k);
    }
  }
  if (NUM_DOMAINS > 1) {
    decrementDomainTime(k);
    if (k.ksDomainTimeHi === 0 && k.ksDomainTimeLo === 0) rescheduleRequired(k);
  }
}

// `ksDomainTime--` on the 64-bit counter.
function decrementDomainTime(k: Kernel): void {
  if (k.ksDomainTimeLo === 0) {
    k.ksDomainTimeHi = (k.ksDomainTimeHi - 1) >>> 0;
    k.ksDomainTimeLo = 0xffffffff;
  } else {
    k.ksDomainTimeLo = k.ksDomainTimeLo - 1;
  }
}
