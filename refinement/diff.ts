/**
 * The first difference between two values, as a path a person reads at once:
 * `kheap[0x10020000].caps[2].rights.grant: spec=true impl=false`.
 *
 * Values are plain objects, arrays, typed arrays, Immutable.js maps and sets, and JS maps and
 * sets, nested freely (the shapes of a spec `KernelState`). Equal references are equal
 * without a look inside, so comparing two states that share most of their structure costs
 * only the parts that differ. "First" is deterministic: object fields in the order the left
 * value lists them, array indices ascending, map keys in ascending order.
 *
 * @module
 */
import { isMap as isPMap, isSet as isPSet, type Map as PMap, type Set as PSet } from 'immutable';
import { ChildList } from '../spec/state/child-list.js';

/** One step of a path into a value. */
export type PathSegment =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number; readonly hex?: boolean }
  | { readonly kind: 'key'; readonly key: unknown };

/** A path from the root of a value to one of its parts. */
export type Path = readonly PathSegment[];

/** Marks a side of a difference where the path leads to nothing (missing key or field). */
export const ABSENT: unique symbol = Symbol('absent');

/** The first place two values differ, with what each side holds there. */
export interface Difference {
  /** Where they differ. */
  readonly path: Path;
  /** The left value at the path (the spec's, in a refinement check), or {@link ABSENT}. */
  readonly left: unknown;
  /** The right value at the path (the impl's), or {@link ABSENT}. */
  readonly right: unknown;
}

/** A field step. */
export function field(name: string): PathSegment {
  return { kind: 'field', name };
}

/** A map-key step. */
export function key(k: unknown): PathSegment {
  return { kind: 'key', key: k };
}

/** An array-index step. */
export function index(i: number): PathSegment {
  return { kind: 'index', index: i };
}

/** The first difference between `left` and `right`, or `undefined` when they are equal. */
export function firstDifference(left: unknown, right: unknown, path: Path = []): Difference | undefined {
  if (plainEqual(left, right)) return undefined;
  const d = diff(left, right);
  if (d === undefined) return undefined;
  return { path: [...path, ...d.reversedPath.reverse()], left: d.left, right: d.right };
}

/** Whether two values are equal in the sense of {@link firstDifference}. */
export function deepEqual(left: unknown, right: unknown): boolean {
  return diff(left, right) === undefined;
}

// Whether two values built only of primitives, arrays and plain records are equal: the quick
// answer for the usual case (objects and caps that agree). False also for anything else (maps,
// sets, typed arrays, a missing field against an undefined one), which `diff` then decides.
function plainEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // Equal elements (registers, mostly) are passed over without a call.
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      if (x !== y && !plainEqual(x, y)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(a);
  if (proto !== Object.prototype || Object.getPrototypeOf(b) !== proto) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  // `for in` rather than `Object.keys`: no array per record. (An inherited enumerable name,
  // which no state has, is never `y`'s own and so answers false.)
  let n = 0;
  for (const name in x) {
    const v = x[name];
    const w = y[name];
    // The same defined value needs no more: a plain record inherits no enumerable field, so
    // `y` has `name` itself. (Undefined may be a missing field, which `has` tells apart.)
    if ((v !== w || v === undefined) && (!has(y, name) || !plainEqual(v, w))) return false;
    n++;
  }
  for (const _name in y) n--;
  return n === 0;
}

// A difference whose path is collected innermost first, as the recursion unwinds: no path
// is built for the (common) parts that are equal.
interface Found {
  readonly reversedPath: PathSegment[];
  readonly left: unknown;
  readonly right: unknown;
}

function found(left: unknown, right: unknown): Found {
  return { reversedPath: [], left, right };
}

function under(seg: PathSegment, d: Found | undefined): Found | undefined {
  if (d !== undefined) d.reversedPath.push(seg);
  return d;
}

function diff(left: unknown, right: unknown): Found | undefined {
  if (left === right) return undefined;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) {
    return primitiveDifference(left, right);
  }
  // Plain records and arrays first: they are most of a state (objects, caps, registers), and
  // neither can be any of the collections below.
  const lp: unknown = Object.getPrototypeOf(left);
  if (lp === Object.prototype && Object.getPrototypeOf(right) === lp) {
    if (equalPairs.get(left)?.has(right) === true) return undefined;
    const d = objectDifference(left as Record<string, unknown>, right as Record<string, unknown>);
    if (d === undefined) rememberEqual(left, right);
    return d;
  }
  if (Array.isArray(left) && Array.isArray(right)) return arrayDifference(left, right);
  if (isPMap(left) || isPMap(right)) return mapDifference(left, right);
  // A CDT child list compares as the sequence it holds, whichever form it is kept in.
  if (left instanceof ChildList || right instanceof ChildList) return diff(listed(left), listed(right));
  if (isPSet(left) || isPSet(right)) return setDifference(left, right);
  if (ArrayBuffer.isView(left) || ArrayBuffer.isView(right)) return typedArrayDifference(left, right);
  if (Array.isArray(left) || Array.isArray(right)) return arrayDifference(left, right);
  if (left instanceof Map || right instanceof Map) return mapDifference(left, right);
  if (left instanceof Set || right instanceof Set) return setDifference(left, right);
  return objectDifference(left as Record<string, unknown>, right as Record<string, unknown>);
}

// Records found equal before, by identity. States are immutable values, so a pair once equal
// stays equal; the spec shares the records it keeps (every page directory's kernel-window
// entries, caps copied unchanged) and so do the abstraction's memos, so the same pairs recur
// from one comparison to the next.
const equalPairs = new WeakMap<object, WeakSet<object>>();

function rememberEqual(left: object, right: object): void {
  let seen = equalPairs.get(left);
  if (seen === undefined) {
    seen = new WeakSet();
    equalPairs.set(left, seen);
  }
  seen.add(right);
}

function listed(v: object): unknown {
  return v instanceof ChildList ? v.toArray() : v;
}

function primitiveDifference(left: unknown, right: unknown): Found | undefined {
  // A field holding `undefined` and a missing field read the same.
  if ((left === undefined || left === ABSENT) && (right === undefined || right === ABSENT)) return undefined;
  return found(left, right);
}

function objectDifference(left: Record<string, unknown>, right: Record<string, unknown>): Found | undefined {
  if (Object.getPrototypeOf(left) !== Object.getPrototypeOf(right)) return found(left, right);
  const leftNames = Object.keys(left);
  let shared = 0;
  for (const name of leftNames) {
    let r: unknown = ABSENT;
    if (has(right, name)) {
      r = right[name];
      shared++;
    }
    const d = diff(left[name], r);
    if (d !== undefined) return under(field(name), d);
  }
  const rightNames = Object.keys(right);
  // The right side has only the fields both have: no field is right-only.
  if (rightNames.length === shared) return undefined;
  for (const name of rightNames) {
    if (has(left, name)) continue;
    const d = diff(ABSENT, right[name]);
    if (d !== undefined) return under(field(name), d);
  }
  return undefined;
}

function has(o: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, name);
}

function arrayDifference(left: object, right: object): Found | undefined {
  if (!Array.isArray(left) || !Array.isArray(right)) return found(left, right);
  const n = Math.max(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const d = diff(i < left.length ? left[i] : ABSENT, i < right.length ? right[i] : ABSENT);
    if (d !== undefined) return under(index(i), d);
  }
  return undefined;
}

type Indexable = ArrayLike<number | bigint>;

function typedArrayDifference(left: object, right: object): Found | undefined {
  if (!ArrayBuffer.isView(left) || !ArrayBuffer.isView(right) || left instanceof DataView || right instanceof DataView) {
    return found(left, right);
  }
  const a = left as unknown as Indexable;
  const b = right as unknown as Indexable;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a[i] : ABSENT;
    const y = i < b.length ? b[i] : ABSENT;
    if (x !== y) return under({ kind: 'index', index: i, hex: true }, found(x, y));
  }
  return undefined;
}

// A keyed collection seen through the few operations the comparison needs.
interface Keyed {
  readonly size: number;
  has(k: unknown): boolean;
  get(k: unknown): unknown;
  forEach(fn: (v: unknown, k: unknown) => unknown): unknown;
}

function asKeyed(x: object): Keyed | undefined {
  if (isPMap(x)) return x as PMap<unknown, unknown> as unknown as Keyed;
  if (x instanceof Map) return x as unknown as Keyed;
  return undefined;
}

function mapDifference(left: object, right: object): Found | undefined {
  const a = asKeyed(left);
  const b = asKeyed(right);
  if (a === undefined || b === undefined) return found(left, right);
  // Fast scan: most comparisons are of equal maps. Only on a mismatch collect every
  // differing key, so that the one reported is the smallest, whatever the hash order.
  const differing: unknown[] = [];
  a.forEach((v, k) => {
    if (!b.has(k) || diff(v, b.get(k)) !== undefined) differing.push(k);
  });
  if (differing.length > 0 || a.size !== b.size) {
    b.forEach((_v, k) => {
      if (!a.has(k)) differing.push(k);
    });
  }
  if (differing.length === 0) return undefined;
  const first = differing.reduce((m, k) => (compareKeys(k, m) < 0 ? k : m));
  return under(key(first), diff(a.has(first) ? a.get(first) : ABSENT, b.has(first) ? b.get(first) : ABSENT));
}

// A set seen as the membership test and iteration.
interface Members {
  readonly size: number;
  has(x: unknown): boolean;
  forEach(fn: (x: unknown) => unknown): unknown;
}

function asMembers(x: object): Members | undefined {
  if (isPSet(x)) return x as PSet<unknown> as unknown as Members;
  if (x instanceof Set) return x as unknown as Members;
  return undefined;
}

function setDifference(left: object, right: object): Found | undefined {
  const a = asMembers(left);
  const b = asMembers(right);
  if (a === undefined || b === undefined) return found(left, right);
  const differing: unknown[] = [];
  a.forEach((x) => {
    if (!b.has(x)) differing.push(x);
  });
  b.forEach((x) => {
    if (!a.has(x)) differing.push(x);
  });
  if (differing.length === 0) return undefined;
  const first = differing.reduce((m, k) => (compareKeys(k, m) < 0 ? k : m));
  return under(key(first), found(a.has(first), b.has(first)));
}

/** Orders map keys: numbers ascending, then strings, then anything else by its text. */
export function compareKeys(x: unknown, y: unknown): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'number') return -1;
  if (typeof y === 'number') return 1;
  const sx = String(x);
  const sy = String(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

/** Prints a path: `kheap[0x10020000].caps[2].rights.grant`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    switch (seg.kind) {
      case 'field':
        out += out === '' ? seg.name : `.${seg.name}`;
        break;
      case 'index':
        out += seg.hex === true ? `[0x${seg.index.toString(16)}]` : `[${seg.index}]`;
        break;
      case 'key':
        out += `[${formatKey(seg.key)}]`;
        break;
    }
  }
  return out === '' ? '(root)' : out;
}

function formatKey(k: unknown): string {
  if (typeof k === 'number' && Number.isInteger(k) && k >= 0) return `0x${k.toString(16)}`;
  return formatValue(k);
}

/**
 * Prints a value for a person: words of 4096 and above in hex, small numbers in decimal,
 * objects inline and cut to `width` characters.
 */
export function formatValue(v: unknown, width = 160): string {
  const text = render(v, 3);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function render(v: unknown, depth: number): string {
  if (v === ABSENT) return '<absent>';
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0x1000 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return v >= 0x1000n ? `0x${v.toString(16)}` : String(v);
  if (typeof v !== 'object') return String(v);
  if (depth === 0) return '…';
  if (isPMap(v) || v instanceof Map) return renderMap(v as unknown as Keyed, depth);
  if (isPSet(v) || v instanceof Set) return renderSet(v as unknown as Members, depth);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as Indexable).length})`;
  if (Array.isArray(v)) return `[${v.map((x) => render(x, depth - 1)).join(', ')}]`;
  const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${render(x, depth - 1)}`);
  return `{${parts.join(', ')}}`;
}

function renderMap(m: Keyed, depth: number): string {
  const parts: string[] = [];
  m.forEach((v, k) => {
    if (parts.length < 8) parts.push(`${formatKey(k)} => ${render(v, depth - 1)}`);
  });
  return `Map(${m.size}){${parts.join(', ')}${m.size > 8 ? ', …' : ''}}`;
}

function renderSet(s: Members, depth: number): string {
  const parts: string[] = [];
  s.forEach((x) => {
    if (parts.length < 8) parts.push(render(x, depth - 1));
  });
  return `Set(${s.size}){${parts.join(', ')}${s.size > 8 ? ', …' : ''}}`;
}

/**
 * Prints a difference on one line: `<path>: spec=<left> impl=<right>` (the side names can be
 * changed, e.g. to compare two spec runs).
 */
export function formatDifference(d: Difference, names: readonly [string, string] = ['spec', 'impl']): string {
  return `${formatPath(d.path)}: ${names[0]}=${formatValue(d.left)} ${names[1]}=${formatValue(d.right)}`;
}

/** The part of `v` at `path`, or {@link ABSENT} where the path leads nowhere. */
export function valueAtPath(v: unknown, path: Path): unknown {
  let cur: unknown = v;
  for (const seg of path) {
    if (cur === ABSENT || cur === null || typeof cur !== 'object') return ABSENT;
    if (seg.kind === 'field') {
      cur = Object.prototype.hasOwnProperty.call(cur, seg.name) ? (cur as Record<string, unknown>)[seg.name] : ABSENT;
    } else if (seg.kind === 'index') {
      const arr = cur as ArrayLike<unknown>;
      cur = seg.index < arr.length ? arr[seg.index] : ABSENT;
    } else {
      const m = asKeyed(cur);
      if (m !== undefined) cur = m.has(seg.key) ? m.get(seg.key) : ABSENT;
      else {
        const s = asMembers(cur);
        cur = s !== undefined ? s.has(seg.key) : ABSENT;
      }
    }
  }
  return cur;
}
