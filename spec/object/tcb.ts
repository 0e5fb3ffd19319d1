/**
 * Thread control blocks and their invocations (manual §6.1 "Threads" and §10.3 "TCB";
 * l4v `Decode_A.thy` `decode_tcb_invocation`, `Tcb_A.thy` `invoke_tcb`, Haskell
 * `Object/TCB.lhs`).
 *
 * A thread cap lets its holder suspend and resume the thread, read, write and copy its
 * registers, configure its priorities, CSpace, VSpace, fault endpoint and IPC buffer, bind a
 * notification to it, and set its TLS base and flags. Each label's decoder checks the
 * message in seL4's order and names the first problem as the error the caller gets back.
 * The register invocations live in `tcb/registers.ts`, the configuration ones
 * (`ThreadControl`) in `tcb/thread-control.ts`, restarting in `tcb/restart.ts`.
 *
 * @module
 */
import { match } from 'ts-pattern';
import type { InvocationLabel } from '../../abi/labels.js';
import { TLS_BASE_REGISTER } from '../../hardware/registers.js';
import type { CapOf } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { unbindNotification, suspend } from '../kernel/ipc-cancel.js';
import { getNotification, getTCB, updateTCB } from '../kernel/kheap.js';
import { err, ok, type PreemptibleValue, completedWith, type Result } from '../kernel/monad.js';
import { rescheduleRequired } from '../kernel/ready-queues.js';
import { setRegister } from '../kernel/thread.js';
import { bindNotification } from './notification.js';
import { decodeCopyRegisters, decodeReadRegisters, decodeWriteRegisters, invokeRegisters, type RegistersInvocation } from './tcb/registers.js';
import { restart } from './tcb/restart.js';
import {
  decodeSetIPCBuffer, decodeSetMCPriority, decodeSetPriority, decodeSetSchedParams, decodeSetSpace, decodeTCBConfigure,
  invokeThreadControl, type CapAndSlot, type ThreadControl,
} from './tcb/thread-control.js';

export { restart, setupReplyMaster } from './tcb/restart.js';
export { setMCPriority, setPriority, checkPrio, checkValidIPCBuffer, isValidVTableRoot, type CapAndSlot, type ThreadControl } from './tcb/thread-control.js';
export { sanitiseRegister, type RegistersInvocation } from './tcb/registers.js';

/** A decoded TCB invocation (l4v `tcb_invocation`). */
export type TCBInvocation =
  | RegistersInvocation
  | ThreadControl
  | { readonly kind: 'Suspend'; readonly thread: number }
  | { readonly kind: 'Resume'; readonly thread: number }
  | { readonly kind: 'NotificationControl'; readonly tcb: number; readonly ntfn: number | null }
  | { readonly kind: 'SetTLSBase'; readonly tcb: number; readonly tlsBase: number }
  | { readonly kind: 'SetFlags'; readonly tcb: number; readonly clear: number; readonly set: number };

/** The labels a thread cap answers to, in seL4's numbering order. */
export const TCB_LABELS = [
  'TCBReadRegisters', 'TCBWriteRegisters', 'TCBCopyRegisters', 'TCBConfigure', 'TCBSetPriority',
  'TCBSetMCPriority', 'TCBSetSchedParams', 'TCBSetIPCBuffer', 'TCBSetSpace', 'TCBSuspend',
  'TCBResume', 'TCBBindNotification', 'TCBUnbindNotification', 'TCBSetTLSBase', 'TCBSetFlags',
] as const satisfies readonly InvocationLabel[];

/** A TCB invocation label. */
export type TCBLabel = (typeof TCB_LABELS)[number];

/**
 * The flags seL4 knows in this configuration (`seL4_TCBFlag_MASK`): none, since the only
 * flag (`fpuDisabled`) exists only with an FPU.
 */
export const TCB_FLAG_MASK = 0;

/** The flags a word names, ignoring unknown bits. @see l4v word_to_tcb_flags */
export function wordToTCBFlags(w: number): number {
  return (w & TCB_FLAG_MASK) >>> 0;
}

function isTCBLabel(label: InvocationLabel): label is TCBLabel {
  return (TCB_LABELS as readonly InvocationLabel[]).includes(label);
}

/**
 * `BindNotification`: cap0 must be a notification cap with Read, and neither the thread nor
 * the notification may be bound already, nor may threads wait on the notification; every
 * refusal is `IllegalOperation`. @see l4v decode_bind_notification
 */
export function decodeBindNotification(s: KernelState, cap: CapOf<'ThreadCap'>, excaps: readonly CapAndSlot[]): Result<TCBInvocation, SyscallError> {
  const first = excaps[0];
  if (first === undefined) return err({ kind: 'TruncatedMessage' });
  if (getTCB(s, cap.tcb).boundNotification !== null) return err({ kind: 'IllegalOperation' });
  const ntfnCap = first.cap;
  if (ntfnCap.kind !== 'NotificationCap' || !ntfnCap.rights.read) return err({ kind: 'IllegalOperation' });
  const ntfn = getNotification(s, ntfnCap.ptr);
  if (ntfn.state.kind === 'WaitingNtfn' || ntfn.boundTCB !== null) return err({ kind: 'IllegalOperation' });
  return ok({ kind: 'NotificationControl', tcb: cap.tcb, ntfn: ntfnCap.ptr });
}

/** `UnbindNotification`: the thread must be bound (`IllegalOperation`). @see l4v decode_unbind_notification */
export function decodeUnbindNotification(s: KernelState, cap: CapOf<'ThreadCap'>): Result<TCBInvocation, SyscallError> {
  if (getTCB(s, cap.tcb).boundNotification === null) return err({ kind: 'IllegalOperation' });
  return ok({ kind: 'NotificationControl', tcb: cap.tcb, ntfn: null });
}

/** `SetTLSBase`: MR0 the new TLS base. @see l4v decode_set_tls_base */
export function decodeSetTLSBase(args: readonly number[], cap: CapOf<'ThreadCap'>): Result<TCBInvocation, SyscallError> {
  const [tlsBase] = args;
  if (tlsBase === undefined) return err({ kind: 'TruncatedMessage' });
  return ok({ kind: 'SetTLSBase', tcb: cap.tcb, tlsBase });
}

/** `SetFlags`: MR0 flags to clear, MR1 flags to set. @see l4v decode_set_flags */
export function decodeSetFlags(args: readonly number[], cap: CapOf<'ThreadCap'>): Result<TCBInvocation, SyscallError> {
  const [clear, set] = args;
  if (clear === undefined || set === undefined) return err({ kind: 'TruncatedMessage' });
  return ok({ kind: 'SetFlags', tcb: cap.tcb, clear: wordToTCBFlags(clear), set: wordToTCBFlags(set) });
}

/**
 * Decodes the invocation of a thread cap (found at `slot`) with label, arguments and extra
 * caps; a label that is not a TCB label is `IllegalOperation`. @see l4v decode_tcb_invocation
 */
export function decodeTCBInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  cap: CapOf<'ThreadCap'>,
  slot: CSlot,
  excaps: readonly CapAndSlot[],
): Result<TCBInvocation, SyscallError> {
  if (!isTCBLabel(label)) return err({ kind: 'IllegalOperation' });
  return match(label)
    .returnType<Result<TCBInvocation, SyscallError>>()
    .with('TCBReadRegisters', () => decodeReadRegisters(s, args, cap))
    .with('TCBWriteRegisters', () => decodeWriteRegisters(s, args, cap))
    .with('TCBCopyRegisters', () => decodeCopyRegisters(args, cap, excaps))
    .with('TCBSuspend', () => ok({ kind: 'Suspend', thread: cap.tcb }))
    .with('TCBResume', () => ok({ kind: 'Resume', thread: cap.tcb }))
    .with('TCBConfigure', () => decodeTCBConfigure(s, args, cap, slot, excaps))
    .with('TCBSetPriority', () => decodeSetPriority(s, args, cap, slot, excaps))
    .with('TCBSetMCPriority', () => decodeSetMCPriority(s, args, cap, slot, excaps))
    .with('TCBSetSchedParams', () => decodeSetSchedParams(s, args, cap, slot, excaps))
    .with('TCBSetIPCBuffer', () => decodeSetIPCBuffer(s, args, cap, slot, excaps))
    .with('TCBSetSpace', () => decodeSetSpace(s, args, cap, slot, excaps))
    .with('TCBBindNotification', () => decodeBindNotification(s, cap, excaps))
    .with('TCBUnbindNotification', () => decodeUnbindNotification(s, cap))
    .with('TCBSetTLSBase', () => decodeSetTLSBase(args, cap))
    .with('TCBSetFlags', () => decodeSetFlags(args, cap))
    .exhaustive();
}

/**
 * Performs a TCB invocation; the value is the reply's message words (the registers read,
 * or the resulting flags). Only `ThreadControl` can be preempted. @see l4v invoke_tcb
 */
export function invokeTCB(s: KernelState, inv: TCBInvocation): PreemptibleValue<readonly number[]> {
  return match(inv)
    .returnType<PreemptibleValue<readonly number[]>>()
    .with({ kind: 'ReadRegisters' }, { kind: 'WriteRegisters' }, { kind: 'CopyRegisters' }, (inv) => {
      const r = invokeRegisters(s, inv);
      return completedWith(r.state, r.reply);
    })
    .with({ kind: 'ThreadControl' }, (inv) => invokeThreadControl(s, inv))
    .with({ kind: 'Suspend' }, (inv) => completedWith(suspend(s, inv.thread), []))
    .with({ kind: 'Resume' }, (inv) => completedWith(restart(s, inv.thread), []))
    .with({ kind: 'NotificationControl' }, (inv) =>
      completedWith(inv.ntfn === null ? unbindNotification(s, inv.tcb) : bindNotification(s, inv.tcb, inv.ntfn), []))
    .with({ kind: 'SetTLSBase' }, (inv) => {
      const s1 = setRegister(s, inv.tcb, TLS_BASE_REGISTER, inv.tlsBase);
      return completedWith(inv.tcb === s1.curThread ? rescheduleRequired(s1) : s1, []);
    })
    .with({ kind: 'SetFlags' }, (inv) => {
      const flags = ((getTCB(s, inv.tcb).flags & ~inv.clear) | inv.set) >>> 0;
      return completedWith(updateTCB(s, inv.tcb, { flags }), [flags]);
    })
    .exhaustive();
}
