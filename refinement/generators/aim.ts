/**
 * Actions aimed at one coverage cell ({@link AimAction}): an IPC system call through a
 * notification or a saved reply cap, a cap fault or a fault event that ends delivered to a
 * handler or in a double fault, a non-blocking send that fails its lookup. Random choices
 * meet these only when several conditions line up (a non-root thread running, with or without
 * a usable fault handler; a reply cap saved while its caller still waits; a notification the
 * thread may wait on), so each draw picks its cell uniformly and either makes that entry or,
 * when the state does not allow it yet, takes the next step toward it: another thread run, a
 * handler given or taken away, a caller's reply cap saved, a notification made or signalled.
 * Every step is an ordinary kernel entry whose outcome the spec computes.
 *
 * @module
 */
import fc from 'fast-check';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { FaultAction } from './action.js';
import { kArb, word } from './choices.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { hex, invoke, messageWrites, type ResolvedAction } from './message.js';
import { savedReplyCaps, resolveRendezvous, waitingCaller } from './rendezvous.js';
import { fault } from './resolve-event.js';
import { makeObject } from './resolve.js';
import { resolveSwitch } from './switch.js';
import { hasFaultHandler, isHandlerCap, mayBlock, rootTask } from './threads.js';

/** The cells an {@link AimAction} aims at: `entry:outcome`, as the coverage matrix names them. */
export const AIM_CELLS = [
  'SysCall:Reply', 'SysSend:Reply', 'SysNBSend:Reply',
  'SysCall:Notification', 'SysSend:Notification', 'SysNBSend:Notification',
  'SysRecv:Notification', 'SysNBRecv:Notification', 'SysReplyRecv:Notification',
  'SysNBSend:LookupFailed',
  'SysCall:CapFaultDelivered', 'SysSend:CapFaultDelivered', 'SysRecv:CapFaultDelivered', 'SysNBRecv:CapFaultDelivered', 'SysReplyRecv:CapFaultDelivered',
  'SysCall:CapFaultDoubleFault', 'SysSend:CapFaultDoubleFault', 'SysRecv:CapFaultDoubleFault', 'SysNBRecv:CapFaultDoubleFault', 'SysReplyRecv:CapFaultDoubleFault',
  'UnknownSyscall:FaultDelivered', 'UserLevelFault:FaultDelivered', 'VMFaultEvent:FaultDelivered',
  'UnknownSyscall:DoubleFault', 'UserLevelFault:DoubleFault', 'VMFaultEvent:DoubleFault',
] as const;

/** One of {@link AIM_CELLS}. */
export type AimCell = (typeof AIM_CELLS)[number];

/** An action aimed at one coverage cell (see the module comment). */
export interface AimAction {
  /** Discriminant. */
  readonly t: 'Aim';
  /** The cell aimed at. */
  readonly cell: AimCell;
  /** The k of the cap, slot or thread chosen. */
  readonly k: number;
  /** A fault's address or number, a CPtr that does not resolve; also the message words. */
  readonly word: number;
  /** A fault's second word (code, FSR). */
  readonly word2: number;
}

/** An aimed action, its cell drawn uniformly. */
export const aimAction: fc.Arbitrary<AimAction> = fc.record({
  t: fc.constant('Aim' as const),
  cell: fc.constantFrom(...AIM_CELLS),
  k: kArb,
  word,
  word2: word,
});

/** Resolves `a` for the current thread (running, its CSpace the root CNode). */
export function resolveAim(s: KernelState, v: CSpaceView, a: AimAction): ResolvedAction {
  const [entry, outcome] = a.cell.split(':') as [string, string];
  const r = aimed(s, v, a, entry, outcome);
  return { ...r, text: `${r.text} (aiming at ${entry}: ${outcome})` };
}

function aimed(s: KernelState, v: CSpaceView, a: AimAction, entry: string, outcome: string): ResolvedAction {
  switch (outcome) {
    case 'Reply':
      return throughSavedReply(s, v, a, entry as 'SysCall' | 'SysSend' | 'SysNBSend');
    case 'Notification':
      return entry === 'SysCall' || entry === 'SysSend' || entry === 'SysNBSend' ? signal(s, v, a, entry) : wait(s, v, a, entry as 'SysRecv' | 'SysNBRecv' | 'SysReplyRecv');
    case 'LookupFailed':
      return fault(s, v, faultOf(a, 'SysNBSend', true));
    default:
      return faultWith(s, v, a, entry, outcome === 'FaultDelivered' || outcome === 'CapFaultDelivered');
  }
}

function faultOf(a: AimAction, what: FaultAction['what'], evenRoot = false): FaultAction {
  return { t: 'Fault', what, word: a.word, word2: a.word2, evenRoot };
}

function ipc(syscall: 'SysCall' | 'SysSend' | 'SysNBSend' | 'SysRecv' | 'SysNBRecv' | 'SysReplyRecv', cptr: number, a: AimAction, text: string): ResolvedAction {
  const w = messageWrites(syscall, cptr, { label: 0, mrs: [a.word].slice(0, a.k % 2), caps: [] });
  return { event: { kind: 'Syscall', syscall }, ...w, pendingIRQ: null, text };
}

/**
 * Send, NBSend or Call through a reply cap saved while its caller waits; else save the
 * waiting caller's reply cap; else let a call happen (a rendezvous that calls, serves or waits).
 */
function throughSavedReply(s: KernelState, v: CSpaceView, a: AimAction, syscall: 'SysCall' | 'SysSend' | 'SysNBSend'): ResolvedAction {
  const saved = kth(savedReplyCaps(s, v), a.k);
  if (saved !== undefined) return ipc(syscall, saved, a, `${syscall.slice(3)}(reply@${hex(saved)})`);
  if (waitingCaller(s) !== undefined) {
    const dest = kthEmpty(v.root!, a.k);
    return invoke('SysCall', 2, { label: 'CNodeSaveCaller', mrs: [dest, 32], caps: [] }, 0, false, null, `CNodeSaveCaller(root, ${hex(dest)}/32)`);
  }
  return resolveRendezvous(s, v, { t: 'Rendezvous', first: 'call', k: a.k, label: 0, mrs: [], word: a.word, word2: a.word2 });
}

type NotificationCap = Extract<Cap, { kind: 'NotificationCap' }>;

function notificationCaps(v: CSpaceView, pred: (c: NotificationCap) => boolean): number[] {
  return rootSlotsWhere(v, (c) => c.kind === 'NotificationCap' && pred(c));
}

/** Signal (by Send, NBSend or Call) through a notification cap with Write; make one first. */
function signal(s: KernelState, v: CSpaceView, a: AimAction, syscall: 'SysCall' | 'SysSend' | 'SysNBSend'): ResolvedAction {
  const n = kth(notificationCaps(v, (c) => c.rights.write), a.k);
  if (n === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.Notification, a.k);
  return ipc(syscall, n, a, `${syscall.slice(3)}(ntfn@${hex(n)})`);
}

/**
 * Wait (Recv, ReplyRecv) or Poll (NBRecv) on a notification cap with Read whose notification
 * is bound to no other thread (seL4 refuses that with a cap fault); a Wait that would block
 * with nothing left to wake the thread signals the notification first.
 */
function wait(s: KernelState, v: CSpaceView, a: AimAction, syscall: 'SysRecv' | 'SysNBRecv' | 'SysReplyRecv'): ResolvedAction {
  const ntfn = (c: NotificationCap): { bound: number | null; active: boolean } | undefined => {
    const o = s.kheap.get(c.ptr);
    return o?.kind === 'Notification' ? { bound: o.boundTCB, active: o.state.kind === 'ActiveNtfn' } : undefined;
  };
  const n = kth(notificationCaps(v, (c) => c.rights.read && [null, s.curThread].includes(ntfn(c)?.bound ?? null)), a.k);
  if (n === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.Notification, a.k);
  const cap = v.root!.slots.get(n) as NotificationCap;
  if (syscall !== 'SysNBRecv' && !ntfn(cap)!.active && !mayBlock(s, cap.ptr)) {
    const writer = kth(notificationCaps(v, (c) => c.rights.write && c.ptr === cap.ptr), a.k);
    if (writer !== undefined) return ipc('SysSend', writer, a, `Send(ntfn@${hex(writer)}) (to wait on it without blocking for good)`);
  }
  return ipc(syscall, n, a, `${syscall.slice(3).replace('NBRecv', 'Poll')}(ntfn@${hex(n)})`);
}

/**
 * A fault (`entry`: a cap fault's system call, or a fault event) of a thread other than the
 * root task, with a usable fault handler when `delivered`, else without: the root task lets
 * another thread run first; a thread lacking (or having) a handler is given one (or has it
 * taken away, fault endpoint CPtr 0) first.
 */
function faultWith(s: KernelState, v: CSpaceView, a: AimAction, entry: string, delivered: boolean): ResolvedAction {
  if (s.curThread === rootTask(v)) return resolveSwitch(s, v, { t: 'Switch', from: 2, k: a.k });
  const self = kth(rootSlotsWhere(v, (c) => c.kind === 'ThreadCap' && c.tcb === s.curThread), 0);
  if (self !== undefined && hasFaultHandler(s, s.curThread) !== delivered) {
    const handler = delivered ? kth(rootSlotsWhere(v, isHandlerCap), a.k) : 0;
    if (handler === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.Endpoint, a.k);
    return invoke('SysCall', self, { label: 'TCBSetSpace', mrs: [handler, 0, 0], caps: [2, 3] }, 0, false, null,
      `TCBSetSpace(tcb@${hex(self)}, faultEP=${hex(handler)}, cspaceData=0x0, vspaceData=0x0, cspace=root, vspace=pd@0x3)`);
  }
  const what: FaultAction['what'] = entry === 'VMFaultEvent' ? (a.word2 & 1 ? 'VMFaultData' : 'VMFaultInstruction') : (entry as FaultAction['what']);
  return fault(s, v, faultOf(a, what));
}
