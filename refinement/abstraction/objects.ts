/**
 * Decoding the objects in the implementation's memory into spec kernel objects: CNodes (CTE
 * arrays), TCBs (five CTEs and the `tcb_t` at +256), endpoints and notifications (with their
 * queues walked through the TCBs), page tables and directories (hardware descriptors), ASID
 * pools and frames. Which object is where comes from the ghost table.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import { N_CONTEXT_REGISTERS } from '../../hardware/registers.js';
import { decodePde, decodePte, type MappingAttributes } from '../../hardware/descriptors.js';
import type { PhysicalMemory } from '../../hardware/memory.js';
import type { GhostObject } from '../../impl/kernel/ghost.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_DOMAIN, TCB_EP_NEXT, TCB_FAULT_HANDLER, TCB_FAULT_W0, TCB_FAULT_W1, TCB_FLAGS,
  TCB_IPC_BUFFER, TCB_LOOKUP_FAILURE_W0, TCB_LOOKUP_FAILURE_W1, TCB_MCP, TCB_OFFSET, TCB_PRIORITY, TCB_STATE_W0,
  TCB_STATE_W2, TCB_TIME_SLICE,
} from '../../impl/object/tcb-layout.js';
import { PAGE_BITS_FOR_SIZE, type Cap, type VMPageSize, type VMRights } from '../../spec/state/cap.js';
import type { Fault, LookupFailure } from '../../spec/state/exceptions.js';
import type { KernelObject, PDE, PTE, TCB, VMAttributes } from '../../spec/state/object.js';
import type { ThreadState } from '../../spec/state/thread.js';
import { AbstractionError, capFromWords } from './cap-words.js';

/** The cap in the CTE at `cte`. */
export function capAt(mem: PhysicalMemory, cte: number): Cap {
  return capFromWords(mem.read32(cte), mem.read32(cte + 4), cte);
}

/** The object at `addr` as the ghost entry `g` says it is. */
export function objectAt(mem: PhysicalMemory, addr: number, g: GhostObject): KernelObject {
  switch (g.kind) {
    case 'CapTable':
      return cnodeAt(mem, addr, g.sizeBits - 4);
    case 'TCB':
      return tcbAt(mem, addr);
    case 'Endpoint':
      return endpointAt(mem, addr);
    case 'Notification':
      return notificationAt(mem, addr);
    case 'PageDirectory':
      return { kind: 'PageDirectory', entries: pdEntries(mem, addr) };
    case 'PageTable':
      return { kind: 'PageTable', entries: ptEntries(mem, addr) };
    case 'ASIDPool':
      return { kind: 'ASIDPool', entries: asidPoolEntries(mem, addr) };
    case 'Frame':
      return { kind: 'DataPage', isDevice: g.isDevice, size: frameSize(g.sizeBits, addr) };
  }
}

function frameSize(sizeBits: number, addr: number): VMPageSize {
  const found = (Object.keys(PAGE_BITS_FOR_SIZE) as VMPageSize[]).find((k) => PAGE_BITS_FOR_SIZE[k] === sizeBits);
  if (found === undefined) throw new AbstractionError(`ghost frame at 0x${addr.toString(16)} of 2^${sizeBits} bytes`);
  return found;
}

/** A CNode of `2^bits` CTEs at `addr` (null caps left out, as the spec keeps them). */
export function cnodeAt(mem: PhysicalMemory, addr: number, bits: number): KernelObject {
  const slots = PMap<number, Cap>().withMutations((m) => {
    const n = 2 ** bits;
    for (let i = 0; i < n; i++) {
      const cte = addr + 16 * i;
      const w0 = mem.read32(cte);
      if (w0 === 0 && mem.read32(cte + 4) === 0) continue;
      const cap = capFromWords(w0, mem.read32(cte + 4), cte);
      if (cap.kind !== 'NullCap') m.set(i, cap);
    }
  });
  return { kind: 'CNode', bits, slots };
}

/** The TCB object whose base is `base`. */
export function tcbAt(mem: PhysicalMemory, base: number): TCB {
  const t = base + TCB_OFFSET;
  const caps = [0, 1, 2, 3, 4].map((i) => capAt(mem, base + 16 * i)) as unknown as TCB['caps'];
  const context: number[] = [];
  for (let r = 0; r < N_CONTEXT_REGISTERS; r++) context.push(mem.read32(t + 4 * r));
  const bound = mem.read32(t + TCB_BOUND_NOTIFICATION);
  return {
    kind: 'TCB',
    caps,
    state: threadState(mem.read32(t + TCB_STATE_W0), mem.read32(t + TCB_STATE_W2), base),
    fault: fault(mem.read32(t + TCB_FAULT_W0), mem.read32(t + TCB_FAULT_W1), mem.read32(t + TCB_LOOKUP_FAILURE_W0), mem.read32(t + TCB_LOOKUP_FAILURE_W1), base),
    faultHandler: mem.read32(t + TCB_FAULT_HANDLER),
    ipcBuffer: mem.read32(t + TCB_IPC_BUFFER),
    boundNotification: bound === 0 ? null : bound,
    priority: mem.read32(t + TCB_PRIORITY),
    mcp: mem.read32(t + TCB_MCP),
    domain: mem.read32(t + TCB_DOMAIN),
    timeSlice: mem.read32(t + TCB_TIME_SLICE),
    flags: mem.read32(t + TCB_FLAGS),
    context,
  };
}

function threadState(w0: number, w2: number, base: number): ThreadState {
  const obj = (w0 & 0xfffffff0) >>> 0;
  switch (w0 & 0xf) {
    case 0:
      return { kind: 'Inactive' };
    case 1:
      return { kind: 'Running' };
    case 2:
      return { kind: 'Restart' };
    case 3:
      return { kind: 'BlockedOnReceive', ep: obj, canGrant: ((w2 >>> 3) & 1) === 1 };
    case 4:
      return {
        kind: 'BlockedOnSend', ep: obj, badge: w2 >>> 4, canGrant: ((w2 >>> 3) & 1) === 1,
        canGrantReply: ((w2 >>> 2) & 1) === 1, isCall: ((w2 >>> 1) & 1) === 1,
      };
    case 5:
      return { kind: 'BlockedOnReply' };
    case 6:
      return { kind: 'BlockedOnNotification', ntfn: obj };
    case 7:
      return { kind: 'IdleThreadState' };
    default:
      throw new AbstractionError(`TCB 0x${base.toString(16)}: thread state type ${w0 & 0xf}`);
  }
}

function lookupFailure(w0: number, w1: number): LookupFailure {
  switch (w0 & 3) {
    case 0:
      return { kind: 'InvalidRoot' };
    case 1:
      return { kind: 'MissingCapability', bitsLeft: (w0 >>> 2) & 0x3f };
    case 2:
      return { kind: 'DepthMismatch', bitsLeft: (w0 >>> 2) & 0x3f, bitsFound: (w0 >>> 8) & 0x3f };
    default:
      return { kind: 'GuardMismatch', bitsLeft: (w0 >>> 8) & 0x3f, guardFound: w1 >>> 0, guardSize: (w0 >>> 2) & 0x3f };
  }
}

function fault(w0: number, w1: number, l0: number, l1: number, base: number): Fault | null {
  switch (w0 & 0xf) {
    case 0:
      return null;
    case 1:
      return { kind: 'CapFault', address: w1 >>> 0, inReceivePhase: w0 >>> 31 === 1, failure: lookupFailure(l0, l1) };
    case 2:
      return { kind: 'UnknownSyscallException', number: w1 >>> 0 };
    case 3:
      return { kind: 'UserException', number: w1 >>> 0, code: w0 >>> 4 };
    case 5:
      return { kind: 'VMFault', address: w1 >>> 0, instructionFault: ((w0 >>> 17) & 1) === 1, fsr: w0 >>> 18 };
    default:
      throw new AbstractionError(`TCB 0x${base.toString(16)}: fault type ${w0 & 0xf}`);
  }
}

// A queue of `tcb_t` pointers linked through tcbEPNext, as object bases; `what` and `addr`
// name the endpoint or notification in errors.
function queue(mem: PhysicalMemory, head: number, what: string, addr: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let t = head; t !== 0; t = mem.read32(t + TCB_EP_NEXT)) {
    if (seen.has(t)) throw new AbstractionError(`${what} 0x${addr.toString(16)}: queue has a cycle at 0x${t.toString(16)}`);
    seen.add(t);
    out.push(t - TCB_OFFSET);
  }
  return out;
}

/** The endpoint at `addr`: state in w0[1:0], queue head w1, tail w0. */
export function endpointAt(mem: PhysicalMemory, addr: number): KernelObject {
  const w0 = mem.read32(addr);
  const head = (mem.read32(addr + 4) & 0xfffffff0) >>> 0;
  switch (w0 & 3) {
    case 0:
      return { kind: 'Endpoint', state: { kind: 'IdleEP' } };
    case 1:
      return { kind: 'Endpoint', state: { kind: 'SendEP', queue: queue(mem, head, 'endpoint', addr) } };
    case 2:
      return { kind: 'Endpoint', state: { kind: 'RecvEP', queue: queue(mem, head, 'endpoint', addr) } };
    default:
      throw new AbstractionError(`endpoint 0x${addr.toString(16)}: state 3`);
  }
}

/** The notification at `addr`: state w0[1:0], queue head w1, message w2, bound TCB w3. */
export function notificationAt(mem: PhysicalMemory, addr: number): KernelObject {
  const w0 = mem.read32(addr);
  const head = (mem.read32(addr + 4) & 0xfffffff0) >>> 0;
  const bound = (mem.read32(addr + 12) & 0xfffffff0) >>> 0;
  const boundTCB = bound === 0 ? null : bound - TCB_OFFSET;
  switch (w0 & 3) {
    case 0:
      return { kind: 'Notification', state: { kind: 'IdleNtfn' }, boundTCB };
    case 1:
      return { kind: 'Notification', state: { kind: 'WaitingNtfn', queue: queue(mem, head, 'notification', addr) }, boundTCB };
    case 2:
      return { kind: 'Notification', state: { kind: 'ActiveNtfn', badge: mem.read32(addr + 8) }, boundTCB };
    default:
      throw new AbstractionError(`notification 0x${addr.toString(16)}: state 3`);
  }
}

const AP_RIGHTS: readonly (VMRights | undefined)[] = [undefined, 'VMKernelOnly', 'VMReadOnly', 'VMReadWrite'];

// `table` names the PD or PT (`PD`/`PT`), at `base`, entry `i`: formatted only for an error.
function mappingRights(a: MappingAttributes, table: string, base: number, i: number): VMRights {
  const r = a.apx === 0 ? AP_RIGHTS[a.ap] : undefined;
  if (r === undefined) throw new AbstractionError(`${table} 0x${base.toString(16)}[${i}]: access permissions APX ${a.apx} AP ${a.ap}`);
  return r;
}

// seL4 maps cacheable memory with TEX 0b101 and everything else with TEX 0 (user mappings
// strongly ordered, the kernel's device pages bufferable): TEX[2] tells them apart.
function attributes(a: MappingAttributes, parity: number): VMAttributes {
  return { cacheable: (a.tex & 4) !== 0, parityEnabled: parity === 1, executeNever: a.xn === 1 };
}

function pdEntries(mem: PhysicalMemory, pd: number): PMap<number, PDE> {
  return PMap<number, PDE>().withMutations((m) => {
    for (let i = 0; i < 4096; i++) {
      const w = mem.read32(pd + 4 * i);
      if (w === 0) continue;
      const e = pdeOf(w, pd, i);
      if (e !== null) m.set(i, e);
    }
  });
}

// Every page directory holds the same kernel-window words, and the abstraction of a word
// depends on nothing else: entries are shared between words seen before (they are never
// mutated). Words that fail to decode are not remembered, so that their error names the place.
const pdeMemo = new Map<number, PDE | null>();

function pdeOf(w: number, pd: number, i: number): PDE | null {
  const known = pdeMemo.get(w);
  if (known !== undefined) return known;
  const e = decodedPde(w, pd, i);
  if (pdeMemo.size > 65536) pdeMemo.clear();
  pdeMemo.set(w, e);
  return e;
}

function decodedPde(w: number, pd: number, i: number): PDE | null {
  const d = decodePde(w);
  switch (d.kind) {
    case 'Invalid':
    case 'Reserved':
      return null; // a stored hardware ASID, or nothing
    case 'Coarse':
      return { kind: 'PageTablePDE', table: d.address, parityEnabled: d.p === 1 };
    case 'Section':
      return { kind: 'SectionPDE', frame: d.address, attributes: attributes(d, d.p), rights: mappingRights(d, 'PD', pd, i) };
    case 'SuperSection':
      return { kind: 'SuperSectionPDE', frame: d.address, attributes: attributes(d, d.p), rights: mappingRights(d, 'PD', pd, i) };
  }
}

function ptEntries(mem: PhysicalMemory, pt: number): PMap<number, PTE> {
  return PMap<number, PTE>().withMutations((m) => {
    for (let i = 0; i < 256; i++) {
      const w = mem.read32(pt + 4 * i);
      if (w === 0) continue;
      const d = decodePte(w);
      if (d.kind === 'Small') m.set(i, { kind: 'SmallPagePTE', frame: d.address, attributes: attributes(d, 0), rights: mappingRights(d, 'PT', pt, i) });
      else if (d.kind === 'Large') m.set(i, { kind: 'LargePagePTE', frame: d.address, attributes: attributes(d, 0), rights: mappingRights(d, 'PT', pt, i) });
    }
  });
}

function asidPoolEntries(mem: PhysicalMemory, pool: number): PMap<number, number> {
  return PMap<number, number>().withMutations((m) => {
    for (let i = 0; i < 1024; i++) {
      const pd = mem.read32(pool + 4 * i);
      if (pd !== 0) m.set(i, pd);
    }
  });
}
