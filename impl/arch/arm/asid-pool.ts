/**
 * ASID control and ASID pool invocations (seL4 `src/arch/arm/32/kernel/vspace.c`
 * `decodeARMMMUInvocation` for `cap_asid_control_cap` and `cap_asid_pool_cap`,
 * `performASIDControlInvocation`, `performASIDPoolInvocation`; l4v `ArchDecode_A`, `Arch_A`
 * `perform_asid_control_invocation`, `perform_asid_pool_invocation`).
 *
 * MakePool turns a childless 4 KiB non-device untyped into the ASID pool of the first free
 * slot of `armKSASIDTable`; Assign gives an unassigned page directory the first free ASID of
 * a pool (ASID 0 is never handed out).
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { LABEL } from '../../../abi/labels.js';
import { ERROR_CODE } from '../../../abi/errors.js';
import { ASID_POOL_BITS } from '../../../abi/config.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../../kernel/failures.js';
import { lookupTargetSlot, setLookupFault } from '../../kernel/cspace.js';
import { getSyscallArg, syscallError } from '../../kernel/message.js';
import { setThreadState } from '../../kernel/thread.js';
import * as A from '../../object/arch-cap.js';
import {
  CAP_PAGE_DIRECTORY, CAP_UNTYPED, capGetCapType, untypedCapGetCapBlockSize, untypedCapGetCapIsDevice,
  untypedCapGetCapPtr, untypedCapSetCapFreeIndex,
} from '../../object/cap.js';
import { cteInsert, ensureEmptySlot, ensureNoChildren, maxFreeIndex } from '../../object/cte.js';
import { CTE_CAP_W1, cteWriteCap } from '../../object/mdb.js';
import { lookupFaultInvalidRootW0 } from '../../object/structures.js';
import { THREAD_STATE_RESTART } from '../../object/tcb-layout.js';

const N_ASID_POOLS = 2 ** A.ASID_HIGH_BITS;
const ASID_POOL_ENTRIES = 2 ** A.ASID_LOW_BITS;

function invalidCapability(k: Kernel, n: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
  k.currentSyscallError.invalidCapNumber = n;
  return EXCEPTION_SYSCALL_ERROR;
}

/**
 * `performASIDControlInvocation(frame, slot, parent, base)`: the untyped is used up, its
 * memory becomes a zeroed ASID pool whose cap is inserted as the untyped's child, and the
 * pool is registered for `base`.
 */
export function performASIDControlInvocation(k: Kernel, frame: number, slot: number, parent: number, base: number): Exception {
  const u1 = k.mem.read32(parent + CTE_CAP_W1);
  cteWriteCap(k.mem, parent, k.mem.read32(parent), untypedCapSetCapFreeIndex(u1, maxFreeIndex(untypedCapGetCapBlockSize(u1))));
  k.ghost.removeRange(frame, ASID_POOL_BITS); // GHOSTUPD gs_clear_region
  k.mem.zeroRange(frame, 2 ** ASID_POOL_BITS);
  k.ghost.add(frame, 'ASIDPool', ASID_POOL_BITS);
  const cap = A.asidPoolCapNew(k.capRet, base, frame);
  cteInsert(k, cap.w0, cap.w1, parent, slot);
  k.armKSASIDTable[base >>> A.ASID_LOW_BITS] = frame;
  return EXCEPTION_NONE;
}

/** ARMASIDControlMakePool, checks in seL4's order. */
export function decodeASIDControlInvocation(k: Kernel, invLabel: number, length: number, buffer: number): Exception {
  if (invLabel !== LABEL.ARMASIDControlMakePool) return syscallError(k, ERROR_CODE.IllegalOperation);
  const parentSlot = k.currentExtraCaps[0]!;
  const rootSlot = k.currentExtraCaps[1]!;
  if (length < 2 || parentSlot === 0 || rootSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const index = getSyscallArg(k, 0, buffer);
  const depth = getSyscallArg(k, 1, buffer);
  const u0 = k.mem.read32(parentSlot);
  const u1 = k.mem.read32(parentSlot + CTE_CAP_W1);
  let i = 0;
  while (i < N_ASID_POOLS && k.armKSASIDTable[i] !== 0) i++;
  if (i === N_ASID_POOLS) return syscallError(k, ERROR_CODE.DeleteFirst);
  const base = i << A.ASID_LOW_BITS;
  if (capGetCapType(u0) !== CAP_UNTYPED || untypedCapGetCapBlockSize(u1) !== ASID_POOL_BITS ||
    untypedCapGetCapIsDevice(u1)) return invalidCapability(k, 1);
  let status = ensureNoChildren(k, parentSlot);
  if (status !== EXCEPTION_NONE) return status;
  const frame = untypedCapGetCapPtr(u0);
  status = lookupTargetSlot(k, k.mem.read32(rootSlot), k.mem.read32(rootSlot + CTE_CAP_W1), index, depth);
  if (status !== EXCEPTION_NONE) return status;
  const destSlot = k.retSlot;
  status = ensureEmptySlot(k, destSlot);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return performASIDControlInvocation(k, frame, destSlot, parentSlot, base);
}

/** `performASIDPoolInvocation(asid, pool, pdCapSlot)`: the PD cap gets `asid`; the pool names the PD. */
export function performASIDPoolInvocation(k: Kernel, asid: number, pool: number, pdCapSlot: number): Exception {
  const p0 = k.mem.read32(pdCapSlot);
  const pd = A.pageDirectoryCapGetCapPDBasePtr(p0);
  const cap = A.pageDirectoryCapNew(k.capRet, asid, 1, pd);
  cteWriteCap(k.mem, pdCapSlot, cap.w0, cap.w1);
  k.mem.write32(pool + 4 * (asid & (ASID_POOL_ENTRIES - 1)), pd);
  return EXCEPTION_NONE;
}

/** ARMASIDPoolAssign, checks in seL4's order. */
export function decodeASIDPoolInvocation(k: Kernel, invLabel: number, w0: number, w1: number): Exception {
  if (invLabel !== LABEL.ARMASIDPoolAssign) return syscallError(k, ERROR_CODE.IllegalOperation);
  const pdCapSlot = k.currentExtraCaps[0]!;
  if (pdCapSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const p0 = k.mem.read32(pdCapSlot);
  if (capGetCapType(p0) !== CAP_PAGE_DIRECTORY || A.pageDirectoryCapGetCapPDIsMapped(p0)) return invalidCapability(k, 1);
  const base = A.asidPoolCapGetCapASIDBase(w1);
  const pool = k.armKSASIDTable[base >>> A.ASID_LOW_BITS] ?? 0;
  if (pool === 0) {
    k.currentSyscallError.type = ERROR_CODE.FailedLookup;
    k.currentSyscallError.failedLookupWasSource = 0;
    setLookupFault(k, lookupFaultInvalidRootW0(), 0);
    return EXCEPTION_SYSCALL_ERROR;
  }
  if (pool !== A.asidPoolCapGetCapASIDPool(w0)) return invalidCapability(k, 0);
  let i = 0;
  while (i < ASID_POOL_ENTRIES && (base + i === 0 || k.mem.read32(pool + 4 * i) !== 0)) i++;
  if (i === ASID_POOL_ENTRIES) return syscallError(k, ERROR_CODE.DeleteFirst);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return performASIDPoolInvocation(k, base + i, pool, pdCapSlot);
}
