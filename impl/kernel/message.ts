/**
 * Message registers, the IPC buffer and the kernel's replies (seL4 `include/api/syscall.h`
 * `getSyscallArg`, `include/object/tcb.h` `setMR`, `src/object/tcb.c` `lookupExtraCaps` and
 * `setMRs_syscall_error`, `src/api/faults.c` `setMRs_lookup_failure`, `src/object/endpoint.c`
 * `replyFromKernel_*`, ARM `lookupIPCBuffer`). MR0..MR3 are r2..r5; MR i ≥ 4 is word i + 1 of
 * the IPC buffer. An IPC buffer is named by its physical address (0 = none).
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { MSG_REGISTERS, BADGE_REGISTER, MSG_INFO_REGISTER } from '../../hardware/registers.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from './failures.js';
import { KernelPanic } from './panic.js';
import { CAP_FRAME, CAP_SMALL_FRAME, capGetCapType } from '../object/cap.js';
import {
  VM_READ_ONLY, VM_READ_WRITE, genericFrameCapGetCapFBasePtr, genericFrameCapGetCapFIsDevice,
  genericFrameCapGetCapFSize, genericFrameCapGetCapFVMRights, pageBitsForSize,
} from '../object/arch-cap.js';
import { CTE_CAP_W1 } from '../object/mdb.js';
import { TCB_BUFFER, TCB_IPC_BUFFER, getRegister, setRegister, tcbCte, tcbGet } from '../object/tcb-layout.js';
import { LOOKUP_FAULT_DEPTH_MISMATCH, LOOKUP_FAULT_GUARD_MISMATCH, LOOKUP_FAULT_INVALID_ROOT, LOOKUP_FAULT_MISSING_CAPABILITY, capFaultW0, lookupFaultGetBitsHigh, lookupFaultGetBitsLeftLow, lookupFaultGetType } from '../object/structures.js';
import { lookupSlot } from './cspace.js';

/** `n_msgRegisters`: message registers passed in CPU registers. */
export const N_MSG_REGISTERS = 4;
/** Word index of `caps_or_badges[0]` in the IPC buffer (`seL4_MsgMaxLength + 2`). */
export const IPC_BUFFER_CAPS_OR_BADGES = 122;

/**
 * `lookupIPCBuffer(isReceiver, thread)`: the physical address of the thread's IPC buffer, or 0
 * when slot 4 holds no usable frame cap (device frames never; a receiver needs RW, a sender RO).
 */
export function lookupIPCBuffer(k: Kernel, isReceiver: boolean, tcb: number): number {
  const slot = tcbCte(tcb, TCB_BUFFER);
  const w0 = k.mem.read32(slot);
  const type = capGetCapType(w0);
  if (type !== CAP_SMALL_FRAME && type !== CAP_FRAME) return 0;
  if (genericFrameCapGetCapFIsDevice(w0)) return 0;
  const w1 = k.mem.read32(slot + CTE_CAP_W1);
  const rights = genericFrameCapGetCapFVMRights(w0, w1);
  if (rights !== VM_READ_WRITE && (isReceiver || rights !== VM_READ_ONLY)) return 0;
  const pageBits = pageBitsForSize(genericFrameCapGetCapFSize(w0, w1));
  const vptr = tcbGet(k.mem, tcb, TCB_IPC_BUFFER);
  return (genericFrameCapGetCapFBasePtr(w0) + (vptr & (2 ** pageBits - 1))) >>> 0;
}

/** `getSyscallArg(i, buffer)` for the current thread: MR i. */
export function getSyscallArg(k: Kernel, i: number, buffer: number): number {
  if (i < N_MSG_REGISTERS) return getRegister(k.mem, k.ksCurThread, MSG_REGISTERS[i]!);
  if (buffer === 0) throw new KernelPanic('getSyscallArg: message register beyond the registers without an IPC buffer');
  return k.mem.read32(buffer + 4 * (i + 1));
}

/** `setMR(receiver, buffer, offset, value)`: writes MR `offset`; returns the message length so far. */
export function setMR(k: Kernel, tcb: number, buffer: number, offset: number, value: number): number {
  if (offset >= N_MSG_REGISTERS) {
    if (buffer === 0) return N_MSG_REGISTERS;
    k.mem.write32(buffer + 4 * (offset + 1), value >>> 0);
    return offset + 1;
  }
  setRegister(k.mem, tcb, MSG_REGISTERS[offset]!, value);
  return offset + 1;
}

/** `getExtraCPtr(buffer, i)`: the CPtr of extra cap i in the sender's IPC buffer. */
export function getExtraCPtr(k: Kernel, buffer: number, i: number): number {
  return k.mem.read32(buffer + 4 * (IPC_BUFFER_CAPS_OR_BADGES + i));
}

/**
 * `lookupExtraCaps(thread, buffer, info)`: looks up the extra caps' slots into
 * `k.currentExtraCaps` (a 0 ends the list); on failure sets a CapFault for that CPtr.
 */
export function lookupExtraCaps(k: Kernel, tcb: number, buffer: number, extraCaps: number): Exception {
  const refs = k.currentExtraCaps;
  if (buffer === 0) {
    refs[0] = 0;
    return EXCEPTION_NONE;
  }
  let i = 0;
  for (; i < extraCaps; i++) {
    const cptr = getExtraCPtr(k, buffer, i);
    const status = lookupSlot(k, tcb, cptr);
    if (status !== EXCEPTION_NONE) {
      k.currentFaultW0 = capFaultW0(0);
      k.currentFaultW1 = cptr;
      return status;
    }
    refs[i] = k.retSlot;
  }
  if (i < refs.length) refs[i] = 0;
  return EXCEPTION_NONE;
}

/** `setMRs_lookup_failure(receiver, buffer, luf, offset)`: the lookup failure's words from MR `offset`. */
export function setMRsLookupFailure(k: Kernel, tcb: number, buffer: number, l0: number, l1: number, offset: number): number {
  const type = lookupFaultGetType(l0);
  const i = setMR(k, tcb, buffer, offset, type + 1);
  switch (type) {
    case LOOKUP_FAULT_INVALID_ROOT:
      return i;
    case LOOKUP_FAULT_MISSING_CAPABILITY:
      return setMR(k, tcb, buffer, offset + 1, lookupFaultGetBitsLeftLow(l0));
    case LOOKUP_FAULT_DEPTH_MISMATCH:
      setMR(k, tcb, buffer, offset + 1, lookupFaultGetBitsLeftLow(l0));
      return setMR(k, tcb, buffer, offset + 2, lookupFaultGetBitsHigh(l0));
    case LOOKUP_FAULT_GUARD_MISMATCH:
      setMR(k, tcb, buffer, offset + 1, lookupFaultGetBitsHigh(l0));
      setMR(k, tcb, buffer, offset + 2, l1);
      return setMR(k, tcb, buffer, offset + 3, lookupFaultGetBitsLeftLow(l0));
    default:
      throw new KernelPanic('Invalid lookup failure');
  }
}

/** `setMRs_syscall_error(thread, buffer)`: the error's message registers; returns their number. */
export function setMRsSyscallError(k: Kernel, tcb: number, buffer: number): number {
  const err = k.currentSyscallError;
  switch (err.type) {
    case ERROR_CODE.InvalidArgument:
      return setMR(k, tcb, buffer, 0, err.invalidArgumentNumber);
    case ERROR_CODE.InvalidCapability:
      return setMR(k, tcb, buffer, 0, err.invalidCapNumber);
    case ERROR_CODE.RangeError:
      setMR(k, tcb, buffer, 0, err.rangeErrorMin);
      return setMR(k, tcb, buffer, 1, err.rangeErrorMax);
    case ERROR_CODE.FailedLookup:
      setMR(k, tcb, buffer, 0, err.failedLookupWasSource ? 1 : 0);
      return setMRsLookupFailure(k, tcb, buffer, k.currentLookupFaultW0, k.currentLookupFaultW1, 1);
    case ERROR_CODE.NotEnoughMemory:
      return setMR(k, tcb, buffer, 0, err.memoryLeft);
    case ERROR_CODE.IllegalOperation:
    case ERROR_CODE.AlignmentError:
    case ERROR_CODE.TruncatedMessage:
    case ERROR_CODE.DeleteFirst:
    case ERROR_CODE.RevokeFirst:
      return 0;
    default:
      throw new KernelPanic('Invalid syscall error');
  }
}

/** `wordFromMessageInfo(seL4_MessageInfo_new(label, capsUnwrapped, extraCaps, length))`. */
export function messageInfoWord(label: number, capsUnwrapped: number, extraCaps: number, length: number): number {
  return (((label & 0xfffff) << 12) | ((capsUnwrapped & 7) << 9) | ((extraCaps & 3) << 7) | (length & 0x7f)) >>> 0;
}

/** `replyFromKernel_error(thread)`: badge 0, the error's MRs, label = error code. */
export function replyFromKernelError(k: Kernel, tcb: number): void {
  const buffer = lookupIPCBuffer(k, true, tcb);
  setRegister(k.mem, tcb, BADGE_REGISTER, 0);
  const len = setMRsSyscallError(k, tcb, buffer);
  setRegister(k.mem, tcb, MSG_INFO_REGISTER, messageInfoWord(k.currentSyscallError.type, 0, 0, len));
}

/** `replyFromKernel_success_empty(thread)`: badge 0, message info 0. */
export function replyFromKernelSuccessEmpty(k: Kernel, tcb: number): void {
  setRegister(k.mem, tcb, BADGE_REGISTER, 0);
  setRegister(k.mem, tcb, MSG_INFO_REGISTER, 0);
}

/** Sets `current_syscall_error` to `type` (and returns SYSCALL_ERROR), for errors without MRs. */
export function syscallError(k: Kernel, type: number): Exception {
  k.currentSyscallError.type = type;
  return EXCEPTION_SYSCALL_ERROR;
}
