/**
 * The CPU state a kernel sees and switches: the user register file (as seL4 saves it for
 * aarch32 in `user_context_t`), the hardware ASID (CONTEXTIDR.ASID) and TTBR0.
 *
 * The machine does not keep registers per thread: like the hardware, it holds only the current
 * thread's. A kernel saves them into the TCB on entry and loads the next thread's before it
 * returns (`Arch_switchToThread` / `armv_contextSwitch` in seL4's C).
 *
 * @module
 */
import { TTBR_BASE_MASK } from './mmu.js';
import { N_CONTEXT_REGISTERS, USER_CONTEXT_ORDER } from './registers.js';

/** Bits in a hardware ASID on ARMv7 (CONTEXTIDR.ASID; `hw_asid_t` is 8 bits in seL4). */
export const HW_ASID_BITS = 8;

/** Number of words in `seL4_UserContext` (TCB Read/Write/CopyRegisters). */
export const USER_CONTEXT_WORDS = USER_CONTEXT_ORDER.length;

/** The current thread's user registers, hardware ASID and translation-table base. */
export class Cpu {
  /** The user register file, indexed by `Reg` (n_contextRegisters words). */
  readonly regs = new Uint32Array(N_CONTEXT_REGISTERS);

  /** CONTEXTIDR.ASID: tags TLB entries of the current address space. */
  private hwAsid = 0;

  /** TTBR0 as written (base plus walk attributes). */
  private ttbr0Value = 0;

  /** Register `r` (an index from `Reg`). */
  getRegister(r: number): number {
    return this.regs[r] ?? 0;
  }

  /** Sets register `r` to the low 32 bits of `v`; the typed array does the truncation. */
  setRegister(r: number, v: number): void {
    this.regs[r] = v;
  }

  /** The current hardware ASID (8 bits). */
  get asid(): number {
    return this.hwAsid;
  }

  /** Sets the hardware ASID, keeping the 8 bits CONTEXTIDR holds (`setHardwareASID`). */
  setAsid(asid: number): void {
    this.hwAsid = asid & ((1 << HW_ASID_BITS) - 1);
  }

  /** TTBR0 as last written. */
  get ttbr0(): number {
    return this.ttbr0Value;
  }

  /** Writes TTBR0 (`setCurrentPD` writes the page directory's physical address plus attributes). */
  setTtbr0(value: number): void {
    this.ttbr0Value = value >>> 0;
  }

  /** Physical address of the current page directory (TTBR0 with attribute bits dropped). */
  get translationTableBase(): number {
    return (this.ttbr0Value & TTBR_BASE_MASK) >>> 0;
  }

  /** Copies all n_contextRegisters words from `src` into the register file (a context load). */
  loadContext(src: ArrayLike<number>): void {
    for (let i = 0; i < N_CONTEXT_REGISTERS; i++) this.regs[i] = src[i] ?? 0;
  }

  /** Copies the register file into `dst` (a context save). */
  saveContext(dst: Uint32Array | number[]): void {
    for (let i = 0; i < N_CONTEXT_REGISTERS; i++) dst[i] = this.regs[i] ?? 0;
  }

  /**
   * The registers in `seL4_UserContext` order (pc, sp, cpsr, r0, r1, r8..r12, r2..r7, r14,
   * tpidrurw, tpidruro), written into `out` when given so a caller can reuse a buffer.
   */
  readUserContext(out: Uint32Array | number[] = new Array<number>(USER_CONTEXT_WORDS)): Uint32Array | number[] {
    for (let i = 0; i < USER_CONTEXT_WORDS; i++) out[i] = this.regs[USER_CONTEXT_ORDER[i] ?? 0] ?? 0;
    return out;
  }

  /**
   * Writes the first `count` words of `words` (in `seL4_UserContext` order) to the registers.
   * No sanitising: that is the kernel's job (`sanitiseRegister` on CPSR), not the CPU's.
   */
  writeUserContext(words: ArrayLike<number>, count: number = Math.min(words.length, USER_CONTEXT_WORDS)): void {
    const n = Math.min(count, USER_CONTEXT_WORDS);
    for (let i = 0; i < n; i++) this.regs[USER_CONTEXT_ORDER[i] ?? 0] = words[i] ?? 0;
  }

  /** Clears registers, ASID and TTBR0 (power-on). */
  reset(): void {
    this.regs.fill(0);
    this.hwAsid = 0;
    this.ttbr0Value = 0;
  }
}
