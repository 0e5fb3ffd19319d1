// A tiny kernel for the user-model tests: it keeps a register file per thread, switches the
// CPU between them, and handles each trap with a policy the test chooses. It knows nothing of
// capabilities; it is just enough to exercise the machine's trap and resume conventions.
import { encodePde, encodePte, PD_SIZE_BITS, PT_SIZE_BITS, SECTION_BITS, SMALL_PAGE_BITS } from '../../hardware/descriptors.js';
import type { KernelEvent } from '../../hardware/events.js';
import { IRQ_SPURIOUS } from '../../hardware/irq.js';
import type { Machine } from '../../hardware/machine.js';
import { INITIAL_CPSR, N_CONTEXT_REGISTERS, Reg } from '../../hardware/registers.js';
import type { KernelPort } from '../../hardware/user.js';

/** What the fake kernel does with the current thread after an event. */
export type Disposition = 'resume' | 'restart' | 'suspend' | 'yield';

/** A recorded kernel entry. */
export interface Entry {
  readonly event: KernelEvent;
  readonly thread: number | undefined;
  /** The user registers at entry (a copy). */
  readonly regs: readonly number[];
  /** Modelled time of the entry. */
  readonly time: number;
}

interface FakeThread {
  readonly regs: Uint32Array;
  readonly pd: number;
  readonly asid: number;
}

const PAGE = 1 << SMALL_PAGE_BITS;

/** Writes seL4-style short-descriptor tables into the machine's RAM. */
export class PageTables {
  private next: number;

  constructor(private readonly machine: Machine, base = machine.board.ramBase + 0x100000) {
    this.next = base;
  }

  /** Allocates `bytes` of zeroed RAM aligned to `2^alignBits`. */
  alloc(bytes: number, alignBits: number): number {
    const a = Math.ceil(this.next / 2 ** alignBits) * 2 ** alignBits;
    this.next = a + bytes;
    this.machine.memory.zeroRange(a, bytes);
    return a;
  }

  /** A new, empty page directory. */
  newPageDirectory(): number {
    return this.alloc(1 << PD_SIZE_BITS, PD_SIZE_BITS);
  }

  /** A new frame. */
  newFrame(): number {
    return this.alloc(PAGE, SMALL_PAGE_BITS);
  }

  /** Maps the 4 KiB page at `vaddr` to `paddr` read-write for user (AP = 0b011, XN as given). */
  mapPage(pd: number, vaddr: number, paddr: number, xn = 0): void {
    const mem = this.machine.memory;
    const pdeAddr = pd + (vaddr >>> SECTION_BITS) * 4;
    let pde = mem.read32(pdeAddr);
    if ((pde & 3) === 0) {
      const pt = this.alloc(1 << PT_SIZE_BITS, PT_SIZE_BITS);
      pde = encodePde({ kind: 'Coarse', address: pt, p: 0, domain: 0 });
      mem.write32(pdeAddr, pde);
    }
    const pt = (pde & 0xfffffc00) >>> 0;
    const pte = encodePte({
      kind: 'Small', address: paddr, apx: 0, ap: 3, xn, nG: 1, tex: 0, c: 0, b: 0, s: 0,
    });
    mem.write32(pt + ((vaddr >>> SMALL_PAGE_BITS) & 0xff) * 4, pte);
  }
}

/** The fake kernel. `policy` decides what happens to the current thread after each entry. */
export class FakeKernel implements KernelPort {
  readonly entries: Entry[] = [];
  readonly tables: PageTables;
  /** Timer interrupts handled. */
  ticks = 0;
  /** Other interrupts acknowledged (and left masked, as seL4 does until the handler acks). */
  readonly deviceIrqs: number[] = [];
  private readonly threads = new Map<number, FakeThread>();
  private readonly ready: number[] = [];
  private current: number | undefined;

  constructor(
    readonly machine: Machine,
    public policy: (e: KernelEvent, k: FakeKernel) => Disposition = defaultPolicy,
  ) {
    this.tables = new PageTables(machine);
    machine.connect(this);
  }

  /** Creates a thread with its own page directory, starting at `pc`; queued to run. */
  createThread(id: number, pc: number, asid = id & 0xff, pd = this.tables.newPageDirectory()): number {
    const regs = new Uint32Array(N_CONTEXT_REGISTERS);
    regs[Reg.NextIP] = pc;
    regs[Reg.CPSR] = INITIAL_CPSR;
    this.threads.set(id, { regs, pd, asid });
    this.ready.push(id);
    if (this.current === undefined) this.switchTo(this.ready.shift());
    return pd;
  }

  /** The saved registers of a thread that is not current (or the CPU's if it is). */
  registersOf(id: number): Uint32Array {
    if (id === this.current) return this.machine.cpu.regs;
    const t = this.threads.get(id);
    if (t === undefined) throw new Error(`no thread ${id}`);
    return t.regs;
  }

  pageDirectoryOf(id: number): number {
    const t = this.threads.get(id);
    if (t === undefined) throw new Error(`no thread ${id}`);
    return t.pd;
  }

  currentThread(): number | undefined {
    return this.current;
  }

  private switchTo(id: number | undefined): void {
    const cpu = this.machine.cpu;
    if (this.current !== undefined) this.threads.get(this.current)?.regs.set(cpu.regs);
    this.current = id;
    if (id === undefined) return;
    const t = this.threads.get(id);
    if (t === undefined) throw new Error(`no thread ${id}`);
    cpu.loadContext(t.regs);
    cpu.setTtbr0(t.pd);
    cpu.setAsid(t.asid);
  }

  enter(event: KernelEvent): void {
    const cpu = this.machine.cpu;
    this.entries.push({
      event, thread: this.current, regs: Array.from(cpu.regs), time: this.machine.clock.now,
    });
    if (event.kind === 'Interrupt') {
      this.handleInterrupt();
      return;
    }
    switch (this.policy(event, this)) {
      case 'resume':
        return;
      case 'restart':
        cpu.regs[Reg.NextIP] = cpu.regs[Reg.FaultIP] ?? 0;
        return;
      case 'suspend':
        this.switchTo(undefined);
        this.switchTo(this.ready.shift());
        return;
      case 'yield': {
        const me = this.current;
        if (me !== undefined) this.ready.push(me);
        this.switchTo(this.ready.shift());
        return;
      }
    }
  }

  private handleInterrupt(): void {
    const m = this.machine;
    const irq = m.irq.acknowledge();
    if (irq === IRQ_SPURIOUS) return;
    if (irq === m.board.kernelTimer.irq) {
      this.ticks++;
      m.kernelTimer.resetTimer();
    } else {
      m.irq.mask(irq);
      this.deviceIrqs.push(irq);
    }
    m.irq.endOfInterrupt(irq);
  }
}

/** Syscalls return, faults suspend the thread. */
export function defaultPolicy(e: KernelEvent): Disposition {
  return e.kind === 'Syscall' ? (e.syscall === 'SysYield' ? 'yield' : 'resume') : 'suspend';
}
