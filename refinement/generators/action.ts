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
import type { Syscall } from '../../hardware/events.js';
import type { AimAction } from './aim.js';
import type { FastpathAction } from './fastpath.js';

/** The CNode invocation labels of this slice. */
export const CNODE_LABELS = [
  'CNodeRevoke', 'CNodeDelete', 'CNodeCancelBadgedSends', 'CNodeCopy', 'CNodeMint',
  'CNodeMove', 'CNodeMutate', 'CNodeRotate', 'CNodeSaveCaller',
] as const satisfies readonly InvocationLabel[];

/** A CNode invocation label. */
export type CNodeLabel = (typeof CNODE_LABELS)[number];


/** The TCB invocation labels (2..16). */
export const TCB_LABELS = [
  'TCBReadRegisters', 'TCBWriteRegisters', 'TCBCopyRegisters', 'TCBConfigure', 'TCBSetPriority',
  'TCBSetMCPriority', 'TCBSetSchedParams', 'TCBSetIPCBuffer', 'TCBSetSpace', 'TCBSuspend', 'TCBResume',
  'TCBBindNotification', 'TCBUnbindNotification', 'TCBSetTLSBase', 'TCBSetFlags',
] as const satisfies readonly InvocationLabel[];

/** The IRQControl and IRQHandler invocation labels. */
export const IRQ_LABELS = [
  'IRQIssueIRQHandler', 'ARMIRQIssueIRQHandlerTrigger', 'ARMIRQIssueSGISignal', 'IRQAckIRQ', 'IRQSetIRQHandler', 'IRQClearIRQHandler',
] as const satisfies readonly InvocationLabel[];

/** The domain-cap invocation labels. */
export const DOMAIN_LABELS = ['DomainSetSet', 'DomainScheduleConfigure', 'DomainScheduleSetStart'] as const satisfies readonly InvocationLabel[];

/** A TCB, IRQ or domain invocation label. */
export type ObjectLabel = (typeof TCB_LABELS)[number] | (typeof IRQ_LABELS)[number] | (typeof DOMAIN_LABELS)[number];

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
   * The untyped invoked: the k-th RAM untyped cap, the k-th RAM untyped `ready` to hold
   * the objects at once (one already reset, else one of the smallest that fit: a first retype
   * resets the whole untyped, with preemption points), or the k-th of any untyped cap (device
   * untypeds hold only frames and untypeds); a near miss invokes a CNode cap, an empty slot
   * or a foreign cap.
   */
  readonly untyped: { readonly how: 'ram' | 'ready' | 'untyped' | 'cnode' | 'null' | 'foreign'; readonly k: number };
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
 * A fault of the current thread, or a receive, send or call through a CPtr that does not
 * resolve (a cap fault): a
 * thread with a usable fault handler sends the fault to it and waits for the reply; one
 * without (the root task has none) is left Inactive by the double fault. The root task
 * faults only when `evenRoot` is set (rarely drawn: its end leaves little to run); otherwise,
 * while the root task runs, the action yields.
 */
export interface FaultAction {
  /** Discriminant. */
  readonly t: 'Fault';
  /** What happens. */
  readonly what: 'UnknownSyscall' | 'UserLevelFault' | 'VMFaultData' | 'VMFaultInstruction' | 'SysRecv' | 'SysNBRecv' | 'SysReplyRecv' | 'SysCall' | 'SysSend' | 'SysNBSend';
  /** The fault's number / address / CPtr word. */
  readonly word: number;
  /** The second word (code, FSR). */
  readonly word2: number;
  /** Whether the root task may fault too. */
  readonly evenRoot: boolean;
}

/**
 * A cap of the current thread's CSpace chosen at run time (its CPtr is its root-CNode slot
 * index): one of the root task's own caps (`root-*`, `irq-control`, `domain`), the k-th cap
 * of a kind or in a state, the k-th empty slot, or a raw CPtr.
 *
 * - `tcb`, `other-tcb` (a TCB other than the current thread), `self-tcb`, `child-tcb` (neither
 *   the current thread nor the root task), `inactive-tcb` (a thread not started yet,
 *   configured ones first), `bound-tcb` (a thread bound to a notification);
 * - `endpoint`, `handler` (an endpoint cap with Write and Grant or GrantReply: a usable
 *   fault handler), `send-partner` / `recv-partner` (an endpoint or notification cap whose
 *   object has a partner waiting: a receiver for a send, a sender or a signal for a receive);
 * - `notification`, `bindable` (a notification cap with Read whose notification is neither
 *   bound nor waited on); `frame` (a RAM frame), `device-frame`, `pd` (a page directory cap,
 *   often one without an ASID), `irq-handler`, `signal-handler` (an IRQ handler cap whose line
 *   signals a notification), `sgi`, `reply`, `cnode`, `untyped`, `any`, `empty`, `raw`;
 * - `invoked` (an extra cap of an IPC: the cap the message is sent through, which the kernel
 *   unwraps to its badge instead of transferring it).
 */
export interface CapChoice {
  /** How the cap is chosen. */
  readonly how:
    | 'root-tcb' | 'root-cnode' | 'root-pd' | 'root-buffer' | 'irq-control' | 'domain'
    | 'tcb' | 'other-tcb' | 'self-tcb' | 'child-tcb' | 'inactive-tcb' | 'bound-tcb'
    | 'endpoint' | 'handler' | 'send-partner' | 'recv-partner' | 'notification' | 'bindable'
    | 'frame' | 'device-frame' | 'pd' | 'irq-handler' | 'signal-handler' | 'sgi' | 'reply' | 'cnode' | 'untyped'
    | 'any' | 'empty' | 'raw' | 'invoked';
  /** The k of "the k-th", or the raw CPtr. */
  readonly k: number;
}

/** A message word: a literal word, or the CPtr of a chosen cap (fault endpoints, destination slots). */
export type MessageWord = number | CapChoice;

/**
 * An invocation of a TCB, IRQControl, IRQHandler, SGISignal or domain cap: the invoked cap,
 * the message words in libsel4's packing (SEL4-API.md §2) and the extra caps, all chosen by
 * the arbitraries of `arbitraries/objects.ts` as mostly good arguments with near misses.
 */
export interface ObjectAction {
  /** Discriminant. */
  readonly t: 'Object';
  /** How the current thread traps. */
  readonly syscall: InvokeSyscall;
  /** The label (an SGISignal cap answers any label). */
  readonly label: ObjectLabel;
  /** The invoked cap. */
  readonly cap: CapChoice;
  /** The message words. */
  readonly mrs: readonly MessageWord[];
  /** The extra caps. */
  readonly caps: readonly CapChoice[];
  /** As for {@link CNodeAction.shortBy}. */
  readonly shortBy: number;
  /** As for {@link CNodeAction.noExtraCaps}. */
  readonly noExtraCaps: boolean;
  /** As for {@link CNodeAction.pendingIRQ}. */
  readonly pendingIRQ: number | null;
}

/**
 * An IPC system call on an endpoint, notification or reply cap: Send, NBSend and Call
 * (a signal on a notification), Recv and NBRecv (Wait and Poll on a notification), Reply
 * and ReplyRecv, with a message of a few words and extra caps, and the receive slot for a
 * transferred cap written into the IPC buffer.
 */
export interface IPCAction {
  /** Discriminant. */
  readonly t: 'IPC';
  /** The system call. */
  readonly syscall: Exclude<Syscall, 'SysYield'>;
  /** The cap in r0 (ignored by Reply). */
  readonly cap: CapChoice;
  /** The message label (20 bits; a reply with a non-zero label to a fault ends the faulted thread). */
  readonly label: number;
  /** The message words (the length is their number). */
  readonly mrs: readonly number[];
  /** The extra caps (at most three). */
  readonly caps: readonly CapChoice[];
  /** Where a received cap goes (receiveCNode, receiveIndex, receiveDepth), or null for nowhere. */
  readonly receiveSlot: CapChoice | null;
  /**
   * Block even when nothing could ever wake the current thread again (no other thread is
   * runnable and no interrupt can signal it); without it such a blocking call becomes its
   * non-blocking form, so that traces keep going.
   */
  readonly evenIfStuck: boolean;
}

/** An interrupt on a line the kernel has handed to user level (the k-th issued line; the timer if none). */
export interface UserIRQAction {
  /** Discriminant. */
  readonly t: 'UserIRQ';
  /** Which issued line. */
  readonly k: number;
}

/**
 * The current thread lets other threads make progress, as a root server does: it replies to
 * the thread waiting for its reply, receives from a thread blocked sending to it, yields to
 * a ready thread of its priority, raises a ready thread of lower priority to its own,
 * resumes a configured thread, configures one, or makes one (the first of these that the
 * state allows, from the `from`-th on). Without it the root task, at the top priority,
 * would run almost every step.
 */
export interface SwitchAction {
  /** Discriminant. */
  readonly t: 'Switch';
  /** The first step tried (0: reply, 1: receive, 2: yield, 3..: bring a thread to life). */
  readonly from: number;
  /** The k of the thread or endpoint chosen. */
  readonly k: number;
}

/**
 * The IPC patterns a {@link RendezvousAction} tries, in the order it tries them (from its
 * `first` on, cyclically): reply to a waiting caller, serve a queued sender, call a waiting
 * receiver, fault to a handler, wait for a partner, queue up as a sender, signal a notification
 * nobody waits on, cancel the sends of one badge, mint a badged cap, give a thread a fault handler.
 */
export const RENDEZVOUS_PATTERNS = ['reply', 'serve', 'call', 'fault', 'await', 'queue', 'signal', 'cancel', 'mint', 'handler'] as const;

/** One of {@link RENDEZVOUS_PATTERNS}. */
export type RendezvousPattern = (typeof RENDEZVOUS_PATTERNS)[number];

/**
 * IPC chosen from the state so that it meets a partner (`rendezvous.ts`): the first of the
 * patterns the state allows, from `first` on.
 */
export interface RendezvousAction {
  /** Discriminant. */
  readonly t: 'Rendezvous';
  /** The pattern tried first. */
  readonly first: RendezvousPattern;
  /** The k of the cap or thread chosen, and small choices (Call or Send, Reply or ReplyRecv, the kind of fault). */
  readonly k: number;
  /** The message label. */
  readonly label: number;
  /** The message words. */
  readonly mrs: readonly number[];
  /** A fault's address or number; a minted badge. */
  readonly word: number;
  /** A fault's second word (code, FSR). */
  readonly word2: number;
}

/** The ARM virtual-memory invocation labels (aarch32: page directory, page table, frame, ASID control and pool). */
export const VM_LABELS = [
  'ARMPDClean_Data', 'ARMPDInvalidate_Data', 'ARMPDCleanInvalidate_Data', 'ARMPDUnify_Instruction',
  'ARMPageTableMap', 'ARMPageTableUnmap',
  'ARMPageMap', 'ARMPageUnmap', 'ARMPageClean_Data', 'ARMPageInvalidate_Data', 'ARMPageCleanInvalidate_Data',
  'ARMPageUnify_Instruction', 'ARMPageGetAddress',
  'ARMASIDControlMakePool', 'ARMASIDPoolAssign',
] as const satisfies readonly InvocationLabel[];

/** A VM invocation label. */
export type VMLabel = (typeof VM_LABELS)[number];

/**
 * A VM invocation (`vm.ts`, resolved by `resolve-vm.ts`): the cap invoked is chosen by the
 * label's needs (an unmapped frame of `size` to map, a mapped one to unmap or flush, an
 * unassigned page directory to assign, ...), made first when the state has none; `near`
 * turns it into a near miss of the label's own kind (a mapped frame re-mapped elsewhere, a
 * page table whose cap has copies, an untyped of the wrong size, ...).
 */
export interface VMAction {
  /** Discriminant. */
  readonly t: 'VM';
  /** How the current thread traps. */
  readonly syscall: InvokeSyscall;
  /** The label. */
  readonly label: VMLabel;
  /** The invoked cap: as the label needs, a near miss of its own kind, an empty slot, or a cap of another kind. */
  readonly cap: 'good' | 'near' | 'empty' | 'foreign';
  /** Frame size (0 small, 1 large, 2 section, 3 supersection). */
  readonly size: number;
  /** The page directory (extra cap): assigned (the root task's or another), unassigned, or no PD. */
  readonly pd: 'root' | 'other' | 'unassigned' | 'foreign';
  /** The virtual address: in the test arenas, misaligned, in the kernel window, taken, or raw. */
  readonly vaddr: 'arena' | 'misaligned' | 'kernel' | 'taken' | 'raw';
  /** Flush range: within a page, reversed, beyond the page, crossing pages. */
  readonly range: 'ok' | 'reversed' | 'beyond' | 'cross';
  /** The rights word (Map). */
  readonly rights: number;
  /** The attributes word (cacheable, parity, execute-never). */
  readonly attr: number;
  /** The k of the caps and addresses chosen. */
  readonly k: number;
  /** A raw word. */
  readonly word: number;
  /** As for {@link CNodeAction.shortBy}. */
  readonly shortBy: number;
  /** As for {@link CNodeAction.noExtraCaps}. */
  readonly noExtraCaps: boolean;
  /**
   * The outcome the draw aims at (`ok` or an seL4 error name; `vm-aim.ts` builds the
   * arguments, after a setup step when the state lacks what it needs), or, when absent, none:
   * the fields above alone decide.
   */
  readonly aim?: VMAim;
  /** The hardware-ASID scenario's step (`vm-hwasid.ts`): one step towards 257 address spaces with hardware ASIDs. */
  readonly spread?: boolean;
}

/** What a {@link VMAction} aims at: `ok` or one of the errors a VM label can return. */
export type VMAim = 'ok' | 'IllegalOperation' | 'InvalidCapability' | 'TruncatedMessage' | 'InvalidArgument' | 'AlignmentError'
  | 'FailedLookup' | 'DeleteFirst' | 'RevokeFirst' | 'RangeError';

/** One environment action. */
export type Action = CNodeAction | RetypeAction | RawAction | InterruptAction | PlainSyscallAction | FaultAction | ObjectAction | IPCAction | UserIRQAction | SwitchAction | VMAction | RendezvousAction | FastpathAction | AimAction;

/** Every invocation label the check exercises: UntypedRetype, the CNode labels and the object and VM labels. */
export const SLICE_LABELS: readonly InvocationLabel[] = [
  'UntypedRetype', ...CNODE_LABELS, ...TCB_LABELS, ...IRQ_LABELS, ...DOMAIN_LABELS, ...VM_LABELS,
];
