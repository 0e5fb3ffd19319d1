/**
 * What the lock-step engine needs from the kernel it holds to the spec: boot it, write the
 * current thread's registers and IPC buffer, make an IRQ pending, take one kernel entry, and
 * show its state abstractly, whole or one part at a time (for the incremental comparison).
 * The implementation kernel provides this through `abstraction.ts`; a second spec instance
 * provides it too, which is how the engine itself is tested.
 *
 * @module
 */
import type { Cpu } from '../../hardware/cpu.js';
import type { KernelEvent } from '../../hardware/events.js';
import type { PhysicalMemory } from '../../hardware/memory.js';
import type { Tlb } from '../../hardware/tlb.js';
import type { Cap } from '../../spec/state/cap.js';
import type { CSlot } from '../../spec/state/cslot.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { KernelObject } from '../../spec/state/object.js';

/** The fields of `KernelState` that are not per-object maps: compared whole at every step. */
export type Globals = Omit<KernelState, 'kheap' | 'cdt' | 'cdtList' | 'isOriginalCap' | 'machine'> & {
  /** `machine.irqMasks`. */
  readonly irqMasks: readonly boolean[];
  /** `machine.irqPending`. */
  readonly irqPending: readonly number[];
};

/** One part of a kernel's abstract state at a time, cheaply. */
export interface AbstractView {
  /** The object at `addr`, decoded whole, or undefined. */
  object(addr: number): KernelObject | undefined;
  /** The cap in slot `index` of the CNode at `obj` (NullCap when empty), or undefined when there is no CNode. */
  cnodeSlot(obj: number, index: number): Cap | undefined;
  /** The CDT parent of the slot with key `key`. */
  cdtParent(key: number): CSlot | undefined;
  /** The CDT children of the slot with key `key`, in order. */
  cdtChildren(key: number): readonly CSlot[];
  /** Whether the slot with key `key` holds an original cap. */
  isOriginal(key: number): boolean;
  /** User frame `n` (physical frame number), or undefined when it reads as zeros. */
  frame(n: number): Uint8Array | undefined;
  /** The global fields. */
  globals(): Globals;
  /** One global field (cheaper than all of them). */
  globalField<K extends keyof Globals>(field: K): Globals[K];
}

/** A booted kernel being checked. */
export interface KernelInstance {
  /** Sets saved register `reg` of the current thread. */
  setRegister(reg: number, value: number): void;
  /** Stores consecutive words of user memory from physical address `paddr` on (the IPC buffer). */
  writeWords(paddr: number, values: readonly number[]): void;
  /** Makes interrupt line `irq` pending. */
  setPendingIRQ(irq: number): void;
  /** Takes one kernel entry (throws only a kernel panic). */
  step(e: KernelEvent): void;
  /** The whole abstract state. */
  abstract(): KernelState;
  /** A view of the abstract state part by part. */
  view(): AbstractView;
  /** What the machine sees: memory for table walks, the TLB and the CPU (absent for a kernel with no hardware). */
  hardwareView?(): HardwareView | undefined;
}

/** The hardware a kernel under test runs on, as the hardware-view check reads it. */
export interface HardwareView {
  /** Physical memory holding the kernel's page directories and page tables. */
  readonly memory: PhysicalMemory;
  /** The TLB the kernel maintains, if it has one. */
  readonly tlb: Tlb | undefined;
  /** The CPU whose TTBR0 and hardware ASID the kernel loads, if it has one. */
  readonly cpu: Cpu | undefined;
}

/** A kernel the engine can boot afresh for every run. */
export interface KernelUnderTest {
  /** Its name in reports (`impl`, `spec`, ...). */
  readonly name: string;
  /** Boots a fresh instance. */
  boot(): KernelInstance;
}
