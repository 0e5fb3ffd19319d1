/**
 * The coverage matrix (entry × outcome, counted from the spec's outcome of each step) and the
 * table of outcomes each label, system call and event can give in seL4, against which gaps
 * are listed.
 *
 * @module
 */
import { MAX_IRQ } from '../../abi/config.js';
import type { KernelEvent } from '../../hardware/events.js';
import { CAP_REGISTER } from '../../hardware/registers.js';
import { getCap } from '../../spec/kernel/cspace-access.js';
import { getIRQSlot } from '../../spec/kernel/kheap.js';
import { lookupCap } from '../../spec/kernel/cspace.js';
import { getActiveIRQ } from '../../spec/kernel/preemption.js';
import { getRegister } from '../../spec/kernel/thread.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { TCB_SLOT } from '../../spec/state/object.js';
import type { StepOutcome } from './run.js';

/** Counts per entry and outcome. */
export type Coverage = Map<string, Map<string, number>>;

/** An empty matrix. */
export function emptyCoverage(): Coverage {
  return new Map();
}

/** Counts one outcome. */
export function recordOutcome(c: Coverage, o: StepOutcome): void {
  let row = c.get(o.entry);
  if (row === undefined) {
    row = new Map();
    c.set(o.entry, row);
  }
  row.set(o.result, (row.get(o.result) ?? 0) + 1);
}

/**
 * The coverage cell of a kernel entry, from the spec's outcome and the states before (user
 * writes applied) and after it. The spec names an invocation by its label and a fault by its
 * kind; the matrix tells more apart:
 *
 * - an IPC through an endpoint, notification or reply cap is named by its system call, with
 *   the object as result (`SysCall: Endpoint`, `SysSend: Notification`, `SysNBSend: Reply`),
 *   whatever the message label; an SGI-signal cap's invocation is `SGISignal: ok`;
 * - a receive by the object received on (`SysRecv: Endpoint`, `SysNBRecv: Notification`);
 *   Reply by whether the caller slot held a reply cap (`Reply`, `NoCaller`);
 * - a cap fault by how it ends: `CapFaultDelivered` (the fault handler receives it),
 *   `CapFaultDoubleFault` (no usable handler: the thread is left Inactive); a failed lookup
 *   of a non-blocking send is dropped silently: `LookupFailed`;
 * - a fault event (UnknownSyscall, UserLevelFault, VMFaultEvent) likewise:
 *   `FaultDelivered`, `DoubleFault`;
 * - an interrupt by the line the kernel finds active: `Timer`, `Signal` (its handler
 *   notification is signalled), `NoNotification` (a line handed out whose handler slot holds
 *   no notification with Write), `Reserved`, `Spurious` (no unmasked line pending).
 */
export function nameOutcome(before: KernelState, e: KernelEvent, o: StepOutcome, after: KernelState): StepOutcome {
  switch (e.kind) {
    case 'Interrupt':
      return { entry: o.entry, result: interruptResult(before) };
    case 'Syscall':
      return syscallOutcome(before, e.syscall, o, after);
    default:
      return { entry: o.entry, result: endedInactive(before, after) ? 'DoubleFault' : 'FaultDelivered' };
  }
}

function syscallOutcome(before: KernelState, syscall: string, o: StepOutcome, after: KernelState): StepOutcome {
  if (o.result === 'CapFault') {
    if (syscall === 'SysNBSend') return { entry: o.entry, result: 'LookupFailed' };
    return { entry: o.entry, result: endedInactive(before, after) ? 'CapFaultDoubleFault' : 'CapFaultDelivered' };
  }
  if (o.result !== 'ok') return o;
  switch (syscall) {
    case 'SysSend':
    case 'SysNBSend':
    case 'SysCall': {
      const cap = invokedCap(before);
      if (cap === 'SGISignalCap') return { entry: 'SGISignal', result: 'ok' };
      const object = IPC_OBJECT[cap ?? 'NullCap'];
      return object === undefined ? o : { entry: syscall, result: object };
    }
    case 'SysRecv':
    case 'SysNBRecv':
    case 'SysReplyRecv':
      return { entry: o.entry, result: IPC_OBJECT[invokedCap(before) ?? 'NullCap'] ?? o.result };
    case 'SysReply': {
      const caller = getCap(before, { obj: before.curThread, index: TCB_SLOT.Caller });
      return { entry: o.entry, result: caller.kind === 'ReplyCap' ? 'Reply' : 'NoCaller' };
    }
    default:
      return o;
  }
}

const IPC_OBJECT: Partial<Record<string, string>> = { EndpointCap: 'Endpoint', NotificationCap: 'Notification', ReplyCap: 'Reply' };

// The kind of the cap the current thread names in r0, if its lookup succeeds.
function invokedCap(s: KernelState): string | undefined {
  const r = lookupCap(s, s.curThread, getRegister(s, s.curThread, CAP_REGISTER));
  return r.ok ? r.value.kind : undefined;
}

// Whether the thread that entered the kernel was left Inactive (a double fault).
function endedInactive(before: KernelState, after: KernelState): boolean {
  const t = after.kheap.get(before.curThread);
  return t?.kind === 'TCB' && t.state.kind === 'Inactive';
}

function interruptResult(s: KernelState): string {
  const irq = getActiveIRQ(s, false);
  if (irq === null) return 'Spurious';
  if (irq > MAX_IRQ) return 'OutOfRange';
  switch (s.irqStates[irq]) {
    case 'IRQTimer':
      return 'Timer';
    case 'IRQSignal': {
      const cap = getCap(s, getIRQSlot(s, irq));
      return cap.kind === 'NotificationCap' && cap.rights.write ? 'Signal' : 'NoNotification';
    }
    case 'IRQReserved':
      return 'Reserved';
    default:
      return 'Inactive';
  }
}

/** Adds `from` into `into`. */
export function mergeCoverage(into: Coverage, from: Coverage): void {
  for (const [entry, row] of from) {
    for (const [result, n] of row) {
      let target = into.get(entry);
      if (target === undefined) {
        target = new Map();
        into.set(entry, target);
      }
      target.set(result, (target.get(result) ?? 0) + n);
    }
  }
}

/** The matrix as a plain object, entries and outcomes sorted: `{ entry: { outcome: count } }`. */
export function coverageToJson(c: Coverage): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const entry of [...c.keys()].sort()) {
    const row: Record<string, number> = {};
    for (const result of [...c.get(entry)!.keys()].sort()) row[result] = c.get(entry)!.get(result)!;
    out[entry] = row;
  }
  return out;
}

// Every invocation: `ok`; `IllegalOperation` when sent to a cap of another kind;
// `InvalidCapability` when sent to an empty slot.
const ANY = ['ok', 'IllegalOperation', 'InvalidCapability'] as const;
// ... and `TruncatedMessage` when it has arguments and too few are sent.
const ARGS = [...ANY, 'TruncatedMessage'] as const;
// Slot lookups of CNode operations, IRQControl_Get and friends.
const SLOT = ['RangeError', 'FailedLookup', 'DeleteFirst'] as const;
// The objects an IPC system call goes through, and receives on.
const SEND = ['Endpoint', 'Notification', 'Reply'] as const;
const RECV = ['Endpoint', 'Notification'] as const;
// How a cap fault of a blocking call, and a fault, ends.
const CAP_FAULT = ['CapFaultDelivered', 'CapFaultDoubleFault'] as const;
const FAULT = ['FaultDelivered', 'DoubleFault'] as const;

/**
 * The outcomes seL4 can give for each label, when invoked by a thread whose CSpace holds the
 * caps the generators choose among (l4v `decode_untyped_invocation`, `decode_cnode_invocation`,
 * `decode_tcb_invocation`, `decode_irq_control_invocation`, `decode_irq_handler_invocation`,
 * `decode_domain_invocation`, `lookup_slot_for_cnode_op`, `derive_cap`, `update_cap_data`,
 * the preemption points of `cap_revoke`, `cap_delete` and `reset_untyped_cap`):
 *
 * - every label: `ok`; `IllegalOperation` when sent to a cap of another kind;
 *   `InvalidCapability` when sent to an empty slot; `TruncatedMessage` for too few words or
 *   extra caps (labels with arguments);
 * - the CNode labels: `RangeError` (depth outside 1..32), `FailedLookup` (the slot lookups);
 *   Copy, Mint, Move, Mutate, Rotate, SaveCaller: `DeleteFirst` (occupied destination);
 *   Copy, Mint: `RevokeFirst` (deriving an untyped cap with children); Revoke, Delete:
 *   `Preempted` (a preemption point finds an interrupt pending);
 * - Retype: `InvalidArgument` (type, size for CapTable/Untyped, device memory), `RangeError`
 *   (size, offset, count), `FailedLookup` (node lookup or not a CNode), `DeleteFirst`,
 *   `NotEnoughMemory`, `Preempted` (while resetting the untyped);
 * - ReadRegisters: `RangeError` (count outside 1..19), `IllegalOperation` also on the
 *   current thread (WriteRegisters too); CopyRegisters: `InvalidCapability` for a source that
 *   is no TCB; Configure, SetIPCBuffer: `AlignmentError` (buffer not 512-byte aligned),
 *   `IllegalOperation` also for a root or frame of the wrong kind; SetPriority, SetMCPriority,
 *   SetSchedParams: `RangeError` above the authority's MCP, `InvalidCapability` for an
 *   authority that is no TCB; BindNotification: `IllegalOperation` also when bound already;
 * - IRQControl_Get (and GetTrigger): `RangeError` (line past maxIRQ), `RevokeFirst` (line in
 *   use), the slot errors; IssueSGISignal: `RangeError` (SGI past 15), `InvalidArgument`
 *   (target), the slot errors; IRQHandler_SetNotification: `InvalidCapability` for a cap that
 *   is no notification with Write;
 * - DomainSet_Set: `InvalidArgument` (domain ≥ 16, no TCB); ScheduleConfigure,
 *   ScheduleSetStart: `RangeError` (index, domain), `InvalidArgument` (duration, end marker);
 * - Page_Map: `InvalidCapability` (PD without ASID, re-map into another space),
 *   `InvalidArgument` (re-map elsewhere, the kernel window), `AlignmentError`, `FailedLookup`
 *   (no page table, or the PD's ASID pool deleted), `DeleteFirst` (an entry of another size
 *   in the way); the page flushes: `IllegalOperation` also for an unmapped frame,
 *   `InvalidCapability` also for a stale mapping, `InvalidArgument` (end ≤ start, beyond the
 *   frame), `FailedLookup` (the ASID's pool deleted); PageTable_Map: `InvalidCapability`
 *   (mapped already, PD without ASID), `InvalidArgument` (kernel window), `DeleteFirst`
 *   (entry in use), `FailedLookup` (pool deleted); PageTable_Unmap: `RevokeFirst` (the cap
 *   has copies); the page-directory flushes: `InvalidArgument` (end ≤ start),
 *   `IllegalOperation` also for the kernel window, `InvalidCapability` (no ASID),
 *   `FailedLookup` (pool deleted), `RangeError` (crossing frames); ASIDControl_MakePool:
 *   `InvalidCapability` (an untyped not of 4 KiB), `RevokeFirst` (one with children), the
 *   slot errors; ASIDPool_Assign: `InvalidCapability` (a PD with an ASID already), and not
 *   `DeleteFirst` (a full pool: 1023 directories first) nor `FailedLookup` (a pool cap
 *   outlives its table entry only in no reachable state);
 *
 * and for the entries that reach no decoder (named by {@link nameOutcome}):
 *
 * - `InvalidInvocation`: `IllegalOperation` raw words to a kernel object; `InvalidCapability`
 *   an IPC through an empty slot or a cap without Write (`ok` only through an SGI-signal cap,
 *   counted as `SGISignal`);
 * - Call, Send: through an endpoint, a notification (a signal) or a reply cap;
 *   `CapFaultDelivered`, `CapFaultDoubleFault` (the invoked CPtr or an extra cap does not
 *   resolve); NBSend: the same objects, and `LookupFailed` (dropped: no fault);
 * - Recv, NBRecv, ReplyRecv: on an endpoint or a notification, or a cap fault (no endpoint
 *   or notification with Read, a notification bound to another thread) delivered or not;
 *   Reply: to a caller, or `NoCaller`; Yield: `ok`;
 * - the faults (UnknownSyscall, UserLevelFault, VMFaultEvent): `FaultDelivered` to the
 *   handler or `DoubleFault`; Interrupt: `Timer`, `Signal`, `Spurious`.
 */
export const EXPECTED_OUTCOMES: Readonly<Record<string, readonly string[]>> = {
  UntypedRetype: [...ARGS, 'InvalidArgument', 'RangeError', 'FailedLookup', 'DeleteFirst', 'NotEnoughMemory', 'Preempted'],
  CNodeRevoke: [...ARGS, 'RangeError', 'FailedLookup', 'Preempted'],
  CNodeDelete: [...ARGS, 'RangeError', 'FailedLookup', 'Preempted'],
  CNodeCancelBadgedSends: [...ARGS, 'RangeError', 'FailedLookup'],
  CNodeCopy: [...ARGS, ...SLOT, 'RevokeFirst'],
  CNodeMint: [...ARGS, ...SLOT, 'RevokeFirst'],
  CNodeMove: [...ARGS, ...SLOT],
  CNodeMutate: [...ARGS, ...SLOT],
  CNodeRotate: [...ARGS, ...SLOT],
  CNodeSaveCaller: [...ARGS, ...SLOT],
  TCBReadRegisters: [...ARGS, 'RangeError'],
  TCBWriteRegisters: [...ARGS],
  TCBCopyRegisters: [...ARGS],
  TCBConfigure: [...ARGS, 'AlignmentError'],
  TCBSetPriority: [...ARGS, 'RangeError'],
  TCBSetMCPriority: [...ARGS, 'RangeError'],
  TCBSetSchedParams: [...ARGS, 'RangeError'],
  TCBSetIPCBuffer: [...ARGS, 'AlignmentError'],
  TCBSetSpace: [...ARGS],
  TCBSuspend: [...ANY],
  TCBResume: [...ANY],
  TCBBindNotification: [...ARGS],
  TCBUnbindNotification: [...ANY],
  TCBSetTLSBase: [...ARGS],
  TCBSetFlags: [...ARGS],
  IRQIssueIRQHandler: [...ARGS, ...SLOT, 'RevokeFirst'],
  ARMIRQIssueIRQHandlerTrigger: [...ARGS, ...SLOT, 'RevokeFirst'],
  ARMIRQIssueSGISignal: [...ARGS, ...SLOT, 'InvalidArgument'],
  IRQAckIRQ: [...ANY],
  IRQSetIRQHandler: [...ARGS],
  IRQClearIRQHandler: [...ANY],
  DomainSetSet: [...ARGS, 'InvalidArgument'],
  DomainScheduleConfigure: [...ARGS, 'RangeError', 'InvalidArgument'],
  DomainScheduleSetStart: [...ARGS, 'RangeError', 'InvalidArgument'],
  ARMPageMap: [...ARGS, 'InvalidArgument', 'AlignmentError', 'FailedLookup', 'DeleteFirst'],
  ARMPageUnmap: [...ANY],
  ARMPageClean_Data: [...ARGS, 'InvalidArgument', 'FailedLookup'],
  ARMPageInvalidate_Data: [...ARGS, 'InvalidArgument', 'FailedLookup'],
  ARMPageCleanInvalidate_Data: [...ARGS, 'InvalidArgument', 'FailedLookup'],
  ARMPageUnify_Instruction: [...ARGS, 'InvalidArgument', 'FailedLookup'],
  ARMPageGetAddress: [...ANY],
  ARMPageTableMap: [...ARGS, 'InvalidArgument', 'DeleteFirst', 'FailedLookup'],
  ARMPageTableUnmap: [...ANY, 'RevokeFirst'],
  ARMPDClean_Data: [...ARGS, 'InvalidArgument', 'RangeError', 'FailedLookup'],
  ARMPDInvalidate_Data: [...ARGS, 'InvalidArgument', 'RangeError', 'FailedLookup'],
  ARMPDCleanInvalidate_Data: [...ARGS, 'InvalidArgument', 'RangeError', 'FailedLookup'],
  ARMPDUnify_Instruction: [...ARGS, 'InvalidArgument', 'RangeError', 'FailedLookup'],
  ARMASIDControlMakePool: [...ARGS, ...SLOT, 'RevokeFirst'],
  ARMASIDPoolAssign: [...ARGS],
  SGISignal: ['ok'],
  InvalidInvocation: ['IllegalOperation', 'InvalidCapability'],
  SysCall: [...SEND, ...CAP_FAULT],
  SysSend: [...SEND, ...CAP_FAULT],
  SysNBSend: [...SEND, 'LookupFailed'],
  SysRecv: [...RECV, ...CAP_FAULT],
  SysNBRecv: [...RECV, ...CAP_FAULT],
  SysReplyRecv: [...RECV, ...CAP_FAULT],
  SysReply: ['Reply', 'NoCaller'],
  SysYield: ['ok'],
  UnknownSyscall: [...FAULT],
  UserLevelFault: [...FAULT],
  VMFaultEvent: [...FAULT],
  Interrupt: ['Timer', 'Signal', 'Spurious'],
};

/** A cell of the expected table seen fewer than the required number of times. */
export interface CoverageGap {
  /** The label, system call or event. */
  readonly entry: string;
  /** The outcome. */
  readonly outcome: string;
  /** Times seen. */
  readonly count: number;
}

/** The expected cells seen fewer than `min` times. */
export function coverageGaps(c: Coverage, min = 10, expected: Readonly<Record<string, readonly string[]>> = EXPECTED_OUTCOMES): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  for (const [entry, outcomes] of Object.entries(expected)) {
    for (const outcome of outcomes) {
      const count = c.get(entry)?.get(outcome) ?? 0;
      if (count < min) gaps.push({ entry, outcome, count });
    }
  }
  return gaps;
}
