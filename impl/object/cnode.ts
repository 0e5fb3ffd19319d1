/**
 * CNode invocations (seL4 `decodeCNodeInvocation` and `invokeCNode*` in
 * `src/object/cnode.c`; l4v `decode_cnode_invocation`, `invoke_cnode`; manual §3.1): Revoke,
 * Delete, CancelBadgedSends, Copy, Mint, Move, Mutate, Rotate, SaveCaller, with every check
 * in the C kernel's order.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { LABEL } from '../../abi/labels.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import { KernelPanic } from '../kernel/panic.js';
import { lookupPivotSlot, lookupSourceSlot, lookupTargetSlot, setLookupFault } from '../kernel/cspace.js';
import { getSyscallArg, syscallError } from '../kernel/message.js';
import { setThreadState } from '../kernel/thread.js';
import {
  CAP_NULL, CAP_REPLY, capGetCapType, endpointCapGetCapEPBadge, endpointCapGetCapEPPtr, replyCapGetCapReplyMaster,
} from './cap.js';
import { CTE_CAP_W1 } from './mdb.js';
import { deriveCap, hasCancelSendRights, maskCapRights, updateCapData } from './objecttype.js';
import { cteInsert, cteMove, cteSwap, ensureEmptySlot } from './cte.js';
import { cteDelete, cteRevoke } from './delete.js';
import { cancelBadgedSends } from './ipc-cancel.js';
import { lookupFaultMissingCapabilityW0 } from './structures.js';
import { TCB_CALLER, THREAD_STATE_RESTART, tcbCte } from './tcb-layout.js';

// A source (or pivot) slot that holds no cap: FailedLookup MissingCapability(depth).
function missingSource(k: Kernel, isSource: number, depth: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.FailedLookup;
  k.currentSyscallError.failedLookupWasSource = isSource;
  setLookupFault(k, lookupFaultMissingCapabilityW0(depth), 0);
  return EXCEPTION_SYSCALL_ERROR;
}

function isNull(k: Kernel, slot: number): boolean {
  return capGetCapType(k.mem.read32(slot)) === CAP_NULL;
}

/**
 * `decodeCNodeInvocation(invLabel, length, cap, buffer)`: label in range (IllegalOperation),
 * at least 2 MRs (TruncatedMessage), the target slot (index MR0, depth MR1), then the label's
 * own checks; performs the operation with the caller set to Restart.
 */
export function decodeCNodeInvocation(k: Kernel, invLabel: number, length: number, w0: number, w1: number, buffer: number): Exception {
  if (invLabel < LABEL.CNodeRevoke || invLabel > LABEL.CNodeSaveCaller) return syscallError(k, ERROR_CODE.IllegalOperation);
  if (length < 2) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const index = getSyscallArg(k, 0, buffer);
  const wBits = getSyscallArg(k, 1, buffer);
  const status = lookupTargetSlot(k, w0, w1, index, wBits);
  if (status !== EXCEPTION_NONE) return status;
  const destSlot = k.retSlot;
  if (invLabel >= LABEL.CNodeCopy && invLabel <= LABEL.CNodeMutate) {
    return decodeCopyMintMoveMutate(k, invLabel, length, destSlot, buffer);
  }
  switch (invLabel) {
    case LABEL.CNodeRevoke:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return cteRevoke(k, destSlot);
    case LABEL.CNodeDelete:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return cteDelete(k, destSlot, true);
    case LABEL.CNodeSaveCaller:
      return decodeSaveCaller(k, destSlot);
    case LABEL.CNodeCancelBadgedSends:
      return decodeCancelBadgedSends(k, destSlot);
    case LABEL.CNodeRotate:
      return decodeRotate(k, length, destSlot, buffer);
    default:
      return EXCEPTION_NONE;
  }
}

// Copy, Mint, Move, Mutate: the source root is extra cap 0 (MR2 index, MR3 depth).
function decodeCopyMintMoveMutate(k: Kernel, invLabel: number, length: number, destSlot: number, buffer: number): Exception {
  const srcRootSlot = k.currentExtraCaps[0]!;
  if (length < 4 || srcRootSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const srcIndex = getSyscallArg(k, 2, buffer);
  const srcDepth = getSyscallArg(k, 3, buffer);
  const r0 = k.mem.read32(srcRootSlot);
  const r1 = k.mem.read32(srcRootSlot + CTE_CAP_W1);
  let status = ensureEmptySlot(k, destSlot);
  if (status !== EXCEPTION_NONE) return status;
  status = lookupSourceSlot(k, r0, r1, srcIndex, srcDepth);
  if (status !== EXCEPTION_NONE) return status;
  const srcSlot = k.retSlot;
  if (isNull(k, srcSlot)) return missingSource(k, 1, srcDepth);
  const s0 = k.mem.read32(srcSlot);
  const s1 = k.mem.read32(srcSlot + CTE_CAP_W1);
  const out = k.capRet2;
  let isMove = false;
  switch (invLabel) {
    case LABEL.CNodeCopy: {
      if (length < 5) return syscallError(k, ERROR_CODE.TruncatedMessage);
      maskCapRights(out, getSyscallArg(k, 4, buffer), s0, s1);
      status = deriveCap(k, srcSlot, out.w0, out.w1);
      if (status !== EXCEPTION_NONE) return status;
      break;
    }
    case LABEL.CNodeMint: {
      if (length < 6) return syscallError(k, ERROR_CODE.TruncatedMessage);
      const rights = getSyscallArg(k, 4, buffer);
      const capData = getSyscallArg(k, 5, buffer);
      maskCapRights(out, rights, s0, s1);
      updateCapData(out, false, capData, out.w0, out.w1);
      status = deriveCap(k, srcSlot, out.w0, out.w1);
      if (status !== EXCEPTION_NONE) return status;
      break;
    }
    case LABEL.CNodeMove:
      k.capRet.w0 = s0;
      k.capRet.w1 = s1;
      isMove = true;
      break;
    default: // CNodeMutate
      if (length < 5) return syscallError(k, ERROR_CODE.TruncatedMessage);
      updateCapData(k.capRet, true, getSyscallArg(k, 4, buffer), s0, s1);
      isMove = true;
      break;
  }
  const n0 = k.capRet.w0;
  const n1 = k.capRet.w1;
  if (capGetCapType(n0) === CAP_NULL) return syscallError(k, ERROR_CODE.IllegalOperation);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  if (isMove) cteMove(k, n0, n1, srcSlot, destSlot);
  else cteInsert(k, n0, n1, srcSlot, destSlot);
  return EXCEPTION_NONE;
}

// SaveCaller: the destination must be empty; a non-master reply cap in tcbCaller moves there.
function decodeSaveCaller(k: Kernel, destSlot: number): Exception {
  const status = ensureEmptySlot(k, destSlot);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  const srcSlot = tcbCte(k.ksCurThread, TCB_CALLER);
  const c0 = k.mem.read32(srcSlot);
  switch (capGetCapType(c0)) {
    case CAP_NULL:
      return EXCEPTION_NONE;
    case CAP_REPLY:
      if (!replyCapGetCapReplyMaster(c0)) cteMove(k, c0, k.mem.read32(srcSlot + CTE_CAP_W1), srcSlot, destSlot);
      return EXCEPTION_NONE;
    default:
      throw new KernelPanic('caller capability must be null or reply');
  }
}

// CancelBadgedSends: the target must be an endpoint cap with all rights.
function decodeCancelBadgedSends(k: Kernel, destSlot: number): Exception {
  const d0 = k.mem.read32(destSlot);
  const d1 = k.mem.read32(destSlot + CTE_CAP_W1);
  if (!hasCancelSendRights(d0, d1)) return syscallError(k, ERROR_CODE.IllegalOperation);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  if (endpointCapGetCapEPBadge(d0) !== 0) cancelBadgedSends(k, endpointCapGetCapEPPtr(d1), endpointCapGetCapEPBadge(d0));
  return EXCEPTION_NONE;
}

// Rotate: dest ← pivot (data MR2), pivot ← src (data MR5); pivot root extra cap 0, src root extra cap 1.
function decodeRotate(k: Kernel, length: number, destSlot: number, buffer: number): Exception {
  const pivotRootSlot = k.currentExtraCaps[0]!;
  const srcRootSlot = k.currentExtraCaps[1]!;
  if (length < 8 || pivotRootSlot === 0 || srcRootSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const pivotNewData = getSyscallArg(k, 2, buffer);
  const pivotIndex = getSyscallArg(k, 3, buffer);
  const pivotDepth = getSyscallArg(k, 4, buffer);
  const srcNewData = getSyscallArg(k, 5, buffer);
  const srcIndex = getSyscallArg(k, 6, buffer);
  const srcDepth = getSyscallArg(k, 7, buffer);
  const mem = k.mem;
  let status = lookupSourceSlot(k, mem.read32(srcRootSlot), mem.read32(srcRootSlot + CTE_CAP_W1), srcIndex, srcDepth);
  if (status !== EXCEPTION_NONE) return status;
  const srcSlot = k.retSlot;
  status = lookupPivotSlot(k, mem.read32(pivotRootSlot), mem.read32(pivotRootSlot + CTE_CAP_W1), pivotIndex, pivotDepth);
  if (status !== EXCEPTION_NONE) return status;
  const pivotSlot = k.retSlot;
  if (pivotSlot === srcSlot || pivotSlot === destSlot) return syscallError(k, ERROR_CODE.IllegalOperation);
  if (srcSlot !== destSlot) {
    status = ensureEmptySlot(k, destSlot);
    if (status !== EXCEPTION_NONE) return status;
  }
  if (isNull(k, srcSlot)) return missingSource(k, 1, srcDepth);
  if (isNull(k, pivotSlot)) return missingSource(k, 0, pivotDepth);
  const newSrc = updateCapData(k.capRet, true, srcNewData, mem.read32(srcSlot), mem.read32(srcSlot + CTE_CAP_W1));
  const newPivot = updateCapData(k.capRet2, true, pivotNewData, mem.read32(pivotSlot), mem.read32(pivotSlot + CTE_CAP_W1));
  if (capGetCapType(newSrc.w0) === CAP_NULL) return syscallError(k, ERROR_CODE.IllegalOperation);
  if (capGetCapType(newPivot.w0) === CAP_NULL) return syscallError(k, ERROR_CODE.IllegalOperation);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  const s0 = newSrc.w0, s1 = newSrc.w1, p0 = newPivot.w0, p1 = newPivot.w1;
  if (srcSlot === destSlot) {
    cteSwap(k, s0, s1, srcSlot, p0, p1, pivotSlot);
  } else {
    cteMove(k, p0, p1, pivotSlot, destSlot);
    cteMove(k, s0, s1, srcSlot, pivotSlot);
  }
  return EXCEPTION_NONE;
}
