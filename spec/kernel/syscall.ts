/**
 * The system calls (l4v `Syscall_A.thy` `handle_invocation`, `handle_recv`,
 * `handle_reply`, `handle_yield`, `handle_event`; manual §2.2 "System Calls").
 *
 * An invocation runs in three phases: look up the invoked cap, the IPC buffer and the extra
 * caps (a lookup failure is a cap fault, reported to the fault handler only if the call
 * blocks); decode the message (an error is replied only to a Call); perform it, which may be
 * preempted, leaving the caller in `Restart` so that the call is retried.
 *
 * @module
 */
import { match } from 'ts-pattern';
import { invocationLabel } from '../../abi/labels.js';
import { mask } from '../../hardware/word.js';
import type { KernelEvent } from '../../hardware/events.js';
import { CAP_REGISTER } from '../../hardware/registers.js';
import type { MessageInfo } from '../../abi/message-info.js';
import type { Fault, LookupFailure, SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT } from '../state/object.js';
import { getCap } from './cspace-access.js';
import { lookupCap, lookupCapAndSlot } from './cspace.js';
import { handleFault, handleVMFault } from './fault.js';
import { maybeHandleInterrupt } from './interrupt.js';
import { decodeInvocation, performInvocation, type ExtraCap } from './invocation.js';
import { getNotification } from './kheap.js';
import { getExtraCPtrs, getMessageInfo, getMRs, lookupIPCBuffer, msgFromSyscallError, replyFromKernel } from './message.js';
import { err, ok, type Result } from './monad.js';
import { KernelPanic } from './panic.js';
import { deleteCallerCap, doReplyTransfer, receiveIPC } from '../object/endpoint.js';
import { receiveSignal } from '../object/notification.js';
import { rescheduleRequired, tcbSchedAction, tcbSchedAppend, tcbSchedDequeue } from './ready-queues.js';
import { getRegister, getThreadState, setThreadState } from './thread.js';

/** What a kernel entry did, as the coverage matrix counts it. */
export interface Outcome {
  /** The invocation label if the entry reached decode, else the syscall or event name. */
  readonly entry: string;
  /** `ok`, an seL4 error name, a fault name, or `Preempted`. */
  readonly result: string;
}

/** The end of handling an event: the state, whether it was preempted, and its outcome. */
export interface EventResult {
  /** The state reached. */
  readonly state: KernelState;
  /** True when a preemption point stopped the operation. */
  readonly preempted: boolean;
  /** What happened. */
  readonly outcome: Outcome;
}

/** The report name of a fault (`CapFault`, `UnknownSyscall`, `UserException`, `VMFault`). */
export function faultName(f: Fault): string {
  return f.kind === 'UnknownSyscallException' ? 'UnknownSyscall' : f.kind;
}

/** The report name of a syscall error (`InvalidArgument`, ...). */
export function errorName(e: SyscallError): string {
  return e.kind;
}

/**
 * Looks up the extra caps whose CPtrs the sender put in its IPC buffer; a failure is a cap
 * fault on that CPtr. @see l4v lookup_extra_caps
 */
export function lookupExtraCaps(s: KernelState, thread: number, buf: number | null, info: MessageInfo): Result<ExtraCap[], Fault> {
  const caps: ExtraCap[] = [];
  for (const cptr of getExtraCPtrs(s, buf, info)) {
    const r = lookupCapAndSlot(s, thread, cptr);
    if (!r.ok) return err({ kind: 'CapFault', address: cptr, inReceivePhase: false, failure: r.error });
    caps.push(r.value);
  }
  return ok(caps);
}

/**
 * Send, NBSend and Call: invokes the cap named by r0 with the message in the caller's
 * registers and IPC buffer. @see l4v handle_invocation
 */
export function handleInvocation(s: KernelState, calling: boolean, blocking: boolean, name: string): EventResult {
  const thread = s.curThread;
  const info = getMessageInfo(s, thread);
  const cptr = getRegister(s, thread, CAP_REGISTER);
  const found = lookupCapAndSlot(s, thread, cptr);
  if (!found.ok) return invocationFault(s, thread, blocking, name, { kind: 'CapFault', address: cptr, inReceivePhase: false, failure: found.error });
  const buf = lookupIPCBuffer(s, false, thread);
  const extra = lookupExtraCaps(s, thread, buf, info);
  if (!extra.ok) return invocationFault(s, thread, blocking, name, extra.error);
  const label = invocationLabel(info.label);
  const args = getMRs(s, thread, buf, info);
  const decoded = decodeInvocation(s, label, args, found.value.slot, found.value.cap, extra.value);
  if (!decoded.ok) {
    const state = calling ? replyFromKernel(s, thread, msgFromSyscallError(decoded.error)) : s;
    return { state, preempted: false, outcome: { entry: label, result: errorName(decoded.error) } };
  }
  const r = performInvocation(setThreadState(s, thread, { kind: 'Restart' }), decoded.value, blocking, calling);
  if (r.preempted) return { state: r.state, preempted: true, outcome: { entry: label, result: 'Preempted' } };
  const done = getThreadState(r.state, thread).kind === 'Restart' ? finishInvocation(r.state, thread, calling, r.reply) : r.state;
  return { state: done, preempted: false, outcome: { entry: label, result: 'ok' } };
}

// A lookup failure of an invocation: a fault, handled only if the call blocks. (A function of
// its own, not a closure: this file runs on every entry.)
function invocationFault(s: KernelState, thread: number, blocking: boolean, name: string, f: Fault): EventResult {
  return { state: blocking ? handleFault(s, thread, f) : s, preempted: false, outcome: { entry: name, result: faultName(f) } };
}

/** A completed invocation: the reply with label 0 (for a Call), and the caller runs on. */
function finishInvocation(s: KernelState, thread: number, calling: boolean, reply: readonly number[]): KernelState {
  const s1 = calling ? replyFromKernel(s, thread, [0, reply]) : s;
  return setThreadState(s1, thread, { kind: 'Running' });
}

/**
 * Recv and NBRecv: receives on the endpoint or notification named by r0 (which must have
 * Read, and a notification must not be bound to another thread); otherwise a cap fault with
 * `MissingCapability 0`. @see l4v handle_recv
 */
export function handleRecv(s: KernelState, blocking: boolean): { readonly state: KernelState; readonly result: string } {
  const thread = s.curThread;
  const cptr = getRegister(s, thread, CAP_REGISTER);
  const found = lookupCap(s, thread, cptr);
  if (!found.ok) return recvCapFault(s, thread, cptr, found.error);
  const cap = found.value;
  // A receive on an endpoint first drops any reply cap the thread still holds.
  if (cap.kind === 'EndpointCap' && cap.rights.read) {
    return { state: receiveIPC(deleteCallerCap(s, thread), thread, cap, blocking), result: 'ok' };
  }
  if (cap.kind === 'NotificationCap' && cap.rights.read) {
    const bound = getNotification(s, cap.ptr).boundTCB;
    if (bound === null || bound === thread) return { state: receiveSignal(s, thread, cap, blocking), result: 'ok' };
  }
  return recvCapFault(s, thread, cptr, { kind: 'MissingCapability', bitsLeft: 0 });
}

// The cap fault of a receive whose cap lookup failed.
function recvCapFault(s: KernelState, thread: number, cptr: number, failure: LookupFailure): { state: KernelState; result: string } {
  return { state: handleFault(s, thread, { kind: 'CapFault', address: cptr, inReceivePhase: true, failure }), result: 'CapFault' };
}

/**
 * Reply: replies through the reply cap in the caller slot; nothing when it is empty.
 * @see l4v handle_reply
 */
export function handleReply(s: KernelState): KernelState {
  const slot = { obj: s.curThread, index: TCB_SLOT.Caller };
  const cap = getCap(s, slot);
  if (cap.kind === 'NullCap') return s;
  if (cap.kind === 'ReplyCap' && !cap.isMaster) return doReplyTransfer(s, s.curThread, cap.tcb, slot, cap.rights.grant);
  throw new KernelPanic(`handle_reply: caller slot holds a ${cap.kind}`);
}

/** Yield: the current thread goes to the back of its ready queue. @see l4v handle_yield */
export function handleYield(s: KernelState): KernelState {
  const t = s.curThread;
  return rescheduleRequired(tcbSchedAction(tcbSchedAction(s, tcbSchedDequeue, t), tcbSchedAppend, t));
}

function finished(state: KernelState, entry: string, result = 'ok'): EventResult {
  return { state, preempted: false, outcome: { entry, result } };
}

/** The fault an exception event raises for the current thread. */
function faultOfEvent(s: KernelState, e: Exclude<KernelEvent, { kind: 'Syscall' } | { kind: 'Interrupt' }>): Fault {
  return match(e)
    .returnType<Fault>()
    .with({ kind: 'UnknownSyscall' }, (e) => ({ kind: 'UnknownSyscallException', number: e.number >>> 0 }))
    .with({ kind: 'UserLevelFault' }, (e) => ({ kind: 'UserException', number: e.address >>> 0, code: (e.code & mask(28)) >>> 0 }))
    .with({ kind: 'VMFault' }, (e) => handleVMFault(s, s.curThread, e.type, e.address, e.fsr))
    .exhaustive();
}

/**
 * Handles one kernel entry: a system call, a fault of the current thread, or an interrupt.
 * (`UserLevelFault`'s `address` is l4v's first word, the exception number; `code` the second.)
 * @see l4v handle_event
 */
export function handleEvent(s: KernelState, e: KernelEvent): EventResult {
  if (e.kind === 'Interrupt') return finished(maybeHandleInterrupt(s, false), 'Interrupt');
  if (e.kind !== 'Syscall') {
    const f = faultOfEvent(s, e);
    const entry = e.kind === 'VMFault' ? 'VMFaultEvent' : e.kind;
    return finished(handleFault(s, s.curThread, f), entry, faultName(f));
  }
  const name = e.syscall;
  // A switch, not ts-pattern: this runs on every kernel entry (hot path).
  switch (e.syscall) {
    case 'SysSend':
      return handleInvocation(s, false, true, name);
    case 'SysNBSend':
      return handleInvocation(s, false, false, name);
    case 'SysCall':
      return handleInvocation(s, true, true, name);
    case 'SysRecv':
    case 'SysNBRecv': {
      const r = handleRecv(s, e.syscall === 'SysRecv');
      return finished(r.state, name, r.result);
    }
    case 'SysYield':
      return finished(handleYield(s), name);
    case 'SysReply':
      return finished(handleReply(s), name);
    case 'SysReplyRecv': {
      const r = handleRecv(handleReply(s), true);
      return finished(r.state, name, r.result);
    }
    default: {
      const _exhaustive: never = e.syscall;
      return _exhaustive;
    }
  }
}
