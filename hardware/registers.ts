/**
 * The aarch32 user register file as seL4 saves it in a TCB (`user_context_t`,
 * `include/arch/arm/arch/32/mode/machine/registerset.h`), and the register roles of the
 * seL4 system-call ABI.
 *
 * @module
 */

/** Index of each saved user register, in seL4's `n_contextRegisters` order. */
export const Reg = {
  /** r0: capability pointer in, badge out. */
  R0: 0,
  /** r1: message info. */
  R1: 1,
  /** r2: MR0. */
  R2: 2,
  /** r3: MR1. */
  R3: 3,
  /** r4: MR2. */
  R4: 4,
  /** r5: MR3. */
  R5: 5,
  /** r6. */
  R6: 6,
  /** r7: the syscall number at an `svc`. */
  R7: 7,
  /** r8. */
  R8: 8,
  /** r9. */
  R9: 9,
  /** r10 (sl). */
  R10: 10,
  /** r11 (fp). */
  R11: 11,
  /** r12 (ip). */
  R12: 12,
  /** The user stack pointer (r13). */
  SP: 13,
  /** The user link register (r14). */
  LR: 14,
  /** Where the thread resumes (saved LR_svc). */
  NextIP: 15,
  /** The user program status register. */
  CPSR: 16,
  /** The PC of the instruction that trapped. */
  FaultIP: 17,
  /** The user read-write thread-ID register (TLS base). */
  TPIDRURW: 18,
  /** The user read-only thread-ID register. */
  TPIDRURO: 19,
} as const;

/** The name of a saved user register. */
export type RegName = keyof typeof Reg;

/** Number of saved user registers (`n_contextRegisters`). */
export const N_CONTEXT_REGISTERS = 20;

/** Register names in index order, for printing. */
export const REGISTER_NAMES: readonly RegName[] = Object.keys(Reg) as RegName[];

/** `capRegister`: the CPtr of the invoked cap on entry. */
export const CAP_REGISTER = Reg.R0;
/** `badgeRegister`: the badge delivered with a message on exit. */
export const BADGE_REGISTER = Reg.R0;
/** `msgInfoRegister`: the message-info word, both ways. */
export const MSG_INFO_REGISTER = Reg.R1;
/** The register holding the system-call number at an `svc` (r7). */
export const SYSCALL_NUMBER_REGISTER = Reg.R7;
/** `faultRegister`: the PC of the faulting or trapping instruction. */
export const FAULT_REGISTER = Reg.FaultIP;
/** `nextInstructionRegister`: where the thread resumes. */
export const NEXT_IP_REGISTER = Reg.NextIP;
/** The TLS base register written by `TCBSetTLSBase`. */
export const TLS_BASE_REGISTER = Reg.TPIDRURW;

/** `msgRegisters`: the physical message registers MR0..MR3 = r2..r5. */
export const MSG_REGISTERS: readonly number[] = [Reg.R2, Reg.R3, Reg.R4, Reg.R5];

/** `frameRegisters`: the first ten words of `seL4_UserContext`. */
export const FRAME_REGISTERS: readonly number[] = [
  Reg.FaultIP, Reg.SP, Reg.CPSR, Reg.R0, Reg.R1, Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12,
];

/** `gpRegisters`: the last nine words of `seL4_UserContext`. */
export const GP_REGISTERS: readonly number[] = [
  Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.LR, Reg.TPIDRURW, Reg.TPIDRURO,
];

/** `seL4_UserContext` order used by TCB Read/Write/CopyRegisters (19 words). */
export const USER_CONTEXT_ORDER: readonly number[] = [...FRAME_REGISTERS, ...GP_REGISTERS];

/** The CPSR a new or sanitised user thread gets (user mode, IRQs enabled). */
export const INITIAL_CPSR = 0x150;

/** `sanitiseRegister` for CPSR: keep the condition flags, force user mode. */
export function sanitiseCPSR(v: number): number {
  return ((v & 0xf8000000) | INITIAL_CPSR) >>> 0;
}
