/**
 * Kernel objects as the abstract heap holds them (l4v `kernel_object`; manual §2.3 "Kernel
 * Objects"). Untyped memory and frame contents are not heap objects: an untyped is only a
 * cap, and frame contents live in the machine state.
 *
 * @module
 */
import type { Map as PMap } from 'immutable';
import type { Cap, VMPageSize, VMRights } from './cap.js';
import type { Fault } from './exceptions.js';
import type { ThreadState } from './thread.js';

/** The five cap slots of a TCB, by `tcb_cnode_index` (l4v `tcb_cap_cases`). */
export const TCB_SLOT = {
  /** `tcb_ctable`: the CSpace root. */
  CTable: 0,
  /** `tcb_vtable`: the VSpace root. */
  VTable: 1,
  /** `tcb_reply`: the master reply cap. */
  Reply: 2,
  /** `tcb_caller`: the reply cap of the thread that called this one. */
  Caller: 3,
  /** `tcb_ipcframe`: the frame holding the IPC buffer. */
  IPCBuffer: 4,
} as const;

/** A thread control block (l4v `tcb`, with the det_ext scheduling fields folded in). */
export interface TCB {
  /** Discriminant. */
  readonly kind: 'TCB';
  /** The five cap slots, indexed by {@link TCB_SLOT}. */
  readonly caps: readonly [Cap, Cap, Cap, Cap, Cap];
  /** `tcb_state`. */
  readonly state: ThreadState;
  /** `tcb_fault`: the fault being handled, or null. */
  readonly fault: Fault | null;
  /** `tcb_fault_handler`: CPtr of the fault endpoint in this thread's CSpace. */
  readonly faultHandler: number;
  /** `tcb_ipc_buffer`: user virtual address of the IPC buffer. */
  readonly ipcBuffer: number;
  /** `tcb_bound_notification`. */
  readonly boundNotification: number | null;
  /** `tcb_priority`. */
  readonly priority: number;
  /** `tcb_mcpriority`: the maximum controlled priority. */
  readonly mcp: number;
  /** `tcb_domain`. */
  readonly domain: number;
  /** `tcb_time_slice`: ticks left. */
  readonly timeSlice: number;
  /** `tcb_flags` (always 0 here: no FPU flag exists in this configuration). */
  readonly flags: number;
  /** `tcb_arch`'s user context: the 20 saved registers, indexed by `Reg`. */
  readonly context: readonly number[];
}

/** An endpoint's queue state (l4v `endpoint`); queues are FIFO and never empty. */
export type EndpointState =
  | { readonly kind: 'IdleEP' }
  | { readonly kind: 'SendEP'; readonly queue: readonly number[] }
  | { readonly kind: 'RecvEP'; readonly queue: readonly number[] };

/** An endpoint object. */
export interface Endpoint {
  /** Discriminant. */
  readonly kind: 'Endpoint';
  /** The queue. */
  readonly state: EndpointState;
}

/** A notification's signal state (l4v `ntfn`). */
export type NotificationState =
  | { readonly kind: 'IdleNtfn' }
  | { readonly kind: 'WaitingNtfn'; readonly queue: readonly number[] }
  | { readonly kind: 'ActiveNtfn'; readonly badge: number };

/** A notification object (l4v `notification`). */
export interface Notification {
  /** Discriminant. */
  readonly kind: 'Notification';
  /** `ntfn_obj`. */
  readonly state: NotificationState;
  /** `ntfn_bound_tcb`. */
  readonly boundTCB: number | null;
}

/** A CNode of 2^`bits` slots; absent entries hold the null cap. */
export interface CNode {
  /** Discriminant. */
  readonly kind: 'CNode';
  /** The radix (l4v `CNode sz cs`). */
  readonly bits: number;
  /** Non-null caps by slot index. */
  readonly slots: PMap<number, Cap>;
}

/** A second-level page-table entry (l4v `pte`). */
export type PTE =
  | { readonly kind: 'InvalidPTE' }
  | { readonly kind: 'LargePagePTE'; readonly frame: number; readonly attributes: VMAttributes; readonly rights: VMRights }
  | { readonly kind: 'SmallPagePTE'; readonly frame: number; readonly attributes: VMAttributes; readonly rights: VMRights };

/** A first-level page-directory entry (l4v `pde`). */
export type PDE =
  | { readonly kind: 'InvalidPDE' }
  | { readonly kind: 'PageTablePDE'; readonly table: number; readonly parityEnabled: boolean }
  | { readonly kind: 'SectionPDE'; readonly frame: number; readonly attributes: VMAttributes; readonly rights: VMRights }
  | { readonly kind: 'SuperSectionPDE'; readonly frame: number; readonly attributes: VMAttributes; readonly rights: VMRights };

/** ARM VM attributes (l4v `vm_attributes`). */
export interface VMAttributes {
  /** `PageCacheable`. */
  readonly cacheable: boolean;
  /** `ParityEnabled`. */
  readonly parityEnabled: boolean;
  /** `XNever`. */
  readonly executeNever: boolean;
}

/** ARM's kernel objects (l4v `arch_kernel_obj`); tables keep non-invalid entries only. */
export type ArchObject =
  | { readonly kind: 'ASIDPool'; readonly entries: PMap<number, number> }
  | { readonly kind: 'PageTable'; readonly entries: PMap<number, PTE> }
  | { readonly kind: 'PageDirectory'; readonly entries: PMap<number, PDE> }
  | { readonly kind: 'DataPage'; readonly isDevice: boolean; readonly size: VMPageSize };

/** A kernel object in the abstract heap. */
export type KernelObject = CNode | TCB | Endpoint | Notification | ArchObject;

/** The kind of a kernel object. */
export type ObjectKind = KernelObject['kind'];
