/**
 * Page-directory invocations: the four cache operations over a virtual range (seL4
 * `src/arch/arm/32/kernel/vspace.c` `decodeARMPageDirectoryInvocation`, `performPDFlush`;
 * l4v `ArchDecode_A`, `Arch_A` `perform_page_directory_invocation`).
 *
 * The range must be non-empty, below the kernel window, and inside one mapped frame; an
 * unmapped start address makes the operation a silent no-op. The operation switches to the
 * address space and back (which may hand it a hardware ASID); the cache maintenance itself has
 * no effect in the model.
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { LABEL } from '../../../abi/labels.js';
import { ERROR_CODE } from '../../../abi/errors.js';
import { USER_TOP } from '../../../abi/config.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../../kernel/failures.js';
import { getSyscallArg, syscallError } from '../../kernel/message.js';
import { setThreadState } from '../../kernel/thread.js';
import { findPDForASID } from '../../kernel/vspace.js';
import * as A from '../../object/arch-cap.js';
import { CAP_PAGE_DIRECTORY, capGetCapType } from '../../object/cap.js';
import { THREAD_STATE_RESTART } from '../../object/tcb-layout.js';
import { failedLookup, performFlush } from './page.js';
import { resolveRet, resolveVAddr } from './vspace.js';

function invalidCapability0(k: Kernel): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
  k.currentSyscallError.invalidCapNumber = 0;
  return EXCEPTION_SYSCALL_ERROR;
}

/** `decodeARMPageDirectoryInvocation(label, length, cptr, cte, cap, buffer)`. */
export function decodeARMPageDirectoryInvocation(k: Kernel, invLabel: number, length: number, w0: number, w1: number,
  buffer: number): Exception {
  switch (invLabel) {
    case LABEL.ARMPDClean_Data:
    case LABEL.ARMPDInvalidate_Data:
    case LABEL.ARMPDCleanInvalidate_Data:
    case LABEL.ARMPDUnify_Instruction:
      break;
    default:
      return syscallError(k, ERROR_CODE.IllegalOperation);
  }
  if (length < 2) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const start = getSyscallArg(k, 0, buffer);
  const end = getSyscallArg(k, 1, buffer);
  if (end <= start) {
    k.currentSyscallError.type = ERROR_CODE.InvalidArgument;
    k.currentSyscallError.invalidArgumentNumber = 1;
    return EXCEPTION_SYSCALL_ERROR;
  }
  if (start >= USER_TOP || end > USER_TOP) return syscallError(k, ERROR_CODE.IllegalOperation);
  if (capGetCapType(w0) !== CAP_PAGE_DIRECTORY || !A.pageDirectoryCapGetCapPDIsMapped(w0)) return invalidCapability0(k);
  const pd = A.pageDirectoryCapGetCapPDBasePtr(w0);
  const asid = A.pageDirectoryCapGetCapPDMappedASID(w1);
  const found = findPDForASID(k, asid);
  if (found === 0) return failedLookup(k);
  if (found !== pd) return invalidCapability0(k);
  if (!resolveVAddr(k, pd, start)) {
    setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
    return EXCEPTION_NONE;
  }
  const mask = 2 ** A.pageBitsForSize(resolveRet.frameSize) - 1;
  const startBase = (start - (start & mask)) >>> 0;
  if (startBase !== ((end - 1) - ((end - 1) & mask)) >>> 0) {
    k.currentSyscallError.type = ERROR_CODE.RangeError;
    k.currentSyscallError.rangeErrorMin = start;
    k.currentSyscallError.rangeErrorMax = (startBase + mask) >>> 0;
    return EXCEPTION_SYSCALL_ERROR;
  }
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return performFlush(k, pd, asid, start, end - 1);
}
