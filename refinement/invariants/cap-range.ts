/**
 * What a capability covers, as the invariants of l4v measure it (`Invariants_AI.thy`,
 * `Structures_A.thy`): the objects it names (`obj_refs`), the memory an untyped cap spans
 * (`untyped_range`, `usable_untyped_range`), the bits it is aligned to (`cap_bits`), its
 * class (`cap_class`) and the slots it gives access to (`cte_refs`). Written independently
 * of the spec's own helpers, so that a bug there cannot hide itself here.
 *
 * @module
 */
import { SLOT_BITS, TCB_BITS, ENDPOINT_BITS, NOTIFICATION_BITS, PAGE_TABLE_BITS, PAGE_DIR_BITS, ASID_POOL_BITS } from '../../abi/config.js';
import { PAGE_BITS_FOR_SIZE, type Cap } from '../../spec/state/cap.js';
import type { KernelObject } from '../../spec/state/object.js';

/** An inclusive address range `[lo, hi]`; `hi < lo` means empty. */
export interface Range {
  /** First address. */
  readonly lo: number;
  /** Last address (inclusive). */
  readonly hi: number;
}

/** The empty range. */
export const EMPTY_RANGE: Range = { lo: 1, hi: 0 };

/** Whether a range is empty. */
export function isEmpty(r: Range): boolean {
  return r.hi < r.lo;
}

/** Whether `inner` lies inside `outer` (the empty range lies inside everything). */
export function within(inner: Range, outer: Range): boolean {
  return isEmpty(inner) || (!isEmpty(outer) && inner.lo >= outer.lo && inner.hi <= outer.hi);
}

/** Whether two ranges share an address. */
export function overlaps(a: Range, b: Range): boolean {
  return !isEmpty(a) && !isEmpty(b) && a.lo <= b.hi && b.lo <= a.hi;
}

/** log2 of an object's size in bytes (l4v `obj_bits`). */
export function objBits(o: KernelObject): number {
  switch (o.kind) {
    case 'CNode':
      return o.bits + SLOT_BITS;
    case 'TCB':
      return TCB_BITS;
    case 'Endpoint':
      return ENDPOINT_BITS;
    case 'Notification':
      return NOTIFICATION_BITS;
    case 'ASIDPool':
      return ASID_POOL_BITS;
    case 'PageTable':
      return PAGE_TABLE_BITS;
    case 'PageDirectory':
      return PAGE_DIR_BITS;
    case 'DataPage':
      return PAGE_BITS_FOR_SIZE[o.size];
  }
}

/** The bytes an object at `addr` occupies (l4v `obj_range`). */
export function objRange(addr: number, o: KernelObject): Range {
  return { lo: addr, hi: addr + 2 ** objBits(o) - 1 };
}

/** The address a cap names, or undefined for caps that name none (l4v `obj_ref_of`). */
export function capPtr(c: Cap): number | undefined {
  switch (c.kind) {
    case 'UntypedCap':
    case 'EndpointCap':
    case 'NotificationCap':
    case 'CNodeCap':
    case 'Zombie':
    case 'ASIDPoolCap':
    case 'FrameCap':
    case 'PageTableCap':
    case 'PageDirectoryCap':
      return c.ptr;
    case 'ThreadCap':
    case 'ReplyCap':
      return c.tcb;
    default:
      return undefined;
  }
}

/** log2 of the size of what a cap names (l4v `cap_bits`); 0 for caps that name nothing. */
export function capBits(c: Cap): number {
  switch (c.kind) {
    case 'UntypedCap':
      return c.sizeBits;
    case 'EndpointCap':
      return ENDPOINT_BITS;
    case 'NotificationCap':
      return NOTIFICATION_BITS;
    case 'CNodeCap':
      return SLOT_BITS + c.bits;
    case 'ThreadCap':
    case 'ReplyCap':
      return TCB_BITS;
    case 'Zombie':
      return c.type.kind === 'ZombieTCB' ? TCB_BITS : SLOT_BITS + c.type.bits;
    case 'ASIDPoolCap':
      return ASID_POOL_BITS;
    case 'FrameCap':
      return PAGE_BITS_FOR_SIZE[c.size];
    case 'PageTableCap':
      return PAGE_TABLE_BITS;
    case 'PageDirectoryCap':
      return PAGE_DIR_BITS;
    default:
      return 0;
  }
}

/**
 * The object a cap refers to, if any (l4v `obj_refs`, a set of at most one address).
 * Untyped and reply caps refer to no object in this sense.
 */
export function objRef(c: Cap): number | undefined {
  switch (c.kind) {
    case 'UntypedCap':
    case 'ReplyCap':
      return undefined;
    default:
      return capPtr(c);
  }
}

/** The memory an untyped cap spans (l4v `untyped_range`); empty for other caps. */
export function untypedRange(c: Cap): Range {
  if (c.kind !== 'UntypedCap') return EMPTY_RANGE;
  return { lo: c.ptr, hi: c.ptr + 2 ** c.sizeBits - 1 };
}

/** The part of an untyped not yet handed out (l4v `usable_untyped_range`). */
export function usableUntypedRange(c: Cap): Range {
  if (c.kind !== 'UntypedCap' || c.freeIndex >= 2 ** c.sizeBits) return EMPTY_RANGE;
  return { lo: c.ptr + c.freeIndex, hi: c.ptr + 2 ** c.sizeBits - 1 };
}

/** `cap_range`: the untyped range, or the single address the cap refers to. */
export function capRange(c: Cap): Range {
  if (c.kind === 'UntypedCap') return untypedRange(c);
  const r = objRef(c);
  return r === undefined ? EMPTY_RANGE : { lo: r, hi: r };
}

/**
 * `cap_class`: caps in one CDT subtree have the same class. Physical caps name memory;
 * reply caps are classed by their thread; everything else is "other".
 */
export function capClass(c: Cap): string {
  switch (c.kind) {
    case 'NullCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'IRQHandlerCap':
    case 'ASIDControlCap':
    case 'SGISignalCap':
      return 'OtherCapClass';
    case 'ReplyCap':
      return `ReplyClass ${c.tcb.toString(16)}`;
    default:
      return 'PhysicalClass';
  }
}

/** Whether a cap covers device memory (l4v `cap_is_device`). */
export function capIsDevice(c: Cap): boolean {
  return (c.kind === 'UntypedCap' || c.kind === 'FrameCap') && c.isDevice;
}
