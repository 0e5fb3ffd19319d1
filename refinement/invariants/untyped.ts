/**
 * The untyped-memory invariants (l4v `untyped_mdb`, `untyped_inc`, and the "usable range"
 * half of `valid_untyped`; `Invariants_AI.thy`).
 *
 * @module
 */
import type { KernelState } from '../../spec/state/kernel-state.js';
import { isEmpty, objRange, objRef, overlaps, untypedRange, usableUntypedRange, type Range } from './cap-range.js';
import { indexOf, isDescendant, lastAtOrBelow, showSlotKey, untypedsContaining, type StateIndex } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

/**
 * `untyped_mdb`: a cap to an object inside an untyped's range sits in a CDT descendant of
 * that untyped's slot.
 */
export const untypedMdb: Invariant = {
  name: 'untyped_mdb',
  family: 'untyped',
  summary: 'caps to objects inside an untyped are CDT descendants of it',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const c of ix.caps) {
      const r = objRef(c.cap);
      if (r === undefined) continue;
      for (const u of untypedsContaining(ix, r)) {
        if (!isDescendant(s, c.key, u.key)) {
          out.push(violation('untyped_mdb', showSlotKey(ix, c.key), `${c.cap.kind} to 0x${r.toString(16)} is not a descendant of the untyped at ${showSlotKey(ix, u.key)}`));
        }
      }
    }
    return out;
  },
};

/**
 * `untyped_inc`: untyped ranges are nested or disjoint; a strictly smaller one is a CDT
 * descendant of the larger and lies outside the larger's usable part; equal ones are the same
 * slot, or one descends from the other whose usable part is empty.
 */
export const untypedInc: Invariant = {
  name: 'untyped_inc',
  family: 'untyped',
  summary: 'untyped ranges nest along the CDT and never overlap free memory of an ancestor',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const c of ix.caps) {
      if (c.cap.kind !== 'UntypedCap') continue;
      const r = untypedRange(c.cap);
      for (const u of untypedsContaining(ix, c.cap.ptr, c.cap.sizeBits)) {
        if (u.key === c.key || u.cap.kind !== 'UntypedCap') continue;
        const problem =
          u.cap.sizeBits > c.cap.sizeBits
            ? strictlyInside(s, c.key, r, u.key, usableUntypedRange(u.cap))
            : sameRange(s, c.key, usableUntypedRange(c.cap), u.key, usableUntypedRange(u.cap));
        if (problem !== undefined) out.push(violation('untyped_inc', showSlotKey(ix, c.key), `${problem} (other untyped at ${showSlotKey(ix, u.key)})`));
      }
    }
    return out;
  },
};

function strictlyInside(s: KernelState, inner: number, innerRange: Range, outer: number, outerUsable: Range): string | undefined {
  if (!isDescendant(s, inner, outer)) return 'a smaller untyped inside another is not its descendant';
  if (overlaps(innerRange, outerUsable)) return 'a smaller untyped overlaps the free part of an untyped containing it';
  return undefined;
}

function sameRange(s: KernelState, a: number, aUsable: Range, b: number, bUsable: Range): string | undefined {
  if (isDescendant(s, b, a) && isEmpty(aUsable)) return undefined;
  if (isDescendant(s, a, b) && isEmpty(bUsable)) return undefined;
  return 'two untyped caps to one range, neither a descendant of the other with no free space left';
}

/**
 * The untyped free index covers every object inside it: an object within an untyped's range
 * lies below `base + freeIndex` (the usable half of l4v `valid_untyped`). Objects do not
 * overlap, so only the object reaching into the usable range from below and the first one
 * starting inside it need a look.
 */
export const untypedFreeIndex: Invariant = {
  name: 'untyped_free_index',
  family: 'untyped',
  summary: "every object inside an untyped lies below the untyped's free index",
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const c of ix.caps) {
      if (c.cap.kind !== 'UntypedCap') continue;
      const usable = usableUntypedRange(c.cap);
      if (isEmpty(usable)) continue;
      const addr = objectInRange(ix, usable);
      if (addr !== undefined) {
        out.push(violation('untyped_free_index', showSlotKey(ix, c.key), `object 0x${addr.toString(16)} lies in the free part from 0x${usable.lo.toString(16)}`));
      }
    }
    return out;
  },
};

function objectInRange(ix: StateIndex, r: Range): number | undefined {
  const before = ix.objects[lastAtOrBelow(ix.objects, r.lo - 1)];
  if (before !== undefined && overlaps(objRange(before.addr, before.obj), r)) return before.addr;
  const first = ix.objects[lastAtOrBelow(ix.objects, r.hi)];
  if (first !== undefined && first.addr >= r.lo) return first.addr;
  return undefined;
}
