/**
 * The kernel entry alphabet shared by the spec kernel, the impl kernel and the machine that
 * traps into them (DESIGN.md, "The contract between spec and impl").
 *
 * @module
 */

/** The eight seL4 system calls of the non-MCS API, in l4v's `Syscall` order. */
export type Syscall =
  | 'SysCall'
  | 'SysReplyRecv'
  | 'SysSend'
  | 'SysNBSend'
  | 'SysRecv'
  | 'SysReply'
  | 'SysYield'
  | 'SysNBRecv';

/** Every syscall name, in l4v order. */
export const SYSCALLS: readonly Syscall[] = [
  'SysCall', 'SysReplyRecv', 'SysSend', 'SysNBSend', 'SysRecv', 'SysReply', 'SysYield', 'SysNBRecv',
];

/** The number seL4 gives each syscall (the value in r7 at the `svc`). */
export const SYSCALL_NUMBER: Readonly<Record<Syscall, number>> = {
  SysCall: -1, SysReplyRecv: -2, SysSend: -3, SysNBSend: -4,
  SysRecv: -5, SysReply: -6, SysYield: -7, SysNBRecv: -8,
};

/**
 * Decodes r7 into a syscall, or `undefined` for a number outside `[-8, -1]` (which the
 * kernel turns into an UnknownSyscall fault).
 */
export function syscallFromNumber(n: number): Syscall | undefined {
  const signedN = n | 0;
  return signedN >= -8 && signedN <= -1 ? SYSCALLS[-signedN - 1] : undefined;
}

/** A kernel entry (l4v `event`). The arguments are in the current thread's registers. */
export type KernelEvent =
  | {
      /** An `svc` with a number in `[-8, -1]` (l4v `SyscallEvent`). */
      readonly kind: 'Syscall';
      /** Which system call. */
      readonly syscall: Syscall;
    }
  | {
      /** An `svc` with any other number (l4v `UnknownSyscall`). */
      readonly kind: 'UnknownSyscall';
      /** The raw r7 word. */
      readonly number: number;
    }
  | {
      /** An undefined instruction or other user exception (l4v `UserLevelFault`). */
      readonly kind: 'UserLevelFault';
      /** The exception code (28 bits are kept). */
      readonly code: number;
      /** The exception number. */
      readonly address: number;
    }
  | {
      /** A data or prefetch abort (l4v `VMFaultEvent`). */
      readonly kind: 'VMFault';
      /** Data abort or instruction (prefetch) abort. */
      readonly type: 'Data' | 'Instruction';
      /** FAR for a data abort, the faulting PC for a prefetch abort. */
      readonly address: number;
      /** DFSR or IFSR. */
      readonly fsr: number;
    }
  | {
      /** An interrupt (l4v `Interrupt`). */
      readonly kind: 'Interrupt';
    };

/** The entry-point name of an event as reports print it (`SysCall`, `VMFaultEvent`, ...). */
export function eventName(e: KernelEvent): string {
  switch (e.kind) {
    case 'Syscall':
      return e.syscall;
    case 'UnknownSyscall':
      return 'UnknownSyscall';
    case 'UserLevelFault':
      return 'UserLevelFault';
    case 'VMFault':
      return 'VMFaultEvent';
    case 'Interrupt':
      return 'Interrupt';
  }
}
