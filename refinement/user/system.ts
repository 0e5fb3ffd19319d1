/**
 * A machine with a kernel plugged in, ready for user programs: the spec kernel or the impl
 * kernel, booted with the same parameters, with a trace of every kernel entry (the event,
 * the thread that trapped, the thread that runs after, and its registers after the entry).
 * Two systems that run the same programs must produce the same trace: that is how the user
 * tests hold the two kernels to each other.
 *
 * @module
 */
import { DEFAULT_BOOT_PARAMS, type BootParams } from '../../abi/bootinfo.js';
import type { KernelEvent } from '../../hardware/events.js';
import { Machine, type MachineOptions } from '../../hardware/machine.js';
import type { AccessSize, KernelPort, UserMemoryPort } from '../../hardware/user.js';
import { ImplPort } from './impl-port.js';
import { SpecPort } from './spec-port.js';

/** Which kernel a system runs. */
export type KernelKind = 'spec' | 'impl';

/** Both kernel kinds, for `describe.each`. */
export const KERNEL_KINDS: readonly KernelKind[] = ['spec', 'impl'];

/** One recorded kernel entry. */
export interface TraceEntry {
  /** The event the kernel was entered with. */
  readonly event: KernelEvent;
  /** The thread that trapped (undefined: the idle thread took an interrupt). */
  readonly from: number | undefined;
  /** The thread current after the entry. */
  readonly to: number | undefined;
  /** The CPU's user registers after the entry (the `to` thread's). */
  readonly regs: readonly number[];
}

/** A booted system. */
export interface UserSystem {
  /** Which kernel runs. */
  readonly kind: KernelKind;
  /** The machine; `machine.load(thread, program)` binds programs. */
  readonly machine: Machine;
  /** The kernel port (an {@link ImplPort} or a {@link SpecPort}). */
  readonly port: ImplPort | SpecPort;
  /** User memory as user programs see it (for test set-up and inspection from outside). */
  readonly memory: UserMemoryPort;
  /** The root task's thread (its TCB object address). */
  readonly rootThread: number;
  /** Every kernel entry so far (when tracing is on). */
  readonly trace: TraceEntry[];
}

/** Options of {@link bootSystem}. */
export interface SystemOptions {
  /** Boot parameters (default the sabre boot). */
  readonly params?: BootParams;
  /** Machine options; the kernel timer is off unless asked for, so that runs end by halting. */
  readonly machine?: MachineOptions;
  /** Record the trace (default true). */
  readonly trace?: boolean;
}

class TracingPort implements KernelPort {
  readonly memory?: UserMemoryPort;

  constructor(private readonly inner: KernelPort, private readonly machine: Machine, private readonly trace: TraceEntry[]) {
    if (inner.memory !== undefined) this.memory = inner.memory;
  }

  enter(event: KernelEvent): void {
    const from = this.inner.currentThread();
    this.inner.enter(event);
    this.trace.push({ event, from, to: this.inner.currentThread(), regs: Array.from(this.machine.cpu.regs) });
  }

  currentThread(): number | undefined {
    return this.inner.currentThread();
  }
}

/** Boots `kind` on a fresh machine (see {@link SystemOptions}). */
export function bootSystem(kind: KernelKind, options: SystemOptions = {}): UserSystem {
  const machine = new Machine({ startKernelTimer: false, ...options.machine });
  const params = options.params ?? DEFAULT_BOOT_PARAMS;
  const port = kind === 'spec' ? new SpecPort(machine, params) : new ImplPort(machine, params);
  const trace: TraceEntry[] = [];
  if (options.trace ?? true) machine.connect(new TracingPort(port, machine, trace));
  const rootThread = port.currentThread();
  if (rootThread === undefined) throw new Error('bootSystem: no root task after boot');
  return { kind, machine, port, memory: port instanceof SpecPort ? port.memory : machine.hardwareMemory, rootThread, trace };
}

/** Reads `words` words of user memory from `vaddr` on, as the current thread sees it. */
export function readUserWords(sys: UserSystem, vaddr: number, words: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < words; i++) {
    const v = sys.memory.load(vaddr + 4 * i, 4 as AccessSize, 'read');
    if (typeof v !== 'number') throw new Error(`readUserWords: fault at 0x${(vaddr + 4 * i).toString(16)}`);
    out.push(v);
  }
  return out;
}
