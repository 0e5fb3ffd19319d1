/**
 * Resolves an {@link ObjectAction} (a TCB, IRQ, SGI-signal or domain invocation) into the
 * words libsel4 would send, and prints it with the argument names of the libsel4 stub:
 * `TCBConfigure(tcb@0x41, faultEP=ep@0x40, cspaceData=0x0, vspaceData=0x0, buffer=0x18000,
 * cspace=root, vspace=pd@0x3, bufferFrame=frame@0xa)`.
 *
 * @module
 */
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { ObjectAction, ObjectLabel } from './action.js';
import { capName, chooseCap } from './cap-choice.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { USER_LINES } from './irq.js';
import { hex, invoke, type ResolvedAction } from './message.js';
import { makeObject } from './resolve.js';
import { issuedLines, signalsNotification, tcbAt } from './threads.js';

/** Names of the message words and extra caps of each label, in libsel4's order. */
const ARGS: Record<ObjectLabel, readonly [readonly string[], readonly string[]]> = {
  TCBReadRegisters: [['suspend', 'count'], []],
  TCBWriteRegisters: [['resume', 'count'], []],
  TCBCopyRegisters: [['flags'], ['source']],
  TCBConfigure: [['faultEP', 'cspaceData', 'vspaceData', 'buffer'], ['cspace', 'vspace', 'bufferFrame']],
  TCBSetPriority: [['prio'], ['authority']],
  TCBSetMCPriority: [['mcp'], ['authority']],
  TCBSetSchedParams: [['mcp', 'prio'], ['authority']],
  TCBSetIPCBuffer: [['buffer'], ['bufferFrame']],
  TCBSetSpace: [['faultEP', 'cspaceData', 'vspaceData'], ['cspace', 'vspace']],
  TCBSuspend: [[], []],
  TCBResume: [[], []],
  TCBBindNotification: [[], ['ntfn']],
  TCBUnbindNotification: [[], []],
  TCBSetTLSBase: [['tls'], []],
  TCBSetFlags: [['clear', 'set'], []],
  IRQIssueIRQHandler: [['irq', 'index', 'depth'], ['root']],
  ARMIRQIssueIRQHandlerTrigger: [['irq', 'trigger', 'index', 'depth'], ['root']],
  ARMIRQIssueSGISignal: [['irq', 'target', 'index', 'depth'], ['root']],
  IRQAckIRQ: [[], []],
  IRQSetIRQHandler: [[], ['ntfn']],
  IRQClearIRQHandler: [[], []],
  DomainSetSet: [['domain'], ['tcb']],
  DomainScheduleConfigure: [['index', 'domain', 'durationLo', 'durationHi'], []],
  DomainScheduleSetStart: [['index'], []],
};

// Choices of a thread: when there is none, the action makes one instead.
const THREAD_CHOICES = new Set<string>(['child-tcb', 'inactive-tcb', 'other-tcb']);
// Choices of an IRQ handler: when there is none, the action asks for one instead.
const HANDLER_CHOICES = new Set<string>(['irq-handler', 'signal-handler']);

// IRQControl_Get for one of the board's user lines, into an empty root slot: what an IRQ
// handler action resolves to while there is no handler cap.
function issueHandler(s: KernelState, v: CSpaceView, k: number): ResolvedAction {
  const r = resolveObjectAction(s, v, {
    t: 'Object', syscall: 'SysCall', label: 'IRQIssueIRQHandler', cap: { how: 'irq-control', k: 0 },
    mrs: [USER_LINES[k % USER_LINES.length]!, { how: 'empty', k }, 32], caps: [{ how: 'root-cnode', k: 0 }], shortBy: 0, noExtraCaps: false, pendingIRQ: null,
  });
  return { ...r, text: `${r.text} (none to act on yet)` };
}

/**
 * Resolves `a` against `s` for the current thread, whose CSpace is `v` (when the thread it
 * would act on does not exist yet, a Retype that makes one)., whose CSpace is `v`. */
export function resolveObjectAction(s: KernelState, v: CSpaceView, a: ObjectAction): ResolvedAction {
  let invoked = chooseCap(s, v, a.cap);
  if (invoked.cap.kind === 'NullCap' && THREAD_CHOICES.has(a.cap.how)) return makeObject(s, v, OBJECT_TYPE_NUMBER.TCB, a.cap.k);
  if (a.cap.how === 'bound-tcb' && !isBound(s, invoked.cap)) return bindFirst(s, v, a.cap.k);
  if (a.cap.how === 'sgi' && invoked.cap.kind !== 'SGISignalCap') return issueSGI(s, v, a.cap.k);
  if (invoked.cap.kind !== 'IRQHandlerCap' && HANDLER_CHOICES.has(a.cap.how)) return issueHandler(s, v, a.cap.k);
  if (isIPCCap(invoked.cap) || (invoked.cap.kind === 'SGISignalCap' && a.cap.how !== 'sgi')) {
    // A fallback landed on a cap that would take the message as IPC or an SGI: an empty
    // slot instead.
    const cptr = kthEmpty(v.root!, a.cap.k);
    invoked = { cptr, cap: { kind: 'NullCap' }, name: capName({ kind: 'NullCap' }, cptr) };
  }
  const words = a.mrs.map((w) => (typeof w === 'number' ? { word: w >>> 0, text: hex(w) } : named(chooseCap(s, v, w))));
  const caps = a.caps.map((c) => chooseCap(s, v, c));
  const [mrNames, capNames] = ARGS[a.label];
  const args = words.map((w, i) => (i < mrNames.length ? `${mrNames[i]}=${w.text}` : undefined)).filter((x) => x !== undefined);
  if (words.length > mrNames.length) args.push(`+${words.length - mrNames.length} regs`);
  caps.forEach((c, i) => args.push(`${capNames[i] ?? `cap${i}`}=${c.name}`));
  const label = invoked.cap.kind === 'SGISignalCap' ? 'SGISignal' : a.label;
  const text = `${label}(${[invoked.name, ...args].join(', ')})`;
  const m = { label: a.label, mrs: words.map((w) => w.word), caps: caps.map((c) => c.cptr) };
  return invoke(a.syscall, invoked.cptr, m, a.shortBy, a.noExtraCaps, a.pendingIRQ, text);
}

// IRQControl_IssueSGISignal of SGI k % 16 for core 0 into an empty root slot: what an SGI
// signal action resolves to while there is no SGI signal cap.
function issueSGI(s: KernelState, v: CSpaceView, k: number): ResolvedAction {
  const r = resolveObjectAction(s, v, {
    t: 'Object', syscall: 'SysCall', label: 'ARMIRQIssueSGISignal', cap: { how: 'irq-control', k: 0 },
    mrs: [k % 16, 0, { how: 'empty', k }, 32], caps: [{ how: 'root-cnode', k: 0 }], shortBy: 0, noExtraCaps: false, pendingIRQ: null,
  });
  return { ...r, text: `${r.text} (none to act on yet)` };
}

/**
 * IRQHandler_SetNotification of the k-th handler cap (issued first if there is none) with a
 * notification cap (made first if there is none): what an interrupt on a user line resolves
 * to while no line would signal a notification.
 */
export function setHandlerFirst(s: KernelState, v: CSpaceView, k: number): ResolvedAction {
  const ntfn = chooseCap(s, v, { how: 'notification', k });
  if (ntfn.cap.kind !== 'NotificationCap') return makeObject(s, v, OBJECT_TYPE_NUMBER.Notification, k);
  const r = resolveObjectAction(s, v, {
    t: 'Object', syscall: 'SysCall', label: 'IRQSetIRQHandler', cap: { how: 'irq-handler', k }, mrs: [], caps: [{ how: 'notification', k }],
    shortBy: 0, noExtraCaps: false, pendingIRQ: null,
  });
  return { ...r, text: `${r.text} (no line signals yet)` };
}

/**
 * IRQHandler_Ack of a line that would signal its notification but is masked (an interrupt on
 * it was delivered and not acknowledged yet), through a handler cap in the root CNode: what an
 * interrupt on a user line resolves to while no line would signal; undefined if there is none.
 */
export function ackFirst(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  const masked = issuedLines(s).filter((irq) => s.machine.irqMasks[irq] === true && signalsNotification(s, irq));
  const handlers = rootSlotsWhere(v, (c) => c.kind === 'IRQHandlerCap' && masked.includes(c.irq));
  const cptr = kth(handlers, k);
  if (cptr === undefined) return undefined;
  return invoke('SysCall', cptr, { label: 'IRQAckIRQ', mrs: [], caps: [] }, 0, false, null, `IRQAckIRQ(irq@${hex(cptr)}) (its line is masked)`);
}

function isBound(s: KernelState, c: Cap): boolean {
  return c.kind === 'ThreadCap' && (tcbAt(s, c.tcb)?.boundNotification ?? null) !== null;
}

// BindNotification of a thread (none is bound) to a notification that may be bound (made
// first if there is none): what an action on a bound thread resolves to while there is none.
function bindFirst(s: KernelState, v: CSpaceView, k: number): ResolvedAction {
  const ntfn = chooseCap(s, v, { how: 'bindable', k });
  const o = ntfn.cap.kind === 'NotificationCap' && ntfn.cap.rights.read ? s.kheap.get(ntfn.cap.ptr) : undefined;
  if (o?.kind !== 'Notification' || o.boundTCB !== null || o.state.kind === 'WaitingNtfn') return makeObject(s, v, OBJECT_TYPE_NUMBER.Notification, k);
  const r = resolveObjectAction(s, v, {
    t: 'Object', syscall: 'SysCall', label: 'TCBBindNotification', cap: { how: 'child-tcb', k }, mrs: [], caps: [{ how: 'bindable', k }],
    shortBy: 0, noExtraCaps: false, pendingIRQ: null,
  });
  return { ...r, text: `${r.text} (none to act on yet)` };
}

function isIPCCap(c: Cap): boolean {
  return c.kind === 'EndpointCap' || c.kind === 'NotificationCap' || c.kind === 'ReplyCap';
}

function named(c: { cptr: number; name: string }): { word: number; text: string } {
  return { word: c.cptr, text: c.name };
}
