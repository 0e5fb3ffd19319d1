/**
 * Capability slots (l4v `cslot_ptr`): an object and an index into it. A CNode's slot `i` and
 * a TCB's cap slot `i` both live at `obj + i * 16` in the C kernel (`cte_map`), and that
 * address is the key the CDT maps use.
 *
 * @module
 */
import { SLOT_BITS } from '../../abi/config.js';

/** A capability slot: slot `index` of the CNode or TCB at `obj`. */
export interface CSlot {
  /** Address of the CNode or TCB holding the slot. */
  readonly obj: number;
  /** Index of the slot within it. */
  readonly index: number;
}

/** The slot `index` of object `obj`. */
export function cslot(obj: number, index: number): CSlot {
  return { obj, index };
}

/** The CTE address of a slot (l4v `cte_map`), unique while objects do not overlap. */
export function slotKey(slot: CSlot): number {
  return slot.obj + index16(slot.index);
}

const SLOT_SIZE = 2 ** SLOT_BITS;

function index16(index: number): number {
  return index * SLOT_SIZE;
}

/** Whether two slots are the same slot. */
export function sameSlot(a: CSlot, b: CSlot): boolean {
  return a.obj === b.obj && a.index === b.index;
}

/** `obj:index` in hex, for traces. */
export function showSlot(slot: CSlot): string {
  return `0x${slot.obj.toString(16)}[${slot.index}]`;
}
