/**
 * Reading and writing capability slots (l4v `CSpaceAcc_A.thy`; manual §3.1 "Capability
 * Spaces"). A slot is an entry of a CNode or one of the five cap slots of a TCB; an empty
 * slot holds the null cap.
 *
 * @module
 */
import { NULL_CAP, type Cap } from '../state/cap.js';
import { slotKey, showSlot, type CSlot } from '../state/cslot.js';
import { updateState, type KernelState } from '../state/kernel-state.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelObject, TCB } from '../state/object.js';
import { getObject, tcbWith } from './kheap.js';
import { noteCapReplaced } from './ref-index.js';
import { err, ok, type Result } from './monad.js';
import { KernelPanic } from './panic.js';

// 2^bits for each CNode radix, read rather than computed: `2 ** n` with a variable `n` is a
// call to the math library, and every slot read checks its index against it.
const SLOT_COUNTS: readonly number[] = Array.from({ length: 33 }, (_, n) => 2 ** n);

function slotCount(bits: number): number {
  return SLOT_COUNTS[bits] ?? 2 ** bits;
}

/** Whether `slot` names an existing slot of a CNode or TCB. */
export function slotExists(s: KernelState, slot: CSlot): boolean {
  const obj = s.kheap.get(slot.obj);
  if (obj?.kind === 'CNode') return slot.index >= 0 && slot.index < slotCount(obj.bits);
  if (obj?.kind === 'TCB') return slot.index >= 0 && slot.index < obj.caps.length;
  return false;
}

/** The cap in `slot`. @see l4v get_cap */
export function getCap(s: KernelState, slot: CSlot): Cap {
  const obj = getObject(s, slot.obj);
  if (obj.kind === 'CNode') {
    if (!Number.isInteger(slot.index) || slot.index < 0 || slot.index >= slotCount(obj.bits)) {
      throw new KernelPanic(`no slot ${showSlot(slot)}`);
    }
    return obj.slots.get(slot.index) ?? NULL_CAP;
  }
  if (obj.kind === 'TCB') {
    const cap = obj.caps[slot.index];
    if (cap === undefined) throw new KernelPanic(`no TCB slot ${showSlot(slot)}`);
    return cap;
  }
  throw new KernelPanic(`get_cap on a ${obj.kind} at ${showSlot(slot)}`);
}

/** Writes `cap` into `slot`; a null cap empties a CNode entry. @see l4v set_cap */
export function setCap(s: KernelState, slot: CSlot, cap: Cap): KernelState {
  const obj = getObject(s, slot.obj);
  const old = getCap(s, slot);
  if (obj.kind === 'CNode') {
    const slots = cap.kind === 'NullCap' ? obj.slots.delete(slot.index) : obj.slots.set(slot.index, cap);
    // A literal, not `{ ...obj, slots }`: see `updateState` for why.
    return putSlotObject(s, slot.obj, { kind: 'CNode', bits: obj.bits, slots }, old, cap);
  }
  if (obj.kind === 'TCB') {
    const caps = obj.caps.slice() as [Cap, Cap, Cap, Cap, Cap];
    caps[slot.index] = cap;
    const tcb: TCB = tcbWith(obj, 'caps', caps);
    return putSlotObject(s, slot.obj, tcb, old, cap);
  }
  throw new KernelPanic(`set_cap on a ${obj.kind} at ${showSlot(slot)}`);
}

/** Stores the CNode or TCB holding a changed slot (l4v `set_object`), with the reference count. */
function putSlotObject(s: KernelState, ptr: number, obj: KernelObject, oldCap: Cap, newCap: Cap): KernelState {
  const kheap = s.kheap.set(ptr, obj);
  noteCapReplaced(s.kheap, kheap, oldCap, newCap);
  return updateState(s, 'kheap', kheap);
}

/** Fails with `DeleteFirst` unless `slot` is empty. @see l4v ensure_empty */
export function ensureEmpty(s: KernelState, slot: CSlot): Result<void, SyscallError> {
  return getCap(s, slot).kind === 'NullCap' ? ok(undefined) : err({ kind: 'DeleteFirst' });
}

/** Whether the cap in `slot` is original (revocable). @see l4v is_original_cap */
export function isOriginal(s: KernelState, slot: CSlot): boolean {
  return s.isOriginalCap.has(slotKey(slot));
}

/** Sets or clears the original flag of `slot`. @see l4v set_original */
export function setOriginal(s: KernelState, slot: CSlot, v: boolean): KernelState {
  const key = slotKey(slot);
  if (s.isOriginalCap.has(key) === v) return s;
  return updateState(s, 'isOriginalCap', v ? s.isOriginalCap.add(key) : s.isOriginalCap.delete(key));
}
