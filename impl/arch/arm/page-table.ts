/**
 * Page-table invocations (seL4 `src/arch/arm/32/kernel/vspace.c`:
 * `decodeARMPageTableInvocation`, `performPageTableInvocationMap`,
 * `performPageTableInvocationUnmap`; l4v `ArchDecode_A`, `Arch_A`
 * `perform_page_table_invocation`).
 *
 * Map writes a coarse PDE (only the ParityEnabled attribute is kept; domain 0) into an empty
 * page-directory entry below the kernel window. Unmap, allowed only on the final cap, clears
 * that PDE (flushing the ASID's TLB entries), zeroes the table and marks the cap unmapped
 * (its ASID and address bits stay, as in C).
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { LABEL } from '../../../abi/labels.js';
import { ERROR_CODE } from '../../../abi/errors.js';
import { PAGE_TABLE_BITS, USER_TOP } from '../../../abi/config.js';
import { PDE_TYPE_COARSE, PDE_TYPE_FAULT } from '../../../hardware/descriptors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../../kernel/failures.js';
import { getSyscallArg, syscallError } from '../../kernel/message.js';
import { setThreadState } from '../../kernel/thread.js';
import { findPDForASID } from '../../kernel/vspace.js';
import * as A from '../../object/arch-cap.js';
import { CAP_PAGE_DIRECTORY, capGetCapType } from '../../object/cap.js';
import { isFinalCapability } from '../../object/cte.js';
import { CTE_CAP_W1, cteWriteCap } from '../../object/mdb.js';
import { THREAD_STATE_RESTART } from '../../object/tcb-layout.js';
import { failedLookup } from './page.js';
import { lookupPDSlot, unmapPageTable } from './vspace.js';

const IS_MAPPED_BIT = 1 << 29;

function invalidCapability(k: Kernel, n: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
  k.currentSyscallError.invalidCapNumber = n;
  return EXCEPTION_SYSCALL_ERROR;
}

/** `pde_pde_coarse_new(pt, parity, 0)`. */
export function coarsePDE(pt: number, parity: number): number {
  return ((pt & 0xfffffc00) | ((parity & 1) << 9) | PDE_TYPE_COARSE) >>> 0;
}

/**
 * `performPageTableInvocationUnmap(cap, slot)`: if mapped, removes the table from its page
 * directory and zeroes it; the cap in the slot is then unmapped.
 */
export function performPageTableInvocationUnmap(k: Kernel, w0: number, w1: number, cte: number): Exception {
  if (A.pageTableCapGetCapPTIsMapped(w1)) {
    const pt = A.pageTableCapGetCapPTBasePtr(w0);
    unmapPageTable(k, A.pageTableCapGetCapPTMappedASID(w1), A.pageTableCapGetCapPTMappedAddress(w1), pt);
    k.mem.zeroRange(pt, 2 ** PAGE_TABLE_BITS); // clearMemory_PT
  }
  cteWriteCap(k.mem, cte, k.mem.read32(cte), (k.mem.read32(cte + CTE_CAP_W1) & ~IS_MAPPED_BIT) >>> 0);
  return EXCEPTION_NONE;
}

// ARMPageTableMap, checks in seL4's order.
function decodePageTableMap(k: Kernel, length: number, cte: number, w0: number, w1: number, buffer: number): Exception {
  const pdCapSlot = k.currentExtraCaps[0]!;
  if (length < 2 || pdCapSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  if (A.pageTableCapGetCapPTIsMapped(w1)) return invalidCapability(k, 0);
  const vaddr = getSyscallArg(k, 0, buffer);
  const attr = getSyscallArg(k, 1, buffer);
  const p0 = k.mem.read32(pdCapSlot);
  if (capGetCapType(p0) !== CAP_PAGE_DIRECTORY || !A.pageDirectoryCapGetCapPDIsMapped(p0)) return invalidCapability(k, 1);
  const pd = A.pageDirectoryCapGetCapPDBasePtr(p0);
  const asid = A.pageDirectoryCapGetCapPDMappedASID(k.mem.read32(pdCapSlot + CTE_CAP_W1));
  if (vaddr >= USER_TOP) {
    k.currentSyscallError.type = ERROR_CODE.InvalidArgument;
    k.currentSyscallError.invalidArgumentNumber = 0;
    return EXCEPTION_SYSCALL_ERROR;
  }
  const found = findPDForASID(k, asid);
  if (found === 0) return failedLookup(k);
  if (found !== pd) return invalidCapability(k, 1);
  const pdSlot = lookupPDSlot(pd, vaddr);
  if ((k.mem.read32(pdSlot) & 3) !== PDE_TYPE_FAULT) return syscallError(k, ERROR_CODE.DeleteFirst);
  const pt = A.pageTableCapGetCapPTBasePtr(w0);
  const pde = coarsePDE(pt, (attr >>> 1) & 1);
  const cap = A.pageTableCapNew(k.capRet, 1, asid, vaddr, pt);
  const c0 = cap.w0;
  const c1 = cap.w1;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  cteWriteCap(k.mem, cte, c0, c1); // performPageTableInvocationMap
  k.mem.write32(pdSlot, pde); // then cleanByVA_PoU
  return EXCEPTION_NONE;
}

/** `decodeARMPageTableInvocation(label, length, cte, cap, buffer)`. */
export function decodeARMPageTableInvocation(k: Kernel, invLabel: number, length: number, cte: number, w0: number,
  w1: number, buffer: number): Exception {
  if (invLabel === LABEL.ARMPageTableUnmap) {
    if (!isFinalCapability(k, cte)) return syscallError(k, ERROR_CODE.RevokeFirst);
    setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
    return performPageTableInvocationUnmap(k, w0, w1, cte);
  }
  if (invLabel !== LABEL.ARMPageTableMap) return syscallError(k, ERROR_CODE.IllegalOperation);
  return decodePageTableMap(k, length, cte, w0, w1, buffer);
}
