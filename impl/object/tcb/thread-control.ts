/**
 * The configuration invocations of a TCB (seL4 `src/object/tcb.c` `decodeTCBConfigure`,
 * `decodeSetPriority`, `decodeSetMCPriority`, `decodeSetSchedParams`, `decodeSetIPCBuffer`,
 * `decodeSetSpace`, `checkPrio`, `invokeTCB_ThreadControl`; `src/kernel/thread.c`
 * `setPriority`, `setMCPriority`; ARM `checkValidIPCBuffer`, `isValidVTableRoot`).
 *
 * Each decoder ends in `invokeTCB_ThreadControl` with the update flags of what it changes.
 * New caps travel as word pairs; slot arguments are CTE addresses (0 = none).
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { ERROR_CODE } from '../../../abi/errors.js';
import { IPC_BUFFER_SIZE_BITS } from '../../../abi/config.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../../kernel/failures.js';
import { getSyscallArg, syscallError } from '../../kernel/message.js';
import { isSchedulable, possibleSwitchTo, rescheduleRequired, setThreadState, tcbSchedDequeue } from '../../kernel/thread.js';
import { genericFrameCapGetCapFIsDevice, pageDirectoryCapGetCapPDIsMapped } from '../arch-cap.js';
import {
  CAP_CNODE, CAP_FRAME, CAP_NULL, CAP_PAGE_DIRECTORY, CAP_SMALL_FRAME, CAP_THREAD, capGetCapType, capWords,
  threadCapGetCapTCBPtr, threadCapNew,
} from '../cap.js';
import { cteInsert, slotCapLongRunningDelete } from '../cte.js';
import { cteDelete } from '../delete.js';
import { CTE_CAP_W1 } from '../mdb.js';
import { deriveCap, sameObjectAs, updateCapData } from '../objecttype.js';
import {
  TCB_BUFFER, TCB_CTABLE, TCB_FAULT_HANDLER, TCB_IPC_BUFFER, TCB_MCP, TCB_PRIORITY, TCB_VTABLE, THREAD_STATE_RESTART,
  tcbCte, tcbGet, tcbSet,
} from '../tcb-layout.js';

/** `NULL_PRIO`. */
const NULL_PRIO = 0;

/** `thread_control_update_priority`. */
export const THREAD_CONTROL_UPDATE_PRIORITY = 0x1;
/** `thread_control_update_ipc_buffer`. */
export const THREAD_CONTROL_UPDATE_IPC_BUFFER = 0x2;
/** `thread_control_update_space`. */
export const THREAD_CONTROL_UPDATE_SPACE = 0x4;
/** `thread_control_update_mcp`. */
export const THREAD_CONTROL_UPDATE_MCP = 0x8;

function illegalOperation(k: Kernel): Exception {
  return syscallError(k, ERROR_CODE.IllegalOperation);
}

/** `checkPrio(prio, auth)`: RangeError 0..MCP(auth) when the priority exceeds the authority's MCP. */
export function checkPrio(k: Kernel, prio: number, auth: number): Exception {
  const mcp = tcbGet(k.mem, auth, TCB_MCP);
  if (prio > mcp) {
    k.currentSyscallError.type = ERROR_CODE.RangeError;
    k.currentSyscallError.rangeErrorMin = 0;
    k.currentSyscallError.rangeErrorMax = mcp;
    return EXCEPTION_SYSCALL_ERROR;
  }
  return EXCEPTION_NONE;
}

/** `checkValidIPCBuffer(vptr, cap)`: a non-device frame (IllegalOperation) at a 512-byte aligned address (AlignmentError). */
export function checkValidIPCBuffer(k: Kernel, vptr: number, w0: number): Exception {
  const type = capGetCapType(w0);
  if (type !== CAP_SMALL_FRAME && type !== CAP_FRAME) return illegalOperation(k);
  if (genericFrameCapGetCapFIsDevice(w0)) return illegalOperation(k);
  if ((vptr & (2 ** IPC_BUFFER_SIZE_BITS - 1)) !== 0) return syscallError(k, ERROR_CODE.AlignmentError);
  return EXCEPTION_NONE;
}

/** `isValidVTableRoot(cap)`: a mapped (ASID-assigned) page directory cap. */
export function isValidVTableRoot(w0: number): boolean {
  return capGetCapType(w0) === CAP_PAGE_DIRECTORY && pageDirectoryCapGetCapPDIsMapped(w0) !== 0;
}

/** `setMCPriority(tptr, mcp)`. */
export function setMCPriority(k: Kernel, tcb: number, mcp: number): void {
  tcbSet(k.mem, tcb, TCB_MCP, mcp);
}

/** `setPriority(tptr, prio)`: requeues a runnable thread at its new priority (or reschedules if current). */
export function setPriority(k: Kernel, tcb: number, prio: number): void {
  tcbSchedDequeue(k, tcb);
  tcbSet(k.mem, tcb, TCB_PRIORITY, prio);
  if (isSchedulable(k, tcb)) {
    if (tcb === k.ksCurThread) rescheduleRequired(k);
    else possibleSwitchTo(k, tcb);
  }
}

// The authority TCB of cap0 (SetPriority, SetMCPriority, SetSchedParams), or 0 after setting
// InvalidCapability 1.
function authTCB(k: Kernel): number {
  const authCap = k.mem.read32(k.currentExtraCaps[0]!);
  if (capGetCapType(authCap) !== CAP_THREAD) {
    k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
    k.currentSyscallError.invalidCapNumber = 1;
    return 0;
  }
  return threadCapGetCapTCBPtr(authCap);
}

/** `decodeSetPriority`: MR0 priority, cap0 authority TCB. */
export function decodeSetPriority(k: Kernel, w0: number, length: number, buffer: number): Exception {
  if (length < 1 || k.currentExtraCaps[0] === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const newPrio = getSyscallArg(k, 0, buffer);
  const auth = authTCB(k);
  if (auth === 0) return EXCEPTION_SYSCALL_ERROR;
  const status = checkPrio(k, newPrio, auth);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBThreadControl(k, threadCapGetCapTCBPtr(w0), 0, 0, NULL_PRIO, newPrio,
    CAP_NULL, 0, 0, CAP_NULL, 0, 0, 0, CAP_NULL, 0, 0, THREAD_CONTROL_UPDATE_PRIORITY);
}

/** `decodeSetMCPriority`: MR0 MCP, cap0 authority TCB. */
export function decodeSetMCPriority(k: Kernel, w0: number, length: number, buffer: number): Exception {
  if (length < 1 || k.currentExtraCaps[0] === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const newMcp = getSyscallArg(k, 0, buffer);
  const auth = authTCB(k);
  if (auth === 0) return EXCEPTION_SYSCALL_ERROR;
  const status = checkPrio(k, newMcp, auth);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBThreadControl(k, threadCapGetCapTCBPtr(w0), 0, 0, newMcp, NULL_PRIO,
    CAP_NULL, 0, 0, CAP_NULL, 0, 0, 0, CAP_NULL, 0, 0, THREAD_CONTROL_UPDATE_MCP);
}

/** `decodeSetSchedParams`: MR0 MCP, MR1 priority, cap0 authority TCB; the MCP is checked first. */
export function decodeSetSchedParams(k: Kernel, w0: number, length: number, buffer: number): Exception {
  if (length < 2 || k.currentExtraCaps[0] === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const newMcp = getSyscallArg(k, 0, buffer);
  const newPrio = getSyscallArg(k, 1, buffer);
  const auth = authTCB(k);
  if (auth === 0) return EXCEPTION_SYSCALL_ERROR;
  let status = checkPrio(k, newMcp, auth);
  if (status !== EXCEPTION_NONE) return status;
  status = checkPrio(k, newPrio, auth);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBThreadControl(k, threadCapGetCapTCBPtr(w0), 0, 0, newMcp, newPrio,
    CAP_NULL, 0, 0, CAP_NULL, 0, 0, 0, CAP_NULL, 0, 0, THREAD_CONTROL_UPDATE_MCP | THREAD_CONTROL_UPDATE_PRIORITY);
}

/** `decodeSetIPCBuffer`: MR0 buffer address (0 clears it), cap0 the frame. */
export function decodeSetIPCBuffer(k: Kernel, w0: number, length: number, slot: number, buffer: number): Exception {
  const frameSlot = k.currentExtraCaps[0]!;
  if (length < 1 || frameSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const bufferAddr = getSyscallArg(k, 0, buffer);
  let b0 = k.mem.read32(frameSlot);
  let b1 = k.mem.read32(frameSlot + CTE_CAP_W1);
  let bufferSlot = frameSlot;
  if (bufferAddr === 0) {
    bufferSlot = 0;
  } else {
    const status = deriveCap(k, frameSlot, b0, b1);
    if (status !== EXCEPTION_NONE) return status;
    b0 = k.capRet.w0;
    b1 = k.capRet.w1;
    const e = checkValidIPCBuffer(k, bufferAddr, b0);
    if (e !== EXCEPTION_NONE) return e;
  }
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBThreadControl(k, threadCapGetCapTCBPtr(w0), slot, 0, NULL_PRIO, NULL_PRIO,
    CAP_NULL, 0, 0, CAP_NULL, 0, 0, bufferAddr, b0, b1, bufferSlot, THREAD_CONTROL_UPDATE_IPC_BUFFER);
}

// The space part of SetSpace and Configure, after their own checks: the long-running-delete
// check, then the CSpace root (cap data applied, derived, must be a CNode), then the VSpace
// root (must be a mapped page directory). The new roots go to `k.capRet2` (CSpace) and
// `spaceVRoot` (VSpace).
const spaceVRoot = { w0: 0, w1: 0 };

function decodeSpaceRoots(k: Kernel, tcb: number, cRootData: number, vRootData: number): Exception {
  const mem = k.mem;
  if (slotCapLongRunningDelete(k, tcbCte(tcb, TCB_CTABLE)) || slotCapLongRunningDelete(k, tcbCte(tcb, TCB_VTABLE))) {
    return illegalOperation(k);
  }
  const cRootSlot = k.currentExtraCaps[0]!;
  const vRootSlot = k.currentExtraCaps[1]!;
  let c0 = mem.read32(cRootSlot);
  let c1 = mem.read32(cRootSlot + CTE_CAP_W1);
  if (cRootData !== 0) {
    updateCapData(k.capRet2, false, cRootData, c0, c1);
    c0 = k.capRet2.w0;
    c1 = k.capRet2.w1;
  }
  let status = deriveCap(k, cRootSlot, c0, c1);
  if (status !== EXCEPTION_NONE) return status;
  c0 = k.capRet.w0;
  c1 = k.capRet.w1;
  if (capGetCapType(c0) !== CAP_CNODE) return illegalOperation(k);
  let v0 = mem.read32(vRootSlot);
  let v1 = mem.read32(vRootSlot + CTE_CAP_W1);
  if (vRootData !== 0) {
    updateCapData(k.capRet2, false, vRootData, v0, v1);
    v0 = k.capRet2.w0;
    v1 = k.capRet2.w1;
  }
  status = deriveCap(k, vRootSlot, v0, v1);
  if (status !== EXCEPTION_NONE) return status;
  v0 = k.capRet.w0;
  v1 = k.capRet.w1;
  if (!isValidVTableRoot(v0)) return illegalOperation(k);
  k.capRet2.w0 = c0;
  k.capRet2.w1 = c1;
  spaceVRoot.w0 = v0;
  spaceVRoot.w1 = v1;
  return EXCEPTION_NONE;
}

/** `decodeSetSpace`: MR0 fault endpoint CPtr, MR1/MR2 root cap data, cap0/cap1 CSpace/VSpace roots. */
export function decodeSetSpace(k: Kernel, w0: number, length: number, slot: number, buffer: number): Exception {
  if (length < 3 || k.currentExtraCaps[0] === 0 || k.currentExtraCaps[1] === 0) {
    return syscallError(k, ERROR_CODE.TruncatedMessage);
  }
  const faultEP = getSyscallArg(k, 0, buffer);
  const cRootData = getSyscallArg(k, 1, buffer);
  const vRootData = getSyscallArg(k, 2, buffer);
  const tcb = threadCapGetCapTCBPtr(w0);
  const status = decodeSpaceRoots(k, tcb, cRootData, vRootData);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBThreadControl(k, tcb, slot, faultEP, NULL_PRIO, NULL_PRIO,
    k.capRet2.w0, k.capRet2.w1, k.currentExtraCaps[0]!, spaceVRoot.w0, spaceVRoot.w1, k.currentExtraCaps[1]!,
    0, CAP_NULL, 0, 0, THREAD_CONTROL_UPDATE_SPACE);
}

/**
 * `decodeTCBConfigure`: MR0 fault endpoint, MR1/MR2 root cap data, MR3 buffer address; cap0,
 * cap1 the roots, cap2 the buffer frame. The buffer is checked before the space.
 */
export function decodeTCBConfigure(k: Kernel, w0: number, length: number, slot: number, buffer: number): Exception {
  const refs = k.currentExtraCaps;
  if (length < 4 || refs[0] === 0 || refs[1] === 0 || refs[2] === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const faultEP = getSyscallArg(k, 0, buffer);
  const cRootData = getSyscallArg(k, 1, buffer);
  const vRootData = getSyscallArg(k, 2, buffer);
  const bufferAddr = getSyscallArg(k, 3, buffer);
  let bufferSlot = refs[2]!;
  let b0 = k.mem.read32(bufferSlot);
  let b1 = k.mem.read32(bufferSlot + CTE_CAP_W1);
  if (bufferAddr === 0) {
    bufferSlot = 0;
  } else {
    const status = deriveCap(k, bufferSlot, b0, b1);
    if (status !== EXCEPTION_NONE) return status;
    b0 = k.capRet.w0;
    b1 = k.capRet.w1;
    const e = checkValidIPCBuffer(k, bufferAddr, b0);
    if (e !== EXCEPTION_NONE) return e;
  }
  const tcb = threadCapGetCapTCBPtr(w0);
  const status = decodeSpaceRoots(k, tcb, cRootData, vRootData);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeTCBThreadControl(k, tcb, slot, faultEP, NULL_PRIO, NULL_PRIO,
    k.capRet2.w0, k.capRet2.w1, refs[0]!, spaceVRoot.w0, spaceVRoot.w1, refs[1]!,
    bufferAddr, b0, b1, bufferSlot, THREAD_CONTROL_UPDATE_SPACE | THREAD_CONTROL_UPDATE_IPC_BUFFER);
}

// `tCap` of `invokeTCB_ThreadControl`: the thread cap the invoked slot must still hold.
const tCap = capWords();

// `sameObjectAs(newCap, srcSlot->cap) && sameObjectAs(tCap, slot->cap)`: neither the new cap's
// source nor the invoked thread cap moved or died while the old cap was deleted.
function capsStillInPlace(k: Kernel, n0: number, n1: number, srcSlot: number, slot: number): boolean {
  const mem = k.mem;
  return sameObjectAs(n0, n1, mem.read32(srcSlot), mem.read32(srcSlot + CTE_CAP_W1)) &&
    sameObjectAs(tCap.w0, tCap.w1, mem.read32(slot), mem.read32(slot + CTE_CAP_W1));
}

// `cteDelete` of one of the target's root slots, then the insert of the new root.
function replaceRoot(k: Kernel, target: number, slot: number, index: number, n0: number, n1: number, srcSlot: number): Exception {
  const dest = tcbCte(target, index);
  const e = cteDelete(k, dest, true);
  if (e !== EXCEPTION_NONE) return e;
  if (capsStillInPlace(k, n0, n1, srcSlot, slot)) cteInsert(k, n0, n1, srcSlot, dest);
  return EXCEPTION_NONE;
}

/**
 * `invokeTCB_ThreadControl`: fault handler, MCP, CSpace root, VSpace root, IPC buffer, then
 * priority, as the flags say. A preempted delete returns `EXCEPTION_PREEMPTED`.
 */
export function invokeTCBThreadControl(k: Kernel, target: number, slot: number, faultEP: number, mcp: number,
  priority: number, cRoot0: number, cRoot1: number, cRootSlot: number, vRoot0: number, vRoot1: number,
  vRootSlot: number, bufferAddr: number, buf0: number, buf1: number, bufferSlot: number, updateFlags: number): Exception {
  threadCapNew(tCap, target);
  if (updateFlags & THREAD_CONTROL_UPDATE_SPACE) tcbSet(k.mem, target, TCB_FAULT_HANDLER, faultEP);
  if (updateFlags & THREAD_CONTROL_UPDATE_MCP) setMCPriority(k, target, mcp);
  if (updateFlags & THREAD_CONTROL_UPDATE_SPACE) {
    let e = replaceRoot(k, target, slot, TCB_CTABLE, cRoot0, cRoot1, cRootSlot);
    if (e !== EXCEPTION_NONE) return e;
    e = replaceRoot(k, target, slot, TCB_VTABLE, vRoot0, vRoot1, vRootSlot);
    if (e !== EXCEPTION_NONE) return e;
  }
  if (updateFlags & THREAD_CONTROL_UPDATE_IPC_BUFFER) {
    const dest = tcbCte(target, TCB_BUFFER);
    const e = cteDelete(k, dest, true);
    if (e !== EXCEPTION_NONE) return e;
    tcbSet(k.mem, target, TCB_IPC_BUFFER, bufferAddr);
    if (bufferSlot !== 0 && capsStillInPlace(k, buf0, buf1, bufferSlot, slot)) cteInsert(k, buf0, buf1, bufferSlot, dest);
    if (target === k.ksCurThread) rescheduleRequired(k);
  }
  if (updateFlags & THREAD_CONTROL_UPDATE_PRIORITY) setPriority(k, target, priority);
  return EXCEPTION_NONE;
}
