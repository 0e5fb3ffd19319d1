/**
 * IPC aimed at the fastpath ({@link FastpathAction}): a Call or ReplyRecv that passes every
 * check of seL4's `fastpath_call` or `fastpath_reply_recv`, or fails exactly one chosen check
 * (FASTPATH-AND-PERFORMANCE.md §1.2, §1.3). Random IPC rarely lines up a receiver that waits
 * in the current domain at the right priority with a valid address space, or a caller whose
 * page directory has no hardware ASID yet; this action looks at the state and, when one entry
 * cannot reach the goal, takes the next real step toward it (a server that waits, a reply cap
 * in the caller slot, a page directory made and given an ASID, a thread moved to another
 * domain, a cap copied without a right, ...). The outcome is still what the kernels compute.
 *
 * This module holds the action, its arbitrary and what the resolver (`resolve-fastpath.ts`)
 * reads in a state.
 *
 * @module
 */
import fc from 'fast-check';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { Endpoint, TCB } from '../../spec/state/object.js';
import { kArb, weighted, word } from './choices.js';
import { rootSlotsWhere, type CSpaceView } from './cspace.js';
import { tcbAt } from './threads.js';

/** What a Call aims at: a fastpath hit, or the fallback of one `fastpath_call` check. */
export const CALL_GOALS = ['hit', 'fault', 'epRights', 'epState', 'vspace', 'priority', 'grant', 'hwASID', 'domain'] as const;

/** What a ReplyRecv aims at: a fastpath hit, or the fallback of one `fastpath_reply_recv` check. */
export const REPLY_RECV_GOALS = [
  'hit', 'fault', 'epRights', 'boundNtfn', 'epState', 'replyCap', 'callerFault', 'vspace', 'priority', 'hwASID', 'domain',
] as const;

/** A goal of either path (the checks are named as the fastpath counters name them). */
export type FastpathGoal = (typeof CALL_GOALS)[number] | (typeof REPLY_RECV_GOALS)[number];

/** An entry aimed at the IPC fastpath; see the module comment. */
export interface FastpathAction {
  /** Discriminant. */
  readonly t: 'Fastpath';
  /** The path aimed at. */
  readonly path: 'SysCall' | 'SysReplyRecv';
  /** A hit, or the check that should send the entry to the slowpath. */
  readonly goal: FastpathGoal;
  /** The k of the threads, caps, priorities and domains chosen. */
  readonly k: number;
  /** The message label (mostly 0). */
  readonly label: number;
  /** The message words (at most four: longer messages never take the fastpath). */
  readonly mrs: readonly number[];
}

const goal = (name: FastpathGoal, weight: number): readonly [number, fc.Arbitrary<FastpathGoal>] => [weight, fc.constant(name)];

// The checks whose preconditions take several steps are aimed at more often.
const callGoal = weighted<FastpathGoal>(
  goal('hit', 5), goal('fault', 2), goal('epRights', 1), goal('epState', 1), goal('vspace', 2), goal('priority', 2),
  goal('grant', 2), goal('hwASID', 2), goal('domain', 2),
);
const replyRecvGoal = weighted<FastpathGoal>(
  goal('hit', 5), goal('fault', 2), goal('epRights', 2), goal('boundNtfn', 2), goal('epState', 2), goal('replyCap', 1),
  goal('callerFault', 2), goal('vspace', 2), goal('priority', 2), goal('hwASID', 2), goal('domain', 2),
);

/** A fastpath action: either path, a goal of that path, a short message. */
export const fastpathAction: fc.Arbitrary<FastpathAction> = fc.oneof(
  fc.record({ path: fc.constant('SysCall' as const), goal: callGoal }),
  fc.record({ path: fc.constant('SysReplyRecv' as const), goal: replyRecvGoal }),
).chain(({ path, goal: g }) => fc.record({
  t: fc.constant('Fastpath' as const),
  path: fc.constant(path),
  goal: fc.constant(g),
  k: kArb,
  label: weighted<number>([6, fc.constant(0)], [1, fc.integer({ min: 1, max: 0xfffff })]),
  mrs: fc.array(fc.oneof(word, fc.nat({ max: 64 })), { maxLength: 4 }),
}));

// ---- what the resolver reads in a state ----

/** An endpoint cap. */
export type EndpointCap = Extract<Cap, { kind: 'EndpointCap' }>;

/** The endpoint at `ptr`, if there is one. */
export function endpointAt(s: KernelState, ptr: number): Endpoint | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Endpoint' ? o : undefined;
}

/** Root slots of endpoint caps satisfying `pred`. */
export function endpointSlots(v: CSpaceView, pred: (c: EndpointCap) => boolean): number[] {
  return rootSlotsWhere(v, (c) => c.kind === 'EndpointCap' && pred(c));
}

/** The endpoint cap in root slot `cptr` (the caller checked its kind). */
export function epCapAt(v: CSpaceView, cptr: number): EndpointCap {
  return v.root!.slots.get(cptr) as EndpointCap;
}

/** A receiver waiting on an endpoint (the head of its queue, as the fastpath takes it). */
export interface Server {
  /** The endpoint. */
  readonly ep: number;
  /** The queue head. */
  readonly tcb: number;
  /** Its TCB. */
  readonly t: TCB;
}

/** Every endpoint the root CNode names whose queue holds receivers, with the head, endpoints in slot order. */
export function waitingServers(s: KernelState, v: CSpaceView): Server[] {
  const seen = new Set<number>();
  const out: Server[] = [];
  for (const i of endpointSlots(v, () => true)) {
    const ptr = epCapAt(v, i).ptr;
    if (seen.has(ptr)) continue;
    seen.add(ptr);
    const st = endpointAt(s, ptr)?.state;
    const head = st?.kind === 'RecvEP' ? st.queue[0] : undefined;
    const t = head === undefined ? undefined : tcbAt(s, head);
    if (head !== undefined && t !== undefined) out.push({ ep: ptr, tcb: head, t });
  }
  return out;
}

/** The thread whose reply cap the current thread's caller slot holds, if it waits for that reply. */
export function callerOf(s: KernelState): number | undefined {
  const c = tcbAt(s, s.curThread)?.caps[3];
  if (c?.kind !== 'ReplyCap' || c.isMaster) return undefined;
  return tcbAt(s, c.tcb)?.state.kind === 'BlockedOnReply' ? c.tcb : undefined;
}

/** Whether the current thread's caller slot holds any non-master reply cap (the ReplyRecv check). */
export function hasReplyCap(s: KernelState): boolean {
  const c = tcbAt(s, s.curThread)?.caps[3];
  return c?.kind === 'ReplyCap' && !c.isMaster;
}

/** Whether `t`'s VSpace root is a page-directory cap with an ASID (`isValidVTableRoot_fp`). */
export function vspaceOK(t: TCB): boolean {
  const c = t.caps[1];
  return c.kind === 'PageDirectoryCap' && c.asid !== null;
}

/** Whether `t`'s page directory has a hardware ASID stored. */
export function hwASIDOK(s: KernelState, t: TCB): boolean {
  const c = t.caps[1];
  return c.kind === 'PageDirectoryCap' && c.asid !== null && s.arch.asidMap.get(c.asid)?.pd === c.ptr;
}

/** The highest priority of a ready thread of the current domain, or -1 when none is ready. */
export function highestReady(s: KernelState): number {
  let top = -1;
  const lo = s.curDomain * 256;
  for (const [key, q] of s.readyQueues) if (key >= lo && key < lo + 256 && q.length > 0) top = Math.max(top, key - lo);
  return top;
}

/** `fastpath_call`'s priority rule for receiver `dest`: at least the caller's priority, or none ready above it. */
export function callPriorityOK(s: KernelState, dest: TCB): boolean {
  return dest.priority >= (tcbAt(s, s.curThread)?.priority ?? 0) || dest.priority >= highestReady(s);
}

/** `fastpath_reply_recv`'s priority rule for caller `t`: none ready above it. */
export function replyPriorityOK(s: KernelState, t: TCB): boolean {
  return t.priority >= highestReady(s);
}

/** Whether the current thread has an active bound notification (a receive would complete at once). */
export function boundActive(s: KernelState): boolean {
  const n = tcbAt(s, s.curThread)?.boundNotification ?? null;
  const o = n === null ? undefined : s.kheap.get(n);
  return o?.kind === 'Notification' && o.state.kind === 'ActiveNtfn';
}

/** The root slot of a thread cap to `tcb`, if there is one. */
export function threadSlot(v: CSpaceView, tcb: number): number | undefined {
  return rootSlotsWhere(v, (c) => c.kind === 'ThreadCap' && c.tcb === tcb)[0];
}

/** The root slot of a page-directory cap to the page directory at `ptr`, if any (its ASID alike). */
export function pdSlot(v: CSpaceView, ptr: number): number | undefined {
  return rootSlotsWhere(v, (c) => c.kind === 'PageDirectoryCap' && c.ptr === ptr && c.asid !== null)[0];
}
