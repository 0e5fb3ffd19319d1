/**
 * The TCB object layout (seL4 `include/object/structures.h`, aarch32, non-MCS, no FPU, no
 * debug): a 512-byte object whose first 5 CTEs (80 bytes) are the TCB's own cap slots and
 * whose `tcb_t` starts at object base + 256 (`TCB_OFFSET`). As in C, every kernel reference to
 * a thread (thread and reply caps, `ksCurThread`, queues, scheduler action, bound TCB) is the
 * `tcb_t` pointer, and the CTEs are found by masking it (`TCB_PTR_CTE_PTR`).
 *
 * `tcb_t` fields, byte offsets from the `tcb_t` pointer, in C declaration order:
 *
 * | offset | field | words |
 * |---|---|---|
 * | 0 | `tcbArch.tcbContext.registers[20]` (index = `Reg`) | 20 |
 * | 80 | `tcbState` (`thread_state_t`) | 3 |
 * | 92 | `tcbFlags` | 1 |
 * | 96 | `tcbBoundNotification` | 1 |
 * | 100 | `tcbFault` (`seL4_Fault_t`) | 2 |
 * | 108 | `tcbLookupFailure` (`lookup_fault_t`) | 2 |
 * | 116 | `tcbDomain` | 1 |
 * | 120 | `tcbMCP` | 1 |
 * | 124 | `tcbPriority` | 1 |
 * | 128 | `tcbTimeSlice` | 1 |
 * | 132 | `tcbFaultHandler` (CPtr) | 1 |
 * | 136 | `tcbIPCBuffer` (user vaddr) | 1 |
 * | 140 | `tcbSchedNext` | 1 |
 * | 144 | `tcbSchedPrev` | 1 |
 * | 148 | `tcbEPNext` | 1 |
 * | 152 | `tcbEPPrev` | 1 |
 *
 * @module
 */
import type { PhysicalMemory } from '../../hardware/memory.js';

/** `TCB_OFFSET`: the `tcb_t` lies 256 bytes into the 512-byte TCB object. */
export const TCB_OFFSET = 256;
/** `seL4_TCBBits`. */
export const TCB_BLOCK_BITS = 9;

/** `tcbCTable`: CSpace root slot. */
export const TCB_CTABLE = 0;
/** `tcbVTable`: VSpace root slot. */
export const TCB_VTABLE = 1;
/** `tcbReply`: master reply cap slot. */
export const TCB_REPLY = 2;
/** `tcbCaller`: caller reply cap slot. */
export const TCB_CALLER = 3;
/** `tcbBuffer`: IPC buffer frame cap slot. */
export const TCB_BUFFER = 4;
/** `tcbCNodeEntries`. */
export const TCB_CNODE_ENTRIES = 5;

/** Byte offset of the saved user registers (`registers[r]` at `4 * r`). */
export const TCB_CONTEXT = 0;
/** Byte offset of `tcbState` word 0 (blockingObject, tsType). */
export const TCB_STATE_W0 = 80;
/** Byte offset of `tcbState` word 1 (tcbQueued). */
export const TCB_STATE_W1 = 84;
/** Byte offset of `tcbState` word 2 (IPC badge and flags). */
export const TCB_STATE_W2 = 88;
/** Byte offset of `tcbFlags`. */
export const TCB_FLAGS = 92;
/** Byte offset of `tcbBoundNotification`. */
export const TCB_BOUND_NOTIFICATION = 96;
/** Byte offset of `tcbFault` word 0. */
export const TCB_FAULT_W0 = 100;
/** Byte offset of `tcbFault` word 1. */
export const TCB_FAULT_W1 = 104;
/** Byte offset of `tcbLookupFailure` word 0. */
export const TCB_LOOKUP_FAILURE_W0 = 108;
/** Byte offset of `tcbLookupFailure` word 1. */
export const TCB_LOOKUP_FAILURE_W1 = 112;
/** Byte offset of `tcbDomain`. */
export const TCB_DOMAIN = 116;
/** Byte offset of `tcbMCP`. */
export const TCB_MCP = 120;
/** Byte offset of `tcbPriority`. */
export const TCB_PRIORITY = 124;
/** Byte offset of `tcbTimeSlice`. */
export const TCB_TIME_SLICE = 128;
/** Byte offset of `tcbFaultHandler`. */
export const TCB_FAULT_HANDLER = 132;
/** Byte offset of `tcbIPCBuffer`. */
export const TCB_IPC_BUFFER = 136;
/** Byte offset of `tcbSchedNext`. */
export const TCB_SCHED_NEXT = 140;
/** Byte offset of `tcbSchedPrev`. */
export const TCB_SCHED_PREV = 144;
/** Byte offset of `tcbEPNext`. */
export const TCB_EP_NEXT = 148;
/** Byte offset of `tcbEPPrev`. */
export const TCB_EP_PREV = 152;
/** Bytes of `tcb_t` in use. */
export const TCB_T_SIZE = 156;

/** The `tcb_t` pointer of the TCB object at `base` (`TCB_PTR(base + TCB_OFFSET)`). */
export function tcbFromObject(base: number): number {
  return (base + TCB_OFFSET) >>> 0;
}
/** The object base of the TCB whose `tcb_t` is at `tcb` (also the address of its CTE 0). */
export function tcbObjectBase(tcb: number): number {
  return (tcb & ~0x1ff) >>> 0;
}
/** `TCB_PTR_CTE_PTR(tcb, i)`: the address of the TCB's cap slot `i`. */
export function tcbCte(tcb: number, i: number): number {
  return ((tcb & ~0x1ff) + 16 * i) >>> 0;
}

// ---- thread_state_t ----

/** `ThreadState_Inactive`. */
export const THREAD_STATE_INACTIVE = 0;
/** `ThreadState_Running`. */
export const THREAD_STATE_RUNNING = 1;
/** `ThreadState_Restart`. */
export const THREAD_STATE_RESTART = 2;
/** `ThreadState_BlockedOnReceive`. */
export const THREAD_STATE_BLOCKED_ON_RECEIVE = 3;
/** `ThreadState_BlockedOnSend`. */
export const THREAD_STATE_BLOCKED_ON_SEND = 4;
/** `ThreadState_BlockedOnReply`. */
export const THREAD_STATE_BLOCKED_ON_REPLY = 5;
/** `ThreadState_BlockedOnNotification`. */
export const THREAD_STATE_BLOCKED_ON_NOTIFICATION = 6;
/** `ThreadState_IdleThreadState`. */
export const THREAD_STATE_IDLE = 7;

/** `thread_state_get_tsType`. */
export function tcbGetState(mem: PhysicalMemory, tcb: number): number {
  return mem.read32(tcb + TCB_STATE_W0) & 0xf;
}
/** `thread_state_ptr_set_tsType`: only the type changes (blockingObject etc. stay, as in C). */
export function tcbSetStateType(mem: PhysicalMemory, tcb: number, ts: number): void {
  const w0 = mem.read32(tcb + TCB_STATE_W0);
  mem.write32(tcb + TCB_STATE_W0, ((w0 & ~0xf) | (ts & 0xf)) >>> 0);
}
/** `thread_state_get_blockingObject` (w0[31:4]). */
export function tcbGetBlockingObject(mem: PhysicalMemory, tcb: number): number {
  return (mem.read32(tcb + TCB_STATE_W0) & 0xfffffff0) >>> 0;
}
/** `thread_state_get_tcbQueued` (w1[0]). */
export function tcbGetQueued(mem: PhysicalMemory, tcb: number): number {
  return mem.read32(tcb + TCB_STATE_W1) & 1;
}
/** `thread_state_ptr_set_tcbQueued`. */
export function tcbSetQueued(mem: PhysicalMemory, tcb: number, v: number): void {
  const w1 = mem.read32(tcb + TCB_STATE_W1);
  mem.write32(tcb + TCB_STATE_W1, ((w1 & ~1) | (v & 1)) >>> 0);
}
/** `blockingIPCBadge` (w2[31:4]). */
export function threadStateGetBlockingIPCBadge(w2: number): number {
  return w2 >>> 4;
}
/** `blockingIPCCanGrant` (w2[3]). */
export function threadStateGetBlockingIPCCanGrant(w2: number): number {
  return (w2 >>> 3) & 1;
}
/** `blockingIPCCanGrantReply` (w2[2]). */
export function threadStateGetBlockingIPCCanGrantReply(w2: number): number {
  return (w2 >>> 2) & 1;
}
/** `blockingIPCIsCall` (w2[1]). */
export function threadStateGetBlockingIPCIsCall(w2: number): number {
  return (w2 >>> 1) & 1;
}

/** `isRunnable`: Running or Restart. */
export function isRunnableState(ts: number): boolean {
  return ts === THREAD_STATE_RUNNING || ts === THREAD_STATE_RESTART;
}
/** `isStopped`: Inactive or blocked. */
export function isStoppedState(ts: number): boolean {
  return ts === THREAD_STATE_INACTIVE || (ts >= THREAD_STATE_BLOCKED_ON_RECEIVE && ts <= THREAD_STATE_BLOCKED_ON_NOTIFICATION);
}

// ---- plain word fields ----

/** Reads the word field at byte offset `field` of the `tcb_t` at `tcb`. */
export function tcbGet(mem: PhysicalMemory, tcb: number, field: number): number {
  return mem.read32(tcb + field);
}
/** Writes the word field at byte offset `field` of the `tcb_t` at `tcb`. */
export function tcbSet(mem: PhysicalMemory, tcb: number, field: number, v: number): void {
  mem.write32(tcb + field, v >>> 0);
}
/** `getRegister(tcb, r)`. */
export function getRegister(mem: PhysicalMemory, tcb: number, r: number): number {
  return mem.read32(tcb + 4 * r);
}
/** `setRegister(tcb, r, v)`. */
export function setRegister(mem: PhysicalMemory, tcb: number, r: number, v: number): void {
  mem.write32(tcb + 4 * r, v >>> 0);
}
