/**
 * Inserting, moving and swapping caps with their CDT positions (l4v `CSpace_A.thy`
 * `cap_insert`, `cap_move`, `cap_swap`, `cap_swap_for_delete`; Haskell `cteInsert`,
 * `cteMove`, `cteSwap`; manual §3.1.2 "Capability Derivation").
 *
 * @module
 */
import { NULL_CAP, type Cap } from '../state/cap.js';
import { sameSlot, type CSlot } from '../state/cslot.js';
import type { KernelState } from '../state/kernel-state.js';
import { isCapRevocable, shouldBeParentOf } from '../object/objecttype.js';
import { capInsertExt, capMoveExt, capSwapExt, cdtParent, childList, setCdtParent } from './cdt.js';
import { getCap, isOriginal, setCap, setOriginal } from './cspace-access.js';
import { KernelPanic } from './panic.js';

/**
 * When an untyped cap is copied, the source is marked as fully used, so that neither copy
 * can retype over objects the other creates. @see l4v set_untyped_cap_as_full
 */
export function setUntypedCapAsFull(s: KernelState, srcCap: Cap, newCap: Cap, srcSlot: CSlot): KernelState {
  if (srcCap.kind !== 'UntypedCap' || newCap.kind !== 'UntypedCap') return s;
  if (srcCap.ptr !== newCap.ptr || srcCap.sizeBits !== newCap.sizeBits) return s;
  return setCap(s, srcSlot, { ...srcCap, freeIndex: 2 ** srcCap.sizeBits });
}

/**
 * Puts `newCap` (derived from the cap in `src`) into the empty slot `dest`: it becomes the
 * first CDT child of `src` when `src` should be its parent, else `src`'s next sibling; it is
 * original when {@link isCapRevocable} says so. @see l4v cap_insert
 */
export function capInsert(s: KernelState, newCap: Cap, src: CSlot, dest: CSlot): KernelState {
  const srcCap = getCap(s, src);
  const destOriginal = isCapRevocable(newCap, srcCap);
  if (getCap(s, dest).kind !== 'NullCap') throw new KernelPanic('cap_insert into a full slot');
  const s1 = setCap(setUntypedCapAsFull(s, srcCap, newCap, src), dest, newCap);
  const srcParent = shouldBeParentOf(srcCap, isOriginal(s1, src), newCap, destOriginal);
  const srcP = cdtParent(s1, src);
  const destP = cdtParent(s1, dest);
  const s2 = setCdtParent(s1, dest, srcParent ? src : srcP);
  const s3 = capInsertExt(s2, srcParent, src, dest, srcP, destP);
  return setOriginal(s3, dest, destOriginal);
}

/**
 * Moves the cap in `src` (replaced by `newCap`) to `dest`, keeping its CDT position, its
 * children and its original flag. @see l4v cap_move
 */
export function capMove(s: KernelState, newCap: Cap, src: CSlot, dest: CSlot): KernelState {
  const s1 = setCap(setCap(s, dest, newCap), src, NULL_CAP);
  const srcP = cdtParent(s1, src);
  const destP = cdtParent(s1, dest);
  const children = childList(s1, src);
  let s3 = setCdtParent(setCdtParent(s1, dest, srcP), src, undefined);
  for (const c of children) if (!sameSlot(c, src)) s3 = setCdtParent(s3, c, dest);
  const s4 = capMoveExt(s3, src, dest, srcP, destP);
  const orig = isOriginal(s4, src);
  return setOriginal(setOriginal(s4, dest, orig), src, false);
}

/**
 * Exchanges the caps of two slots (replaced by `cap1` and `cap2`) together with their CDT
 * positions, children and original flags. @see l4v cap_swap
 */
export function capSwap(s: KernelState, cap1: Cap, slot1: CSlot, cap2: Cap, slot2: CSlot): KernelState {
  const s1 = setCap(setCap(s, slot1, cap2), slot2, cap1);
  const p1 = cdtParent(s1, slot1);
  const p2 = cdtParent(s1, slot2);
  const swap = (p: CSlot | undefined): CSlot | undefined =>
    p === undefined ? undefined : sameSlot(p, slot1) ? slot2 : sameSlot(p, slot2) ? slot1 : p;
  const c1 = childList(s1, slot1);
  const c2 = childList(s1, slot2);
  let s2 = s1;
  for (const c of c1) s2 = setCdtParent(s2, c, slot2);
  for (const c of c2) s2 = setCdtParent(s2, c, slot1);
  s2 = setCdtParent(setCdtParent(s2, slot1, swap(p2)), slot2, swap(p1));
  const s3 = capSwapExt(s2, slot1, slot2, p1, p2);
  const o1 = isOriginal(s3, slot1);
  const o2 = isOriginal(s3, slot2);
  return setOriginal(setOriginal(s3, slot1, o2), slot2, o1);
}

/** Swaps two slots' caps unchanged (nothing if they are the same slot). @see l4v cap_swap_for_delete */
export function capSwapForDelete(s: KernelState, slot1: CSlot, slot2: CSlot): KernelState {
  if (sameSlot(slot1, slot2)) return s;
  return capSwap(s, getCap(s, slot1), slot1, getCap(s, slot2), slot2);
}
