/**
 * Kernel entry (seL4 `src/api/syscall.c`, non-MCS; l4v `Syscall_A.handle_event`,
 * `call_kernel`): each event is handled, then `schedule` and `activateThread` run. A preempted
 * invocation is followed by the handling of the pending interrupt (`checkInterrupt`).
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import type { KernelEvent, Syscall } from '../../hardware/events.js';
import { CAP_REGISTER, FAULT_REGISTER, MSG_INFO_REGISTER } from '../../hardware/registers.js';
import { EXCEPTION_NONE, EXCEPTION_PREEMPTED, EXCEPTION_SYSCALL_ERROR, type Exception } from './failures.js';
import { KernelPanic, kernelAssert } from './panic.js';
import { lookupCap, lookupCapAndSlot, setLookupFault } from './cspace.js';
import { handleFault } from './faulthandler.js';
import {
  activateThread, rescheduleRequired, schedule, setThreadState, tcbSchedAppend, tcbSchedDequeue,
} from './thread.js';
import { N_MSG_REGISTERS, lookupExtraCaps, lookupIPCBuffer, replyFromKernelError, replyFromKernelSuccessEmpty } from './message.js';
import { IRQ_NONE, getActiveIRQ, handleInterrupt, handleSpuriousIRQ } from '../object/interrupt.js';
import { decodeInvocation } from '../object/invocation.js';
import {
  CAP_ENDPOINT, CAP_NOTIFICATION, CAP_NULL, CAP_REPLY, capGetCapType, endpointCapGetCapCanReceive,
  notificationCapGetCapNtfnCanReceive, notificationCapGetCapNtfnPtr, replyCapGetCapReplyCanGrant,
  replyCapGetCapReplyMaster, replyCapGetCapTCBPtr,
} from '../object/cap.js';
import { deleteCallerCap } from '../object/delete.js';
import { receiveIPC } from '../object/endpoint.js';
import { receiveSignal } from '../object/notification.js';
import { doReplyTransfer } from '../object/reply.js';
import { fastpath } from '../fastpath/entry.js';
import { FAULT_UNKNOWN_SYSCALL, capFaultW0, lookupFaultMissingCapabilityW0, notificationGetBoundTCB, NTFN_BOUND_TCB, userExceptionW0, vmFaultW0 } from '../object/structures.js';
import { TCB_CALLER, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, getRegister, tcbCte, tcbGetState } from '../object/tcb-layout.js';

/** Dispatches a kernel event to its `handle*` entry (the body of `Kernel.callKernel`). */
export function handleEvent(k: Kernel, e: KernelEvent): void {
  switch (e.kind) {
    case 'Syscall':
      if (k.kernelFastpath && fastpath(k, e.syscall)) return;
      handleSyscall(k, e.syscall);
      return;
    case 'UnknownSyscall':
      handleUnknownSyscall(k, e.number);
      return;
    case 'UserLevelFault':
      handleUserLevelFault(k, e.address, e.code);
      return;
    case 'VMFault':
      handleVMFaultEvent(k, e.type === 'Instruction', e.address, e.fsr);
      return;
    case 'Interrupt':
      handleInterruptEntry(k);
      return;
  }
}

/** `checkInterrupt`: handles the active interrupt, or a spurious one. */
export function checkInterrupt(k: Kernel): void {
  const irq = getActiveIRQ(k);
  if (irq !== IRQ_NONE) handleInterrupt(k, irq);
  else handleSpuriousIRQ();
}

/** `handleInterruptEntry`: an interrupt from user mode. */
export function handleInterruptEntry(k: Kernel): void {
  checkInterrupt(k);
  schedule(k);
  activateThread(k);
}

/** `handleUnknownSyscall(w)`: an UnknownSyscall fault (no debug syscalls in this configuration). */
export function handleUnknownSyscall(k: Kernel, w: number): void {
  k.currentFaultW0 = FAULT_UNKNOWN_SYSCALL;
  k.currentFaultW1 = w >>> 0;
  handleFault(k, k.ksCurThread);
  schedule(k);
  activateThread(k);
}

/** `handleUserLevelFault(w_a, w_b)`: a UserException fault (number w_a, 28-bit code w_b). */
export function handleUserLevelFault(k: Kernel, number: number, code: number): void {
  k.currentFaultW0 = userExceptionW0(code);
  k.currentFaultW1 = number >>> 0;
  handleFault(k, k.ksCurThread);
  schedule(k);
  activateThread(k);
}

/**
 * `handleVMFaultEvent(type)` with ARM `handleVMFault`: a data abort reports FAR and DFSR; a
 * prefetch abort reports the restart PC and IFSR (the event's address is not used).
 */
export function handleVMFaultEvent(k: Kernel, instruction: boolean, address: number, fsr: number): void {
  const cur = k.ksCurThread;
  const addr = instruction ? getRegister(k.mem, cur, FAULT_REGISTER) : address >>> 0;
  k.currentFaultW0 = vmFaultW0(fsr, instruction ? 1 : 0);
  k.currentFaultW1 = addr;
  handleFault(k, cur);
  schedule(k);
  activateThread(k);
}

/** `handleSyscall(syscall)`: one of the eight system calls, then schedule and activate. */
export function handleSyscall(k: Kernel, syscall: Syscall): void {
  switch (syscall) {
    case 'SysSend':
      if (handleInvocation(k, false, true) !== EXCEPTION_NONE) checkInterrupt(k);
      break;
    case 'SysNBSend':
      if (handleInvocation(k, false, false) !== EXCEPTION_NONE) checkInterrupt(k);
      break;
    case 'SysCall':
      if (handleInvocation(k, true, true) !== EXCEPTION_NONE) checkInterrupt(k);
      break;
    case 'SysRecv':
      handleRecv(k, true);
      break;
    case 'SysReply':
      handleReply(k);
      break;
    case 'SysReplyRecv':
      handleReply(k);
      handleRecv(k, true);
      break;
    case 'SysNBRecv':
      handleRecv(k, false);
      break;
    case 'SysYield':
      handleYield(k);
      break;
  }
  schedule(k);
  activateThread(k);
}

/**
 * `handleInvocation(isCall, isBlocking)`: looks up the invoked cap, the IPC buffer and the
 * extra caps (a lookup failure is a CapFault, delivered only when blocking), decodes and
 * performs the invocation, and replies to a Call (error or empty success).
 */
export function handleInvocation(k: Kernel, isCall: boolean, isBlocking: boolean): Exception {
  const thread = k.ksCurThread;
  const info = getRegister(k.mem, thread, MSG_INFO_REGISTER);
  const cptr = getRegister(k.mem, thread, CAP_REGISTER);
  if (lookupCapAndSlot(k, thread, cptr) !== EXCEPTION_NONE) {
    k.currentFaultW0 = capFaultW0(0);
    k.currentFaultW1 = cptr;
    if (isBlocking) handleFault(k, thread);
    return EXCEPTION_NONE;
  }
  const slot = k.retSlot;
  const buffer = lookupIPCBuffer(k, false, thread);
  if (lookupExtraCaps(k, thread, buffer, (info >>> 7) & 3) !== EXCEPTION_NONE) {
    if (isBlocking) handleFault(k, thread);
    return EXCEPTION_NONE;
  }
  let length = info & 0x7f;
  if (length > 120) length = 120; // messageInfoFromWord clamps the length
  if (length > N_MSG_REGISTERS && buffer === 0) length = N_MSG_REGISTERS;
  const status = decodeInvocation(k, info >>> 12, length, cptr, slot, isBlocking, isCall, buffer);
  if (status === EXCEPTION_PREEMPTED) return status;
  if (status === EXCEPTION_SYSCALL_ERROR) {
    if (isCall) replyFromKernelError(k, thread);
    return EXCEPTION_NONE;
  }
  if (tcbGetState(k.mem, thread) === THREAD_STATE_RESTART) {
    if (isCall) replyFromKernelSuccessEmpty(k, thread);
    setThreadState(k, thread, THREAD_STATE_RUNNING);
  }
  return EXCEPTION_NONE;
}

// A CapFault in the receive phase on `cptr` with a MissingCapability 0 lookup failure.
function recvCapFault(k: Kernel, cptr: number): void {
  setLookupFault(k, lookupFaultMissingCapabilityW0(0), 0);
  k.currentFaultW0 = capFaultW0(1);
  k.currentFaultW1 = cptr;
  handleFault(k, k.ksCurThread);
}

/**
 * `handleRecv(isBlocking)`: Recv/NBRecv on an endpoint (a pending caller cap is deleted
 * first) or a notification; a cap that does not allow it is a CapFault in the receive phase.
 */
export function handleRecv(k: Kernel, isBlocking: boolean): void {
  const cur = k.ksCurThread;
  const epCPtr = getRegister(k.mem, cur, CAP_REGISTER);
  if (lookupCap(k, cur, epCPtr) !== EXCEPTION_NONE) {
    k.currentFaultW0 = capFaultW0(1);
    k.currentFaultW1 = epCPtr;
    handleFault(k, cur);
    return;
  }
  const w0 = k.capRet.w0;
  const w1 = k.capRet.w1;
  switch (capGetCapType(w0)) {
    case CAP_ENDPOINT:
      if (!endpointCapGetCapCanReceive(w1)) {
        recvCapFault(k, epCPtr);
        return;
      }
      deleteCallerCap(k, cur);
      receiveIPC(k, cur, w1, isBlocking);
      return;
    case CAP_NOTIFICATION: {
      const ntfn = notificationCapGetCapNtfnPtr(w0);
      const bound = notificationGetBoundTCB(k.mem.read32(ntfn + NTFN_BOUND_TCB));
      if (!notificationCapGetCapNtfnCanReceive(w1) || (bound !== 0 && bound !== cur)) {
        recvCapFault(k, epCPtr);
        return;
      }
      receiveSignal(k, cur, w0, isBlocking);
      return;
    }
    default:
      recvCapFault(k, epCPtr);
  }
}

/** `handleReply`: replies through the caller cap, if there is one. */
export function handleReply(k: Kernel): void {
  const callerSlot = tcbCte(k.ksCurThread, TCB_CALLER);
  const w0 = k.mem.read32(callerSlot);
  switch (capGetCapType(w0)) {
    case CAP_REPLY:
      if (replyCapGetCapReplyMaster(w0)) break;
      kernelAssert(replyCapGetCapTCBPtr(w0) !== k.ksCurThread, 'handleReply: caller must not be the current thread');
      doReplyTransfer(k, k.ksCurThread, replyCapGetCapTCBPtr(w0), callerSlot, replyCapGetCapReplyCanGrant(w0) === 1);
      return;
    case CAP_NULL:
      return;
    default:
      break;
  }
  throw new KernelPanic('handleReply: invalid caller cap');
}

/** `handleYield`: the current thread goes to the back of its ready queue. */
export function handleYield(k: Kernel): void {
  tcbSchedDequeue(k, k.ksCurThread);
  tcbSchedAppend(k, k.ksCurThread);
  rescheduleRequired(k);
}
