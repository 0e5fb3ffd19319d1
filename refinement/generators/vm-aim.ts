/**
 * Resolves a {@link VMAction} that aims at one outcome (`ok` or one error of its label, in
 * seL4 16.0.0's decode order, `src/arch/arm/32/kernel/vspace.c` `decodeARM*`): the cap,
 * words and extra caps are built so that the kernel meets exactly that check, and when the
 * state lacks what the outcome needs (a frame, an unmapped page table, a fresh 4 KiB untyped,
 * a page directory whose ASID pool has been deleted) the action becomes one step towards it
 * instead. Only the spec decides the outcome; an aim the state defeats still runs.
 *
 * @module
 */
import { USER_TOP } from '../../abi/config.js';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { Cap, VMPageSize } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { VMAction, VMLabel } from './action.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { hex, invoke, type ResolvedAction } from './message.js';
import { makeObject, rightsText } from './resolve.js';
import {
  copiesOf, currentMapping, frameBytes, livePDs, mappingFate, pdOfASID, slots, staleFrames, stalePDs, userMiBs, type Frame, type PDCap, type Slot,
} from './vm-state.js';
import { ARENA_BASE } from './resolve-vm.js';
import { assign, makePool } from './vm-aim-asid.js';

const SIZES: readonly VMPageSize[] = ['ARMSmallPage', 'ARMLargePage', 'ARMSection', 'ARMSuperSection'];
const FRAME_TYPE: Record<VMPageSize, number> = {
  ARMSmallPage: OBJECT_TYPE_NUMBER.SmallPage, ARMLargePage: OBJECT_TYPE_NUMBER.LargePage,
  ARMSection: OBJECT_TYPE_NUMBER.Section, ARMSuperSection: OBJECT_TYPE_NUMBER.SuperSection,
};
const PAGE_FLUSH = new Set<VMLabel>(['ARMPageClean_Data', 'ARMPageInvalidate_Data', 'ARMPageCleanInvalidate_Data', 'ARMPageUnify_Instruction']);
const PD_FLUSH = new Set<VMLabel>(['ARMPDClean_Data', 'ARMPDInvalidate_Data', 'ARMPDCleanInvalidate_Data', 'ARMPDUnify_Instruction']);
// Labels with an InvalidCapability of their own besides an empty slot (a PD without ASID, a stale mapping, a mapped table, ...).
const OWN_INVALID_CAP = new Set<VMLabel>([...PAGE_FLUSH, ...PD_FLUSH, 'ARMPageMap', 'ARMPageTableMap', 'ARMASIDControlMakePool', 'ARMASIDPoolAssign']);

type Built = ResolvedAction;

/** Resolves an aimed VM action (see the module comment). */
export function resolveAimed(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const flush = PAGE_FLUSH.has(a.label) || PD_FLUSH.has(a.label);
  // Flushes also refuse an unmapped frame, or a range reaching the kernel window, with IllegalOperation.
  if (a.aim === 'IllegalOperation' && !(flush && (a.k & 1) === 1)) return send(a, foreignCap(v, a), sampleMRs(a.label), sampleCaps(a.label), 'a cap of another kind');
  if (a.aim === 'InvalidCapability' && (!OWN_INVALID_CAP.has(a.label) || a.k % 3 === 0)) {
    return send(a, kthEmpty(v.root!, a.k), sampleMRs(a.label), sampleCaps(a.label), 'an empty slot');
  }
  if (PAGE_FLUSH.has(a.label)) return pageFlush(s, v, a);
  if (PD_FLUSH.has(a.label)) return pdFlush(s, v, a);
  switch (a.label) {
    case 'ARMPageMap':
      return pageMap(s, v, a);
    case 'ARMPageUnmap':
    case 'ARMPageGetAddress':
      return withAnyFrame(s, v, a, (f) => send(a, f.cptr, [], [], ''));
    case 'ARMPageTableMap':
      return tableMap(s, v, a);
    case 'ARMPageTableUnmap':
      return tableUnmap(s, v, a);
    case 'ARMASIDControlMakePool':
      return makePool(s, v, a);
    default:
      return assign(s, v, a);
  }
}

// ---- printing and sending ----

const ARG_NAMES: Partial<Record<VMLabel, readonly string[]>> = {
  ARMPageMap: ['vaddr', 'rights', 'attr'], ARMPageTableMap: ['vaddr', 'attr'], ARMASIDControlMakePool: ['index', 'depth'],
};

/** The invocation of `label` on `cptr`; a TruncatedMessage aim sends it short (words, or the extra caps). */
export function send(a: VMAction, cptr: number, mrs: readonly number[], caps: readonly number[], why: string): ResolvedAction {
  const truncated = a.aim === 'TruncatedMessage';
  const dropCaps = truncated && caps.length > 0 && (mrs.length === 0 || (a.k & 2) !== 0);
  const shortBy = truncated && !dropCaps ? 1 + (a.k >>> 2) % mrs.length : 0;
  const names = ARG_NAMES[a.label] ?? (mrs.length === 2 ? ['start', 'end'] : []);
  const args = mrs.map((w, i) => `${names[i] ?? `mr${i}`}=${a.label === 'ARMPageMap' && i === 1 ? rightsText(w) : hex(w)}`);
  const capsText = caps.map((c, i) => `cap${i}=${hex(c)}`);
  const text = `${a.label}(${[hex(cptr), ...args, ...capsText].join(', ')})${why === '' ? '' : ` (${why})`}`;
  return invoke(a.syscall, cptr, { label: a.label, mrs, caps }, shortBy, dropCaps, null, text);
}

// Words and extra caps of the right shape for a label, for invocations that fail before reading them.
function sampleMRs(label: VMLabel): number[] {
  if (label === 'ARMPageMap') return [ARENA_BASE, 3, 1];
  if (label === 'ARMPageTableMap' || label === 'ARMASIDControlMakePool') return [ARENA_BASE, label === 'ARMPageTableMap' ? 0 : 32];
  if (PAGE_FLUSH.has(label) || PD_FLUSH.has(label)) return [0, 0x40];
  return [];
}

function sampleCaps(label: VMLabel): number[] {
  if (label === 'ARMPageMap' || label === 'ARMPageTableMap') return [3];
  if (label === 'ARMASIDControlMakePool') return [0, 2];
  return label === 'ARMASIDPoolAssign' ? [3] : [];
}

// A cap that is no cap of the label's kind: its own decoder refuses the label (IllegalOperation).
function foreignCap(v: CSpaceView, a: VMAction): number {
  const own: Cap['kind'] = PAGE_FLUSH.has(a.label) || a.label === 'ARMPageMap' || a.label === 'ARMPageUnmap' || a.label === 'ARMPageGetAddress'
    ? 'FrameCap' : PD_FLUSH.has(a.label) ? 'PageDirectoryCap' : a.label.startsWith('ARMPageTable') ? 'PageTableCap'
      : a.label === 'ARMASIDControlMakePool' ? 'ASIDControlCap' : 'ASIDPoolCap';
  const kinds: readonly Cap['kind'][] = ['CNodeCap', 'ThreadCap', 'UntypedCap', 'PageDirectoryCap', 'PageTableCap', 'FrameCap', 'ASIDControlCap', 'ASIDPoolCap'];
  return kth(rootSlotsWhere(v, (c) => c.kind !== own && kinds.includes(c.kind)), a.k >>> 1) ?? 2;
}

// ---- address spaces ----

/** A page directory with a live ASID: the root task's mostly, another one now and then. */
function livePD(s: KernelState, v: CSpaceView, a: VMAction): Slot<PDCap> | undefined {
  const live = livePDs(s, v);
  const root = live.find((p) => p.cptr === 3);
  return a.k % 3 !== 0 && root !== undefined ? root : kth(live, a.k >>> 2) ?? root;
}

/**
 * A page directory whose ASID's pool is gone, with (if `frame`) a frame still recording a
 * mapping there; else one step towards it: a pool made, a directory assigned from it, a
 * section mapped there, the pool deleted.
 */
function stale(s: KernelState, v: CSpaceView, a: VMAction, frame: boolean): { pd: Slot<PDCap>; frame: Slot<Frame> | undefined } | ResolvedAction {
  const frames = staleFrames(s, v);
  const pds = stalePDs(s, v);
  if (frame ? frames.length > 0 : pds.length > 0) return { pd: kth(pds, a.k) ?? pds[0]!, frame: kth(frames, a.k) };
  const pools = slots(v, 'ASIDPoolCap', (c) => c.asidBase !== 0);
  const pool = pools[0];
  if (pool === undefined) return makePool(s, v, { ...a, aim: 'ok', label: 'ARMASIDControlMakePool' });
  const inPool = livePDs(s, v).filter((p) => p.cap.asid! >>> 10 === pool.cap.asidBase >>> 10);
  const pd = inPool[0];
  if (pd === undefined) return assign(s, v, { ...a, aim: 'ok', label: 'ARMASIDPoolAssign' }, pool);
  if (frame && !slots(v, 'FrameCap', (c) => c.mapping?.asid === pd.cap.asid).length) {
    return pageMap(s, v, { ...a, aim: 'ok', label: 'ARMPageMap', size: 2, k: a.k | 1 }, pd);
  }
  return invoke('SysCall', 2, { label: 'CNodeDelete', mrs: [pool.cptr, 32], caps: [] }, 0, false, null,
    `CNodeDelete(root, ${hex(pool.cptr)}/32) (an ASID pool deleted under its address spaces)`);
}

function isStep(x: object): x is ResolvedAction {
  return 'event' in x;
}

// ---- frames ----

/**
 * An unmapped RAM frame of the action's size (or, with `anyOf`, of any of those sizes, the
 * action's first); two are made first while there is none.
 */
function unmappedFrame(s: KernelState, v: CSpaceView, a: VMAction, size = SIZES[a.size % 4]!, anyOf: readonly VMPageSize[] = []): Slot<Frame> | ResolvedAction {
  const free = slots(v, 'FrameCap', (c) => !c.isDevice && c.mapping === null);
  const f = kth(free.filter((x) => x.cap.size === size), a.k) ?? kth(free.filter((x) => anyOf.includes(x.cap.size)), a.k);
  return f ?? makeObject(s, v, FRAME_TYPE[size], a.k, 0, size === 'ARMSuperSection' ? 1 : 2);
}

/** Where a frame of `size` maps freely in `pd` (arenas first), if anywhere without a page table being needed first. */
function freeVAddr(s: KernelState, pd: number, size: VMPageSize, k: number): number | undefined {
  const bytes = frameBytes(size);
  if (bytes >= 0x100000) {
    for (let i = 0; i < 64; i += bytes / 0x100000) {
      const at = ARENA_BASE + (((k >>> 2) * (bytes / 0x100000) + i) % 64) * 0x100000;
      if (mappingFate(s, pd, at, size) === 'free') return at;
    }
    return undefined;
  }
  const tables = userMiBs(s, pd, 'PageTablePDE').filter((m) => m >= ARENA_BASE);
  for (let t = 0; t < tables.length; t++) {
    const mb = tables[(t + k) % tables.length]!;
    for (let i = 0; i < 0x100000 / bytes; i++) {
      const at = mb + ((i + (k >>> 3)) % (0x100000 / bytes)) * bytes;
      if (mappingFate(s, pd, at, size) === 'free') return at;
    }
  }
  return undefined;
}

/** An arena MiB of `pd` with no directory entry, for a page table. */
function freeMiB(s: KernelState, pd: number, k: number): number {
  for (let i = 0; i < 64; i++) {
    const at = ARENA_BASE + ((k + i) % 64) * 0x100000;
    if (mappingFate(s, pd, at, 'ARMSection') === 'free') return at;
  }
  return ARENA_BASE + (k % 64) * 0x100000;
}

function pageMap(s: KernelState, v: CSpaceView, a: VMAction, given?: Slot<PDCap>): ResolvedAction {
  const attr = a.attr;
  const map = (f: Slot<Frame>, vaddr: number, pd: number, why = ''): Built => send(a, f.cptr, [vaddr >>> 0, a.rights, attr], [pd], why);
  const pd = given ?? livePD(s, v, a);
  if (pd === undefined) return assign(s, v, { ...a, aim: 'ok' });
  const mapped = slots(v, 'FrameCap', (c) => !c.isDevice && c.mapping !== null && currentMapping(s, c));
  const ownPD = (f: Slot<Frame>): Slot<PDCap> | undefined => livePDs(s, v).find((p) => p.cap.asid === f.cap.mapping!.asid);
  switch (a.aim) {
    case 'InvalidCapability': {
      // No assigned PD as extra cap: an unassigned one, or a cap of another kind.
      const f = kth(slots(v, 'FrameCap', (c) => !c.isDevice), a.k);
      if (f === undefined) return unmappedStep(s, v, a);
      const unassigned = kth(slots(v, 'PageDirectoryCap', (c) => c.asid === null), a.k);
      return map(f, ARENA_BASE, unassigned?.cptr ?? 2, unassigned === undefined ? 'no page directory' : 'an unassigned page directory');
    }
    case 'InvalidArgument': {
      // A mapped frame re-mapped at another address, or a new mapping reaching the kernel window.
      const f = a.k % 2 === 0 ? kth(mapped, a.k) : undefined;
      const own = f === undefined ? undefined : ownPD(f);
      if (f !== undefined && own !== undefined) return map(f, f.cap.mapping!.vaddr + frameBytes(f.cap.size), own.cptr, 'mapped elsewhere already');
      const u = unmappedFrame(s, v, a, undefined, SIZES);
      if (isStep(u)) return u;
      return map(u, USER_TOP - frameBytes(u.cap.size) + (a.k % 2 === 0 ? 0x1000 : frameBytes(u.cap.size)), pd.cptr, 'into the kernel window');
    }
    case 'AlignmentError': {
      const u = unmappedFrame(s, v, a, undefined, SIZES);
      if (isStep(u)) return u;
      const off = u.cap.size === 'ARMSmallPage' ? 0x800 : 0x1000 * (1 + (a.k % 7));
      return map(u, ARENA_BASE + (a.k % 32) * 0x100000 + off, pd.cptr, 'misaligned');
    }
    case 'FailedLookup': {
      // A page where no page table is, or any frame into an address space whose pool is gone.
      const pages = slots(v, 'FrameCap', (c) => !c.isDevice && c.mapping === null && frameBytes(c.size) < 0x100000);
      if ((a.k % 3 === 0 || pages.length === 0) && stalePDs(s, v).length > 0) {
        const u = unmappedFrame(s, v, a, undefined, SIZES);
        if (isStep(u)) return u;
        return map(u, ARENA_BASE, kth(stalePDs(s, v), a.k)!.cptr, 'its ASID pool deleted');
      }
      const u = unmappedFrame(s, v, a, a.size % 2 === 0 ? 'ARMSmallPage' : 'ARMLargePage', ['ARMSmallPage', 'ARMLargePage']);
      if (isStep(u)) return u;
      const at = freeMiB(s, pd.cap.ptr, a.k >>> 3);
      return map(u, at + ((a.k >>> 1) % 16) * 0x10000, pd.cptr, 'no page table there');
    }
    case 'DeleteFirst': {
      // A section over a page table, or a large page over small pages.
      const tables = userMiBs(s, pd.cap.ptr, 'PageTablePDE');
      const big = a.k % 2 === 0 ? 'ARMSection' : 'ARMLargePage';
      const u = unmappedFrame(s, v, a, tables.length > 0 ? big : 'ARMSection', tables.length > 0 ? ['ARMSection', 'ARMSuperSection', 'ARMLargePage'] : []);
      if (isStep(u)) return u;
      if (u.cap.size === 'ARMSuperSection' && tables.length > 0) return map(u, (kth(tables, a.k)! & 0xff000000) >>> 0, pd.cptr, 'a page table there');
      if (u.cap.size === 'ARMSection' && tables.length > 0) return map(u, kth(tables, a.k)!, pd.cptr, 'a page table there');
      const clash = tables.flatMap((mb) => Array.from({ length: 16 }, (_x, i) => mb + i * 0x10000))
        .filter((at) => mappingFate(s, pd.cap.ptr, at, 'ARMLargePage') === 'clash');
      const at = kth(clash, a.k);
      if (at !== undefined) return map(u, at, pd.cptr, 'small pages there');
      return pageMap(s, v, { ...a, aim: 'ok', size: 0 }, pd);
    }
    case 'TruncatedMessage': {
      const f = kth(slots(v, 'FrameCap', (c) => !c.isDevice), a.k);
      return f === undefined ? unmappedStep(s, v, a) : map(f, ARENA_BASE, pd.cptr);
    }
    default: {
      // ok: now and then a re-map (new rights, same place), else a new mapping where it fits.
      const re = a.k % 4 === 0 ? kth(mapped, a.k >>> 2) : undefined;
      const own = re === undefined ? undefined : ownPD(re);
      if (re !== undefined && own !== undefined) return map(re, re.cap.mapping!.vaddr, own.cptr, 're-map');
      const u = unmappedFrame(s, v, a);
      if (isStep(u)) return u;
      const at = freeVAddr(s, pd.cap.ptr, u.cap.size, a.k);
      if (at !== undefined) return map(u, at, pd.cptr);
      if (frameBytes(u.cap.size) < 0x100000) return tableMap(s, v, { ...a, aim: 'ok', label: 'ARMPageTableMap' }, pd);
      return map(u, ARENA_BASE + (a.k % 64) * 0x100000, pd.cptr);
    }
  }
}

function unmappedStep(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  return makeObject(s, v, FRAME_TYPE[SIZES[a.size % 4]!], a.k, 0, 2);
}

/** Unmap and GetAddress: any RAM frame cap, mapped ones mostly. */
function withAnyFrame(s: KernelState, v: CSpaceView, a: VMAction, f: (frame: Slot<Frame>) => ResolvedAction): ResolvedAction {
  const all = slots(v, 'FrameCap', (c) => !c.isDevice);
  const mapped = all.filter((x) => x.cap.mapping !== null);
  const frame = (a.k % 4 !== 0 ? kth(mapped, a.k) : undefined) ?? kth(all, a.k);
  return frame === undefined ? unmappedStep(s, v, a) : f(frame);
}

/** Page flushes: offsets within the frame, and the near misses of seL4's order. */
function pageFlush(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const current = slots(v, 'FrameCap', (c) => !c.isDevice && currentMapping(s, c));
  const flush = (f: Slot<Frame>, start: number, end: number, why = ''): Built => send(a, f.cptr, [start >>> 0, end >>> 0], [], why);
  const start = (a.k % 8) * 0x40;
  switch (a.aim) {
    case 'IllegalOperation': {
      const f = kth(slots(v, 'FrameCap', (c) => !c.isDevice && c.mapping === null), a.k);
      return f === undefined ? send(a, foreignCap(v, a), [0, 0x40], [], 'a cap of another kind') : flush(f, start, start + 0x40, 'not mapped');
    }
    case 'InvalidCapability': {
      const f = kth(slots(v, 'FrameCap', (c) => !c.isDevice && c.mapping !== null && pdOfASID(s, c.mapping.asid) !== undefined && !currentMapping(s, c)), a.k);
      return f === undefined ? send(a, kthEmpty(v.root!, a.k), [0, 0x40], [], 'an empty slot') : flush(f, start, start + 0x40, 'its mapping is gone');
    }
    case 'FailedLookup': {
      const st = stale(s, v, a, true);
      if (isStep(st)) return st;
      return flush(st.frame!, start, start + 0x40, 'its ASID pool deleted');
    }
    default: {
      const f = a.aim === 'TruncatedMessage' ? kth(slots(v, 'FrameCap', (c) => !c.isDevice), a.k) : kth(current, a.k);
      if (f === undefined) return pageMap(s, v, { ...a, aim: 'ok', label: 'ARMPageMap' });
      const size = frameBytes(f.cap.size);
      if (a.aim === 'InvalidArgument') return a.k % 2 === 0 ? flush(f, start + 0x40, start + 0x40 - (a.k % 4 === 0 ? 0 : 0x40), 'end ≤ start') : flush(f, start, size + 4 * (a.k % 3), 'beyond the frame');
      return flush(f, start, start + 0x40 + (a.k % 3) * 0x100);
    }
  }
}

/** Page-directory flushes: ranges of user addresses, and the near misses of seL4's order. */
function pdFlush(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const flush = (pd: number, start: number, end: number, why = ''): Built => send(a, pd, [start >>> 0, end >>> 0], [], why);
  switch (a.aim) {
    case 'IllegalOperation':
      return flush(kth(slots(v, 'PageDirectoryCap'), a.k)?.cptr ?? 3, USER_TOP - 0x40 * (1 + (a.k % 2)), USER_TOP + 0x40 * (a.k % 3), 'reaching the kernel window');
    case 'InvalidArgument':
      return flush(kth(slots(v, 'PageDirectoryCap'), a.k)?.cptr ?? 3, ARENA_BASE + 0x40, ARENA_BASE + 0x40 - 0x40 * (a.k % 2), 'end ≤ start');
    case 'InvalidCapability': {
      const pd = kth(slots(v, 'PageDirectoryCap', (c) => c.asid === null), a.k);
      if (pd === undefined) return send(a, kthEmpty(v.root!, a.k), [ARENA_BASE, ARENA_BASE + 0x40], [], 'an empty slot');
      return flush(pd.cptr, ARENA_BASE, ARENA_BASE + 0x40, 'no ASID');
    }
    case 'FailedLookup': {
      const st = stale(s, v, a, false);
      if (isStep(st)) return st;
      return flush(st.pd.cptr, ARENA_BASE, ARENA_BASE + 0x40, 'its ASID pool deleted');
    }
    default: {
      const pd = livePD(s, v, a);
      if (pd === undefined) return assign(s, v, { ...a, aim: 'ok' });
      const frames = slots(v, 'FrameCap', (c) => c.mapping?.asid === pd.cap.asid && currentMapping(s, c));
      const f = kth(frames, a.k);
      if (f === undefined) return a.aim === 'RangeError' ? pageMap(s, v, { ...a, aim: 'ok' }, pd) : flush(pd.cptr, ARENA_BASE, ARENA_BASE + 0x40, 'nothing mapped');
      const base = f.cap.mapping!.vaddr;
      const size = frameBytes(f.cap.size);
      const start = base + (a.k % 8) * 0x40;
      if (a.aim === 'RangeError') return flush(pd.cptr, start, base + size + 0x40 * (1 + (a.k % 2)), 'across the frame');
      return flush(pd.cptr, start, start + 0x40);
    }
  }
}

// ---- page tables ----

/** PageTable_Map: an unmapped table into a free MiB, and the near misses of seL4's order. */
function tableMap(s: KernelState, v: CSpaceView, a: VMAction, given?: Slot<PDCap>): ResolvedAction {
  const act = { ...a, label: 'ARMPageTableMap' as const };
  const mapped = slots(v, 'PageTableCap', (c) => c.mapping !== null);
  const unmapped = kth(slots(v, 'PageTableCap', (c) => c.mapping === null), a.k);
  if (a.aim === 'InvalidCapability' && a.k % 3 === 1 && mapped.length > 0) return send(act, kth(mapped, a.k)!.cptr, [ARENA_BASE, 0], [3], 'mapped already');
  if (a.aim === 'TruncatedMessage' && mapped.length > 0) return send(act, kth(mapped, a.k)!.cptr, [ARENA_BASE, 0], [3], '');
  if (unmapped === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.PageTable, a.k, 0, 4);
  const map = (pd: number, vaddr: number, why = ''): Built => send(act, unmapped.cptr, [vaddr >>> 0, a.attr], [pd], why);
  if (a.aim === 'InvalidCapability') {
    const unassigned = kth(slots(v, 'PageDirectoryCap', (c) => c.asid === null), a.k);
    return map(unassigned?.cptr ?? 2, ARENA_BASE, unassigned === undefined ? 'no page directory' : 'an unassigned page directory');
  }
  if (a.aim === 'FailedLookup') {
    const st = stale(s, v, a, false);
    return isStep(st) ? st : map(st.pd.cptr, ARENA_BASE, 'its ASID pool deleted');
  }
  const pd = given ?? livePD(s, v, a);
  if (pd === undefined) return assign(s, v, { ...a, aim: 'ok' });
  if (a.aim === 'InvalidArgument') return map(pd.cptr, USER_TOP + (a.k % 512) * 0x100000, 'in the kernel window');
  if (a.aim === 'DeleteFirst') {
    const used = [...userMiBs(s, pd.cap.ptr, 'PageTablePDE'), ...userMiBs(s, pd.cap.ptr, 'SectionPDE')];
    const at = kth(used, a.k);
    if (at !== undefined) return map(pd.cptr, at + (a.k % 256) * 0x1000, 'the entry is in use');
  }
  return map(pd.cptr, freeMiB(s, pd.cap.ptr, a.k), given === undefined ? '' : 'for a page');
}

/** PageTable_Unmap: a table cap without copies; RevokeFirst: one with a copy (a mapped one copied first). */
function tableUnmap(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const all = slots(v, 'PageTableCap');
  if (a.aim === 'RevokeFirst') {
    const copied = all.filter((t) => copiesOf(v, t.cap) > 1);
    const t = kth(copied, a.k);
    if (t !== undefined) return send(a, t.cptr, [], [], 'its cap has copies');
    // Only a mapped page table cap may be copied (ARM `deriveCap`).
    const src = kth(all.filter((x) => x.cap.mapping !== null), a.k);
    if (src === undefined) return tableMap(s, v, { ...a, aim: 'ok', label: 'ARMPageTableMap' });
    const dest = kthEmpty(v.root!, a.k);
    return invoke('SysCall', 2, { label: 'CNodeCopy', mrs: [dest, 32, src.cptr, 32, 0xf], caps: [2] }, 0, false, null,
      `CNodeCopy(root, dest=${hex(dest)}/32, src=${hex(src.cptr)}/32, rights=RWG+GR) (a page table cap with copies)`);
  }
  const finals = all.filter((t) => copiesOf(v, t.cap) === 1);
  const t = kth(finals.filter((x) => x.cap.mapping !== null), a.k) ?? kth(finals, a.k);
  if (t === undefined) return a.aim === 'ok' ? tableMap(s, v, { ...a, aim: 'ok', label: 'ARMPageTableMap' }) : send(a, 2, [], [], 'a cap of another kind');
  return send(a, t.cptr, [], [], '');
}
