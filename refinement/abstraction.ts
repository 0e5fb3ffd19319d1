/**
 * The abstraction function: the implementation kernel (objects in physical memory, C-style
 * globals, the ghost object table) seen as a spec `KernelState` (l4v's `state_relation`,
 * run as a function). Objects come from the ghost table and are decoded from their words;
 * the CDT from the MDB lists; the globals from the kernel's fields; machine memory is the
 * contents of user frames (DataPage objects) only.
 *
 * Two forms: {@link abstractState} builds the whole state; {@link ImplView} answers for one
 * object, slot or CDT entry at a time, which is what the per-step comparison needs.
 *
 * @module
 */
import { Map as PMap, Set as PSet } from 'immutable';
import { DEFAULT_BOOT_PARAMS, PD_ASID_SLOT, type BootParams } from '../abi/bootinfo.js';
import { decodePde } from '../hardware/descriptors.js';
import type { KernelEvent } from '../hardware/events.js';
import { bootImpl } from '../impl/boot.js';
import type { GhostObject, GhostTable } from '../impl/kernel/ghost.js';
import type { Kernel } from '../impl/kernel/kernel.js';
import { TCB_OFFSET, TCB_SCHED_NEXT } from '../impl/object/tcb-layout.js';
import type { Cap } from '../spec/state/cap.js';
import { ChildList } from '../spec/state/child-list.js';
import type { CSlot } from '../spec/state/cslot.js';
import type { IRQState, KernelState, SchedulerAction } from '../spec/state/kernel-state.js';
import type { KernelObject } from '../spec/state/object.js';
import { AbstractionError } from './abstraction/cap-words.js';
import { MdbReader, wholeCdt } from './abstraction/mdb.js';
import { capAt, objectAt } from './abstraction/objects.js';
import type { AbstractView, Globals, HardwareView, KernelInstance, KernelUnderTest } from './check/kernel-under-test.js';

export { AbstractionError } from './abstraction/cap-words.js';

const IRQ_STATE_NAMES: readonly IRQState[] = ['IRQInactive', 'IRQSignal', 'IRQTimer', 'IRQReserved'];
const FRAME_BITS = [12, 16, 20, 24] as const;
const FRAME_SIZE = 4096;

/** The implementation kernel seen part by part (see the module comment). */
export class ImplView implements AbstractView {
  // The MDB nodes live as long as the view, i.e. while the kernel does not change: each is
  // read once however many comparisons ask for it. The slot of each CTE lives longer, as long
  // as the ghost table stays the same (most steps make and remove no object).
  private reader: MdbReader | undefined;
  private readonly slots: Map<number, CSlot | null>;

  /** Creates a view of `k` (valid until `k` next changes). */
  constructor(private readonly k: Kernel) {
    this.slots = slotCache(k.ghost);
  }

  private mdb(): MdbReader {
    return (this.reader ??= new MdbReader(this.k.mem));
  }

  /** @inheritDoc */
  object(addr: number): KernelObject | undefined {
    const g = this.k.ghost.get(addr);
    return g === undefined ? undefined : objectAt(this.k.mem, addr, g);
  }

  /** @inheritDoc */
  cnodeSlot(obj: number, index: number): Cap | undefined {
    const g = this.k.ghost.get(obj);
    if (g?.kind !== 'CapTable' || index >= 2 ** (g.sizeBits - 4)) return undefined;
    return capAt(this.k.mem, obj + 16 * index);
  }

  /** @inheritDoc */
  cdtParent(key: number): CSlot | undefined {
    if (this.slotOf(key) === undefined) return undefined;
    const p = this.mdb().parent(key);
    return p === undefined ? undefined : this.slotOrThrow(p);
  }

  /** @inheritDoc */
  cdtChildren(key: number): readonly CSlot[] {
    if (this.slotOf(key) === undefined) return [];
    return this.mdb().children(key).map((c) => this.slotOrThrow(c));
  }

  /** @inheritDoc */
  isOriginal(key: number): boolean {
    return this.slotOf(key) !== undefined && (this.k.mem.read32(key + 12) & 2) !== 0;
  }

  /** @inheritDoc */
  frame(n: number): Uint8Array | undefined {
    const paddr = n * FRAME_SIZE;
    if (!isUserFrame(this.k, paddr)) return undefined;
    return frameBytes(this.k, paddr);
  }

  /** @inheritDoc */
  globals(): Globals {
    return globalsOf(this.k);
  }

  /** @inheritDoc */
  globalField<K extends keyof Globals>(field: K): Globals[K] {
    return globalFieldOf(this.k, field);
  }

  /** The slot whose CTE is at `cte`: a CNode slot or one of a TCB's five. */
  slotOf(cte: number): CSlot | undefined {
    let s = this.slots.get(cte);
    if (s === undefined) {
      s = slotAt(this.k, cte) ?? null;
      this.slots.set(cte, s);
    }
    return s ?? undefined;
  }

  private slotOrThrow(cte: number): CSlot {
    const s = this.slotOf(cte);
    if (s === undefined) throw new AbstractionError(`MDB links to 0x${cte.toString(16)}, which is no CTE`);
    return s;
  }
}

const slotCaches = new WeakMap<GhostTable, { version: number; readonly slots: Map<number, CSlot | null> }>();

// The CTE-to-slot map of views of a kernel with ghost table `g`, emptied whenever `g` changed.
function slotCache(g: GhostTable): Map<number, CSlot | null> {
  const c = slotCaches.get(g);
  if (c === undefined) {
    const slots = new Map<number, CSlot | null>();
    slotCaches.set(g, { version: g.version, slots });
    return slots;
  }
  if (c.version !== g.version) {
    c.slots.clear();
    c.version = g.version;
  }
  return c.slots;
}

// The slot whose CTE is at `cte`: a TCB's, else a CNode's of the smallest radix that has one
// there. Radices whose aligned base is the one just tried name the same ghost entry, so that
// entry is read once for all of them.
function slotAt(k: Kernel, cte: number): CSlot | undefined {
  const tcb = cte - (cte % 512);
  if (k.ghost.get(tcb)?.kind === 'TCB' && cte - tcb < 80) return { obj: tcb, index: (cte - tcb) / 16 };
  let lastBase = -1;
  let g: GhostObject | undefined;
  for (let radix = 0; radix <= 27; radix++) {
    const size = 2 ** (radix + 4);
    const base = cte - (cte % size);
    if (base !== lastBase) {
      g = k.ghost.get(base);
      lastBase = base;
    }
    if (g?.kind === 'CapTable' && g.sizeBits === radix + 4) return { obj: base, index: (cte - base) / 16 };
  }
  return undefined;
}

function isUserFrame(k: Kernel, paddr: number): boolean {
  for (const bits of FRAME_BITS) {
    const base = paddr - (paddr % 2 ** bits);
    const g = k.ghost.get(base);
    if (g?.kind === 'Frame' && g.sizeBits === bits) return true;
  }
  return false;
}

function frameBytes(k: Kernel, paddr: number): Uint8Array | undefined {
  const words = new Uint32Array(FRAME_SIZE / 4);
  let nonZero = false;
  for (let i = 0; i < words.length; i++) {
    const w = k.mem.read32(paddr + 4 * i);
    words[i] = w;
    nonZero ||= w !== 0;
  }
  if (!nonZero) return undefined;
  const bytes = new Uint8Array(FRAME_SIZE);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    bytes[4 * i] = w & 0xff;
    bytes[4 * i + 1] = (w >>> 8) & 0xff;
    bytes[4 * i + 2] = (w >>> 16) & 0xff;
    bytes[4 * i + 3] = (w >>> 24) & 0xff;
  }
  return bytes;
}

function schedulerAction(k: Kernel): SchedulerAction {
  switch (k.ksSchedulerAction) {
    case 0:
      return { kind: 'ResumeCurrentThread' };
    case 1:
      return { kind: 'ChooseNewThread' };
    default:
      return { kind: 'SwitchToThread', tcb: k.ksSchedulerAction - TCB_OFFSET };
  }
}

const NO_QUEUES = PMap<number, readonly number[]>();

// Priorities per L1 bitmap bit (a word of the L2 bitmap).
const PRIOS_PER_L1_BIT = 32;

/**
 * The non-empty ready queues. `whole`: read every one of the 4096 heads (the whole-state
 * abstraction). Otherwise only the groups of 32 priorities the L1 bitmap marks, as the
 * kernel's own scheduler reads them: this runs at every checked step, where reading every
 * head cost about 15 µs; a non-empty queue the bitmap hides is still caught, by the whole
 * comparison the engine makes every few steps and at the end of each run.
 */
function readyQueues(k: Kernel, whole = true): PMap<number, readonly number[]> {
  const heads = k.ksReadyQueuesHead;
  const groups: number[] = [];
  const l1 = k.ksReadyQueuesL1Bitmap;
  const perDomain = heads.length / l1.length;
  const bitsPerDomain = perDomain / PRIOS_PER_L1_BIT;
  // Ascending, as the kernel's bitmaps order them: domain by domain, then bit by bit.
  for (let dom = 0; dom < l1.length; dom++) {
    for (let bit = 0; bit < bitsPerDomain; bit++) {
      if (whole || (l1[dom]! & (1 << bit)) !== 0) groups.push(dom * perDomain + bit * PRIOS_PER_L1_BIT);
    }
  }
  if (groups.length === 0) return NO_QUEUES;
  // (No queue among the groups: the empty map, which is `NO_QUEUES` itself.)
  return PMap<number, readonly number[]>().withMutations((m) => {
    for (const g of groups) {
      for (let i = g; i < g + PRIOS_PER_L1_BIT; i++) {
        const head = heads[i]!;
        if (head === 0) continue;
        const q: number[] = [];
        const seen = new Set<number>();
        for (let t = head; t !== 0; t = k.mem.read32(t + TCB_SCHED_NEXT)) {
          if (seen.has(t)) throw new AbstractionError(`ready queue ${i} has a cycle`);
          seen.add(t);
          q.push(t - TCB_OFFSET);
        }
        m.set(i, q);
      }
    }
  });
}

function nonZeroEntries(a: Uint32Array): PMap<number, number> {
  return PMap<number, number>().withMutations((m) => {
    a.forEach((v, i) => {
      if (v !== 0) m.set(i, v);
    });
  });
}

// `arm_asid_map`: each ASID in a pool whose page directory holds a stored hardware ASID.
function asidMap(k: Kernel): PMap<number, { readonly hwASID: number; readonly pd: number }> {
  return PMap<number, { readonly hwASID: number; readonly pd: number }>().withMutations((m) => {
    k.armKSASIDTable.forEach((pool, hi) => {
      if (pool === 0) return;
      for (let lo = 0; lo < 1024; lo++) {
        const pd = k.mem.read32(pool + 4 * lo);
        if (pd === 0) continue;
        const d = decodePde(k.mem.read32(pd + 4 * PD_ASID_SLOT));
        if (d.kind === 'Invalid' && d.storedAsidValid === 1) m.set(hi * 1024 + lo, { hwASID: d.storedHwAsid, pd });
      }
    });
  });
}

/** One global field of the implementation kernel, abstractly, computing only that field. */
export function globalFieldOf<K extends keyof Globals>(k: Kernel, field: K): Globals[K] {
  return globalField(k, field) as Globals[K];
}

function globalField(k: Kernel, field: keyof Globals): Globals[keyof Globals] {
  switch (field) {
    case 'curThread':
      return k.ksCurThread - TCB_OFFSET;
    case 'idleThread':
      return k.ksIdleThread - TCB_OFFSET;
    case 'schedulerAction':
      return schedulerAction(k);
    case 'readyQueues':
      return readyQueues(k, false);
    case 'curDomain':
      return k.ksCurDomain;
    case 'domainTime':
      return k.ksDomainTime;
    case 'domainIndex':
      return k.ksDomScheduleIdx;
    case 'domainStartIndex':
      return k.ksDomScheduleStart;
    case 'irqNode':
      return k.intStateIRQNode;
    case 'workUnitsCompleted':
      return k.ksWorkUnitsCompleted;
    case 'irqPending':
      return pendingIRQs(k);
    default:
      return globalsOf(k)[field];
  }
}

function pendingIRQs(k: Kernel): number[] {
  const out: number[] = [];
  for (let i = 0; i < k.intStateIRQTable.length; i++) if (k.irq.isPending(i)) out.push(i);
  return out;
}

/** The global fields of the implementation kernel, abstractly. */
export function globalsOf(k: Kernel): Globals {
  const irqs = k.intStateIRQTable.length;
  const irqMasks: boolean[] = [];
  const irqPending: number[] = [];
  const irqStates: IRQState[] = [];
  for (let i = 0; i < irqs; i++) {
    irqMasks.push(k.irq.isMasked(i));
    if (k.irq.isPending(i)) irqPending.push(i);
    const st = IRQ_STATE_NAMES[k.intStateIRQTable[i]!];
    if (st === undefined) throw new AbstractionError(`IRQ ${i} has state ${k.intStateIRQTable[i]}`);
    irqStates.push(st);
  }
  const domainList = Array.from({ length: k.ksDomSchedule.length / 2 }, (_, i) => ({
    domain: k.domainScheduleDomain(i),
    duration: k.domainScheduleDuration(i),
  }));
  return {
    curThread: k.ksCurThread - TCB_OFFSET,
    idleThread: k.ksIdleThread - TCB_OFFSET,
    schedulerAction: schedulerAction(k),
    readyQueues: readyQueues(k),
    curDomain: k.ksCurDomain,
    domainTime: k.ksDomainTime,
    domainList,
    domainIndex: k.ksDomScheduleIdx,
    domainStartIndex: k.ksDomScheduleStart,
    irqNode: k.intStateIRQNode,
    irqStates,
    arch: {
      asidTable: nonZeroEntries(k.armKSASIDTable),
      hwASIDTable: nonZeroEntries(k.armKSHWASIDTable),
      nextASID: k.armKSNextASID,
      asidMap: asidMap(k),
      globalPD: k.armKSGlobalPD,
      globalPTs: k.armKSGlobalPT === 0 ? [] : [k.armKSGlobalPT],
    },
    workUnitsCompleted: k.ksWorkUnitsCompleted,
    irqMasks,
    irqPending,
  };
}

/** The whole abstract state of the implementation kernel `k`. */
export function abstractState(k: Kernel): KernelState {
  const view = new ImplView(k);
  const ctes: number[] = [];
  const kheap = PMap<number, KernelObject>().withMutations((m) => {
    for (const [addr, g] of k.ghost.entries()) {
      m.set(addr, objectAt(k.mem, addr, g));
      if (g.kind === 'CapTable') for (let i = 0; i < 2 ** (g.sizeBits - 4); i++) ctes.push(addr + 16 * i);
      if (g.kind === 'TCB') for (let i = 0; i < 5; i++) ctes.push(addr + 16 * i);
    }
  });
  const cteSet = new Set(ctes);
  const cdt = wholeCdt(k.mem, ctes, (a) => cteSet.has(a));
  const slot = (cte: number): CSlot => view.slotOf(cte)!;
  const g = globalsOf(k);
  const { irqMasks, irqPending, ...rest } = g;
  return {
    ...rest,
    kheap,
    cdt: PMap<number, CSlot>().withMutations((m) => {
      for (const [c, p] of cdt.parents) m.set(c, slot(p));
    }),
    cdtList: PMap<number, ChildList>().withMutations((m) => {
      for (const [p, cs] of cdt.children) m.set(p, ChildList.of(cs.map(slot)));
    }),
    isOriginalCap: PSet(cdt.revocable),
    machine: { memory: userMemory(k), irqMasks, irqPending },
  };
}

function userMemory(k: Kernel): PMap<number, Uint8Array> {
  return PMap<number, Uint8Array>().withMutations((m) => {
    for (const [base] of k.mem.frames()) {
      if (!isUserFrame(k, base)) continue;
      const bytes = frameBytes(k, base);
      if (bytes !== undefined) m.set(base / FRAME_SIZE, bytes);
    }
  });
}

/** The implementation kernel as the engine drives it. */
class ImplInstance implements KernelInstance {
  constructor(private readonly k: Kernel) {}

  setRegister(reg: number, value: number): void {
    this.k.setRegister(this.k.ksCurThread, reg, value);
  }

  writeWords(paddr: number, values: readonly number[]): void {
    values.forEach((v, i) => this.k.mem.write32(paddr + 4 * i, v));
  }

  setPendingIRQ(irq: number): void {
    this.k.irq.setPending(irq);
  }

  step(e: KernelEvent): void {
    this.k.callKernel(e);
  }

  abstract(): KernelState {
    return abstractState(this.k);
  }

  view(): AbstractView {
    return new ImplView(this.k);
  }

  hardwareView(): HardwareView {
    return { memory: this.k.mem, tlb: this.k.tlb, cpu: this.k.cpu };
  }
}

/** The implementation kernel, booted with `params`, as a kernel under test. */
export function implKernel(params: BootParams = DEFAULT_BOOT_PARAMS, name = 'impl'): KernelUnderTest {
  return { name, boot: () => new ImplInstance(bootImpl(params)) };
}

/** Wraps an implementation kernel (e.g. to inject a fault after each step) as a kernel under test. */
export function implKernelWith(name: string, boot: () => Kernel, afterStep: (k: Kernel, e: KernelEvent) => void = () => {}): KernelUnderTest {
  return {
    name,
    boot: () => {
      const k = boot();
      const inst = new ImplInstance(k);
      const step = inst.step.bind(inst);
      inst.step = (e: KernelEvent): void => {
        step(e);
        afterStep(k, e);
      };
      return inst;
    },
  };
}
