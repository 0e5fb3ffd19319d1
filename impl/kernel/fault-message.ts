/**
 * Fault messages and fault replies (seL4 `src/api/faults.c` `setMRs_fault`,
 * `handleFaultReply`, `copyMRsFault`, `copyMRsFaultReply`; `src/arch/arm/api/faults.c`
 * `Arch_setMRs_fault`, `Arch_handleFaultReply`; aarch32 `fault_messages` in
 * `include/arch/arm/arch/32/mode/machine/registerset.h`, `sanitiseRegister` in
 * `include/arch/arm/arch/32/mode/kernel/thread.h`). The fault a thread is blocked with is in
 * its `tcbFault` (and, for a CapFault, `tcbLookupFailure`).
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { MSG_INFO_REGISTER, MSG_REGISTERS, Reg } from '../../hardware/registers.js';
import { KernelPanic } from './panic.js';
import { N_MSG_REGISTERS, lookupIPCBuffer, setMR, setMRsLookupFailure } from './message.js';
import {
  FAULT_CAP, FAULT_UNKNOWN_SYSCALL, FAULT_USER_EXCEPTION, FAULT_VM, faultGetType,
} from '../object/structures.js';
import {
  TCB_FAULT_W0, TCB_FAULT_W1, TCB_LOOKUP_FAILURE_W0, TCB_LOOKUP_FAILURE_W1, getRegister, setRegister, tcbGet,
} from '../object/tcb-layout.js';

/** `n_syscallMessage`: words of an UnknownSyscall message before the syscall number. */
export const N_SYSCALL_MESSAGE = 12;
/** `n_exceptionMessage`: words of a UserException message before number and code. */
export const N_EXCEPTION_MESSAGE = 3;

/** `fault_messages[MessageID_Syscall]`: R0..R7, FaultIP, SP, LR, CPSR. */
export const SYSCALL_MESSAGE: readonly number[] = [
  Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.FaultIP, Reg.SP, Reg.LR, Reg.CPSR,
];
/** `fault_messages[MessageID_Exception]`: FaultIP, SP, CPSR. */
export const EXCEPTION_MESSAGE: readonly number[] = [Reg.FaultIP, Reg.SP, Reg.CPSR];

/** `CPSR_USER`: user mode, IRQs/FIQs as user code runs with them. */
const CPSR_USER = 0x150;

/** `sanitiseRegister(reg, v, archInfo)` (no VCPU): a CPSR keeps only the flags N Z C V Q. */
export function sanitiseRegister(reg: number, v: number): number {
  return reg === Reg.CPSR ? (((v & 0xf8000000) | CPSR_USER) >>> 0) : v >>> 0;
}

// `copyMRsFault`: the sender's registers `regs[0..length)` into the receiver's MRs.
function copyMRsFault(k: Kernel, sender: number, receiver: number, regs: readonly number[], length: number,
  receiveBuffer: number): void {
  const mem = k.mem;
  let i = 0;
  for (; i < length && i < N_MSG_REGISTERS; i++) {
    setRegister(mem, receiver, MSG_REGISTERS[i]!, getRegister(mem, sender, regs[i]!));
  }
  if (receiveBuffer !== 0) {
    for (; i < length; i++) mem.write32(receiveBuffer + 4 * (i + 1), getRegister(mem, sender, regs[i]!));
  }
}

/**
 * `setMRs_fault(sender, receiver, receiveIPCBuffer)`: the sender's fault as the receiver's
 * message; returns the message length.
 */
export function setMRsFault(k: Kernel, sender: number, receiver: number, buffer: number): number {
  const mem = k.mem;
  const f0 = tcbGet(mem, sender, TCB_FAULT_W0);
  const f1 = tcbGet(mem, sender, TCB_FAULT_W1);
  switch (faultGetType(f0)) {
    case FAULT_CAP:
      setMR(k, receiver, buffer, 0, getRegister(mem, sender, Reg.FaultIP));
      setMR(k, receiver, buffer, 1, f1);
      setMR(k, receiver, buffer, 2, f0 >>> 31);
      return setMRsLookupFailure(k, receiver, buffer, tcbGet(mem, sender, TCB_LOOKUP_FAILURE_W0),
        tcbGet(mem, sender, TCB_LOOKUP_FAILURE_W1), 3);
    case FAULT_UNKNOWN_SYSCALL:
      copyMRsFault(k, sender, receiver, SYSCALL_MESSAGE, N_SYSCALL_MESSAGE, buffer);
      return setMR(k, receiver, buffer, N_SYSCALL_MESSAGE, f1);
    case FAULT_USER_EXCEPTION:
      copyMRsFault(k, sender, receiver, EXCEPTION_MESSAGE, N_EXCEPTION_MESSAGE, buffer);
      setMR(k, receiver, buffer, N_EXCEPTION_MESSAGE, f1);
      return setMR(k, receiver, buffer, N_EXCEPTION_MESSAGE + 1, f0 >>> 4);
    case FAULT_VM: // Arch_setMRs_fault
      setMR(k, receiver, buffer, 0, getRegister(mem, sender, Reg.FaultIP));
      setMR(k, receiver, buffer, 1, f1);
      setMR(k, receiver, buffer, 2, (f0 >>> 17) & 1);
      return setMR(k, receiver, buffer, 3, (f0 >>> 18) & 0x3fff);
    default:
      throw new KernelPanic('setMRs_fault: invalid fault');
  }
}

// `copyMRsFaultReply`: the replier's MRs into the faulted thread's registers `regs[0..length)`.
function copyMRsFaultReply(k: Kernel, sender: number, receiver: number, regs: readonly number[], length: number): void {
  const mem = k.mem;
  let i = 0;
  for (; i < length && i < N_MSG_REGISTERS; i++) {
    const r = regs[i]!;
    setRegister(mem, receiver, r, sanitiseRegister(r, getRegister(mem, sender, MSG_REGISTERS[i]!)));
  }
  if (i < length) {
    const sendBuf = lookupIPCBuffer(k, false, sender);
    if (sendBuf !== 0) {
      for (; i < length; i++) {
        const r = regs[i]!;
        setRegister(mem, receiver, r, sanitiseRegister(r, mem.read32(sendBuf + 4 * (i + 1))));
      }
    }
  }
}

/**
 * `handleFaultReply(receiver, sender)`: writes the reply into the faulted thread's registers
 * where its fault type says so; returns whether the thread restarts.
 */
export function handleFaultReply(k: Kernel, receiver: number, sender: number): boolean {
  const info = getRegister(k.mem, sender, MSG_INFO_REGISTER);
  const label = info >>> 12;
  const length = Math.min(info & 0x7f, 120);
  switch (faultGetType(tcbGet(k.mem, receiver, TCB_FAULT_W0))) {
    case FAULT_CAP:
      return true;
    case FAULT_UNKNOWN_SYSCALL:
      copyMRsFaultReply(k, sender, receiver, SYSCALL_MESSAGE, Math.min(length, N_SYSCALL_MESSAGE));
      return label === 0;
    case FAULT_USER_EXCEPTION:
      copyMRsFaultReply(k, sender, receiver, EXCEPTION_MESSAGE, Math.min(length, N_EXCEPTION_MESSAGE));
      return label === 0;
    case FAULT_VM: // Arch_handleFaultReply
      return true;
    default:
      throw new KernelPanic('handleFaultReply: invalid fault');
  }
}
