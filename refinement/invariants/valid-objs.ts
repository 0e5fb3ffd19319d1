/**
 * `valid_objs` (l4v `Invariants_AI.thy`: `valid_obj`, `valid_cap`, `valid_tcb`, `valid_cs`,
 * `valid_ep`, `valid_ntfn`; ARM `valid_arch_cap`): every object is well formed and every cap
 * in it points at an object of the right kind and size.
 *
 * @module
 */
import { GUARD_BITS, MAX_IRQ, MAX_UNTYPED_BITS, MIN_UNTYPED_BITS, NUM_DOMAINS, MAX_PRIO, USER_TOP, IPC_BUFFER_SIZE_BITS } from '../../abi/config.js';
import { isAligned } from '../../hardware/word.js';
import { PAGE_BITS_FOR_SIZE, type Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { CNode, Endpoint, KernelObject, Notification, TCB } from '../../spec/state/object.js';
import { capBits, capPtr, objRange, untypedRange, within, overlaps } from './cap-range.js';
import { indexOf, lastAtOrBelow, showObject, type StateIndex } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

const NAME = 'valid_objs';
const ASID_BITS = 17;
const ASID_LOW_BITS = 10;
const PT_ENTRIES = 256;
const PD_ENTRIES = 4096;
const ASID_POOL_ENTRIES = 1024;

/** `valid_objs`: every object satisfies `valid_obj`, every cap in it `valid_cap`. */
export const validObjs: Invariant = {
  name: NAME,
  family: 'caps',
  summary: 'objects are well formed; caps name existing objects of the right kind and size',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const o of ix.objects) {
      const where = showObject(o.addr);
      for (const problem of objectProblems(ix, o.addr, o.obj)) out.push(violation(NAME, where, problem));
    }
    return out;
  },
};

function objectProblems(ix: StateIndex, addr: number, o: KernelObject): string[] {
  switch (o.kind) {
    case 'CNode':
      return cnodeProblems(ix, o);
    case 'TCB':
      return tcbProblems(ix, addr, o);
    case 'Endpoint':
      return endpointProblems(ix, o);
    case 'Notification':
      return notificationProblems(ix, o);
    case 'ASIDPool':
      return keysBelow(o.entries, ASID_POOL_ENTRIES, 'ASID pool entry');
    case 'PageTable':
      return keysBelow(o.entries, PT_ENTRIES, 'page-table entry');
    case 'PageDirectory':
      return keysBelow(o.entries, PD_ENTRIES, 'page-directory entry');
    case 'DataPage':
      return [];
  }
}

function keysBelow(m: { forEach(fn: (v: unknown, k: number) => unknown): unknown }, n: number, what: string): string[] {
  const out: string[] = [];
  m.forEach((_v, k) => {
    if (!Number.isInteger(k) || k < 0 || k >= n) out.push(`${what} ${k} out of range`);
  });
  return out;
}

// `valid_cs`: radix below 28, slots exactly the indices of that radix, caps valid.
function cnodeProblems(ix: StateIndex, o: CNode): string[] {
  const out: string[] = [];
  if (!Number.isInteger(o.bits) || o.bits < 0 || o.bits >= 28) out.push(`CNode radix ${o.bits} out of range`);
  o.slots.forEach((cap, index) => {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** o.bits) out.push(`slot ${index} outside a radix-${o.bits} CNode`);
    for (const p of capProblems(ix, cap)) out.push(`slot ${index}: ${p}`);
  });
  return out;
}

// `valid_tcb`: caps valid, each slot's own rule (`tcb_cap_cases`), IPC buffer cap and
// address consistent, the thread state and bound notification name existing objects.
function tcbProblems(ix: StateIndex, addr: number, t: TCB): string[] {
  const out: string[] = [];
  t.caps.forEach((cap, i) => {
    for (const p of capProblems(ix, cap)) out.push(`slot ${i}: ${p}`);
  });
  const [, vtable, reply, caller, ipcFrame] = t.caps;
  if (!(vtable.kind === 'NullCap' || (vtable.kind === 'PageDirectoryCap' && vtable.asid !== null))) {
    out.push(`slot 1 holds ${vtable.kind}, not a mapped page directory cap or null`);
  }
  const halted = t.state.kind === 'Inactive' || t.state.kind === 'IdleThreadState';
  const masterToSelf = reply.kind === 'ReplyCap' && reply.isMaster && reply.tcb === addr && reply.rights.grant;
  if (!masterToSelf && !(halted && reply.kind === 'NullCap')) {
    out.push(`slot 2 holds ${reply.kind}, not its own master reply cap with Grant`);
  }
  if (t.state.kind === 'BlockedOnReceive' ? caller.kind !== 'NullCap' : !(caller.kind === 'NullCap' || (caller.kind === 'ReplyCap' && !caller.isMaster))) {
    out.push(`slot 3 holds ${caller.kind} in thread state ${t.state.kind}`);
  }
  if (!(ipcFrame.kind === 'NullCap' || (ipcFrame.kind === 'FrameCap' && !ipcFrame.isDevice))) {
    out.push(`slot 4 holds ${ipcFrame.kind}, not a non-device frame cap or null`);
  } else if (ipcFrame.kind === 'FrameCap' && !isAligned(t.ipcBuffer, IPC_BUFFER_SIZE_BITS)) {
    out.push(`IPC buffer 0x${t.ipcBuffer.toString(16)} is not 512-byte aligned`);
  }
  const st = t.state;
  if ((st.kind === 'BlockedOnSend' || st.kind === 'BlockedOnReceive') && !isKind(ix, st.ep, 'Endpoint')) {
    out.push(`${st.kind} on 0x${st.ep.toString(16)}, which is not an endpoint`);
  }
  if (st.kind === 'BlockedOnNotification' && !isKind(ix, st.ntfn, 'Notification')) {
    out.push(`blocked on 0x${st.ntfn.toString(16)}, which is not a notification`);
  }
  if (t.boundNotification !== null && !isKind(ix, t.boundNotification, 'Notification')) {
    out.push(`bound notification 0x${t.boundNotification.toString(16)} does not exist`);
  }
  if (!isWord(t.faultHandler)) out.push(`fault handler ${t.faultHandler} is not a word`);
  if (!(t.priority >= 0 && t.priority <= MAX_PRIO && t.mcp >= 0 && t.mcp <= MAX_PRIO)) out.push('priority or MCP out of range');
  if (!(t.domain >= 0 && t.domain < NUM_DOMAINS)) out.push(`domain ${t.domain} out of range`);
  return out;
}

function isWord(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x < 2 ** 32;
}

// `valid_ep`: a non-idle endpoint's queue is non-empty, duplicate-free, made of TCBs.
function endpointProblems(ix: StateIndex, e: Endpoint): string[] {
  if (e.state.kind === 'IdleEP') return [];
  return queueProblems(ix, e.state.queue, e.state.kind);
}

// `valid_ntfn`: as for endpoints, and a bound notification's waiter is its bound thread.
function notificationProblems(ix: StateIndex, n: Notification): string[] {
  const out: string[] = [];
  if (n.state.kind === 'WaitingNtfn') {
    out.push(...queueProblems(ix, n.state.queue, 'WaitingNtfn'));
    if (n.boundTCB !== null && !(n.state.queue.length === 1 && n.state.queue[0] === n.boundTCB)) {
      out.push('a bound notification has waiters other than its bound thread');
    }
  }
  if (n.boundTCB !== null && !isKind(ix, n.boundTCB, 'TCB')) out.push(`bound TCB 0x${n.boundTCB.toString(16)} does not exist`);
  return out;
}

function queueProblems(ix: StateIndex, queue: readonly number[], what: string): string[] {
  const out: string[] = [];
  if (queue.length === 0) out.push(`${what} with an empty queue`);
  if (new Set(queue).size !== queue.length) out.push(`${what} queue has duplicates`);
  for (const t of queue) if (!isKind(ix, t, 'TCB')) out.push(`queued 0x${t.toString(16)} is not a TCB`);
  return out;
}

function isKind(ix: StateIndex, addr: number, kind: KernelObject['kind']): boolean {
  return ix.state.kheap.get(addr)?.kind === kind;
}

/** The ways a cap breaks `valid_cap` in the state indexed by `ix` (empty = valid). */
export function capProblems(ix: StateIndex, c: Cap): string[] {
  const out: string[] = [];
  const ptr = capPtr(c) ?? 0;
  const bits = capBits(c);
  if (!isAligned(ptr, Math.min(bits, 31)) || bits >= 32) out.push(`${c.kind} at 0x${ptr.toString(16)} is not aligned to 2^${bits}`);
  const kindProblem = capKindProblem(ix, c);
  if (kindProblem !== undefined) out.push(`${c.kind} at 0x${ptr.toString(16)}: ${kindProblem}`);
  return out;
}

// The per-kind part of `valid_cap` (and `valid_arch_cap`).
function capKindProblem(ix: StateIndex, c: Cap): string | undefined {
  const heap = ix.state.kheap;
  switch (c.kind) {
    case 'NullCap':
    case 'DomainCap':
    case 'IRQControlCap':
    case 'ASIDControlCap':
    case 'SGISignalCap':
      return undefined;
    case 'UntypedCap':
      if (c.sizeBits < MIN_UNTYPED_BITS || c.sizeBits > MAX_UNTYPED_BITS) return `size 2^${c.sizeBits} out of range`;
      if (c.freeIndex < 0 || c.freeIndex > 2 ** c.sizeBits) return `free index ${c.freeIndex} beyond its size`;
      // l4v's `p ≠ 0` is about kernel-window pointers, never 0; ours are physical, and a
      // device untyped may well start at physical address 0.
      if (c.ptr === 0 && !c.isDevice) return 'null pointer';
      return straddlingObject(ix, c);
    case 'EndpointCap':
      return heap.get(c.ptr)?.kind === 'Endpoint' ? undefined : 'no endpoint there';
    case 'NotificationCap':
      if (heap.get(c.ptr)?.kind !== 'Notification') return 'no notification there';
      return c.rights.grant || c.rights.grantReply ? 'notification cap with Grant or GrantReply' : undefined;
    case 'CNodeCap': {
      const o = heap.get(c.ptr);
      if (o?.kind !== 'CNode' || o.bits !== c.bits) return `no radix-${c.bits} CNode there`;
      if (c.bits === 0) return 'radix 0';
      if (c.guard.size > 32 || c.guard.size < 0) return `guard size ${c.guard.size}`;
      return c.guard.value < 2 ** Math.min(c.guard.size, GUARD_BITS) || c.guard.value === 0 ? undefined : 'guard wider than its size';
    }
    case 'ThreadCap':
      return heap.get(c.tcb)?.kind === 'TCB' ? undefined : 'no TCB there';
    case 'ReplyCap':
      if (heap.get(c.tcb)?.kind !== 'TCB') return 'no TCB there';
      return c.rights.write && !c.rights.read && !c.rights.grantReply ? undefined : 'reply cap rights must be Write without Read or GrantReply';
    case 'IRQHandlerCap':
      return c.irq >= 0 && c.irq <= MAX_IRQ ? undefined : `IRQ ${c.irq} beyond maxIRQ`;
    case 'Zombie':
      return zombieProblem(ix, c);
    case 'ASIDPoolCap':
      if (heap.get(c.ptr)?.kind !== 'ASIDPool') return 'no ASID pool there';
      return isAligned(c.asidBase, ASID_LOW_BITS) && c.asidBase < 2 ** ASID_BITS ? undefined : `bad ASID base ${c.asidBase}`;
    case 'FrameCap': {
      const o = heap.get(c.ptr);
      if (o?.kind !== 'DataPage' || o.size !== c.size || o.isDevice !== c.isDevice) return `no ${c.isDevice ? 'device ' : ''}${c.size} frame there`;
      return mappingProblem(c.mapping, PAGE_BITS_FOR_SIZE[c.size]);
    }
    case 'PageTableCap':
      if (heap.get(c.ptr)?.kind !== 'PageTable') return 'no page table there';
      return mappingProblem(c.mapping, PAGE_BITS_FOR_SIZE.ARMSection);
    case 'PageDirectoryCap':
      if (heap.get(c.ptr)?.kind !== 'PageDirectory') return 'no page directory there';
      return c.asid === null || (c.asid > 0 && c.asid < 2 ** ASID_BITS) ? undefined : `bad ASID ${c.asid}`;
  }
}

function zombieProblem(ix: StateIndex, c: Extract<Cap, { kind: 'Zombie' }>): string | undefined {
  const o = ix.state.kheap.get(c.ptr);
  if (c.type.kind === 'ZombieTCB') return o?.kind === 'TCB' && c.number <= 5 ? undefined : 'not a TCB, or more than 5 slots';
  const bits = c.type.bits;
  return o?.kind === 'CNode' && o.bits === bits && c.number <= 2 ** bits && bits !== 0 ? undefined : `not a radix-${bits} CNode of at least ${c.number} slots`;
}

function mappingProblem(m: { readonly asid: number; readonly vaddr: number } | null, alignBits: number): string | undefined {
  if (m === null) return undefined;
  if (!(m.asid > 0 && m.asid < 2 ** ASID_BITS)) return `mapped with bad ASID ${m.asid}`;
  if (!isAligned(m.vaddr, alignBits) || m.vaddr >= USER_TOP) return `mapped at bad address 0x${m.vaddr.toString(16)}`;
  return undefined;
}

/**
 * The containment half of `valid_untyped`: an object that overlaps the untyped's range lies
 * wholly inside it. (The other half, "not in the usable part", is the separate invariant
 * `untyped_free_index`.) Objects do not overlap each other, so only the object reaching
 * into the range from below and the last object starting inside it can stick out.
 */
function straddlingObject(ix: StateIndex, c: Cap): string | undefined {
  const r = untypedRange(c);
  for (const i of [lastAtOrBelow(ix.objects, r.lo - 1), lastAtOrBelow(ix.objects, r.hi)]) {
    const o = ix.objects[i];
    if (o === undefined) continue;
    const or = objRange(o.addr, o.obj);
    if (overlaps(or, r) && !within(or, r)) return `${o.obj.kind} at 0x${o.addr.toString(16)} sticks out of the untyped`;
  }
  return undefined;
}
