/**
 * `ReadRegisters`, `WriteRegisters` and `CopyRegisters` (seL4 `src/object/tcb.c`
 * `decodeReadRegisters`, `invokeTCB_ReadRegisters`, `decodeWriteRegisters`,
 * `invokeTCB_WriteRegisters`, `decodeCopyRegisters`, `invokeTCB_CopyRegisters`; ARM
 * `sanitiseRegister`). Registers travel in `seL4_UserContext` order: `frameRegisters` then
 * `gpRegisters`. The arch transfer hooks (`Arch_decodeTransfer`, `Arch_performTransfer`,
 * `Arch_postModifyRegisters`) do nothing on this configuration and are left out.
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { ERROR_CODE } from '../../../abi/errors.js';
import {
  BADGE_REGISTER, FAULT_REGISTER, FRAME_REGISTERS, GP_REGISTERS, MSG_INFO_REGISTER, MSG_REGISTERS, NEXT_IP_REGISTER, Reg,
  sanitiseCPSR,
} from '../../../hardware/registers.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../../kernel/failures.js';
import { N_MSG_REGISTERS, getSyscallArg, lookupIPCBuffer, messageInfoWord, syscallError } from '../../kernel/message.js';
import { rescheduleRequired, setThreadState } from '../../kernel/thread.js';
import { CAP_THREAD, capGetCapType, threadCapGetCapTCBPtr } from '../cap.js';
import { suspend } from '../ipc-cancel.js';
import { THREAD_STATE_RESTART, THREAD_STATE_RUNNING, getRegister, setRegister } from '../tcb-layout.js';
import { restart } from './restart.js';

/** `n_frameRegisters`. */
const N_FRAME_REGISTERS = 10;
/** `n_gpRegisters`. */
const N_GP_REGISTERS = 9;

// Flag bits of MR0 (`ReadRegistersFlags`, `WriteRegistersFlags`, `CopyRegistersFlags`).
const READ_REGISTERS_SUSPEND = 1 << 0;
const WRITE_REGISTERS_RESUME = 1 << 0;
const COPY_REGISTERS_SUSPEND_SOURCE = 1 << 0;
const COPY_REGISTERS_RESUME_TARGET = 1 << 1;
const COPY_REGISTERS_TRANSFER_FRAME = 1 << 2;
const COPY_REGISTERS_TRANSFER_INTEGER = 1 << 3;

/** `sanitiseRegister(reg, v, archInfo)` (no VCPU here): CPSR keeps its flags and is forced to user mode. */
export function sanitiseRegister(reg: number, v: number): number {
  return reg === Reg.CPSR ? sanitiseCPSR(v) : v >>> 0;
}

/** `decodeReadRegisters`: MR0 flags, MR1 count in 1..19; not on the current thread. */
export function decodeReadRegisters(k: Kernel, w0: number, length: number, call: boolean, buffer: number): Exception {
  if (length < 2) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const flags = getSyscallArg(k, 0, buffer);
  const n = getSyscallArg(k, 1, buffer);
  if (n < 1 || n > N_FRAME_REGISTERS + N_GP_REGISTERS) {
    k.currentSyscallError.type = ERROR_CODE.RangeError;
    k.currentSyscallError.rangeErrorMin = 1;
    k.currentSyscallError.rangeErrorMax = N_FRAME_REGISTERS + N_GP_REGISTERS;
    return EXCEPTION_SYSCALL_ERROR;
  }
  const thread = threadCapGetCapTCBPtr(w0);
  if (thread === k.ksCurThread) return syscallError(k, ERROR_CODE.IllegalOperation);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBReadRegisters(k, thread, (flags & READ_REGISTERS_SUSPEND) !== 0, n, call);
}

/**
 * `invokeTCB_ReadRegisters`: replies with the registers itself (registers first, then the
 * caller's IPC buffer) and sets the caller Running, so the generic empty reply never runs.
 */
export function invokeTCBReadRegisters(k: Kernel, src: number, suspendSource: boolean, n: number, call: boolean): Exception {
  const mem = k.mem;
  const thread = k.ksCurThread;
  if (suspendSource) suspend(k, src);
  if (call) {
    const ipcBuffer = lookupIPCBuffer(k, true, thread);
    setRegister(mem, thread, BADGE_REGISTER, 0);
    let i = 0;
    for (; i < n && i < N_FRAME_REGISTERS && i < N_MSG_REGISTERS; i++) {
      setRegister(mem, thread, MSG_REGISTERS[i]!, getRegister(mem, src, FRAME_REGISTERS[i]!));
    }
    if (ipcBuffer !== 0 && i < n && i < N_FRAME_REGISTERS) {
      for (; i < n && i < N_FRAME_REGISTERS; i++) mem.write32(ipcBuffer + 4 * (i + 1), getRegister(mem, src, FRAME_REGISTERS[i]!));
    }
    const j = i;
    for (i = 0; i < N_GP_REGISTERS && i + N_FRAME_REGISTERS < n && i + N_FRAME_REGISTERS < N_MSG_REGISTERS; i++) {
      setRegister(mem, thread, MSG_REGISTERS[i + N_FRAME_REGISTERS]!, getRegister(mem, src, GP_REGISTERS[i]!));
    }
    if (ipcBuffer !== 0 && i < N_GP_REGISTERS && i + N_FRAME_REGISTERS < n) {
      for (; i < N_GP_REGISTERS && i + N_FRAME_REGISTERS < n; i++) {
        mem.write32(ipcBuffer + 4 * (i + N_FRAME_REGISTERS + 1), getRegister(mem, src, GP_REGISTERS[i]!));
      }
    }
    setRegister(mem, thread, MSG_INFO_REGISTER, messageInfoWord(0, 0, 0, i + j));
  }
  setThreadState(k, thread, THREAD_STATE_RUNNING);
  return EXCEPTION_NONE;
}

/** `decodeWriteRegisters`: MR0 flags, MR1 count, then the values; not on the current thread. */
export function decodeWriteRegisters(k: Kernel, w0: number, length: number, buffer: number): Exception {
  if (length < 2) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const flags = getSyscallArg(k, 0, buffer);
  const w = getSyscallArg(k, 1, buffer);
  if (length - 2 < w) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const thread = threadCapGetCapTCBPtr(w0);
  if (thread === k.ksCurThread) return syscallError(k, ERROR_CODE.IllegalOperation);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBWriteRegisters(k, thread, (flags & WRITE_REGISTERS_RESUME) !== 0, w, buffer);
}

/** `invokeTCB_WriteRegisters`: writes up to 19 sanitised registers, NextIP := FaultIP, maybe restarts. */
export function invokeTCBWriteRegisters(k: Kernel, dest: number, resumeTarget: boolean, w: number, buffer: number): Exception {
  const mem = k.mem;
  const n = Math.min(w, N_FRAME_REGISTERS + N_GP_REGISTERS);
  for (let i = 0; i < N_FRAME_REGISTERS && i < n; i++) {
    const reg = FRAME_REGISTERS[i]!;
    setRegister(mem, dest, reg, sanitiseRegister(reg, getSyscallArg(k, i + 2, buffer)));
  }
  for (let i = 0; i < N_GP_REGISTERS && i + N_FRAME_REGISTERS < n; i++) {
    const reg = GP_REGISTERS[i]!;
    setRegister(mem, dest, reg, sanitiseRegister(reg, getSyscallArg(k, i + N_FRAME_REGISTERS + 2, buffer)));
  }
  setRegister(mem, dest, NEXT_IP_REGISTER, getRegister(mem, dest, FAULT_REGISTER));
  if (resumeTarget) restart(k, dest);
  // The current thread's registers are only reloaded on a switch.
  if (dest === k.ksCurThread) rescheduleRequired(k);
  return EXCEPTION_NONE;
}

/** `decodeCopyRegisters`: MR0 flags, cap0 the source TCB (`InvalidCapability 1`). */
export function decodeCopyRegisters(k: Kernel, w0: number, length: number, buffer: number): Exception {
  const srcSlot = k.currentExtraCaps[0]!;
  if (length < 1 || srcSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const flags = getSyscallArg(k, 0, buffer);
  const srcCap = k.mem.read32(srcSlot);
  if (capGetCapType(srcCap) !== CAP_THREAD) {
    k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
    k.currentSyscallError.invalidCapNumber = 1;
    return EXCEPTION_SYSCALL_ERROR;
  }
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBCopyRegisters(k, threadCapGetCapTCBPtr(w0), threadCapGetCapTCBPtr(srcCap), flags);
}

/** `invokeTCB_CopyRegisters`: suspend source, resume target, copy frame and/or integer registers. */
export function invokeTCBCopyRegisters(k: Kernel, dest: number, src: number, flags: number): Exception {
  const mem = k.mem;
  if (flags & COPY_REGISTERS_SUSPEND_SOURCE) suspend(k, src);
  if (flags & COPY_REGISTERS_RESUME_TARGET) restart(k, dest);
  if (flags & COPY_REGISTERS_TRANSFER_FRAME) {
    for (let i = 0; i < N_FRAME_REGISTERS; i++) {
      setRegister(mem, dest, FRAME_REGISTERS[i]!, getRegister(mem, src, FRAME_REGISTERS[i]!));
    }
    setRegister(mem, dest, NEXT_IP_REGISTER, getRegister(mem, dest, FAULT_REGISTER));
  }
  if (flags & COPY_REGISTERS_TRANSFER_INTEGER) {
    for (let i = 0; i < N_GP_REGISTERS; i++) {
      setRegister(mem, dest, GP_REGISTERS[i]!, getRegister(mem, src, GP_REGISTERS[i]!));
    }
  }
  if (dest === k.ksCurThread) rescheduleRequired(k);
  return EXCEPTION_NONE;
}
