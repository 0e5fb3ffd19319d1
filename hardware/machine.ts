/**
 * The modelled machine: physical memory with the board's devices, the CPU, the interrupt
 * controller, the clock and timers, the UART, and the loop that runs the current thread's
 * user program until it traps and hands the trap to the plugged-in kernel.
 *
 * The PC, trap and exit conventions are those of `user.ts` (see its module comment).
 *
 * Modelled time: every user instruction that runs to its end takes `nsPerInstruction` (1 ns:
 * a 1 GHz Cortex-A9 at one instruction per cycle), an svc or undefined instruction included
 * (its exception is taken after that time); an aborted access takes none (its retry does);
 * `work(ns)` takes its `ns`; kernel entries take no time. When the kernel has no current thread (the idle thread), the machine waits for an
 * interrupt (WFI), jumping the clock to the next device event.
 *
 * Interrupts are taken at instruction boundaries: before running user code the machine asks
 * the controller whether the CPU's IRQ input is asserted and, if so, enters the kernel with an
 * `Interrupt` event instead.
 *
 * @module
 */
import { SABRE_LITE, type BoardConfig } from './board.js';
import { Cpu } from './cpu.js';
import { Epit } from './epit.js';
import { SYSCALLS, syscallFromNumber, type KernelEvent, type Syscall } from './events.js';
import { InterruptController } from './irq.js';
import { PhysicalMemory } from './memory.js';
import { Reg } from './registers.js';
import { Clock, PrivateTimer } from './timer.js';
import { Tlb } from './tlb.js';
import { Uart } from './uart.js';
import {
  MmuUserMemory, Op, UserThread, type KernelPort, type UserCode, type UserInstruction,
  type UserMemoryPort, type UserProgram,
} from './user.js';

/** Construction options of {@link Machine}. */
export interface MachineOptions {
  /** The board (default {@link SABRE_LITE}). */
  readonly board?: BoardConfig;
  /** Physical memory to use (default: RAM as the board says); the board's devices are added. */
  readonly memory?: PhysicalMemory;
  /** Modelled ns per completed user instruction (default 1). */
  readonly nsPerInstruction?: number;
  /**
   * Start the kernel timer as seL4's boot does: `initTimer`, and unmask its line
   * (`setIRQState(IRQTimer, KERNEL_TIMER_IRQ)`). Default true.
   */
  readonly startKernelTimer?: boolean;
  /** Fetch each instruction through memory (a prefetch abort if its page is not executable). Default false. */
  readonly fetchInstructions?: boolean;
}

/**
 * How {@link Machine.step} ended: `trap` (the kernel was entered; see {@link Machine.lastEvent}),
 * `exit` (the current thread's program returned), `halt` (idle and no device event can ever
 * wake the CPU), `noProgram` (the current thread has no program loaded), `budget` (the
 * instruction budget ran out before a trap).
 */
export type StepOutcome = 'trap' | 'exit' | 'halt' | 'noProgram' | 'budget';

/** Limits of {@link Machine.run}. */
export interface RunOptions {
  /** Stop after this many kernel entries (default unlimited). */
  readonly maxTraps?: number;
  /** Stop after this many user instructions (default 10 million, a guard against spinning). */
  readonly maxInstructions?: number;
  /** Checked after every kernel entry; the run stops when it returns true. */
  readonly until?: () => boolean;
}

/** Why and where {@link Machine.run} stopped. */
export interface RunResult {
  /** The step outcome that stopped the run, `maxTraps`, or `until`. */
  readonly reason: Exclude<StepOutcome, 'trap'> | 'maxTraps' | 'until';
  /** Kernel entries during the run. */
  readonly traps: number;
  /** User instructions completed during the run. */
  readonly instructions: number;
  /** The thread current when the run stopped (undefined when idle). */
  readonly thread: number | undefined;
}

// Per-thread state of a loaded program.
class Loaded {
  pending = false; // `insn` was yielded and has not completed
  trapped = false; // the thread left user mode during `insn`, or after exiting
  exited = false;
  pc = 0; // address of `insn`
  result = 0; // value handed back into the coroutine
  insn: UserInstruction | undefined;
  constructor(readonly code: UserCode<void>) {}
}

// Events without operands, allocated once.
const SYSCALL_EVENTS = new Map<Syscall, KernelEvent>(SYSCALLS.map((s) => [s, { kind: 'Syscall', syscall: s }]));
const INTERRUPT_EVENT: KernelEvent = { kind: 'Interrupt' };
// aarch32 `c_handle_undefined_instruction`: `handleUserLevelFault(0, 0)`.
const UNDEFINED_INSTRUCTION_EVENT: KernelEvent = { kind: 'UserLevelFault', code: 0, address: 0 };

/** The machine; see the module comment. */
export class Machine {
  /** The board it models. */
  readonly board: BoardConfig;
  /** Physical RAM and device registers. */
  readonly memory: PhysicalMemory;
  /** The current thread's registers, ASID and TTBR0. */
  readonly cpu = new Cpu();
  /** The TLB the hardware memory path uses; a kernel invalidates it. */
  readonly tlb = new Tlb();
  /** The interrupt controller. */
  readonly irq: InterruptController;
  /** Modelled time. */
  readonly clock = new Clock();
  /** The kernel's preemption timer (Arm private timer). */
  readonly kernelTimer: PrivateTimer;
  /** The user-level timer (an EPIT). */
  readonly userTimer: Epit;
  /** The console UART. */
  readonly uart: Uart;
  /** User memory through the MMU and TLB (the default {@link UserMemoryPort}). */
  readonly hardwareMemory: UserMemoryPort;
  /** The event of the last kernel entry. */
  lastEvent: KernelEvent | undefined;
  /** User instructions completed since power-on. */
  instructions = 0;
  /** Kernel entries since power-on. */
  traps = 0;
  private readonly nsPerInstruction: number;
  private readonly fetchInstructions: boolean;
  private kernel: KernelPort | undefined;
  private userMemory: UserMemoryPort;
  private readonly programs = new Map<number, Loaded>();

  /** Powers on a machine; connect a kernel with {@link connect} before running it. */
  constructor(options: MachineOptions = {}) {
    const board = options.board ?? SABRE_LITE;
    this.board = board;
    this.memory = options.memory ?? new PhysicalMemory({ ramBase: board.ramBase, ramSize: board.ramSize });
    this.nsPerInstruction = options.nsPerInstruction ?? 1;
    this.fetchInstructions = options.fetchInstructions ?? false;
    this.irq = new InterruptController(board.maxIRQ);
    // The A9's timer PPIs are rising-edge (device-tree flags 0xf01); SPIs here are level.
    this.irq.setTrigger(board.kernelTimer.irq, 'edge');
    this.kernelTimer = new PrivateTimer(this.clock, this.irq, board.kernelTimer.irq, board.kernelTimerHz);
    this.userTimer = new Epit(this.clock, this.irq, board.userTimer.irq, board.userTimerHz);
    this.uart = new Uart(this.irq, board.uart.irq);
    this.memory.addDevice(board.kernelTimer.base, board.kernelTimer.size, this.kernelTimer);
    this.memory.addDevice(board.userTimer.base, board.userTimer.size, this.userTimer);
    this.memory.addDevice(board.uart.base, board.uart.size, this.uart);
    this.hardwareMemory = new MmuUserMemory(this.memory, this.cpu, this.tlb);
    this.userMemory = this.hardwareMemory;
    if (options.startKernelTimer ?? true) {
      this.kernelTimer.initTimer();
      this.irq.unmask(board.kernelTimer.irq);
    }
  }

  /** Plugs in the kernel; its `memory`, if any, replaces the hardware path for user accesses. */
  connect(kernel: KernelPort): void {
    this.kernel = kernel;
    this.userMemory = kernel.memory ?? this.hardwareMemory;
  }

  /** Attaches `program` to thread `thread` (replacing any); it starts when the thread first runs. */
  load(thread: number, program: UserProgram): void {
    this.programs.set(thread, new Loaded(program(new UserThread(this.cpu, thread))));
  }

  /** Detaches the program of `thread`. */
  unload(thread: number): void {
    this.programs.delete(thread);
  }

  /** Whether `thread`'s program has returned. */
  hasExited(thread: number): boolean {
    return this.programs.get(thread)?.exited ?? false;
  }

  private enter(event: KernelEvent): 'trap' {
    if (this.kernel === undefined) throw new Error('Machine: no kernel connected');
    this.lastEvent = event;
    this.traps++;
    this.kernel.enter(event);
    return 'trap';
  }

  // The thread took a trap at its instruction at `pc`, with FaultIP = pc and NextIP as given.
  private trap(t: Loaded, event: KernelEvent, nextIP: number): true {
    const regs = this.cpu.regs;
    regs[Reg.FaultIP] = t.pc;
    regs[Reg.NextIP] = nextIP;
    t.trapped = true;
    this.enter(event);
    return true;
  }

  /**
   * Runs until one kernel entry has been made and returned, or the machine cannot go on:
   * user instructions of the current thread (at most `budget`), or, when idle, waiting for an
   * interrupt.
   */
  step(budget = Infinity): StepOutcome {
    const k = this.kernel;
    if (k === undefined) throw new Error('Machine: no kernel connected');
    const thread = k.currentThread();
    if (thread === undefined) return this.idle();
    const t = this.programs.get(thread);
    if (t === undefined) return 'noProgram';
    const regs = this.cpu.regs;
    if (t.trapped) {
      t.trapped = false;
      // Resumed anywhere but the trapping instruction: that instruction is over.
      if (t.pending && regs[Reg.NextIP] !== t.pc) {
        t.pending = false;
        t.result = 0;
      }
    }
    for (let n = 0; ; n++) {
      if (!t.pending) {
        if (t.exited) {
          // Past the end of the program: an undefined instruction at NextIP.
          t.pc = regs[Reg.NextIP] ?? 0;
          this.retire();
          this.trap(t, UNDEFINED_INSTRUCTION_EVENT, (t.pc + 4) >>> 0);
          return 'trap';
        }
        if (n >= budget) return 'budget';
        const r = t.code.next(t.result);
        if (r.done === true) {
          t.exited = true;
          return 'exit';
        }
        t.insn = r.value;
        t.pending = true;
        t.pc = regs[Reg.NextIP] ?? 0;
      }
      if (this.irq.signalled() ? this.trap(t, INTERRUPT_EVENT, t.pc) : this.execute(t)) return 'trap';
    }
  }

  // Executes the pending instruction of `t`: true if it trapped into the kernel.
  private execute(t: Loaded): boolean {
    const insn = t.insn;
    if (insn === undefined) throw new Error('Machine: no instruction pending');
    const regs = this.cpu.regs;
    const pc = t.pc;
    if (this.fetchInstructions) {
      const f = this.userMemory.load(pc, 4, 'execute');
      if (typeof f !== 'number') return this.trap(t, f, (pc + 4) >>> 0);
    }
    let result = 0;
    switch (insn.op) {
      case Op.Svc: {
        this.retire();
        const number = regs[Reg.R7] ?? 0;
        const sys = syscallFromNumber(number);
        const event: KernelEvent = sys === undefined
          ? { kind: 'UnknownSyscall', number }
          : SYSCALL_EVENTS.get(sys) ?? { kind: 'Syscall', syscall: sys };
        return this.trap(t, event, (pc + 4) >>> 0);
      }
      case Op.Load: {
        const v = this.userMemory.load(insn.vaddr, insn.size, 'read');
        if (typeof v !== 'number') return this.trap(t, v, (pc + 8) >>> 0);
        result = v;
        break;
      }
      case Op.Store: {
        const f = this.userMemory.store(insn.vaddr, insn.size, insn.value);
        if (f !== undefined) return this.trap(t, f, (pc + 8) >>> 0);
        break;
      }
      case Op.Undefined:
        this.retire();
        return this.trap(t, UNDEFINED_INSTRUCTION_EVENT, (pc + 4) >>> 0);
      case Op.Work:
        // Time passes in slices up to the next device event, so an interrupt arriving
        // mid-way is taken there; the rest of the work runs after the thread resumes.
        while (insn.value > 0) {
          const slice = Math.min(insn.value, Math.max(1, this.clock.nextDeadline - this.clock.now));
          this.clock.advance(slice);
          insn.value -= slice;
          if (insn.value > 0 && this.irq.signalled()) return this.trap(t, INTERRUPT_EVENT, pc);
        }
        t.pending = false;
        t.result = 0;
        regs[Reg.NextIP] = pc + 4;
        this.instructions++;
        return false;
    }
    t.pending = false;
    t.result = result;
    regs[Reg.NextIP] = pc + 4;
    this.retire();
    return false;
  }

  // An instruction ran to its end (a trapping svc or udf too: the exception is taken after
  // it); an aborted access did not, and is not counted until its retry completes.
  private retire(): void {
    this.instructions++;
    this.clock.advance(this.nsPerInstruction);
  }

  // The idle thread: wait for an interrupt, moving time to each device event in turn.
  private idle(): StepOutcome {
    while (!this.irq.signalled()) {
      const next = this.clock.nextDeadline;
      if (next === Infinity) return 'halt';
      this.clock.advanceTo(next);
    }
    return this.enter(INTERRUPT_EVENT);
  }

  /** Steps until a limit or a stop (see {@link RunOptions}, {@link StepOutcome}). */
  run(options: RunOptions = {}): RunResult {
    const maxTraps = options.maxTraps ?? Infinity;
    const maxInstructions = options.maxInstructions ?? 10_000_000;
    const traps0 = this.traps;
    const instructions0 = this.instructions;
    const result = (reason: RunResult['reason']): RunResult => ({
      reason,
      traps: this.traps - traps0,
      instructions: this.instructions - instructions0,
      thread: this.kernel?.currentThread(),
    });
    for (;;) {
      if (this.traps - traps0 >= maxTraps) return result('maxTraps');
      const outcome = this.step(maxInstructions - (this.instructions - instructions0));
      if (outcome !== 'trap') return result(outcome);
      if (options.until?.() === true) return result('until');
    }
  }
}
