/**
 * Resolves an {@link IPCAction} against the current state: the cap it goes through, what the
 * kernel will do with it (a send, a receive, a signal, a wait, a reply, a cap fault), and
 * whether it would leave nothing able to run: a call that
 * would block with no other thread ready and no interrupt able to signal becomes its
 * non-blocking form (unless the action insists), and one that would end the root task by a
 * cap fault becomes a Yield, so that traces keep going.
 *
 * @module
 */
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { CapChoice, IPCAction } from './action.js';
import { capName, chooseCap, type ChosenCap } from './cap-choice.js';
import { kthEmpty, type CSpaceView } from './cspace.js';
import { hex, IPC_RECEIVE, messageWrites, type ResolvedAction, yieldInstead } from './message.js';
import { makeObject } from './resolve.js';
import { hasFaultHandler, mayBlock, rootTask, tcbAt } from './threads.js';

/** What the kernel does with an IPC system call through a cap, as far as the generators must know. */
interface Effect {
  /** Whether the current thread stops running (blocks, waits for a reply, or faults). */
  readonly blocks: boolean;
  /** Whether it is a cap fault that no handler receives (the thread ends Inactive). */
  readonly doubleFault: boolean;
  /** The notification the thread would wait on (directly, or bound to it while it waits on an endpoint), or null. */
  readonly waitsOn?: number | null;
}

const IPC_CAP_KINDS: readonly Cap['kind'][] = ['EndpointCap', 'NotificationCap', 'ReplyCap', 'NullCap'];

/** Resolves `a` against `s` for the current thread, whose CSpace is `v`. */
export function resolveIPCAction(s: KernelState, v: CSpaceView, a: IPCAction): ResolvedAction {
  let c = chooseCap(s, v, a.cap.how === 'invoked' ? { how: 'any', k: a.cap.k } : a.cap);
  const wanted = MAKES[a.cap.how];
  if (wanted !== undefined && !IPC_CAP_KINDS.includes(c.cap.kind) && a.syscall !== 'SysReply') return makeObject(s, v, wanted, a.cap.k);
  // IPC goes through IPC caps only (another cap would decode the label as an invocation).
  if (a.cap.how !== 'raw' && !IPC_CAP_KINDS.includes(c.cap.kind)) c = emptySlot(v, a.cap.k);
  let syscall = a.syscall;
  let effect = effectOf(s, syscall, c);
  if (effect.blocks && !a.evenIfStuck && !mayBlock(s, effect.waitsOn ?? null) && !repliesToWaiter(s)) {
    const nonBlocking = NON_BLOCKING[syscall];
    if (nonBlocking !== undefined && !effect.doubleFault) {
      syscall = nonBlocking;
      effect = effectOf(s, syscall, c);
    }
  }
  if (effect.doubleFault && s.curThread === rootTask(v)) return yieldInstead(`${syscall} would end the root task`);
  const caps = a.caps.map((x) => (x.how === 'invoked' ? c : chooseCap(s, v, x)));
  const writes = messageWrites(syscall, c.cptr, { label: a.label, mrs: a.mrs, caps: caps.map((x) => x.cptr) });
  const slot = a.receiveSlot === null ? undefined : chooseCap(s, v, a.receiveSlot);
  const receive: [number, number][] = slot === undefined
    ? [[IPC_RECEIVE[0], 0], [IPC_RECEIVE[1], 0], [IPC_RECEIVE[2], 0]]
    : [[IPC_RECEIVE[0], 2], [IPC_RECEIVE[1], slot.cptr], [IPC_RECEIVE[2], 32]];
  return {
    event: { kind: 'Syscall', syscall }, registers: writes.registers, ipcWords: [...writes.ipcWords, ...receive], pendingIRQ: null,
    text: describe(syscall, a, c, caps, slot, syscall !== a.syscall),
  };
}

// Choices of an endpoint or notification: when there is none, the action makes one instead.
const MAKES: Partial<Record<CapChoice['how'], number>> = {
  endpoint: OBJECT_TYPE_NUMBER.Endpoint, 'send-partner': OBJECT_TYPE_NUMBER.Endpoint, 'recv-partner': OBJECT_TYPE_NUMBER.Endpoint,
  notification: OBJECT_TYPE_NUMBER.Notification,
};

const NON_BLOCKING: Partial<Record<IPCAction['syscall'], IPCAction['syscall']>> = {
  SysSend: 'SysNBSend', SysCall: 'SysNBSend', SysRecv: 'SysNBRecv', SysReplyRecv: 'SysNBRecv',
};

function emptySlot(v: CSpaceView, k: number): ChosenCap {
  const cptr = kthEmpty(v.root!, k);
  return { cptr, cap: { kind: 'NullCap' }, name: capName({ kind: 'NullCap' }, cptr) };
}

// Whether the current thread's caller slot holds a reply cap to a thread waiting for it (a
// Reply or ReplyRecv wakes that thread).
function repliesToWaiter(s: KernelState): boolean {
  const caller = tcbAt(s, s.curThread)?.caps[3];
  return caller?.kind === 'ReplyCap' && !caller.isMaster && tcbAt(s, caller.tcb)?.state.kind === 'BlockedOnReply';
}

function effectOf(s: KernelState, syscall: IPCAction['syscall'], c: ChosenCap): Effect {
  switch (syscall) {
    case 'SysSend':
    case 'SysNBSend':
    case 'SysCall':
      return sendEffect(s, syscall, c);
    case 'SysRecv':
    case 'SysNBRecv':
      return recvEffect(s, syscall === 'SysRecv', c);
    case 'SysReply':
      return { blocks: false, doubleFault: false };
    case 'SysReplyRecv':
      return recvEffect(s, true, c);
  }
}

function capFault(s: KernelState, blocking: boolean): Effect {
  if (!blocking) return { blocks: false, doubleFault: false };
  return { blocks: true, doubleFault: !hasFaultHandler(s, s.curThread) };
}

function sendEffect(s: KernelState, syscall: 'SysSend' | 'SysNBSend' | 'SysCall', c: ChosenCap): Effect {
  const blocking = syscall !== 'SysNBSend';
  if (!lookupOK(c)) return capFault(s, blocking);
  const cap = c.cap;
  // A send blocks only on an endpoint it may write to with no receiver waiting; a signal, a
  // reply and an invocation of another cap return at once.
  const blocks = blocking && cap.kind === 'EndpointCap' && cap.rights.write && endpointKind(s, cap.ptr) !== 'RecvEP';
  return { blocks, doubleFault: false };
}

function recvEffect(s: KernelState, blocking: boolean, c: ChosenCap): Effect {
  if (!lookupOK(c)) return capFault(s, true);
  const cap = c.cap;
  const cur = s.curThread;
  if (cap.kind === 'EndpointCap' && cap.rights.read) {
    const bound = tcbAt(s, cur)?.boundNotification ?? null;
    const signalled = bound !== null && notificationKind(s, bound) === 'ActiveNtfn';
    return { blocks: blocking && endpointKind(s, cap.ptr) !== 'SendEP' && !signalled, doubleFault: false, waitsOn: bound };
  }
  if (cap.kind === 'NotificationCap' && cap.rights.read) {
    const n = s.kheap.get(cap.ptr);
    const boundElsewhere = n?.kind === 'Notification' && n.boundTCB !== null && n.boundTCB !== cur;
    if (!boundElsewhere) return { blocks: blocking && notificationKind(s, cap.ptr) !== 'ActiveNtfn', doubleFault: false, waitsOn: cap.ptr };
  }
  return capFault(s, true);
}

// A chosen cap's lookup succeeds unless it is a raw CPtr beyond the root CNode's 4096 slots.
function lookupOK(c: ChosenCap): boolean {
  return c.cptr < 4096;
}

function endpointKind(s: KernelState, ptr: number): string | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Endpoint' ? o.state.kind : undefined;
}

function notificationKind(s: KernelState, ptr: number): string | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Notification' ? o.state.kind : undefined;
}

const VERB: Record<IPCAction['syscall'], readonly [string, string]> = {
  SysSend: ['Send', 'Signal'], SysNBSend: ['NBSend', 'Signal'], SysCall: ['Call', 'Signal'], SysRecv: ['Recv', 'Wait'],
  SysNBRecv: ['NBRecv', 'Poll'], SysReply: ['Reply', 'Reply'], SysReplyRecv: ['ReplyRecv', 'ReplyWait'],
};

function describe(syscall: IPCAction['syscall'], a: IPCAction, c: ChosenCap, caps: readonly ChosenCap[], slot: ChosenCap | undefined, downgraded: boolean): string {
  const [ep, ntfn] = VERB[syscall];
  const verb = c.cap.kind === 'NotificationCap' ? (syscall === 'SysNBSend' ? 'NBSignal' : ntfn) : ep;
  const parts = syscall === 'SysReply' ? [] : [c.name];
  parts.push(`label=${hex(a.label)}`, `mrs=[${a.mrs.map(hex).join(' ')}]`);
  if (caps.length > 0) parts.push(`caps=[${caps.map((x) => x.name).join(' ')}]`);
  if (slot !== undefined && syscall !== 'SysSend' && syscall !== 'SysNBSend') parts.push(`recvSlot=${hex(slot.cptr)}`);
  const notes = downgraded ? ` [${VERB[a.syscall][0]} would block with nothing to wake it]` : a.evenIfStuck ? ' [even if stuck]' : '';
  return `${verb}(${parts.join(', ')})${notes}`;
}
