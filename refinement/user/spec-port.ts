/**
 * The spec kernel plugged into a {@link Machine}: it holds a spec `KernelState` and takes
 * each trap as l4v's `kernel_entry` does (ADT_AI): the user context is saved into the current
 * TCB, `call_kernel` runs, and the (possibly new) current thread's context is read back into
 * the CPU. TTBR0 and the hardware ASID are set from the spec's ASID map for the thread's
 * address space, as `arch_switch_to_thread` would; user memory is the spec's own
 * (see `spec-memory.ts`).
 *
 * The interrupt controller is the machine's: before each entry the lines pending and
 * unmasked at the controller become the spec's `irqPending` (its explicit interrupt oracle);
 * after the entry each line the spec consumed is acknowledged at the controller (its latch
 * cleared), the kernel timer is re-armed if the consumed line was the timer's, and the
 * spec's masks are written back to the controller.
 *
 * @module
 */
import { DEFAULT_BOOT_PARAMS, type BootParams } from '../../abi/bootinfo.js';
import type { KernelEvent } from '../../hardware/events.js';
import type { Machine } from '../../hardware/machine.js';
import { N_CONTEXT_REGISTERS } from '../../hardware/registers.js';
import type { KernelPort, UserMemoryPort } from '../../hardware/user.js';
import { bootSpec } from '../../spec/boot.js';
import { callKernel } from '../../spec/kernel/entry.js';
import { setObject } from '../../spec/kernel/kheap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { TCB_SLOT } from '../../spec/state/object.js';
import type { SpecStep } from '../check/spec-instance.js';
import { SpecUserMemory, type SpecStateHolder } from './spec-memory.js';


const NO_PENDING: readonly number[] = [];

/** The spec kernel behind the {@link KernelPort} interface. */
export class SpecPort implements KernelPort, SpecStateHolder {
  /** User memory through the spec's page tables and frames. */
  readonly memory: UserMemoryPort;
  private s: KernelState;
  private readonly machine: Machine;
  private readonly step: SpecStep;
  private masksWritten: readonly boolean[] | undefined;

  /**
   * Boots the spec (with `params`, default the sabre boot; or starts from `initial`),
   * connects the port to `machine` and loads the root task's registers into the CPU.
   */
  constructor(machine: Machine, params: BootParams = DEFAULT_BOOT_PARAMS, options: { initial?: KernelState; step?: SpecStep } = {}) {
    this.machine = machine;
    this.s = options.initial ?? bootSpec(params);
    this.step = options.step ?? callKernel;
    this.memory = new SpecUserMemory(this, machine.memory);
    this.writeMasks();
    machine.connect(this);
    this.restore();
  }

  /** The spec state now (between kernel entries: what user level sees). */
  get state(): KernelState {
    return this.s;
  }

  /** Replaces the state (a user store, or a test setting things up). */
  setState(s: KernelState): void {
    this.s = s;
  }

  /** Saves the user context, runs `call_kernel`, reads the next thread's context back. */
  enter(event: KernelEvent): void {
    const pending = this.pendingLines();
    const s0 = this.saveContext(this.s);
    const s1 = pending === s0.machine.irqPending ? s0 : { ...s0, machine: { ...s0.machine, irqPending: pending } };
    this.s = this.step(s1, event);
    this.acknowledgeConsumed(pending);
    this.writeMasks();
    this.restore();
  }

  /** The current thread's TCB address, or undefined when the idle thread runs. */
  currentThread(): number | undefined {
    return this.s.curThread === this.s.idleThread ? undefined : this.s.curThread;
  }

  // The CPU's registers into the current TCB (only if they changed: the idle thread's never do).
  private saveContext(s: KernelState): KernelState {
    const t = s.kheap.get(s.curThread);
    if (t?.kind !== 'TCB') return s;
    const regs = this.machine.cpu.regs;
    let same = true;
    for (let r = 0; r < N_CONTEXT_REGISTERS && same; r++) same = t.context[r] === regs[r];
    return same ? s : setObject(s, s.curThread, { ...t, context: Array.from(regs) });
  }

  // The lines the controller would hand out: pending, unmasked and not active.
  private pendingLines(): readonly number[] {
    const irq = this.machine.irq;
    if (!irq.hasPendingEnabled()) return NO_PENDING;
    const lines: number[] = [];
    for (let i = 0; i <= irq.maxIRQ; i++) if (irq.isPending(i) && !irq.isMasked(i) && !irq.isActive(i)) lines.push(i);
    return lines;
  }

  private acknowledgeConsumed(before: readonly number[]): void {
    const after = this.s.machine.irqPending;
    for (const line of before) {
      if (after.includes(line)) continue;
      this.machine.irq.clearPending(line);
      if (this.s.irqStates[line] === 'IRQTimer') this.machine.kernelTimer.resetTimer();
    }
  }

  private writeMasks(): void {
    const masks = this.s.machine.irqMasks;
    if (masks === this.masksWritten) return;
    const irq = this.machine.irq;
    for (let i = 0; i <= irq.maxIRQ; i++) irq.maskInterrupt(masks[i] ?? true, i);
    this.masksWritten = masks;
  }

  // The current thread's registers, page directory and hardware ASID into the CPU.
  private restore(): void {
    const s = this.s;
    const cpu = this.machine.cpu;
    const t = s.kheap.get(s.curThread);
    if (t?.kind !== 'TCB') return;
    cpu.loadContext(t.context);
    const root = t.caps[TCB_SLOT.VTable];
    const entry = root.kind === 'PageDirectoryCap' && root.asid !== null ? s.arch.asidMap.get(root.asid) : undefined;
    if (entry === undefined || root.kind !== 'PageDirectoryCap' || entry.pd !== root.ptr) {
      cpu.setTtbr0(s.arch.globalPD);
      return;
    }
    cpu.setTtbr0(entry.pd);
    cpu.setAsid(entry.hwASID);
  }
}
