/**
 * IPC that really meets a partner ({@link RendezvousAction}): choices made from the state, so
 * that the patterns random choices almost never line up happen in most traces. A thread that
 * holds a reply cap to a waiting caller replies; one that sees senders queued serves them; one
 * that sees a receiver waiting calls it; a thread with a fault handler faults on purpose (a cap
 * fault, a prefetch or data abort, ...) while the handler waits or later receives; a server
 * waits on the endpoint another thread's faults or calls go to; threads queue up as senders
 * through caps of different badges, and a badged cap's CancelBadgedSends then picks some of
 * them out; notifications nobody waits on are signalled through caps of different badges (so
 * that their badges are ORed); badged caps are minted for all of this, and threads without a
 * fault handler are given one.
 *
 * @module
 */
import fc from 'fast-check';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { Endpoint, Notification } from '../../spec/state/object.js';
import { RENDEZVOUS_PATTERNS, type FaultAction, type RendezvousAction, type RendezvousPattern } from './action.js';
import { kArb, weighted, word } from './choices.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { hex, invoke, IPC_RECEIVE, messageWrites, yieldInstead, type Message, type ResolvedAction } from './message.js';
import { fault } from './resolve-event.js';
import { makeObject } from './resolve.js';
import { canAct, handlerWaiting, hasFaultHandler, isHandlerCap, mayBlock, othersReady, rootTask, tcbAt } from './threads.js';

/** A rendezvous: the pattern tried first, and the words and choices it may use. */
export const rendezvousAction: fc.Arbitrary<RendezvousAction> = fc.record({
  t: fc.constant('Rendezvous' as const),
  first: weighted<RendezvousPattern>(
    [3, fc.constant('reply')], [3, fc.constant('serve')], [3, fc.constant('call')], [5, fc.constant('fault')], [3, fc.constant('await')],
    [2, fc.constant('queue')], [2, fc.constant('signal')], [2, fc.constant('cancel')], [1, fc.constant('mint')], [1, fc.constant('handler')],
  ),
  k: kArb,
  label: weighted<number>([8, fc.constant(0)], [1, fc.integer({ min: 64, max: 0xfffff })]),
  mrs: fc.array(fc.oneof(word, fc.nat({ max: 64 })), { maxLength: 6 }),
  word,
  word2: word,
});

// A pattern's resolution, or undefined when the state does not allow it; `completing`: only
// if it completes a rendezvous begun (no preparing step instead).
type Step = (s: KernelState, v: CSpaceView, a: RendezvousAction, completing: boolean) => ResolvedAction | undefined;

const STEPS: Record<RendezvousPattern, Step> = {
  reply, serve, call, fault: faultOnPurpose, await: awaitPartner, queue, signal, cancel, mint, handler: (s, v, a) => giveHandler(s, v, a),
};

// Patterns that complete a rendezvous already begun (a caller, a sender or a receiver waits; a
// handler waits for a fault; senders are queued for a cancel; a badge is pending to OR onto):
// most rendezvous take one of these when the state offers it, so that what the others begin
// is seen through.
const COMPLETING: readonly RendezvousPattern[] = ['reply', 'serve', 'call', 'fault', 'cancel', 'signal'];

/**
 * Resolves `a` for the current thread (running, its CSpace the root CNode): for most `k`, the
 * first completing pattern the state allows (from `a.first` on, cyclically), else the first
 * pattern of any kind from `a.first` on; a Yield when none applies.
 */
export function resolveRendezvous(s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction {
  // Every pattern meets on an endpoint or notification: the first rendezvous makes one.
  if (rootSlotsWhere(v, (c) => c.kind === 'EndpointCap').length === 0) return makeObject(s, v, OBJECT_TYPE_NUMBER.Endpoint, a.k);
  // A reply cap saved earlier is replied through first (most often): its caller waits on it.
  if (a.k % 4 !== 0 && savedReplyCaps(s, v).length > 0) return reply(s, v, a)!;
  const start = RENDEZVOUS_PATTERNS.indexOf(a.first);
  const order = RENDEZVOUS_PATTERNS.map((_, i) => RENDEZVOUS_PATTERNS[(start + i) % RENDEZVOUS_PATTERNS.length]!);
  const all = order.map((p) => [p, false] as const);
  const tries = a.k % 4 === 0 ? all : [...order.filter((p) => COMPLETING.includes(p)).map((p) => [p, true] as const), ...all];
  for (const [p, completing] of tries) {
    const r = STEPS[p](s, v, a, completing);
    if (r !== undefined) return r;
  }
  return yieldInstead('no partner to meet');
}

// ---- what the state offers ----

type EndpointCap = Extract<Cap, { kind: 'EndpointCap' }>;
type NotificationCap = Extract<Cap, { kind: 'NotificationCap' }>;

function endpoint(s: KernelState, ptr: number): Endpoint | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Endpoint' ? o : undefined;
}

function notification(s: KernelState, ptr: number): Notification | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Notification' ? o : undefined;
}

// Root slots of endpoint caps satisfying `pred`.
function endpointSlots(v: CSpaceView, pred: (c: EndpointCap) => boolean): number[] {
  return rootSlotsWhere(v, (c) => c.kind === 'EndpointCap' && pred(c));
}

function capAt(v: CSpaceView, cptr: number): Cap {
  return v.root!.slots.get(cptr) ?? { kind: 'NullCap' };
}

/** Root slots of reply caps (saved by SaveCaller) whose caller still waits for the reply. */
export function savedReplyCaps(s: KernelState, v: CSpaceView): number[] {
  return rootSlotsWhere(v, (c) => c.kind === 'ReplyCap' && !c.isMaster && tcbAt(s, c.tcb)?.state.kind === 'BlockedOnReply');
}

/** The thread the current thread's caller slot names, if it waits for that reply. */
export function waitingCaller(s: KernelState): number | undefined {
  const caller = tcbAt(s, s.curThread)?.caps[3];
  if (caller?.kind !== 'ReplyCap' || caller.isMaster) return undefined;
  return tcbAt(s, caller.tcb)?.state.kind === 'BlockedOnReply' ? caller.tcb : undefined;
}

// The badges of the threads queued to send on endpoint `ptr`.
function queuedBadges(s: KernelState, ptr: number): number[] {
  const ep = endpoint(s, ptr);
  if (ep?.state.kind !== 'SendEP') return [];
  return ep.state.queue.map((t) => {
    const st = tcbAt(s, t)?.state;
    return st?.kind === 'BlockedOnSend' ? st.badge : 0;
  });
}

// ---- the patterns ----

function ipc(syscall: 'SysSend' | 'SysNBSend' | 'SysCall' | 'SysRecv' | 'SysReply' | 'SysReplyRecv', cptr: number, m: Message): ResolvedAction {
  const w = messageWrites(syscall, cptr, m);
  return { event: { kind: 'Syscall', syscall }, registers: w.registers, ipcWords: w.ipcWords, pendingIRQ: null, text: '' };
}

// A receive's IPC-buffer words: a received cap goes to an empty root slot.
function receiving(r: ResolvedAction, v: CSpaceView, k: number): ResolvedAction {
  const slot = kthEmpty(v.root!, k);
  return { ...r, ipcWords: [...r.ipcWords, [IPC_RECEIVE[0], 2], [IPC_RECEIVE[1], slot], [IPC_RECEIVE[2], 32]] };
}

function words(a: RendezvousAction): string {
  return `label=${hex(a.label)}, mrs=[${a.mrs.map(hex).join(' ')}]`;
}

/**
 * Reply to a waiting caller: through a reply cap saved in the root CNode (Send, NBSend or
 * Call on it); else, from the thread called, save the reply cap (SaveCaller, half the time:
 * replies through saved caps need one saved first), Reply, or ReplyRecv on an endpoint with
 * senders queued (or any, when blocking leaves others to run).
 */
function reply(s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction | undefined {
  const m = { label: a.label, mrs: a.mrs, caps: [] };
  const saved = kth(savedReplyCaps(s, v), a.k);
  if (saved !== undefined) {
    const syscall = (['SysSend', 'SysCall', 'SysNBSend'] as const)[a.k % 3]!;
    return { ...ipc(syscall, saved, m), text: `${syscall.slice(3)}(reply@${hex(saved)}, ${words(a)}) (a saved reply cap)` };
  }
  const caller = waitingCaller(s);
  if (caller === undefined) return undefined;
  if (a.k % 2 === 1) {
    const dest = kthEmpty(v.root!, a.k);
    return invoke('SysCall', 2, { label: 'CNodeSaveCaller', mrs: [dest, 32], caps: [] }, 0, false, null,
      `CNodeSaveCaller(root, ${hex(dest)}/32) (to reply later, tcb ${hex(caller)} waits)`);
  }
  const senders = endpointSlots(v, (c) => c.rights.read && endpoint(s, c.ptr)?.state.kind === 'SendEP');
  // Once replied to, the caller is ready (unless a non-zero label ends a faulted caller): the
  // current thread may wait for the next request.
  const ends = a.label !== 0 && tcbAt(s, caller)?.fault !== null;
  const readable = ends ? [] : endpointSlots(v, (c) => c.rights.read);
  const ep = a.k % 4 === 2 ? undefined : kth(senders, a.k) ?? kth(readable, a.k);
  if (ep === undefined) return { ...ipc('SysReply', 0, m), text: `Reply(${words(a)}) (to tcb ${hex(caller)})` };
  return { ...receiving(ipc('SysReplyRecv', ep, m), v, a.k), text: `ReplyRecv(ep@${hex(ep)}, ${words(a)}) (to tcb ${hex(caller)})` };
}

/** Receive from an endpoint with senders queued (a faulted thread's fault message, a call, a send). */
function serve(s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction | undefined {
  if (waitingCaller(s) !== undefined) return undefined;
  const ep = kth(endpointSlots(v, (c) => c.rights.read && endpoint(s, c.ptr)?.state.kind === 'SendEP'), a.k);
  if (ep === undefined) return undefined;
  return { ...receiving(ipc('SysRecv', ep, { label: 0, mrs: [], caps: [] }), v, a.k), text: `Recv(ep@${hex(ep)}) (a sender waits)` };
}

/** Call (or Send, for odd k) a thread waiting to receive. */
function call(s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction | undefined {
  const ep = kth(endpointSlots(v, (c) => c.rights.write && endpoint(s, c.ptr)?.state.kind === 'RecvEP'), a.k);
  if (ep === undefined) return undefined;
  const syscall = a.k % 4 === 1 ? 'SysSend' : 'SysCall';
  return { ...receiving(ipc(syscall, ep, { label: a.label, mrs: a.mrs, caps: [] }), v, a.k), text: `${syscall.slice(3)}(ep@${hex(ep)}, ${words(a)}) (a receiver waits)` };
}

// Cap faults and prefetch aborts, whose messages random faults rarely deliver, come most often.
const FAULTS: readonly FaultAction['what'][] = [
  'SysRecv', 'VMFaultInstruction', 'VMFaultData', 'SysCall', 'VMFaultInstruction', 'SysReplyRecv', 'UnknownSyscall', 'SysSend',
  'VMFaultInstruction', 'UserLevelFault', 'SysNBRecv',
];

/**
 * A thread other than the root task, with a fault handler, faults on purpose (`completing`:
 * only while the handler waits); one without a handler is given one first.
 */
function faultOnPurpose(s: KernelState, v: CSpaceView, a: RendezvousAction, completing: boolean): ResolvedAction | undefined {
  if (s.curThread === rootTask(v) || (completing && !handlerWaiting(s, s.curThread))) return undefined;
  if (!hasFaultHandler(s, s.curThread)) return giveHandler(s, v, a, true);
  const what = FAULTS[a.k % FAULTS.length]!;
  const r = fault(s, v, { t: 'Fault', what, word: a.word, word2: a.word2, evenRoot: false });
  return r.event.kind === 'Syscall' && r.event.syscall === 'SysYield' ? undefined : { ...r, text: `${r.text} (to its handler)` };
}

/**
 * Wait on an endpoint while another thread can run: the fault endpoint of a thread that may
 * fault (mostly), or one nobody sends on yet.
 */
function awaitPartner(s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction | undefined {
  if (waitingCaller(s) !== undefined || !othersReady(s)) return undefined;
  const handlerEPs = new Set<number>();
  for (const c of v.root!.slots.values()) {
    if (c.kind !== 'ThreadCap' || c.tcb === s.curThread || !canAct(s, c.tcb) || !hasFaultHandler(s, c.tcb)) continue;
    const h = capAt(v, tcbAt(s, c.tcb)!.faultHandler);
    if (h.kind === 'EndpointCap') handlerEPs.add(h.ptr);
  }
  const idle = (c: EndpointCap): boolean => endpoint(s, c.ptr)?.state.kind !== 'SendEP';
  const handlers = endpointSlots(v, (c) => c.rights.read && idle(c) && handlerEPs.has(c.ptr));
  const any = endpointSlots(v, (c) => c.rights.read && idle(c));
  const ep = (a.k % 3 !== 0 ? kth(handlers, a.k) : undefined) ?? kth(any, a.k);
  if (ep === undefined) return undefined;
  return { ...receiving(ipc('SysRecv', ep, { label: 0, mrs: [], caps: [] }), v, a.k), text: `Recv(ep@${hex(ep)}) (waiting for a partner)` };
}

/**
 * Queue up to send (Call, or Send for odd k) on an endpoint nobody receives on, while another
 * thread can run, through a cap whose badge differs from those already queued.
 */
function queue(s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction | undefined {
  if (waitingCaller(s) !== undefined || !mayBlock(s)) return undefined;
  const open = endpointSlots(v, (c) => c.rights.write && endpoint(s, c.ptr)?.state.kind !== 'RecvEP');
  const fresh = open.filter((i) => {
    const c = capAt(v, i) as EndpointCap;
    const badges = queuedBadges(s, c.ptr);
    return badges.length > 0 && !badges.includes(c.badge);
  });
  const ep = (a.k % 3 !== 0 ? kth(fresh, a.k) : undefined) ?? kth(open, a.k);
  if (ep === undefined) return undefined;
  const syscall = a.k % 2 === 1 ? 'SysSend' : 'SysCall';
  const badge = (capAt(v, ep) as EndpointCap).badge;
  return { ...ipc(syscall, ep, { label: a.label, mrs: a.mrs, caps: [] }), text: `${syscall.slice(3)}(ep@${hex(ep)}, ${words(a)}) (queues, badge ${hex(badge)})` };
}

/**
 * Signal a notification: one a thread waits on (directly, or bound to it while it receives on
 * an endpoint); or one nobody waits on, active, through a cap whose badge lacks some of the bits
 * already pending (so that ORing them shows); else an idle one through a badged cap, else mint
 * a badged notification cap (or make a notification) to do so.
 */
function signal(s: KernelState, v: CSpaceView, a: RendezvousAction, completing: boolean): ResolvedAction | undefined {
  const caps = rootSlotsWhere(v, (c) => c.kind === 'NotificationCap' && c.rights.write);
  const ntfnCap = (i: number): NotificationCap => capAt(v, i) as NotificationCap;
  const pending = (i: number): number | undefined => {
    const st = notification(s, ntfnCap(i).ptr)?.state;
    return st?.kind === 'ActiveNtfn' ? st.badge : undefined;
  };
  const ors = caps.filter((i) => {
    const p = pending(i);
    return p !== undefined && (p & ~ntfnCap(i).badge) !== 0;
  });
  // A thread waits on the notification, or on an endpoint with the notification bound to it.
  const wakes = caps.filter((i) => {
    const n = notification(s, ntfnCap(i).ptr);
    const bound = n?.boundTCB === null || n === undefined ? undefined : tcbAt(s, n.boundTCB);
    return n?.state.kind === 'WaitingNtfn' || (n?.state.kind === 'IdleNtfn' && bound?.state.kind === 'BlockedOnReceive');
  });
  const idle = caps.filter((i) => ntfnCap(i).badge !== 0 && notification(s, ntfnCap(i).ptr)?.state.kind === 'IdleNtfn');
  const n = (a.k % 3 === 0 ? kth(wakes, a.k) : undefined) ?? kth(ors, a.k) ?? kth(wakes, a.k) ?? (completing ? undefined : kth(idle, a.k));
  if (completing && n === undefined) return undefined;
  if (caps.length === 0) return makeObject(s, v, OBJECT_TYPE_NUMBER.Notification, a.k);
  if (n === undefined) return mintOf(v, a, (c) => c.kind === 'NotificationCap');
  const syscall = a.k % 2 === 0 ? 'SysSend' : 'SysCall';
  const onto = pending(n) === undefined ? (wakes.includes(n) ? ', wakes a waiter' : '') : ` onto ${hex(pending(n)!)}`;
  return { ...ipc(syscall, n, { label: a.label, mrs: a.mrs, caps: [] }), text: `Signal(ntfn@${hex(n)}) (badge ${hex(ntfnCap(n).badge)}${onto})` };
}

/**
 * CancelBadgedSends through a badged cap to an endpoint where some queued sender has another
 * badge; else mint such a cap for an endpoint with senders queued (before they are served).
 */
function cancel(s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction | undefined {
  const mixed = endpointSlots(v, (c) => c.badge !== 0 && queuedBadges(s, c.ptr).some((b) => b !== c.badge));
  const ep = kth(mixed, a.k);
  if (ep === undefined) return mintOf(v, a, (c) => c.kind === 'EndpointCap' && queuedBadges(s, c.ptr).length > 0);
  const cap = capAt(v, ep) as EndpointCap;
  return invoke('SysCall', 2, { label: 'CNodeCancelBadgedSends', mrs: [ep, 32], caps: [] }, 0, false, null,
    `CNodeCancelBadgedSends(root, ${hex(ep)}/32) (badge ${hex(cap.badge)}, queued ${queuedBadges(s, cap.ptr).map(hex).join(' ')})`);
}

/** Mint a badged copy of an unbadged endpoint or notification cap. */
function mint(_s: KernelState, v: CSpaceView, a: RendezvousAction): ResolvedAction | undefined {
  return mintOf(v, a, () => true);
}

// Mint a badged copy of the k-th unbadged endpoint or notification cap satisfying `pred`.
function mintOf(v: CSpaceView, a: RendezvousAction, pred: (c: EndpointCap | NotificationCap) => boolean): ResolvedAction | undefined {
  const src = kth(rootSlotsWhere(v, (c) => (c.kind === 'EndpointCap' || c.kind === 'NotificationCap') && c.badge === 0 && pred(c)), a.k);
  if (src === undefined) return undefined;
  // Badges of one bit mostly: ORed ones then differ from each.
  const badge = (a.word2 % 3 === 0 ? a.word & 0xfffffff : 2 ** (a.word % 28)) || 1;
  const dest = kthEmpty(v.root!, a.k);
  return invoke('SysCall', 2, { label: 'CNodeMint', mrs: [dest, 32, src, 32, 0xf, badge], caps: [2] }, 0, false, null,
    `CNodeMint(root, dest=${hex(dest)}/32, src=${hex(src)}/32, rights=RWG+GR, badge=${hex(badge)}) (a badged cap)`);
}

/**
 * Give a thread without a usable fault handler one (TCBSetSpace keeping the root CNode and
 * page directory): another thread, or (`self`) the current one if it is not the root task.
 */
function giveHandler(s: KernelState, v: CSpaceView, a: RendezvousAction, self = false): ResolvedAction | undefined {
  const root = rootTask(v);
  const handlers = rootSlotsWhere(v, isHandlerCap);
  const needs = (t: number): boolean => t !== root && canAct(s, t) && !hasFaultHandler(s, t) && (t === s.curThread) === self;
  const t = kth(rootSlotsWhere(v, (c) => c.kind === 'ThreadCap' && needs(c.tcb)), a.k);
  const h = kth(handlers, a.word);
  if (t === undefined || h === undefined) return undefined;
  return invoke('SysCall', t, { label: 'TCBSetSpace', mrs: [h, 0, 0], caps: [2, 3] }, 0, false, null,
    `TCBSetSpace(tcb@${hex(t)}, faultEP=ep@${hex(h)}, cspaceData=0x0, vspaceData=0x0, cspace=root, vspace=pd@0x3) (a fault handler)`);
}
