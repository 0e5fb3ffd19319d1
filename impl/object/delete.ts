/**
 * Deleting and revoking caps (seL4 `src/object/cnode.c`: `cteRevoke`, `cteDelete`,
 * `finaliseSlot`, `reduceZombie`, `cteDeleteOne`, `emptySlot`; l4v `cap_revoke`, `rec_del`,
 * `empty_slot`, `cap_delete_one`). Deleting the final cap of a CNode or TCB turns it into a
 * Zombie whose slots are deleted one by one, with a preemption point after each step.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { EXCEPTION_NONE, type Exception } from '../kernel/failures.js';
import { KernelPanic, loopStep } from '../kernel/panic.js';
import { preemptionPoint } from '../kernel/preemption.js';
import {
  CAP_IRQ_HANDLER, CAP_NULL, CAP_ZOMBIE, capGetCapType, irqHandlerCapGetCapIRQ, setCapWords,
  zombieCapGetCapZombieNumber, zombieCapGetCapZombiePtr, zombieCapGetCapZombieType, zombieCapSetCapZombieNumber,
} from './cap.js';
import { CTE_CAP_W1, cteClear, cteGetFirstBadged, cteGetNext, cteGetPrev, cteSetFirstBadged, cteSetNext, cteSetPrev } from './mdb.js';
import { finaliseCap } from './objecttype.js';
import { capSwapForDelete, isFinalCapability, isMDBParentOf } from './cte.js';
import { deletedIRQHandler } from './interrupt.js';
import { TCB_CALLER, tcbCte } from './tcb-layout.js';

/** `postCapDeletion(cleanupInfo)`: a deleted IRQ handler cap makes its line inactive. */
export function postCapDeletion(k: Kernel, c0: number, c1: number): void {
  if (capGetCapType(c0) === CAP_IRQ_HANDLER) deletedIRQHandler(k, irqHandlerCapGetCapIRQ(c1));
}

/** `emptySlot(slot, cleanupInfo)`: unlinks a slot from the MDB (passing firstBadged on) and nulls it. */
export function emptySlot(k: Kernel, slot: number, c0: number, c1: number): void {
  const mem = k.mem;
  if (capGetCapType(mem.read32(slot)) === CAP_NULL) return;
  const prev = cteGetPrev(mem, slot);
  const next = cteGetNext(mem, slot);
  if (prev !== 0) cteSetNext(mem, prev, next);
  if (next !== 0) {
    cteSetPrev(mem, next, prev);
    cteSetFirstBadged(mem, next, cteGetFirstBadged(mem, next) | cteGetFirstBadged(mem, slot));
  }
  cteClear(mem, slot);
  postCapDeletion(k, c0, c1);
}

// `capRemovable`: finalisation left nothing, or a Zombie with nothing (or only itself) left.
function capRemovable(r0: number, r1: number, slot: number): boolean {
  switch (capGetCapType(r0)) {
    case CAP_NULL:
      return true;
    case CAP_ZOMBIE: {
      const n = zombieCapGetCapZombieNumber(r0, r1);
      return n === 0 || (n === 1 && slot === zombieCapGetCapZombiePtr(r0, r1));
    }
    default:
      throw new KernelPanic('finaliseCap should only return Zombie or NullCap');
  }
}

// `capCyclicZombie`: a Zombie that points at its own slot.
function capCyclicZombie(r0: number, r1: number, slot: number): boolean {
  return capGetCapType(r0) === CAP_ZOMBIE && zombieCapGetCapZombiePtr(r0, r1) === slot;
}

/**
 * `finaliseSlot(slot, immediate)`: finalises the slot's cap until it is removable; sets
 * `k.retSuccess` and the cleanup info in `k.capRet2`.
 */
export function finaliseSlot(k: Kernel, slot: number, immediate: boolean): Exception {
  const mem = k.mem;
  while (capGetCapType(mem.read32(slot)) !== CAP_NULL) {
    const final = isFinalCapability(k, slot);
    finaliseCap(k, mem.read32(slot), mem.read32(slot + CTE_CAP_W1), final, false);
    const r0 = k.capRet.w0;
    const r1 = k.capRet.w1;
    if (capRemovable(r0, r1, slot)) return finaliseResult(k, EXCEPTION_NONE, true, k.capRet2.w0, k.capRet2.w1);
    mem.write32(slot, r0);
    mem.write32(slot + CTE_CAP_W1, r1);
    if (!immediate && capCyclicZombie(r0, r1, slot)) {
      return finaliseResult(k, EXCEPTION_NONE, false, k.capRet2.w0, k.capRet2.w1);
    }
    let status = reduceZombie(k, slot, immediate);
    if (status !== EXCEPTION_NONE) return finaliseResult(k, status, false, CAP_NULL, 0);
    status = preemptionPoint(k);
    if (status !== EXCEPTION_NONE) return finaliseResult(k, status, false, CAP_NULL, 0);
  }
  return finaliseResult(k, EXCEPTION_NONE, true, CAP_NULL, 0);
}

function finaliseResult(k: Kernel, status: Exception, success: boolean, c0: number, c1: number): Exception {
  k.retSuccess = success;
  setCapWords(k.capRet2, c0, c1);
  return status;
}

/** `cteDelete(slot, exposed)`: finalises the slot, then empties it if exposed or finalisation succeeded. */
export function cteDelete(k: Kernel, slot: number, exposed: boolean): Exception {
  const status = finaliseSlot(k, slot, exposed);
  if (status !== EXCEPTION_NONE) return status;
  if (exposed || k.retSuccess) emptySlot(k, slot, k.capRet2.w0, k.capRet2.w1);
  return EXCEPTION_NONE;
}

/**
 * `reduceZombie(slot, immediate)`: deletes the Zombie's last remaining slot (immediate), or
 * swaps the Zombie into its own first slot so that it can be deleted from there.
 */
function reduceZombie(k: Kernel, slot: number, immediate: boolean): Exception {
  const mem = k.mem;
  const z0 = mem.read32(slot);
  const z1 = mem.read32(slot + CTE_CAP_W1);
  const ptr = zombieCapGetCapZombiePtr(z0, z1);
  const n = zombieCapGetCapZombieNumber(z0, z1);
  const type = zombieCapGetCapZombieType(z0);
  if (n === 0) throw new KernelPanic('reduceZombie: expected unremovable zombie');
  if (immediate) {
    const endSlot = ptr + 16 * (n - 1);
    const status = cteDelete(k, endSlot, false);
    if (status !== EXCEPTION_NONE) return status;
    shrinkZombie(k, slot, endSlot, ptr, n, type);
  } else {
    if (ptr === slot) throw new KernelPanic('Cyclic zombie passed to unexposed reduceZombie');
    const p0 = mem.read32(ptr);
    if (capGetCapType(p0) === CAP_ZOMBIE && zombieCapGetCapZombiePtr(p0, mem.read32(ptr + CTE_CAP_W1)) === ptr) {
      throw new KernelPanic('Moving self-referential Zombie aside.');
    }
    capSwapForDelete(k, ptr, slot);
  }
  return EXCEPTION_NONE;
}

// After deleting a Zombie's end slot: one slot fewer, unless the slot's cap changed meanwhile.
function shrinkZombie(k: Kernel, slot: number, endSlot: number, ptr: number, n: number, type: number): void {
  const mem = k.mem;
  const s0 = mem.read32(slot);
  const s1 = mem.read32(slot + CTE_CAP_W1);
  switch (capGetCapType(s0)) {
    case CAP_NULL:
      return;
    case CAP_ZOMBIE: {
      const ptr2 = zombieCapGetCapZombiePtr(s0, s1);
      if (ptr === ptr2 && zombieCapGetCapZombieNumber(s0, s1) === n && zombieCapGetCapZombieType(s0) === type) {
        if (capGetCapType(mem.read32(endSlot)) !== CAP_NULL) throw new KernelPanic('reduceZombie: end slot not empty');
        mem.write32(slot + CTE_CAP_W1, zombieCapSetCapZombieNumber(s0, s1, n - 1));
      } else if (!(ptr2 === slot && ptr !== slot)) {
        throw new KernelPanic('Expected new Zombie to be self-referential.');
      }
      return;
    }
    default:
      throw new KernelPanic('Expected recursion to result in Zombie.');
  }
}

/** `cteDeleteOne(slot)`: deletes a cap that needs no long-running finalisation (reply, notification). */
export function cteDeleteOne(k: Kernel, slot: number): void {
  const mem = k.mem;
  const w0 = mem.read32(slot);
  if (capGetCapType(w0) === CAP_NULL) return;
  const final = isFinalCapability(k, slot);
  finaliseCap(k, w0, mem.read32(slot + CTE_CAP_W1), final, true);
  if (!capRemovable(k.capRet.w0, k.capRet.w1, slot) || capGetCapType(k.capRet2.w0) !== CAP_NULL) {
    throw new KernelPanic('cteDeleteOne: cap should be removable');
  }
  emptySlot(k, slot, CAP_NULL, 0);
}

/** `deleteCallerCap(receiver)`: deletes the reply cap in the thread's caller slot. */
export function deleteCallerCap(k: Kernel, tcb: number): void {
  cteDeleteOne(k, tcbCte(tcb, TCB_CALLER));
}

/** `cteRevoke(slot)`: deletes every MDB child of the slot, with a preemption point after each. */
export function cteRevoke(k: Kernel, slot: number): Exception {
  for (let next = cteGetNext(k.mem, slot); next !== 0 && isMDBParentOf(k, slot, next); next = cteGetNext(k.mem, slot)) {
    loopStep(k, 'MDB children walk (cteRevoke)');
    let status = cteDelete(k, next, true);
    if (status !== EXCEPTION_NONE) return status;
    status = preemptionPoint(k);
    if (status !== EXCEPTION_NONE) return status;
  }
  return EXCEPTION_NONE;
}
