/**
 * Reading, writing and copying a thread's registers (manual §6.1 "Threads",
 * `seL4_TCB_ReadRegisters`, `WriteRegisters`, `CopyRegisters`; l4v `Decode_A.thy`
 * `decode_read_registers`, `decode_write_registers`, `decode_copy_registers`, `Tcb_A.thy`
 * `invoke_tcb`, `ARM/ArchTcb_A.thy` `sanitise_register`).
 *
 * Registers travel in `seL4_UserContext` order: the ten frame registers (pc, sp, cpsr, r0,
 * r1, r8..r12), then the nine integer registers (r2..r7, r14, and the two thread-ID
 * registers). A thread may not read or write its own registers this way; it may copy
 * between threads including itself.
 *
 * @module
 */
import { FRAME_REGISTERS, GP_REGISTERS, Reg, sanitiseCPSR, USER_CONTEXT_ORDER } from '../../../hardware/registers.js';
import type { CapOf } from '../../state/cap.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import { suspend } from '../../kernel/ipc-cancel.js';
import { err, ok, type Result } from '../../kernel/monad.js';
import { rescheduleRequired } from '../../kernel/ready-queues.js';
import { getRegister, getRestartPC, setNextPC, setRegisters } from '../../kernel/thread.js';
import { restart } from './restart.js';
import type { CapAndSlot } from './thread-control.js';

/** The register invocations (l4v `ReadRegisters`, `WriteRegisters`, `CopyRegisters`). */
export type RegistersInvocation =
  | { readonly kind: 'ReadRegisters'; readonly src: number; readonly suspendSource: boolean; readonly n: number }
  | { readonly kind: 'WriteRegisters'; readonly dest: number; readonly resumeTarget: boolean; readonly values: readonly number[] }
  | {
      readonly kind: 'CopyRegisters';
      readonly dest: number;
      readonly src: number;
      readonly suspendSource: boolean;
      readonly resumeTarget: boolean;
      readonly transferFrame: boolean;
      readonly transferInteger: boolean;
    };


/** Bit `i` of a flags word (l4v `flags !! i`). */
function bit(flags: number, i: number): boolean {
  return ((flags >>> i) & 1) === 1;
}

/**
 * `ReadRegisters`: MR0 flags (bit 0 suspends the source), MR1 count in 1..19
 * (`RangeError 1 19`); the current thread may not read itself (`IllegalOperation`).
 * @see l4v decode_read_registers
 */
export function decodeReadRegisters(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>): Result<RegistersInvocation, SyscallError> {
  const [flags, n] = args;
  if (flags === undefined || n === undefined) return err({ kind: 'TruncatedMessage' });
  if (n < 1 || n > USER_CONTEXT_ORDER.length) return err({ kind: 'RangeError', min: 1, max: USER_CONTEXT_ORDER.length });
  if (cap.tcb === s.curThread) return err({ kind: 'IllegalOperation' });
  return ok({ kind: 'ReadRegisters', src: cap.tcb, suspendSource: bit(flags, 0), n });
}

/**
 * `WriteRegisters`: MR0 flags (bit 0 resumes the target), MR1 count, then that many values
 * (else `TruncatedMessage`); the current thread may not write itself (`IllegalOperation`).
 * @see l4v decode_write_registers
 */
export function decodeWriteRegisters(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>): Result<RegistersInvocation, SyscallError> {
  const [flags, n] = args;
  if (flags === undefined || n === undefined) return err({ kind: 'TruncatedMessage' });
  const values = args.slice(2);
  if (values.length < n) return err({ kind: 'TruncatedMessage' });
  if (cap.tcb === s.curThread) return err({ kind: 'IllegalOperation' });
  return ok({ kind: 'WriteRegisters', dest: cap.tcb, resumeTarget: bit(flags, 0), values: values.slice(0, n) });
}

/**
 * `CopyRegisters`: MR0 flags (bit 0 suspend source, 1 resume target, 2 transfer frame
 * registers, 3 transfer integer registers), cap0 the source thread (`InvalidCapability 1`).
 * @see l4v decode_copy_registers
 */
export function decodeCopyRegisters(args: readonly number[], cap: CapOf<'ThreadCap'>, excaps: readonly CapAndSlot[]): Result<RegistersInvocation, SyscallError> {
  const [flags] = args;
  if (flags === undefined) return err({ kind: 'TruncatedMessage' });
  if (excaps.length === 0) return err({ kind: 'TruncatedMessage' });
  const src = excaps[0]?.cap;
  if (src?.kind !== 'ThreadCap') return err({ kind: 'InvalidCapability', index: 1 });
  return ok({
    kind: 'CopyRegisters', dest: cap.tcb, src: src.tcb, suspendSource: bit(flags, 0), resumeTarget: bit(flags, 1),
    transferFrame: bit(flags, 2), transferInteger: bit(flags, 3),
  });
}

/**
 * What a user may put in a register: the CPSR keeps only its condition flags and is forced
 * to user mode; other registers take any value. @see l4v sanitise_register (ARM)
 */
export function sanitiseRegister(reg: number, v: number): number {
  return reg === Reg.CPSR ? sanitiseCPSR(v) : v >>> 0;
}

/** Copies registers `regs` of `src` into `dest`. */
function copyRegisters(s: KernelState, src: number, dest: number, regs: readonly number[]): KernelState {
  return setRegisters(s, dest, regs.map((r) => [r, getRegister(s, src, r)] as const));
}

/** The thread resumes where it would restart: NextIP := FaultIP. */
function resumeAtRestartPC(s: KernelState, t: number): KernelState {
  return setNextPC(s, t, getRestartPC(s, t));
}

/**
 * Performs a register invocation; `ReadRegisters` returns the registers as its reply.
 * Writing or copying into the current thread makes the scheduler choose again, because the
 * current thread's registers are only reloaded on a switch. @see l4v invoke_tcb
 */
export function invokeRegisters(s: KernelState, inv: RegistersInvocation): { readonly state: KernelState; readonly reply: readonly number[] } {
  switch (inv.kind) {
    case 'ReadRegisters': {
      const s1 = inv.suspendSource ? suspend(s, inv.src) : s;
      return { state: s1, reply: USER_CONTEXT_ORDER.slice(0, inv.n).map((r) => getRegister(s1, inv.src, r)) };
    }
    case 'WriteRegisters': {
      // zipWithM: as many registers as values, at most the 19 of seL4_UserContext.
      const regs = USER_CONTEXT_ORDER.slice(0, inv.values.length);
      const pairs = regs.map((reg, i) => [reg, sanitiseRegister(reg, inv.values[i] ?? 0)] as const);
      const s1 = resumeAtRestartPC(setRegisters(s, inv.dest, pairs), inv.dest);
      const s2 = inv.resumeTarget ? restart(s1, inv.dest) : s1;
      return { state: inv.dest === s2.curThread ? rescheduleRequired(s2) : s2, reply: [] };
    }
    case 'CopyRegisters': {
      let s1 = inv.suspendSource ? suspend(s, inv.src) : s;
      if (inv.resumeTarget) s1 = restart(s1, inv.dest);
      if (inv.transferFrame) s1 = resumeAtRestartPC(copyRegisters(s1, inv.src, inv.dest, FRAME_REGISTERS), inv.dest);
      if (inv.transferInteger) s1 = copyRegisters(s1, inv.src, inv.dest, GP_REGISTERS);
      return { state: inv.dest === s1.curThread ? rescheduleRequired(s1) : s1, reply: [] };
    }
    default: {
      const _exhaustive: never = inv;
      return _exhaustive;
    }
  }
}
