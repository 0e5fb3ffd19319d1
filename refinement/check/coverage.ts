/**
 * The coverage matrix (entry × outcome, counted from the spec's outcome of each step) and the
 * table of outcomes each label of this slice can give in seL4, against which gaps are listed.
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

/**
 * The outcomes seL4 can give for each label of this slice, when invoked by a thread whose
 * CSpace holds CNode and untyped caps (l4v `decode_untyped_invocation`,
 * `decode_cnode_invocation`, `lookup_slot_for_cnode_op`, `derive_cap`, `update_cap_data`,
 * `cap_revoke`/`cap_delete`/`reset_untyped_cap` preemption points):
 *
 * - every label: `ok`; `IllegalOperation` when sent to the other kind of cap (a CNode label
 *   to an untyped cap, Retype to a CNode cap); `InvalidCapability` when sent to an empty
 *   slot; `TruncatedMessage` for too few words;
 * - the CNode labels: `RangeError` (depth outside 1..32), `FailedLookup` (the slot lookups);
 * - Copy, Mint, Move, Mutate, Rotate, SaveCaller: `DeleteFirst` (occupied destination);
 * - Copy, Mint: `RevokeFirst` (deriving an untyped cap with children), `IllegalOperation`
 *   also from deriving an underivable cap (IRQ control) or an unusable badge;
 * - Revoke, Delete: `Preempted` (a preemption point finds an interrupt pending);
 * - Retype: `InvalidArgument` (type, size for CapTable/Untyped, device memory),
 *   `RangeError` (size, offset, count), `FailedLookup` (node lookup or not a CNode),
 *   `DeleteFirst`, `NotEnoughMemory`, `Preempted` (while resetting the untyped).
 */
export const EXPECTED_OUTCOMES: Readonly<Record<string, readonly string[]>> = {
  UntypedRetype: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'InvalidArgument', 'RangeError', 'FailedLookup', 'DeleteFirst', 'NotEnoughMemory', 'Preempted'],
  CNodeRevoke: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'Preempted'],
  CNodeDelete: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'Preempted'],
  CNodeCancelBadgedSends: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup'],
  CNodeCopy: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'DeleteFirst', 'RevokeFirst'],
  CNodeMint: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'DeleteFirst', 'RevokeFirst'],
  CNodeMove: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'DeleteFirst'],
  CNodeMutate: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'DeleteFirst'],
  CNodeRotate: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'DeleteFirst'],
  CNodeSaveCaller: ['ok', 'IllegalOperation', 'InvalidCapability', 'TruncatedMessage', 'RangeError', 'FailedLookup', 'DeleteFirst'],
};

/** A cell of the expected table seen fewer than the required number of times. */
export interface CoverageGap {
  /** The label. */
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
