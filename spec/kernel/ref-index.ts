/**
 * What caps refer to (l4v `obj_refs`, `gen_obj_refs`), and a count of the slots holding a
 * cap to each reference, which makes `is_final_cap` cost O(log n) instead of a scan of the
 * whole heap.
 *
 * The count is derived data, never part of the state: it is memoised per heap value (a
 * symbol-keyed property of the persistent `kheap` map, see `counts` below). Writes through
 * `setObject`/`setCap` carry it over to the new heap incrementally, counting the old heap
 * first if it never was (so a state that many runs start from, like the booted one, is
 * scanned once, not once per run); a heap made any other way gets its count rebuilt by one
 * scan on first use. So it is invisible to state equality and to every other module, and
 * never stale: a count is only ever stored for the exact heap it counts.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import type { Cap } from '../state/cap.js';
import type { KernelState } from '../state/kernel-state.js';
import type { KernelObject } from '../state/object.js';

/**
 * The kernel object a cap refers to (l4v `obj_refs`): none for untyped, reply, IRQ, domain,
 * ASID-control and SGI caps; the object's address otherwise.
 */
export function objRefs(cap: Cap): number | null {
  // A switch, not ts-pattern: this runs for every cap in the heap when the count is rebuilt.
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
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
  }
}

/**
 * What finality is judged by (l4v `gen_obj_refs`): the object a cap refers to, or the IRQ
 * of an IRQ handler cap, as a key (the object's address, or `-1 - irq` for an IRQ, so the
 * two never meet and the count is keyed by small numbers, cheaper to hash than strings);
 * null when it refers to neither (such a cap is never final). ARM adds no arch-specific
 * references.
 */
export function genObjRefs(cap: Cap): number | null {
  if (cap.kind === 'IRQHandlerCap') return -1 - cap.irq;
  return objRefs(cap);
}

type Heap = KernelState['kheap'];
type RefCounts = PMap<number, number>;

// The count of a heap rides on the heap value itself, under a private symbol: string-keyed
// comparisons (`Object.keys`/`entries`, the checker's diff, test equality) and Immutable.js
// equality never see a symbol. (A WeakMap keyed by heap did the same, but its `set` costs
// about 0.8 µs for each new heap, about ten per kernel entry; `defineProperty` about 0.25 µs;
// a plain store a few ns.)
const COUNT: unique symbol = Symbol('refCounts');
type Counted = Heap & { [COUNT]?: RefCounts };
const counts = {
  get: (heap: Heap): RefCounts | undefined => (heap as Counted)[COUNT],
  has: (heap: Heap): boolean => (heap as Counted)[COUNT] !== undefined,
  set: (heap: Heap, c: RefCounts): void => {
    (heap as Counted)[COUNT] = c;
  },
};

/** The caps an object holds (none for objects other than CNodes and TCBs). */
function capsOf(obj: KernelObject | undefined): Iterable<Cap> {
  if (obj?.kind === 'CNode') return obj.slots.values();
  if (obj?.kind === 'TCB') return obj.caps;
  return NO_CAPS;
}

const NO_CAPS: readonly Cap[] = [];

function adjust(c: RefCounts, cap: Cap, by: number): RefCounts {
  const ref = genObjRefs(cap);
  if (ref === null) return c;
  const n = (c.get(ref) ?? 0) + by;
  return n === 0 ? c.delete(ref) : c.set(ref, n);
}

function build(heap: Heap): RefCounts {
  return PMap<number, number>().withMutations((m) => {
    for (const obj of heap.values()) {
      for (const cap of capsOf(obj)) {
        const ref = genObjRefs(cap);
        if (ref !== null) m.set(ref, (m.get(ref) ?? 0) + 1);
      }
    }
  });
}

/** How many slots of the heap hold a cap with the reference `ref`. */
export function refCount(heap: Heap, ref: number): number {
  return countsOf(heap).get(ref) ?? 0;
}

// The count of `heap`, built by one scan the first time it is asked for.
function countsOf(heap: Heap): RefCounts {
  let c = counts.get(heap);
  if (c === undefined) {
    c = build(heap);
    counts.set(heap, c);
  }
  return c;
}

/**
 * Carries the count from `before` to `after`, where `after` is `before` with the object at
 * one address replaced: the caps of `oldObj` leave, those of `newObj` arrive.
 */
export function noteObjectReplaced(before: Heap, after: Heap, oldObj: KernelObject | undefined, newObj: KernelObject): void {
  if (before === after) return;
  const c = countsOf(before);
  // The usual writes (thread state, registers, queue links) leave the caps as they were.
  if (oldObj?.kind === 'TCB' && newObj.kind === 'TCB') return void counts.set(after, adjustChanged(c, oldObj.caps, newObj.caps));
  if (oldObj?.kind === 'CNode' && newObj.kind === 'CNode' && oldObj.slots === newObj.slots) return void counts.set(after, c);
  if (capsOf(oldObj) === NO_CAPS && capsOf(newObj) === NO_CAPS) return void counts.set(after, c);
  let next = c;
  for (const cap of capsOf(oldObj)) next = adjust(next, cap, -1);
  for (const cap of capsOf(newObj)) next = adjust(next, cap, +1);
  counts.set(after, next);
}

// The count with the caps of `was` replaced by those of `now`, slot by slot (same length).
function adjustChanged(c: RefCounts, was: readonly Cap[], now: readonly Cap[]): RefCounts {
  if (was === now) return c;
  let next = c;
  for (let i = 0; i < now.length; i++) {
    const a = was[i];
    const b = now[i]!;
    if (a === b) continue;
    if (a !== undefined) next = adjust(next, a, -1);
    next = adjust(next, b, +1);
  }
  return next;
}

/** Carries the count from `before` to `after`, where one slot's cap changed from `oldCap` to `newCap`. */
export function noteCapReplaced(before: Heap, after: Heap, oldCap: Cap, newCap: Cap): void {
  const c = countsOf(before);
  counts.set(after, adjust(adjust(c, oldCap, -1), newCap, +1));
}

/**
 * Carries the count from `before` to `after`, where `after` is `before` with the objects at
 * `addresses` replaced, added or removed (e.g. by retype or detype writing the heap in one
 * batch). Without this call the count of `after` is rebuilt on first use.
 */
export function noteObjectsChanged(before: Heap, after: Heap, addresses: Iterable<number>): void {
  if (counts.has(after)) return;
  const c = countsOf(before);
  let next = c;
  for (const a of addresses) {
    for (const cap of capsOf(before.get(a))) next = adjust(next, cap, -1);
    for (const cap of capsOf(after.get(a))) next = adjust(next, cap, +1);
  }
  counts.set(after, next);
}
