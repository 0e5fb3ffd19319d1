/**
 * Reply caps (seL4 `setupCallerCap` in `src/object/tcb.c`, `doReplyTransfer` in
 * `src/kernel/thread.c`, `performInvocation_Reply` in `src/object/objecttype.c`; non-MCS).
 * A Call leaves the caller BlockedOnReply with a reply cap to it in the receiver's caller
 * slot, a child of the caller's master reply cap; the reply consumes that cap and either
 * delivers a message or, if the caller had faulted, answers the fault.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { EXCEPTION_NONE, type Exception } from '../kernel/failures.js';
import { kernelAssert } from '../kernel/panic.js';
import { possibleSwitchTo, setThreadState } from '../kernel/thread.js';
import { handleFaultReply } from '../kernel/fault-message.js';
import {
  CAP_NULL, CAP_REPLY, capGetCapType, replyCapGetCapReplyCanGrant, replyCapGetCapReplyMaster,
  replyCapGetCapTCBPtr, replyCapNew,
} from './cap.js';
import { cteInsert } from './cte.js';
import { cteDeleteOne } from './delete.js';
import { doIPCTransfer } from './ipc-transfer.js';
import { FAULT_NULL, faultGetType } from './structures.js';
import {
  TCB_CALLER, TCB_FAULT_W0, TCB_FAULT_W1, TCB_REPLY, THREAD_STATE_BLOCKED_ON_REPLY, THREAD_STATE_INACTIVE,
  THREAD_STATE_RESTART, THREAD_STATE_RUNNING, tcbCte, tcbGet, tcbGetState, tcbSet,
} from './tcb-layout.js';

/**
 * `setupCallerCap(sender, receiver, canGrant)`: the sender waits for the reply; a reply cap
 * to it (Grant as the receiver's endpoint cap had it) goes into the receiver's caller slot.
 */
export function setupCallerCap(k: Kernel, sender: number, receiver: number, canGrant: boolean): void {
  setThreadState(k, sender, THREAD_STATE_BLOCKED_ON_REPLY);
  const replySlot = tcbCte(sender, TCB_REPLY);
  const master = k.mem.read32(replySlot);
  kernelAssert(capGetCapType(master) === CAP_REPLY && replyCapGetCapReplyMaster(master) === 1 &&
    replyCapGetCapReplyCanGrant(master) === 1 && replyCapGetCapTCBPtr(master) === sender,
  'Sender must have a valid master reply cap');
  const callerSlot = tcbCte(receiver, TCB_CALLER);
  kernelAssert(capGetCapType(k.mem.read32(callerSlot)) === CAP_NULL, 'Caller cap must not already exist');
  const cap = replyCapNew(k.capRet, canGrant ? 1 : 0, 0, sender);
  cteInsert(k, cap.w0, cap.w1, replySlot, callerSlot);
}

/**
 * `doReplyTransfer(sender, receiver, slot, grant)`: a normal reply transfers the message and
 * wakes the receiver; a fault reply deletes the reply cap first, then lets the fault type
 * decide whether the receiver restarts or stays Inactive.
 */
export function doReplyTransfer(k: Kernel, sender: number, receiver: number, slot: number, grant: boolean): void {
  kernelAssert(tcbGetState(k.mem, receiver) === THREAD_STATE_BLOCKED_ON_REPLY, 'doReplyTransfer: receiver not blocked on reply');
  if (faultGetType(tcbGet(k.mem, receiver, TCB_FAULT_W0)) === FAULT_NULL) {
    doIPCTransfer(k, sender, 0, 0, grant, receiver);
    cteDeleteOne(k, slot);
    setThreadState(k, receiver, THREAD_STATE_RUNNING);
    possibleSwitchTo(k, receiver);
  } else {
    cteDeleteOne(k, slot);
    const restart = handleFaultReply(k, receiver, sender);
    tcbSet(k.mem, receiver, TCB_FAULT_W0, 0);
    tcbSet(k.mem, receiver, TCB_FAULT_W1, 0);
    if (restart) {
      setThreadState(k, receiver, THREAD_STATE_RESTART);
      possibleSwitchTo(k, receiver);
    } else {
      setThreadState(k, receiver, THREAD_STATE_INACTIVE);
    }
  }
}

/** `performInvocation_Reply(thread, slot, canGrant)`: the current thread replies through the cap in `slot`. */
export function performInvocationReply(k: Kernel, w0: number, slot: number): Exception {
  doReplyTransfer(k, k.ksCurThread, replyCapGetCapTCBPtr(w0), slot, replyCapGetCapReplyCanGrant(w0) === 1);
  return EXCEPTION_NONE;
}
