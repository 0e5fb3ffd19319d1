/**
 * The abstract kernel state (l4v `abstract_state` with the det_ext extension,
 * `Structures_A.thy` and `Deterministic_A.thy`). Plain immutable data: the heap and the CDT
 * are persistent maps (Immutable.js, a HAMT: O(log n) update, see proofs-notes).
 *
 * @module
 */
import type { Map as PMap, Set as PSet } from 'immutable';
import type { ChildList } from './child-list.js';
import type { CSlot } from './cslot.js';
import type { KernelObject } from './object.js';

/** What the scheduler does at the end of this kernel entry (l4v `scheduler_action`). */
export type SchedulerAction =
  | { readonly kind: 'ResumeCurrentThread' }
  | { readonly kind: 'SwitchToThread'; readonly tcb: number }
  | { readonly kind: 'ChooseNewThread' };

/** An entry of the domain schedule: run `domain` for `duration` ticks. */
export interface DomainScheduleEntry {
  /** The domain. */
  readonly domain: number;
  /** Ticks (56 bits in seL4, so a bigint); 0 only in the end marker. */
  readonly duration: bigint;
}

/** What an interrupt line is used for (l4v `irq_state`). */
export type IRQState = 'IRQInactive' | 'IRQSignal' | 'IRQTimer' | 'IRQReserved';

/**
 * The part of the machine the kernel reads and writes (l4v `machine_state`). User memory is
 * kept per 4 KiB frame, copy-on-write: a stored frame is never mutated; an absent frame
 * reads as zero.
 */
export interface MachineState {
  /** Non-zero user frames, by physical frame number (paddr >>> 12). */
  readonly memory: PMap<number, Uint8Array>;
  /** `irq_masks`: true where the line is masked, indexed by IRQ. */
  readonly irqMasks: readonly boolean[];
  /**
   * The lines pending at the interrupt controller, ascending, without duplicates: the
   * explicit form of l4v's `irq_oracle`, an input the environment (a test, the checker)
   * sets before a kernel entry. `getActiveIRQ` returns the lowest pending line that is not
   * masked (the GIC's choice among equal priorities); handling an interrupt consumes its
   * line (the GICC_IAR acknowledge). Masked lines stay pending until unmasked.
   */
  readonly irqPending: readonly number[];
}

/** ARM's global kernel state (l4v `arch_state`). */
export interface ArchState {
  /** `arm_asid_table`: ASID pool by the high 7 bits of an ASID. */
  readonly asidTable: PMap<number, number>;
  /** `arm_hwasid_table`: the ASID each hardware ASID is given to. */
  readonly hwASIDTable: PMap<number, number>;
  /** `arm_next_asid`: the next hardware ASID the round robin hands out. */
  readonly nextASID: number;
  /** `arm_asid_map`: the hardware ASID and page directory of each live ASID. */
  readonly asidMap: PMap<number, { readonly hwASID: number; readonly pd: number }>;
  /** `arm_global_pd`: the page directory holding only the kernel mappings. */
  readonly globalPD: number;
  /** `arm_global_pts`: the page tables the kernel mappings use. */
  readonly globalPTs: readonly number[];
}

/** The whole abstract kernel state. */
export interface KernelState {
  /** `kheap`: every kernel object by its address. */
  readonly kheap: PMap<number, KernelObject>;
  /** `cdt`: the CDT parent of each slot that has one, keyed by `slotKey(child)`. */
  readonly cdt: PMap<number, CSlot>;
  /** det_ext `cdt_list`: each slot's CDT children in order, keyed by `slotKey(parent)`. */
  readonly cdtList: PMap<number, ChildList>;
  /** `is_original_cap`: the slots whose cap is original (revocable), by `slotKey`. */
  readonly isOriginalCap: PSet<number>;
  /** `cur_thread`. */
  readonly curThread: number;
  /** `idle_thread`. */
  readonly idleThread: number;
  /** `scheduler_action`. */
  readonly schedulerAction: SchedulerAction;
  /** `ready_queues`: by `domain * 256 + priority`; absent = empty. */
  readonly readyQueues: PMap<number, readonly number[]>;
  /** `cur_domain`. */
  readonly curDomain: number;
  /** `domain_time`: ticks left in the current domain. */
  readonly domainTime: bigint;
  /** `domain_list`: the domain schedule, ending in an end marker `(0, 0)`. */
  readonly domainList: readonly DomainScheduleEntry[];
  /** `domain_index`. */
  readonly domainIndex: number;
  /** `domain_start_index`. */
  readonly domainStartIndex: number;
  /** `machine_state`. */
  readonly machine: MachineState;
  /** `interrupt_irq_node`: IRQ i's handler slot is slot 0 of the 1-slot CNode at irqNode + 16·i. */
  readonly irqNode: number;
  /** `interrupt_states`, indexed by IRQ. */
  readonly irqStates: readonly IRQState[];
  /** `arch_state`. */
  readonly arch: ArchState;
  /** det_ext `work_units_completed`. */
  readonly workUnitsCompleted: number;
}

/**
 * `s` with `field` set to `value`: the immutable update `{ ...s, [field]: value }`, written
 * as one object literal naming every field. Why: V8 copies an object that was itself made by
 * a spread about ten times slower than one made by a literal (measured on this 19-field
 * record: about 0.9 µs against 60 ns), and a kernel entry copies the state dozens of times,
 * each copy made from the last. The kernel's frequent updates go through here so that states
 * stay literal-made (see proofs-notes/persistent-map.md).
 */
export function updateState<K extends keyof KernelState>(s: KernelState, field: K, value: KernelState[K]): KernelState {
  const t: { -readonly [F in keyof KernelState]: KernelState[F] } = {
    kheap: s.kheap, cdt: s.cdt, cdtList: s.cdtList, isOriginalCap: s.isOriginalCap, curThread: s.curThread,
    idleThread: s.idleThread, schedulerAction: s.schedulerAction, readyQueues: s.readyQueues, curDomain: s.curDomain,
    domainTime: s.domainTime, domainList: s.domainList, domainIndex: s.domainIndex, domainStartIndex: s.domainStartIndex,
    machine: s.machine, irqNode: s.irqNode, irqStates: s.irqStates, arch: s.arch, workUnitsCompleted: s.workUnitsCompleted,
  };
  t[field] = value;
  return t;
}

/** `m` with `field` set to `value` (as {@link updateState}, for the machine state). */
export function updateMachine<K extends keyof MachineState>(m: MachineState, field: K, value: MachineState[K]): MachineState {
  const t: { -readonly [F in keyof MachineState]: MachineState[F] } = { memory: m.memory, irqMasks: m.irqMasks, irqPending: m.irqPending };
  t[field] = value;
  return t;
}

/** Key of a ready queue in {@link KernelState.readyQueues}. */
export function readyQueueKey(domain: number, priority: number): number {
  return domain * 256 + priority;
}
