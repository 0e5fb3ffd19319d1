/**
 * The current thread's CSpace as the generators see it: its root CNode, the caps in it by
 * kind, the empty slots, and how to name a slot of a CNode cap with an index and a depth.
 *
 * @module
 */
import type { Cap, CapKind } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { CNode, TCB } from '../../spec/state/object.js';

/** A CNode cap together with the CNode it names. */
export interface NodeRef {
  /** The CPtr that names the cap in the current thread's CSpace (a root slot index). */
  readonly cptr: number;
  /** The cap (a CNode cap, or another cap for near misses). */
  readonly cap: Cap;
  /** The CNode, when the cap is a CNode cap naming an existing CNode. */
  readonly cnode: CNode | undefined;
}

/** The current thread and its CSpace root. */
export interface CSpaceView {
  /** The current thread's TCB. */
  readonly tcb: TCB;
  /** The root CNode cap (the TCB's slot 0), if it is one. */
  readonly rootCap: Extract<Cap, { kind: 'CNodeCap' }> | undefined;
  /** The root CNode. */
  readonly root: CNode | undefined;
  /** Occupied root slot indices, ascending. */
  readonly live: readonly number[];
}

/** The view of the current thread's CSpace in `s`. */
export function cspaceView(s: KernelState): CSpaceView | undefined {
  const tcb = s.kheap.get(s.curThread);
  if (tcb?.kind !== 'TCB') return undefined;
  const rootCap = tcb.caps[0].kind === 'CNodeCap' ? tcb.caps[0] : undefined;
  const root = rootCap === undefined ? undefined : cnodeAt(s, rootCap.ptr);
  const live = root === undefined ? [] : occupied(root);
  return { tcb, rootCap, root, live };
}

/** The CNode at `ptr`, if there is one. */
export function cnodeAt(s: KernelState, ptr: number): CNode | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'CNode' ? o : undefined;
}

const occupiedCache = new WeakMap<CNode, readonly number[]>();

/** Occupied slot indices of a CNode, ascending (cached per CNode value: they are immutable). */
export function occupied(cnode: CNode): readonly number[] {
  const hit = occupiedCache.get(cnode);
  if (hit !== undefined) return hit;
  const out: number[] = [];
  cnode.slots.forEach((c, i) => {
    if (c.kind !== 'NullCap') out.push(i);
  });
  out.sort((a, b) => a - b);
  occupiedCache.set(cnode, out);
  return out;
}

/** The root slots whose caps satisfy `pred`, ascending. */
export function rootSlotsWhere(v: CSpaceView, pred: (c: Cap, index: number) => boolean): number[] {
  if (v.root === undefined) return [];
  const root = v.root;
  return v.live.filter((i) => pred(root.slots.get(i)!, i));
}

/** The root slots holding caps of the given kinds. */
export function rootSlotsOfKind(v: CSpaceView, kinds: readonly CapKind[]): number[] {
  return rootSlotsWhere(v, (c) => kinds.includes(c.kind));
}

/** The k-th element of a list, cyclically; undefined for an empty list. */
export function kth<T>(list: readonly T[], k: number): T | undefined {
  return list.length === 0 ? undefined : list[Math.abs(k) % list.length];
}

/**
 * The k-th empty slot of a CNode such that `run` consecutive slots from it are empty (or just
 * the k-th empty slot when no such run exists). Walks the gaps between occupied slots, so it
 * costs the number of occupied slots, not the CNode's size.
 */
export function kthEmpty(cnode: CNode, k: number, run = 1): number {
  const size = 2 ** cnode.bits;
  const used = occupied(cnode);
  if (used.length >= size) return 0;
  const gaps: [number, number][] = []; // [first free, count of run starts]
  let starts = 0;
  let prev = -1;
  for (const u of [...used, size]) {
    const n = u - prev - 1 - run + 1;
    if (n > 0) {
      gaps.push([prev + 1, n]);
      starts += n;
    }
    prev = u;
  }
  if (starts === 0) return run > 1 ? kthEmpty(cnode, k, 1) : 0;
  let i = Math.abs(k) % starts;
  for (const [first, n] of gaps) {
    if (i < n) return first + i;
    i -= n;
  }
  return 0;
}

/** The index word that names slot `j` of the CNode a cap names (guard bits, then radix). */
export function indexWord(cap: Cap, j: number): number {
  if (cap.kind !== 'CNodeCap') return j >>> 0;
  return ((cap.guard.value * 2 ** cap.bits + j) % 2 ** 32) >>> 0;
}

/** The depth that resolves a CNode cap's index words exactly to a slot. */
export function exactDepth(cap: Cap): number {
  return cap.kind === 'CNodeCap' ? cap.guard.size + cap.bits : 32;
}

/**
 * Root slots that destructive operations (Delete, Revoke, and the moves of Move, Mutate and
 * Rotate) leave alone: the root task's own TCB, CNode, page directory, ASID pool, bootinfo
 * and IPC-buffer caps, and every mapped frame or table cap. Destroying those belongs to
 * later slices (VSpace) or ends the root task's life, and with it the rest of the run.
 */
export function isProtectedRootSlot(c: Cap, index: number): boolean {
  if ([1, 2, 3, 6, 9, 10].includes(index)) return true;
  switch (c.kind) {
    case 'FrameCap':
    case 'PageTableCap':
      return c.mapping !== null;
    case 'PageDirectoryCap':
      return c.asid !== null;
    case 'ASIDPoolCap':
      return true;
    default:
      return false;
  }
}

/**
 * Cap kinds whose objects' decoders answer a label not their own with `IllegalOperation`
 * before anything a later slice models: invoking them with a CNode or untyped label is a
 * near miss of the right shape.
 */
export const FOREIGN_CAP_KINDS: readonly CapKind[] = [
  'ThreadCap', 'IRQControlCap', 'IRQHandlerCap', 'DomainCap', 'PageDirectoryCap', 'PageTableCap', 'FrameCap',
  'ASIDControlCap', 'ASIDPoolCap',
];
