/**
 * Resolves a {@link FastpathAction} for the current thread: the Call or ReplyRecv that reaches
 * its goal when the state allows it, else one real kernel entry toward it. The current thread
 * is whichever thread runs; every thread the generators make shares the root CNode, so any of
 * them can take the setup steps (all invocations with the root task's authority):
 *
 * - a Call needs a receiver at the head of an endpoint's queue; a thread that cannot call one
 *   waits on an idle endpoint instead (when another thread can run), to be called later;
 * - a ReplyRecv needs a reply cap in the caller slot: the current thread calls a waiting
 *   receiver (which then holds it) or waits to be called;
 * - the chosen check is then made to fail: a cap copied without Send, Receive or Grant, the
 *   receiver or caller given a page directory that has no hardware ASID yet (made and given
 *   an ASID first), that page directory's cap revoked (the thread's VSpace root becomes the
 *   null cap), a priority lowered, a domain changed, a notification bound and signalled, a
 *   thread faulted to its handler and resumed (its fault stays saved), ...
 *
 * A trace has few fastpath entries and its state is gone when it ends, so most draws pursue
 * one goal per trace, and a draw completes a goal another draw set up when the state holds it.
 *
 * @module
 */
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { TCB } from '../../spec/state/object.js';
import {
  CALL_GOALS, REPLY_RECV_GOALS, boundActive, callPriorityOK, callerOf, endpointAt, endpointSlots, hasReplyCap, highestReady, hwASIDOK,
  replyPriorityOK, vspaceOK, type FastpathAction, type FastpathGoal, type Server,
} from './fastpath.js';
import * as F from './fastpath-steps.js';
import { kth, type CSpaceView } from './cspace.js';
import type { ResolvedAction } from './message.js';
import { makeObject } from './resolve.js';
import { fault } from './resolve-event.js';
import { handlerWaiting, hasFaultHandler, mayBlock, rootTask, tcbAt } from './threads.js';

type Ctx = F.Ctx;

type Step = (c: Ctx) => ResolvedAction | undefined;

/** Resolves `a` for the current thread (running, its CSpace root resolving all 32 bits). */
export function resolveFastpath(s: KernelState, v: CSpaceView, drawn: FastpathAction): ResolvedAction {
  const eps = endpointSlots(v, () => true);
  if (eps.length === 0) return makeObject(s, v, OBJECT_TYPE_NUMBER.Endpoint, drawn.k);
  // Most draws pursue the trace's goal, so that the few fastpath entries of one trace carry
  // one chain of setup steps to its end: a goal fixed by the slot the trace's first endpoint
  // cap went to (a random slot, which stays put while the trace runs).
  const [path, goal] = drawn.k % 5 === 0 ? [drawn.path, drawn.goal] : TRACE_GOALS[eps[0]! % TRACE_GOALS.length]!;
  const a: FastpathAction = { ...drawn, path, goal };
  const c: Ctx = { s, v, a, cur: v.tcb, isRoot: s.curThread === rootTask(v) };
  const steps = a.path === 'SysCall' ? CALL_STEPS : REPLY_RECV_STEPS;
  const own = steps[a.goal]?.(c);
  if (F.finalGoal(own) !== undefined || EASY.has(`${a.path} ${a.goal}`)) return own ?? F.bringUp(c);
  // A goal whose setup earlier entries made (of either path) is completed while the state
  // holds it, for most k: chains of setup steps then pay off whichever goal the next draw has.
  if ((a.k >>> 4) % 4 !== 0) {
    for (let i = 0; i < ALL_GOALS.length; i++) {
      const [path, goal] = ALL_GOALS[(i + a.k) % ALL_GOALS.length]!;
      const r = (path === 'SysCall' ? CALL_STEPS : REPLY_RECV_STEPS)[goal]?.(c);
      if (r !== undefined && F.finalGoal(r) === goal) return r;
    }
  }
  // Else this goal's step; for some k, when that begins a chain, a step that carries another
  // goal's chain on instead (successive draws then finish chains rather than begin new ones).
  if (a.goal === 'hit' || F.isChain(own) || (a.k >>> 2) % 3 !== 0) return own ?? F.bringUp(c);
  for (let i = 0; i < ALL_GOALS.length; i++) {
    const [path, goal] = ALL_GOALS[(i + a.k) % ALL_GOALS.length]!;
    const r = (path === 'SysCall' ? CALL_STEPS : REPLY_RECV_STEPS)[goal]?.(c);
    if (r !== undefined && F.isChain(r)) return r;
  }
  return own ?? F.bringUp(c);
}

// ---- SysCall goals (the current thread calls) ----

// The first `fastpath_call` check after the cap that `srv` fails, or undefined when it would hit.
function callCheck(c: Ctx, srv: Server): string | undefined {
  if (!vspaceOK(srv.t)) return 'vspace';
  if (!callPriorityOK(c.s, srv.t)) return 'priority';
  if (!hwASIDOK(c.s, srv.t)) return 'hwASID';
  if (srv.t.domain !== c.s.curDomain) return 'domain';
  return undefined;
}

// Call a receiver failing exactly `check` (undefined: a hit); else `setup` on the first receiver
// failing no check before it; else wait to be called, or bring another thread up.
function callGoal(c: Ctx, check: string | undefined, setup: (srv: Server) => ResolvedAction | undefined,
  otherwise: () => ResolvedAction | undefined = () => undefined, first: (c: Ctx) => ResolvedAction | undefined = () => undefined): ResolvedAction | undefined {
  const pre = first(c);
  if (pre !== undefined) return pre;
  const hit = F.servers(c, (x) => callCheck(c, x) === check);
  if (hit !== undefined) return F.final(check ?? 'hit', F.callServer(c, hit, check === undefined ? 'a receiver that can run at once' : `the receiver fails ${check}`));
  const order = ['vspace', 'priority', 'hwASID', 'domain'];
  const before = check === undefined ? order : order.slice(0, order.indexOf(check));
  const near = F.servers(c, (x) => !before.includes(callCheck(c, x) ?? ''));
  if (near !== undefined && c.a.k % 4 !== 3) {
    const r = setup(near);
    if (r !== undefined) return r;
  }
  // Rather than wait beside a receiver (every thread would end up waiting), call it.
  const any = near ?? F.servers(c, () => true);
  if (any !== undefined && (check !== 'domain' || !c.isRoot)) return F.callServer(c, any, `the receiver fails ${callCheck(c, any) ?? 'nothing'}`);
  // The root task lets another thread run and wait rather than wait itself (a receiver other
  // than the root task is what the checks after the cap need).
  return otherwise() ?? (c.isRoot ? F.bringUp(c) : F.waitToBeCalled(c));
}

const CALL_STEPS: Record<string, Step> = {
  hit: (c) => callGoal(c, undefined, (srv) => {
    const check = callCheck(c, srv);
    if (check === 'priority') return F.setPriority(c, srv.tcb, c.cur.priority);
    if (check === 'domain') return F.setDomain(c, srv.tcb, c.s.curDomain);
    if (check === 'vspace') return c.a.k % 4 === 0 ? F.fixVSpace(c, srv.tcb, srv.t) : undefined;
    return F.callServer(c, srv, `the receiver fails ${check ?? 'nothing'}`);
  }),
  fault: (c) => {
    if (c.cur.fault === null) return F.makeFaulted(c);
    const noSend = kth(endpointSlots(c.v, (x) => !x.rights.write), c.a.k);
    const srv = F.servers(c, () => true);
    if (srv !== undefined) return F.final('fault', F.callServer(c, srv, 'the caller has a fault saved'));
    if (noSend !== undefined) return F.final('fault', F.ipc(c, 'SysCall', noSend, 'the caller has a fault saved'));
    return F.waitToBeCalled(c);
  },
  epRights: (c) => {
    const have = kth(endpointSlots(c.v, (x) => !x.rights.write), c.a.k);
    if (have !== undefined) return F.final('epRights', F.ipc(c, 'SysCall', have, 'a cap without Send'));
    return F.copyCap(c, kth(endpointSlots(c.v, () => true), c.a.k)!, [0x2, 0x6, 0xa, 0x0][c.a.k % 4]!);
  },
  epState: (c) => {
    if (!mayBlock(c.s)) return undefined;
    const eps = endpointSlots(c.v, (x) => F.canCall(x) && endpointAt(c.s, x.ptr)?.state.kind !== 'RecvEP');
    const ep = kth(eps, c.a.k);
    return ep === undefined ? undefined : F.final('epState', F.ipc(c, 'SysCall', ep, 'no receiver waits'));
  },
  vspace: (c) => callGoal(c, 'vspace', (srv) => F.breakVSpace(c, srv.tcb, srv.t), () => (c.a.k % 2 === 0 ? F.breakAny(c) : undefined), F.brokenWaits),
  priority: (c) => callGoal(c, 'priority', (srv) => {
    if (c.cur.priority === 0) return undefined;
    if (srv.t.priority >= c.cur.priority) return F.chain(F.setPriority(c, srv.tcb, c.a.k % Math.min(c.cur.priority, 64)));
    return F.raiseReady(c, srv.t.priority + 1); // none ready above the receiver yet
  }),
  grant: (c) => {
    if (c.isRoot) return CALL_STEPS['hit']!(c); // a Call without a reply cap leaves the caller Inactive
    const srv = F.servers(c, (x) => vspaceOK(x.t) && callPriorityOK(c.s, x.t));
    if (srv === undefined) return callGoal(c, undefined, () => undefined);
    const r = F.capTo(c, srv.ep, (x) => x.rights.write && !x.rights.grant && !x.rights.grantReply, [0x1, 0x3][c.a.k % 2]!);
    return 'step' in r ? r.step : F.final('grant', F.ipc(c, 'SysCall', r.cptr, 'a cap without Grant or GrantReply'));
  },
  hwASID: (c) => callGoal(c, 'hwASID', (srv) => (callPriorityOK(c.s, srv.t) ? F.ownPD(c, srv.tcb, srv.t, true) : F.setPriority(c, srv.tcb, c.cur.priority))),
  domain: (c) => {
    // The root task would wait for a reply from another domain: it only moves the receiver.
    if (c.isRoot && F.servers(c, (x) => callCheck(c, x) === 'domain') !== undefined) return CALL_STEPS['hit']!(c);
    return callGoal(c, 'domain', (srv) => {
      if (!callPriorityOK(c.s, srv.t)) return F.setPriority(c, srv.tcb, c.cur.priority);
      if (!hwASIDOK(c.s, srv.t)) return F.callServer(c, srv, 'the receiver has no hardware ASID yet');
      return F.chain(F.setDomain(c, srv.tcb, (c.s.curDomain + 1 + (c.a.k % 15)) % 16));
    });
  },
};

// ---- SysReplyRecv goals (the current thread replies to its caller and waits) ----

// The first `fastpath_reply_recv` check after the reply cap that caller `t` fails, or undefined.
function replyCheck(c: Ctx, t: TCB): string | undefined {
  if (t.fault !== null) return 'callerFault';
  if (!vspaceOK(t)) return 'vspace';
  if (!replyPriorityOK(c.s, t)) return 'priority';
  if (!hwASIDOK(c.s, t)) return 'hwASID';
  if (t.domain !== c.s.curDomain) return 'domain';
  return undefined;
}

// With a caller failing exactly `check` (undefined: none), ReplyRecv; with one failing no earlier
// check, `setup`; without a caller, get one.
function replyGoal(c: Ctx, check: string | undefined, setup: (tcb: number, t: TCB) => ResolvedAction | undefined): ResolvedAction | undefined {
  const caller = callerOf(c.s);
  if (caller === undefined) return F.getCaller(c);
  const t = tcbAt(c.s, caller)!;
  const got = replyCheck(c, t);
  if (got === check) return F.final(check ?? 'hit', F.replyRecv(c, check === undefined ? 'the caller can run at once' : `the caller fails ${check}`));
  const order = ['callerFault', 'vspace', 'priority', 'hwASID', 'domain'];
  const before = check === undefined ? order : order.slice(0, order.indexOf(check));
  if (!before.includes(got ?? '') && c.a.k % 4 !== 3) {
    const r = setup(caller, t);
    if (r !== undefined) return r;
  }
  return F.replyRecv(c, `the caller fails ${got ?? 'nothing'}`);
}

const REPLY_RECV_STEPS: Record<string, Step> = {
  hit: (c) => replyGoal(c, undefined, (tcb, t) => {
    const check = replyCheck(c, t);
    if (check === 'vspace') return c.a.k % 4 === 0 ? F.fixVSpace(c, tcb, t) : undefined;
    if (check === 'priority') return F.setPriority(c, tcb, Math.max(highestReady(c.s), 0));
    if (check === 'domain') return F.setDomain(c, tcb, c.s.curDomain);
    return undefined;
  }),
  fault: (c) => {
    if (c.cur.fault === null) {
      // A thread with a fault saved waits: call it, so that it holds a reply cap.
      const srv = F.servers(c, (x) => x.t.fault !== null);
      return srv === undefined ? F.makeFaulted(c) : F.chain(F.callServer(c, srv, 'the receiver has a fault saved'));
    }
    if (callerOf(c.s) === undefined) return F.chain(F.waitToBeCalled(c)) ?? F.getCaller(c);
    return F.final('fault', F.replyRecv(c, 'the server has a fault saved'));
  },
  epRights: (c) => {
    // The cap fault would end the root task: the server is another thread, which waits to be called.
    if (c.isRoot) {
      const srv = F.servers(c, () => true);
      return srv === undefined ? REPLY_RECV_STEPS['hit']!(c) : F.callServer(c, srv, 'a receiver that will reply');
    }
    if (callerOf(c.s) === undefined) return F.chain(F.waitToBeCalled(c)) ?? REPLY_RECV_STEPS['hit']!(c);
    const have = kth(endpointSlots(c.v, (x) => !x.rights.read), c.a.k);
    if (have !== undefined) return F.final('epRights', F.ipc(c, 'SysReplyRecv', have, 'a cap without Receive'));
    return F.chain(F.copyCap(c, kth(endpointSlots(c.v, () => true), c.a.k)!, [0x1, 0x5, 0x9, 0x0][c.a.k % 4]!));
  },
  boundNtfn: (c) => {
    const caller = callerOf(c.s) !== undefined;
    if (caller && boundActive(c.s)) return F.final('boundNtfn', F.replyRecv(c, 'the bound notification is active'));
    return F.signalBound(c) ?? (caller || c.a.k % 2 === 0 ? F.bind(c, caller) : undefined) ?? (caller ? F.replyRecv(c, 'no notification to bind') : F.getCaller(c));
  },
  epState: (c) => {
    if (callerOf(c.s) !== undefined) return F.final('epState', F.replyRecv(c, 'a sender waits', true)) ?? REPLY_RECV_STEPS['hit']!(c);
    const queued = endpointSlots(c.v, (x) => x.rights.read && endpointAt(c.s, x.ptr)?.state.kind === 'SendEP').length > 0;
    if (queued || !mayBlock(c.s)) return F.getCaller(c);
    const idle = kth(endpointSlots(c.v, (x) => x.rights.write && endpointAt(c.s, x.ptr)?.state.kind !== 'RecvEP'), c.a.k);
    return idle === undefined ? undefined : F.ipc(c, 'SysSend', idle, 'queues as a sender');
  },
  replyCap: (c) => {
    if (hasReplyCap(c.s)) return REPLY_RECV_STEPS['hit']!(c);
    if (!mayBlock(c.s) || boundActive(c.s)) return undefined;
    return F.final('replyCap', F.replyRecv(c, 'no reply cap in the caller slot'));
  },
  callerFault: (c) => {
    const caller = callerOf(c.s);
    if (caller !== undefined) return tcbAt(c.s, caller)!.fault !== null ? F.final('callerFault', F.replyRecv(c, 'the caller has a fault')) : REPLY_RECV_STEPS['hit']!(c);
    if (!c.isRoot && c.cur.fault !== null) {
      const srv = F.servers(c, () => true);
      if (srv !== undefined) return F.chain(F.callServer(c, srv, 'a caller with a fault saved'));
    }
    if (!c.isRoot && mayBlock(c.s) && hasFaultHandler(c.s, c.s.curThread) && handlerWaiting(c.s, c.s.curThread)) {
      return F.chain(fault(c.s, c.v, { t: 'Fault', what: 'UserLevelFault', word: c.a.k, word2: 0, evenRoot: false }));
    }
    return F.awaitFault(c) ?? F.giveHandler(c, c.isRoot ? undefined : c.s.curThread);
  },
  vspace: (c) => {
    if (!c.isRoot && !vspaceOK(c.cur) && callerOf(c.s) === undefined) {
      // A thread without a valid VSpace root calls a receiver, which then replies to it.
      const srv = F.servers(c, () => true);
      return F.chain(srv === undefined ? F.waitToBeCalled(c) : F.callServer(c, srv, 'the caller has no valid VSpace root'));
    }
    return (callerOf(c.s) === undefined && c.a.k % 2 === 0 ? F.breakAny(c) : undefined) ?? replyGoal(c, 'vspace', (tcb, t) => F.breakVSpace(c, tcb, t));
  },
  priority: (c) => replyGoal(c, 'priority', (tcb) => {
    const top = highestReady(c.s);
    return top > 0 ? F.chain(F.setPriority(c, tcb, c.a.k % top)) : undefined;
  }),
  hwASID: (c) => replyGoal(c, 'hwASID', (tcb, t) => (replyPriorityOK(c.s, t) ? F.ownPD(c, tcb, t, true) : F.setPriority(c, tcb, Math.max(highestReady(c.s), 0)))),
  domain: (c) => replyGoal(c, 'domain', (tcb, t) => {
    if (!replyPriorityOK(c.s, t)) return F.setPriority(c, tcb, Math.max(highestReady(c.s), 0));
    if (!hwASIDOK(c.s, t)) return undefined;
    return F.chain(F.setDomain(c, tcb, (c.s.curDomain + 1 + (c.a.k % 15)) % 16));
  }),
};

// The fallback goals of both paths whose setup takes several entries (hits, and the checks one
// entry reaches from almost any state, come from their own draws).
const EASY = new Set(['hit', 'SysCall epRights', 'SysCall epState', 'SysReplyRecv replyCap']);
const ALL_GOALS: readonly (readonly ['SysCall' | 'SysReplyRecv', string])[] = [
  ...CALL_GOALS.map((g) => ['SysCall', g] as const), ...REPLY_RECV_GOALS.map((g) => ['SysReplyRecv', g] as const),
].filter(([p, g]) => !EASY.has(g) && !EASY.has(`${p} ${g}`));

// The goals a trace pursues: every goal of both paths, those whose setup is longest more often.
const LONGEST: readonly string[] = ['vspace', 'priority', 'domain', 'hwASID', 'SysReplyRecv epRights', 'boundNtfn'];
const TRACE_GOALS: readonly (readonly ['SysCall' | 'SysReplyRecv', FastpathGoal])[] = [
  ...CALL_GOALS.map((g) => ['SysCall', g] as const), ...REPLY_RECV_GOALS.map((g) => ['SysReplyRecv', g] as const),
].flatMap((x) => {
  const n = (x[1] === 'vspace' || x[1] === 'domain' ? 1 : 0) + (LONGEST.includes(x[1]) || LONGEST.includes(`${x[0]} ${x[1]}`) ? 2 : 1);
  return Array.from({ length: n }, () => x);
});
