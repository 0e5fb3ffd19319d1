/**
 * The keys whose values differ between two versions of one persistent map, found by walking
 * the two hash tries side by side and skipping every subtree they share.
 *
 * A spec step that touches k heap entries copies only the k paths from the trie root to those
 * entries; every other subtree of the new heap is the very same node as in the old heap. So
 * comparing node identity level by level finds the changed keys in O(k · log n) instead of
 * O(n): this is what keeps a refinement-checked step as cheap at 100k objects as at 1k.
 *
 * The walk reads Immutable.js's trie nodes (`_root`, `bitmap`, `nodes`, `entries`, `entry`:
 * stable since Immutable 3). Any shape it does not recognise makes it fall back to comparing
 * every entry, so a future change inside Immutable costs speed, never correctness.
 *
 * @module
 */
import { Map as PMap, Set as PSet } from 'immutable';

// One trie node of Immutable's Map, in any of its five shapes.
interface TrieNode {
  readonly entry?: readonly [unknown, unknown];
  readonly entries?: readonly (readonly [unknown, unknown])[];
  readonly bitmap?: number;
  readonly nodes?: readonly (TrieNode | undefined)[];
}

interface MapInternals {
  readonly _root?: TrieNode;
}

interface SetInternals {
  readonly _map?: PMap<unknown, unknown>;
}


/**
 * The keys present in exactly one of `before` and `after`, or present in both with values
 * that are not the same reference. Values are compared by identity (`===`), as persistent
 * updates replace exactly the values they change; the order of the result is unspecified.
 */
export function changedKeys<K, V>(before: PMap<K, V>, after: PMap<K, V>): K[] {
  if (before === after) return [];
  const out: unknown[] = [];
  const a = (before as unknown as MapInternals)._root;
  const b = (after as unknown as MapInternals)._root;
  if (!diffNodes(a, b, out)) return slowChangedKeys(before, after);
  return out as K[];
}

/** The elements in exactly one of two versions of a persistent set. */
export function changedElements<T>(before: PSet<T>, after: PSet<T>): T[] {
  if (before === after) return [];
  const a = (before as unknown as SetInternals)._map;
  const b = (after as unknown as SetInternals)._map;
  if (a === undefined || b === undefined) return slowChangedElements(before, after);
  return changedKeys(a, b) as T[];
}

// Appends the changed keys under two trie nodes at the same depth; false = unknown shape.
function diffNodes(a: TrieNode | undefined, b: TrieNode | undefined, out: unknown[]): boolean {
  if (a === b) return true;
  if (isBranch(a) && isBranch(b)) {
    // The same shape (both full, or the same bitmap): children pair up by position.
    if (a.bitmap === b.bitmap && a.nodes.length === b.nodes.length) {
      const an = a.nodes;
      const bn = b.nodes;
      for (let i = 0; i < an.length; i++) {
        const x = an[i];
        const y = bn[i];
        if (x !== y && !diffNodes(x, y, out)) return false;
      }
      return true;
    }
    // Only the fragments either side holds (both bitmap-indexed: the union of the bitmaps).
    let present = a.bitmap === undefined || b.bitmap === undefined ? -1 : a.bitmap | b.bitmap;
    while (present !== 0) {
      const f = 31 - Math.clz32(present & -present);
      present &= present - 1;
      if (!diffNodes(childAt(a, f), childAt(b, f), out)) return false;
    }
    return true;
  }
  // Two single entries (the usual leaf of a sparse trie): no need to gather them.
  if (a !== undefined && b !== undefined && a.entry !== undefined && b.entry !== undefined) {
    if (a.entry[0] === b.entry[0]) {
      if (a.entry[1] !== b.entry[1]) out.push(a.entry[0]);
    } else out.push(a.entry[0], b.entry[0]);
    return true;
  }
  // Leaves of different shapes (a key added beside another, or one of two removed): a few
  // entries each side, so pairing them by a scan is cheaper than building maps.
  const left: unknown[] = [];
  const right: unknown[] = [];
  if (!collect(a, left) || !collect(b, right)) return false;
  if (left.length * right.length > 1024) return diffByMaps(left, right, out);
  for (let i = 0; i < left.length; i += 2) {
    const j = entryIndex(right, left[i]);
    if (j < 0 || right[j + 1] !== left[i + 1]) out.push(left[i]);
  }
  for (let j = 0; j < right.length; j += 2) if (entryIndex(left, right[j]) < 0) out.push(right[j]);
  return true;
}

// The same as the scan, for two large sides (a subtree that appeared beside many entries).
function diffByMaps(left: readonly unknown[], right: readonly unknown[], out: unknown[]): boolean {
  const l = new Map<unknown, unknown>();
  const r = new Map<unknown, unknown>();
  for (let i = 0; i < left.length; i += 2) l.set(left[i], left[i + 1]);
  for (let j = 0; j < right.length; j += 2) r.set(right[j], right[j + 1]);
  for (const [k, v] of l) if (!r.has(k) || r.get(k) !== v) out.push(k);
  for (const k of r.keys()) if (!l.has(k)) out.push(k);
  return true;
}

// The index of key `k` in a flat [key, value, key, value, ...] list, or -1.
function entryIndex(entries: readonly unknown[], k: unknown): number {
  for (let i = 0; i < entries.length; i += 2) if (entries[i] === k) return i;
  return -1;
}

// A bitmap-indexed or full hash-array node: children addressed by a 5-bit hash fragment.
function isBranch(n: TrieNode | undefined): n is TrieNode & { nodes: readonly (TrieNode | undefined)[] } {
  return n !== undefined && n.nodes !== undefined;
}

function childAt(n: TrieNode & { nodes: readonly (TrieNode | undefined)[] }, fragment: number): TrieNode | undefined {
  if (n.bitmap === undefined) return n.nodes[fragment];
  const bit = 1 << fragment;
  if ((n.bitmap & bit) === 0) return undefined;
  return n.nodes[popCount(n.bitmap & (bit - 1))];
}

function popCount(x: number): number {
  let v = x - ((x >> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >> 2) & 0x33333333);
  return (((v + (v >> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

// Every entry under `n` onto `into`, as key, value, key, value, ...; false when a node has
// an unknown shape.
function collect(n: TrieNode | undefined, into: unknown[]): boolean {
  if (n === undefined) return true;
  if (n.entry !== undefined) {
    into.push(n.entry[0], n.entry[1]);
    return true;
  }
  if (n.entries !== undefined) {
    for (const [k, v] of n.entries) into.push(k, v);
    return true;
  }
  if (n.nodes !== undefined) {
    for (const child of n.nodes) if (!collect(child, into)) return false;
    return true;
  }
  return false;
}

function slowChangedKeys<K, V>(before: PMap<K, V>, after: PMap<K, V>): K[] {
  const out: K[] = [];
  before.forEach((v, k) => {
    if (!after.has(k) || after.get(k) !== v) out.push(k);
  });
  after.forEach((_v, k) => {
    if (!before.has(k)) out.push(k);
  });
  return out;
}

function slowChangedElements<T>(before: PSet<T>, after: PSet<T>): T[] {
  const out: T[] = [];
  before.forEach((x) => {
    if (!after.has(x)) out.push(x);
  });
  after.forEach((x) => {
    if (!before.has(x)) out.push(x);
  });
  return out;
}
