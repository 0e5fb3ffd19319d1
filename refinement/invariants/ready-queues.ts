/**
 * The ready-queue part of the deterministic scheduler invariant `valid_sched` (l4v
 * `DetSchedInvs_AI.thy`): `valid_queues`, `ct_not_in_q` and `valid_blocked`. Together they
 * say the ready queues hold exactly the runnable threads that are neither current nor about
 * to be switched to, each once, in the queue of its own domain and priority.
 *
 * @module
 */
import { NUM_DOMAINS, MAX_PRIO } from '../../abi/config.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { runnable } from '../../spec/state/thread.js';
import { indexOf, showObject } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

const cache = new WeakMap<KernelState, ReadonlyMap<number, number>>();

/** Each queued thread with the key (`domain * 256 + priority`) of the first queue holding it. */
export function queuedThreads(s: KernelState): ReadonlyMap<number, number> {
  const hit = cache.get(s);
  if (hit !== undefined) return hit;
  const queued = new Map<number, number>();
  s.readyQueues.forEach((q, key) => {
    for (const t of q) if (!queued.has(t)) queued.set(t, key);
  });
  cache.set(s, queued);
  return queued;
}

function queueName(key: number): string {
  return `ready queue (domain ${Math.floor(key / 256)}, priority ${key % 256})`;
}

/**
 * `valid_queues`: every thread in the queue of domain d and priority p is a runnable TCB of
 * that domain and priority, and no queue holds a thread twice. (Also: the queue's key names
 * an existing domain and priority, which l4v's types give for free.)
 */
export const validQueues: Invariant = {
  name: 'valid_queues',
  family: 'sched',
  summary: 'queued threads are runnable TCBs of the queue\'s domain and priority; queues have no duplicates',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    s.readyQueues.forEach((q, key) => {
      const d = Math.floor(key / 256);
      const p = key % 256;
      const where = queueName(key);
      if (!Number.isInteger(key) || d >= NUM_DOMAINS || p > MAX_PRIO || key < 0) out.push(violation('valid_queues', where, `no such domain and priority (key ${key})`));
      if (new Set(q).size !== q.length) out.push(violation('valid_queues', where, 'holds a thread twice'));
      for (const t of q) {
        const o = s.kheap.get(t);
        if (o?.kind !== 'TCB') out.push(violation('valid_queues', where, `holds ${showObject(t)}, which is not a TCB`));
        else if (o.domain !== d || o.priority !== p) out.push(violation('valid_queues', where, `holds thread ${hex(t)} of domain ${o.domain}, priority ${o.priority}`));
        else if (!runnable(o.state)) out.push(violation('valid_queues', where, `holds thread ${hex(t)}, which is ${o.state.kind}`));
      }
    });
    return out;
  },
};

/** `ct_not_in_q`: when the current thread is to resume, it is in no ready queue. */
export const ctNotInQ: Invariant = {
  name: 'ct_not_in_q',
  family: 'sched',
  summary: 'a current thread that resumes is not in a ready queue',
  check(s: KernelState): Violation[] {
    if (s.schedulerAction.kind !== 'ResumeCurrentThread') return [];
    const key = queuedThreads(s).get(s.curThread);
    return key === undefined ? [] : [violation('ct_not_in_q', showObject(s.curThread), `the current thread is in the ${queueName(key)}`)];
  },
};

/**
 * `valid_blocked`: a thread that is neither queued, nor current, nor the thread the
 * scheduler will switch to, is not active (Running or Restart): no runnable thread is lost
 * to the scheduler.
 */
export const validBlocked: Invariant = {
  name: 'valid_blocked',
  family: 'sched',
  summary: 'every runnable thread is queued, current, or the switch target',
  check(s: KernelState): Violation[] {
    const queued = queuedThreads(s);
    const a = s.schedulerAction;
    const target = a.kind === 'SwitchToThread' ? a.tcb : undefined;
    return indexOf(s).tcbs
      .filter((t) => runnable(t.tcb.state) && t.addr !== s.curThread && t.addr !== target && !queued.has(t.addr))
      .map((t) => violation('valid_blocked', showObject(t.addr), `a ${t.tcb.state.kind} thread is neither queued, current nor the switch target`));
  },
};

function hex(x: number): string {
  return `0x${x.toString(16)}`;
}
