/**
 * What caps refer to (l4v `obj_refs`, `gen_obj_refs`), and a count of the slots holding a
 * cap to each reference, which makes `is_final_cap` cost O(log n) instead of a scan of the
 * whole heap.
 *
 * The count is derived data, never part of the state: it is memoised per heap value (a
 * `WeakMap` keyed by the persistent `kheap` map). Writes through `setObject`/`setCap`
 * carry it over to the new heap incrementally, counting the old heap first if it never was
 * (so a state that many runs start from, like the booted one, is scanned once, not once per
 * run); a heap made any other way gets its count rebuilt by one scan on first use. So it is invisible to state equality and to every
 * other module, and never stale: an entry is only ever stored for the exact heap it counts.
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
 * of an IRQ handler cap, as a key; null when it refers to neither (such a cap is never
 * final). ARM adds no arch-specific references.
 */
export function genObjRefs(cap: Cap): string | null {
  if (cap.kind === 'IRQHandlerCap') return `irq:${cap.irq}`;
  const r = objRefs(cap);
  return r === null ? null : `obj:${r}`;
}

type Heap = KernelState['kheap'];
type RefCounts = PMap<string, number>;

const counts = new WeakMap<Heap, RefCounts>();

/** The caps an object holds (none for objects other than CNodes and TCBs). */
function capsOf(obj: KernelObject | undefined): Iterable<Cap> {
  if (obj?.kind === 'CNode') return obj.slots.values();
  if (obj?.kind === 'TCB') return obj.caps;
  return [];
}

function adjust(c: RefCounts, cap: Cap, by: number): RefCounts {
  const ref = genObjRefs(cap);
  if (ref === null) return c;
  const n = (c.get(ref) ?? 0) + by;
  return n === 0 ? c.delete(ref) : c.set(ref, n);
}

function build(heap: Heap): RefCounts {
  return PMap<string, number>().withMutations((m) => {
    for (const obj of heap.values()) {
      for (const cap of capsOf(obj)) {
        const ref = genObjRefs(cap);
        if (ref !== null) m.set(ref, (m.get(ref) ?? 0) + 1);
      }
    }
  });
}

/** How many slots of the heap hold a cap with the reference `ref`. */
export function refCount(heap: Heap, ref: string): number {
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
  if (counts.has(after)) return;
  const c = countsOf(before);
  if (oldObj?.kind === 'CNode' && newObj.kind === 'CNode' && oldObj.slots === newObj.slots) return void counts.set(after, c);
  if (oldObj?.kind === 'TCB' && newObj.kind === 'TCB' && oldObj.caps === newObj.caps) return void counts.set(after, c);
  let next = c;
  for (const cap of capsOf(oldObj)) next = adjust(next, cap, -1);
  for (const cap of capsOf(newObj)) next = adjust(next, cap, +1);
  counts.set(after, next);
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
