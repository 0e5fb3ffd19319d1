// A tiny hand-made kernel state for the spec's unit tests: a root thread with a root CNode,
// an IPC buffer frame, a page directory with ASID 1, an idle thread and an IRQ node. It does
// not depend on spec/boot.ts. Helpers write a system call's registers and read the reply.
import { Map as PMap, Set as PSet } from 'immutable';
import { MAX_IRQ } from '../../abi/config.js';
import { invocationLabel, LABEL, type InvocationLabel } from '../../abi/labels.js';
import { messageInfoFromWord, wordFromMessageInfo } from '../../abi/message-info.js';
import type { KernelEvent, Syscall } from '../../hardware/events.js';
import { MSG_REGISTERS, Reg } from '../../hardware/registers.js';
import { ALL_RIGHTS, NULL_CAP, type Cap } from '../../spec/state/cap.js';
import { ChildList } from '../../spec/state/child-list.js';
import { slotKey, type CSlot } from '../../spec/state/cslot.js';
import type { IRQState, KernelState } from '../../spec/state/kernel-state.js';
import type { CNode, KernelObject, TCB } from '../../spec/state/object.js';
import { callKernelWithOutcome, type KernelStep } from '../../spec/kernel/entry.js';
import { getTCB } from '../../spec/kernel/kheap.js';
import { setRegisters } from '../../spec/kernel/thread.js';
import { defaultTCB } from '../../spec/object/untyped/default-object.js';
import { loadWord, storeWords } from '../../spec/kernel/user-memory.js';

/** Addresses of the fixture's objects. */
export const A = {
  rootCNode: 0x10000000,
  rootTCB: 0x10010000,
  idleTCB: 0x10010200,
  ipcFrame: 0x10011000,
  rootPD: 0x10014000,
  asidPool: 0x10018000,
  irqNode: 0x10019000,
  globalPD: 0x1001c000,
  ep: 0x10020000,
  ntfn: 0x10020010,
  untyped: 0x10100000,
  cnodeB: 0x10030000,
} as const;

/** The IPC buffer's user virtual address (page aligned, offset 0 in its frame). */
export const IPC_VADDR = 0x00500000;
/** The kernel timer's line. */
export const TIMER_IRQ = 29;
/** The radix of the fixture's root CNode. */
export const ROOT_BITS = 8;

/** Slots of the root CNode in the fixture (as seL4's initial caps where they exist). */
export const SLOT = {
  tcb: 1,
  cnode: 2,
  pd: 3,
  irqControl: 4,
  asidControl: 5,
  asidPool: 6,
  ipcBuffer: 10,
  domain: 11,
  untyped: 16,
  ep: 17,
  ntfn: 18,
  cnodeB: 19,
  firstFree: 32,
} as const;

const cnodeCap = (ptr: number, bits: number, guardSize: number): Cap => ({
  kind: 'CNodeCap',
  ptr,
  bits,
  guard: { value: 0, size: guardSize },
});

function tcb(fields: Partial<TCB>): TCB {
  return { ...defaultTCB(0), ...fields };
}

/** The fixture's initial state. */
export function makeState(): KernelState {
  const rootCaps: [number, Cap][] = [
    [SLOT.tcb, { kind: 'ThreadCap', tcb: A.rootTCB }],
    [SLOT.cnode, cnodeCap(A.rootCNode, ROOT_BITS, 32 - ROOT_BITS)],
    [SLOT.pd, { kind: 'PageDirectoryCap', ptr: A.rootPD, asid: 1 }],
    [SLOT.irqControl, { kind: 'IRQControlCap' }],
    [SLOT.asidControl, { kind: 'ASIDControlCap' }],
    [SLOT.asidPool, { kind: 'ASIDPoolCap', ptr: A.asidPool, asidBase: 0 }],
    [SLOT.ipcBuffer, { kind: 'FrameCap', isDevice: false, ptr: A.ipcFrame, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: null }],
    [SLOT.domain, { kind: 'DomainCap' }],
    [SLOT.untyped, { kind: 'UntypedCap', isDevice: false, ptr: A.untyped, sizeBits: 16, freeIndex: 0 }],
    [SLOT.ep, { kind: 'EndpointCap', ptr: A.ep, badge: 0, rights: ALL_RIGHTS }],
    [SLOT.ntfn, { kind: 'NotificationCap', ptr: A.ntfn, badge: 0, rights: { read: true, write: true, grant: false, grantReply: false } }],
    [SLOT.cnodeB, cnodeCap(A.cnodeB, 2, 0)],
  ];
  const root: CNode = { kind: 'CNode', bits: ROOT_BITS, slots: PMap(rootCaps) };
  const rootTCB = tcb({
    caps: [
      cnodeCap(A.rootCNode, ROOT_BITS, 32 - ROOT_BITS),
      { kind: 'PageDirectoryCap', ptr: A.rootPD, asid: 1 },
      { kind: 'ReplyCap', tcb: A.rootTCB, isMaster: true, rights: { read: false, write: true, grant: true, grantReply: false } },
      NULL_CAP,
      { kind: 'FrameCap', isDevice: false, ptr: A.ipcFrame, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: null },
    ],
    state: { kind: 'Running' },
    ipcBuffer: IPC_VADDR,
    priority: 255,
    mcp: 255,
  });
  const objects: [number, KernelObject][] = [
    [A.rootCNode, root],
    [A.rootTCB, rootTCB],
    [A.idleTCB, tcb({ state: { kind: 'IdleThreadState' } })],
    [A.rootPD, { kind: 'PageDirectory', entries: PMap() }],
    [A.asidPool, { kind: 'ASIDPool', entries: PMap([[1, A.rootPD]]) }],
    [A.globalPD, { kind: 'PageDirectory', entries: PMap() }],
    [A.ep, { kind: 'Endpoint', state: { kind: 'IdleEP' } }],
    [A.ntfn, { kind: 'Notification', state: { kind: 'IdleNtfn' }, boundTCB: null }],
    [A.cnodeB, { kind: 'CNode', bits: 2, slots: PMap() }],
  ];
  for (let irq = 0; irq <= MAX_IRQ; irq++) {
    objects.push([A.irqNode + 16 * irq, { kind: 'CNode', bits: 0, slots: PMap() }]);
  }
  const child = (p: CSlot, c: CSlot): [number, CSlot] => [slotKey(c), p];
  const rs = (i: number): CSlot => ({ obj: A.rootCNode, index: i });
  const ts = (i: number): CSlot => ({ obj: A.rootTCB, index: i });
  const irqStates: IRQState[] = new Array<IRQState>(MAX_IRQ + 1).fill('IRQInactive');
  irqStates[TIMER_IRQ] = 'IRQTimer';
  const irqMasks = new Array<boolean>(MAX_IRQ + 1).fill(true);
  irqMasks[TIMER_IRQ] = false;
  return {
    kheap: PMap(objects),
    cdt: PMap([child(rs(SLOT.cnode), ts(0)), child(rs(SLOT.pd), ts(1)), child(rs(SLOT.ipcBuffer), ts(4))]),
    cdtList: PMap([
      [slotKey(rs(SLOT.cnode)), ChildList.of([ts(0)])],
      [slotKey(rs(SLOT.pd)), ChildList.of([ts(1)])],
      [slotKey(rs(SLOT.ipcBuffer)), ChildList.of([ts(4)])],
    ]),
    isOriginalCap: PSet([...rootCaps.map(([i]) => slotKey(rs(i))), slotKey(ts(2))]),
    curThread: A.rootTCB,
    idleThread: A.idleTCB,
    schedulerAction: { kind: 'ResumeCurrentThread' },
    readyQueues: PMap(),
    curDomain: 0,
    domainTime: 100n,
    domainList: [{ domain: 0, duration: 100n }, { domain: 0, duration: 0n }],
    domainIndex: 0,
    domainStartIndex: 0,
    machine: { memory: PMap(), irqMasks, irqPending: [] },
    irqNode: A.irqNode,
    irqStates,
    arch: {
      asidTable: PMap([[0, A.asidPool]]),
      hwASIDTable: PMap(),
      nextASID: 0,
      asidMap: PMap(),
      globalPD: A.globalPD,
      globalPTs: [],
    },
    workUnitsCompleted: 0,
  };
}

/** A slot of the fixture's root CNode. */
export function rootSlot(index: number): CSlot {
  return { obj: A.rootCNode, index };
}

/** Sets registers of the current thread. */
export function withRegs(s: KernelState, regs: Readonly<Record<number, number>>): KernelState {
  return setRegisters(s, s.curThread, Object.entries(regs).map(([r, v]) => [Number(r), v] as const));
}

/** The physical address of the current thread's IPC buffer in the fixture. */
export function ipcBufferPaddr(): number {
  return A.ipcFrame + (IPC_VADDR & 0xfff);
}

/** What a test invocation sends. */
export interface Message {
  /** The invoked CPtr (r0). */
  readonly cptr: number;
  /** The label (by name or number). */
  readonly label: InvocationLabel | number;
  /** The message words MR0.. (the length is their number unless `length` is given). */
  readonly mrs?: readonly number[];
  /** Overrides the message length field. */
  readonly length?: number;
  /** CPtrs of extra caps (written to the IPC buffer's caps_or_badges). */
  readonly extraCaps?: readonly number[];
}

/** Writes an invocation's registers and IPC buffer for the current thread. */
export function prepare(s: KernelState, m: Message): KernelState {
  const mrs = m.mrs ?? [];
  const label = typeof m.label === 'number' ? m.label : LABEL[m.label];
  const extra = m.extraCaps ?? [];
  const info = wordFromMessageInfo({ label, capsUnwrapped: 0, extraCaps: extra.length, length: m.length ?? mrs.length });
  const regs: Record<number, number> = { [Reg.R0]: m.cptr, [Reg.R1]: info };
  MSG_REGISTERS.forEach((r, i) => {
    regs[r] = mrs[i] ?? 0;
  });
  let s1 = withRegs(s, regs);
  const buf = ipcBufferPaddr();
  if (mrs.length > 4) s1 = storeWords(s1, buf + 4 * 5, mrs.slice(4));
  if (extra.length > 0) s1 = storeWords(s1, buf + 4 * 122, extra);
  return s1;
}

/** Runs a system call after writing its registers. */
export function invoke(s: KernelState, m: Message, syscall: Syscall = 'SysCall'): KernelStep {
  return callKernelWithOutcome(prepare(s, m), { kind: 'Syscall', syscall });
}

/** Runs an event. */
export function step(s: KernelState, e: KernelEvent): KernelStep {
  return callKernelWithOutcome(s, e);
}

/** The reply the current thread got: label, length and the message words. */
export function reply(s: KernelState, thread: number = s.curThread): { label: number; length: number; mrs: number[]; badge: number } {
  const t = getTCB(s, thread);
  const info = messageInfoFromWord(t.context[Reg.R1] ?? 0);
  const regs = MSG_REGISTERS.map((r) => t.context[r] ?? 0);
  const mrs = [...regs, ...Array.from({ length: Math.max(0, info.length - 4) }, (_, i) => loadWord(s.machine, ipcBufferPaddr() + 4 * (5 + i)))];
  return { label: info.label, length: info.length, mrs: mrs.slice(0, info.length), badge: t.context[Reg.R0] ?? 0 };
}

/** The label name for a number (for messages). */
export const labelName = invocationLabel;
