/**
 * Lookup failures, faults and syscall errors (l4v `ExceptionTypes_A.thy`; manual §3.4 and
 * §6.2 "Faults"). Their message encodings live beside the code that sends them.
 *
 * @module
 */

/** Why a capability lookup failed (l4v `lookup_failure`). */
export type LookupFailure =
  | { readonly kind: 'InvalidRoot' }
  | { readonly kind: 'MissingCapability'; readonly bitsLeft: number }
  | { readonly kind: 'DepthMismatch'; readonly bitsLeft: number; readonly bitsFound: number }
  | {
      readonly kind: 'GuardMismatch';
      readonly bitsLeft: number;
      readonly guardFound: number;
      readonly guardSize: number;
    };

/** A fault a thread can take (l4v `fault`, with ARM's `arch_fault`). */
export type Fault =
  | {
      readonly kind: 'CapFault';
      readonly address: number;
      readonly inReceivePhase: boolean;
      readonly failure: LookupFailure;
    }
  | { readonly kind: 'UnknownSyscallException'; readonly number: number }
  | { readonly kind: 'UserException'; readonly number: number; readonly code: number }
  | {
      readonly kind: 'VMFault';
      readonly address: number;
      /** l4v keeps `[instruction fault flag, FSR]`. */
      readonly instructionFault: boolean;
      readonly fsr: number;
    };

/** An error an invocation returns to its caller (l4v `syscall_error`). */
export type SyscallError =
  | { readonly kind: 'InvalidArgument'; readonly index: number }
  | { readonly kind: 'InvalidCapability'; readonly index: number }
  | { readonly kind: 'IllegalOperation' }
  | { readonly kind: 'RangeError'; readonly min: number; readonly max: number }
  | { readonly kind: 'AlignmentError' }
  | { readonly kind: 'FailedLookup'; readonly source: boolean; readonly failure: LookupFailure }
  | { readonly kind: 'TruncatedMessage' }
  | { readonly kind: 'DeleteFirst' }
  | { readonly kind: 'RevokeFirst' }
  | { readonly kind: 'NotEnoughMemory'; readonly bytes: number };
