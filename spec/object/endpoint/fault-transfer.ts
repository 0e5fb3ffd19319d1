/**
 * Fault messages and fault replies (l4v `Ipc_A.thy` "Fault Handling", `ARM/ArchFault_A.thy`;
 * manual §6.2 "Faults"; SEL4-API.md §6). A faulting thread's message to its handler is
 * made by the kernel from the fault and the thread's registers; the handler's reply may
 * rewrite some registers and decides whether the thread runs again.
 *
 * @module
 */
import { match } from 'ts-pattern';
import { FAULT_LABEL } from '../../../abi/errors.js';
import { BADGE_REGISTER, Reg, sanitiseCPSR } from '../../../hardware/registers.js';
import type { Fault } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import { getTCB } from '../../kernel/kheap.js';
import { msgFromLookupFailure, setMessageInfo, setMRs } from '../../kernel/message.js';
import { KernelPanic } from '../../kernel/panic.js';
import { getRegister, getRestartPC, setRegister, setRegisters } from '../../kernel/thread.js';

/**
 * The registers an unknown-syscall fault message carries and its reply may set, in message
 * order (`seL4_UnknownSyscall_R0` .. `_CPSR`). @see l4v syscallMessage (ARM)
 */
export const SYSCALL_MESSAGE: readonly number[] = [
  Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.FaultIP, Reg.SP, Reg.LR, Reg.CPSR,
];

/**
 * The registers a user-exception fault message carries and its reply may set, in message
 * order (`seL4_UserException_FaultIP`, `_SP`, `_CPSR`). @see l4v exceptionMessage (ARM)
 */
export const EXCEPTION_MESSAGE: readonly number[] = [Reg.FaultIP, Reg.SP, Reg.CPSR];

function registers(s: KernelState, thread: number, regs: readonly number[]): number[] {
  return regs.map((r) => getRegister(s, thread, r));
}

/**
 * The label and message words of a fault (SEL4-API.md §6 layouts): a cap fault gives the
 * restart PC, the CPtr, whether it was in the receive phase and the lookup failure; an
 * unknown syscall its twelve registers and the syscall number; a user exception PC, SP,
 * CPSR, number and code; a VM fault the restart PC, the address, the prefetch flag and the
 * fault status. @see l4v make_fault_msg, make_arch_fault_msg
 */
export function makeFaultMsg(s: KernelState, fault: Fault, thread: number): readonly [label: number, msg: number[]] {
  return match(fault)
    .returnType<readonly [number, number[]]>()
    .with({ kind: 'CapFault' }, (f) => [
      FAULT_LABEL.CapFault,
      [getRestartPC(s, thread), f.address >>> 0, f.inReceivePhase ? 1 : 0, ...msgFromLookupFailure(f.failure)],
    ])
    .with({ kind: 'UnknownSyscallException' }, (f) => [
      FAULT_LABEL.UnknownSyscall,
      [...registers(s, thread, SYSCALL_MESSAGE), f.number >>> 0],
    ])
    .with({ kind: 'UserException' }, (f) => [
      FAULT_LABEL.UserException,
      [...registers(s, thread, EXCEPTION_MESSAGE), f.number >>> 0, f.code >>> 0],
    ])
    .with({ kind: 'VMFault' }, (f) => [
      FAULT_LABEL.VMFault,
      [getRestartPC(s, thread), f.address >>> 0, f.instructionFault ? 1 : 0, f.fsr >>> 0],
    ])
    .exhaustive();
}

/**
 * Delivers the fault of `sender` to `receiver` as a message: the fault's words (cut to the
 * four CPU registers when the receiver has no IPC buffer), a message info with the fault
 * label and no caps, and the handler cap's badge. @see l4v do_fault_transfer
 */
export function doFaultTransfer(s: KernelState, badge: number, sender: number, receiver: number, rbuf: number | null): KernelState {
  const fault = getTCB(s, sender).fault;
  if (fault === null) throw new KernelPanic('do_fault_transfer: sender has no fault');
  const [label, msg] = makeFaultMsg(s, fault, sender);
  const sent = setMRs(s, receiver, rbuf, msg);
  const s1 = setMessageInfo(sent.state, receiver, { length: sent.length, extraCaps: 0, capsUnwrapped: 0, label });
  return setRegister(s1, receiver, BADGE_REGISTER, badge);
}

/** How ARM sanitises a register user level writes: CPSR keeps its flags, in user mode. @see l4v sanitise_register */
export function sanitiseRegister(reg: number, v: number): number {
  return reg === Reg.CPSR ? sanitiseCPSR(v) : v >>> 0;
}

/** Writes reply words into the listed registers, as far as both go, sanitised. */
function writeBack(s: KernelState, thread: number, regs: readonly number[], msg: readonly number[]): KernelState {
  const n = Math.min(regs.length, msg.length);
  const pairs: (readonly [number, number])[] = [];
  for (let i = 0; i < n; i++) {
    const r = regs[i] as number;
    pairs.push([r, sanitiseRegister(r, msg[i] ?? 0)]);
  }
  return setRegisters(s, thread, pairs);
}

/**
 * Acts on the reply to a fault message (SEL4-API.md §6 "Fault replies"): after a cap fault
 * or a VM fault the thread always restarts; after an unknown syscall or a user exception
 * the reply words are written back into the registers the fault message carried, and the
 * thread restarts only if the reply's label is 0. Returns the state and whether to restart.
 * @see l4v handle_fault_reply, handle_arch_fault_reply
 */
export function handleFaultReply(
  s: KernelState,
  fault: Fault,
  thread: number,
  label: number,
  msg: readonly number[],
): { readonly state: KernelState; readonly restart: boolean } {
  return match(fault)
    .returnType<{ readonly state: KernelState; readonly restart: boolean }>()
    .with({ kind: 'CapFault' }, () => ({ state: s, restart: true }))
    .with({ kind: 'UnknownSyscallException' }, () => ({ state: writeBack(s, thread, SYSCALL_MESSAGE, msg), restart: label === 0 }))
    .with({ kind: 'UserException' }, () => ({ state: writeBack(s, thread, EXCEPTION_MESSAGE, msg), restart: label === 0 }))
    .with({ kind: 'VMFault' }, () => ({ state: s, restart: true }))
    .exhaustive();
}
