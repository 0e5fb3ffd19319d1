/**
 * The ordered CDT children of one slot (det_ext `cdt_list` of one parent, an l4v `list` of
 * slots), as an immutable value with the list operations of l4v's `List_Lib` that the CDT
 * uses.
 *
 * Why not a plain array: one untyped cap can have a child per object retyped from it (100k
 * endpoints in the benchmarks), and every copy, move or delete of such a child rewrites its
 * parent's list. As an array each of those costs O(k) in the number of siblings. So a long
 * list is kept as a doubly linked list inside a persistent map keyed by the child's slot
 * key (its CTE address), where inserting after, replacing or removing a known slot costs
 * O(log k). Short lists (the usual case) stay arrays, which are cheaper at that size. The
 * two forms are invisible: the same sequence compares equal ({@link ChildList.equals}) and
 * iterates the same. A list that would hold a slot twice (only a broken state, ruled out by
 * l4v's `valid_list`, can) stays an array, so every operation keeps `List_Lib`'s meaning.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import { slotKey, type CSlot } from './cslot.js';

// Lists longer than this are linked; a linked list shorter than half of it goes back to an array.
const LINK_ABOVE = 16;

interface Node {
  readonly slot: CSlot;
  readonly prev: number | undefined;
  readonly next: number | undefined;
}

interface Linked {
  readonly nodes: PMap<number, Node>;
  readonly head: number | undefined;
  readonly tail: number | undefined;
}

/** An immutable ordered list of CDT children (see the module comment). */
export class ChildList implements Iterable<CSlot> {
  /** The empty list. */
  static readonly EMPTY: ChildList = new ChildList([], undefined);

  private constructor(
    private readonly arr: readonly CSlot[] | undefined,
    private readonly linked: Linked | undefined,
  ) {}

  /** The list of `slots`, in order. */
  static of(slots: readonly CSlot[]): ChildList {
    if (slots.length === 0) return ChildList.EMPTY;
    if (slots.length <= LINK_ABOVE) return new ChildList(slots, undefined);
    const keys = slots.map(slotKey);
    if (new Set(keys).size !== keys.length) return new ChildList(slots, undefined);
    const nodes = PMap<number, Node>().withMutations((m) => {
      slots.forEach((slot, i) => m.set(keys[i]!, { slot, prev: keys[i - 1], next: keys[i + 1] }));
    });
    return new ChildList(undefined, { nodes, head: keys[0], tail: keys[keys.length - 1] });
  }

  /** The number of children. */
  get length(): number {
    return this.arr !== undefined ? this.arr.length : this.linked!.nodes.size;
  }

  /** The children in order, as an array (O(k)). */
  toArray(): readonly CSlot[] {
    return this.arr ?? [...this];
  }

  /** The children in order. */
  *[Symbol.iterator](): Iterator<CSlot> {
    if (this.arr !== undefined) {
      yield* this.arr;
      return;
    }
    const { nodes, head } = this.linked!;
    for (let k = head; k !== undefined;) {
      const n = nodes.get(k)!;
      yield n.slot;
      k = n.next;
    }
  }

  /** The first child, if any. */
  first(): CSlot | undefined {
    if (this.arr !== undefined) return this.arr[0];
    const { nodes, head } = this.linked!;
    return head === undefined ? undefined : nodes.get(head)?.slot;
  }

  /** Whether `slot` is in the list. */
  has(slot: CSlot): boolean {
    const key = slotKey(slot);
    return this.arr !== undefined ? this.arr.some((x) => slotKey(x) === key) : this.linked!.nodes.has(key);
  }

  /** Same children in the same order (whatever the form). */
  equals(other: unknown): boolean {
    if (this === other) return true;
    if (!(other instanceof ChildList) || other.length !== this.length) return false;
    const a = this.toArray();
    const b = other.toArray();
    return a.every((x, i) => slotKey(x) === slotKey(b[i]!) && x.obj === b[i]!.obj);
  }

  /** A hash agreeing with {@link equals} (so Immutable.js compares maps of lists by value). */
  hashCode(): number {
    let h = this.length;
    for (const x of this) h = (Math.imul(h, 31) + slotKey(x)) | 0;
    return h;
  }

  /** `list_remove`: every occurrence of `a` removed. */
  remove(a: CSlot): ChildList {
    if (this.linked === undefined) return this.viaArray((l) => l.filter((x) => !same(x, a)));
    const ka = slotKey(a);
    const n = this.linked.nodes.get(ka);
    if (n === undefined) return this;
    return this.relinked(unlink(this.linked, ka, n));
  }

  /** `list_replace`: every `a` replaced by `b`. */
  replace(a: CSlot, b: CSlot): ChildList {
    const ka = slotKey(a);
    const kb = slotKey(b);
    const l = this.linked;
    if (l === undefined || ka === kb || l.nodes.has(kb)) return this.viaArray((xs) => xs.map((x) => (same(x, a) ? b : x)));
    const n = l.nodes.get(ka);
    if (n === undefined) return this;
    let nodes = l.nodes.delete(ka).set(kb, { ...n, slot: b });
    if (n.prev !== undefined) nodes = nodes.set(n.prev, { ...nodes.get(n.prev)!, next: kb });
    if (n.next !== undefined) nodes = nodes.set(n.next, { ...nodes.get(n.next)!, prev: kb });
    return this.relinked({ nodes, head: l.head === ka ? kb : l.head, tail: l.tail === ka ? kb : l.tail });
  }

  /** `list_swap`: every `a` becomes `b` and every `b` becomes `a` (rare: done on the array form). */
  swap(a: CSlot, b: CSlot): ChildList {
    return this.viaArray((l) => l.map((x) => (same(x, a) ? b : same(x, b) ? a : x)));
  }

  /** `list_insert_after`: `b` inserted after the first `a` (nothing if `a` is absent). */
  insertAfter(a: CSlot, b: CSlot): ChildList {
    const ka = slotKey(a);
    const kb = slotKey(b);
    const l = this.linked;
    if (l === undefined || ka === kb || l.nodes.has(kb)) {
      return this.viaArray((xs) => {
        const i = xs.findIndex((x) => same(x, a));
        return i < 0 ? xs : [...xs.slice(0, i + 1), b, ...xs.slice(i + 1)];
      });
    }
    const n = l.nodes.get(ka);
    if (n === undefined) return this;
    let nodes = l.nodes.set(ka, { ...n, next: kb }).set(kb, { slot: b, prev: ka, next: n.next });
    if (n.next !== undefined) nodes = nodes.set(n.next, { ...nodes.get(n.next)!, prev: kb });
    return this.relinked({ nodes, head: l.head, tail: l.tail === ka ? kb : l.tail });
  }

  /** `b # list`: `b` put first. */
  prepend(b: CSlot): ChildList {
    const kb = slotKey(b);
    const l = this.linked;
    if (l === undefined || l.nodes.has(kb)) return this.viaArray((xs) => [b, ...xs]);
    let nodes = l.nodes.set(kb, { slot: b, prev: undefined, next: l.head });
    if (l.head !== undefined) nodes = nodes.set(l.head, { ...nodes.get(l.head)!, prev: kb });
    return this.relinked({ nodes, head: kb, tail: l.tail ?? kb });
  }

  /** `list_replace_list`: the first `a` replaced by the list `bs`. */
  replaceWithList(a: CSlot, bs: ChildList): ChildList {
    const ka = slotKey(a);
    const l = this.linked;
    const n = l?.nodes.get(ka);
    if (l !== undefined && n === undefined) return this;
    if (l === undefined || n === undefined || !canLink(l, bs, ka)) {
      return this.viaArray((xs) => {
        const i = xs.findIndex((x) => same(x, a));
        return i < 0 ? xs : [...xs.slice(0, i), ...bs, ...xs.slice(i + 1)];
      });
    }
    // Unlink `a`, then insert each of `bs` after the one before it (or first).
    let out = unlink(l, ka, n);
    let after = n.prev;
    for (const b of bs) {
      out = linkAfter(out, after, b);
      after = slotKey(b);
    }
    return this.relinked(out);
  }

  /** The children of this list followed by those of `other`. */
  concat(other: ChildList): ChildList {
    if (other.length === 0) return this;
    if (this.length === 0) return other;
    const l = this.linked;
    if (l === undefined || !canLink(l, other, undefined)) {
      return this.viaArray((xs) => [...xs, ...other]);
    }
    let out = l;
    for (const b of other) out = linkAfter(out, out.tail, b);
    return this.relinked(out);
  }

  // The result of an array operation on this list, linked again if it grew long.
  private viaArray(f: (l: readonly CSlot[]) => readonly CSlot[]): ChildList {
    const before = this.toArray();
    const after = f(before);
    return after === before ? this : ChildList.of(after);
  }

  // A linked list, back to an array when it became short.
  private relinked(l: Linked): ChildList {
    if (l.nodes.size === 0) return ChildList.EMPTY;
    const out = new ChildList(undefined, l);
    return l.nodes.size < LINK_ABOVE / 2 ? new ChildList([...out], undefined) : out;
  }
}

function same(a: CSlot, b: CSlot): boolean {
  return a.obj === b.obj && a.index === b.index;
}

// Whether the slots of `bs` are distinct and none is in `l` except the one at `leaving`.
function canLink(l: Linked, bs: ChildList, leaving: number | undefined): boolean {
  const keys = [...bs].map(slotKey);
  return new Set(keys).size === keys.length && keys.every((k) => k === leaving || !l.nodes.has(k));
}

// `l` without the node `n` at key `k`.
function unlink(l: Linked, k: number, n: Node): Linked {
  let nodes = l.nodes.delete(k);
  if (n.prev !== undefined) nodes = nodes.set(n.prev, { ...nodes.get(n.prev)!, next: n.next });
  if (n.next !== undefined) nodes = nodes.set(n.next, { ...nodes.get(n.next)!, prev: n.prev });
  return { nodes, head: l.head === k ? n.next : l.head, tail: l.tail === k ? n.prev : l.tail };
}

// `l` with `b` (not yet in it) linked after the node at key `after`, or first if undefined.
function linkAfter(l: Linked, after: number | undefined, b: CSlot): Linked {
  const kb = slotKey(b);
  const next = after === undefined ? l.head : l.nodes.get(after)!.next;
  let nodes = l.nodes.set(kb, { slot: b, prev: after, next });
  if (after !== undefined) nodes = nodes.set(after, { ...nodes.get(after)!, next: kb });
  if (next !== undefined) nodes = nodes.set(next, { ...nodes.get(next)!, prev: kb });
  return { nodes, head: after === undefined ? kb : l.head, tail: next === undefined ? kb : l.tail };
}
