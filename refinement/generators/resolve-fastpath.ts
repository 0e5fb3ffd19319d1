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
 * @module
 */
import type { InvocationLabel } from '../../abi/labels.js';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { TCB } from '../../spec/state/object.js';
import {
  CALL_GOALS, REPLY_RECV_GOALS, boundActive, callPriorityOK, callerOf, endpointAt, endpointSlots, hasReplyCap, highestReady, hwASIDOK, pdSlot,
  replyPriorityOK, threadSlot, vspaceOK, waitingServers, type EndpointCap, type FastpathAction, type Server,
} from './fastpath.js';
import { slotKey } from '../../spec/state/cslot.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { hex, invoke, IPC_RECEIVE, messageWrites, type ResolvedAction } from './message.js';
import { fault } from './resolve-event.js';
import { makeObject } from './resolve.js';
import { resolveSwitch } from './switch.js';
import { canAct, handlerWaiting, hasFaultHandler, isHandlerCap, mayBlock, rootTask, tcbAt } from './threads.js';

/** What a step sees: the state, the current thread's CSpace and TCB, the action. */
interface Ctx {
  readonly s: KernelState;
  readonly v: CSpaceView;
  readonly a: FastpathAction;
  readonly cur: TCB;
  readonly isRoot: boolean;
}

type Step = (c: Ctx) => ResolvedAction | undefined;

/** Resolves `a` for the current thread (running, its CSpace root resolving all 32 bits). */
export function resolveFastpath(s: KernelState, v: CSpaceView, a: FastpathAction): ResolvedAction {
  if (endpointSlots(v, () => true).length === 0) return makeObject(s, v, OBJECT_TYPE_NUMBER.Endpoint, a.k);
  const c: Ctx = { s, v, a, cur: v.tcb, isRoot: s.curThread === rootTask(v) };
  const steps = a.path === 'SysCall' ? CALL_STEPS : REPLY_RECV_STEPS;
  const own = steps[a.goal]?.(c);
  if ((own !== undefined && FINAL.has(own)) || EASY.has(`${a.path} ${a.goal}`)) return own ?? bringUp(c);
  // A goal whose setup earlier entries made (of either path) is completed while the state
  // holds it, for most k: chains of setup steps then pay off whichever goal the next draw has.
  if (a.k % 4 !== 0) {
    for (let i = 0; i < ALL_GOALS.length; i++) {
      const [path, goal] = ALL_GOALS[(i + a.k) % ALL_GOALS.length]!;
      const r = (path === 'SysCall' ? CALL_STEPS : REPLY_RECV_STEPS)[goal]?.(c);
      if (r !== undefined && FINAL.get(r) === goal) return r;
    }
  }
  // Else the step nearest its goal, of this draw's goal or another's: successive draws then
  // carry one chain of setup steps on rather than each beginning its own.
  if (a.goal === 'hit' || (own !== undefined && STAGE.has(own)) || a.k % 3 !== 0) return own ?? bringUp(c);
  for (let i = 0; i < ALL_GOALS.length; i++) {
    const [path, goal] = ALL_GOALS[(i + a.k) % ALL_GOALS.length]!;
    const r = (path === 'SysCall' ? CALL_STEPS : REPLY_RECV_STEPS)[goal]?.(c);
    if (r !== undefined && STAGE.has(r)) return r;
  }
  return own ?? bringUp(c);
}

// Setup steps that carry a chain begun by earlier entries on (the goal's entry comes next, or
// the one after), as opposed to steps any state allows (waiting, making objects, copying caps).
const STAGE = new WeakSet<ResolvedAction>();

function stage(n: 1 | 2 | 3, r: ResolvedAction | undefined): ResolvedAction | undefined {
  if (r !== undefined && n >= 3 && !FINAL.has(r)) STAGE.add(r);
  return r;
}

// Entries that take a goal's Call or ReplyRecv itself (not a step toward it), with the goal.
const FINAL = new WeakMap<ResolvedAction, string>();

function final(goal: string, r: ResolvedAction | undefined): ResolvedAction | undefined {
  if (r !== undefined) FINAL.set(r, goal);
  return r;
}

// ---- kernel entries ----

function msg(c: Ctx): { label: number; mrs: readonly number[]; caps: readonly number[] } {
  return { label: c.a.label, mrs: c.a.mrs.slice(0, 4), caps: [] };
}

function words(c: Ctx): string {
  return `label=${hex(c.a.label)}, mrs=[${c.a.mrs.slice(0, 4).map(hex).join(' ')}]`;
}

function ipc(c: Ctx, syscall: 'SysCall' | 'SysReplyRecv' | 'SysRecv' | 'SysSend', cptr: number, why: string, m = msg(c)): ResolvedAction {
  const w = messageWrites(syscall, cptr, m);
  const receive = syscall === 'SysCall' || syscall === 'SysSend'
    ? []
    : [[IPC_RECEIVE[0], 2], [IPC_RECEIVE[1], kthEmpty(c.v.root!, c.a.k)], [IPC_RECEIVE[2], 32]] as const;
  return {
    event: { kind: 'Syscall', syscall }, registers: w.registers, ipcWords: [...w.ipcWords, ...receive], pendingIRQ: null,
    text: `${syscall.slice(3)}(ep@${hex(cptr)}, ${words(c)}) (fastpath: ${why})`,
  };
}

function call(c: Ctx, label: InvocationLabel, mrs: readonly number[], caps: readonly number[], cptr: number, text: string): ResolvedAction {
  return invoke('SysCall', cptr, { label, mrs, caps }, 0, false, null, `${text} (toward the fastpath: ${c.a.goal})`);
}

function copyCap(c: Ctx, src: number, rights: number): ResolvedAction {
  const dest = kthEmpty(c.v.root!, c.a.k);
  return call(c, 'CNodeCopy', [dest, 32, src, 32, rights], [2], 2, `CNodeCopy(root, dest=${hex(dest)}/32, src=${hex(src)}/32, rights=${hex(rights)})`);
}

function setSpace(c: Ctx, tcb: number, t: TCB, pd: number): ResolvedAction | undefined {
  const slot = threadSlot(c.v, tcb);
  if (slot === undefined) return undefined;
  return call(c, 'TCBSetSpace', [t.faultHandler, 0, 0], [2, pd], slot, `TCBSetSpace(tcb@${hex(slot)}, cspace=root, vspace=pd@${hex(pd)})`);
}

function setPriority(c: Ctx, tcb: number, prio: number): ResolvedAction | undefined {
  const slot = threadSlot(c.v, tcb);
  if (slot === undefined || tcb === rootTask(c.v)) return undefined;
  return call(c, 'TCBSetPriority', [prio], [1], slot, `TCBSetPriority(tcb@${hex(slot)}, prio=${prio}, authority=tcb@0x1)`);
}

function setDomain(c: Ctx, tcb: number, dom: number): ResolvedAction | undefined {
  const slot = threadSlot(c.v, tcb);
  const domainCap = rootSlotsWhere(c.v, (x) => x.kind === 'DomainCap')[0];
  if (slot === undefined || domainCap === undefined || tcb === rootTask(c.v)) return undefined;
  return call(c, 'DomainSetSet', [dom], [slot], domainCap, `DomainSetSet(domain@${hex(domainCap)}, domain=${dom}, tcb=tcb@${hex(slot)})`);
}

// ---- caps ----

// A cap to endpoint `ep` with rights satisfying `ok`; else a copy of one with `rights` masked in, made now.
function capTo(c: Ctx, ep: number, ok: (x: EndpointCap) => boolean, rights: number): { cptr: number } | { step: ResolvedAction } {
  const have = kth(endpointSlots(c.v, (x) => x.ptr === ep && ok(x)), c.a.k);
  if (have !== undefined) return { cptr: have };
  const all = endpointSlots(c.v, (x) => x.ptr === ep && x.rights.read && x.rights.write && x.rights.grant && x.rights.grantReply);
  const src = kth(all, c.a.k) ?? kth(endpointSlots(c.v, (x) => x.ptr === ep), c.a.k)!;
  return { step: copyCap(c, src, rights) };
}

const canCall = (x: EndpointCap): boolean => x.rights.write && (x.rights.grant || x.rights.grantReply);

// Call `srv`'s endpoint through a cap with Send and Grant (or GrantReply), copying one first if needed.
function callServer(c: Ctx, srv: Server, why: string): ResolvedAction {
  const r = capTo(c, srv.ep, canCall, 0xf);
  return 'step' in r ? r.step : ipc(c, 'SysCall', r.cptr, why);
}

// ReplyRecv on an endpoint no sender waits on (`send`: one a sender waits on), through a cap with Receive.
function replyRecv(c: Ctx, why: string, send = false): ResolvedAction | undefined {
  const eps = endpointSlots(c.v, (x) => x.rights.read && (endpointAt(c.s, x.ptr)?.state.kind === 'SendEP') === send);
  const ep = kth(eps, c.a.k);
  return ep === undefined ? undefined : ipc(c, 'SysReplyRecv', ep, why);
}

// ---- the current thread's role ----

/** The current thread waits on an idle endpoint to be called (when it may block and holds no reply cap). */
function await_(c: Ctx): ResolvedAction | undefined {
  if (callerOf(c.s) !== undefined || boundActive(c.s) || !mayBlock(c.s)) return undefined;
  const idle = endpointSlots(c.v, (x) => x.rights.read && endpointAt(c.s, x.ptr)?.state.kind === 'IdleEP');
  const ep = kth(idle, c.a.k);
  if (ep === undefined) return makeObject(c.s, c.v, OBJECT_TYPE_NUMBER.Endpoint, c.a.k);
  return ipc(c, 'SysRecv', ep, 'waits to be called');
}

/** Servers other than the current thread, those satisfying `pred` first. */
function servers(c: Ctx, pred: (srv: Server) => boolean): Server | undefined {
  return kth(waitingServers(c.s, c.v).filter((x) => x.tcb !== c.s.curThread && pred(x)), c.a.k);
}

/** Brings another thread to life, raises or yields to one (a switch from its scheduling steps). */
function bringUp(c: Ctx): ResolvedAction {
  return resolveSwitch(c.s, c.v, { t: 'Switch', from: 2 + (c.a.k % 2), k: c.a.k });
}

/** A ReplyRecv goal needs a caller: call a waiting receiver (it then holds the reply cap), or wait to be called. */
function getCaller(c: Ctx): ResolvedAction | undefined {
  const srv = servers(c, (x) => vspaceOK(x.t));
  if (srv !== undefined && (c.a.k % 3 !== 0 || !mayBlock(c.s))) return callServer(c, srv, 'so that the receiver holds a reply cap');
  return await_(c) ?? (srv === undefined ? undefined : callServer(c, srv, 'so that the receiver holds a reply cap'));
}

// ---- address spaces ----

// A page directory with an ASID other than the root task's (`fresh`: none stored in hardware
// yet); else the step that makes one (an ASID for an unassigned one, or a new one).
function sparePD(c: Ctx, fresh: boolean): { cptr: number } | { step: ResolvedAction } {
  const rootPD = c.v.root!.slots.get(3);
  const rootPtr = rootPD?.kind === 'PageDirectoryCap' ? rootPD.ptr : -1;
  const spare = rootSlotsWhere(c.v, (x) => x.kind === 'PageDirectoryCap' && x.asid !== null && x.ptr !== rootPtr
    && (!fresh || !c.s.arch.asidMap.has(x.asid)));
  const have = kth(spare, c.a.k);
  if (have !== undefined) return { cptr: have };
  const pool = rootSlotsWhere(c.v, (x) => x.kind === 'ASIDPoolCap')[0];
  const unassigned = kth(rootSlotsWhere(c.v, (x) => x.kind === 'PageDirectoryCap' && x.asid === null), c.a.k);
  if (unassigned === undefined || pool === undefined) return { step: makeObject(c.s, c.v, OBJECT_TYPE_NUMBER.PageDirectory, c.a.k) };
  return { step: stage(2, call(c, 'ARMASIDPoolAssign', [], [unassigned], pool, `ARMASIDPoolAssign(pool@${hex(pool)}, pd=pd@${hex(unassigned)})`))! };
}

/** Gives thread `tcb` a page directory of its own (`fresh`: without a hardware ASID). */
function ownPD(c: Ctx, tcb: number, t: TCB, fresh: boolean): ResolvedAction | undefined {
  const pd = sparePD(c, fresh);
  return stage(3, 'step' in pd ? pd.step : setSpace(c, tcb, t, pd.cptr));
}

/**
 * Breaks `t`'s VSpace root: revokes the root slot its page-directory cap was derived from
 * (never the root task's own, slot 3); first it is given a cap derived from another slot (a
 * copy of a page-directory cap, made first if there is none).
 */
function breakVSpace(c: Ctx, tcb: number, t: TCB): ResolvedAction | undefined {
  if (tcb === rootTask(c.v)) return undefined;
  const parent = armed(c, tcb) ?? kth(armedSlots(c), c.a.k);
  if (parent !== undefined) {
    return stage(3, call(c, 'CNodeRevoke', [parent, 32], [], 2, `CNodeRevoke(root, ${hex(parent)}/32) (a VSpace root goes)`));
  }
  const copy = kth(rootSlotsWhere(c.v, (x, i) => x.kind === 'PageDirectoryCap' && x.asid !== null && i !== 3), c.a.k);
  if (copy !== undefined) return stage(3, setSpace(c, tcb, t, copy));
  return stage(3, copyCap(c, 3, 0xf));
}

// The root slot (not the root task's page directory, slot 3) that `tcb`'s VSpace root was derived from.
function armed(c: Ctx, tcb: number): number | undefined {
  const parent = c.s.cdt.get(slotKey({ obj: tcb, index: 1 }));
  const ok = tcbAt(c.s, tcb)?.caps[1].kind === 'PageDirectoryCap' && parent !== undefined && parent.obj === c.v.rootCap!.ptr && parent.index !== 3;
  return ok ? parent.index : undefined;
}

// The root slots some thread's VSpace root was derived from (revoking one breaks them all).
function armedSlots(c: Ctx): number[] {
  const root = rootTask(c.v);
  const out = new Set<number>();
  for (const x of c.v.root!.slots.values()) {
    const p = x.kind === 'ThreadCap' && x.tcb !== root ? armed(c, x.tcb) : undefined;
    if (p !== undefined) out.add(p);
  }
  return [...out];
}

/** Breaks the VSpace root of a thread other than the root task (it stays broken while it waits, calls and is called). */
function breakAny(c: Ctx): ResolvedAction | undefined {
  const parent = kth(armedSlots(c), c.a.k);
  if (parent !== undefined) return stage(3, call(c, 'CNodeRevoke', [parent, 32], [], 2, `CNodeRevoke(root, ${hex(parent)}/32) (a VSpace root goes)`));
  const root = rootTask(c.v);
  const slot = kth(rootSlotsWhere(c.v, (x) => {
    const t = x.kind === 'ThreadCap' && x.tcb !== root ? tcbAt(c.s, x.tcb) : undefined;
    return t !== undefined && canAct(c.s, (x as { tcb: number }).tcb) && vspaceOK(t);
  }), c.a.k);
  const cap = slot === undefined ? undefined : c.v.root!.slots.get(slot);
  return cap?.kind === 'ThreadCap' ? breakVSpace(c, cap.tcb, tcbAt(c.s, cap.tcb)!) : undefined;
}

/** Makes `tcb`'s VSpace valid again: the root task's page directory. */
function fixVSpace(c: Ctx, tcb: number, t: TCB): ResolvedAction | undefined {
  return setSpace(c, tcb, t, 3);
}

// ---- faults ----

/**
 * A step toward a thread running with a fault saved: a thread queued to send its fault (to a
 * handler not waiting) is resumed, keeping it; a thread with a handler faults; one without
 * is given one.
 */
function makeFaulted(c: Ctx): ResolvedAction | undefined {
  const root = rootTask(c.v);
  const queued = rootSlotsWhere(c.v, (x) => {
    if (x.kind !== 'ThreadCap' || x.tcb === root || x.tcb === c.s.curThread) return false;
    const t = tcbAt(c.s, x.tcb);
    return t !== undefined && t.fault !== null && t.state.kind === 'BlockedOnSend' && canAct(c.s, x.tcb);
  });
  const q = kth(queued, c.a.k);
  if (q !== undefined) return stage(3, call(c, 'TCBResume', [], [], q, `TCBResume(tcb@${hex(q)}) (its fault stays saved)`));
  if (!c.isRoot && hasFaultHandler(c.s, c.s.curThread) && !handlerWaiting(c.s, c.s.curThread) && mayBlock(c.s)) {
    return stage(2, fault(c.s, c.v, { t: 'Fault', what: 'UserLevelFault', word: c.a.k, word2: 0, evenRoot: false }));
  }
  return giveHandler(c, c.isRoot ? undefined : c.s.curThread);
}

/** Gives `tcb` (or the k-th thread without one) a usable fault handler. */
function giveHandler(c: Ctx, tcb: number | undefined): ResolvedAction | undefined {
  const root = rootTask(c.v);
  const needs = rootSlotsWhere(c.v, (x) => x.kind === 'ThreadCap' && x.tcb !== root && canAct(c.s, x.tcb) && !hasFaultHandler(c.s, x.tcb)
    && (tcb === undefined || x.tcb === tcb));
  const slot = kth(needs, c.a.k);
  const h = kth(rootSlotsWhere(c.v, isHandlerCap), c.a.k);
  if (slot === undefined || h === undefined) return undefined;
  const t = c.v.root!.slots.get(slot);
  const tt = t?.kind === 'ThreadCap' ? tcbAt(c.s, t.tcb) : undefined;
  const vt = tt?.caps[1];
  const pd = vt?.kind === 'PageDirectoryCap' ? pdSlot(c.v, vt.ptr) ?? 3 : 3;
  return stage(2, call(c, 'TCBSetSpace', [h, 0, 0], [2, pd], slot, `TCBSetSpace(tcb@${hex(slot)}, faultEP=ep@${hex(h)}, cspace=root, vspace=pd@${hex(pd)})`));
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
  otherwise: () => ResolvedAction | undefined = () => undefined): ResolvedAction | undefined {
  const hit = servers(c, (x) => callCheck(c, x) === check);
  if (hit !== undefined) return final(check ?? 'hit', callServer(c, hit, check === undefined ? 'a receiver that can run at once' : `the receiver fails ${check}`));
  const order = ['vspace', 'priority', 'hwASID', 'domain'];
  const before = check === undefined ? order : order.slice(0, order.indexOf(check));
  const near = servers(c, (x) => !before.includes(callCheck(c, x) ?? ''));
  if (near !== undefined && c.a.k % 4 !== 3) {
    const r = setup(near);
    if (r !== undefined) return r;
  }
  // Rather than wait beside a receiver (every thread would end up waiting), call it.
  const any = near ?? servers(c, () => true);
  if (any !== undefined && (check !== 'domain' || !c.isRoot)) return callServer(c, any, `the receiver fails ${callCheck(c, any) ?? 'nothing'}`);
  return otherwise() ?? await_(c);
}

const CALL_STEPS: Record<string, Step> = {
  hit: (c) => callGoal(c, undefined, (srv) => {
    const check = callCheck(c, srv);
    if (check === 'priority') return setPriority(c, srv.tcb, c.cur.priority);
    if (check === 'domain') return setDomain(c, srv.tcb, c.s.curDomain);
    if (check === 'vspace') return c.a.k % 4 === 0 ? fixVSpace(c, srv.tcb, srv.t) : undefined;
    return callServer(c, srv, `the receiver fails ${check ?? 'nothing'}`);
  }),
  fault: (c) => {
    if (c.cur.fault === null) return makeFaulted(c);
    const noSend = kth(endpointSlots(c.v, (x) => !x.rights.write), c.a.k);
    const srv = servers(c, () => true);
    if (srv !== undefined) return final('fault', callServer(c, srv, 'the caller has a fault saved'));
    if (noSend !== undefined) return final('fault', ipc(c, 'SysCall', noSend, 'the caller has a fault saved'));
    return await_(c);
  },
  epRights: (c) => {
    const have = kth(endpointSlots(c.v, (x) => !x.rights.write), c.a.k);
    if (have !== undefined) return final('epRights', ipc(c, 'SysCall', have, 'a cap without Send'));
    return copyCap(c, kth(endpointSlots(c.v, () => true), c.a.k)!, [0x2, 0x6, 0xa, 0x0][c.a.k % 4]!);
  },
  epState: (c) => {
    if (!mayBlock(c.s)) return undefined;
    const eps = endpointSlots(c.v, (x) => canCall(x) && endpointAt(c.s, x.ptr)?.state.kind !== 'RecvEP');
    const ep = kth(eps, c.a.k);
    return ep === undefined ? undefined : final('epState', ipc(c, 'SysCall', ep, 'no receiver waits'));
  },
  vspace: (c) => callGoal(c, 'vspace', (srv) => breakVSpace(c, srv.tcb, srv.t), () => (c.a.k % 2 === 0 ? breakAny(c) : undefined)),
  priority: (c) => callGoal(c, 'priority', (srv) => {
    if (c.cur.priority === 0) return undefined;
    if (srv.t.priority >= c.cur.priority) return stage(3, setPriority(c, srv.tcb, c.a.k % Math.min(c.cur.priority, 64)));
    return raiseReady(c, srv.t.priority + 1); // none ready above the receiver yet
  }),
  grant: (c) => {
    if (c.isRoot) return CALL_STEPS['hit']!(c); // a Call without a reply cap leaves the caller Inactive
    const srv = servers(c, (x) => vspaceOK(x.t) && callPriorityOK(c.s, x.t));
    if (srv === undefined) return callGoal(c, undefined, () => undefined);
    const r = capTo(c, srv.ep, (x) => x.rights.write && !x.rights.grant && !x.rights.grantReply, [0x1, 0x3][c.a.k % 2]!);
    return 'step' in r ? r.step : final('grant', ipc(c, 'SysCall', r.cptr, 'a cap without Grant or GrantReply'));
  },
  hwASID: (c) => callGoal(c, 'hwASID', (srv) => (callPriorityOK(c.s, srv.t) ? ownPD(c, srv.tcb, srv.t, true) : setPriority(c, srv.tcb, c.cur.priority))),
  domain: (c) => {
    // The root task would wait for a reply from another domain: it only moves the receiver.
    if (c.isRoot && servers(c, (x) => callCheck(c, x) === 'domain') !== undefined) return CALL_STEPS['hit']!(c);
    return callGoal(c, 'domain', (srv) => {
      if (!callPriorityOK(c.s, srv.t)) return setPriority(c, srv.tcb, c.cur.priority);
      if (!hwASIDOK(c.s, srv.t)) return callServer(c, srv, 'the receiver has no hardware ASID yet');
      return stage(3, setDomain(c, srv.tcb, (c.s.curDomain + 1 + (c.a.k % 15)) % 16));
    });
  },
};

/** Raises a ready thread (not the root task) to `prio` at least, if one is below it; a thread is brought up otherwise. */
function raiseReady(c: Ctx, prio: number): ResolvedAction | undefined {
  const lo = c.s.curDomain * 256;
  const ready: number[] = [];
  for (const [key, q] of c.s.readyQueues) if (key >= lo && key < lo + 256 && key - lo < prio) ready.push(...q);
  const t = kth(ready.filter((x) => threadSlot(c.v, x) !== undefined && x !== rootTask(c.v)), c.a.k);
  if (t === undefined || prio > 255) return undefined;
  return stage(3, setPriority(c, t, Math.min(255, Math.max(prio, c.cur.priority))));
}

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
  if (caller === undefined) return getCaller(c);
  const t = tcbAt(c.s, caller)!;
  const got = replyCheck(c, t);
  if (got === check) return final(check ?? 'hit', replyRecv(c, check === undefined ? 'the caller can run at once' : `the caller fails ${check}`));
  const order = ['callerFault', 'vspace', 'priority', 'hwASID', 'domain'];
  const before = check === undefined ? order : order.slice(0, order.indexOf(check));
  if (!before.includes(got ?? '') && c.a.k % 4 !== 3) {
    const r = setup(caller, t);
    if (r !== undefined) return r;
  }
  return replyRecv(c, `the caller fails ${got ?? 'nothing'}`);
}

const REPLY_RECV_STEPS: Record<string, Step> = {
  hit: (c) => replyGoal(c, undefined, (tcb, t) => {
    const check = replyCheck(c, t);
    if (check === 'vspace') return c.a.k % 4 === 0 ? fixVSpace(c, tcb, t) : undefined;
    if (check === 'priority') return setPriority(c, tcb, Math.max(highestReady(c.s), 0));
    if (check === 'domain') return setDomain(c, tcb, c.s.curDomain);
    return undefined;
  }),
  fault: (c) => {
    if (c.cur.fault === null) return makeFaulted(c);
    if (callerOf(c.s) === undefined) return stage(3, await_(c)) ?? getCaller(c);
    return final('fault', replyRecv(c, 'the server has a fault saved'));
  },
  epRights: (c) => {
    if (c.isRoot || callerOf(c.s) === undefined) return REPLY_RECV_STEPS['hit']!(c); // the cap fault would end the root task
    const have = kth(endpointSlots(c.v, (x) => !x.rights.read), c.a.k);
    if (have !== undefined) return final('epRights', ipc(c, 'SysReplyRecv', have, 'a cap without Receive'));
    return stage(3, copyCap(c, kth(endpointSlots(c.v, () => true), c.a.k)!, [0x1, 0x5, 0x9, 0x0][c.a.k % 4]!));
  },
  boundNtfn: (c) => {
    const caller = callerOf(c.s) !== undefined;
    if (caller && boundActive(c.s)) return final('boundNtfn', replyRecv(c, 'the bound notification is active'));
    return signalBound(c) ?? (caller || c.a.k % 2 === 0 ? bind(c, caller) : undefined) ?? (caller ? replyRecv(c, 'no notification to bind') : getCaller(c));
  },
  epState: (c) => {
    if (callerOf(c.s) !== undefined) return final('epState', replyRecv(c, 'a sender waits', true)) ?? REPLY_RECV_STEPS['hit']!(c);
    const queued = endpointSlots(c.v, (x) => x.rights.read && endpointAt(c.s, x.ptr)?.state.kind === 'SendEP').length > 0;
    if (queued || !mayBlock(c.s)) return getCaller(c);
    const idle = kth(endpointSlots(c.v, (x) => x.rights.write && endpointAt(c.s, x.ptr)?.state.kind !== 'RecvEP'), c.a.k);
    return idle === undefined ? undefined : stage(2, ipc(c, 'SysSend', idle, 'queues as a sender'));
  },
  replyCap: (c) => {
    if (hasReplyCap(c.s)) return REPLY_RECV_STEPS['hit']!(c);
    if (!mayBlock(c.s) || boundActive(c.s)) return undefined;
    return final('replyCap', replyRecv(c, 'no reply cap in the caller slot'));
  },
  callerFault: (c) => {
    const caller = callerOf(c.s);
    if (caller !== undefined) return tcbAt(c.s, caller)!.fault !== null ? final('callerFault', replyRecv(c, 'the caller has a fault')) : REPLY_RECV_STEPS['hit']!(c);
    if (!c.isRoot && c.cur.fault !== null) {
      const srv = servers(c, () => true);
      if (srv !== undefined) return stage(3, callServer(c, srv, 'a caller with a fault saved'));
    }
    if (!c.isRoot && mayBlock(c.s) && hasFaultHandler(c.s, c.s.curThread) && handlerWaiting(c.s, c.s.curThread)) {
      return stage(3, fault(c.s, c.v, { t: 'Fault', what: 'UserLevelFault', word: c.a.k, word2: 0, evenRoot: false }));
    }
    return stage(2, awaitFault(c)) ?? giveHandler(c, c.isRoot ? undefined : c.s.curThread);
  },
  vspace: (c) => (callerOf(c.s) === undefined && c.a.k % 2 === 0 ? breakAny(c) : undefined)
    ?? replyGoal(c, 'vspace', (tcb, t) => breakVSpace(c, tcb, t)),
  priority: (c) => replyGoal(c, 'priority', (tcb) => {
    const top = highestReady(c.s);
    return top > 0 ? stage(3, setPriority(c, tcb, c.a.k % top)) : undefined;
  }),
  hwASID: (c) => replyGoal(c, 'hwASID', (tcb, t) => (replyPriorityOK(c.s, t) ? ownPD(c, tcb, t, true) : setPriority(c, tcb, Math.max(highestReady(c.s), 0)))),
  domain: (c) => replyGoal(c, 'domain', (tcb, t) => {
    if (!replyPriorityOK(c.s, t)) return setPriority(c, tcb, Math.max(highestReady(c.s), 0));
    if (!hwASIDOK(c.s, t)) return undefined;
    return stage(3, setDomain(c, tcb, (c.s.curDomain + 1 + (c.a.k % 15)) % 16));
  }),
};

// The fallback goals of both paths whose setup takes several entries (hits, and the checks one
// entry reaches from almost any state, come from their own draws).
const EASY = new Set(['hit', 'SysCall epRights', 'SysCall epState', 'SysReplyRecv replyCap']);
const ALL_GOALS: readonly (readonly ['SysCall' | 'SysReplyRecv', string])[] = [
  ...CALL_GOALS.map((g) => ['SysCall', g] as const), ...REPLY_RECV_GOALS.map((g) => ['SysReplyRecv', g] as const),
].filter(([p, g]) => !EASY.has(g) && !EASY.has(`${p} ${g}`));

/** Signals the idle notification bound to a thread that holds a reply cap in its caller slot (it will ReplyRecv). */
function signalBound(c: Ctx): ResolvedAction | undefined {
  const n = kth(rootSlotsWhere(c.v, (x) => {
    if (x.kind !== 'NotificationCap' || !x.rights.write) return false;
    const o = c.s.kheap.get(x.ptr);
    if (o?.kind !== 'Notification' || o.boundTCB === null || o.state.kind !== 'IdleNtfn') return false;
    const caller = tcbAt(c.s, o.boundTCB)?.caps[3];
    return caller?.kind === 'ReplyCap' && !caller.isMaster;
  }), c.a.k);
  if (n === undefined) return undefined;
  return stage(3, { ...ipc(c, 'SysSend', n, 'signals a bound notification', { label: 0, mrs: [], caps: [] }), text: `Signal(ntfn@${hex(n)}) (toward the fastpath: boundNtfn)` });
}

/** Binds a notification to the current thread (`self`), or to another thread than the root task. */
function bind(c: Ctx, self: boolean): ResolvedAction | undefined {
  const root = rootTask(c.v);
  const who = self ? threadSlot(c.v, c.s.curThread) : kth(rootSlotsWhere(c.v, (x) => x.kind === 'ThreadCap' && x.tcb !== root
    && tcbAt(c.s, x.tcb)?.boundNotification === null && canAct(c.s, x.tcb)), c.a.k);
  if (self && c.cur.boundNotification !== null) return undefined;
  return who === undefined ? undefined : stage(self ? 3 : 2, bindTo(c, who));
}

function bindTo(c: Ctx, self: number): ResolvedAction | undefined {
  const free = kth(rootSlotsWhere(c.v, (x) => {
    if (x.kind !== 'NotificationCap' || !x.rights.read) return false;
    const o = c.s.kheap.get(x.ptr);
    return o?.kind === 'Notification' && o.boundTCB === null && o.state.kind !== 'WaitingNtfn';
  }), c.a.k);
  if (free === undefined) return makeObject(c.s, c.v, OBJECT_TYPE_NUMBER.Notification, c.a.k);
  return call(c, 'TCBBindNotification', [], [free], self, `TCBBindNotification(tcb@${hex(self)}, ntfn@${hex(free)})`);
}

/** Waits on the fault endpoint of a thread that can fault to it (its fault then arrives as a call). */
function awaitFault(c: Ctx): ResolvedAction | undefined {
  if (callerOf(c.s) !== undefined || boundActive(c.s) || !mayBlock(c.s)) return undefined;
  const root = rootTask(c.v);
  const eps = new Set<number>();
  for (const x of c.v.root!.slots.values()) {
    if (x.kind !== 'ThreadCap' || x.tcb === c.s.curThread || x.tcb === root || !hasFaultHandler(c.s, x.tcb)) continue;
    const h = c.v.root!.slots.get(tcbAt(c.s, x.tcb)!.faultHandler);
    if (h?.kind === 'EndpointCap') eps.add(h.ptr);
  }
  const ep = kth(endpointSlots(c.v, (x) => x.rights.read && eps.has(x.ptr)), c.a.k);
  return ep === undefined ? undefined : ipc(c, 'SysRecv', ep, 'waits for a fault');
}
