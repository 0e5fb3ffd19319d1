/**
 * A small hand-built impl kernel for unit tests (independent of impl/boot.ts): a root thread
 * with a root CNode (radix 8, guard 0 of 24 bits, so CPtr n names slot n) and an IPC buffer
 * frame, an idle thread, an IRQ node, and a few objects with caps in the root CNode:
 *
 * | slot | cap |
 * |---|---|
 * | 1 | root TCB |
 * | 2 | root CNode |
 * | 4 | IRQ control |
 * | 10 | IPC buffer frame (RW) |
 * | 11 | domain |
 * | 16 | endpoint, all rights, unbadged |
 * | 17 | notification, Read+Write, unbadged |
 * | 18 | second CNode (radix 4, guard size 0) |
 * | 19 | untyped, 64 KiB |
 *
 * Plus helpers to make a system call the way a user would (registers and IPC buffer).
 */
import { PhysicalMemory } from '../../hardware/memory.js';
import { Reg, MSG_REGISTERS } from '../../hardware/registers.js';
import type { Syscall } from '../../hardware/events.js';
import { Kernel } from '../../impl/kernel/kernel.js';
import * as C from '../../impl/object/cap.js';
import * as A from '../../impl/object/arch-cap.js';
import { cteInsert } from '../../impl/object/cte.js';
import { cteWriteCap, cteWriteMdb, cteGetNext, cteGetPrev } from '../../impl/object/mdb.js';
import {
  TCB_BUFFER, TCB_CTABLE, TCB_DOMAIN, TCB_IPC_BUFFER, TCB_MCP, TCB_PRIORITY, TCB_STATE_W0, TCB_TIME_SLICE,
  THREAD_STATE_IDLE, THREAD_STATE_RUNNING, tcbCte, tcbFromObject, tcbSet, tcbSetStateType,
} from '../../impl/object/tcb-layout.js';
import { setupReplyMaster } from '../../impl/object/cte.js';
import { messageInfoWord } from '../../impl/kernel/message.js';
import { IRQ_TIMER, SCHEDULER_ACTION_RESUME_CURRENT_THREAD } from '../../impl/kernel/statedata.js';
import { setIRQState } from '../../impl/object/interrupt.js';
import { tcbSchedDequeue } from '../../impl/kernel/thread.js';

/** Addresses of the fixture's objects. */
export const FX = {
  ramBase: 0x10000000,
  ramSize: 16 * 2 ** 20,
  rootCNode: 0x10010000,
  rootRadix: 8,
  rootTCBObject: 0x10020000,
  idleTCBObject: 0x10020200,
  otherTCBObject: 0x10020400,
  ipcBuffer: 0x10030000,
  ipcBufferVaddr: 0x00400000,
  irqNode: 0x10040000,
  endpoint: 0x10050000,
  notification: 0x10050010,
  cnode2: 0x10060000,
  cnode2Radix: 4,
  untyped: 0x10100000,
  untypedBits: 16,
  timerIRQ: 29,
} as const;

/** Root CNode slots of the fixture. */
export const SLOT = { tcb: 1, cnode: 2, irqControl: 4, ipcBuffer: 10, domain: 11, ep: 16, ntfn: 17, cnode2: 18, untyped: 19 } as const;

/** Address of root CNode slot `i`. */
export function rootSlot(i: number): number {
  return FX.rootCNode + 16 * i;
}

/** Address of slot `i` of the second CNode. */
export function cnode2Slot(i: number): number {
  return FX.cnode2 + 16 * i;
}

// An original cap with no MDB neighbours, as boot's `write_slot` leaves it.
function writeOriginal(k: Kernel, slot: number, cap: C.CapWords): void {
  cteWriteCap(k.mem, slot, cap.w0, cap.w1);
  cteWriteMdb(k.mem, slot, 0, 0, 1, 1);
}

function initTCB(k: Kernel, base: number, prio: number, state: number): number {
  const tcb = tcbFromObject(base);
  tcbSet(k.mem, tcb, TCB_PRIORITY, prio);
  tcbSet(k.mem, tcb, TCB_MCP, prio);
  tcbSet(k.mem, tcb, TCB_DOMAIN, 0);
  tcbSet(k.mem, tcb, TCB_TIME_SLICE, 5);
  tcbSetStateType(k.mem, tcb, state);
  k.setRegister(tcb, Reg.CPSR, 0x150);
  k.ghost.add(base, 'TCB', 9);
  return tcb;
}

/** The fixture kernel: root thread current and Running at priority 255, idle thread, timer IRQ active. */
export function makeKernel(): Kernel {
  const k = new Kernel(new PhysicalMemory({ ramBase: FX.ramBase, ramSize: FX.ramSize }));
  const cap = C.capWords();
  const root = initTCB(k, FX.rootTCBObject, 255, THREAD_STATE_RUNNING);
  k.ksIdleThread = initTCB(k, FX.idleTCBObject, 0, THREAD_STATE_IDLE);
  k.ksCurThread = root;
  k.setDomainScheduleEntry(0, 0, 1n << 40n);
  k.setDomainTime(1n << 40n);
  k.intStateIRQNode = FX.irqNode;
  setIRQState(k, IRQ_TIMER, FX.timerIRQ);
  writeOriginal(k, rootSlot(SLOT.tcb), C.threadCapNew(cap, root));
  writeOriginal(k, rootSlot(SLOT.cnode), C.cnodeCapNew(cap, FX.rootRadix, 32 - FX.rootRadix, 0, FX.rootCNode));
  writeOriginal(k, rootSlot(SLOT.irqControl), C.irqControlCapNew(cap));
  writeOriginal(k, rootSlot(SLOT.ipcBuffer), A.genericFrameCapNew(cap, A.ARM_SMALL_PAGE, FX.ipcBuffer, A.VM_READ_WRITE, 0, 1, FX.ipcBufferVaddr));
  writeOriginal(k, rootSlot(SLOT.domain), C.domainCapNew(cap));
  writeOriginal(k, rootSlot(SLOT.ep), C.endpointCapNew(cap, 0, 1, 1, 1, 1, FX.endpoint));
  writeOriginal(k, rootSlot(SLOT.ntfn), C.notificationCapNew(cap, 0, 1, 1, FX.notification));
  writeOriginal(k, rootSlot(SLOT.cnode2), C.cnodeCapNew(cap, FX.cnode2Radix, 0, 0, FX.cnode2));
  writeOriginal(k, rootSlot(SLOT.untyped), C.untypedCapNew(cap, 0, 0, FX.untypedBits, FX.untyped));
  k.ghost.add(FX.rootCNode, 'CapTable', FX.rootRadix + 4);
  k.ghost.add(FX.cnode2, 'CapTable', FX.cnode2Radix + 4);
  k.ghost.add(FX.ipcBuffer, 'Frame', 12);
  k.ghost.add(FX.endpoint, 'Endpoint', 4);
  k.ghost.add(FX.notification, 'Notification', 4);
  const cnodeCap = k.readCap(rootSlot(SLOT.cnode));
  cteInsert(k, cnodeCap.w0, cnodeCap.w1, rootSlot(SLOT.cnode), tcbCte(root, TCB_CTABLE));
  const bufCap = k.readCap(rootSlot(SLOT.ipcBuffer));
  cteInsert(k, bufCap.w0, bufCap.w1, rootSlot(SLOT.ipcBuffer), tcbCte(root, TCB_BUFFER));
  tcbSet(k.mem, root, TCB_IPC_BUFFER, FX.ipcBufferVaddr);
  setupReplyMaster(k, root);
  return k;
}

/** A message a user sends: label, message registers, extra-cap CPtrs. */
export interface UserMessage {
  /** Invocation label. */
  readonly label: number;
  /** MR0.. (MR4 and up go to the IPC buffer). */
  readonly mrs?: readonly number[];
  /** Extra-cap CPtrs (caps_or_badges). */
  readonly caps?: readonly number[];
  /** Override the length field of the message info. */
  readonly length?: number;
}

/** The kernel's reply as the caller reads it. */
export interface Reply {
  /** Message-info label: 0 on success, else the error code. */
  readonly label: number;
  /** Message length. */
  readonly length: number;
  /** The `length` MRs. */
  readonly mrs: number[];
  /** The badge register. */
  readonly badge: number;
}

/** Writes a message into the current thread's registers and IPC buffer and enters with `syscall`. */
export function invoke(k: Kernel, cptr: number, msg: UserMessage, syscall: Syscall = 'SysCall'): Reply {
  const t = k.ksCurThread;
  const mrs = msg.mrs ?? [];
  const caps = msg.caps ?? [];
  mrs.forEach((v, i) => {
    if (i < 4) k.setRegister(t, MSG_REGISTERS[i]!, v);
    else k.mem.write32(FX.ipcBuffer + 4 * (i + 1), v);
  });
  caps.forEach((c, i) => k.mem.write32(FX.ipcBuffer + 4 * (122 + i), c));
  k.setRegister(t, Reg.R0, cptr);
  k.setRegister(t, Reg.R1, messageInfoWord(msg.label, 0, caps.length, msg.length ?? mrs.length));
  k.callKernel({ kind: 'Syscall', syscall });
  return readReply(k, t);
}

/** Reads the reply registers of thread `t`. */
export function readReply(k: Kernel, t: number): Reply {
  const info = k.getRegister(t, Reg.R1);
  const length = info & 0x7f;
  const mrs: number[] = [];
  for (let i = 0; i < length; i++) {
    mrs.push(i < 4 ? k.getRegister(t, MSG_REGISTERS[i]!) : k.mem.read32(FX.ipcBuffer + 4 * (i + 1)));
  }
  return { label: info >>> 12, length, mrs, badge: k.getRegister(t, Reg.R0) };
}

/**
 * Walks the whole MDB from every slot of the given CNodes/TCBs and checks that prev/next links
 * are mutual and that null slots are unlinked; returns the problems found.
 */
export function mdbProblems(k: Kernel, slots: readonly number[]): string[] {
  const problems: string[] = [];
  for (const s of slots) {
    const next = cteGetNext(k.mem, s);
    const prev = cteGetPrev(k.mem, s);
    const isNull = C.capGetCapType(k.mem.read32(s)) === C.CAP_NULL;
    if (isNull && (next !== 0 || prev !== 0)) problems.push(`null slot ${s.toString(16)} linked`);
    if (next !== 0 && cteGetPrev(k.mem, next) !== s) problems.push(`next of ${s.toString(16)} does not point back`);
    if (prev !== 0 && cteGetNext(k.mem, prev) !== s) problems.push(`prev of ${s.toString(16)} does not point back`);
  }
  return problems;
}

/** Every slot of the fixture's root CNode, second CNode and the root TCB. */
export function allFixtureSlots(): number[] {
  const out: number[] = [];
  for (let i = 0; i < 2 ** FX.rootRadix; i++) out.push(rootSlot(i));
  for (let i = 0; i < 2 ** FX.cnode2Radix; i++) out.push(cnode2Slot(i));
  for (let i = 0; i < 5; i++) out.push(FX.rootTCBObject + 16 * i);
  return out;
}

/**
 * Creates a second thread (TCB object at `FX.otherTCBObject`) with priority `prio`, a copy of
 * the second CNode's cap as its CSpace root, and its thread cap in root slot 20; returns its
 * `tcb_t` pointer. The thread is Inactive and in no queue.
 */
export function makeOtherThread(k: Kernel, prio: number, base: number = FX.otherTCBObject, capSlot = 20): number {
  const tcb = initTCB(k, base, prio, 0);
  const cap = C.capWords();
  C.threadCapNew(cap, tcb);
  cteWriteCap(k.mem, rootSlot(capSlot), cap.w0, cap.w1);
  cteWriteMdb(k.mem, rootSlot(capSlot), 0, 0, 1, 1);
  const cn = k.readCap(rootSlot(SLOT.cnode2));
  cteInsert(k, cn.w0, cn.w1, rootSlot(SLOT.cnode2), tcbCte(tcb, TCB_CTABLE));
  return tcb;
}

/**
 * Creates a thread that makes system calls as the root thread does: a copy of the root CNode
 * cap as its CSpace (so CPtr n names root slot n), its own IPC buffer in the frame at
 * `bufferFrame` (same user address as the root's), a master reply cap, and its thread cap in
 * root slot `capSlot`. The thread is Inactive and in no queue; returns its `tcb_t` pointer.
 */
export function makeIPCThread(k: Kernel, prio: number, base: number, capSlot: number, bufferFrame: number): number {
  const tcb = initTCB(k, base, prio, 0);
  const cap = C.capWords();
  writeOriginal(k, rootSlot(capSlot), C.threadCapNew(cap, tcb));
  const cn = k.readCap(rootSlot(SLOT.cnode));
  cteInsert(k, cn.w0, cn.w1, rootSlot(SLOT.cnode), tcbCte(tcb, TCB_CTABLE));
  k.ghost.add(bufferFrame, 'Frame', 12);
  writeOriginal(k, tcbCte(tcb, TCB_BUFFER),
    A.genericFrameCapNew(cap, A.ARM_SMALL_PAGE, bufferFrame, A.VM_READ_WRITE, 0, 1, FX.ipcBufferVaddr));
  tcbSet(k.mem, tcb, TCB_IPC_BUFFER, FX.ipcBufferVaddr);
  setupReplyMaster(k, tcb);
  return tcb;
}

/** The physical address of thread `t`'s IPC buffer as the fixture sets it up (slot 4 frame + offset). */
export function ipcBufferOf(k: Kernel, t: number): number {
  const w0 = k.mem.read32(tcbCte(t, TCB_BUFFER));
  return A.genericFrameCapGetCapFBasePtr(w0) + (FX.ipcBufferVaddr & 0xfff);
}

/** Writes a message into the current thread's registers and its own IPC buffer, as a user would. */
export function writeMessage(k: Kernel, cptr: number, msg: UserMessage): void {
  const t = k.ksCurThread;
  const buf = ipcBufferOf(k, t);
  const mrs = msg.mrs ?? [];
  const caps = msg.caps ?? [];
  mrs.forEach((v, i) => {
    if (i < 4) k.setRegister(t, MSG_REGISTERS[i]!, v);
    else k.mem.write32(buf + 4 * (i + 1), v);
  });
  caps.forEach((c, i) => k.mem.write32(buf + 4 * (122 + i), c));
  k.setRegister(t, Reg.R0, cptr);
  k.setRegister(t, Reg.R1, messageInfoWord(msg.label, 0, caps.length, msg.length ?? mrs.length));
}

/**
 * As {@link invoke}, for whichever thread is current, through its own IPC buffer; returns
 * that thread's registers afterwards (which are only a reply if it did not block).
 */
export function invokeAs(k: Kernel, cptr: number, msg: UserMessage, syscall: Syscall): Reply {
  const t = k.ksCurThread;
  writeMessage(k, cptr, msg);
  k.callKernel({ kind: 'Syscall', syscall });
  return readReplyOf(k, t);
}

/** Reads thread `t`'s message registers (MR4.. from its own IPC buffer). */
export function readReplyOf(k: Kernel, t: number): Reply {
  const buf = ipcBufferOf(k, t);
  const info = k.getRegister(t, Reg.R1);
  const length = info & 0x7f;
  const mrs: number[] = [];
  for (let i = 0; i < length; i++) mrs.push(i < 4 ? k.getRegister(t, MSG_REGISTERS[i]!) : k.mem.read32(buf + 4 * (i + 1)));
  return { label: info >>> 12, length, mrs, badge: k.getRegister(t, Reg.R0) };
}

/**
 * Makes thread `t` (not blocked) the running thread for the next system call, as
 * `switchToThread` would (out of its ready queue, state Running unless it is already); the
 * previously current thread is left as it is.
 */
export function runAs(k: Kernel, t: number): void {
  const ts = k.mem.read32(t + TCB_STATE_W0) & 0xf;
  // A blocked thread is still in an endpoint or notification queue: running it would be a test bug.
  if (ts >= 3 && ts <= 6) throw new Error(`runAs: thread 0x${t.toString(16)} is blocked (state ${ts})`);
  tcbSchedDequeue(k, t);
  if (ts !== THREAD_STATE_RUNNING) tcbSetStateType(k.mem, t, THREAD_STATE_RUNNING);
  k.ksCurThread = t;
  k.ksSchedulerAction = SCHEDULER_ACTION_RESUME_CURRENT_THREAD;
}
