/**
 * Emptying a slot and deciding whether a cap is the last one to its object (l4v
 * `IpcCancel_A.thy` `empty_slot`, `post_cap_deletion`, `is_final_cap`, `gen_obj_refs`;
 * manual §3.1.4 "Deleting and Revoking"). Emptying a slot takes its cap out of the CDT:
 * its children move up to its parent, in its place.
 *
 * @module
 */
import { NULL_CAP, type Cap } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { KernelState } from '../state/kernel-state.js';
import { cdtParent, emptySlotExt, reparentChildren, setCdtParent } from './cdt.js';
import { getCap, setCap, setOriginal } from './cspace-access.js';
import { setIRQState } from './kheap.js';
import { genObjRefs, refCount } from './ref-index.js';

export { genObjRefs, objRefs } from './ref-index.js';

/**
 * Whether `cap` is the final cap to what it refers to: exactly one slot in the system holds
 * a cap with the same references (counted by `ref-index.ts`). @see l4v is_final_cap
 */
export function isFinalCap(s: KernelState, cap: Cap): boolean {
  const ref = genObjRefs(cap);
  return ref !== null && refCount(s.kheap, ref) === 1;
}

/** What to do after a cap's slot is emptied: an IRQ handler's line becomes inactive. @see l4v post_cap_deletion */
export function postCapDeletion(s: KernelState, cleanup: Cap): KernelState {
  return cleanup.kind === 'IRQHandlerCap' ? setIRQState(s, 'IRQInactive', cleanup.irq) : s;
}

/**
 * Empties a slot whose cap has been finalised: its CDT children take its place under its
 * parent, its original flag is cleared, and the `cleanup` action of the finalisation runs.
 * @see l4v empty_slot
 */
export function emptySlot(s: KernelState, slot: CSlot, cleanup: Cap): KernelState {
  if (getCap(s, slot).kind === 'NullCap') return s;
  const parent = cdtParent(s, slot);
  const s1 = setCdtParent(reparentChildren(s, slot, parent), slot, undefined);
  const s2 = emptySlotExt(s1, slot, parent);
  const s3 = setCap(setOriginal(s2, slot, false), slot, NULL_CAP);
  return postCapDeletion(s3, cleanup);
}
