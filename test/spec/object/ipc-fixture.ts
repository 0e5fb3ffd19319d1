// Threads for IPC tests, on top of the spec fixture: two more threads sharing the root
// CNode and page directory, each with its own IPC buffer frame and master reply cap.
// Helpers make a thread current, write its message, and read the message it received.
import { LABEL, type InvocationLabel } from '../../../abi/labels.js';
import { messageInfoFromWord, wordFromMessageInfo } from '../../../abi/message-info.js';
import type { KernelEvent, Syscall } from '../../../hardware/events.js';
import { MSG_REGISTERS, Reg } from '../../../hardware/registers.js';
import { NULL_CAP, type Cap, type CapRights } from '../../../spec/state/cap.js';
import { slotKey } from '../../../spec/state/cslot.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import type { TCB } from '../../../spec/state/object.js';
import type { ThreadState } from '../../../spec/state/thread.js';
import { callKernelWithOutcome, type KernelStep } from '../../../spec/kernel/entry.js';
import { getTCB, insertObject } from '../../../spec/kernel/kheap.js';
import { tcbSchedAction, tcbSchedAppend, tcbSchedDequeue } from '../../../spec/kernel/ready-queues.js';
import { setRegisters } from '../../../spec/kernel/thread.js';
import { loadWord, storeWords } from '../../../spec/kernel/user-memory.js';
import { runnable } from '../../../spec/state/thread.js';
import { defaultTCB } from '../../../spec/object/untyped/default-object.js';
import { A, IPC_VADDR, makeState, ROOT_BITS } from '../fixture.js';

/** The two extra threads and their IPC buffer frames. */
export const T = {
  two: 0x10040000,
  three: 0x10040200,
} as const;

/** Physical IPC buffer of each thread (offset 0 of its frame). */
export const BUF: Readonly<Record<number, number>> = {
  [A.rootTCB]: A.ipcFrame,
  [T.two]: 0x10042000,
  [T.three]: 0x10043000,
};

/** The rights of a master reply cap. */
export const MASTER_REPLY_RIGHTS: CapRights = { read: false, write: true, grant: true, grantReply: false };

/** Word offsets of the IPC buffer fields. */
export const WORD = { capsOrBadges: 122, receiveCNode: 125, receiveIndex: 126, receiveDepth: 127 } as const;

/** Adds a thread sharing the root CNode and page directory, in state `st`. */
export function addThread(s: KernelState, t: number, fields: Partial<TCB> = {}, st: ThreadState = { kind: 'Inactive' }): KernelState {
  const frame = BUF[t];
  if (frame === undefined) throw new Error('no buffer frame for this thread');
  const caps: [Cap, Cap, Cap, Cap, Cap] = [
    { kind: 'CNodeCap', ptr: A.rootCNode, bits: ROOT_BITS, guard: { value: 0, size: 32 - ROOT_BITS } },
    { kind: 'PageDirectoryCap', ptr: A.rootPD, asid: 1 },
    { kind: 'ReplyCap', tcb: t, isMaster: true, rights: MASTER_REPLY_RIGHTS },
    NULL_CAP,
    { kind: 'FrameCap', isDevice: false, ptr: frame, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: null },
  ];
  const tcb: TCB = { ...defaultTCB(0), caps, state: st, ipcBuffer: IPC_VADDR, priority: 100, mcp: 100, ...fields };
  const s1 = insertObject(s, t, tcb);
  const s2 = { ...s1, isOriginalCap: s1.isOriginalCap.add(slotKey({ obj: t, index: 2 })) };
  return runnable(st) ? tcbSchedAction(s2, tcbSchedAppend, t) : s2;
}

/** The fixture with threads two and three, both Running at priority 100 in the ready queue. */
export function makeIPCState(prio2 = 100, prio3 = 100): KernelState {
  const s = addThread(makeState(), T.two, { priority: prio2 }, { kind: 'Running' });
  return addThread(s, T.three, { priority: prio3 }, { kind: 'Running' });
}

/** Makes `t` the current thread, as a context switch would: the old one goes to its queue. */
export function become(s: KernelState, t: number): KernelState {
  const old = s.curThread;
  const s1 = old !== s.idleThread && runnable(getTCB(s, old).state) ? tcbSchedAction(s, tcbSchedAppend, old) : s;
  return { ...tcbSchedAction(s1, tcbSchedDequeue, t), curThread: t, schedulerAction: { kind: 'ResumeCurrentThread' } };
}

/** What a thread sends. */
export interface Msg {
  /** The CPtr in r0. */
  readonly cptr: number;
  /** The label. */
  readonly label?: InvocationLabel | number;
  /** MR0.. (the length is their number unless `length` is given). */
  readonly mrs?: readonly number[];
  /** Overrides the length field. */
  readonly length?: number;
  /** CPtrs of extra caps. */
  readonly extraCaps?: readonly number[];
}

/** Writes thread `t`'s registers and IPC buffer for a message. */
export function write(s: KernelState, t: number, m: Msg): KernelState {
  const mrs = m.mrs ?? [];
  const label = typeof m.label === 'string' ? LABEL[m.label] : (m.label ?? 0);
  const extra = m.extraCaps ?? [];
  const info = wordFromMessageInfo({ label, capsUnwrapped: 0, extraCaps: extra.length, length: m.length ?? mrs.length });
  const regs: (readonly [number, number])[] = [[Reg.R0, m.cptr], [Reg.R1, info]];
  MSG_REGISTERS.forEach((r, i) => regs.push([r, mrs[i] ?? 0]));
  let s1 = setRegisters(s, t, regs);
  const buf = BUF[t] ?? 0;
  if (mrs.length > 4) s1 = storeWords(s1, buf + 4 * 5, mrs.slice(4));
  if (extra.length > 0) s1 = storeWords(s1, buf + 4 * WORD.capsOrBadges, extra);
  return s1;
}

/** Sets where thread `t` receives a cap: (CNode CPtr, index, depth) in its IPC buffer. */
export function receiveSlot(s: KernelState, t: number, cnode: number, index: number, depth: number): KernelState {
  return storeWords(s, (BUF[t] ?? 0) + 4 * WORD.receiveCNode, [cnode, index, depth]);
}

/** Makes `t` current, writes its message and runs the syscall. */
export function sys(s: KernelState, t: number, syscall: Syscall, m: Msg = { cptr: 0 }): KernelStep {
  return callKernelWithOutcome(write(become(s, t), t, m), { kind: 'Syscall', syscall });
}

/** Makes `t` current and runs an event. */
export function event(s: KernelState, t: number, e: KernelEvent): KernelStep {
  return callKernelWithOutcome(become(s, t), e);
}

/** The message thread `t` holds: label, counts, words (from its registers and buffer), badge. */
export function received(s: KernelState, t: number): {
  label: number; length: number; extraCaps: number; capsUnwrapped: number; mrs: number[]; badge: number;
} {
  const tcb = getTCB(s, t);
  const info = messageInfoFromWord(tcb.context[Reg.R1] ?? 0);
  const buf = BUF[t] ?? 0;
  const words = [...MSG_REGISTERS.map((r) => tcb.context[r] ?? 0)];
  for (let i = 4; i < info.length; i++) words.push(loadWord(s.machine, buf + 4 * (i + 1)));
  return { ...info, mrs: words.slice(0, info.length), badge: tcb.context[Reg.R0] ?? 0 };
}

/** The word at word offset `w` of thread `t`'s IPC buffer. */
export function bufWord(s: KernelState, t: number, w: number): number {
  return loadWord(s.machine, (BUF[t] ?? 0) + 4 * w);
}

/** A thread's state kind. */
export function stateOf(s: KernelState, t: number): ThreadState {
  return getTCB(s, t).state;
}
