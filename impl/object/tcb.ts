/**
 * TCB invocations (seL4 `src/object/tcb.c` `decodeTCBInvocation` and the decoders it calls,
 * `invokeTCB_Suspend`, `invokeTCB_Resume`, `invokeTCB_NotificationControl`,
 * `decodeSetTLSBase`, `decodeSetFlags`). As in C each decoder, once its checks pass, sets the
 * caller to `Restart` and calls the invoke function directly. The register invocations are in
 * `tcb/registers.ts`, the configuration ones in `tcb/thread-control.ts`, `restart` in
 * `tcb/restart.ts`.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { LABEL } from '../../abi/labels.js';
import { BADGE_REGISTER, MSG_INFO_REGISTER, TLS_BASE_REGISTER } from '../../hardware/registers.js';
import { EXCEPTION_NONE, type Exception } from '../kernel/failures.js';
import { getSyscallArg, lookupIPCBuffer, messageInfoWord, setMR, syscallError } from '../kernel/message.js';
import { rescheduleRequired, setThreadState } from '../kernel/thread.js';
import { CAP_NOTIFICATION, capGetCapType, notificationCapGetCapNtfnCanReceive, notificationCapGetCapNtfnPtr, threadCapGetCapTCBPtr } from './cap.js';
import { suspend, unbindNotification } from './ipc-cancel.js';
import { CTE_CAP_W1 } from './mdb.js';
import { bindNotification } from './notification.js';
import { NTFN_BOUND_TCB, NTFN_W1, notificationGetBoundTCB, notificationGetQueueHead } from './structures.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_FLAGS, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, setRegister, tcbGet, tcbSet,
} from './tcb-layout.js';
import { decodeCopyRegisters, decodeReadRegisters, decodeWriteRegisters } from './tcb/registers.js';
import { restart } from './tcb/restart.js';
import {
  decodeSetIPCBuffer, decodeSetMCPriority, decodeSetPriority, decodeSetSchedParams, decodeSetSpace, decodeTCBConfigure,
} from './tcb/thread-control.js';

export { restart } from './tcb/restart.js';
export { setMCPriority, setPriority } from './tcb/thread-control.js';

/** `seL4_TCBFlag_MASK`: no flag exists in this configuration (the FPU flag needs an FPU). */
export const TCB_FLAG_MASK = 0;

/**
 * `decodeTCBInvocation(invLabel, length, cap, slot, call, buffer)`: decodes and performs the
 * invocation of the thread cap `w0` found in `slot`.
 */
export function decodeTCBInvocation(k: Kernel, invLabel: number, length: number, w0: number, slot: number,
  call: boolean, buffer: number): Exception {
  switch (invLabel) {
    case LABEL.TCBReadRegisters:
      return decodeReadRegisters(k, w0, length, call, buffer);
    case LABEL.TCBWriteRegisters:
      return decodeWriteRegisters(k, w0, length, buffer);
    case LABEL.TCBCopyRegisters:
      return decodeCopyRegisters(k, w0, length, buffer);
    case LABEL.TCBSuspend:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return invokeTCBSuspend(k, threadCapGetCapTCBPtr(w0));
    case LABEL.TCBResume:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return invokeTCBResume(k, threadCapGetCapTCBPtr(w0));
    case LABEL.TCBConfigure:
      return decodeTCBConfigure(k, w0, length, slot, buffer);
    case LABEL.TCBSetPriority:
      return decodeSetPriority(k, w0, length, buffer);
    case LABEL.TCBSetMCPriority:
      return decodeSetMCPriority(k, w0, length, buffer);
    case LABEL.TCBSetSchedParams:
      return decodeSetSchedParams(k, w0, length, buffer);
    case LABEL.TCBSetIPCBuffer:
      return decodeSetIPCBuffer(k, w0, length, slot, buffer);
    case LABEL.TCBSetSpace:
      return decodeSetSpace(k, w0, length, slot, buffer);
    case LABEL.TCBBindNotification:
      return decodeBindNotification(k, w0);
    case LABEL.TCBUnbindNotification:
      return decodeUnbindNotification(k, w0);
    case LABEL.TCBSetTLSBase:
      return decodeSetTLSBase(k, w0, length, buffer);
    case LABEL.TCBSetFlags:
      return decodeSetFlags(k, w0, length, call, buffer);
    default:
      return syscallError(k, ERROR_CODE.IllegalOperation);
  }
}

/** `invokeTCB_Suspend`. */
export function invokeTCBSuspend(k: Kernel, tcb: number): Exception {
  suspend(k, tcb);
  return EXCEPTION_NONE;
}

/** `invokeTCB_Resume`. */
export function invokeTCBResume(k: Kernel, tcb: number): Exception {
  restart(k, tcb);
  return EXCEPTION_NONE;
}

/**
 * `decodeBindNotification`: cap0 a notification cap with Receive whose notification has no
 * waiters and no bound TCB, for a thread not bound yet; every refusal is IllegalOperation.
 */
export function decodeBindNotification(k: Kernel, w0: number): Exception {
  const mem = k.mem;
  const ntfnSlot = k.currentExtraCaps[0]!;
  if (ntfnSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const tcb = threadCapGetCapTCBPtr(w0);
  if (tcbGet(mem, tcb, TCB_BOUND_NOTIFICATION) !== 0) return syscallError(k, ERROR_CODE.IllegalOperation);
  const n0 = mem.read32(ntfnSlot);
  if (capGetCapType(n0) !== CAP_NOTIFICATION) return syscallError(k, ERROR_CODE.IllegalOperation);
  const ntfn = notificationCapGetCapNtfnPtr(n0);
  if (!notificationCapGetCapNtfnCanReceive(mem.read32(ntfnSlot + CTE_CAP_W1))) return syscallError(k, ERROR_CODE.IllegalOperation);
  if (notificationGetQueueHead(mem.read32(ntfn + NTFN_W1)) !== 0 ||
      notificationGetBoundTCB(mem.read32(ntfn + NTFN_BOUND_TCB)) !== 0) {
    return syscallError(k, ERROR_CODE.IllegalOperation);
  }
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBNotificationControl(k, tcb, ntfn);
}

/** `decodeUnbindNotification`: IllegalOperation if the thread has no bound notification. */
export function decodeUnbindNotification(k: Kernel, w0: number): Exception {
  const tcb = threadCapGetCapTCBPtr(w0);
  if (tcbGet(k.mem, tcb, TCB_BOUND_NOTIFICATION) === 0) return syscallError(k, ERROR_CODE.IllegalOperation);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBNotificationControl(k, tcb, 0);
}

/** `invokeTCB_NotificationControl(tcb, ntfnPtr)`: binds, or unbinds when `ntfn` is 0. */
export function invokeTCBNotificationControl(k: Kernel, tcb: number, ntfn: number): Exception {
  if (ntfn !== 0) bindNotification(k, tcb, ntfn);
  else unbindNotification(k, tcb);
  return EXCEPTION_NONE;
}

/** `decodeSetTLSBase`: MR0 the TLS base, written to `TLS_BASE` (TPIDRURW here). */
export function decodeSetTLSBase(k: Kernel, w0: number, length: number, buffer: number): Exception {
  if (length < 1) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const tlsBase = getSyscallArg(k, 0, buffer);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  const thread = threadCapGetCapTCBPtr(w0);
  setRegister(k.mem, thread, TLS_BASE_REGISTER, tlsBase);
  // The current thread's TLS register is only reloaded on a switch.
  if (thread === k.ksCurThread) rescheduleRequired(k);
  return EXCEPTION_NONE;
}

/**
 * `decodeSetFlags` with `invokeSetFlags`: MR0 flags to clear, MR1 flags to set; replies (to a
 * Call) with the resulting flags itself and sets the caller Running.
 */
export function decodeSetFlags(k: Kernel, w0: number, length: number, call: boolean, buffer: number): Exception {
  if (length < 2) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const clear = getSyscallArg(k, 0, buffer);
  const set = getSyscallArg(k, 1, buffer);
  const cur = k.ksCurThread;
  setThreadState(k, cur, THREAD_STATE_RESTART);
  const thread = threadCapGetCapTCBPtr(w0);
  const flags = ((tcbGet(k.mem, thread, TCB_FLAGS) & ~clear) | (set & TCB_FLAG_MASK)) >>> 0;
  tcbSet(k.mem, thread, TCB_FLAGS, flags);
  if (call) {
    const ipcBuffer = lookupIPCBuffer(k, true, cur);
    setRegister(k.mem, cur, BADGE_REGISTER, 0);
    const len = setMR(k, cur, ipcBuffer, 0, flags);
    setRegister(k.mem, cur, MSG_INFO_REGISTER, messageInfoWord(0, 0, 0, len));
  }
  setThreadState(k, cur, THREAD_STATE_RUNNING);
  return EXCEPTION_NONE;
}
