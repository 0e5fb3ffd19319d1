/**
 * The coverage matrix (entry × outcome, counted from the spec's outcome of each step) and the
 * table of outcomes each label, system call and event can give in seL4, against which gaps
 * are listed.
 *
 * @module
 */
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
 *
 * and for the entries that reach no decoder:
 *
 * - `InvalidInvocation`: `ok` is an IPC through an endpoint, notification or reply cap (its
 *   message label is 0 or past the last invocation label); `IllegalOperation` raw words to a
 *   kernel object; `InvalidCapability` an IPC through an empty slot or a cap without Write;
 * - Call, Send, NBSend: `CapFault` (the invoked CPtr or an extra cap does not resolve);
 *   Recv, NBRecv, ReplyRecv: `ok`, `CapFault` (no endpoint or notification with Read, or a
 *   notification bound to another thread); Reply, Yield: `ok`;
 * - the faults: `UnknownSyscall`, `UserException` (UserLevelFault), `VMFault` (VMFaultEvent),
 *   whether a handler receives them or the thread ends; Interrupt: `ok`.
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
  InvalidInvocation: [...ANY],
  SysCall: ['CapFault'],
  SysSend: ['CapFault'],
  SysNBSend: ['CapFault'],
  SysRecv: ['ok', 'CapFault'],
  SysNBRecv: ['ok', 'CapFault'],
  SysReplyRecv: ['ok', 'CapFault'],
  SysReply: ['ok'],
  SysYield: ['ok'],
  UnknownSyscall: ['UnknownSyscall'],
  UserLevelFault: ['UserException'],
  VMFaultEvent: ['VMFault'],
  Interrupt: ['ok'],
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
