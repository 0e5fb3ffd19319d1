/**
 * Deleting and revoking caps (l4v `CSpace_A.thy` `rec_del`, `cap_delete`, `finalise_slot`,
 * `cap_revoke`; Haskell `cteDelete`, `finaliseSlot`, `reduceZombie`, `cteRevoke`; manual
 * §3.1.4 "Deleting and Revoking").
 *
 * Deleting the final cap to a CNode or TCB leaves a Zombie that stands for the object's
 * slots while they are deleted one by one, from the last to the first, with a preemption
 * point after each. A Zombie that is not "exposed" (met inside another deletion) is parked
 * in the first slot of its own object instead, so that recursion stays shallow.
 *
 * @module
 */
import type { Cap, CapOf } from '../state/cap.js';
import { sameSlot, type CSlot } from '../state/cslot.js';
import type { KernelState } from '../state/kernel-state.js';
import { capCyclicZombie, capRemoveable, finaliseCap, firstCSlotOf } from '../object/objecttype.js';
import { capSwapForDelete } from './cap-insert.js';
import { childList } from './cdt.js';
import { getCap, setCap } from './cspace-access.js';
import { emptySlot, isFinalCap } from './empty-slot.js';
import { completed, completedWith, type Preemptible, type PreemptibleValue } from './monad.js';
import { KernelPanic } from './panic.js';
import { preemptionPoint } from './preemption.js';

/** What `finalise_slot` reports: whether the slot may now be emptied, and the cleanup to run. */
export interface FinaliseResult {
  /** True when the slot's cap is completely finalised. */
  readonly success: boolean;
  /** The post-deletion action for `empty_slot`. */
  readonly cleanup: Cap;
}

/**
 * Deletes the cap in `slot`: finalises it (as a whole, however long it takes) and empties
 * the slot. An unexposed delete leaves a cyclic Zombie in place. @see l4v rec_del CTEDeleteCall
 */
export function cteDelete(s: KernelState, slot: CSlot, exposed: boolean): Preemptible {
  const r = finaliseSlot(s, slot, exposed);
  if (r.preempted) return r;
  const { success, cleanup } = r.value;
  return completed(exposed || success ? emptySlot(r.state, slot, cleanup) : r.state);
}

/**
 * Finalises the cap in `slot` until it may be removed, reducing Zombies slot by slot with a
 * preemption point after each step. @see l4v rec_del FinaliseSlotCall, finalise_slot
 */
export function finaliseSlot(s0: KernelState, slot: CSlot, exposed: boolean): PreemptibleValue<FinaliseResult> {
  let s = s0;
  for (;;) {
    const cap = getCap(s, slot);
    if (cap.kind === 'NullCap') return completedWith(s, { success: true, cleanup: cap });
    const f = finaliseCap(s, cap, isFinalCap(s, cap));
    if (capRemoveable(f.remainder, slot)) return completedWith(f.state, { success: true, cleanup: f.cleanup });
    const s1 = setCap(f.state, slot, f.remainder);
    if (capCyclicZombie(f.remainder, slot) && !exposed) {
      return completedWith(s1, { success: false, cleanup: { kind: 'NullCap' } });
    }
    const r = reduceZombie(s1, f.remainder, slot, exposed);
    if (r.preempted) return { state: r.state, preempted: true };
    const p = preemptionPoint(r.state);
    if (p.preempted) return { state: p.state, preempted: true };
    s = p.state;
  }
}

function sameZombie(a: Cap, b: CapOf<'Zombie'>): boolean {
  return (
    a.kind === 'Zombie' &&
    a.ptr === b.ptr &&
    a.number === b.number &&
    a.type.kind === b.type.kind &&
    (a.type.kind === 'ZombieTCB' || (b.type.kind === 'ZombieCNode' && a.type.bits === b.type.bits))
  );
}

/**
 * One step of clearing a Zombie's object: when exposed, delete its last remaining slot and
 * count it down; when not, park the Zombie in the object's first slot (swapping that slot's
 * cap out for the caller to finalise). @see l4v rec_del ReduceZombieCall
 */
export function reduceZombie(s: KernelState, zombie: Cap, slot: CSlot, exposed: boolean): Preemptible {
  if (zombie.kind !== 'Zombie' || zombie.number < 1) throw new KernelPanic('reduce_zombie of a non-Zombie');
  if (!exposed) {
    const cn = firstCSlotOf(zombie);
    if (sameSlot(cn, slot)) throw new KernelPanic('reduce_zombie: Zombie already in its first slot');
    return completed(capSwapForDelete(s, cn, slot));
  }
  const endSlot = { obj: zombie.ptr, index: zombie.number - 1 };
  const r = cteDelete(s, endSlot, false);
  if (r.preempted) return r;
  const newCap = getCap(r.state, slot);
  if (sameZombie(newCap, zombie)) return completed(setCap(r.state, slot, { ...zombie, number: zombie.number - 1 }));
  const fine =
    newCap.kind === 'NullCap' ||
    (newCap.kind === 'Zombie' && sameSlot(firstCSlotOf(newCap), slot) && !sameSlot(firstCSlotOf(zombie), slot));
  if (!fine) throw new KernelPanic('reduce_zombie: unexpected cap after deleting the end slot');
  return completed(r.state);
}

/** Deletes the cap in `slot` (manual §3.1.4, `seL4_CNode_Delete`). @see l4v cap_delete */
export function capDelete(s: KernelState, slot: CSlot): Preemptible {
  return cteDelete(s, slot, true);
}

/**
 * Deletes every CDT descendant of the cap in `slot`, always the first child next, with a
 * preemption point after each deletion (manual §3.1.4, `seL4_CNode_Revoke`).
 * @see l4v cap_revoke, next_revoke_cap
 */
export function capRevoke(s0: KernelState, slot: CSlot): Preemptible {
  let s = s0;
  for (;;) {
    const child = childList(s, slot).first();
    if (getCap(s, slot).kind === 'NullCap' || child === undefined) return completed(s);
    if (getCap(s, child).kind === 'NullCap') throw new KernelPanic('cap_revoke: null child');
    const r = capDelete(s, child);
    if (r.preempted) return r;
    const p = preemptionPoint(r.state);
    if (p.preempted) return p;
    s = p.state;
  }
}
