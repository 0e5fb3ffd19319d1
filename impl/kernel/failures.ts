/**
 * The C kernel's exception codes (`include/api/failures.h`) and the error globals
 * `current_syscall_error`, `current_lookup_fault`, `current_fault` that its functions set
 * before returning an exception code (C returns small structs; here the results go to
 * fields of one preallocated record per kernel, so nothing is allocated per call).
 *
 * @module
 */

/** `EXCEPTION_NONE`: the operation succeeded. */
export const EXCEPTION_NONE = 0;
/** `EXCEPTION_FAULT`: a fault was raised; `current_fault` describes it. */
export const EXCEPTION_FAULT = 1;
/** `EXCEPTION_LOOKUP_FAULT`: a lookup failed; `current_lookup_fault` describes it. */
export const EXCEPTION_LOOKUP_FAULT = 2;
/** `EXCEPTION_SYSCALL_ERROR`: an invocation failed; `current_syscall_error` describes it. */
export const EXCEPTION_SYSCALL_ERROR = 3;
/** `EXCEPTION_PREEMPTED`: a preemption point found a pending interrupt. */
export const EXCEPTION_PREEMPTED = 4;

/** An exception code (`exception_t`). */
export type Exception = number;

/** `current_syscall_error` (`syscall_error_t`): the error an invocation reports. */
export class SyscallError {
  /** `type`: the seL4 error code (`seL4_InvalidArgument` = 1, ..., `seL4_NotEnoughMemory` = 10). */
  type = 0;
  /** `invalidArgumentNumber` (InvalidArgument). */
  invalidArgumentNumber = 0;
  /** `invalidCapNumber` (InvalidCapability). */
  invalidCapNumber = 0;
  /** `rangeErrorMin` (RangeError). */
  rangeErrorMin = 0;
  /** `rangeErrorMax` (RangeError). */
  rangeErrorMax = 0;
  /** `memoryLeft` (NotEnoughMemory). */
  memoryLeft = 0;
  /** `failedLookupWasSource` (FailedLookup): 1 for a source or pivot lookup. */
  failedLookupWasSource = 0;
}
