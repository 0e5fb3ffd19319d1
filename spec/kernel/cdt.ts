/**
 * The capability derivation tree (l4v `CSpaceAcc_A.thy` for `cdt`, `Deterministic_A.thy`
 * for the ordered child lists `cdt_list` and the `cap_*_ext` operations; manual §3.1.2
 * "Capability Derivation Tree").
 *
 * The CDT is kept twice, as l4v's deterministic spec keeps it: `cdt` maps a child slot to
 * its parent, and `cdtList` gives each parent's children in order (the order of the C
 * kernel's MDB list). An empty child list is stored as absent, so equal trees are equal
 * values. The order rules (det_ext): a new child goes to the front of its parent's list; a
 * new sibling goes right after the slot it was copied from; a moved cap takes its source's
 * place; the children of an emptied slot take its place in its parent's list. A list is a
 * {@link ChildList}, whose operations are `List_Lib`'s (it links long lists, so that a cap
 * with many children, like an untyped, costs O(log k) per sibling change, not O(k)).
 *
 * @module
 */
import type { Cap } from '../state/cap.js';
import { ChildList } from '../state/child-list.js';
import { sameSlot, slotKey, type CSlot } from '../state/cslot.js';
import { updateState, type KernelState } from '../state/kernel-state.js';
import type { SyscallError } from '../state/exceptions.js';
import { getCap, setCap, setOriginal } from './cspace-access.js';
import { err, ok, type Result } from './monad.js';
import { KernelPanic } from './panic.js';

/** The CDT parent of `slot`, if it has one. @see l4v cdt */
export function cdtParent(s: KernelState, slot: CSlot): CSlot | undefined {
  return s.cdt.get(slotKey(slot));
}

/** The CDT children of `slot`, in order, as a {@link ChildList}. @see l4v cdt_list */
export function childList(s: KernelState, slot: CSlot): ChildList {
  return s.cdtList.get(slotKey(slot)) ?? ChildList.EMPTY;
}

/** The CDT children of `slot`, in order. @see l4v cdt_list */
export function cdtChildren(s: KernelState, slot: CSlot): readonly CSlot[] {
  return childList(s, slot).toArray();
}

/**
 * Whether some slot has `slot` as its CDT parent (read from the child list, which agrees
 * with `cdt` by l4v's `valid_list`).
 */
export function hasChildren(s: KernelState, slot: CSlot): boolean {
  return childList(s, slot).length > 0;
}

/** Fails with `RevokeFirst` if the cap in `slot` has CDT children. @see l4v ensure_no_children */
export function ensureNoChildren(s: KernelState, slot: CSlot): Result<void, SyscallError> {
  return hasChildren(s, slot) ? err({ kind: 'RevokeFirst' }) : ok(undefined);
}

/**
 * All CDT descendants of `slot`, in the preorder of the C kernel's MDB list.
 * @see l4v descendants_of
 */
export function descendantsOf(s: KernelState, slot: CSlot): CSlot[] {
  const out: CSlot[] = [];
  const stack = [...childList(s, slot)].reverse();
  for (let c = stack.pop(); c !== undefined; c = stack.pop()) {
    out.push(c);
    stack.push(...[...childList(s, c)].reverse());
  }
  return out;
}

/** Sets (or with `undefined`, removes) the CDT parent of `child`. @see l4v set_cdt */
export function setCdtParent(s: KernelState, child: CSlot, parent: CSlot | undefined): KernelState {
  const key = slotKey(child);
  return updateState(s, 'cdt', parent === undefined ? s.cdt.delete(key) : s.cdt.set(key, parent));
}

/** Replaces the ordered child list of `parent`. @see l4v set_cdt_list */
export function setCdtList(s: KernelState, parent: CSlot, children: ChildList): KernelState {
  const key = slotKey(parent);
  return updateState(s, 'cdtList', children.length === 0 ? s.cdtList.delete(key) : s.cdtList.set(key, children));
}

/** Gives every child of `from` the parent `to` (children keep their order lists). */
export function reparentChildren(s: KernelState, from: CSlot, to: CSlot | undefined): KernelState {
  let out = s;
  for (const c of childList(s, from)) out = setCdtParent(out, c, to);
  return out;
}

// The list functions of l4v's List_Lib (`list_remove`, `list_replace`, `list_swap`,
// `list_insert_after`, `list_replace_list`) are ChildList's `remove`, `replace`, `swap`,
// `insertAfter` and `replaceWithList`.

/** Applies several child-list updates computed from the same lists, in order. */
function updateLists(s: KernelState, updates: readonly (readonly [CSlot, ChildList])[]): KernelState {
  let out = s;
  for (const [p, l] of updates) out = setCdtList(out, p, l);
  return out;
}

/** Removes `slot` from the child list of its old parent `oldParent`, if any. */
function detach(s: KernelState, slot: CSlot, oldParent: CSlot | undefined): KernelState {
  return oldParent === undefined ? s : setCdtList(s, oldParent, childList(s, oldParent).remove(slot));
}

/**
 * The child-order part of `cap_insert`: `dest` becomes the first child of `src` when `src`
 * is its parent, else the next sibling after `src`. `srcP`/`destP` are the parents before
 * the insert. @see l4v cap_insert_ext
 */
export function capInsertExt(
  s: KernelState,
  srcParent: boolean,
  src: CSlot,
  dest: CSlot,
  srcP: CSlot | undefined,
  destP: CSlot | undefined,
): KernelState {
  const s1 = detach(s, dest, destP);
  const srcList = srcParent ? childList(s1, src).prepend(dest) : childList(s1, src);
  if (srcP === undefined) return setCdtList(s1, src, srcList);
  const pl = childList(s1, srcP);
  const pList =
    srcParent && !sameSlot(srcP, src)
      ? pl
      : !sameSlot(src, dest)
        ? pl.insertAfter(src, dest)
        : pl.prepend(dest);
  return updateLists(s1, [[src, srcList], [srcP, pList]]);
}

/**
 * The child-order part of `cap_move`: `dest` takes `src`'s place among its siblings and
 * inherits its children. @see l4v cap_move_ext
 */
export function capMoveExt(
  s: KernelState,
  src: CSlot,
  dest: CSlot,
  srcP: CSlot | undefined,
  destP: CSlot | undefined,
): KernelState {
  const s1 = detach(s, dest, destP);
  if (sameSlot(src, dest)) return s1;
  const s2 = srcP === undefined ? s1 : setCdtList(s1, srcP, childList(s1, srcP).replace(src, dest));
  return updateLists(s2, [[src, ChildList.EMPTY], [dest, childList(s2, src).concat(childList(s2, dest))]]);
}

/** `slot1 <-> slot2` applied to an optional slot (a parent that is one of the two). */
function swapRef(p: CSlot | undefined, slot1: CSlot, slot2: CSlot): CSlot | undefined {
  if (p === undefined) return undefined;
  return sameSlot(p, slot1) ? slot2 : sameSlot(p, slot2) ? slot1 : p;
}

/**
 * The child-order part of `cap_swap`: the two slots exchange child lists and places among
 * their siblings. `p1`/`p2` are their parents before the swap. @see l4v cap_swap_ext
 */
export function capSwapExt(
  s: KernelState,
  slot1: CSlot,
  slot2: CSlot,
  p1: CSlot | undefined,
  p2: CSlot | undefined,
): KernelState {
  const l1 = childList(s, slot1);
  const l2 = childList(s, slot2);
  const s1 = updateLists(s, [[slot1, l2], [slot2, l1]]);
  const q2 = swapRef(p2, slot1, slot2);
  const q1 = swapRef(p1, slot1, slot2);
  const list = (p: CSlot): ChildList => childList(s1, p);
  if (q2 === undefined) {
    return q1 === undefined ? s1 : setCdtList(s1, q1, list(q1).replace(slot1, slot2));
  }
  if (q1 === undefined) return setCdtList(s1, q2, list(q2).replace(slot2, slot1));
  if (sameSlot(q1, q2)) return setCdtList(s1, q2, list(q2).swap(slot1, slot2));
  return updateLists(s1, [
    [q2, list(q2).replace(slot2, slot1)],
    [q1, list(q1).replace(slot1, slot2)],
  ]);
}

/**
 * The child-order part of `empty_slot`: the slot's children take its place in its parent's
 * list. `slotP` is its parent before. @see l4v empty_slot_ext
 */
export function emptySlotExt(s: KernelState, slot: CSlot, slotP: CSlot | undefined): KernelState {
  if (slotP === undefined) return setCdtList(s, slot, ChildList.EMPTY);
  if (sameSlot(slotP, slot)) return setCdtList(s, slotP, childList(s, slotP).remove(slot));
  const replaced = childList(s, slotP).replaceWithList(slot, childList(s, slot));
  return updateLists(s, [[slotP, replaced], [slot, ChildList.EMPTY]]);
}

/**
 * The child-order part of `create_cap`: `dest` becomes the first child of the untyped.
 * @see l4v create_cap_ext
 */
export function createCapExt(s: KernelState, untyped: CSlot, dest: CSlot, destP: CSlot | undefined): KernelState {
  const s1 = detach(s, dest, destP);
  return setCdtList(s1, untyped, childList(s1, untyped).prepend(dest));
}

/**
 * Installs the original cap of a newly retyped object in the empty slot `dest`, as the
 * first CDT child of the untyped cap's slot (manual §2.4 "Kernel Memory Allocation").
 * `cap` is the object's default cap (l4v `default_cap`), which the caller computes.
 * @see l4v create_cap
 */
export function createCap(s: KernelState, untyped: CSlot, dest: CSlot, cap: Cap): KernelState {
  if (getCap(s, dest).kind !== 'NullCap') throw new KernelPanic('create_cap into a full slot');
  const destP = cdtParent(s, dest);
  const s1 = setCdtParent(s, dest, untyped);
  const s2 = createCapExt(s1, untyped, dest, destP);
  return setCap(setOriginal(s2, dest, true), dest, cap);
}
