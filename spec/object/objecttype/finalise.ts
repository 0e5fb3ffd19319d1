/**
 * Finalising a cap before its slot is emptied, and the Zombie caps that stand for a CNode or
 * TCB whose slots are still being cleared (l4v `CSpace_A.thy` `finalise_cap`,
 * `cap_removeable`, `cap_cyclic_zombie`, `first_cslot_of`; `ARM/ArchVSpace_A.thy`
 * `arch_finalise_cap`; manual §3.1.4 "Deleting and Revoking"). Part of `objecttype.ts`,
 * which re-exports it.
 *
 * @module
 */
import { match, P } from 'ts-pattern';
import type { Cap } from '../../state/cap.js';
import type { CSlot } from '../../state/cslot.js';
import type { KernelState } from '../../state/kernel-state.js';
import { getIRQSlot } from '../../kernel/kheap.js';
import { capDeleteOne, cancelAllIPC, cancelAllSignals, suspend, unbindMaybeNotification, unbindNotification } from '../../kernel/ipc-cancel.js';
import { KernelPanic } from '../../kernel/panic.js';
import { deleteASID, deleteASIDPool, unmapPage, unmapPageTable } from '../../arch/arm/vspace.js';

/** What finalising a cap leaves: the cap to put back in its slot, and the cleanup to run after. */
export interface Finalised {
  /** The state after the finalisation work. */
  readonly state: KernelState;
  /** The remainder: the null cap, or a Zombie for a CNode or TCB whose slots must be cleared. */
  readonly remainder: Cap;
  /** The post-deletion action for `empty_slot` (an IRQ handler cap, else the null cap). */
  readonly cleanup: Cap;
}

const NULL: Cap = { kind: 'NullCap' };

function done(state: KernelState, remainder: Cap = NULL, cleanup: Cap = NULL): Finalised {
  return { state, remainder, cleanup };
}

/** Deletes the notification cap in an IRQ's handler slot. @see l4v deleting_irq_handler */
export function deletingIRQHandler(s: KernelState, irq: number): KernelState {
  return capDeleteOne(s, getIRQSlot(s, irq));
}

/**
 * The work to do before the slot of `cap` can be emptied (manual §3.1.4): for the final cap
 * of an endpoint or notification, restart every waiting thread; of a TCB, unbind and suspend
 * the thread and leave a Zombie to clear its 5 slots; of a CNode, a Zombie to clear its
 * slots; of an IRQ handler, delete the handler's notification and deactivate the line; of an
 * ASID pool or a page directory with an ASID, unregister the ASIDs; of a mapped page table,
 * unmap it; and of any mapped frame cap, unmap its mapping.
 * @see l4v finalise_cap, arch_finalise_cap
 */
export function finaliseCap(s: KernelState, cap: Cap, final: boolean): Finalised {
  // A switch, not ts-pattern: this runs on every cap deletion (hot path).
  switch (cap.kind) {
    case 'NullCap':
    case 'UntypedCap':
    case 'ReplyCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'ASIDControlCap':
    case 'SGISignalCap':
      return done(s);
    case 'EndpointCap':
      return done(final ? cancelAllIPC(s, cap.ptr) : s);
    case 'NotificationCap':
      return done(final ? cancelAllSignals(unbindMaybeNotification(s, cap.ptr), cap.ptr) : s);
    case 'CNodeCap':
      if (!final) return done(s);
      return done(s, { kind: 'Zombie', ptr: cap.ptr, type: { kind: 'ZombieCNode', bits: cap.bits }, number: 2 ** cap.bits });
    case 'ThreadCap':
      if (!final) return done(s);
      return done(suspend(unbindNotification(s, cap.tcb), cap.tcb), { kind: 'Zombie', ptr: cap.tcb, type: { kind: 'ZombieTCB' }, number: 5 });
    case 'Zombie':
      if (!final) throw new KernelPanic('finalise_cap: a Zombie that is not final');
      return done(s, cap);
    case 'IRQHandlerCap':
      return final ? done(deletingIRQHandler(s, cap.irq), NULL, cap) : done(s);
    case 'ASIDPoolCap':
      return done(final ? deleteASIDPool(s, cap.asidBase, cap.ptr) : s);
    case 'PageDirectoryCap':
      return done(final && cap.asid !== null ? deleteASID(s, cap.asid, cap.ptr) : s);
    case 'PageTableCap':
      return done(final && cap.mapping !== null ? unmapPageTable(s, cap.mapping.asid, cap.mapping.vaddr, cap.ptr) : s);
    case 'FrameCap':
      // A mapping belongs to one cap, so it goes with that cap whether or not it is final.
      return done(cap.mapping !== null ? unmapPage(s, cap.size, cap.mapping.asid, cap.mapping.vaddr, cap.ptr) : s);
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
  }
}

/** The number of index bits of the slots a Zombie stands for (3 for a TCB). @see l4v zombie_cte_bits */
export function zombieCTEBits(cap: Extract<Cap, { kind: 'Zombie' }>): number {
  return cap.type.kind === 'ZombieTCB' ? 3 : cap.type.bits;
}

/** The first slot of the CNode or TCB a cap refers to. @see l4v first_cslot_of */
export function firstCSlotOf(cap: Cap): CSlot {
  return match(cap)
    .returnType<CSlot>()
    .with({ kind: 'ThreadCap' }, (cap) => ({ obj: cap.tcb, index: 0 }))
    .with({ kind: P.union('CNodeCap', 'Zombie') }, (cap) => ({ obj: cap.ptr, index: 0 }))
    .with({
      kind: P.union(
        'NullCap', 'UntypedCap', 'EndpointCap', 'NotificationCap', 'ReplyCap', 'DomainCap', 'IRQControlCap', 'IRQHandlerCap',
        'ASIDControlCap', 'ASIDPoolCap', 'FrameCap', 'PageTableCap', 'PageDirectoryCap', 'SGISignalCap',
      ),
    }, (cap) => {
      throw new KernelPanic(`first_cslot_of ${cap.kind}`);
    })
    .exhaustive();
}

/**
 * Whether finalisation of the cap in `slot` is complete: the null cap, or a Zombie with no
 * slots left, or with one left that is the slot it sits in. @see l4v cap_removeable
 */
export function capRemoveable(cap: Cap, slot: CSlot): boolean {
  if (cap.kind === 'NullCap') return true;
  if (cap.kind !== 'Zombie') throw new KernelPanic(`cap_removeable of ${cap.kind}`);
  return cap.number === 0 || (cap.number === 1 && cap.ptr === slot.obj && slot.index === 0);
}

/** Whether a cap is a Zombie for the very CNode or TCB whose first slot holds it. @see l4v cap_cyclic_zombie */
export function capCyclicZombie(cap: Cap, slot: CSlot): boolean {
  return cap.kind === 'Zombie' && cap.ptr === slot.obj && slot.index === 0;
}
