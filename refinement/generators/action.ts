/**
 * The alphabet of environment actions the checker draws from (one place, as Serval and
 * Hyperkernel keep it): what the current thread puts in its registers and IPC buffer before
 * it traps, and the trap. Actions are generated before any state exists, so they name caps
 * and slots by *choice* ("the k-th live untyped cap", "the k-th empty slot") and are
 * resolved against the state when they run (`resolve.ts`).
 *
 * @module
 */
import type { InvocationLabel } from '../../abi/labels.js';

/** The CNode invocation labels of this slice. */
export const CNODE_LABELS = [
  'CNodeRevoke', 'CNodeDelete', 'CNodeCancelBadgedSends', 'CNodeCopy', 'CNodeMint',
  'CNodeMove', 'CNodeMutate', 'CNodeRotate', 'CNodeSaveCaller',
] as const satisfies readonly InvocationLabel[];

/** A CNode invocation label. */
export type CNodeLabel = (typeof CNODE_LABELS)[number];

/** Every invocation label this slice models: UntypedRetype and the nine CNode labels. */
export const SLICE_LABELS: readonly InvocationLabel[] = ['UntypedRetype', ...CNODE_LABELS];

/** The system calls that invoke a cap. */
export type InvokeSyscall = 'SysCall' | 'SysSend' | 'SysNBSend';

/**
 * A slot inside a CNode, chosen at run time: the k-th empty slot, the k-th slot holding a
 * cap (of any kind, an untyped, CNode or endpoint cap, or a cap with CDT children), the
 * cap with the most CDT children, the CNode cap naming the largest CNode, or a raw index. `depth` is
 * `'exact'` (the guard and radix of the CNode cap used, the depth that resolves exactly to
 * a slot) or a raw number (a near miss, mostly).
 */
export interface SlotChoice {
  /** How the slot is chosen. */
  readonly how: 'empty' | 'full' | 'untyped' | 'cnode' | 'endpoint' | 'parent' | 'most-children' | 'largest-cnode' | 'badged' | 'raw';
  /** The k of "k-th", or the raw index. */
  readonly k: number;
  /** The lookup depth. */
  readonly depth: 'exact' | number;
}

/**
 * Which CNode cap in the root CNode acts as a CNode (the invoked cap, or a source/pivot
 * root): the root CNode's own cap (most often), the k-th CNode cap, or (a near miss) the
 * k-th cap of any other kind.
 */
export type NodeChoice =
  | { readonly how: 'root' }
  | { readonly how: 'cnode'; readonly k: number }
  | { readonly how: 'other'; readonly k: number };

/** A CNode invocation (labels 17..25). */
export interface CNodeAction {
  /** Discriminant. */
  readonly t: 'CNode';
  /** How the current thread traps. */
  readonly syscall: InvokeSyscall;
  /** The label. */
  readonly label: CNodeLabel;
  /**
   * The CNode cap invoked; a near miss invokes an untyped cap, an empty slot, or a cap of a
   * kind whose own labels are not CNode labels (`foreign`: TCB, IRQ, domain, VSpace caps).
   */
  readonly node: NodeChoice | { readonly how: 'untyped' | 'null' | 'foreign'; readonly k: number };
  /** The destination (or, for Revoke/Delete/CancelBadgedSends/SaveCaller, the target) slot. */
  readonly dest: SlotChoice;
  /** The source root (extra cap 0; Rotate: the source root is extra cap 1). */
  readonly srcRoot: NodeChoice;
  /** The source slot in the source root. */
  readonly src: SlotChoice;
  /** Rotate: the pivot root (extra cap 0). */
  readonly pivotRoot: NodeChoice;
  /** Rotate: the pivot slot. */
  readonly pivot: SlotChoice;
  /** Copy/Mint: the rights word. */
  readonly rights: number;
  /** Mint/Mutate: the cap data (badge or guard); Rotate: the destination's new data. */
  readonly data: number;
  /** Rotate: the pivot's new data. */
  readonly data2: number;
  /** A near miss: send this many message words fewer than the label needs. */
  readonly shortBy: number;
  /** A near miss: send no extra caps. */
  readonly noExtraCaps: boolean;
  /** An IRQ line made pending before the trap (to reach preemption points), or null. */
  readonly pendingIRQ: number | null;
}

/** An `UntypedRetype` invocation. */
export interface RetypeAction {
  /** Discriminant. */
  readonly t: 'Retype';
  /** How the current thread traps. */
  readonly syscall: InvokeSyscall;
  /**
   * The untyped invoked: the k-th RAM untyped cap, or the k-th of any untyped cap (device
   * untypeds hold only frames and untypeds); a near miss invokes a CNode cap, an empty slot
   * or a foreign cap.
   */
  readonly untyped: { readonly how: 'ram' | 'untyped' | 'cnode' | 'null' | 'foreign'; readonly k: number };
  /** The object type word (0..10 valid; larger ones are near misses). */
  readonly type: number;
  /** The size-bits word (its meaning depends on the type). */
  readonly sizeBits: number;
  /** Root of the destination (extra cap 0). */
  readonly root: NodeChoice;
  /** Where the destination CNode is: depth 0 = the root itself, else a slot looked up in it. */
  readonly node: { readonly how: 'self' } | { readonly how: 'cnode' | 'other'; readonly k: number; readonly depth: 'exact' | number };
  /** The destination offset: the start of the k-th run of empty slots, or a raw offset. */
  readonly offset: { readonly how: 'empty' | 'full' | 'raw'; readonly k: number };
  /** The number of objects. */
  readonly count: number;
  /** As for {@link CNodeAction.shortBy}. */
  readonly shortBy: number;
  /** As for {@link CNodeAction.noExtraCaps}. */
  readonly noExtraCaps: boolean;
  /** As for {@link CNodeAction.pendingIRQ}. */
  readonly pendingIRQ: number | null;
}

/**
 * Raw register contents: a random message-info word, message registers and extra-cap words,
 * sent to a cap whose invocation this slice models (a CNode or untyped cap, or an empty
 * slot), or, with `SysNBSend`, to any CPtr at all.
 */
export interface RawAction {
  /** Discriminant. */
  readonly t: 'Raw';
  /** How the current thread traps. */
  readonly syscall: InvokeSyscall;
  /** The invoked cap: the k-th modelled cap, or (NBSend only) a raw CPtr. */
  readonly cptr: { readonly how: 'modelled' | 'raw'; readonly k: number };
  /** The message-info word. */
  readonly info: number;
  /** MR0..MR7 (MR4.. go to the IPC buffer). */
  readonly mrs: readonly number[];
  /** The three extra-cap words (indices into the root CNode, so their lookup never faults). */
  readonly caps: readonly number[];
}

/** An interrupt: the kernel entry for a pending line (or a spurious one). */
export interface InterruptAction {
  /** Discriminant. */
  readonly t: 'Interrupt';
  /** The line made pending first, or null for none. */
  readonly line: number | null;
}

/** A system call that involves no invocation: Yield, or Reply with an empty caller slot. */
export interface PlainSyscallAction {
  /** Discriminant. */
  readonly t: 'Plain';
  /** Which one. */
  readonly syscall: 'SysYield' | 'SysReply';
}

/**
 * An event that ends the current thread's useful life in this slice: a fault with no fault
 * handler (a double fault makes it Inactive), or a receive on a cap that is no endpoint.
 * Drawn rarely; afterwards only interrupts can be issued.
 */
export interface FaultAction {
  /** Discriminant. */
  readonly t: 'Fault';
  /** What happens. */
  readonly what: 'UnknownSyscall' | 'UserLevelFault' | 'VMFaultData' | 'VMFaultInstruction' | 'SysRecv' | 'SysNBRecv' | 'SysReplyRecv';
  /** The fault's number / address / CPtr word. */
  readonly word: number;
  /** The second word (code, FSR). */
  readonly word2: number;
}

/** One environment action. */
export type Action = CNodeAction | RetypeAction | RawAction | InterruptAction | PlainSyscallAction | FaultAction;
