/**
 * Turns an {@link Action} into concrete register and IPC-buffer contents for the current
 * thread, against the state it runs in, and prints it in seL4 terms
 * (`CNodeMint(root, dest=0x20/32, src=0x5/32, rights=RW, badge=7)`).
 *
 * @module
 */
import { OBJECT_TYPES } from '../../abi/objecttype.js';
import { SYSCALL_NUMBER } from '../../hardware/events.js';
import { MSG_REGISTERS, Reg } from '../../hardware/registers.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { Action, CNodeAction, NodeChoice, RawAction, RetypeAction, SlotChoice } from './action.js';
import {
  FOREIGN_CAP_KINDS, cnodeAt, cspaceView, exactDepth, indexWord, isProtectedRootSlot, kth, kthEmpty, occupied, rootSlotsOfKind,
  rootSlotsWhere, type CSpaceView, type NodeRef,
} from './cspace.js';
import { hex, IPC_CAP, IPC_MR, invoke, prefix, type Message, type ResolvedAction } from './message.js';
import { fault, idleInterrupt, interrupt, plain, userIRQ } from './resolve-event.js';
import { resolveIPCAction } from './resolve-ipc.js';
import { ackFirst, resolveObjectAction, setHandlerFirst } from './resolve-object.js';
import { signallingLines } from './threads.js';
import { resolveSwitch } from './switch.js';
import { resolveVMAction } from './resolve-vm.js';
import { resolveRendezvous } from './rendezvous.js';
import { resolveFastpath } from './resolve-fastpath.js';
import { resolveAim } from './aim.js';

export type { ResolvedAction } from './message.js';

/**
 * Resolves `a` against `s`. While the current thread is not running (the idle thread runs)
 * only an interrupt may happen (l4v's precondition of `call_kernel`), so every action then
 * becomes one: on a line that wakes a blocked thread when there is one, else the timer's.
 * A running thread whose CSpace the choices cannot name (no root CNode resolving all 32
 * bits) yields or takes its fault.
 */
export function resolveAction(s: KernelState, a: Action): ResolvedAction {
  const v = cspaceView(s);
  const running = v !== undefined && v.tcb.state.kind === 'Running' && s.curThread !== s.idleThread;
  if (!running) return idleInterrupt(s, a);
  if (a.t === 'Interrupt') return interrupt(a.line, '');
  if (a.t === 'UserIRQ') {
    const named = v.root !== undefined && v.rootCap !== undefined && exactDepth(v.rootCap) === 32;
    if (!named || a.k % 4 === 0 || signallingLines(s).length > 0) return userIRQ(s, a.k);
    return ackFirst(s, v, a.k) ?? setHandlerFirst(s, v, a.k);
  }
  if (v.root === undefined || v.rootCap === undefined || exactDepth(v.rootCap) !== 32) {
    // A thread whose CSpace the choices cannot name runs no useful code: it faults (as a
    // thread executing garbage would) and, with no handler it can name, ends Inactive.
    if (a.t === 'Plain') return plain(a.syscall);
    return fault(s, v, a.t === 'Fault' ? a : { t: 'Fault', what: 'UserLevelFault', word: 0, word2: 0, evenRoot: false });
  }
  switch (a.t) {
    case 'Plain':
      return plain(a.syscall);
    case 'Fault':
      return fault(s, v, a);
    case 'Raw':
      return raw(v, a);
    case 'CNode':
      return cnodeInvocation(s, v, a);
    case 'Retype':
      return retype(s, v, a);
    case 'Object':
      return resolveObjectAction(s, v, a);
    case 'IPC':
      return resolveIPCAction(s, v, a);
    case 'Switch':
      return resolveSwitch(s, v, a);
    case 'VM':
      return resolveVMAction(s, v, a);
    case 'Rendezvous':
      return resolveRendezvous(s, v, a);
    case 'Fastpath':
      return resolveFastpath(s, v, a);
    case 'Aim':
      return resolveAim(s, v, a);
  }
}

// ---- caps and slots ----

function nodeRef(s: KernelState, v: CSpaceView, choice: NodeChoice): NodeRef {
  const root = v.root!;
  const at = (cptr: number): NodeRef => {
    const cap = root.slots.get(cptr) ?? { kind: 'NullCap' as const };
    return { cptr, cap, cnode: cap.kind === 'CNodeCap' ? cnodeAt(s, cap.ptr) : undefined };
  };
  if (choice.how === 'root') {
    const own = rootSlotsWhere(v, (c) => c.kind === 'CNodeCap' && c.ptr === v.rootCap!.ptr && c.bits === v.rootCap!.bits);
    return at(own.includes(2) ? 2 : (own[0] ?? rootSlotsOfKind(v, ['CNodeCap'])[0] ?? 2));
  }
  if (choice.how === 'cnode') return at(kth(rootSlotsOfKind(v, ['CNodeCap']), choice.k) ?? 2);
  return at(kth(rootSlotsWhere(v, (c) => c.kind !== 'CNodeCap'), choice.k) ?? 0);
}

const SLOT_KINDS: Partial<Record<SlotChoice['how'], Cap['kind']>> = { untyped: 'UntypedCap', cnode: 'CNodeCap', endpoint: 'EndpointCap' };

interface SlotWords {
  readonly index: number;
  readonly depth: number;
}

// The index and depth words naming a slot of `node`'s CNode (falling back to the root CNode
// when `node` is a near miss that names no CNode).
function slotWords(s: KernelState, v: CSpaceView, node: NodeRef, c: SlotChoice, destructive: boolean): SlotWords {
  const cap = node.cnode !== undefined ? node.cap : v.rootCap!;
  const cnode = node.cnode ?? v.root!;
  const depth = c.depth === 'exact' ? exactDepth(cap) : c.depth >>> 0;
  if (c.how === 'raw') {
    // A raw index that happens to name a protected root slot exactly is moved to an empty one.
    const j = rawSlot(cap, c.k >>> 0, depth);
    const hit = j === undefined || cnode !== v.root ? undefined : cnode.slots.get(j);
    if (destructive && hit !== undefined && isProtectedRootSlot(hit, j!)) return { index: indexWord(cap, kthEmpty(cnode, c.k)), depth };
    return { index: c.k >>> 0, depth };
  }
  let j: number;
  if (c.how === 'empty') {
    j = kthEmpty(cnode, c.k);
  } else {
    const isRoot = cnode === v.root;
    const allowed = occupied(cnode).filter((i) => !(destructive && isRoot && isProtectedRootSlot(cnode.slots.get(i)!, i)));
    const kind = SLOT_KINDS[c.how];
    const obj = cap.kind === 'CNodeCap' ? cap.ptr : 0;
    const children = (i: number): number => s.cdtList.get(obj + 16 * i)?.length ?? 0;
    const cnodeSize = (i: number): number => {
      const c2 = cnode.slots.get(i)!;
      return c2.kind === 'CNodeCap' && !(isRoot && c2.ptr === v.rootCap!.ptr) ? c2.bits + 1 : 0;
    };
    let ofKind: number[];
    switch (c.how) {
      case 'parent':
        ofKind = allowed.filter((i) => children(i) > 0);
        break;
      case 'most-children':
        ofKind = best(allowed, children);
        break;
      case 'largest-cnode':
        ofKind = best(allowed, cnodeSize);
        break;
      case 'badged': {
        // Badged endpoint and notification caps; while none exists, the unbadged ones a
        // Mint turns into them.
        const badged = allowed.filter((i) => isBadged(cnode.slots.get(i)!));
        ofKind = badged.length > 0 ? badged : allowed.filter((i) => isSignalling(cnode.slots.get(i)!));
        break;
      }
      default:
        ofKind = kind === undefined ? allowed : allowed.filter((i) => cnode.slots.get(i)!.kind === kind);
    }
    j = kth(ofKind, c.k) ?? kth(allowed, c.k) ?? kthEmpty(cnode, c.k);
  }
  return { index: indexWord(cap, j), depth };
}

function isSignalling(cap: Cap): cap is Extract<Cap, { kind: 'EndpointCap' | 'NotificationCap' }> {
  return cap.kind === 'EndpointCap' || cap.kind === 'NotificationCap';
}

// An endpoint or notification cap that carries a badge: re-minting it must fail.
function isBadged(cap: Cap): boolean {
  return isSignalling(cap) && cap.badge !== 0;
}

// The elements scoring highest (above zero) by `score`.
function best(list: readonly number[], score: (i: number) => number): number[] {
  let top = 0;
  let out: number[] = [];
  for (const i of list) {
    const x = score(i);
    if (x > top) {
      top = x;
      out = [i];
    } else if (x === top && x > 0) {
      out.push(i);
    }
  }
  return out;
}

// The slot an index word names when looked up at `depth` in the CNode of `cap`, if it
// resolves exactly (guard matches, depth = guard + radix).
function rawSlot(cap: Cap, index: number, depth: number): number | undefined {
  if (cap.kind !== 'CNodeCap' || depth !== cap.guard.size + cap.bits || depth > 32) return undefined;
  const j = index % 2 ** cap.bits;
  return Math.floor(index / 2 ** cap.bits) % 2 ** cap.guard.size === cap.guard.value ? j : undefined;
}

function invokedCNode(s: KernelState, v: CSpaceView, a: CNodeAction): NodeRef {
  switch (a.node.how) {
    case 'untyped': {
      const cptr = kth(rootSlotsOfKind(v, ['UntypedCap']), a.node.k) ?? 0;
      return { cptr, cap: v.root!.slots.get(cptr) ?? { kind: 'NullCap' }, cnode: undefined };
    }
    case 'null': {
      const cptr = kthEmpty(v.root!, a.node.k);
      return { cptr, cap: { kind: 'NullCap' }, cnode: undefined };
    }
    case 'foreign': {
      const cptr = kth(rootSlotsOfKind(v, FOREIGN_CAP_KINDS), a.node.k) ?? 0;
      return { cptr, cap: v.root!.slots.get(cptr) ?? { kind: 'NullCap' }, cnode: undefined };
    }
    default:
      return nodeRef(s, v, a.node);
  }
}

// ---- printing ----

function nodeName(n: NodeRef): string {
  if (n.cap.kind === 'NullCap') return `null@${hex(n.cptr)}`;
  if (n.cptr === 2 && n.cap.kind === 'CNodeCap') return 'root';
  const short = n.cap.kind.replace(/Cap$/, '').toLowerCase();
  return `${short}@${hex(n.cptr)}`;
}

function slotText(w: SlotWords): string {
  return `${hex(w.index)}/${w.depth}`;
}

/** Rights bits as seL4 names them: `RW`, `RWG`, `RWG+GR`, `none`. */
export function rightsText(w: number): string {
  const letters = `${w & 2 ? 'R' : ''}${w & 1 ? 'W' : ''}${w & 4 ? 'G' : ''}`;
  const text = w & 8 ? `${letters}+GR` : letters;
  return text === '' ? 'none' : text;
}

const DESTRUCTIVE_DEST = new Set(['CNodeRevoke', 'CNodeDelete']);
const MOVING_SRC = new Set(['CNodeMove', 'CNodeMutate', 'CNodeRotate']);

function cnodeInvocation(s: KernelState, v: CSpaceView, a: CNodeAction): ResolvedAction {
  const node = invokedCNode(s, v, a);
  const dest = slotWords(s, v, node, a.dest, DESTRUCTIVE_DEST.has(a.label));
  const name = nodeName(node);
  const target = (mrs: number[]): Message => ({ label: a.label, mrs, caps: [] });
  switch (a.label) {
    case 'CNodeRevoke':
    case 'CNodeDelete':
    case 'CNodeCancelBadgedSends':
    case 'CNodeSaveCaller':
      return invoke(a.syscall, node.cptr, target([dest.index, dest.depth]), a.shortBy, a.noExtraCaps, a.pendingIRQ, `${a.label}(${name}, ${slotText(dest)})`);
    case 'CNodeRotate': {
      const pivotRoot = nodeRef(s, v, a.pivotRoot);
      const srcRoot = nodeRef(s, v, a.srcRoot);
      const pivot = slotWords(s, v, pivotRoot, a.pivot, true);
      const src = slotWords(s, v, srcRoot, a.src, true);
      const m: Message = {
        label: a.label,
        mrs: [dest.index, dest.depth, a.data, pivot.index, pivot.depth, a.data2, src.index, src.depth],
        caps: [pivotRoot.cptr, srcRoot.cptr],
      };
      const text = `CNodeRotate(${name}, dest=${slotText(dest)}, destData=${hex(a.data)}, pivot=${rootText(pivotRoot)}${slotText(pivot)}, pivotData=${hex(a.data2)}, src=${rootText(srcRoot)}${slotText(src)})`;
      return invoke(a.syscall, node.cptr, m, a.shortBy, a.noExtraCaps, a.pendingIRQ, text);
    }
    default: {
      const srcRoot = nodeRef(s, v, a.srcRoot);
      const src = slotWords(s, v, srcRoot, a.src, MOVING_SRC.has(a.label));
      const mrs = [dest.index, dest.depth, src.index, src.depth];
      let extra = '';
      if (a.label === 'CNodeCopy' || a.label === 'CNodeMint') {
        mrs.push(a.rights);
        extra += `, rights=${rightsText(a.rights)}`;
      }
      if (a.label === 'CNodeMint' || a.label === 'CNodeMutate') {
        mrs.push(a.data);
        extra += `, ${a.label === 'CNodeMint' ? 'badge' : 'data'}=${a.data >>> 0 < 0x1000 ? a.data >>> 0 : hex(a.data)}`;
      }
      const text = `${a.label}(${name}, dest=${slotText(dest)}, src=${rootText(srcRoot)}${slotText(src)}${extra})`;
      return invoke(a.syscall, node.cptr, { label: a.label, mrs, caps: [srcRoot.cptr] }, a.shortBy, a.noExtraCaps, a.pendingIRQ, text);
    }
  }
}

function rootText(n: NodeRef): string {
  const name = nodeName(n);
  return name === 'root' ? '' : `${name}:`;
}

/**
 * A Retype making `count` objects of `type` (of `sizeBits`, for untypeds) from a RAM untyped
 * ready for it, into the k-th empty run of root slots: what an action resolves to when the object it would act on does not exist yet.
 */
export function makeObject(s: KernelState, v: CSpaceView, type: number, k: number, sizeBits = 0, count = 1): ResolvedAction {
  const r = retype(s, v, {
    t: 'Retype', syscall: 'SysCall', untyped: { how: 'ready', k }, type, sizeBits, root: { how: 'root' }, node: { how: 'self' },
    offset: { how: 'empty', k }, count, shortBy: 0, noExtraCaps: false, pendingIRQ: null,
  });
  return { ...r, text: `${r.text} (none to act on yet)` };
}

function retype(s: KernelState, v: CSpaceView, a: RetypeAction): ResolvedAction {
  const candidates = (): number[] => {
    switch (a.untyped.how) {
      case 'ram':
        return rootSlotsWhere(v, (c) => c.kind === 'UntypedCap' && !c.isDevice);
      case 'ready':
        return readyUntypeds(s, v, a);
      case 'untyped':
        return rootSlotsOfKind(v, ['UntypedCap']);
      case 'cnode':
        return rootSlotsOfKind(v, ['CNodeCap']);
      default:
        return rootSlotsOfKind(v, FOREIGN_CAP_KINDS);
    }
  };
  const cptr = a.untyped.how === 'null' ? kthEmpty(v.root!, a.untyped.k) : kth(candidates(), a.untyped.k) ?? 0;
  const invoked: NodeRef = { cptr, cap: v.root!.slots.get(cptr) ?? { kind: 'NullCap' }, cnode: undefined };
  const root = nodeRef(s, v, a.root);
  const rootCNode = root.cnode ?? v.root!;
  const rootCap = root.cnode !== undefined ? root.cap : v.rootCap!;
  let nodeIndex = 0;
  let nodeDepth = 0;
  let dest = rootCNode;
  let nodeText = 'self';
  if (a.node.how !== 'self') {
    const list = occupied(rootCNode).filter((i) => (rootCNode.slots.get(i)!.kind === 'CNodeCap') === (a.node.how === 'cnode'));
    const j = kth(list, a.node.k) ?? kthEmpty(rootCNode, a.node.k);
    nodeIndex = indexWord(rootCap, j);
    nodeDepth = a.node.depth === 'exact' ? exactDepth(rootCap) : a.node.depth >>> 0;
    const found = rootCNode.slots.get(j);
    dest = found?.kind === 'CNodeCap' ? cnodeAt(s, found.ptr) ?? rootCNode : rootCNode;
    nodeText = `${hex(nodeIndex)}/${nodeDepth}`;
  }
  const count = a.count >>> 0;
  let offset: number;
  if (a.offset.how === 'raw') offset = a.offset.k >>> 0;
  else if (a.offset.how === 'full') offset = kth(occupied(dest), a.offset.k) ?? 0;
  else offset = kthEmpty(dest, a.offset.k, Math.max(1, Math.min(count, 256)));
  const type = OBJECT_TYPES[a.type >>> 0] ?? `type ${a.type >>> 0}`;
  const m: Message = { label: 'UntypedRetype', mrs: [a.type, a.sizeBits, nodeIndex, nodeDepth, offset, count], caps: [root.cptr] };
  const text = `UntypedRetype(${nodeName(invoked)}, type=${type}, size=${a.sizeBits >>> 0}, root=${nodeName(root)}, node=${nodeText}, offset=${hex(offset)}, n=${count})`;
  return invoke(a.syscall, cptr, m, a.shortBy, a.noExtraCaps, a.pendingIRQ, text);
}

// RAM untypeds with room for the objects: those already reset (they have children) first,
// else the three smallest of the others that fit, which reset in few chunks.
function readyUntypeds(s: KernelState, v: CSpaceView, a: RetypeAction): number[] {
  const need = Math.max(1, Math.min(a.count >>> 0, 256)) * 2 ** objectBits(a.type >>> 0, a.sizeBits >>> 0);
  const obj = v.rootCap!.ptr;
  const fits = rootSlotsWhere(v, (c) => c.kind === 'UntypedCap' && !c.isDevice && 2 ** c.sizeBits >= need);
  const size = (i: number): number => (v.root!.slots.get(i) as Extract<Cap, { kind: 'UntypedCap' }>).sizeBits;
  const used = fits.filter((i) => (s.cdtList.get(obj + 16 * i)?.length ?? 0) > 0);
  const room = used.filter((i) => {
    const c = v.root!.slots.get(i) as Extract<Cap, { kind: 'UntypedCap' }>;
    // The objects start at the free index rounded up to their alignment (their size).
    const align = 2 ** objectBits(a.type >>> 0, a.sizeBits >>> 0);
    return 2 ** c.sizeBits - Math.ceil(c.freeIndex / align) * align >= need;
  });
  // Fresh 4 KiB untypeds are kept for ASIDControl_MakePool while others fit.
  const unused = fits.filter((i) => !used.includes(i));
  const kept = unused.filter((i) => size(i) !== 12);
  const fresh = kept.length > 0 ? kept : unused;
  return room.length > 0 ? room : [...(fresh.length > 0 ? fresh : fits)].sort((x, y) => size(x) - size(y)).slice(0, 3);
}

// log2 of an object's size for a Retype type word (seL4_TCBBits, seL4_EndpointBits, ...).
function objectBits(type: number, sizeBits: number): number {
  const bits = [sizeBits, 9, 4, 4, sizeBits + 4, 14, 12, 16, 20, 24, 10][type];
  return Math.min(bits ?? 4, 31);
}

const RAW_OBJECT_KINDS: readonly Cap['kind'][] = ['ThreadCap', 'IRQControlCap', 'IRQHandlerCap', 'DomainCap'];

function raw(v: CSpaceView, a: RawAction): ResolvedAction {
  // CNode, untyped and object caps (IPC caps are left to the IPC actions: raw words there
  // would block at random).
  const targets = rootSlotsWhere(v, (c) => c.kind === 'CNodeCap' || c.kind === 'UntypedCap' || RAW_OBJECT_KINDS.includes(c.kind));
  // A raw CPtr has a bit above the root CNode's radix set, so its lookup fails (the guard
  // does not match): a non-blocking send then does nothing, whatever the words.
  const raw = ((a.cptr.k >>> 0) | 2 ** v.rootCap!.bits) >>> 0;
  const cptr = a.cptr.how === 'raw' && a.syscall === 'SysNBSend' ? raw : kth(targets, a.cptr.k) ?? kthEmpty(v.root!, a.cptr.k);
  const extraCaps = (a.info >>> 7) & 3;
  const registers: [number, number][] = [[Reg.R0, cptr], [Reg.R1, a.info >>> 0], [Reg.R7, SYSCALL_NUMBER[a.syscall] >>> 0]];
  a.mrs.slice(0, 4).forEach((w, i) => registers.push([MSG_REGISTERS[i]!, w >>> 0]));
  const ipcWords: [number, number][] = a.mrs.slice(4).map((w, i) => [IPC_MR(i + 4), w >>> 0]);
  a.caps.forEach((c, i) => ipcWords.push([IPC_CAP(i), (c >>> 0) % 4096]));
  return {
    event: { kind: 'Syscall', syscall: a.syscall }, registers, ipcWords, pendingIRQ: null,
    text: `${prefix(a.syscall)}raw(cptr=${hex(cptr)}, label=${a.info >>> 12}, len=${a.info & 0x7f}, caps=${extraCaps}, mrs=[${a.mrs.map(hex).join(' ')}])`,
  };
}
