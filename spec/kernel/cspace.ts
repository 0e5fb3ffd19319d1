/**
 * Capability addressing (l4v `CSpace_A.thy` "Resolving capability references"; manual
 * §3.3 "Capability Space Addressing"). A CPtr is a bit string read from its most
 * significant bit: each CNode on the path consumes its guard and then its radix bits.
 *
 * @module
 */
import type { Cap } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { LookupFailure, SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT } from '../state/object.js';
import { getCap } from './cspace-access.js';
import { getTCB } from './kheap.js';
import { err, ok, type Result } from './monad.js';
import { KernelPanic } from './panic.js';

/** Bits in a CPtr (l4v `word_bits`). */
export const WORD_BITS = 32;

/** The `count` bits of `w` just below bit `top` (exclusive), as a number; `top` may be 32. */
export function bitsBelow(w: number, top: number, count: number): number {
  if (count === 0) return 0;
  // Shifts, not `/ 2 ** n`: this runs at every level of every lookup. (A JS shift count is
  // taken mod 32, so a shift by 32 is spelt out.)
  const shift = top - count;
  const shifted = shift >= 32 ? 0 : w >>> shift;
  return count >= 32 ? shifted : (shifted & (0xffffffff >>> (32 - count))) >>> 0;
}

/** Where a lookup ended: a slot and the CPtr bits not yet used. */
export interface ResolvedSlot {
  /** The slot reached. */
  readonly slot: CSlot;
  /** How many low bits of the CPtr were left unresolved. */
  readonly bitsLeft: number;
}

/**
 * Walks the CSpace from `root` along the low `bits` bits of `cptr`: each CNode's guard must
 * match, then its radix bits index a slot; the walk continues while bits remain and the
 * slot holds a CNode cap. @see l4v resolve_address_bits
 */
export function resolveAddressBits(
  s: KernelState,
  root: Cap,
  cptr: number,
  bits: number,
): Result<ResolvedSlot, LookupFailure> {
  let cap = root;
  let n = bits;
  for (;;) {
    if (cap.kind !== 'CNodeCap') return err({ kind: 'InvalidRoot' });
    const { guard, bits: radix } = cap;
    if (radix + guard.size === 0) throw new KernelPanic('resolve_address_bits: a CNode cap that translates nothing');
    if (guard.size > n || bitsBelow(cptr, n, guard.size) !== guard.value) {
      return err({ kind: 'GuardMismatch', bitsLeft: n, guardFound: guard.value, guardSize: guard.size });
    }
    if (n < radix + guard.size) return err({ kind: 'DepthMismatch', bitsLeft: n, bitsFound: radix + guard.size });
    const slot = { obj: cap.ptr, index: bitsBelow(cptr, n - guard.size, radix) };
    n -= radix + guard.size;
    if (n === 0) return ok({ slot, bitsLeft: 0 });
    const next = getCap(s, slot);
    if (next.kind !== 'CNodeCap') return ok({ slot, bitsLeft: n });
    cap = next;
  }
}

/** Looks a 32-bit CPtr up in a thread's CSpace. @see l4v lookup_slot_for_thread */
export function lookupSlotForThread(s: KernelState, thread: number, cptr: number): Result<ResolvedSlot, LookupFailure> {
  return resolveAddressBits(s, getTCB(s, thread).caps[TCB_SLOT.CTable], cptr, WORD_BITS);
}

/** The cap and slot a CPtr names in a thread's CSpace. @see l4v lookup_cap_and_slot */
export function lookupCapAndSlot(
  s: KernelState,
  thread: number,
  cptr: number,
): Result<{ readonly cap: Cap; readonly slot: CSlot }, LookupFailure> {
  const r = lookupSlotForThread(s, thread, cptr);
  return r.ok ? ok({ cap: getCap(s, r.value.slot), slot: r.value.slot }) : r;
}

/** The cap a CPtr names in a thread's CSpace. @see l4v lookup_cap */
export function lookupCap(s: KernelState, thread: number, cptr: number): Result<Cap, LookupFailure> {
  const r = lookupCapAndSlot(s, thread, cptr);
  return r.ok ? ok(r.value.cap) : r;
}

/**
 * Finds the slot a CNode invocation names by (root, index, depth): the root must be a CNode
 * cap, the depth 1..32, and the walk must use exactly `depth` bits. A failure is reported as
 * `FailedLookup`, marked as a source lookup or not. @see l4v lookup_slot_for_cnode_op
 */
export function lookupSlotForCNodeOp(
  s: KernelState,
  isSource: boolean,
  root: Cap,
  cptr: number,
  depth: number,
): Result<CSlot, SyscallError> {
  if (root.kind !== 'CNodeCap') return err({ kind: 'FailedLookup', source: isSource, failure: { kind: 'InvalidRoot' } });
  if (depth < 1 || depth > WORD_BITS) return err({ kind: 'RangeError', min: 1, max: WORD_BITS });
  const r = resolveAddressBits(s, root, bitsBelow(cptr, depth, depth), depth);
  if (!r.ok) return err({ kind: 'FailedLookup', source: isSource, failure: r.error });
  if (r.value.bitsLeft !== 0) {
    return err({ kind: 'FailedLookup', source: isSource, failure: { kind: 'DepthMismatch', bitsLeft: r.value.bitsLeft, bitsFound: 0 } });
  }
  return ok(r.value.slot);
}

/** A source-slot lookup for a CNode invocation. @see l4v lookup_source_slot */
export function lookupSourceSlot(s: KernelState, root: Cap, cptr: number, depth: number): Result<CSlot, SyscallError> {
  return lookupSlotForCNodeOp(s, true, root, cptr, depth);
}

/** A destination-slot lookup for a CNode invocation. @see l4v lookup_target_slot */
export function lookupTargetSlot(s: KernelState, root: Cap, cptr: number, depth: number): Result<CSlot, SyscallError> {
  return lookupSlotForCNodeOp(s, false, root, cptr, depth);
}

/** The pivot-slot lookup of `CNodeRotate` (reported as a source lookup). @see l4v lookup_pivot_slot */
export function lookupPivotSlot(s: KernelState, root: Cap, cptr: number, depth: number): Result<CSlot, SyscallError> {
  return lookupSlotForCNodeOp(s, true, root, cptr, depth);
}
