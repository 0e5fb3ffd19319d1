/**
 * The capability derivation tree from the implementation's MDB: the doubly linked lists of
 * CTEs (`mdbPrev`, `mdbNext`) with their `mdbRevocable` and `mdbFirstBadged` bits.
 *
 * A slot's CDT descendants are the run of CTEs right after it in its list for which it is the
 * "MDB parent" (Haskell `isMDBParentOf`: it is revocable, it covers the same region, and for a
 * badged endpoint or notification the badges agree and the later one is not first-badged).
 * The direct parent is the nearest CTE before a slot that has it among its descendants
 * (l4v `cdt_relation`); the child order of `cdt_list` is the list order
 * (`cdt_list_relation`); `is_original_cap` is `mdbRevocable` (`revokable_relation`).
 *
 * @module
 */
import type { PhysicalMemory } from '../../hardware/memory.js';
import { PAGE_BITS_FOR_SIZE, type Cap } from '../../spec/state/cap.js';
import { AbstractionError } from './cap-words.js';
import { capAt } from './objects.js';

/** A CTE's MDB node, read out. */
export interface MdbNode {
  /** The cap in the CTE. */
  readonly cap: Cap;
  /** `mdbPrev` (0 = none). */
  readonly prev: number;
  /** `mdbNext` (0 = none). */
  readonly next: number;
  /** `mdbRevocable`. */
  readonly revocable: boolean;
  /** `mdbFirstBadged`. */
  readonly firstBadged: boolean;
}

/** Reads the CTE at `cte`. */
export function mdbNode(mem: PhysicalMemory, cte: number): MdbNode {
  const w0 = mem.read32(cte + 8);
  const w1 = mem.read32(cte + 12);
  return {
    cap: capAt(mem, cte),
    prev: (w0 & 0xfffffff8) >>> 0,
    next: (w1 & 0xfffffff8) >>> 0,
    revocable: (w1 & 2) !== 0,
    firstBadged: (w1 & 1) !== 0,
  };
}

/** Whether a cap names memory an untyped could have held (Haskell `isPhysicalCap`). */
function isPhysicalCap(c: Cap): boolean {
  switch (c.kind) {
    case 'NullCap':
    case 'IRQControlCap':
    case 'DomainCap':
    case 'IRQHandlerCap':
    case 'ReplyCap':
    case 'ASIDControlCap':
    case 'SGISignalCap':
      return false;
    default:
      return true;
  }
}

/** `capUntypedPtr` and `capUntypedSize`: the memory a physical cap covers. */
function coveredRange(c: Cap): { base: number; size: number } | undefined {
  switch (c.kind) {
    case 'UntypedCap':
      return { base: c.ptr, size: 2 ** c.sizeBits };
    case 'EndpointCap':
    case 'NotificationCap':
      return { base: c.ptr, size: 16 };
    case 'CNodeCap':
      return { base: c.ptr, size: 2 ** (c.bits + 4) };
    case 'ThreadCap':
      return { base: c.tcb, size: 512 };
    case 'Zombie':
      return { base: c.ptr, size: c.type.kind === 'ZombieTCB' ? 512 : 2 ** (c.type.bits + 4) };
    case 'FrameCap':
      return { base: c.ptr, size: 2 ** PAGE_BITS_FOR_SIZE[c.size] };
    case 'PageTableCap':
      return { base: c.ptr, size: 1024 };
    case 'PageDirectoryCap':
      return { base: c.ptr, size: 16384 };
    case 'ASIDPoolCap':
      return { base: c.ptr, size: 4096 };
    default:
      return undefined;
  }
}

/** Haskell `sameRegionAs` (arguments in MDB order). */
export function sameRegionAs(a: Cap, b: Cap): boolean {
  switch (a.kind) {
    case 'UntypedCap': {
      const r = coveredRange(b);
      if (!isPhysicalCap(b) || r === undefined) return false;
      const topA = a.ptr + 2 ** a.sizeBits - 1;
      const topB = r.base + r.size - 1;
      return a.ptr <= r.base && topB <= topA && r.base <= topB;
    }
    case 'EndpointCap':
    case 'NotificationCap':
      return b.kind === a.kind && b.ptr === a.ptr;
    case 'CNodeCap':
      return b.kind === 'CNodeCap' && b.ptr === a.ptr && b.bits === a.bits;
    case 'ThreadCap':
      return b.kind === 'ThreadCap' && b.tcb === a.tcb;
    case 'ReplyCap':
      return b.kind === 'ReplyCap' && b.tcb === a.tcb;
    case 'DomainCap':
      return b.kind === 'DomainCap';
    case 'IRQControlCap':
      return b.kind === 'IRQControlCap' || b.kind === 'IRQHandlerCap' || b.kind === 'SGISignalCap';
    case 'IRQHandlerCap':
      return b.kind === 'IRQHandlerCap' && b.irq === a.irq;
    case 'FrameCap': {
      if (b.kind !== 'FrameCap') return false;
      const topA = a.ptr + 2 ** PAGE_BITS_FOR_SIZE[a.size] - 1;
      const topB = b.ptr + 2 ** PAGE_BITS_FOR_SIZE[b.size] - 1;
      return a.ptr <= b.ptr && topA >= topB && b.ptr <= topB;
    }
    case 'PageTableCap':
    case 'PageDirectoryCap':
    case 'ASIDPoolCap':
      return b.kind === a.kind && b.ptr === a.ptr;
    case 'ASIDControlCap':
      return b.kind === 'ASIDControlCap';
    case 'SGISignalCap':
      return b.kind === 'SGISignalCap' && b.irq === a.irq && b.target === a.target;
    case 'NullCap':
    case 'Zombie':
      return false;
  }
}

/** Haskell `isMDBParentOf`: whether CTE `a` is the MDB parent of CTE `b` that follows it. */
export function isMDBParentOf(a: MdbNode, b: MdbNode): boolean {
  if (!a.revocable || !sameRegionAs(a.cap, b.cap)) return false;
  if (a.cap.kind === 'SGISignalCap' && b.cap.kind === 'SGISignalCap') return !b.firstBadged;
  if ((a.cap.kind === 'EndpointCap' && b.cap.kind === 'EndpointCap') || (a.cap.kind === 'NotificationCap' && b.cap.kind === 'NotificationCap')) {
    if (a.cap.badge !== 0) return a.cap.badge === b.cap.badge && !b.firstBadged;
  }
  return true;
}

/** Reads MDB nodes, each once per instance (an instance lives for one query or one abstraction). */
export class MdbReader {
  private readonly cache = new Map<number, MdbNode>();

  /** Creates a reader over `mem`. */
  constructor(private readonly mem: PhysicalMemory) {}

  /** The node at `cte`. */
  node(cte: number): MdbNode {
    let n = this.cache.get(cte);
    if (n === undefined) {
      n = mdbNode(this.mem, cte);
      this.cache.set(cte, n);
    }
    return n;
  }

  /**
   * The CDT parent of the CTE at `cte`: the nearest earlier CTE in its list of which every CTE
   * from just after it up to `cte` is an MDB child.
   */
  parent(cte: number): number | undefined {
    const c = this.node(cte);
    const between: MdbNode[] = [c];
    const seen = new Set<number>([cte]);
    for (let p = c.prev; p !== 0; p = this.node(p).prev) {
      if (seen.has(p)) throw new AbstractionError(`MDB list through 0x${cte.toString(16)} has a cycle`);
      seen.add(p);
      const pn = this.node(p);
      if (between.every((x) => isMDBParentOf(pn, x))) return p;
      between.push(pn);
    }
    return undefined;
  }

  /** The CDT children of the CTE at `cte`, in list order. */
  children(cte: number): number[] {
    const p = this.node(cte);
    const out: number[] = [];
    // Open ancestors within p's run, nearest last: a CTE's parent is the last open one that
    // is its MDB parent; a CTE closes every open one that is not.
    let open: { cte: number; node: MdbNode }[] = [{ cte, node: p }];
    const seen = new Set<number>([cte]);
    for (let x = p.next; x !== 0; x = this.node(x).next) {
      if (seen.has(x)) throw new AbstractionError(`MDB list through 0x${cte.toString(16)} has a cycle`);
      seen.add(x);
      const xn = this.node(x);
      if (!isMDBParentOf(p, xn)) break;
      open = open.filter((o) => isMDBParentOf(o.node, xn));
      if (open[open.length - 1]!.cte === cte) out.push(x);
      open.push({ cte: x, node: xn });
    }
    return out;
  }
}

/**
 * The whole CDT of the CTEs in `ctes` (every CTE of every CNode and TCB): parent of each
 * child, children of each parent in order, and the revocable CTEs. Also checks the list
 * invariants of the Haskell MDB that the abstraction relies on: `valid_dlist` (prev and next
 * agree), `no_0`-style termination (no cycles, no links to non-CTEs), and `valid_nullcaps`
 * (an empty CTE has the null MDB node).
 */
export function wholeCdt(mem: PhysicalMemory, ctes: readonly number[], isCte: (a: number) => boolean): {
  parents: Map<number, number>;
  children: Map<number, number[]>;
  revocable: number[];
} {
  const parents = new Map<number, number>();
  const children = new Map<number, number[]>();
  const revocable: number[] = [];
  const nodes = new Map<number, MdbNode>();
  for (const c of ctes) {
    // An all-zero CTE (null cap, null MDB node) takes no part; anything linking to it breaks
    // valid_dlist below.
    if (mem.read32(c) === 0 && mem.read32(c + 4) === 0 && mem.read32(c + 8) === 0 && mem.read32(c + 12) === 0) continue;
    nodes.set(c, mdbNode(mem, c));
  }
  for (const [c, n] of nodes) {
    if (n.revocable) revocable.push(c);
    if (n.cap.kind === 'NullCap' && (n.prev !== 0 || n.next !== 0 || n.revocable || n.firstBadged)) {
      throw new AbstractionError(`valid_nullcaps: empty CTE 0x${c.toString(16)} has MDB node prev 0x${n.prev.toString(16)} next 0x${n.next.toString(16)}${n.revocable ? ' revocable' : ''}`);
    }
    for (const [link, other, back] of [['next', n.next, 'prev'], ['prev', n.prev, 'next']] as const) {
      if (other === 0) continue;
      const o = nodes.get(other);
      if (!isCte(other)) throw new AbstractionError(`MDB: CTE 0x${c.toString(16)} ${link} points to 0x${other.toString(16)}, not a CTE`);
      if (o === undefined) throw new AbstractionError(`valid_dlist: CTE 0x${c.toString(16)} ${link} points to the empty CTE 0x${other.toString(16)}`);
      if (o[back] !== c) throw new AbstractionError(`valid_dlist: CTE 0x${c.toString(16)} ${link} = 0x${other.toString(16)}, whose ${back} is 0x${o[back].toString(16)}`);
    }
  }
  const visited = new Set<number>();
  for (const [head, n] of nodes) {
    if (n.prev !== 0 || n.cap.kind === 'NullCap') continue;
    let open: { cte: number; node: MdbNode }[] = [];
    for (let x = head; x !== 0; x = nodes.get(x)!.next) {
      if (visited.has(x)) throw new AbstractionError(`MDB list from 0x${head.toString(16)} has a cycle`);
      visited.add(x);
      const xn = nodes.get(x)!;
      open = open.filter((o) => isMDBParentOf(o.node, xn));
      const parent = open[open.length - 1];
      if (parent !== undefined) {
        parents.set(x, parent.cte);
        const list = children.get(parent.cte) ?? [];
        list.push(x);
        children.set(parent.cte, list);
      }
      open.push({ cte: x, node: xn });
    }
  }
  for (const [c, n] of nodes) {
    if (n.cap.kind !== 'NullCap' && !visited.has(c)) throw new AbstractionError(`MDB: CTE 0x${c.toString(16)} is on a list with no head (a cycle)`);
  }
  return { parents, children, revocable };
}
