/**
 * What the VM resolvers read from the state before they build an invocation: the caps of a
 * kind in the root CNode, which page directories have a live ASID and which a stale one (its
 * pool deleted under it), the directory and table entries a new mapping would meet, and the
 * frames whose recorded mapping is still current.
 *
 * @module
 */
import { ASID_POOL_INDEX_BITS, USER_TOP } from '../../abi/config.js';
import { PAGE_BITS_FOR_SIZE, type Cap, type CapOf, type VMPageSize } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { PDE, PTE } from '../../spec/state/object.js';
import { resolveVAddr } from '../../spec/arch/arm/vspace.js';
import { rootSlotsWhere, type CSpaceView } from './cspace.js';

/** A root-CNode slot and the cap in it. */
export interface Slot<C extends Cap> {
  /** The slot index (its CPtr). */
  readonly cptr: number;
  /** The cap. */
  readonly cap: C;
}

/** A frame cap. */
export type Frame = CapOf<'FrameCap'>;
/** A page directory cap. */
export type PDCap = CapOf<'PageDirectoryCap'>;

/** The root slots holding caps of `kind` that satisfy `pred`. */
export function slots<K extends Cap['kind']>(v: CSpaceView, kind: K, pred: (c: CapOf<K>) => boolean = () => true): Slot<CapOf<K>>[] {
  return rootSlotsWhere(v, (c) => c.kind === kind && pred(c as CapOf<K>)).map((cptr) => ({ cptr, cap: v.root!.slots.get(cptr) as CapOf<K> }));
}

/** The page directory ASID `asid` names now, or undefined (no pool, or no entry). */
export function pdOfASID(s: KernelState, asid: number): number | undefined {
  if (asid <= 0) return undefined;
  const pool = s.arch.asidTable.get(asid >>> ASID_POOL_INDEX_BITS);
  if (pool === undefined) return undefined;
  const o = s.kheap.get(pool);
  return o?.kind === 'ASIDPool' ? o.entries.get(asid & (2 ** ASID_POOL_INDEX_BITS - 1)) : undefined;
}

/** Whether `asid` still names page directory `pd`. */
export function liveASID(s: KernelState, asid: number | null, pd?: number): boolean {
  if (asid === null) return false;
  const found = pdOfASID(s, asid);
  return found !== undefined && (pd === undefined || found === pd);
}

/** PD caps whose ASID names their directory: the address spaces a map or flush can use. */
export function livePDs(s: KernelState, v: CSpaceView): Slot<PDCap>[] {
  return slots(v, 'PageDirectoryCap', (c) => liveASID(s, c.asid, c.ptr));
}

/** PD caps that record an ASID no pool holds any more (`FailedLookup` for maps and flushes). */
export function stalePDs(s: KernelState, v: CSpaceView): Slot<PDCap>[] {
  return slots(v, 'PageDirectoryCap', (c) => c.asid !== null && pdOfASID(s, c.asid) === undefined);
}

/** Frame caps whose recorded ASID no pool holds any more. */
export function staleFrames(s: KernelState, v: CSpaceView): Slot<Frame>[] {
  return slots(v, 'FrameCap', (c) => c.mapping !== null && pdOfASID(s, c.mapping.asid) === undefined);
}

/** Whether a frame cap's recorded mapping is what its address space maps there now. */
export function currentMapping(s: KernelState, c: Frame): boolean {
  if (c.mapping === null) return false;
  const pd = pdOfASID(s, c.mapping.asid);
  if (pd === undefined) return false;
  const info = resolveVAddr(s, pd, c.mapping.vaddr);
  return info !== null && info.size === c.size && info.frame === c.ptr;
}

/** The directory entry of `pd` for `vaddr`. */
export function pdeAt(s: KernelState, pd: number, vaddr: number): PDE | undefined {
  const o = s.kheap.get(pd);
  return o?.kind === 'PageDirectory' ? o.entries.get(vaddr >>> 20) : undefined;
}

/** The table entry for `vaddr` in page table `pt`. */
export function pteAt(s: KernelState, pt: number, vaddr: number): PTE | undefined {
  const o = s.kheap.get(pt);
  return o?.kind === 'PageTable' ? o.entries.get((vaddr >>> 12) & 0xff) : undefined;
}

/** The user MiBs (below the kernel window) of `pd` whose directory entry is of `kind`, ascending. */
export function userMiBs(s: KernelState, pd: number, kind: PDE['kind']): number[] {
  const o = s.kheap.get(pd);
  if (o?.kind !== 'PageDirectory') return [];
  const out: number[] = [];
  for (const [i, e] of o.entries) if (e.kind === kind && i * 0x100000 < USER_TOP) out.push(i * 0x100000);
  return out.sort((x, y) => x - y);
}

const PTE_KIND: Partial<Record<VMPageSize, PTE['kind']>> = { ARMSmallPage: 'SmallPagePTE', ARMLargePage: 'LargePagePTE' };
const PDE_KIND: Partial<Record<VMPageSize, PDE['kind']>> = { ARMSection: 'SectionPDE', ARMSuperSection: 'SuperSectionPDE' };

/**
 * How a frame of `size` mapped at `vaddr` in `pd` would fare: `free` (every entry it writes is
 * invalid), `same` (entries of its own size: a replacement), `clash` (an entry of another kind
 * in the way), `noTable` (a page with no page table there).
 */
export function mappingFate(s: KernelState, pd: number, vaddr: number, size: VMPageSize): 'free' | 'same' | 'clash' | 'noTable' {
  const count = size === 'ARMLargePage' || size === 'ARMSuperSection' ? 16 : 1;
  const step = size === 'ARMLargePage' ? 0x1000 : 0x100000;
  const kinds: string[] = [];
  const pte = PTE_KIND[size];
  if (pte !== undefined) {
    const pde = pdeAt(s, pd, vaddr);
    if (pde?.kind !== 'PageTablePDE') return 'noTable';
    for (let i = 0; i < count; i++) kinds.push(pteAt(s, pde.table, vaddr + i * step)?.kind ?? 'InvalidPTE');
    return fate(kinds, pte);
  }
  for (let i = 0; i < count; i++) kinds.push(pdeAt(s, pd, vaddr + i * step)?.kind ?? 'InvalidPDE');
  return fate(kinds, PDE_KIND[size]!);
}

function fate(kinds: readonly string[], own: string): 'free' | 'same' | 'clash' {
  if (kinds.every((k) => k === 'InvalidPTE' || k === 'InvalidPDE')) return 'free';
  return kinds.every((k) => k === own || k === 'InvalidPTE' || k === 'InvalidPDE') ? 'same' : 'clash';
}

/** A frame's size in bytes. */
export function frameBytes(size: VMPageSize): number {
  return 2 ** PAGE_BITS_FOR_SIZE[size];
}

/** How many caps in the root CNode name the same object as `c` (an approximation of `is_final_cap`'s count). */
export function copiesOf(v: CSpaceView, c: Cap & { readonly ptr: number }): number {
  return rootSlotsWhere(v, (o) => o.kind === c.kind && 'ptr' in o && o.ptr === c.ptr).length;
}
