/**
 * The scheduler-action and domain parts of the deterministic scheduler invariant (l4v
 * `DetSchedInvs_AI.thy`: `valid_sched_action`, `ct_in_cur_domain`, `valid_idle_etcb`;
 * `DetSchedDomainTime_AI.thy`: `valid_domain_list`).
 *
 * @module
 */
import { NUM_DOMAINS } from '../../abi/config.js';
import type { DomainScheduleEntry, KernelState } from '../../spec/state/kernel-state.js';
import type { ThreadState } from '../../spec/state/thread.js';
import { runnable } from '../../spec/state/thread.js';
import { showObject } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

// det_ext's `default_domain`: the idle thread's domain.
const DEFAULT_DOMAIN = 0;

// l4v `activatable`: what `activate_thread` can act on.
function activatable(st: ThreadState): boolean {
  return st.kind === 'Running' || st.kind === 'Restart' || st.kind === 'IdleThreadState';
}

/**
 * `valid_sched_action`: when the current thread is to resume, it can be activated
 * (`is_activatable`: Running, Restart or idle); a thread the scheduler will switch to is
 * runnable (`weak_valid_sched_action`) and of the current domain (`switch_in_cur_domain`).
 */
export const validSchedAction: Invariant = {
  name: 'valid_sched_action',
  family: 'sched',
  summary: 'a resuming current thread is activatable; a switch target is runnable and in the current domain',
  check(s: KernelState): Violation[] {
    const a = s.schedulerAction;
    if (a.kind === 'ResumeCurrentThread') {
      const ct = s.kheap.get(s.curThread);
      if (ct?.kind === 'TCB' && activatable(ct.state)) return [];
      return [violation('valid_sched_action', showObject(s.curThread), `is_activatable: the current thread resumes in ${ct?.kind === 'TCB' ? ct.state.kind : 'no TCB'}`)];
    }
    if (a.kind === 'ChooseNewThread') return [];
    const t = s.kheap.get(a.tcb);
    const out: Violation[] = [];
    if (t?.kind !== 'TCB' || !runnable(t.state)) {
      out.push(violation('valid_sched_action', showObject(a.tcb), `weak_valid_sched_action: the switch target is ${t?.kind === 'TCB' ? t.state.kind : 'not a TCB'}`));
    }
    // `etcb_at'` holds vacuously for a non-TCB, as in l4v.
    if (t?.kind === 'TCB' && t.domain !== s.curDomain) {
      out.push(violation('valid_sched_action', showObject(a.tcb), `switch_in_cur_domain: the switch target is in domain ${t.domain}, not ${s.curDomain}`));
    }
    return out;
  },
};

/** `ct_in_cur_domain`: a resuming current thread is the idle thread or of the current domain. */
export const ctInCurDomain: Invariant = {
  name: 'ct_in_cur_domain',
  family: 'sched',
  summary: 'a resuming current thread is idle or in the current domain',
  check(s: KernelState): Violation[] {
    if (s.schedulerAction.kind !== 'ResumeCurrentThread' || s.curThread === s.idleThread) return [];
    const ct = s.kheap.get(s.curThread);
    if (ct?.kind !== 'TCB' || ct.domain === s.curDomain) return [];
    return [violation('ct_in_cur_domain', showObject(s.curThread), `the current thread is in domain ${ct.domain}, not ${s.curDomain}`)];
  },
};

/** `valid_idle_etcb`: the idle thread is in the default domain (0). */
export const validIdleEtcb: Invariant = {
  name: 'valid_idle_etcb',
  family: 'sched',
  summary: 'the idle thread is in domain 0',
  check(s: KernelState): Violation[] {
    const it = s.kheap.get(s.idleThread);
    if (it?.kind !== 'TCB' || it.domain === DEFAULT_DOMAIN) return [];
    return [violation('valid_idle_etcb', showObject(s.idleThread), `the idle thread is in domain ${it.domain}`)];
  },
};

/**
 * `valid_domain_list`: the schedule has an entry besides the end marker `(0, 0)` that ends
 * it; a duration is 0 only in an end marker; the start entry is not an end marker; the
 * index never reaches the final end marker. Also (the remark l4v makes but does not need,
 * and Haskell's `ksCurDomain ≤ maxDomain`): every domain named is below CONFIG_NUM_DOMAINS.
 */
export const validDomainList: Invariant = {
  name: 'valid_domain_list',
  family: 'sched',
  summary: 'the domain schedule ends in (0,0), has no other zero duration, and its start and index are in range',
  check(s: KernelState): Violation[] {
    const list = s.domainList;
    const problems = [...entryProblems(list)];
    const isEnd = (i: number): boolean => list[i]?.domain === 0 && list[i]?.duration === 0n;
    if (!(s.domainStartIndex >= 0 && s.domainStartIndex < list.length) || isEnd(s.domainStartIndex)) problems.push(`start index ${s.domainStartIndex} is not a real entry`);
    if (!(s.domainIndex >= 0 && s.domainIndex < list.length - 1)) problems.push(`index ${s.domainIndex} is out of range`);
    if (!(s.curDomain >= 0 && s.curDomain < NUM_DOMAINS)) problems.push(`the current domain ${s.curDomain} is out of range`);
    return problems.map((p) => violation('valid_domain_list', 'domain schedule', p));
  },
};

// The schedule is long (one entry per configurable slot) and changes only on
// DomainScheduleConfigure, so the entries are checked once per list.
const entryCache = new WeakMap<readonly DomainScheduleEntry[], readonly string[]>();

function entryProblems(list: readonly DomainScheduleEntry[]): readonly string[] {
  const hit = entryCache.get(list);
  if (hit !== undefined) return hit;
  const problems: string[] = [];
  if (list.length < 2) problems.push(`has ${list.length} entries`);
  list.forEach((e, i) => {
    if (e.duration === 0n && e.domain !== 0) problems.push(`entry ${i} has duration 0 in domain ${e.domain}`);
    if (e.duration < 0n) problems.push(`entry ${i} has a negative duration`);
    if (!(e.domain >= 0 && e.domain < NUM_DOMAINS)) problems.push(`entry ${i} names domain ${e.domain}`);
  });
  const last = list[list.length - 1];
  if (!(last?.domain === 0 && last.duration === 0n)) problems.push('the last entry is not the end marker');
  entryCache.set(list, problems);
  return problems;
}
