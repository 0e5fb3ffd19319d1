/**
 * Invariants about threads as objects (l4v `Invariants_AI.thy`): `cur_tcb`, the state the
 * current thread is left in by a kernel entry (`ct_running or ct_idle`, the postcondition of
 * `akernel_invs`), `valid_idle`, `only_idle` and `if_live_then_nonz_cap`.
 *
 * @module
 */
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { KernelObject } from '../../spec/state/object.js';
import { objRef } from './cap-range.js';
import { indexOf, showObject, type StateIndex } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

/** `cur_tcb`: the current thread is a TCB. */
export const curTcb: Invariant = {
  name: 'cur_tcb',
  family: 'threads',
  summary: 'the current thread is a TCB',
  check(s: KernelState): Violation[] {
    const o = s.kheap.get(s.curThread);
    if (o?.kind === 'TCB') return [];
    return [violation('cur_tcb', showObject(s.curThread), `the current thread is ${o === undefined ? 'not an object' : `a ${o.kind}`}`)];
  },
};

/**
 * `ct_running or ct_idle`: after every kernel entry the current thread is `Running`, or it
 * is the idle thread in `IdleThreadState` (`akernel_invs`). `activate_thread` turns
 * `Restart` into `Running`, and `schedule` never leaves a blocked thread current, so no
 * other state can survive to the return to user level.
 */
export const ctRunningOrIdle: Invariant = {
  name: 'ct_running_or_ct_idle',
  family: 'threads',
  summary: 'after a kernel entry the current thread is Running, or idle in IdleThreadState',
  check(s: KernelState): Violation[] {
    const o = s.kheap.get(s.curThread);
    if (o?.kind !== 'TCB') return []; // cur_tcb reports it
    const st = o.state.kind;
    if (st === 'Running' || (st === 'IdleThreadState' && s.curThread === s.idleThread)) return [];
    return [violation('ct_running_or_ct_idle', showObject(s.curThread), `the current thread is left in ${st}`)];
  },
};

/**
 * `valid_idle`: the idle thread is a TCB in `IdleThreadState` with no bound notification.
 * (`valid_arch_idle` is true on ARM; `idle_thread_ptr` is the kernel image's idle TCB, which
 * the state does not name separately.)
 */
export const validIdle: Invariant = {
  name: 'valid_idle',
  family: 'threads',
  summary: 'the idle thread is a TCB in IdleThreadState with no bound notification',
  check(s: KernelState): Violation[] {
    const o = s.kheap.get(s.idleThread);
    const where = showObject(s.idleThread);
    if (o?.kind !== 'TCB') return [violation('valid_idle', where, 'the idle thread is not a TCB')];
    const out: Violation[] = [];
    if (o.state.kind !== 'IdleThreadState') out.push(violation('valid_idle', where, `the idle thread is in ${o.state.kind}`));
    if (o.boundNotification !== null) out.push(violation('valid_idle', where, 'the idle thread has a bound notification'));
    return out;
  },
};

/** `only_idle`: no thread but the idle thread is in `IdleThreadState`. */
export const onlyIdle: Invariant = {
  name: 'only_idle',
  family: 'threads',
  summary: 'only the idle thread is in IdleThreadState',
  check(s: KernelState): Violation[] {
    return indexOf(s).tcbs
      .filter((t) => t.tcb.state.kind === 'IdleThreadState' && t.addr !== s.idleThread)
      .map((t) => violation('only_idle', showObject(t.addr), 'a thread other than the idle thread is in IdleThreadState'));
  },
};

/**
 * Whether an object is live (l4v `live`, ARM without hypervisor): a TCB that is bound or
 * neither Inactive nor idle, a non-idle endpoint, a notification that is bound or has
 * waiters. Live objects are the ones the kernel must not free while something refers to them.
 */
export function live(o: KernelObject): boolean {
  switch (o.kind) {
    case 'TCB':
      return o.boundNotification !== null || (o.state.kind !== 'Inactive' && o.state.kind !== 'IdleThreadState');
    case 'Endpoint':
      return o.state.kind !== 'IdleEP';
    case 'Notification':
      return o.boundTCB !== null || o.state.kind === 'WaitingNtfn';
    case 'CNode':
    case 'ASIDPool':
    case 'PageTable':
    case 'PageDirectory':
    case 'DataPage':
      return false;
  }
}

// The objects some non-Zombie cap refers to (l4v `zobj_refs`).
function nonZombieRefs(ix: StateIndex): Set<number> {
  const refs = new Set<number>();
  for (const { cap } of ix.caps) {
    if (cap.kind === 'Zombie') continue;
    const r = objRef(cap);
    if (r !== undefined) refs.add(r);
  }
  return refs;
}

/**
 * `if_live_then_nonz_cap`: every live object has a cap (not a Zombie) that refers to it, so
 * that deleting the last cap is where the kernel unblocks, unbinds and dequeues.
 */
export const ifLiveThenNonzCap: Invariant = {
  name: 'if_live_then_nonz_cap',
  family: 'threads',
  summary: 'every live object (active or bound thread, busy endpoint or notification) has a non-zombie cap',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    let refs: Set<number> | undefined;
    const out: Violation[] = [];
    for (const o of ix.objects) {
      if (!live(o.obj)) continue;
      refs ??= nonZombieRefs(ix);
      if (!refs.has(o.addr)) out.push(violation('if_live_then_nonz_cap', showObject(o.addr), `a live ${o.obj.kind} has no cap`));
    }
    return out;
  },
};
