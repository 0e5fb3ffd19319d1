/**
 * The steps a {@link FastpathAction} is resolved into (`resolve-fastpath.ts` chooses among
 * them): the goal's Call or ReplyRecv itself, and the real kernel entries toward it: a thread
 * waits to be called or calls a waiting one; caps are copied with a right masked out; a page
 * directory is made, given an ASID, given to a thread and its cap revoked; priorities and
 * domains are changed; a thread is given a fault handler, faults, and is resumed with its fault
 * saved; a notification is bound and signalled.
 *
 * @module
 */
import type { InvocationLabel } from '../../abi/labels.js';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import { Reg } from '../../hardware/registers.js';
import { slotKey } from '../../spec/state/cslot.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { TCB } from '../../spec/state/object.js';
import {
  boundActive, callerOf, endpointAt, endpointSlots, pdSlot, threadSlot, vspaceOK, waitingServers, type EndpointCap, type FastpathAction, type Server,
} from './fastpath.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { hex, invoke, IPC_RECEIVE, messageWrites, type ResolvedAction } from './message.js';
import { fault } from './resolve-event.js';
import { makeObject } from './resolve.js';
import { resolveSwitch } from './switch.js';
import { canAct, handlerWaiting, hasFaultHandler, isHandlerCap, mayBlock, rootTask, tcbAt } from './threads.js';

/** What a step sees: the state, the current thread's CSpace and TCB, the action (its goal possibly the trace's). */
export interface Ctx {
  /** The state. */
  readonly s: KernelState;
  /** The current thread's CSpace. */
  readonly v: CSpaceView;
  /** The action. */
  readonly a: FastpathAction;
  /** The current thread's TCB. */
  readonly cur: TCB;
  /** Whether the current thread is the root task. */
  readonly isRoot: boolean;
}

const CHAIN = new WeakSet<ResolvedAction>();
const FINAL = new WeakMap<ResolvedAction, string>();

/**
 * Marks `r` as a step that carries on a chain begun by earlier entries (the goal's entry comes
 * next, or the one after), as opposed to steps any state allows (waiting, making objects).
 */
export function chain(r: ResolvedAction | undefined): ResolvedAction | undefined {
  if (r !== undefined && !FINAL.has(r)) CHAIN.add(r);
  return r;
}

/** Whether `r` was marked by {@link chain}. */
export function isChain(r: ResolvedAction | undefined): boolean {
  return r !== undefined && CHAIN.has(r);
}

/** Marks `r` as the Call or ReplyRecv that takes `goal` itself (not a step toward it). */
export function final(goal: string, r: ResolvedAction | undefined): ResolvedAction | undefined {
  if (r !== undefined) FINAL.set(r, goal);
  return r;
}

/** The goal `r` takes, if it was marked by {@link final}. */
export function finalGoal(r: ResolvedAction | undefined): string | undefined {
  return r === undefined ? undefined : FINAL.get(r);
}

/** The action's message: its label and at most four words, no caps. */
export function msg(c: Ctx): { label: number; mrs: readonly number[]; caps: readonly number[] } {
  return { label: c.a.label, mrs: c.a.mrs.slice(0, 4), caps: [] };
}

/** The message as printed. */
export function words(c: Ctx): string {
  return `label=${hex(c.a.label)}, mrs=[${c.a.mrs.slice(0, 4).map(hex).join(' ')}]`;
}

/** An IPC system call through `cptr` with the action's message (or `m`), noting `why`. */
export function ipc(c: Ctx, syscall: 'SysCall' | 'SysReplyRecv' | 'SysRecv' | 'SysSend', cptr: number, why: string, m = msg(c)): ResolvedAction {
  const w = messageWrites(syscall, cptr, m);
  const receive = syscall === 'SysCall' || syscall === 'SysSend'
    ? []
    : [[IPC_RECEIVE[0], 2], [IPC_RECEIVE[1], kthEmpty(c.v.root!, c.a.k)], [IPC_RECEIVE[2], 32]] as const;
  // Stray capsUnwrapped bits in the sender's message info, which the kernel clears (raw register contents).
  const unwrapped = (c.a.k >>> 4) & 7;
  const registers = w.registers.map(([r, x]) => (r === Reg.R1 ? [r, (x | (unwrapped << 9)) >>> 0] as const : [r, x] as const));
  return {
    event: { kind: 'Syscall', syscall }, registers, ipcWords: [...w.ipcWords, ...receive], pendingIRQ: null,
    text: `${syscall.slice(3)}(ep@${hex(cptr)}, ${words(c)}${unwrapped === 0 ? '' : `, capsUnwrapped=${unwrapped}`}) (fastpath: ${why})`,
  };
}

/** A setup invocation (a Call of an object cap), noted as a step toward the goal. */
export function call(c: Ctx, label: InvocationLabel, mrs: readonly number[], caps: readonly number[], cptr: number, text: string): ResolvedAction {
  return invoke('SysCall', cptr, { label, mrs, caps }, 0, false, null, `${text} (toward the fastpath: ${c.a.goal})`);
}

/** CNodeCopy of root slot `src` into an empty root slot, with `rights` masked in. */
export function copyCap(c: Ctx, src: number, rights: number): ResolvedAction {
  const dest = kthEmpty(c.v.root!, c.a.k);
  return call(c, 'CNodeCopy', [dest, 32, src, 32, rights], [2], 2, `CNodeCopy(root, dest=${hex(dest)}/32, src=${hex(src)}/32, rights=${hex(rights)})`);
}

/** TCBSetSpace of `tcb`: the root CNode, page directory `pd`, its fault handler kept. */
export function setSpace(c: Ctx, tcb: number, t: TCB, pd: number): ResolvedAction | undefined {
  const slot = threadSlot(c.v, tcb);
  if (slot === undefined || tcb === rootTask(c.v)) return undefined;
  return call(c, 'TCBSetSpace', [t.faultHandler, 0, 0], [2, pd], slot, `TCBSetSpace(tcb@${hex(slot)}, cspace=root, vspace=pd@${hex(pd)})`);
}

/** TCBSetPriority of `tcb` (not the root task) with the root task's authority. */
export function setPriority(c: Ctx, tcb: number, prio: number): ResolvedAction | undefined {
  const slot = threadSlot(c.v, tcb);
  if (slot === undefined || tcb === rootTask(c.v)) return undefined;
  return call(c, 'TCBSetPriority', [prio], [1], slot, `TCBSetPriority(tcb@${hex(slot)}, prio=${prio}, authority=tcb@0x1)`);
}

/** DomainSetSet of `tcb` (not the root task) into `dom`. */
export function setDomain(c: Ctx, tcb: number, dom: number): ResolvedAction | undefined {
  const slot = threadSlot(c.v, tcb);
  const domainCap = rootSlotsWhere(c.v, (x) => x.kind === 'DomainCap')[0];
  if (slot === undefined || domainCap === undefined || tcb === rootTask(c.v)) return undefined;
  return call(c, 'DomainSetSet', [dom], [slot], domainCap, `DomainSetSet(domain@${hex(domainCap)}, domain=${dom}, tcb=tcb@${hex(slot)})`);
}

// ---- caps ----

/** A cap to endpoint `ep` with rights satisfying `ok`; else a copy of one with `rights` masked in, made now. */
export function capTo(c: Ctx, ep: number, ok: (x: EndpointCap) => boolean, rights: number): { cptr: number } | { step: ResolvedAction } {
  const have = kth(endpointSlots(c.v, (x) => x.ptr === ep && ok(x)), c.a.k);
  if (have !== undefined) return { cptr: have };
  const all = endpointSlots(c.v, (x) => x.ptr === ep && x.rights.read && x.rights.write && x.rights.grant && x.rights.grantReply);
  const src = kth(all, c.a.k) ?? kth(endpointSlots(c.v, (x) => x.ptr === ep), c.a.k)!;
  return { step: copyCap(c, src, rights) };
}

/** Whether a Call through `x` leaves a reply cap (Send, and Grant or GrantReply). */
export const canCall = (x: EndpointCap): boolean => x.rights.write && (x.rights.grant || x.rights.grantReply);

/** Call `srv`'s endpoint through a cap with Send and Grant (or GrantReply), copying one first if needed. */
export function callServer(c: Ctx, srv: Server, why: string): ResolvedAction {
  const r = capTo(c, srv.ep, canCall, 0xf);
  return 'step' in r ? r.step : ipc(c, 'SysCall', r.cptr, why);
}

/** ReplyRecv on an endpoint no sender waits on (`send`: one a sender waits on), through a cap with Receive. */
export function replyRecv(c: Ctx, why: string, send = false): ResolvedAction | undefined {
  const eps = endpointSlots(c.v, (x) => x.rights.read && (endpointAt(c.s, x.ptr)?.state.kind === 'SendEP') === send);
  const ep = kth(eps, c.a.k);
  return ep === undefined ? undefined : ipc(c, 'SysReplyRecv', ep, why);
}

// ---- the current thread's role ----

/** The current thread waits on an idle endpoint to be called (when it may block and holds no reply cap). */
export function waitToBeCalled(c: Ctx): ResolvedAction | undefined {
  if (callerOf(c.s) !== undefined || boundActive(c.s) || !mayBlock(c.s)) return undefined;
  const idle = endpointSlots(c.v, (x) => x.rights.read && endpointAt(c.s, x.ptr)?.state.kind === 'IdleEP');
  const ep = kth(idle, c.a.k);
  if (ep === undefined) return makeObject(c.s, c.v, OBJECT_TYPE_NUMBER.Endpoint, c.a.k);
  return ipc(c, 'SysRecv', ep, 'waits to be called');
}

/** Servers other than the current thread, those satisfying `pred` first. */
export function servers(c: Ctx, pred: (srv: Server) => boolean): Server | undefined {
  return kth(waitingServers(c.s, c.v).filter((x) => x.tcb !== c.s.curThread && pred(x)), c.a.k);
}

/** Brings another thread to life, raises or yields to one (a switch from its scheduling steps). */
export function bringUp(c: Ctx): ResolvedAction {
  return resolveSwitch(c.s, c.v, { t: 'Switch', from: 2 + (c.a.k % 2), k: c.a.k });
}

/** A ReplyRecv goal needs a caller: call a waiting receiver (it then holds the reply cap), or wait to be called. */
export function getCaller(c: Ctx): ResolvedAction | undefined {
  // The root task mostly waits to be called, the others call: the caller is then mostly not
  // the root task, whose priority, domain and VSpace the steps leave alone.
  const srv = servers(c, (x) => vspaceOK(x.t));
  const why = 'so that the receiver holds a reply cap';
  if (srv !== undefined && (c.isRoot ? c.a.k % 4 === 1 : c.a.k % 4 !== 1)) return callServer(c, srv, why);
  return waitToBeCalled(c) ?? (srv === undefined ? undefined : callServer(c, srv, why));
}

// ---- address spaces ----

/**
 * A page directory with an ASID other than the root task's (`fresh`: none stored in hardware
 * yet); else the step that makes one (an ASID for an unassigned one, or a new one).
 */
export function sparePD(c: Ctx, fresh: boolean): { cptr: number } | { step: ResolvedAction } {
  const rootPD = c.v.root!.slots.get(3);
  const rootPtr = rootPD?.kind === 'PageDirectoryCap' ? rootPD.ptr : -1;
  const spare = rootSlotsWhere(c.v, (x) => x.kind === 'PageDirectoryCap' && x.asid !== null && x.ptr !== rootPtr
    && (!fresh || !c.s.arch.asidMap.has(x.asid)));
  const have = kth(spare, c.a.k);
  if (have !== undefined) return { cptr: have };
  const pool = rootSlotsWhere(c.v, (x) => x.kind === 'ASIDPoolCap')[0];
  const unassigned = kth(rootSlotsWhere(c.v, (x) => x.kind === 'PageDirectoryCap' && x.asid === null), c.a.k);
  if (unassigned === undefined || pool === undefined) return { step: makeObject(c.s, c.v, OBJECT_TYPE_NUMBER.PageDirectory, c.a.k) };
  return { step: call(c, 'ARMASIDPoolAssign', [], [unassigned], pool, `ARMASIDPoolAssign(pool@${hex(pool)}, pd=pd@${hex(unassigned)})`) };
}

/** Gives thread `tcb` a page directory of its own (`fresh`: without a hardware ASID). */
export function ownPD(c: Ctx, tcb: number, t: TCB, fresh: boolean): ResolvedAction | undefined {
  const pd = sparePD(c, fresh);
  return chain('step' in pd ? pd.step : setSpace(c, tcb, t, pd.cptr));
}

/**
 * Breaks `t`'s VSpace root: revokes the root slot its page-directory cap was derived from
 * (never the root task's own, slot 3); first it is given a page directory of its own (made and
 * given an ASID first if there is none).
 */
export function breakVSpace(c: Ctx, tcb: number, t: TCB): ResolvedAction | undefined {
  if (tcb === rootTask(c.v)) return undefined;
  const parent = armed(c, tcb) ?? kth(armedSlots(c), c.a.k);
  if (parent !== undefined) {
    return chain(call(c, 'CNodeRevoke', [parent, 32], [], 2, `CNodeRevoke(root, ${hex(parent)}/32) (a VSpace root goes)`));
  }
  // An original cap: a copy's derived caps hang under the copy's own parent, which a revoke of the copy leaves alone.
  const node = c.v.rootCap!.ptr;
  const own = kth(rootSlotsWhere(c.v, (x, i) => x.kind === 'PageDirectoryCap' && x.asid !== null && i !== 3
    && c.s.isOriginalCap.has(slotKey({ obj: node, index: i }))), c.a.k);
  if (own !== undefined) return chain(setSpace(c, tcb, t, own));
  return ownPD(c, tcb, t, false);
}

/** The root slot (not the root task's page directory, slot 3) that `tcb`'s VSpace root was derived from. */
export function armed(c: Ctx, tcb: number): number | undefined {
  const parent = c.s.cdt.get(slotKey({ obj: tcb, index: 1 }));
  const ok = tcbAt(c.s, tcb)?.caps[1].kind === 'PageDirectoryCap' && parent !== undefined && parent.obj === c.v.rootCap!.ptr && parent.index !== 3;
  return ok ? parent.index : undefined;
}

/** The root slots some thread's VSpace root was derived from (revoking one breaks them all). */
export function armedSlots(c: Ctx): number[] {
  const root = rootTask(c.v);
  const out = new Set<number>();
  for (const x of c.v.root!.slots.values()) {
    const p = x.kind === 'ThreadCap' && x.tcb !== root ? armed(c, x.tcb) : undefined;
    if (p !== undefined) out.add(p);
  }
  return [...out];
}

/** A thread without a valid VSpace root waits to be called (unless a receiver failing the check already waits). */
export function brokenWaits(c: Ctx): ResolvedAction | undefined {
  if (c.isRoot || vspaceOK(c.cur) || servers(c, (x) => !vspaceOK(x.t)) !== undefined) return undefined;
  return chain(waitToBeCalled(c));
}

/** Breaks the VSpace root of a thread other than the root task (it stays broken while it waits, calls and is called). */
export function breakAny(c: Ctx): ResolvedAction | undefined {
  const parent = kth(armedSlots(c), c.a.k);
  if (parent !== undefined) return chain(call(c, 'CNodeRevoke', [parent, 32], [], 2, `CNodeRevoke(root, ${hex(parent)}/32) (a VSpace root goes)`));
  const root = rootTask(c.v);
  const slot = kth(rootSlotsWhere(c.v, (x) => {
    const t = x.kind === 'ThreadCap' && x.tcb !== root ? tcbAt(c.s, x.tcb) : undefined;
    return t !== undefined && canAct(c.s, (x as { tcb: number }).tcb) && vspaceOK(t);
  }), c.a.k);
  const cap = slot === undefined ? undefined : c.v.root!.slots.get(slot);
  return cap?.kind === 'ThreadCap' ? breakVSpace(c, cap.tcb, tcbAt(c.s, cap.tcb)!) : undefined;
}

/** Makes `tcb`'s VSpace valid again: the root task's page directory. */
export function fixVSpace(c: Ctx, tcb: number, t: TCB): ResolvedAction | undefined {
  return setSpace(c, tcb, t, 3);
}

// ---- faults ----

/**
 * A step toward a thread running with a fault saved: a thread queued to send its fault (to a
 * handler not waiting) is resumed, keeping it; a thread with a handler faults; one without
 * is given one.
 */
export function makeFaulted(c: Ctx): ResolvedAction | undefined {
  const root = rootTask(c.v);
  const queued = rootSlotsWhere(c.v, (x) => {
    if (x.kind !== 'ThreadCap' || x.tcb === root || x.tcb === c.s.curThread) return false;
    const t = tcbAt(c.s, x.tcb);
    return t !== undefined && t.fault !== null && t.state.kind === 'BlockedOnSend' && canAct(c.s, x.tcb);
  });
  const q = kth(queued, c.a.k);
  if (q !== undefined) return chain(call(c, 'TCBResume', [], [], q, `TCBResume(tcb@${hex(q)}) (its fault stays saved)`));
  if (!c.isRoot && hasFaultHandler(c.s, c.s.curThread)) {
    if (!handlerWaiting(c.s, c.s.curThread)) {
      return mayBlock(c.s) ? fault(c.s, c.v, { t: 'Fault', what: 'UserLevelFault', word: c.a.k, word2: 0, evenRoot: false }) : undefined;
    }
    // Its handler waits (the fault would be received at once): a handler nobody waits on instead.
    const idle = kth(rootSlotsWhere(c.v, (x) => isHandlerCap(x) && endpointAt(c.s, (x as EndpointCap).ptr)?.state.kind !== 'RecvEP'), c.a.k);
    const self = threadSlot(c.v, c.s.curThread);
    if (idle === undefined || self === undefined) return makeObject(c.s, c.v, OBJECT_TYPE_NUMBER.Endpoint, c.a.k);
    const vt = c.cur.caps[1];
    const pd = vt.kind === 'PageDirectoryCap' ? pdSlot(c.v, vt.ptr) ?? 3 : 3;
    return chain(call(c, 'TCBSetSpace', [idle, 0, 0], [2, pd], self, `TCBSetSpace(tcb@${hex(self)}, faultEP=ep@${hex(idle)}, cspace=root, vspace=pd@${hex(pd)})`));
  }
  return giveHandler(c, c.isRoot ? undefined : c.s.curThread);
}

/** Gives `tcb` (or the k-th thread without one) a usable fault handler. */
export function giveHandler(c: Ctx, tcb: number | undefined): ResolvedAction | undefined {
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
  return call(c, 'TCBSetSpace', [h, 0, 0], [2, pd], slot, `TCBSetSpace(tcb@${hex(slot)}, faultEP=ep@${hex(h)}, cspace=root, vspace=pd@${hex(pd)})`);
}

/** Raises a ready thread (not the root task) to `prio` at least, if one is below it; a thread is brought up otherwise. */
export function raiseReady(c: Ctx, prio: number): ResolvedAction | undefined {
  const lo = c.s.curDomain * 256;
  const ready: number[] = [];
  for (const [key, q] of c.s.readyQueues) if (key >= lo && key < lo + 256 && key - lo < prio) ready.push(...q);
  const t = kth(ready.filter((x) => threadSlot(c.v, x) !== undefined && x !== rootTask(c.v)), c.a.k);
  if (t === undefined || prio > 255) return undefined;
  return chain(setPriority(c, t, Math.min(255, Math.max(prio, c.cur.priority))));
}

/** Signals the idle notification bound to a thread that holds a reply cap in its caller slot (it will ReplyRecv). */
export function signalBound(c: Ctx): ResolvedAction | undefined {
  const n = kth(rootSlotsWhere(c.v, (x) => {
    if (x.kind !== 'NotificationCap' || !x.rights.write) return false;
    const o = c.s.kheap.get(x.ptr);
    if (o?.kind !== 'Notification' || o.boundTCB === null || o.state.kind !== 'IdleNtfn') return false;
    const caller = tcbAt(c.s, o.boundTCB)?.caps[3];
    return caller?.kind === 'ReplyCap' && !caller.isMaster;
  }), c.a.k);
  if (n === undefined) return undefined;
  return chain({ ...ipc(c, 'SysSend', n, 'signals a bound notification', { label: 0, mrs: [], caps: [] }), text: `Signal(ntfn@${hex(n)}) (toward the fastpath: boundNtfn)` });
}

/** Binds a notification to the current thread (`self`), or to another thread than the root task. */
export function bind(c: Ctx, self: boolean): ResolvedAction | undefined {
  const root = rootTask(c.v);
  const who = self ? threadSlot(c.v, c.s.curThread) : kth(rootSlotsWhere(c.v, (x) => x.kind === 'ThreadCap' && x.tcb !== root
    && tcbAt(c.s, x.tcb)?.boundNotification === null && canAct(c.s, x.tcb)), c.a.k);
  if (self && c.cur.boundNotification !== null) return undefined;
  return who === undefined ? undefined : (self ? chain(bindTo(c, who)) : bindTo(c, who));
}

/** TCBBindNotification of the thread cap in root slot `self` to a notification nobody is bound to or waits on (made first if none). */
export function bindTo(c: Ctx, self: number): ResolvedAction | undefined {
  const free = kth(rootSlotsWhere(c.v, (x) => {
    if (x.kind !== 'NotificationCap' || !x.rights.read) return false;
    const o = c.s.kheap.get(x.ptr);
    return o?.kind === 'Notification' && o.boundTCB === null && o.state.kind !== 'WaitingNtfn';
  }), c.a.k);
  if (free === undefined) return makeObject(c.s, c.v, OBJECT_TYPE_NUMBER.Notification, c.a.k);
  return call(c, 'TCBBindNotification', [], [free], self, `TCBBindNotification(tcb@${hex(self)}, ntfn@${hex(free)})`);
}

/** Waits on the fault endpoint of a thread that can fault to it (its fault then arrives as a call). */
export function awaitFault(c: Ctx): ResolvedAction | undefined {
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
