/**
 * `sym_refs (state_refs_of s)` (l4v `Invariants_AI.thy`): the references between threads,
 * endpoints and notifications agree in both directions. A thread blocked on an endpoint or
 * a notification is in that object's queue and every queued thread is blocked on the object
 * that queues it; a thread's bound notification is bound to that thread, and back.
 *
 * @module
 */
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { KernelObject } from '../../spec/state/object.js';
import type { ThreadState } from '../../spec/state/thread.js';
import { indexOf, showObject, type StateIndex } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

const NAME = 'sym_refs';

/** The queue a thread state puts a thread in (l4v `tcb_st_refs_of`, one ref at most). */
export type QueueRef = 'EPSend' | 'EPRecv' | 'NTFNSignal';

/** The object a thread state refers to and the queue kind that must hold it, if any. */
export function tcbStateRef(st: ThreadState): { readonly obj: number; readonly queue: QueueRef } | undefined {
  switch (st.kind) {
    case 'BlockedOnSend':
      return { obj: st.ep, queue: 'EPSend' };
    case 'BlockedOnReceive':
      return { obj: st.ep, queue: 'EPRecv' };
    case 'BlockedOnNotification':
      return { obj: st.ntfn, queue: 'NTFNSignal' };
    case 'Running':
    case 'Inactive':
    case 'Restart':
    case 'BlockedOnReply':
    case 'IdleThreadState':
      return undefined;
  }
}

/** The queue an endpoint or notification holds and its kind (l4v `ep_q_refs_of`, `ntfn_q_refs_of`). */
export function objectQueue(o: KernelObject): { readonly queue: QueueRef; readonly threads: readonly number[] } | undefined {
  if (o.kind === 'Endpoint') {
    if (o.state.kind === 'SendEP') return { queue: 'EPSend', threads: o.state.queue };
    if (o.state.kind === 'RecvEP') return { queue: 'EPRecv', threads: o.state.queue };
  }
  if (o.kind === 'Notification' && o.state.kind === 'WaitingNtfn') return { queue: 'NTFNSignal', threads: o.state.queue };
  return undefined;
}

/**
 * `sym_refs`: each ref from one object to another is matched by the symmetric ref back
 * (TCBBlockedSend/EPSend, TCBBlockedRecv/EPRecv, TCBSignal/NTFNSignal, TCBBound/NTFNBound).
 * Queue members are checked against their thread states; the other direction is a count:
 * once every (distinct) member of a queue points back at it, the queue holds all the threads
 * that point at it exactly when their number equals its length.
 */
export const symRefs: Invariant = {
  name: NAME,
  family: 'threads',
  summary: 'blocked threads and endpoint/notification queues, bound threads and notifications, refer to each other both ways',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    // How many threads point at each object's queue, by object address.
    const pointing = new Map<number, number>();
    for (const { addr, tcb } of ix.tcbs) {
      const ref = tcbStateRef(tcb.state);
      if (ref !== undefined) {
        const q = objectQueueAt(s, ref.obj);
        if (q?.queue === ref.queue) pointing.set(ref.obj, (pointing.get(ref.obj) ?? 0) + 1);
        else out.push(violation(NAME, showObject(addr), `${tcb.state.kind} on ${hex(ref.obj)}, which has no ${ref.queue} queue`));
      }
      if (tcb.boundNotification !== null) {
        const n = s.kheap.get(tcb.boundNotification);
        if (n?.kind !== 'Notification' || n.boundTCB !== addr) {
          out.push(violation(NAME, showObject(addr), `bound to notification ${hex(tcb.boundNotification)}, which is not bound back`));
        }
      }
    }
    for (const o of ix.objects) {
      if (o.obj.kind !== 'Endpoint' && o.obj.kind !== 'Notification') continue;
      if (o.obj.kind === 'Notification' && o.obj.boundTCB !== null) {
        const t = s.kheap.get(o.obj.boundTCB);
        if (t?.kind !== 'TCB' || t.boundNotification !== o.addr) {
          out.push(violation(NAME, showObject(o.addr), `bound to thread ${hex(o.obj.boundTCB)}, which is not bound back`));
        }
      }
      const q = objectQueue(o.obj);
      if (q !== undefined || pointing.has(o.addr)) out.push(...queueViolations(ix, o.addr, q, pointing.get(o.addr) ?? 0));
    }
    return out;
  },
};

function objectQueueAt(s: KernelState, addr: number): ReturnType<typeof objectQueue> {
  const o = s.kheap.get(addr);
  return o === undefined ? undefined : objectQueue(o);
}

function queueViolations(ix: StateIndex, addr: number, q: ReturnType<typeof objectQueue>, pointing: number): Violation[] {
  const out: Violation[] = [];
  const members = q?.threads ?? [];
  for (const t of members) {
    const o = ix.state.kheap.get(t);
    const ref = o?.kind === 'TCB' ? tcbStateRef(o.state) : undefined;
    if (ref?.obj !== addr || ref.queue !== q?.queue) {
      out.push(violation(NAME, showObject(addr), `thread ${hex(t)} in its ${q?.queue ?? ''} queue is ${o?.kind === 'TCB' ? o.state.kind : 'not a TCB'}${ref === undefined ? '' : ` on ${hex(ref.obj)}`}`));
    }
  }
  if (out.length === 0 && new Set(members).size === members.length && pointing > members.length) {
    for (const { addr: t, tcb } of ix.tcbs) {
      const ref = tcbStateRef(tcb.state);
      if (ref?.obj === addr && !members.includes(t)) out.push(violation(NAME, showObject(addr), `thread ${hex(t)} is ${tcb.state.kind} on it but not in its queue`));
    }
  }
  return out;
}

function hex(x: number): string {
  return `0x${x.toString(16)}`;
}
