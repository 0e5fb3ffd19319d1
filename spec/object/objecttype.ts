/**
 * The rules that depend on the kind of a capability (l4v `CSpace_A.thy` `derive_cap`,
 * `update_cap_data`, `same_region_as`, `same_object_as`, `is_cap_revocable`,
 * `should_be_parent_of`, `finalise_cap`; `Structures_A.thy` rights and badge updates;
 * `ARM/ArchCSpace_A.thy` and `ARM/ArchVSpace_A.thy` for the arch caps; Haskell
 * `SEL4/Object/ObjectType.lhs`; manual §3.1 "Capability Spaces").
 *
 * Branches on the cap kind are ts-pattern's `match(...).exhaustive()`, except in the rules
 * that run on every cap copy or insert (rights, `deriveCap`, `updateCapData`, `sameRegionAs`,
 * `isCapRevocable`, `shouldBeParentOf`): there a `match` costs 2–7 µs a call, several
 * percent of a spec kernel entry each, so they are `switch` statements that list every kind
 * and end in a `never` guard. Either way a new cap kind breaks the build here.
 *
 * @module
 */
import { match, P } from 'ts-pattern';
import { BADGE_BITS, ENDPOINT_BITS, NOTIFICATION_BITS, SLOT_BITS, TCB_BITS } from '../../abi/config.js';
import { mask } from '../../hardware/word.js';
import { ALL_RIGHTS, NULL_CAP, PAGE_BITS_FOR_SIZE, type Cap, type CapRights, type VMRights } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { ensureNoChildren } from '../kernel/cdt.js';
import { err, ok, type Result } from '../kernel/monad.js';
import { KernelPanic } from '../kernel/panic.js';

export { genObjRefs, isFinalCap, objRefs } from '../kernel/empty-slot.js';
export {
  capCyclicZombie,
  capRemoveable,
  deletingIRQHandler,
  finaliseCap,
  firstCSlotOf,
  zombieCTEBits,
  type Finalised,
} from './objecttype/finalise.js';

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
  // A switch, not ts-pattern: this runs on every cap copy and move (hot path).
  switch (cap.kind) {
    case 'EndpointCap':
    case 'NotificationCap':
    case 'ReplyCap':
      return cap.rights;
    case 'FrameCap':
      return vmRightsSet(cap.rights);
    case 'NullCap':
    case 'UntypedCap':
    case 'CNodeCap':
    case 'ThreadCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'Zombie':
    case 'ASIDControlCap':
    case 'ASIDPoolCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
    case 'SGISignalCap':
      return ALL_RIGHTS;
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
  }
}

/**
 * Replaces the rights of a cap: notification caps never hold Grant or GrantReply, reply
 * caps always Write and never Read or GrantReply, frame rights are validated; other caps
 * have no rights. @see l4v cap_rights_update
 */
export function capRightsUpdate(r: CapRights, cap: Cap): Cap {
  // A switch, not ts-pattern: this runs on every cap copy and move (hot path).
  switch (cap.kind) {
    case 'EndpointCap':
      return { ...cap, rights: r };
    case 'NotificationCap':
      return { ...cap, rights: { ...r, grant: false, grantReply: false } };
    case 'ReplyCap':
      return { ...cap, rights: { ...r, read: false, grantReply: false, write: true } };
    case 'FrameCap':
      return { ...cap, rights: validateVMRights(r) };
    case 'NullCap':
    case 'UntypedCap':
    case 'CNodeCap':
    case 'ThreadCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'Zombie':
    case 'ASIDControlCap':
    case 'ASIDPoolCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
    case 'SGISignalCap':
      return cap;
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
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
      return cap.badge === 0 && !preserve ? badgeUpdate(w, cap) : NULL_CAP;
    case 'CNodeCap': {
      const { guardSize, guard } = cnodeCapData(w);
      if (guardSize + cap.bits > 32) return NULL_CAP;
      return { ...cap, guard: { value: (guard & mask(guardSize)) >>> 0, size: guardSize } };
    }
    case 'NullCap':
    case 'UntypedCap':
    case 'ReplyCap':
    case 'ThreadCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'Zombie':
    case 'ASIDControlCap':
    case 'ASIDPoolCap':
    case 'FrameCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
    case 'SGISignalCap':
      return cap;
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
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
  // A switch, not ts-pattern: this runs on every cap copy (hot path).
  switch (cap.kind) {
    case 'UntypedCap': {
      const r = ensureNoChildren(s, slot);
      return r.ok ? ok(cap) : r;
    }
    case 'Zombie':
    case 'ReplyCap':
    case 'IRQControlCap':
      return ok({ kind: 'NullCap' });
    case 'PageTableCap':
      return cap.mapping === null ? err({ kind: 'IllegalOperation' }) : ok(cap);
    case 'PageDirectoryCap':
      return cap.asid === null ? err({ kind: 'IllegalOperation' }) : ok(cap);
    case 'FrameCap':
      return ok({ ...cap, mapping: null });
    case 'NullCap':
    case 'EndpointCap':
    case 'NotificationCap':
    case 'CNodeCap':
    case 'ThreadCap':
    case 'DomainCap':
    case 'IRQHandlerCap':
    case 'ASIDControlCap':
    case 'ASIDPoolCap':
    case 'SGISignalCap':
      return ok(cap);
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Regions, objects, revocability

/** Whether a cap refers to physical memory (anything retype can make). @see l4v is_physical */
export function isPhysical(cap: Cap): boolean {
  return match(cap)
    .with({
      kind: P.union('NullCap', 'DomainCap', 'IRQControlCap', 'IRQHandlerCap', 'ReplyCap', 'ASIDControlCap', 'SGISignalCap'),
    }, () => false)
    .with({
      kind: P.union(
        'UntypedCap', 'EndpointCap', 'NotificationCap', 'CNodeCap', 'ThreadCap', 'Zombie', 'ASIDPoolCap', 'FrameCap',
        'PageTableCap', 'PageDirectoryCap',
      ),
    }, () => true)
    .exhaustive();
}

/** The base address of a cap's object or region (l4v `obj_ref_of`); 0 for caps without one. */
export function objRefOf(cap: Cap): number {
  return match(cap)
    .with({ kind: P.union('ThreadCap', 'ReplyCap') }, (cap) => cap.tcb)
    .with({
      kind: P.union(
        'UntypedCap', 'EndpointCap', 'NotificationCap', 'CNodeCap', 'Zombie', 'ASIDPoolCap', 'FrameCap', 'PageTableCap',
        'PageDirectoryCap',
      ),
    }, (cap) => cap.ptr)
    .with({ kind: P.union('NullCap', 'DomainCap', 'IRQControlCap', 'IRQHandlerCap', 'ASIDControlCap', 'SGISignalCap') }, () => 0)
    .exhaustive();
}

/** log2 of the size of a cap's object or region (l4v `obj_size`); null for caps without one. */
export function objSizeBits(cap: Cap): number | null {
  return match(cap)
    .returnType<number | null>()
    .with({ kind: 'UntypedCap' }, (cap) => cap.sizeBits)
    .with({ kind: 'EndpointCap' }, () => ENDPOINT_BITS)
    .with({ kind: 'NotificationCap' }, () => NOTIFICATION_BITS)
    .with({ kind: 'CNodeCap' }, (cap) => SLOT_BITS + cap.bits)
    .with({ kind: 'ThreadCap' }, () => TCB_BITS)
    .with({ kind: 'Zombie' }, (cap) => (cap.type.kind === 'ZombieTCB' ? TCB_BITS : SLOT_BITS + cap.type.bits))
    .with({ kind: 'ASIDPoolCap' }, () => 12)
    .with({ kind: 'FrameCap' }, (cap) => PAGE_BITS_FOR_SIZE[cap.size])
    .with({ kind: 'PageDirectoryCap' }, () => 14)
    .with({ kind: 'PageTableCap' }, () => 10)
    .with({
      kind: P.union('NullCap', 'ReplyCap', 'DomainCap', 'IRQControlCap', 'IRQHandlerCap', 'ASIDControlCap', 'SGISignalCap'),
    }, () => null)
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
  // A switch, not ts-pattern: this runs on every cap insert (hot path).
  switch (a.kind) {
    case 'NullCap':
    case 'Zombie':
      return false;
    case 'UntypedCap':
      return untypedCovers(a.ptr, a.sizeBits, b);
    case 'EndpointCap':
      return b.kind === 'EndpointCap' && b.ptr === a.ptr;
    case 'NotificationCap':
      return b.kind === 'NotificationCap' && b.ptr === a.ptr;
    case 'CNodeCap':
      return b.kind === 'CNodeCap' && b.ptr === a.ptr && b.bits === a.bits;
    case 'ReplyCap':
      return b.kind === 'ReplyCap' && b.tcb === a.tcb;
    case 'ThreadCap':
      return b.kind === 'ThreadCap' && b.tcb === a.tcb;
    case 'IRQControlCap':
      return b.kind === 'IRQControlCap' || b.kind === 'IRQHandlerCap' || b.kind === 'SGISignalCap';
    case 'DomainCap':
      return b.kind === 'DomainCap';
    case 'IRQHandlerCap':
      return b.kind === 'IRQHandlerCap' && b.irq === a.irq;
    case 'FrameCap':
      return b.kind === 'FrameCap' && frameContains(a, b);
    case 'PageTableCap':
      return b.kind === 'PageTableCap' && b.ptr === a.ptr;
    case 'PageDirectoryCap':
      return b.kind === 'PageDirectoryCap' && b.ptr === a.ptr;
    case 'ASIDControlCap':
      return b.kind === 'ASIDControlCap';
    case 'ASIDPoolCap':
      return b.kind === 'ASIDPoolCap' && b.ptr === a.ptr;
    case 'SGISignalCap':
      return b.kind === 'SGISignalCap' && b.irq === a.irq && b.target === a.target;
    default: {
      const _exhaustive: never = a;
      return _exhaustive;
    }
  }
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
  // A switch, not ts-pattern: this runs on every cap insert (hot path).
  switch (newCap.kind) {
    case 'EndpointCap':
    case 'NotificationCap':
      return newCap.badge !== capBadge(src);
    case 'IRQHandlerCap':
    case 'SGISignalCap':
      return src.kind === 'IRQControlCap';
    case 'UntypedCap':
      return true;
    case 'NullCap':
    case 'ReplyCap':
    case 'CNodeCap':
    case 'ThreadCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'Zombie':
    case 'ASIDControlCap':
    case 'ASIDPoolCap':
    case 'FrameCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
      return false;
    default: {
      const _exhaustive: never = newCap;
      return _exhaustive;
    }
  }
}

/**
 * Whether the cap `c` (original or not) should be the CDT parent of a new cap `c2`: an
 * original cap of the same region; a badged endpoint or notification cap only of non-original
 * caps with its badge. @see l4v should_be_parent_of
 */
export function shouldBeParentOf(c: Cap, original: boolean, c2: Cap, original2: boolean): boolean {
  if (!original || !sameRegionAs(c, c2)) return false;
  // A switch, not ts-pattern: this runs on every cap insert (hot path).
  switch (c.kind) {
    case 'EndpointCap':
    case 'NotificationCap':
      return c.badge === 0 || (capBadge(c2) === c.badge && !original2);
    case 'SGISignalCap':
      return !original2;
    case 'NullCap':
    case 'UntypedCap':
    case 'ReplyCap':
    case 'CNodeCap':
    case 'ThreadCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'Zombie':
    case 'ASIDControlCap':
    case 'ASIDPoolCap':
    case 'FrameCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
      return true;
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
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
