/**
 * The remaining blocks of seL4's `structures_32.bf` (aarch32, non-MCS): endpoints,
 * notifications, lookup faults and faults. Caps are in `cap.ts`/`arch-cap.ts`, CTEs and the
 * MDB in `mdb.ts`, the TCB in `tcb-layout.ts`.
 *
 * @module
 */

// ---- endpoint (16 bytes): w0 = tail[31:4] state[1:0]; w1 = head[31:4]; w2, w3 padding ----

/** Byte offset of endpoint word 0 (queue tail, state). */
export const EP_W0 = 0;
/** Byte offset of endpoint word 1 (queue head). */
export const EP_W1 = 4;
/** `EPState_Idle`. */
export const EP_STATE_IDLE = 0;
/** `EPState_Send`. */
export const EP_STATE_SEND = 1;
/** `EPState_Recv`. */
export const EP_STATE_RECV = 2;

/** `endpoint_get_state` (w0). */
export function endpointGetState(w0: number): number {
  return w0 & 3;
}
/** `endpoint_get_epQueue_tail` (w0). */
export function endpointGetQueueTail(w0: number): number {
  return (w0 & 0xfffffff0) >>> 0;
}
/** `endpoint_get_epQueue_head` (w1). */
export function endpointGetQueueHead(w1: number): number {
  return (w1 & 0xfffffff0) >>> 0;
}
/** Endpoint word 0 from a queue tail and a state. */
export function endpointW0(tail: number, state: number): number {
  return ((tail & 0xfffffff0) | (state & 3)) >>> 0;
}

// ---- notification (16 bytes): w0 = tail[31:4] state[1:0]; w1 = head[31:4];
//      w2 = msgIdentifier; w3 = boundTCB[31:4] ----

/** Byte offset of notification word 0 (queue tail, state). */
export const NTFN_W0 = 0;
/** Byte offset of notification word 1 (queue head). */
export const NTFN_W1 = 4;
/** Byte offset of notification word 2 (`ntfnMsgIdentifier`). */
export const NTFN_MSG_IDENTIFIER = 8;
/** Byte offset of notification word 3 (`ntfnBoundTCB`). */
export const NTFN_BOUND_TCB = 12;
/** `NtfnState_Idle`. */
export const NTFN_STATE_IDLE = 0;
/** `NtfnState_Waiting`. */
export const NTFN_STATE_WAITING = 1;
/** `NtfnState_Active`. */
export const NTFN_STATE_ACTIVE = 2;

/** `notification_get_state` (w0). */
export function notificationGetState(w0: number): number {
  return w0 & 3;
}
/** `notification_get_ntfnQueue_tail` (w0). */
export function notificationGetQueueTail(w0: number): number {
  return (w0 & 0xfffffff0) >>> 0;
}
/** `notification_get_ntfnQueue_head` (w1). */
export function notificationGetQueueHead(w1: number): number {
  return (w1 & 0xfffffff0) >>> 0;
}
/** `notification_get_ntfnBoundTCB` (w3): a `tcb_t` pointer or 0. */
export function notificationGetBoundTCB(w3: number): number {
  return (w3 & 0xfffffff0) >>> 0;
}

// ---- lookup_fault_t (2 words; tag w0[1:0]) ----

/** `lookup_fault_invalid_root`. */
export const LOOKUP_FAULT_INVALID_ROOT = 0;
/** `lookup_fault_missing_capability`: bitsLeft w0[7:2]. */
export const LOOKUP_FAULT_MISSING_CAPABILITY = 1;
/** `lookup_fault_depth_mismatch`: bitsLeft w0[7:2], bitsFound w0[13:8]. */
export const LOOKUP_FAULT_DEPTH_MISMATCH = 2;
/** `lookup_fault_guard_mismatch`: bitsFound w0[7:2], bitsLeft w0[13:8], guardFound w1. */
export const LOOKUP_FAULT_GUARD_MISMATCH = 3;

/** `lookup_fault_get_lufType` (w0). */
export function lookupFaultGetType(w0: number): number {
  return w0 & 3;
}
/** `lookup_fault_invalid_root_new`: word 0 (word 1 is 0). */
export function lookupFaultInvalidRootW0(): number {
  return LOOKUP_FAULT_INVALID_ROOT;
}
/** `lookup_fault_missing_capability_new(bitsLeft)`: word 0 (word 1 is 0). */
export function lookupFaultMissingCapabilityW0(bitsLeft: number): number {
  return ((bitsLeft & 0x3f) << 2) | LOOKUP_FAULT_MISSING_CAPABILITY;
}
/** `lookup_fault_depth_mismatch_new(bitsFound, bitsLeft)`: word 0 (word 1 is 0). */
export function lookupFaultDepthMismatchW0(bitsFound: number, bitsLeft: number): number {
  return ((bitsFound & 0x3f) << 8) | ((bitsLeft & 0x3f) << 2) | LOOKUP_FAULT_DEPTH_MISMATCH;
}
/** `lookup_fault_guard_mismatch_new(guardFound, bitsLeft, bitsFound)`: word 0 (guardFound is word 1). */
export function lookupFaultGuardMismatchW0(bitsLeft: number, bitsFound: number): number {
  return ((bitsLeft & 0x3f) << 8) | ((bitsFound & 0x3f) << 2) | LOOKUP_FAULT_GUARD_MISMATCH;
}
/** bitsLeft of a missing-capability or depth-mismatch fault (w0[7:2]). */
export function lookupFaultGetBitsLeftLow(w0: number): number {
  return (w0 >>> 2) & 0x3f;
}
/** w0[13:8]: bitsFound of a depth mismatch, bitsLeft of a guard mismatch. */
export function lookupFaultGetBitsHigh(w0: number): number {
  return (w0 >>> 8) & 0x3f;
}

// ---- seL4_Fault_t (2 words; tag w0[3:0]) ----

/** `seL4_Fault_NullFault`. */
export const FAULT_NULL = 0;
/** `seL4_Fault_CapFault`: address w1, inReceivePhase w0[31]. */
export const FAULT_CAP = 1;
/** `seL4_Fault_UnknownSyscall`: syscallNumber w1. */
export const FAULT_UNKNOWN_SYSCALL = 2;
/** `seL4_Fault_UserException`: number w1, code w0[31:4]. */
export const FAULT_USER_EXCEPTION = 3;
/** `seL4_Fault_VMFault`: address w1, FSR w0[31:18], instructionFault w0[17]. */
export const FAULT_VM = 5;

/** `seL4_Fault_get_seL4_FaultType` (w0). */
export function faultGetType(w0: number): number {
  return w0 & 0xf;
}
/** `seL4_Fault_CapFault_new(address, inReceivePhase)`: word 0 (address is word 1). */
export function capFaultW0(inReceivePhase: number): number {
  return (((inReceivePhase & 1) << 31) | FAULT_CAP) >>> 0;
}
/** `seL4_Fault_UserException_new(number, code)`: word 0 (number is word 1). */
export function userExceptionW0(code: number): number {
  return (((code & 0x0fffffff) << 4) | FAULT_USER_EXCEPTION) >>> 0;
}
/** `seL4_Fault_VMFault_new(address, FSR, instructionFault)`: word 0 (address is word 1). */
export function vmFaultW0(fsr: number, instructionFault: number): number {
  return (((fsr & 0x3fff) << 18) | ((instructionFault & 1) << 17) | FAULT_VM) >>> 0;
}
