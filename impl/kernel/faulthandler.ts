/**
 * Fault delivery (seL4 `src/kernel/faulthandler.c`, non-MCS; l4v `handle_fault`,
 * `send_fault_ipc`, `handle_double_fault`). The fault in `k.currentFault*` goes to the
 * endpoint named by the thread's fault-handler CPtr; if there is none usable, the thread
 * double-faults and becomes Inactive. The fault is stored in the thread's `tcbFault` (with the
 * lookup failure of a CapFault in `tcbLookupFailure`) and sent as a Call on that endpoint.
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { EXCEPTION_FAULT, EXCEPTION_NONE, type Exception } from './failures.js';
import { lookupCap, setLookupFault } from './cspace.js';
import {
  CAP_ENDPOINT, capGetCapType, endpointCapGetCapCanGrant, endpointCapGetCapCanGrantReply, endpointCapGetCapCanSend,
  endpointCapGetCapEPBadge, endpointCapGetCapEPPtr,
} from '../object/cap.js';
import { sendIPC } from '../object/endpoint.js';
import { FAULT_CAP, capFaultW0, faultGetType, lookupFaultMissingCapabilityW0 } from '../object/structures.js';
import {
  TCB_FAULT_HANDLER, TCB_FAULT_W0, TCB_FAULT_W1, TCB_LOOKUP_FAILURE_W0, TCB_LOOKUP_FAILURE_W1, THREAD_STATE_INACTIVE,
  tcbGet, tcbSet,
} from '../object/tcb-layout.js';
import { setThreadState } from './thread.js';

/** `handleFault(tptr)`: sends the current fault to the thread's handler, or double-faults. */
export function handleFault(k: Kernel, tcb: number): void {
  const status = sendFaultIPC(k, tcb);
  if (status !== EXCEPTION_NONE) handleDoubleFault(k, tcb);
}

/**
 * `sendFaultIPC(tptr)`: the handler CPtr must name an endpoint cap with Send and Grant or
 * GrantReply, through which the fault goes as a blocking Call with the cap's badge (reply
 * grant always allowed); otherwise a CapFault on the handler CPtr replaces the current fault.
 */
export function sendFaultIPC(k: Kernel, tcb: number): Exception {
  // The lookup of the handler overwrites `current_lookup_fault`; a CapFault needs the original.
  const originalLookupFaultW0 = k.currentLookupFaultW0;
  const originalLookupFaultW1 = k.currentLookupFaultW1;
  const handlerCPtr = tcbGet(k.mem, tcb, TCB_FAULT_HANDLER);
  const status = lookupCap(k, tcb, handlerCPtr);
  if (status !== EXCEPTION_NONE) {
    k.currentFaultW0 = capFaultW0(0);
    k.currentFaultW1 = handlerCPtr;
    return EXCEPTION_FAULT;
  }
  const w0 = k.capRet.w0;
  const w1 = k.capRet.w1;
  if (capGetCapType(w0) === CAP_ENDPOINT && endpointCapGetCapCanSend(w1) &&
      (endpointCapGetCapCanGrant(w1) || endpointCapGetCapCanGrantReply(w1))) {
    tcbSet(k.mem, tcb, TCB_FAULT_W0, k.currentFaultW0);
    tcbSet(k.mem, tcb, TCB_FAULT_W1, k.currentFaultW1);
    if (faultGetType(k.currentFaultW0) === FAULT_CAP) {
      tcbSet(k.mem, tcb, TCB_LOOKUP_FAILURE_W0, originalLookupFaultW0);
      tcbSet(k.mem, tcb, TCB_LOOKUP_FAILURE_W1, originalLookupFaultW1);
    }
    sendIPC(k, true, true, endpointCapGetCapEPBadge(w0), endpointCapGetCapCanGrant(w1) === 1, true, tcb,
      endpointCapGetCapEPPtr(w1));
    return EXCEPTION_NONE;
  }
  k.currentFaultW0 = capFaultW0(0);
  k.currentFaultW1 = handlerCPtr;
  setLookupFault(k, lookupFaultMissingCapabilityW0(0), 0);
  return EXCEPTION_FAULT;
}

/** `handleDoubleFault(tptr, ex1)`: the thread stops (Inactive). */
export function handleDoubleFault(k: Kernel, tcb: number): void {
  setThreadState(k, tcb, THREAD_STATE_INACTIVE);
}
