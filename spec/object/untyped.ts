/**
 * Untyped memory and `seL4_Untyped_Retype` (manual §2.4 "Kernel Memory Allocation" and
 * §10.3 "Untyped"; l4v `Decode_A.thy` `decode_untyped_invocation`, `Retype_A.thy`
 * `reset_untyped_cap` and `invoke_untyped`).
 *
 * An untyped cap covers `2^sizeBits` bytes from `ptr`; its free index says how many bytes
 * from the start are already handed out. Retype places new objects at the first address at
 * or after the free index that is aligned to their size, advances the free index past them,
 * and makes their caps CDT children of the untyped. An untyped with no children is reset
 * first: everything in it is deleted and its memory zeroed, top down in 256-byte chunks with
 * a preemption point after each, so a long reset can be interrupted and resumed.
 *
 * @module
 */
import {
  MAX_NUM_WORK_UNITS_PER_PREEMPTION, MAX_UNTYPED_BITS, MIN_UNTYPED_BITS, RESET_CHUNK_BITS, RETYPE_FAN_OUT_LIMIT,
} from '../../abi/config.js';
import type { InvocationLabel } from '../../abi/labels.js';
import { objectTypeFromWord, type ObjectType } from '../../abi/objecttype.js';
import { alignUp } from '../../hardware/word.js';
import type { Cap, CapOf } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { createCap, hasChildren } from '../kernel/cdt.js';
import { ensureEmpty, getCap, setCap } from '../kernel/cspace-access.js';
import { lookupTargetSlot, WORD_BITS } from '../kernel/cspace.js';
import { completed, err, ok, preempted, type Preemptible, type Result } from '../kernel/monad.js';
import { KernelPanic } from '../kernel/panic.js';
import { getActiveIRQ } from '../kernel/preemption.js';
import { clearMemory } from './untyped/clear-memory.js';
import { defaultCap, isFrameType, objBitsAPI } from './untyped/default-object.js';
import { deleteObjects, initArchObjects, retypeRegion } from './untyped/retype-region.js';

/** A decoded Retype (l4v `untyped_invocation`'s only constructor, `Retype`). */
export interface UntypedInvocation {
  /** Discriminant. */
  readonly kind: 'Retype';
  /** The slot of the invoked untyped cap. */
  readonly srcSlot: CSlot;
  /** Whether the untyped has no children and is reset before the retype. */
  readonly reset: boolean;
  /** Start of the untyped region. */
  readonly base: number;
  /** Where the first new object goes: the free address aligned up to the object size. */
  readonly retypeBase: number;
  /** The object type. */
  readonly newType: ObjectType;
  /** The user's size argument (bits of an untyped, radix of a CNode, else ignored). */
  readonly userSize: number;
  /** The empty destination slots, one per new object, in order. */
  readonly slots: readonly CSlot[];
  /** Whether the untyped is device memory. */
  readonly isDevice: boolean;
}

/** The first six message words of a Retype, by name (l4v reads them as `args ! i`). */
function retypeArgs(args: readonly number[]): {
  type: number; userSize: number; nodeIndex: number; nodeDepth: number; nodeOffset: number; nodeWindow: number;
} {
  const a = (i: number): number => (args[i] ?? 0) >>> 0;
  return { type: a(0), userSize: a(1), nodeIndex: a(2), nodeDepth: a(3), nodeOffset: a(4), nodeWindow: a(5) };
}

/**
 * Checks a Retype in seL4's order and decodes it: the label; at least six words and one
 * extra cap (`TruncatedMessage`); the type (`InvalidArgument 0`); the object size (at most
 * 2^29 bytes: `RangeError 0 29`); a CNode of at least 2 slots and an untyped of at least 16
 * bytes (`InvalidArgument 1`); the destination CNode, the extra cap itself at depth 0 or
 * else looked up from it (lookup errors, then `FailedLookup` with `MissingCapability depth`
 * if it is no CNode cap); the offset (`RangeError 0 (slots-1)`); the count
 * (`RangeError 1 256`, then `RangeError 1 (slots-offset)`); empty destination slots
 * (`DeleteFirst`); enough free memory, counting from the start when the untyped has no
 * children (`NotEnoughMemory`, with the free bytes); and, for device memory, a frame or
 * untyped type (`InvalidArgument 1`).
 * @see l4v decode_untyped_invocation
 */
export function decodeUntypedInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  slot: CSlot,
  cap: CapOf<'UntypedCap'>,
  extraCaps: readonly { readonly cap: Cap; readonly slot: CSlot }[],
): Result<UntypedInvocation, SyscallError> {
  if (label !== 'UntypedRetype') return err({ kind: 'IllegalOperation' });
  const rootCap = extraCaps[0]?.cap;
  if (args.length < 6 || rootCap === undefined) return err({ kind: 'TruncatedMessage' });
  const a = retypeArgs(args);
  const newType = objectTypeFromWord(a.type);
  if (newType === undefined) return err({ kind: 'InvalidArgument', index: 0 });
  const objectSize = objBitsAPI(newType, a.userSize);
  if (!(a.userSize < WORD_BITS && objectSize <= MAX_UNTYPED_BITS)) {
    return err({ kind: 'RangeError', min: 0, max: MAX_UNTYPED_BITS });
  }
  if (newType === 'CapTable' && a.userSize === 0) return err({ kind: 'InvalidArgument', index: 1 });
  if (newType === 'Untyped' && a.userSize < MIN_UNTYPED_BITS) return err({ kind: 'InvalidArgument', index: 1 });

  const node = destinationCNode(s, rootCap, a.nodeIndex, a.nodeDepth);
  if (!node.ok) return node;
  const nodeSize = 2 ** node.value.bits;
  if (a.nodeOffset > nodeSize - 1) return err({ kind: 'RangeError', min: 0, max: nodeSize - 1 });
  if (a.nodeWindow < 1 || a.nodeWindow > RETYPE_FAN_OUT_LIMIT) {
    return err({ kind: 'RangeError', min: 1, max: RETYPE_FAN_OUT_LIMIT });
  }
  if (a.nodeWindow > nodeSize - a.nodeOffset) return err({ kind: 'RangeError', min: 1, max: nodeSize - a.nodeOffset });
  const slots = Array.from({ length: a.nodeWindow }, (_, i) => ({ obj: node.value.ptr, index: a.nodeOffset + i }));
  for (const dest of slots) {
    const empty = ensureEmpty(s, dest);
    if (!empty.ok) return empty;
  }

  // With no children the untyped is reset, so all of it counts as free.
  const reset = !hasChildren(s, slot);
  const freeIndex = reset ? 0 : cap.freeIndex;
  const untypedFreeBytes = 2 ** cap.sizeBits - freeIndex;
  if (Math.floor(untypedFreeBytes / 2 ** objectSize) < a.nodeWindow) {
    return err({ kind: 'NotEnoughMemory', bytes: untypedFreeBytes });
  }
  if (cap.isDevice && !isFrameType(newType) && newType !== 'Untyped') return err({ kind: 'InvalidArgument', index: 1 });
  return ok({
    kind: 'Retype',
    srcSlot: slot,
    reset,
    base: cap.ptr,
    retypeBase: alignUp(cap.ptr + freeIndex, objectSize),
    newType,
    userSize: a.userSize,
    slots,
    isDevice: cap.isDevice,
  });
}

/**
 * The CNode cap the new caps go into: the root cap itself at depth 0, else the cap in the
 * slot a destination lookup of (index, depth) reaches from it.
 */
function destinationCNode(
  s: KernelState,
  rootCap: Cap,
  nodeIndex: number,
  nodeDepth: number,
): Result<CapOf<'CNodeCap'>, SyscallError> {
  let nodeCap = rootCap;
  if (nodeDepth !== 0) {
    const target = lookupTargetSlot(s, rootCap, nodeIndex, nodeDepth);
    if (!target.ok) return target;
    nodeCap = getCap(s, target.value);
  }
  if (nodeCap.kind !== 'CNodeCap') {
    return err({ kind: 'FailedLookup', source: false, failure: { kind: 'MissingCapability', bitsLeft: nodeDepth } });
  }
  return ok(nodeCap);
}

/** The untyped cap in `slot` (a panic if there is none: decode saw one there). */
function untypedCapAt(s: KernelState, slot: CSlot): CapOf<'UntypedCap'> {
  const cap = getCap(s, slot);
  if (cap.kind !== 'UntypedCap') throw new KernelPanic('invoke_untyped: the source slot holds no untyped cap');
  return cap;
}

/**
 * Resets the untyped in `slot` to empty: deletes every object in it, then zeroes its memory
 * and lowers its free index. Device memory and untypeds smaller than a chunk are done in one
 * step; otherwise the used part is zeroed in 256-byte chunks from the top down, the free
 * index following each chunk, with a preemption point after each chunk. A preempted reset
 * leaves the free index at the last chunk cleared, and the restarted Retype resumes there.
 * @see l4v reset_untyped_cap
 */
export function resetUntypedCap(s: KernelState, slot: CSlot): Preemptible {
  const cap = untypedCapAt(s, slot);
  if (cap.freeIndex === 0) return completed(s);
  const s1 = deleteObjects(s, cap.ptr, cap.sizeBits);
  if (cap.isDevice || cap.sizeBits < RESET_CHUNK_BITS) {
    const s2 = cap.isDevice ? s1 : clearMemory(s1, cap.ptr, 2 ** cap.sizeBits);
    return completed(setCap(s2, slot, { ...cap, freeIndex: 0 }));
  }
  return resetChunks(s1, slot, cap);
}

/**
 * The chunk loop of `reset_untyped_cap`: for each chunk i below the free index, from the
 * top: zero chunk i, set the free index to i × 256, preemption point. `delete_objects` has
 * already zeroed the whole region, so clearing a chunk changes no memory here, and the
 * interrupt state does not change inside one kernel entry: the loop's outcome is
 * determined by the number of chunks, the work-unit counter and whether an interrupt is
 * pending. This computes that outcome directly (the unit tests check it against the loop
 * run chunk by chunk): with a pending interrupt the loop stops at the preemption point
 * that completes the current batch of 100 work units.
 */
function resetChunks(s: KernelState, slot: CSlot, cap: CapOf<'UntypedCap'>): Preemptible {
  const chunk = 2 ** RESET_CHUNK_BITS;
  const chunks = Math.ceil(cap.freeIndex / chunk);
  const unitsToCheck = MAX_NUM_WORK_UNITS_PER_PREEMPTION - s.workUnitsCompleted;
  const interrupted = unitsToCheck <= chunks && getActiveIRQ(s, true) !== null;
  if (interrupted) {
    const s1 = { ...s, workUnitsCompleted: 0 };
    return preempted(setCap(s1, slot, { ...cap, freeIndex: (chunks - unitsToCheck) * chunk }));
  }
  const s1 = { ...s, workUnitsCompleted: (s.workUnitsCompleted + chunks) % MAX_NUM_WORK_UNITS_PER_PREEMPTION };
  return completed(setCap(s1, slot, { ...cap, freeIndex: 0 }));
}

/**
 * Performs a decoded Retype: resets the untyped if asked (and stops there if preempted),
 * sets the free index past the new objects, creates them, and installs their caps in the
 * destination slots in order, each as the newest CDT child of the untyped.
 * @see l4v invoke_untyped
 */
export function invokeUntyped(s: KernelState, inv: UntypedInvocation): Preemptible {
  if (inv.reset) {
    const r = resetUntypedCap(s, inv.srcSlot);
    if (r.preempted) return r;
    s = r.state;
  }
  const cap = untypedCapAt(s, inv.srcSlot);
  const totalObjectSize = inv.slots.length * 2 ** objBitsAPI(inv.newType, inv.userSize);
  const freeRef = inv.retypeBase + totalObjectSize;
  const s1 = setCap(s, inv.srcSlot, {
    kind: 'UntypedCap', isDevice: inv.isDevice, ptr: inv.base, sizeBits: cap.sizeBits, freeIndex: freeRef - inv.base,
  });
  const { state: s2, refs } = retypeRegion(s1, inv.retypeBase, inv.slots.length, inv.userSize, inv.newType, inv.isDevice);
  const s3 = initArchObjects(s2, inv.newType, inv.isDevice, inv.userSize, refs);
  const s4 = inv.slots.reduce(
    (acc, dest, i) => createCap(acc, inv.srcSlot, dest, defaultCap(inv.newType, refs[i]!, inv.userSize, inv.isDevice)),
    s3,
  );
  return completed(s4);
}
