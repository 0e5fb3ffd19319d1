/**
 * The rules that depend on the kind of a capability (l4v `CSpace_A.thy` `derive_cap`,
 * `update_cap_data`, `same_region_as`, `same_object_as`, `is_cap_revocable`,
 * `should_be_parent_of`, `finalise_cap`; `Structures_A.thy` rights and badge updates;
 * `ARM/ArchCSpace_A.thy` and `ARM/ArchVSpace_A.thy` for the arch caps; Haskell
 * `SEL4/Object/ObjectType.lhs`; manual §3.1 "Capability Spaces").
 *
 * @module
 */
import { match } from 'ts-pattern';
import { BADGE_BITS, ENDPOINT_BITS, NOTIFICATION_BITS, SLOT_BITS, TCB_BITS } from '../../abi/config.js';
import { mask } from '../../hardware/word.js';
import { ALL_RIGHTS, PAGE_BITS_FOR_SIZE, type Cap, type CapRights, type VMRights } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { ensureNoChildren } from '../kernel/cdt.js';
import { getIRQSlot } from '../kernel/kheap.js';
import { capDeleteOne, cancelAllIPC, cancelAllSignals, suspend, unbindMaybeNotification, unbindNotification } from '../kernel/ipc-cancel.js';
import { err, ok, type Result } from '../kernel/monad.js';
import { KernelPanic, NotModelledYet } from '../kernel/panic.js';
import { deleteASID, deleteASIDPool } from '../kernel/vm-root.js';

export { genObjRefs, isFinalCap, objRefs } from '../kernel/empty-slot.js';

// ---------------------------------------------------------------------------------------
// Rights, badges and cap data

/** The rights encoded in the low four bits of a user word (manual §3.1.1). @see l4v data_to_rights */
export function dataToRights(w: number): CapRights {
  return { write: (w & 1) !== 0, read: (w & 2) !== 0, grant: (w & 4) !== 0, grantReply: (w & 8) !== 0 };
}

/** The intersection of two rights sets. */
export function intersectRights(a: CapRights, b: CapRights): CapRights {
  return { read: a.read && b.read, write: a.write && b.write, grant: a.grant && b.grant, grantReply: a.grantReply && b.grantReply };
}

/** Frame rights as a rights set (l4v `vm_read_write` etc.). */
function vmRightsSet(r: VMRights): CapRights {
  return { read: r !== 'VMKernelOnly', write: r === 'VMReadWrite', grant: false, grantReply: false };
}

/** The largest permitted frame rights within a rights set. @see l4v validate_vm_rights */
export function validateVMRights(r: CapRights): VMRights {
  return r.read ? (r.write ? 'VMReadWrite' : 'VMReadOnly') : 'VMKernelOnly';
}

/** The rights of a cap that has them; all rights for the others (so masking leaves them). @see l4v cap_rights */
export function capRightsOf(cap: Cap): CapRights {
  switch (cap.kind) {
    case 'EndpointCap':
    case 'NotificationCap':
    case 'ReplyCap':
      return cap.rights;
    case 'FrameCap':
      return vmRightsSet(cap.rights);
    default:
      return ALL_RIGHTS;
  }
}

/**
 * Replaces the rights of a cap: notification caps never hold Grant or GrantReply, reply
 * caps always Write and never Read or GrantReply, frame rights are validated; other caps
 * have no rights. @see l4v cap_rights_update
 */
export function capRightsUpdate(r: CapRights, cap: Cap): Cap {
  switch (cap.kind) {
    case 'EndpointCap':
      return { ...cap, rights: r };
    case 'NotificationCap':
      return { ...cap, rights: { ...r, grant: false, grantReply: false } };
    case 'ReplyCap':
      return { ...cap, rights: { ...r, read: false, grantReply: false, write: true } };
    case 'FrameCap':
      return { ...cap, rights: validateVMRights(r) };
    default:
      return cap;
  }
}

/** Removes the rights not in `r` from a cap. @see l4v mask_cap */
export function maskCapRights(r: CapRights, cap: Cap): Cap {
  return capRightsUpdate(intersectRights(capRightsOf(cap), r), cap);
}

/** Sets the badge of an endpoint or notification cap (28 bits). @see l4v badge_update */
export function badgeUpdate(w: number, cap: Cap): Cap {
  const badge = (w & mask(BADGE_BITS)) >>> 0;
  return cap.kind === 'EndpointCap' || cap.kind === 'NotificationCap' ? { ...cap, badge } : cap;
}

/** The guard size and guard a CNode cap-data word holds. @see l4v update_cnode_cap_data */
export function cnodeCapData(w: number): { readonly guardSize: number; readonly guard: number } {
  return { guardSize: (w >>> 3) & 0x1f, guard: (w >>> 8) & mask(18) };
}

/**
 * Applies a user's cap-data word to a cap (Mint, Mutate, Rotate): an unbadged endpoint or
 * notification cap gets the badge, unless the cap stays in place (`preserve`), where a
 * badge change would break the CDT (null cap); a CNode cap gets a new guard, or the null cap
 * if guard and radix would exceed 32 bits; other caps are unchanged.
 * @see l4v update_cap_data
 */
export function updateCapData(preserve: boolean, w: number, cap: Cap): Cap {
  switch (cap.kind) {
    case 'EndpointCap':
    case 'NotificationCap':
      return cap.badge === 0 && !preserve ? badgeUpdate(w, cap) : { kind: 'NullCap' };
    case 'CNodeCap': {
      const { guardSize, guard } = cnodeCapData(w);
      if (guardSize + cap.bits > 32) return { kind: 'NullCap' };
      return { ...cap, guard: { value: (guard & mask(guardSize)) >>> 0, size: guardSize } };
    }
    default:
      return cap;
  }
}

// ---------------------------------------------------------------------------------------
// Deriving

/**
 * The cap a copy of `cap` (from `slot`) gets: untyped caps only while they have no children
 * (`RevokeFirst`); reply, IRQ-control and zombie caps become null; page tables and page
 * directories only once mapped (`IllegalOperation`); a frame copy is unmapped.
 * @see l4v derive_cap, arch_derive_cap
 */
export function deriveCap(s: KernelState, slot: CSlot, cap: Cap): Result<Cap, SyscallError> {
  return match<Cap, Result<Cap, SyscallError>>(cap)
    .with({ kind: 'UntypedCap' }, (c) => {
      const r = ensureNoChildren(s, slot);
      return r.ok ? ok(c) : r;
    })
    .with({ kind: 'Zombie' }, { kind: 'ReplyCap' }, { kind: 'IRQControlCap' }, () => ok({ kind: 'NullCap' }))
    .with({ kind: 'PageTableCap' }, (c) => (c.mapping === null ? err({ kind: 'IllegalOperation' }) : ok(c)))
    .with({ kind: 'PageDirectoryCap' }, (c) => (c.asid === null ? err({ kind: 'IllegalOperation' }) : ok(c)))
    .with({ kind: 'FrameCap' }, (c) => ok({ ...c, mapping: null }))
    .with(
      { kind: 'NullCap' },
      { kind: 'EndpointCap' },
      { kind: 'NotificationCap' },
      { kind: 'CNodeCap' },
      { kind: 'ThreadCap' },
      { kind: 'DomainCap' },
      { kind: 'IRQHandlerCap' },
      { kind: 'ASIDControlCap' },
      { kind: 'ASIDPoolCap' },
      { kind: 'SGISignalCap' },
      (c) => ok(c),
    )
    .exhaustive();
}

// ---------------------------------------------------------------------------------------
// Regions, objects, revocability

/** Whether a cap refers to physical memory (anything retype can make). @see l4v is_physical */
export function isPhysical(cap: Cap): boolean {
  switch (cap.kind) {
    case 'NullCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'ReplyCap':
    case 'ASIDControlCap':
    case 'SGISignalCap':
      return false;
    default:
      return true;
  }
}

/** The base address of a cap's object or region (l4v `obj_ref_of`); 0 for caps without one. */
export function objRefOf(cap: Cap): number {
  switch (cap.kind) {
    case 'ThreadCap':
    case 'ReplyCap':
      return cap.tcb;
    case 'UntypedCap':
    case 'EndpointCap':
    case 'NotificationCap':
    case 'CNodeCap':
    case 'Zombie':
    case 'ASIDPoolCap':
    case 'FrameCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
      return cap.ptr;
    default:
      return 0;
  }
}

/** log2 of the size of a cap's object or region (l4v `obj_size`); null for caps without one. */
export function objSizeBits(cap: Cap): number | null {
  return match<Cap, number | null>(cap)
    .with({ kind: 'UntypedCap' }, (c) => c.sizeBits)
    .with({ kind: 'EndpointCap' }, () => ENDPOINT_BITS)
    .with({ kind: 'NotificationCap' }, () => NOTIFICATION_BITS)
    .with({ kind: 'CNodeCap' }, (c) => SLOT_BITS + c.bits)
    .with({ kind: 'ThreadCap' }, () => TCB_BITS)
    .with({ kind: 'Zombie' }, (c) => (c.type.kind === 'ZombieTCB' ? TCB_BITS : SLOT_BITS + c.type.bits))
    .with({ kind: 'ASIDPoolCap' }, () => 12)
    .with({ kind: 'FrameCap' }, (c) => PAGE_BITS_FOR_SIZE[c.size])
    .with({ kind: 'PageDirectoryCap' }, () => 14)
    .with({ kind: 'PageTableCap' }, () => 10)
    .with(
      { kind: 'NullCap' },
      { kind: 'ReplyCap' },
      { kind: 'DomainCap' },
      { kind: 'IRQControlCap' },
      { kind: 'IRQHandlerCap' },
      { kind: 'ASIDControlCap' },
      { kind: 'SGISignalCap' },
      () => null,
    )
    .exhaustive();
}

/** The physical range `[base, top]` a cap covers, as 32-bit words (l4v `cap_range`), or null. */
export function capRange(cap: Cap): { readonly base: number; readonly top: number } | null {
  const bits = objSizeBits(cap);
  if (bits === null || !isPhysical(cap)) return null;
  const base = objRefOf(cap);
  return { base, top: (base + 2 ** bits - 1) >>> 0 };
}

/** Whether an untyped region `[r, r + 2^bits)` contains the object of `c` (no wrap). */
function untypedCovers(r: number, bits: number, c: Cap): boolean {
  const sz = objSizeBits(c);
  if (!isPhysical(c) || sz === null) return false;
  const ref = objRefOf(c);
  const top = (ref + 2 ** sz - 1) >>> 0;
  return r <= ref && ref <= top && top <= (r + 2 ** bits - 1) >>> 0;
}

/**
 * Whether `b` is to the same region as `a`, or (for an untyped `a`) to an object inside it:
 * the test for CDT parenthood and for revocation. @see l4v same_region_as, arch_same_region_as
 */
export function sameRegionAs(a: Cap, b: Cap): boolean {
  return match<Cap, boolean>(a)
    .with({ kind: 'NullCap' }, { kind: 'Zombie' }, () => false)
    .with({ kind: 'UntypedCap' }, (c) => untypedCovers(c.ptr, c.sizeBits, b))
    .with({ kind: 'EndpointCap' }, (c) => b.kind === 'EndpointCap' && b.ptr === c.ptr)
    .with({ kind: 'NotificationCap' }, (c) => b.kind === 'NotificationCap' && b.ptr === c.ptr)
    .with({ kind: 'CNodeCap' }, (c) => b.kind === 'CNodeCap' && b.ptr === c.ptr && b.bits === c.bits)
    .with({ kind: 'ReplyCap' }, (c) => b.kind === 'ReplyCap' && b.tcb === c.tcb)
    .with({ kind: 'ThreadCap' }, (c) => b.kind === 'ThreadCap' && b.tcb === c.tcb)
    .with({ kind: 'IRQControlCap' }, () => ['IRQControlCap', 'IRQHandlerCap', 'SGISignalCap'].includes(b.kind))
    .with({ kind: 'DomainCap' }, () => b.kind === 'DomainCap')
    .with({ kind: 'IRQHandlerCap' }, (c) => b.kind === 'IRQHandlerCap' && b.irq === c.irq)
    .with({ kind: 'FrameCap' }, (c) => b.kind === 'FrameCap' && frameContains(c, b))
    .with({ kind: 'PageTableCap' }, (c) => b.kind === 'PageTableCap' && b.ptr === c.ptr)
    .with({ kind: 'PageDirectoryCap' }, (c) => b.kind === 'PageDirectoryCap' && b.ptr === c.ptr)
    .with({ kind: 'ASIDControlCap' }, () => b.kind === 'ASIDControlCap')
    .with({ kind: 'ASIDPoolCap' }, (c) => b.kind === 'ASIDPoolCap' && b.ptr === c.ptr)
    .with({ kind: 'SGISignalCap' }, (c) => b.kind === 'SGISignalCap' && b.irq === c.irq && b.target === c.target)
    .exhaustive();
}

function frameContains(a: { ptr: number; size: keyof typeof PAGE_BITS_FOR_SIZE }, b: typeof a): boolean {
  const topA = (a.ptr + 2 ** PAGE_BITS_FOR_SIZE[a.size] - 1) >>> 0;
  const topB = (b.ptr + 2 ** PAGE_BITS_FOR_SIZE[b.size] - 1) >>> 0;
  return a.ptr <= b.ptr && topA >= topB && b.ptr <= topB;
}

/**
 * Whether two caps are to the same object (not merely the same region): never for untyped,
 * IRQ-control and SGI caps; frames must agree on device flag, address and size.
 * @see l4v same_object_as, same_aobject_as
 */
export function sameObjectAs(a: Cap, b: Cap): boolean {
  if (a.kind === 'UntypedCap' || a.kind === 'IRQControlCap' || a.kind === 'SGISignalCap') return false;
  if (a.kind === 'FrameCap' && b.kind === 'FrameCap') {
    const top = a.ptr + 2 ** PAGE_BITS_FOR_SIZE[a.size] - 1;
    return a.isDevice === b.isDevice && a.ptr === b.ptr && a.size === b.size && top <= 0xffffffff;
  }
  return sameRegionAs(a, b);
}

/** The badge of an endpoint or notification cap (l4v `cap_ep_badge`). */
function capBadge(cap: Cap): number {
  if (cap.kind !== 'EndpointCap' && cap.kind !== 'NotificationCap') throw new KernelPanic(`cap_ep_badge of ${cap.kind}`);
  return cap.badge;
}

/**
 * Whether a cap inserted from `src` becomes an original (revocable) cap: a newly badged
 * endpoint or notification cap, an IRQ handler or SGI cap made from IRQ control, any untyped
 * cap. @see l4v is_cap_revocable, arch_is_cap_revocable
 */
export function isCapRevocable(newCap: Cap, src: Cap): boolean {
  switch (newCap.kind) {
    case 'EndpointCap':
    case 'NotificationCap':
      return newCap.badge !== capBadge(src);
    case 'IRQHandlerCap':
    case 'SGISignalCap':
      return src.kind === 'IRQControlCap';
    case 'UntypedCap':
      return true;
    default:
      return false;
  }
}

/**
 * Whether the cap `c` (original or not) should be the CDT parent of a new cap `c2`: an
 * original cap of the same region; a badged endpoint or notification cap only of non-original
 * caps with its badge. @see l4v should_be_parent_of
 */
export function shouldBeParentOf(c: Cap, original: boolean, c2: Cap, original2: boolean): boolean {
  if (!original || !sameRegionAs(c, c2)) return false;
  switch (c.kind) {
    case 'EndpointCap':
    case 'NotificationCap':
      return c.badge === 0 || (capBadge(c2) === c.badge && !original2);
    case 'SGISignalCap':
      return !original2;
    default:
      return true;
  }
}

/** Whether a cap may cancel badged sends: an endpoint cap with all rights. @see l4v has_cancel_send_rights */
export function hasCancelSendRights(cap: Cap): boolean {
  return cap.kind === 'EndpointCap' && cap.rights.read && cap.rights.write && cap.rights.grant && cap.rights.grantReply;
}

/** Whether deleting the final cap of this kind takes a long-running operation. @see l4v long_running_delete */
export function longRunningDelete(cap: Cap): boolean {
  return cap.kind === 'CNodeCap' || cap.kind === 'Zombie' || cap.kind === 'ThreadCap';
}

// ---------------------------------------------------------------------------------------
// Finalisation

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
 * ASID pool or a page directory with an ASID, unregister the ASIDs.
 * @see l4v finalise_cap, arch_finalise_cap
 */
export function finaliseCap(s: KernelState, cap: Cap, final: boolean): Finalised {
  return match<Cap, Finalised>(cap)
    .with({ kind: 'NullCap' }, { kind: 'UntypedCap' }, { kind: 'ReplyCap' }, { kind: 'DomainCap' }, () => done(s))
    .with({ kind: 'IRQControlCap' }, { kind: 'ASIDControlCap' }, { kind: 'SGISignalCap' }, () => done(s))
    .with({ kind: 'EndpointCap' }, (c) => done(final ? cancelAllIPC(s, c.ptr) : s))
    .with({ kind: 'NotificationCap' }, (c) =>
      done(final ? cancelAllSignals(unbindMaybeNotification(s, c.ptr), c.ptr) : s),
    )
    .with({ kind: 'CNodeCap' }, (c) =>
      done(s, final ? { kind: 'Zombie', ptr: c.ptr, type: { kind: 'ZombieCNode', bits: c.bits }, number: 2 ** c.bits } : NULL),
    )
    .with({ kind: 'ThreadCap' }, (c) =>
      final
        ? done(suspend(unbindNotification(s, c.tcb), c.tcb), { kind: 'Zombie', ptr: c.tcb, type: { kind: 'ZombieTCB' }, number: 5 })
        : done(s),
    )
    .with({ kind: 'Zombie' }, (c) => {
      if (!final) throw new KernelPanic('finalise_cap: a Zombie that is not final');
      return done(s, c);
    })
    .with({ kind: 'IRQHandlerCap' }, (c) => (final ? done(deletingIRQHandler(s, c.irq), NULL, c) : done(s)))
    .with({ kind: 'ASIDPoolCap' }, (c) => done(final ? deleteASIDPool(s, c.asidBase, c.ptr) : s))
    .with({ kind: 'PageDirectoryCap' }, (c) => done(final && c.asid !== null ? deleteASID(s, c.asid, c.ptr) : s))
    .with({ kind: 'PageTableCap' }, (c) => {
      if (final && c.mapping !== null) throw new NotModelledYet('unmap_page_table');
      return done(s);
    })
    .with({ kind: 'FrameCap' }, (c) => {
      if (c.mapping !== null) throw new NotModelledYet('unmap_page');
      return done(s);
    })
    .exhaustive();
}

/** The number of index bits of the slots a Zombie stands for (3 for a TCB). @see l4v zombie_cte_bits */
export function zombieCTEBits(cap: Extract<Cap, { kind: 'Zombie' }>): number {
  return cap.type.kind === 'ZombieTCB' ? 3 : cap.type.bits;
}

/** The first slot of the CNode or TCB a cap refers to. @see l4v first_cslot_of */
export function firstCSlotOf(cap: Cap): CSlot {
  switch (cap.kind) {
    case 'ThreadCap':
      return { obj: cap.tcb, index: 0 };
    case 'CNodeCap':
    case 'Zombie':
      return { obj: cap.ptr, index: 0 };
    default:
      throw new KernelPanic(`first_cslot_of ${cap.kind}`);
  }
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
