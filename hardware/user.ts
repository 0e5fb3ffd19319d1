/**
 * The user-mode execution model: user programs as TypeScript coroutines, the interface a
 * kernel plugs into ({@link KernelPort}) and the one user memory is reached through
 * ({@link UserMemoryPort}). The machine that runs programs is `Machine` in `machine.ts`.
 *
 * A program sees only its registers (`u.regs`, the CPU's register file while it runs), memory
 * through a {@link UserMemoryPort}, and traps. It yields one {@link UserInstruction} per
 * instruction with an effect outside the registers: `svc`, a load, a store, an undefined
 * instruction, or a stretch of computation (`work`). Plain TypeScript between yields is
 * register-only computation and takes no modelled time.
 *
 * The program counter: TS coroutines have no real PC, so the machine keeps one in NextIP.
 * The instruction a program yields sits at the NextIP of that moment, and each completed
 * instruction advances NextIP by 4. Traps set FaultIP and NextIP as seL4's aarch32 vectors do
 * (`src/arch/arm/32/traps.S`): svc and undefined instruction FaultIP = pc, NextIP = pc + 4;
 * data abort FaultIP = pc, NextIP = pc + 8; prefetch abort FaultIP = pc, NextIP = pc + 4;
 * interrupt FaultIP = NextIP = pc of the instruction not yet run. When the thread next runs,
 * NextIP = pc means "execute that instruction again" (the kernel's restart, NextIP := FaultIP,
 * so a faulting access is retried once its page is mapped, and a restarted syscall traps
 * again); any other NextIP means the instruction is over and the program continues, its next
 * instruction at that NextIP (a coroutine cannot jump: a PC set elsewhere only relabels it).
 *
 * A program that returns has no more code: the machine's `step` reports `'exit'` once; if the
 * kernel runs the thread again it executes an undefined instruction at its NextIP (a user
 * exception to its fault handler), as a thread that runs off the end of its code would on
 * hardware. A program that means to stop suspends itself with a system call instead.
 *
 * @module
 */
import type { Cpu } from './cpu.js';
import { SYSCALL_NUMBER, type KernelEvent, type Syscall } from './events.js';
import type { PhysicalMemory } from './memory.js';
import { encodeFsr, vmFaultEvent, type Access } from './mmu.js';
import { Reg } from './registers.js';
import { TLB_FAULT, type Tlb } from './tlb.js';

/** Bytes in one user memory access. */
export type AccessSize = 1 | 2 | 4;

/** The kernel event a failed user access raises (seL4 `handleVMFaultEvent`'s input). */
export interface VMFaultInfo {
  /** Always `VMFault`: the value is a {@link KernelEvent} as it stands. */
  readonly kind: 'VMFault';
  /** `Data` for a data abort, `Instruction` for a prefetch abort. */
  readonly type: 'Data' | 'Instruction';
  /** The FAR for a data abort; the PC for a prefetch abort. */
  readonly address: number;
  /** The DFSR or IFSR, masked to the 14 bits seL4 reports. */
  readonly fsr: number;
}

/** How user accesses reach memory: the hardware MMU by default, or a spec kernel's own view. */
export interface UserMemoryPort {
  /** Loads `size` bytes at `vaddr` for a data read or an instruction fetch, or the fault. */
  load(vaddr: number, size: AccessSize, access: 'read' | 'execute'): number | VMFaultInfo;
  /** Stores the low `size` bytes of `value` at `vaddr`; returns the fault, or undefined. */
  store(vaddr: number, size: AccessSize, value: number): VMFaultInfo | undefined;
}

/** A kernel plugged into the machine: the spec kernel or the impl kernel, behind one interface. */
export interface KernelPort {
  /**
   * Enters the kernel. On entry the CPU holds the current thread's user registers; on return
   * it holds the (possibly new) current thread's registers, ASID and TTBR0.
   */
  enter(event: KernelEvent): void;
  /** The thread whose registers are now in the CPU (e.g. its TCB address), or undefined when idle. */
  currentThread(): number | undefined;
  /** How user memory is reached; when absent, the hardware MMU and TLB over physical memory. */
  readonly memory?: UserMemoryPort;
}

/** Instruction kinds a program yields. */
export const Op = {
  /** `svc #0`: a system call. */
  Svc: 0,
  /** A load (`ldr`, `ldrh`, `ldrb`). */
  Load: 1,
  /** A store (`str`, `strh`, `strb`). */
  Store: 2,
  /** An undefined instruction. */
  Undefined: 3,
  /** Register-only computation taking modelled time. */
  Work: 4,
} as const;

/** One of {@link Op}. */
export type OpCode = (typeof Op)[keyof typeof Op];

/** One instruction with an effect outside the registers. */
export interface UserInstruction {
  /** What it does. */
  op: OpCode;
  /** Virtual address of a load or store. */
  vaddr: number;
  /** Bytes of a load or store. */
  size: AccessSize;
  /** Value of a store; nanoseconds left of a `work`. */
  value: number;
}

/** User code: yields instructions, receives each one's result (a load's value, else 0). */
export type UserCode<T> = Generator<UserInstruction, T, number>;

/** A user program, started on the first run of the thread it is loaded for. */
export type UserProgram = (u: UserThread) => UserCode<void>;

/** What a program is given: its registers and the instruction helpers (`yield* u.load32(va)`). */
export class UserThread {
  // One instruction record per thread, reused: a thread has at most one in flight.
  private readonly insn: UserInstruction = { op: Op.Svc, vaddr: 0, size: 4, value: 0 };

  /** The thread id the program was loaded for. */
  readonly id: number;

  /** A thread handle for `id` on `cpu`. */
  constructor(private readonly cpu: Cpu, id: number) {
    this.id = id;
  }

  /** The register file (indexed by `Reg`); the CPU's while this program runs. */
  get regs(): Uint32Array {
    return this.cpu.regs;
  }

  private emit(op: OpCode, vaddr: number, size: AccessSize, value: number): UserInstruction {
    const i = this.insn;
    i.op = op;
    i.vaddr = vaddr >>> 0;
    i.size = size;
    i.value = value;
    return i;
  }

  /** `svc #0`: a system call numbered by r7, which the program set first. */
  *svc(): UserCode<void> {
    yield this.emit(Op.Svc, 0, 4, 0);
  }

  /** Sets r7 to the number of `syscall` and traps (`svc`). */
  *syscall(syscall: Syscall): UserCode<void> {
    this.cpu.regs[Reg.R7] = SYSCALL_NUMBER[syscall];
    yield* this.svc();
  }

  /** `ldr`: loads the word at `vaddr`. */
  *load32(vaddr: number): UserCode<number> {
    return yield this.emit(Op.Load, vaddr, 4, 0);
  }

  /** `ldrh`: loads the halfword at `vaddr`. */
  *load16(vaddr: number): UserCode<number> {
    return yield this.emit(Op.Load, vaddr, 2, 0);
  }

  /** `ldrb`: loads the byte at `vaddr`. */
  *load8(vaddr: number): UserCode<number> {
    return yield this.emit(Op.Load, vaddr, 1, 0);
  }

  /** `str`: stores a word at `vaddr`. */
  *store32(vaddr: number, value: number): UserCode<void> {
    yield this.emit(Op.Store, vaddr, 4, value >>> 0);
  }

  /** `strh`: stores a halfword at `vaddr`. */
  *store16(vaddr: number, value: number): UserCode<void> {
    yield this.emit(Op.Store, vaddr, 2, value & 0xffff);
  }

  /** `strb`: stores a byte at `vaddr`. */
  *store8(vaddr: number, value: number): UserCode<void> {
    yield this.emit(Op.Store, vaddr, 1, value & 0xff);
  }

  /** An undefined instruction (`udf`): a user exception. */
  *undefinedInstruction(): UserCode<void> {
    yield this.emit(Op.Undefined, 0, 4, 0);
  }

  /** Register-only computation lasting `ns` of modelled time; interrupts may arrive during it. */
  *work(ns: number): UserCode<void> {
    yield this.emit(Op.Work, 0, 4, Math.max(1, Math.ceil(ns)));
  }
}

/** {@link UserMemoryPort} over the hardware: TLB and MMU walk from the CPU's TTBR0 and ASID. */
export class MmuUserMemory implements UserMemoryPort {
  /** Physical memory behind the translation. */
  readonly memory: PhysicalMemory;
  /** The CPU whose TTBR0 and ASID select the address space. */
  readonly cpu: Cpu;
  /** The TLB translations go through. */
  readonly tlb: Tlb;

  /** A port reading `memory` through `tlb` with `cpu`'s translation registers. */
  constructor(memory: PhysicalMemory, cpu: Cpu, tlb: Tlb) {
    this.memory = memory;
    this.cpu = cpu;
    this.tlb = tlb;
  }

  private translate(vaddr: number, size: AccessSize, access: Access): number | VMFaultInfo {
    // seL4 runs with SCTLR.A set: a misaligned access is an alignment fault, checked first.
    if ((vaddr & (size - 1)) !== 0) {
      return { kind: 'VMFault', type: 'Data', address: vaddr >>> 0, fsr: encodeFsr(1, 0, access === 'write') };
    }
    const paddr = this.tlb.translate(this.memory, this.cpu.ttbr0, this.cpu.asid, vaddr, access);
    if (paddr !== TLB_FAULT) return paddr;
    const e = vmFaultEvent(this.tlb.result);
    if (e.kind !== 'VMFault') throw new Error('vmFaultEvent gave a non-VMFault event');
    return e;
  }

  /** A user load or fetch through the TLB. */
  load(vaddr: number, size: AccessSize, access: 'read' | 'execute'): number | VMFaultInfo {
    const p = this.translate(vaddr, size, access);
    if (typeof p !== 'number') return p;
    return size === 4 ? this.memory.read32(p) : size === 2 ? this.memory.read16(p) : this.memory.read8(p);
  }

  /** A user store through the TLB. */
  store(vaddr: number, size: AccessSize, value: number): VMFaultInfo | undefined {
    const p = this.translate(vaddr, size, 'write');
    if (typeof p !== 'number') return p;
    if (size === 4) this.memory.write32(p, value);
    else if (size === 2) this.memory.write16(p, value);
    else this.memory.write8(p, value);
    return undefined;
  }
}
