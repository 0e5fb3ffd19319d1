/**
 * Capability-space lookup (seL4 `src/kernel/cspace.c`; l4v `CSpace_A.resolve_address_bits`,
 * `lookup_slot_for_cnode_op`). Results go to `k.retSlot` / `k.retBitsRemaining` and the
 * error globals `k.currentLookupFault*` / `k.currentSyscallError`, as C's struct returns and
 * globals do; the return value is the exception code.
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { mask } from '../../hardware/word.js';
import { EXCEPTION_LOOKUP_FAULT, EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from './failures.js';
import {
  CAP_CNODE, CAP_NULL, capGetCapType, cnodeCapGetCapCNodeGuard, cnodeCapGetCapCNodeGuardSize,
  cnodeCapGetCapCNodePtr, cnodeCapGetCapCNodeRadix,
} from '../object/cap.js';
import { CTE_CAP_W1 } from '../object/mdb.js';
import { TCB_CTABLE, tcbCte } from '../object/tcb-layout.js';
import {
  lookupFaultDepthMismatchW0, lookupFaultGuardMismatchW0, lookupFaultInvalidRootW0,
} from '../object/structures.js';
import { KernelPanic } from './panic.js';

/** `wordBits`. */
const WORD_BITS = 32;

/** Sets `current_lookup_fault`. */
export function setLookupFault(k: Kernel, w0: number, w1: number): void {
  k.currentLookupFaultW0 = w0 >>> 0;
  k.currentLookupFaultW1 = w1 >>> 0;
}

/**
 * `resolveAddressBits(nodeCap, capptr, n_bits)`: walks CNodes from the cap (w0, w1) until
 * `nBits` are consumed or a non-CNode cap is met. On success `k.retSlot` is the slot reached
 * and `k.retBitsRemaining` the bits not resolved; on failure `current_lookup_fault` is set.
 */
export function resolveAddressBits(k: Kernel, capW0: number, capW1: number, capptr: number, nBits: number): Exception {
  k.retSlot = 0;
  k.retBitsRemaining = nBits;
  if (capGetCapType(capW0) !== CAP_CNODE) {
    setLookupFault(k, lookupFaultInvalidRootW0(), 0);
    return EXCEPTION_LOOKUP_FAULT;
  }
  let w0 = capW0;
  let w1 = capW1;
  let n = nBits;
  for (;;) {
    const radixBits = cnodeCapGetCapCNodeRadix(w1);
    const guardBits = cnodeCapGetCapCNodeGuardSize(w1);
    const levelBits = radixBits + guardBits;
    if (levelBits === 0) throw new KernelPanic('resolveAddressBits: All CNodes must resolve bits');
    const capGuard = cnodeCapGetCapCNodeGuard(w1);
    const guard = ((capptr >>> ((n - guardBits) & 31)) & mask(guardBits)) >>> 0;
    if (guardBits > n || guard !== capGuard) {
      setLookupFault(k, lookupFaultGuardMismatchW0(n, guardBits), capGuard);
      return EXCEPTION_LOOKUP_FAULT;
    }
    if (levelBits > n) {
      setLookupFault(k, lookupFaultDepthMismatchW0(levelBits, n), 0);
      return EXCEPTION_LOOKUP_FAULT;
    }
    const offset = ((capptr >>> (n - levelBits)) & mask(radixBits)) >>> 0;
    const slot = (cnodeCapGetCapCNodePtr(w0) + offset * 16) >>> 0;
    if (n === levelBits) {
      k.retSlot = slot;
      k.retBitsRemaining = 0;
      return EXCEPTION_NONE;
    }
    n -= levelBits;
    w0 = k.mem.read32(slot);
    w1 = k.mem.read32(slot + CTE_CAP_W1);
    if (capGetCapType(w0) !== CAP_CNODE) {
      k.retSlot = slot;
      k.retBitsRemaining = n;
      return EXCEPTION_NONE;
    }
  }
}

/** `lookupSlot(thread, capptr)`: resolves all 32 bits from the thread's CSpace root; bits left over are ignored. */
export function lookupSlot(k: Kernel, thread: number, capptr: number): Exception {
  const root = tcbCte(thread, TCB_CTABLE);
  return resolveAddressBits(k, k.mem.read32(root), k.mem.read32(root + CTE_CAP_W1), capptr, WORD_BITS);
}

/** `lookupCapAndSlot`: on success the slot is `k.retSlot` and its cap is in `k.capRet`; else `k.capRet` is null. */
export function lookupCapAndSlot(k: Kernel, thread: number, capptr: number): Exception {
  const status = lookupSlot(k, thread, capptr);
  if (status !== EXCEPTION_NONE) {
    k.retSlot = 0;
    k.capRet.w0 = CAP_NULL;
    k.capRet.w1 = 0;
    return status;
  }
  k.capRet.w0 = k.mem.read32(k.retSlot);
  k.capRet.w1 = k.mem.read32(k.retSlot + CTE_CAP_W1);
  return EXCEPTION_NONE;
}

/** `lookupCap`: as {@link lookupCapAndSlot}; the cap is in `k.capRet`. */
export function lookupCap(k: Kernel, thread: number, capptr: number): Exception {
  return lookupCapAndSlot(k, thread, capptr);
}

/**
 * `lookupSlotForCNodeOp(isSource, root, capptr, depth)`: the root must be a CNode cap
 * (else FailedLookup InvalidRoot), depth 1..32 (else RangeError 1 32), the walk must succeed
 * (FailedLookup with its lookup fault) and consume every bit (FailedLookup DepthMismatch 0).
 */
export function lookupSlotForCNodeOp(k: Kernel, isSource: number, rootW0: number, rootW1: number,
  capptr: number, depth: number): Exception {
  const err = k.currentSyscallError;
  k.retSlot = 0;
  if (capGetCapType(rootW0) !== CAP_CNODE) {
    err.type = ERROR_CODE.FailedLookup;
    err.failedLookupWasSource = isSource;
    setLookupFault(k, lookupFaultInvalidRootW0(), 0);
    return EXCEPTION_SYSCALL_ERROR;
  }
  if (depth < 1 || depth > WORD_BITS) {
    err.type = ERROR_CODE.RangeError;
    err.rangeErrorMin = 1;
    err.rangeErrorMax = WORD_BITS;
    return EXCEPTION_SYSCALL_ERROR;
  }
  const status = resolveAddressBits(k, rootW0, rootW1, capptr, depth);
  if (status !== EXCEPTION_NONE) {
    err.type = ERROR_CODE.FailedLookup;
    err.failedLookupWasSource = isSource;
    return EXCEPTION_SYSCALL_ERROR;
  }
  if (k.retBitsRemaining !== 0) {
    err.type = ERROR_CODE.FailedLookup;
    err.failedLookupWasSource = isSource;
    setLookupFault(k, lookupFaultDepthMismatchW0(0, k.retBitsRemaining), 0);
    k.retSlot = 0;
    return EXCEPTION_SYSCALL_ERROR;
  }
  return EXCEPTION_NONE;
}

/** `lookupSourceSlot`: a source lookup (FailedLookup reports source = 1). */
export function lookupSourceSlot(k: Kernel, rootW0: number, rootW1: number, capptr: number, depth: number): Exception {
  return lookupSlotForCNodeOp(k, 1, rootW0, rootW1, capptr, depth);
}

/** `lookupTargetSlot`: a destination lookup (FailedLookup reports source = 0). */
export function lookupTargetSlot(k: Kernel, rootW0: number, rootW1: number, capptr: number, depth: number): Exception {
  return lookupSlotForCNodeOp(k, 0, rootW0, rootW1, capptr, depth);
}

/** `lookupPivotSlot`: the pivot of Rotate, reported as a source lookup. */
export function lookupPivotSlot(k: Kernel, rootW0: number, rootW1: number, capptr: number, depth: number): Exception {
  return lookupSlotForCNodeOp(k, 1, rootW0, rootW1, capptr, depth);
}
