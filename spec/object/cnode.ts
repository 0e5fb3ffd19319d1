/**
 * CNode invocations (manual §3.1 "CNode Methods"; l4v `Decode_A.thy`
 * `decode_cnode_invocation`, `CSpace_A.thy` `invoke_cnode`; Haskell
 * `SEL4/Object/CNode.lhs`): Revoke, Delete, CancelBadgedSends, Copy, Mint, Move, Mutate,
 * Rotate and SaveCaller, each with its checks in seL4's order.
 *
 * The operations they are built from live beside this file and are re-exported here:
 * {@link capInsert}/{@link capMove}/{@link capSwap} (`../kernel/cap-insert.ts`),
 * {@link capDelete}/{@link capRevoke} (`../kernel/cap-delete.ts`), {@link emptySlot} and
 * {@link isFinalCap} (`../kernel/empty-slot.ts`), and the per-cap rules in `objecttype.ts`.
 *
 * @module
 */
import type { InvocationLabel } from '../../abi/labels.js';
import { ALL_RIGHTS, type Cap, type CapOf, type CapRights } from '../state/cap.js';
import { sameSlot, type CSlot } from '../state/cslot.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT } from '../state/object.js';
import { capInsert, capMove, capSwap } from '../kernel/cap-insert.js';
import { capDelete, capRevoke } from '../kernel/cap-delete.js';
import { ensureEmpty, getCap } from '../kernel/cspace-access.js';
import { lookupPivotSlot, lookupSourceSlot, lookupTargetSlot } from '../kernel/cspace.js';
import { cancelBadgedSends } from '../kernel/ipc-cancel.js';
import { completed, err, ok, type Preemptible, type Result } from '../kernel/monad.js';
import { KernelPanic } from '../kernel/panic.js';
import { dataToRights, deriveCap, hasCancelSendRights, maskCapRights, updateCapData } from './objecttype.js';

export { capInsert, capMove, capSwap, capSwapForDelete, setUntypedCapAsFull } from '../kernel/cap-insert.js';
export { capDelete, capRevoke, cteDelete, finaliseSlot } from '../kernel/cap-delete.js';
export { emptySlot, isFinalCap } from '../kernel/empty-slot.js';

/** A decoded CNode invocation (l4v `cnode_invocation`). */
export type CNodeInvocation =
  | { readonly kind: 'RevokeCall'; readonly slot: CSlot }
  | { readonly kind: 'DeleteCall'; readonly slot: CSlot }
  | { readonly kind: 'InsertCall'; readonly cap: Cap; readonly src: CSlot; readonly dest: CSlot }
  | { readonly kind: 'MoveCall'; readonly cap: Cap; readonly src: CSlot; readonly dest: CSlot }
  | {
      readonly kind: 'RotateCall';
      /** The source cap as it will be in the pivot slot. */
      readonly srcCap: Cap;
      /** The pivot cap as it will be in the destination slot. */
      readonly pivotCap: Cap;
      readonly src: CSlot;
      readonly pivot: CSlot;
      readonly dest: CSlot;
    }
  | { readonly kind: 'SaveCall'; readonly slot: CSlot }
  | { readonly kind: 'CancelBadgedSendsCall'; readonly cap: CapOf<'EndpointCap'> };

const CNODE_LABELS = [
  'CNodeRevoke', 'CNodeDelete', 'CNodeCancelBadgedSends', 'CNodeCopy', 'CNodeMint',
  'CNodeMove', 'CNodeMutate', 'CNodeRotate', 'CNodeSaveCaller',
] as const satisfies readonly InvocationLabel[];

const COPY_LABELS = ['CNodeCopy', 'CNodeMint', 'CNodeMove', 'CNodeMutate'] as const satisfies readonly InvocationLabel[];

/** The labels of Copy, Mint, Move and Mutate. */
type CopyLabel = (typeof COPY_LABELS)[number];

/** Whether `label` is one of `labels`, narrowing it. */
function isOneOf<L extends InvocationLabel>(label: InvocationLabel, labels: readonly L[]): label is L {
  return (labels as readonly InvocationLabel[]).includes(label);
}

/** The i-th argument (the caller checked there are enough). */
function arg(args: readonly number[], i: number): number {
  const v = args[i];
  if (v === undefined) throw new KernelPanic(`missing argument ${i}`);
  return v;
}

/**
 * Decodes a CNode invocation: the label must be a CNode label (`IllegalOperation`), MR0/MR1
 * name the destination slot (index, depth) in the invoked CNode, then per label.
 * @see l4v decode_cnode_invocation
 */
export function decodeCNodeInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  cap: Cap,
  excaps: readonly Cap[],
): Result<CNodeInvocation, SyscallError> {
  if (!isOneOf(label, CNODE_LABELS)) return err({ kind: 'IllegalOperation' });
  if (args.length < 2) return err({ kind: 'TruncatedMessage' });
  const dest = lookupTargetSlot(s, cap, arg(args, 0), arg(args, 1));
  if (!dest.ok) return dest;
  const rest = args.slice(2);
  const root = excaps[0];
  if (rest.length >= 2 && root !== undefined && isOneOf(label, COPY_LABELS)) {
    return decodeCopy(s, label, rest, root, dest.value);
  }
  // A switch, not ts-pattern: CNode invocations are the bulk of capability management.
  switch (label) {
    case 'CNodeRevoke':
      return ok({ kind: 'RevokeCall', slot: dest.value });
    case 'CNodeDelete':
      return ok({ kind: 'DeleteCall', slot: dest.value });
    case 'CNodeSaveCaller': {
      const e = ensureEmpty(s, dest.value);
      return e.ok ? ok({ kind: 'SaveCall', slot: dest.value }) : e;
    }
    case 'CNodeCancelBadgedSends': {
      const target = getCap(s, dest.value);
      if (!hasCancelSendRights(target) || target.kind !== 'EndpointCap') return err({ kind: 'IllegalOperation' });
      return ok({ kind: 'CancelBadgedSendsCall', cap: target });
    }
    case 'CNodeRotate':
      return rest.length > 5 && excaps.length > 1 ? decodeRotate(s, rest, excaps, dest.value) : err({ kind: 'TruncatedMessage' });
    // Copy, Mint, Move and Mutate without the source's index and depth, or without its CNode.
    case 'CNodeCopy':
    case 'CNodeMint':
    case 'CNodeMove':
    case 'CNodeMutate':
      return err({ kind: 'TruncatedMessage' });
    default: {
      const _exhaustive: never = label;
      return _exhaustive;
    }
  }
}

/** How a copy-like label treats the cap: rights mask, cap data, whether it moves. */
function copyMode(
  label: CopyLabel,
  args: readonly number[],
): Result<{ readonly rights: CapRights; readonly data: number | null; readonly isMove: boolean }, SyscallError> {
  const [a0, a1] = args;
  const truncated = err({ kind: 'TruncatedMessage' } as const);
  switch (label) {
    case 'CNodeCopy':
      return a0 === undefined ? truncated : ok({ rights: dataToRights(a0), data: null, isMove: false });
    case 'CNodeMint':
      return a0 === undefined || a1 === undefined ? truncated : ok({ rights: dataToRights(a0), data: a1, isMove: false });
    case 'CNodeMove':
      return ok({ rights: ALL_RIGHTS, data: null, isMove: true });
    case 'CNodeMutate':
      return a0 === undefined ? truncated : ok({ rights: ALL_RIGHTS, data: a0, isMove: true });
    default: {
      const _exhaustive: never = label;
      return _exhaustive;
    }
  }
}

/**
 * Copy, Mint, Move and Mutate: the destination must be empty, the source (MR2/MR3 in the
 * CNode of extra cap 0) must hold a cap; its rights are masked, the cap data applied, and a
 * copy is derived; a null result is `IllegalOperation`. @see l4v decode_cnode_invocation
 */
function decodeCopy(
  s: KernelState,
  label: CopyLabel,
  args: readonly number[],
  root: Cap,
  dest: CSlot,
): Result<CNodeInvocation, SyscallError> {
  const srcDepth = arg(args, 1);
  const empty = ensureEmpty(s, dest);
  if (!empty.ok) return empty;
  const src = lookupSourceSlot(s, root, arg(args, 0), srcDepth);
  if (!src.ok) return src;
  const srcCap = getCap(s, src.value);
  if (srcCap.kind === 'NullCap') {
    return err({ kind: 'FailedLookup', source: true, failure: { kind: 'MissingCapability', bitsLeft: srcDepth } });
  }
  const mode = copyMode(label, args.slice(2));
  if (!mode.ok) return mode;
  const { rights, data, isMove } = mode.value;
  const masked = maskCapRights(rights, srcCap);
  const updated = data === null ? masked : updateCapData(isMove, data, masked);
  const newCap = isMove ? ok(updated) : deriveCap(s, src.value, updated);
  if (!newCap.ok) return newCap;
  if (newCap.value.kind === 'NullCap') return err({ kind: 'IllegalOperation' });
  return ok({ kind: isMove ? 'MoveCall' : 'InsertCall', cap: newCap.value, src: src.value, dest });
}

/**
 * Rotate: the pivot cap (MR3/MR4 in extra cap 0's CNode) moves to the destination with the
 * data of MR2, the source cap (MR6/MR7 in extra cap 1's CNode) moves to the pivot slot with
 * the data of MR5. The pivot must differ from both other slots; the destination must be
 * empty unless it is the source. @see l4v decode_cnode_invocation
 */
function decodeRotate(
  s: KernelState,
  args: readonly number[],
  excaps: readonly Cap[],
  dest: CSlot,
): Result<CNodeInvocation, SyscallError> {
  const pivotData = arg(args, 0);
  const pivotIndex = arg(args, 1);
  const pivotDepth = arg(args, 2);
  const srcData = arg(args, 3);
  const srcIndex = arg(args, 4);
  const srcDepth = arg(args, 5);
  const [pivotRoot, srcRoot] = excaps as [Cap, Cap];
  const src = lookupSourceSlot(s, srcRoot, srcIndex, srcDepth);
  if (!src.ok) return src;
  const pivot = lookupPivotSlot(s, pivotRoot, pivotIndex, pivotDepth);
  if (!pivot.ok) return pivot;
  if (sameSlot(pivot.value, src.value) || sameSlot(pivot.value, dest)) return err({ kind: 'IllegalOperation' });
  if (!sameSlot(src.value, dest)) {
    const e = ensureEmpty(s, dest);
    if (!e.ok) return e;
  }
  const srcCap = getCap(s, src.value);
  if (srcCap.kind === 'NullCap') {
    return err({ kind: 'FailedLookup', source: true, failure: { kind: 'MissingCapability', bitsLeft: srcDepth } });
  }
  const pivotCap = getCap(s, pivot.value);
  if (pivotCap.kind === 'NullCap') {
    return err({ kind: 'FailedLookup', source: false, failure: { kind: 'MissingCapability', bitsLeft: pivotDepth } });
  }
  const newSrc = updateCapData(true, srcData, srcCap);
  const newPivot = updateCapData(true, pivotData, pivotCap);
  if (newSrc.kind === 'NullCap' || newPivot.kind === 'NullCap') return err({ kind: 'IllegalOperation' });
  return ok({ kind: 'RotateCall', srcCap: newSrc, pivotCap: newPivot, src: src.value, pivot: pivot.value, dest });
}

/**
 * Performs a decoded CNode invocation; Revoke and Delete may be preempted.
 * @see l4v invoke_cnode
 */
export function invokeCNode(s: KernelState, inv: CNodeInvocation): Preemptible {
  // A switch, not ts-pattern: this runs on every CNode invocation (hot path).
  switch (inv.kind) {
    case 'RevokeCall':
      return capRevoke(s, inv.slot);
    case 'DeleteCall':
      return capDelete(s, inv.slot);
    case 'InsertCall':
      return completed(capInsert(s, inv.cap, inv.src, inv.dest));
    case 'MoveCall':
      return completed(capMove(s, inv.cap, inv.src, inv.dest));
    case 'RotateCall':
      return completed(
        sameSlot(inv.src, inv.dest)
          ? capSwap(s, inv.srcCap, inv.src, inv.pivotCap, inv.pivot)
          : capMove(capMove(s, inv.pivotCap, inv.pivot, inv.dest), inv.srcCap, inv.src, inv.pivot),
      );
    case 'SaveCall':
      return completed(saveCaller(s, inv.slot));
    case 'CancelBadgedSendsCall':
      return completed(inv.cap.badge !== 0 ? cancelBadgedSends(s, inv.cap.ptr, inv.cap.badge) : s);
    default: {
      const _exhaustive: never = inv;
      return _exhaustive;
    }
  }
}

/**
 * Moves the reply cap in the current thread's caller slot to `slot`; nothing when the caller
 * slot is empty. @see l4v invoke_cnode SaveCall
 */
function saveCaller(s: KernelState, slot: CSlot): KernelState {
  const src = { obj: s.curThread, index: TCB_SLOT.Caller };
  const cap = getCap(s, src);
  if (cap.kind === 'NullCap') return s;
  if (cap.kind !== 'ReplyCap' || cap.isMaster) throw new KernelPanic('SaveCaller: caller slot holds no reply cap');
  return capMove(s, cap, src, slot);
}
