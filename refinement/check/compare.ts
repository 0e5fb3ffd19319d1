/**
 * Comparing the spec state with a kernel's abstract state: whole, or only where the spec step
 * changed something (found by diffing the spec's persistent maps before and after the step,
 * which share every unchanged subtree), plus the globals and the threads the step ran.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { NULL_CAP } from '../../spec/state/cap.js';
import type { CNode } from '../../spec/state/object.js';
import { changedElements, changedKeys } from '../changed-keys.js';
import { ABSENT, field, firstDifference, key, type Difference, type PathSegment } from '../diff.js';
import type { AbstractView, Globals } from './kernel-under-test.js';

/**
 * A state in the form both sides are compared in: empty child lists dropped (an absent list
 * and an empty one say the same) and all-zero frames dropped (an absent frame reads as zero).
 */
export function normalise(s: KernelState): KernelState {
  const cdtList = s.cdtList.some((l) => l.length === 0) ? s.cdtList.filter((l) => l.length > 0) : s.cdtList;
  const memory = s.machine.memory.some(isZero) ? s.machine.memory.filter((f) => !isZero(f)) : s.machine.memory;
  if (cdtList === s.cdtList && memory === s.machine.memory) return s;
  return { ...s, cdtList, machine: { ...s.machine, memory } };
}

function isZero(frame: Uint8Array): boolean {
  for (let i = 0; i < frame.length; i++) if (frame[i] !== 0) return false;
  return true;
}

/** The first difference between the spec state and a kernel's whole abstract state. */
export function fullDifference(spec: KernelState, impl: KernelState): Difference | undefined {
  return firstDifference(normalise(spec), normalise(impl));
}

/**
 * The first difference between `after` (the spec state after a step from `before`) and the
 * kernel seen through `view`, looking only at what the spec step changed, the globals, and
 * the objects named in `alsoObjects` (the threads current before and after the step, whose
 * registers carry the reply).
 */
export function incrementalDifference(
  before: KernelState,
  after: KernelState,
  view: AbstractView,
  alsoObjects: readonly number[],
): Difference | undefined {
  return (
    globalsDifference(before, after, view) ??
    heapDifference(before, after, view, alsoObjects) ??
    cdtDifference(before, after, view) ??
    memoryDifference(before, after, view)
  );
}

// `d` as a difference of the whole state, `path` leading to where `d` was found. (Paths are
// made only for a difference found: building one for every comparison cost more than most of
// the comparisons.)
function prefixed(d: Difference, ...path: PathSegment[]): Difference {
  return { path: [...path, ...d.path], left: d.left, right: d.right };
}

// Global fields that are cheap to read from a kernel are compared at every step; the large
// ones (tables of IRQs, domains, ASIDs) only when the spec step changed them, and otherwise at
// the whole comparisons.
const EVERY_STEP: readonly (keyof Globals)[] = [
  'curThread', 'idleThread', 'schedulerAction', 'curDomain', 'domainTime', 'domainIndex', 'domainStartIndex',
  'irqNode', 'workUnitsCompleted', 'irqPending', 'readyQueues',
];
const WHEN_CHANGED: readonly (keyof Globals)[] = ['domainList', 'irqStates', 'irqMasks', 'arch'];

// Compared at every step: the spec's value read straight off the state (no copy of the globals).
function globalsDifference(before: KernelState, after: KernelState, view: AbstractView): Difference | undefined {
  for (const f of EVERY_STEP) {
    const d = firstDifference(globalOf(after, f), view.globalField(f));
    if (d !== undefined) return prefixed(d, field('globals'), field(f));
  }
  for (const f of WHEN_CHANGED) {
    const now = globalOf(after, f);
    if (globalOf(before, f) === now) continue;
    const d = firstDifference(now, view.globalField(f));
    if (d !== undefined) return prefixed(d, field('globals'), field(f));
  }
  return undefined;
}

// One global field of a spec state, as `globalsOf` gives it.
function globalOf<K extends keyof Globals>(s: KernelState, f: K): Globals[K] {
  if (f === 'irqMasks') return s.machine.irqMasks as Globals[K];
  if (f === 'irqPending') return s.machine.irqPending as Globals[K];
  return s[f as Exclude<K, 'irqMasks' | 'irqPending'>] as unknown as Globals[K];
}

// The keys ascending (the order `compareKeys` gives numbers), each once.
function sorted(keys: readonly number[]): readonly number[] {
  if (keys.length < 2) return keys;
  if (keys.length === 2) {
    const x = keys[0]!;
    const y = keys[1]!;
    return x < y ? keys : x === y ? [x] : [y, x];
  }
  const out = keys.slice().sort((x, y) => x - y);
  let n = 1;
  for (let i = 1; i < out.length; i++) if (out[i] !== out[n - 1]) out[n++] = out[i]!;
  out.length = n;
  return out;
}

function heapDifference(before: KernelState, after: KernelState, view: AbstractView, also: readonly number[]): Difference | undefined {
  for (const addr of sorted(also.length === 0 ? changedKeys(before.kheap, after.kheap) : [...changedKeys(before.kheap, after.kheap), ...also])) {
    const now = after.kheap.get(addr);
    const was = before.kheap.get(addr);
    if (now?.kind === 'CNode' && was?.kind === 'CNode' && was.bits === now.bits) {
      const d = cnodeDifference(addr, was, now, view);
      if (d !== undefined) return d;
      continue;
    }
    const d = firstDifference(now ?? ABSENT, view.object(addr) ?? ABSENT);
    if (d !== undefined) return prefixed(d, field('kheap'), key(addr));
  }
  return undefined;
}

// A CNode whose radix stayed: compare only the slots the step changed.
function cnodeDifference(addr: number, was: CNode, now: CNode, view: AbstractView): Difference | undefined {
  for (const i of sorted(changedKeys(was.slots, now.slots))) {
    const implCap = view.cnodeSlot(addr, i);
    if (implCap === undefined) return firstDifference(now, view.object(addr) ?? ABSENT, [field('kheap'), key(addr)]);
    const d = firstDifference(now.slots.get(i) ?? NULL_CAP, implCap);
    if (d !== undefined) return prefixed(d, field('kheap'), key(addr), field('slots'), key(i));
  }
  return undefined;
}

function cdtDifference(before: KernelState, after: KernelState, view: AbstractView): Difference | undefined {
  for (const k of sorted(changedKeys(before.cdt, after.cdt))) {
    const d = firstDifference(after.cdt.get(k) ?? ABSENT, view.cdtParent(k) ?? ABSENT);
    if (d !== undefined) return prefixed(d, field('cdt'), key(k));
  }
  for (const k of sorted(changedKeys(before.cdtList, after.cdtList))) {
    const spec = after.cdtList.get(k)?.toArray() ?? [];
    const impl = view.cdtChildren(k);
    const d = firstDifference(spec.length === 0 ? ABSENT : spec, impl.length === 0 ? ABSENT : impl);
    if (d !== undefined) return prefixed(d, field('cdtList'), key(k));
  }
  for (const k of sorted(changedElements(before.isOriginalCap, after.isOriginalCap))) {
    const isOriginal = after.isOriginalCap.has(k);
    if (isOriginal !== view.isOriginal(k)) return { path: [field('isOriginalCap'), key(k)], left: isOriginal, right: !isOriginal };
  }
  return undefined;
}

const NO_FRAMES = PMap<number, Uint8Array>();

function memoryDifference(before: KernelState, after: KernelState, view: AbstractView): Difference | undefined {
  const was = before.machine.memory ?? NO_FRAMES;
  for (const n of sorted(changedKeys(was, after.machine.memory))) {
    const spec = after.machine.memory.get(n);
    const impl = view.frame(n);
    const d = firstDifference(
      spec === undefined || isZero(spec) ? ABSENT : spec,
      impl === undefined || isZero(impl) ? ABSENT : impl,
      [field('machine'), field('memory'), key(n)],
    );
    if (d !== undefined) return d;
  }
  return undefined;
}
