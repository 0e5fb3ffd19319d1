/**
 * seL4's syscall error codes (`libsel4/include/sel4/errors.h`), the lookup-failure types
 * (`seL4_LookupFailureType`) and the fault labels (`seL4_FaultType`) as user space sees them.
 *
 * @module
 */

/** Error code of each syscall error: the label of the error reply. */
export const ERROR_CODE = {
  NoError: 0,
  InvalidArgument: 1,
  InvalidCapability: 2,
  IllegalOperation: 3,
  RangeError: 4,
  AlignmentError: 5,
  FailedLookup: 6,
  TruncatedMessage: 7,
  DeleteFirst: 8,
  RevokeFirst: 9,
  NotEnoughMemory: 10,
} as const;

/** The name of an seL4 error, as reports print it. */
export type ErrorName = Exclude<keyof typeof ERROR_CODE, 'NoError'>;

/** The name of each error code, by code. */
export const ERROR_NAMES: readonly (keyof typeof ERROR_CODE)[] = Object.keys(ERROR_CODE) as (keyof typeof ERROR_CODE)[];

/** Message value of each lookup-failure type (one more than the kernel's internal tag). */
export const LOOKUP_FAILURE_TYPE = {
  NoFailure: 0,
  InvalidRoot: 1,
  MissingCapability: 2,
  DepthMismatch: 3,
  GuardMismatch: 4,
} as const;

/** Label of each fault message (non-MCS, no hypervisor). */
export const FAULT_LABEL = {
  NullFault: 0,
  CapFault: 1,
  UnknownSyscall: 2,
  UserException: 3,
  VMFault: 5,
} as const;
