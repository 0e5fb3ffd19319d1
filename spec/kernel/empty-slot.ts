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

/**
 * The kernel objects a cap refers to (l4v `obj_refs`): none for untyped, reply, IRQ,
 * domain and ASID-control caps; the object's address otherwise.
 */
export function objRefs(cap: Cap): number | null {
  switch (cap.kind) {
    case 'CNodeCap':
    case 'EndpointCap':
    case 'NotificationCap':
    case 'Zombie':
    case 'ASIDPoolCap':
    case 'FrameCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
      return cap.ptr;
    case 'ThreadCap':
      return cap.tcb;
    case 'NullCap':
    case 'UntypedCap':
    case 'ReplyCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'DomainCap':
    case 'ASIDControlCap':
    case 'SGISignalCap':
      return null;
  }
}

/**
 * What finality is judged by (l4v `gen_obj_refs`): the object a cap refers to, or the IRQ
 * of an IRQ handler cap, as a key; null when the cap refers to neither (and so is never
 * final). ARM has no arch-specific references here.
 */
export function genObjRefs(cap: Cap): string | null {
  if (cap.kind === 'IRQHandlerCap') return `irq:${cap.irq}`;
  const r = objRefs(cap);
  return r === null ? null : `obj:${r}`;
}

/** Every non-null cap slot of the heap with its cap. */
function* capSlots(s: KernelState): Generator<readonly [CSlot, Cap]> {
  for (const [ptr, obj] of s.kheap) {
    if (obj.kind === 'CNode') {
      for (const [index, cap] of obj.slots) yield [{ obj: ptr, index }, cap];
    } else if (obj.kind === 'TCB') {
      for (let index = 0; index < obj.caps.length; index++) {
        const cap = obj.caps[index];
        if (cap !== undefined && cap.kind !== 'NullCap') yield [{ obj: ptr, index }, cap];
      }
    }
  }
}

/**
 * Whether `cap` is the final cap to what it refers to: exactly one slot in the system holds
 * a cap with the same references. @see l4v is_final_cap
 */
export function isFinalCap(s: KernelState, cap: Cap): boolean {
  const ref = genObjRefs(cap);
  if (ref === null) return false;
  let count = 0;
  for (const [, c] of capSlots(s)) {
    if (genObjRefs(c) === ref && ++count > 1) return false;
  }
  return count === 1;
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
