/**
 * ASID control and ASID pool cap invocations (l4v `ARM/ArchDecode_A.thy`
 * `arch_decode_invocation`'s `ASIDControlCap` and `ASIDPoolCap` arms with the Haskell
 * `decodeARMMMUInvocation`'s choices; `Arch_A.thy` `perform_asid_control_invocation`,
 * `perform_asid_pool_invocation`; manual §7.1.1 "ASIDs").
 *
 * ASIDs form a two-level table: 128 pools of 1024. MakePool turns a 4 KiB untyped into a
 * pool and registers it at the lowest free index of the ASID table; Assign gives a page
 * directory the lowest free ASID of a pool (ASID 0 is never handed out). Where l4v's
 * abstract spec may pick any free index, sel4ts picks the lowest, as the Haskell spec and
 * the C do.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import { ASID_POOL_INDEX_BITS, NUM_ASID_POOLS_BITS, PAGE_BITS } from '../../../abi/config.js';
import type { InvocationLabel } from '../../../abi/labels.js';
import type { CapOf } from '../../state/cap.js';
import type { CSlot } from '../../state/cslot.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import type { ExtraCap } from '../../kernel/invocation.js';
import { capInsert } from '../../kernel/cap-insert.js';
import { ensureNoChildren } from '../../kernel/cdt.js';
import { ensureEmpty, getCap, setCap } from '../../kernel/cspace-access.js';
import { lookupTargetSlot } from '../../kernel/cspace.js';
import { insertObject } from '../../kernel/kheap.js';
import { err, ok, type Result } from '../../kernel/monad.js';
import { KernelPanic } from '../../kernel/panic.js';
import { deleteObjects } from '../../object/untyped/retype-region.js';
import { asidHighBitsOf, asidLowBitsOf, getASIDPool, setASIDPool } from './vspace-acc.js';

/** A decoded ASID control invocation (l4v `asid_control_invocation`). */
export interface MakePool {
  /** The 4 KiB of memory the pool takes. */
  readonly frame: number;
  /** Where its cap goes. */
  readonly slot: CSlot;
  /** The untyped cap's slot, the new cap's CDT parent. */
  readonly parent: CSlot;
  /** The first ASID of the pool. */
  readonly base: number;
}

/** A decoded ASID pool invocation (l4v `asid_pool_invocation`). */
export interface Assign {
  /** The ASID handed out. */
  readonly asid: number;
  /** The pool it is in. */
  readonly pool: number;
  /** The slot of the page directory cap that gets it. */
  readonly slot: CSlot;
}

/** Entries of the ASID table (`2 ^ asid_high_bits`). */
const ASID_POOLS = 2 ** NUM_ASID_POOLS_BITS;
/** Entries of an ASID pool (`2 ^ asid_low_bits`). */
const ASID_POOL_ENTRIES = 2 ** ASID_POOL_INDEX_BITS;

/**
 * MakePool: MR0 index and MR1 depth of the destination slot in extra cap 1 (a CNode), extra
 * cap 0 the untyped. Errors in seL4's order: no free ASID-table entry (`DeleteFirst`); the
 * untyped not a non-device untyped of exactly 4 KiB (`InvalidCapability 1`) or with
 * children (`RevokeFirst`); the destination lookup; a full destination (`DeleteFirst`).
 * @see l4v arch_decode_invocation
 */
export function decodeASIDControlInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  excaps: readonly ExtraCap[],
): Result<MakePool, SyscallError> {
  if (label !== 'ARMASIDControlMakePool') return err({ kind: 'IllegalOperation' });
  const [index, depth] = args;
  const untyped = excaps[0];
  const root = excaps[1];
  if (index === undefined || depth === undefined || untyped === undefined || root === undefined) {
    return err({ kind: 'TruncatedMessage' });
  }
  let free = 0;
  while (free < ASID_POOLS && s.arch.asidTable.has(free)) free++;
  if (free === ASID_POOLS) return err({ kind: 'DeleteFirst' });
  const u = untyped.cap;
  if (u.kind !== 'UntypedCap' || u.isDevice || u.sizeBits !== PAGE_BITS) return err({ kind: 'InvalidCapability', index: 1 });
  const childless = ensureNoChildren(s, untyped.slot);
  if (!childless.ok) return childless;
  const dest = lookupTargetSlot(s, root.cap, index, depth);
  if (!dest.ok) return dest;
  const empty = ensureEmpty(s, dest.value);
  if (!empty.ok) return empty;
  return ok({ frame: u.ptr, slot: dest.value, parent: untyped.slot, base: free << ASID_POOL_INDEX_BITS });
}

/**
 * Makes the pool: the untyped's memory is cleared and marked fully used, an empty pool is
 * placed there, its cap goes into the destination as the untyped's CDT child, and the ASID
 * table registers it. @see l4v perform_asid_control_invocation
 */
export function performASIDControlInvocation(s: KernelState, inv: MakePool): KernelState {
  const s1 = deleteObjects(s, inv.frame, PAGE_BITS);
  const parent = getCap(s1, inv.parent);
  if (parent.kind !== 'UntypedCap') throw new KernelPanic('perform_asid_control_invocation: parent is not untyped');
  const s2 = setCap(s1, inv.parent, { ...parent, freeIndex: 2 ** parent.sizeBits });
  const s3 = insertObject(s2, inv.frame, { kind: 'ASIDPool', entries: PMap() });
  const s4 = capInsert(s3, { kind: 'ASIDPoolCap', ptr: inv.frame, asidBase: inv.base }, inv.parent, inv.slot);
  if (asidLowBitsOf(inv.base) !== 0) throw new KernelPanic('ASID pool base must be aligned');
  return { ...s4, arch: { ...s4.arch, asidTable: s4.arch.asidTable.set(asidHighBitsOf(inv.base), inv.frame) } };
}

/**
 * Assign: extra cap 0 a page directory cap without an ASID (`InvalidCapability 1`). Errors
 * in seL4's order after it: the pool's table entry empty (`FailedLookup` not source,
 * `InvalidRoot`) or naming another pool (`InvalidCapability 0`); no free ASID in the pool
 * (`DeleteFirst`). @see l4v arch_decode_invocation
 */
export function decodeASIDPoolInvocation(
  s: KernelState,
  label: InvocationLabel,
  cap: CapOf<'ASIDPoolCap'>,
  excaps: readonly ExtraCap[],
): Result<Assign, SyscallError> {
  if (label !== 'ARMASIDPoolAssign') return err({ kind: 'IllegalOperation' });
  const pdCap = excaps[0];
  if (pdCap === undefined) return err({ kind: 'TruncatedMessage' });
  if (pdCap.cap.kind !== 'PageDirectoryCap' || pdCap.cap.asid !== null) return err({ kind: 'InvalidCapability', index: 1 });
  const poolPtr = s.arch.asidTable.get(asidHighBitsOf(cap.asidBase));
  if (poolPtr === undefined) return err({ kind: 'FailedLookup', source: false, failure: { kind: 'InvalidRoot' } });
  if (poolPtr !== cap.ptr) return err({ kind: 'InvalidCapability', index: 0 });
  const pool = getASIDPool(s, poolPtr);
  let offset = 0;
  while (offset < ASID_POOL_ENTRIES && (cap.asidBase + offset === 0 || pool.has(offset))) offset++;
  if (offset === ASID_POOL_ENTRIES) return err({ kind: 'DeleteFirst' });
  return ok({ asid: cap.asidBase + offset, pool: cap.ptr, slot: pdCap.slot });
}

/** Gives the page directory its ASID, in its cap and in the pool. @see l4v perform_asid_pool_invocation */
export function performASIDPoolInvocation(s: KernelState, inv: Assign): KernelState {
  const pdCap = getCap(s, inv.slot);
  if (pdCap.kind !== 'PageDirectoryCap') throw new KernelPanic('perform_asid_pool_invocation: not a page directory cap');
  const s1 = setCap(s, inv.slot, { ...pdCap, asid: inv.asid });
  return setASIDPool(s1, inv.pool, getASIDPool(s1, inv.pool).set(asidLowBitsOf(inv.asid), pdCap.ptr));
}
