/**
 * Views of one spec state that several invariants share, built once per state: every
 * non-null cap with its slot (l4v `caps_of_state`), the objects sorted by address, the
 * untyped caps by base address, and CDT queries (`descendants_of`).
 *
 * @module
 */
import { TCB_CNODE_ENTRIES, MIN_UNTYPED_BITS, MAX_UNTYPED_BITS } from '../../abi/config.js';
import type { Cap } from '../../spec/state/cap.js';
import { slotKey, type CSlot } from '../../spec/state/cslot.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { KernelObject, TCB } from '../../spec/state/object.js';
import { objBits } from './cap-range.js';

/** A non-null cap in its slot. */
export interface SlotCap {
  /** The slot. */
  readonly slot: CSlot;
  /** `slotKey(slot)`. */
  readonly key: number;
  /** The cap (never NullCap). */
  readonly cap: Cap;
}

/** An object with its address and size. */
export interface PlacedObject {
  /** Its address. */
  readonly addr: number;
  /** log2 of its size. */
  readonly bits: number;
  /** The object. */
  readonly obj: KernelObject;
}

/** A TCB with its address. */
export interface PlacedTCB {
  /** Its address. */
  readonly addr: number;
  /** The TCB. */
  readonly tcb: TCB;
}

/** The shared views of one state. */
export interface StateIndex {
  /** The state indexed. */
  readonly state: KernelState;
  /** Every non-null cap, CNodes first in address order, TCB slots in order. */
  readonly caps: readonly SlotCap[];
  /** The non-null cap at each slot key. */
  readonly capAt: ReadonlyMap<number, SlotCap>;
  /** Objects in ascending address order. */
  readonly objects: readonly PlacedObject[];
  /** Untyped caps by base address. */
  readonly untypedsByBase: ReadonlyMap<number, readonly SlotCap[]>;
  /** The TCBs in ascending address order. */
  readonly tcbs: readonly PlacedTCB[];
}

const cache = new WeakMap<KernelState, StateIndex>();

/** The index of `s` (built on first use, then kept while `s` lives). */
export function indexOf(s: KernelState): StateIndex {
  const hit = cache.get(s);
  if (hit !== undefined) return hit;
  const built = build(s);
  cache.set(s, built);
  return built;
}

function build(s: KernelState): StateIndex {
  const caps: SlotCap[] = [];
  const objects: PlacedObject[] = [];
  s.kheap.forEach((obj, addr) => {
    objects.push({ addr, bits: objBits(obj), obj });
    if (obj.kind === 'CNode') {
      obj.slots.forEach((cap, index) => {
        if (cap.kind !== 'NullCap') caps.push(slotCap({ obj: addr, index }, cap));
      });
    } else if (obj.kind === 'TCB') {
      obj.caps.forEach((cap, index) => {
        if (cap.kind !== 'NullCap') caps.push(slotCap({ obj: addr, index }, cap));
      });
    }
  });
  objects.sort((a, b) => a.addr - b.addr);
  caps.sort((a, b) => a.key - b.key);
  const capAt = new Map<number, SlotCap>();
  const untypedsByBase = new Map<number, SlotCap[]>();
  const tcbs: PlacedTCB[] = [];
  for (const o of objects) if (o.obj.kind === 'TCB') tcbs.push({ addr: o.addr, tcb: o.obj });
  for (const c of caps) {
    capAt.set(c.key, c);
    if (c.cap.kind === 'UntypedCap') {
      const list = untypedsByBase.get(c.cap.ptr) ?? [];
      list.push(c);
      untypedsByBase.set(c.cap.ptr, list);
    }
  }
  return { state: s, caps, capAt, objects, untypedsByBase, tcbs };
}

function slotCap(slot: CSlot, cap: Cap): SlotCap {
  return { slot, key: slotKey(slot), cap };
}

/** Whether a slot exists: a CNode slot within its radix or one of a TCB's five slots. */
export function slotExists(s: KernelState, slot: CSlot): boolean {
  const o = s.kheap.get(slot.obj);
  if (o === undefined || !Number.isInteger(slot.index) || slot.index < 0) return false;
  if (o.kind === 'CNode') return slot.index < 2 ** o.bits;
  if (o.kind === 'TCB') return slot.index < TCB_CNODE_ENTRIES;
  return false;
}

/** The cap in a slot (NullCap for an empty slot), or undefined when the slot does not exist. */
export function capInSlot(s: KernelState, slot: CSlot): Cap | undefined {
  if (!slotExists(s, slot)) return undefined;
  const o = s.kheap.get(slot.obj)!;
  if (o.kind === 'CNode') return o.slots.get(slot.index) ?? { kind: 'NullCap' };
  if (o.kind === 'TCB') return o.caps[slot.index];
  return undefined;
}

/** The object whose bytes contain `addr` (objects are assumed not to overlap). */
export function objectContaining(ix: StateIndex, addr: number): PlacedObject | undefined {
  const i = lastAtOrBelow(ix.objects, addr);
  if (i < 0) return undefined;
  const o = ix.objects[i]!;
  return addr < o.addr + 2 ** o.bits ? o : undefined;
}

/** The index of the last object whose address is at most `addr`, or -1. */
export function lastAtOrBelow(objects: readonly PlacedObject[], addr: number): number {
  let lo = 0;
  let hi = objects.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (objects[mid]!.addr <= addr) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The slot a CDT key names, if a slot with that key exists. */
export function slotOfKey(ix: StateIndex, key: number): CSlot | undefined {
  const known = ix.capAt.get(key);
  if (known !== undefined) return known.slot;
  const o = objectContaining(ix, key);
  if (o === undefined || (key - o.addr) % 16 !== 0) return undefined;
  const slot = { obj: o.addr, index: (key - o.addr) / 16 };
  return slotExists(ix.state, slot) ? slot : undefined;
}

/**
 * Whether `child` is a strict CDT descendant of `ancestor` (l4v `descendants_of`), by slot
 * keys. The walk up the parent map stops on a cycle (which `no_mloop` reports).
 */
export function isDescendant(s: KernelState, child: number, ancestor: number): boolean {
  const seen = new Set<number>();
  let k = child;
  for (;;) {
    const parent = s.cdt.get(k);
    if (parent === undefined) return false;
    const pk = slotKey(parent);
    if (pk === ancestor) return true;
    if (seen.has(pk)) return false;
    seen.add(pk);
    k = pk;
  }
}

/**
 * The untyped caps whose range contains `addr`: untyped ranges are naturally aligned powers
 * of two (`cap_aligned`), so each candidate size has exactly one possible base.
 */
export function untypedsContaining(ix: StateIndex, addr: number, minBits = MIN_UNTYPED_BITS): SlotCap[] {
  const out: SlotCap[] = [];
  for (let bits = minBits; bits <= MAX_UNTYPED_BITS; bits++) {
    const size = 2 ** bits;
    const base = Math.floor(addr / size) * size;
    for (const u of ix.untypedsByBase.get(base) ?? []) {
      if (u.cap.kind === 'UntypedCap' && u.cap.sizeBits === bits) out.push(u);
    }
  }
  return out;
}

/** `0x10020000[5]`: a slot as traces print it. */
export function showSlotKey(ix: StateIndex, key: number): string {
  const slot = slotOfKey(ix, key);
  return slot === undefined ? `slot key 0x${key.toString(16)}` : `slot 0x${slot.obj.toString(16)}[${slot.index}]`;
}

/** `object 0x10020000`. */
export function showObject(addr: number): string {
  return `object 0x${addr.toString(16)}`;
}
