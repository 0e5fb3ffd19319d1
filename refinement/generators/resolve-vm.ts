/**
 * Resolves a {@link VMAction} against the current state: the frame, page table, page
 * directory, pool or untyped it needs, chosen from the root CNode, or, when there is none
 * yet, the step that makes one (a Retype, an ASID pool Assign, a page table mapped where a
 * small page needs one), so that map, re-map and unmap sequences build up over several
 * address spaces. Printed with the libsel4 argument names:
 * `ARMPageMap(frame@0x40, vaddr=0x40100000, rights=RW, attr=0x3, pd=pd@0x3)`. An action
 * with an aim goes to `vm-aim.ts`, a step of the hardware-ASID scenario to `vm-hwasid.ts`.
 *
 * @module
 */
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import { PAGE_BITS_FOR_SIZE, type Cap, type CapOf, type VMPageSize } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { VMAction } from './action.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { hex, invoke, type ResolvedAction } from './message.js';
import { makeObject, rightsText } from './resolve.js';
import { resolveAimed } from './vm-aim.js';
import { spreadStep } from './vm-hwasid.js';

const SIZES: readonly VMPageSize[] = ['ARMSmallPage', 'ARMLargePage', 'ARMSection', 'ARMSuperSection'];
const FRAME_TYPE = [OBJECT_TYPE_NUMBER.SmallPage, OBJECT_TYPE_NUMBER.LargePage, OBJECT_TYPE_NUMBER.Section, OBJECT_TYPE_NUMBER.SuperSection];

/** Where generated mappings go: four 16 MiB arenas above the root task's image, below the kernel window. */
export const ARENA_BASE = 0x40000000;

type Frame = CapOf<'FrameCap'>;

interface Slot<C extends Cap> {
  readonly cptr: number;
  readonly cap: C;
}

function slots<K extends Cap['kind']>(v: CSpaceView, kind: K, pred: (c: CapOf<K>) => boolean = () => true): Slot<CapOf<K>>[] {
  return rootSlotsWhere(v, (c) => c.kind === kind && pred(c as CapOf<K>)).map((cptr) => ({ cptr, cap: v.root!.slots.get(cptr) as CapOf<K> }));
}

const RAM_FRAME = (c: Frame): boolean => !c.isDevice;

/** Resolves `a` for the current thread, whose CSpace is `v`. */
export function resolveVMAction(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  if (a.spread === true) return spreadStep(s, v, a);
  if (a.aim !== undefined) return resolveAimed(s, v, a);
  switch (a.label) {
    case 'ARMPageMap':
      return pageMap(s, v, a);
    case 'ARMPageUnmap':
    case 'ARMPageGetAddress':
      return withFrame(s, v, a, (f) => send(a, f.cptr, [], [], `${a.label}(${name('frame', f.cptr)})`));
    case 'ARMPageClean_Data':
    case 'ARMPageInvalidate_Data':
    case 'ARMPageCleanInvalidate_Data':
    case 'ARMPageUnify_Instruction':
      return withFrame(s, v, a, (f) => {
        const [start, end] = pageRange(a, 2 ** PAGE_BITS_FOR_SIZE[f.cap.size]);
        return send(a, f.cptr, [start, end], [], `${a.label}(${name('frame', f.cptr)}, start=${hex(start)}, end=${hex(end)})`);
      });
    case 'ARMPageTableMap':
      return pageTableMap(s, v, a);
    case 'ARMPageTableUnmap':
      return pageTableUnmap(s, v, a);
    case 'ARMPDClean_Data':
    case 'ARMPDInvalidate_Data':
    case 'ARMPDCleanInvalidate_Data':
    case 'ARMPDUnify_Instruction':
      return pdFlush(s, v, a);
    case 'ARMASIDControlMakePool':
      return makePool(s, v, a);
    case 'ARMASIDPoolAssign':
      return assign(s, v, a);
  }
}

function name(kind: string, cptr: number): string {
  return `${kind}@${hex(cptr)}`;
}

// The invocation, with the cap replaced by an empty slot or a cap of another kind when the action says so.
function send(a: VMAction, cptr: number, mrs: readonly number[], caps: readonly number[], text: string): ResolvedAction {
  return invoke(a.syscall, cptr, { label: a.label, mrs, caps }, a.shortBy, a.noExtraCaps, null, text);
}

function invokedOr(v: CSpaceView, a: VMAction, cptr: number): number {
  if (a.cap === 'empty') return kthEmpty(v.root!, a.k);
  if (a.cap === 'foreign') return 2;
  return cptr;
}

// ---- address spaces ----

/**
 * The page directory an action maps into: the root task's, another assigned one (one is
 * assigned first while there is none), an unassigned one, or no PD at all.
 */
function chosenPD(s: KernelState, v: CSpaceView, a: VMAction): Slot<Cap> | ResolvedAction {
  switch (a.pd) {
    case 'root': {
      const root = v.root!.slots.get(3);
      if (root?.kind === 'PageDirectoryCap' && root.asid !== null) return { cptr: 3, cap: root };
      return otherPD(s, v, a);
    }
    case 'other':
      return otherPD(s, v, a);
    case 'unassigned':
      return kth(slots(v, 'PageDirectoryCap', (c) => c.asid === null), a.k) ?? makeObject(s, v, OBJECT_TYPE_NUMBER.PageDirectory, a.k);
    case 'foreign':
      return { cptr: 2, cap: v.root!.slots.get(2)! };
  }
}

function otherPD(s: KernelState, v: CSpaceView, a: VMAction): Slot<Cap> | ResolvedAction {
  const rootPD = v.root!.slots.get(3);
  const rootPtr = rootPD?.kind === 'PageDirectoryCap' ? rootPD.ptr : -1;
  const others = slots(v, 'PageDirectoryCap', (c) => c.asid !== null && c.ptr !== rootPtr);
  // A few address spaces: a new one now and then while there are fewer than three.
  const distinct = new Set(others.map((o) => o.cap.ptr)).size;
  if (distinct === 0 || (distinct < 3 && a.k % 16 === 0)) return assign(s, v, { ...a, cap: 'good', pd: 'unassigned' });
  return kth(others, a.k)!;
}

function isResolved(x: Slot<Cap> | ResolvedAction): x is ResolvedAction {
  return 'event' in x;
}

function asidOf(c: Cap): number | null {
  return c.kind === 'PageDirectoryCap' ? c.asid : null;
}

// ---- frames ----

/** A vaddr for a frame of `bits` in the arenas; small and large pages go where a page table of `asid` is mapped (k permitting). */
function arenaVAddr(v: CSpaceView, a: VMAction, bits: number, asid: number | null): number {
  const arena = ARENA_BASE + (a.k % 4) * 0x1000000;
  if (bits >= 24) return arena;
  const unit = 2 ** bits;
  if (bits >= 20) return arena + ((a.k >>> 2) % 16) * unit;
  const tables = slots(v, 'PageTableCap', (c) => c.mapping !== null && c.mapping.asid === asid);
  const mb = kth(tables, a.k >>> 2)?.cap.mapping?.vaddr ?? arena + ((a.k >>> 2) % 16) * 0x100000;
  return mb + ((a.k >>> 6) % Math.min(16, 0x100000 / unit)) * unit;
}

/** The vaddr the action names for a frame of `bits` in address space `asid`. */
function frameVAddr(v: CSpaceView, a: VMAction, bits: number, asid: number | null): number {
  switch (a.vaddr) {
    case 'arena':
      return arenaVAddr(v, a, bits, asid);
    case 'misaligned':
      return arenaVAddr(v, a, bits, asid) + (bits > 12 ? 0x1000 : 0x800);
    case 'kernel':
      return a.k % 2 === 0 ? 0xe0000000 - 2 ** bits + 0x1000 * (a.k % 3) : 0xe0000000 + (a.k % 32) * 0x100000;
    case 'taken': {
      const mapped = slots(v, 'FrameCap', (c) => c.mapping !== null && c.mapping.asid === asid);
      return kth(mapped, a.k)?.cap.mapping?.vaddr ?? arenaVAddr(v, a, bits, asid);
    }
    case 'raw':
      return a.word >>> 0;
  }
}

function pageMap(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const size = SIZES[a.size % 4]!;
  const bits = PAGE_BITS_FOR_SIZE[size];
  let frame: Slot<Frame> | undefined;
  let pd = chosenPD(s, v, a);
  if (isResolved(pd)) return pd;
  let vaddr: number;
  if (a.cap === 'near') {
    // A re-map: of the mapping the cap records (same space and address: new rights and
    // attributes), or, as the action says, into another space or at another address.
    frame = kth(slots(v, 'FrameCap', (c) => RAM_FRAME(c) && c.mapping !== null), a.k);
    if (frame === undefined) return pageMap(s, v, { ...a, cap: 'good' });
    const m = frame.cap.mapping!;
    const own = kth(slots(v, 'PageDirectoryCap', (c) => c.asid === m.asid), a.k);
    if (a.pd !== 'other' && own !== undefined) pd = own;
    vaddr = a.vaddr === 'arena' || a.vaddr === 'taken' ? m.vaddr : frameVAddr(v, a, PAGE_BITS_FOR_SIZE[frame.cap.size], m.asid);
  } else {
    frame = kth(slots(v, 'FrameCap', (c) => RAM_FRAME(c) && c.mapping === null && c.size === size), a.k);
    // Two at once (but one supersection): a spare for the next Map of this size.
    if (frame === undefined) return makeObject(s, v, FRAME_TYPE[a.size % 4]!, a.k, 0, bits >= 24 ? 1 : 2);
    const asid = asidOf(pd.cap);
    vaddr = frameVAddr(v, a, bits, asid);
    // Small and large pages need a page table: map one there first (mostly).
    if (bits < 20 && asid !== null && a.vaddr === 'arena' && a.k % 5 !== 0 && !tableAt(v, asid, vaddr)) {
      return pageTableMap(s, v, { ...a, label: 'ARMPageTableMap', cap: 'good', vaddr: 'arena' }, { cptr: pd.cptr, cap: pd.cap }, vaddr);
    }
  }
  const cptr = invokedOr(v, a, frame.cptr);
  return send(a, cptr, [vaddr, a.rights, a.attr], [pd.cptr],
    `ARMPageMap(${name('frame', cptr)}, vaddr=${hex(vaddr)}, rights=${rightsText(a.rights)}, attr=${hex(a.attr)}, pd=${name('pd', pd.cptr)})`);
}

function tableAt(v: CSpaceView, asid: number, vaddr: number): boolean {
  const mb = (vaddr & 0xfff00000) >>> 0;
  return slots(v, 'PageTableCap', (c) => c.mapping !== null && c.mapping.asid === asid && c.mapping.vaddr === mb).length > 0
    || slots(v, 'FrameCap', (c) => c.mapping !== null && c.mapping.asid === asid && (c.mapping.vaddr & 0xfff00000) >>> 0 === mb && PAGE_BITS_FOR_SIZE[c.size] >= 20).length > 0;
}

/** A mapped RAM frame (near: an unmapped one), or, while none is mapped, a Map that maps one. */
function withFrame(s: KernelState, v: CSpaceView, a: VMAction, f: (frame: Slot<Frame>) => ResolvedAction): ResolvedAction {
  const mapped = a.cap !== 'near';
  const frame = kth(slots(v, 'FrameCap', (c) => RAM_FRAME(c) && (c.mapping !== null) === mapped), a.k);
  if (frame === undefined) return mapped ? pageMap(s, v, { ...a, label: 'ARMPageMap', cap: 'good', vaddr: 'arena', shortBy: 0, noExtraCaps: false }) : makeObject(s, v, FRAME_TYPE[a.size % 4]!, a.k);
  return f({ cptr: invokedOr(v, a, frame.cptr), cap: frame.cap });
}

/** Flush offsets within a page of `size` bytes. */
function pageRange(a: VMAction, size: number): [number, number] {
  const start = (a.k % 8) * 0x40;
  switch (a.range) {
    case 'ok':
      return [start, start + 0x40 + (a.k % 3) * 0x100];
    case 'reversed':
      return [start + 0x40, start + 0x40 - (a.k % 2) * 0x40];
    case 'beyond':
      return [start, size + 4];
    case 'cross':
      return [size, size + 0x40];
  }
}

// ---- page tables ----

function pageTableMap(s: KernelState, v: CSpaceView, a: VMAction, pdGiven?: Slot<Cap>, at?: number): ResolvedAction {
  const pd = pdGiven ?? chosenPD(s, v, a);
  if (isResolved(pd)) return pd;
  const table = kth(slots(v, 'PageTableCap', (c) => (c.mapping !== null) === (a.cap === 'near')), a.k);
  // A few at once: the small pages mapped meanwhile take one each.
  if (table === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.PageTable, a.k, 0, 3);
  const asid = asidOf(pd.cap);
  let vaddr: number;
  if (at !== undefined) vaddr = at;
  else if (a.vaddr === 'taken') vaddr = takenMB(v, asid) ?? ARENA_BASE;
  else if (a.vaddr === 'arena' || a.vaddr === 'misaligned') vaddr = ARENA_BASE + (a.k % 64) * 0x100000 + (a.vaddr === 'misaligned' ? 0x1234 : 0);
  else vaddr = frameVAddr(v, a, 20, asid);
  const cptr = invokedOr(v, a, table.cptr);
  return send({ ...a, label: 'ARMPageTableMap' }, cptr, [vaddr, a.attr], [pd.cptr],
    `ARMPageTableMap(${name('pt', cptr)}, vaddr=${hex(vaddr)}, attr=${hex(a.attr)}, pd=${name('pd', pd.cptr)})${at === undefined ? '' : ' (for a page)'}`);
}

// A MiB of address space `asid` whose directory entry is in use (a page table or a section).
function takenMB(v: CSpaceView, asid: number | null): number | undefined {
  const tables = slots(v, 'PageTableCap', (c) => c.mapping !== null && c.mapping.asid === asid).map((t) => t.cap.mapping!.vaddr);
  const sections = slots(v, 'FrameCap', (c) => c.mapping !== null && c.mapping.asid === asid && PAGE_BITS_FOR_SIZE[c.size] >= 20).map((f) => f.cap.mapping!.vaddr);
  return [...tables, ...sections][0];
}

function pageTableUnmap(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  if (a.cap === 'near') {
    // A page table whose cap has copies: Unmap needs the final cap (`RevokeFirst`).
    const all = slots(v, 'PageTableCap');
    const copied = all.filter((t) => all.some((o) => o.cap.ptr === t.cap.ptr && o.cptr !== t.cptr));
    const t = kth(copied, a.k);
    if (t !== undefined) return send(a, t.cptr, [], [], `ARMPageTableUnmap(${name('pt', t.cptr)}) (its cap has copies)`);
    // Only a mapped page table cap may be copied (ARM `deriveCap`).
    const src = kth(all.filter((t) => t.cap.mapping !== null), a.k);
    if (src === undefined) return pageTableMap(s, v, { ...a, label: 'ARMPageTableMap', cap: 'good', vaddr: 'arena', shortBy: 0, noExtraCaps: false });
    const dest = kthEmpty(v.root!, a.k);
    return invoke('SysCall', 2, { label: 'CNodeCopy', mrs: [dest, 32, src.cptr, 32, 0xf], caps: [2] }, 0, false, null,
      `CNodeCopy(root, dest=${hex(dest)}/32, src=${hex(src.cptr)}/32, rights=RWG+GR) (a page table cap with copies)`);
  }
  const mapped = kth(slots(v, 'PageTableCap', (c) => c.mapping !== null), a.k);
  if (mapped === undefined) return pageTableMap(s, v, { ...a, label: 'ARMPageTableMap', cap: 'good', vaddr: 'arena', shortBy: 0, noExtraCaps: false });
  const cptr = invokedOr(v, a, mapped.cptr);
  return send(a, cptr, [], [], `ARMPageTableUnmap(${name('pt', cptr)})`);
}

// ---- page directories ----

function pdFlush(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  // Another address space only when one exists: making one takes several steps, and a flush few draws.
  const rootPD = v.root!.slots.get(3);
  const other = a.pd === 'other' && slots(v, 'PageDirectoryCap', (c) => c.asid !== null && (rootPD?.kind !== 'PageDirectoryCap' || c.ptr !== rootPD.ptr)).length > 0;
  const pd = a.cap === 'near' ? chosenPD(s, v, { ...a, pd: 'unassigned' }) : chosenPD(s, v, other ? a : { ...a, pd: 'root' });
  if (isResolved(pd)) return pd;
  const asid = asidOf(pd.cap);
  const frame = kth(slots(v, 'FrameCap', (c) => c.mapping !== null && c.mapping.asid === asid), a.k);
  const base = frame?.cap.mapping?.vaddr ?? ARENA_BASE + (a.k % 64) * 0x100000;
  const size = frame === undefined ? 0x1000 : 2 ** PAGE_BITS_FOR_SIZE[frame.cap.size];
  let start = base + (a.k % 8) * 0x40;
  let end = start + 0x40;
  if (a.range === 'reversed') end = start;
  else if (a.range === 'cross') end = base + size + 0x40;
  else if (a.range === 'beyond') [start, end] = [0xe0000000 - 0x40 * (a.k % 2), 0xe0000040];
  const cptr = invokedOr(v, a, pd.cptr);
  return send(a, cptr, [start >>> 0, end >>> 0], [], `${a.label}(${name('pd', cptr)}, start=${hex(start)}, end=${hex(end)})`);
}

// ---- ASIDs ----

function makePool(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const control = slots(v, 'ASIDControlCap')[0]?.cptr ?? 5;
  const untypeds = slots(v, 'UntypedCap', (c) => !c.isDevice);
  const children = (cptr: number): number => childCount(s, v, cptr);
  let u: Slot<CapOf<'UntypedCap'>> | undefined;
  if (a.cap === 'near') {
    // Of 4 KiB with children (`RevokeFirst`), or of another size (`InvalidCapability`).
    const parents = untypeds.filter((x) => x.cap.sizeBits === 12 && children(x.cptr) > 0);
    u = (a.k % 2 === 0 ? kth(parents, a.k) : undefined) ?? kth(untypeds.filter((x) => x.cap.sizeBits !== 12 || children(x.cptr) > 0), a.k);
  } else {
    u = kth(untypeds.filter((x) => x.cap.sizeBits === 12 && children(x.cptr) === 0), a.k);
    // Several at once: the other retypes soon take a spare 4 KiB untyped for small objects.
    if (u === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.Untyped, a.k, 12, 4);
  }
  const untyped = u?.cptr ?? kthEmpty(v.root!, a.k);
  let dest = kthEmpty(v.root!, a.k >>> 3);
  let depth = 32;
  if (a.range === 'reversed') dest = kth(v.live, a.k) ?? dest;
  else if (a.range === 'beyond') depth = [0, 33, 64][a.k % 3]!;
  const cptr = invokedOr(v, a, control);
  // Also reached from other labels that need a pool first: sent as MakePool whatever `a` names.
  return send({ ...a, label: 'ARMASIDControlMakePool' }, cptr, [dest, depth], [untyped, 2],
    `ARMASIDControlMakePool(${name('asidctl', cptr)}, untyped=${name('untyped', untyped)}, root=root, index=${hex(dest)}, depth=${depth})`);
}

function childCount(s: KernelState, v: CSpaceView, cptr: number): number {
  return s.cdtList.get(v.rootCap!.ptr + 16 * cptr)?.length ?? 0;
}

function assign(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const pools = slots(v, 'ASIDPoolCap');
  const pool = kth(pools, a.k >>> 1);
  if (pool === undefined) return makePool(s, v, { ...a, cap: 'good', range: 'ok' });
  const pd = a.cap === 'near'
    ? kth(slots(v, 'PageDirectoryCap', (c) => c.asid !== null), a.k)
    : kth(slots(v, 'PageDirectoryCap', (c) => c.asid === null), a.k);
  if (pd === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.PageDirectory, a.k);
  const cptr = invokedOr(v, a, pool.cptr);
  return send({ ...a, label: 'ARMASIDPoolAssign' }, cptr, [], [pd.cptr], `ARMASIDPoolAssign(${name('pool', cptr)}, pd=${name('pd', pd.cptr)})`);
}
