/**
 * Resolves the actions that are no invocation: interrupts (the action's own line, one handed
 * to user level, one that wakes a blocked thread while no thread runs), Yield and Reply, and
 * faults on purpose.
 *
 * @module
 */
import { SYSCALL_NUMBER, type Syscall } from '../../hardware/events.js';
import { Reg } from '../../hardware/registers.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { Action, FaultAction } from './action.js';
import { TIMER_IRQ } from './choices.js';
import { kth, type CSpaceView } from './cspace.js';
import { hex, yieldInstead, type ResolvedAction } from './message.js';
import { resolveSwitch } from './switch.js';
import { canAct, handlerWaiting, hasFaultHandler, issuedLines, mayBlock, rootTask, signallingLines, wakingLines } from './threads.js';

/** An interrupt entry with `line` made pending first (none: a spurious interrupt). */
export function interrupt(line: number | null, note: string): ResolvedAction {
  return {
    event: { kind: 'Interrupt' }, registers: [], ipcWords: [], pendingIRQ: line,
    text: `Interrupt(${line === null ? 'none pending' : `line ${line} pending`})${note}`,
  };
}

/**
 * An interrupt on a line handed to user level: mostly the k-th that would signal its
 * notification (unmasked, with a notification set), else the k-th issued (the timer's while
 * there is none).
 */
export function userIRQ(s: KernelState, k: number): ResolvedAction {
  const line = (k % 4 === 0 ? undefined : kth(signallingLines(s), k >>> 2)) ?? kth(issuedLines(s), k) ?? TIMER_IRQ;
  return interrupt(line, '');
}

/**
 * With no thread running, an interrupt: the action's own, or one on a line that wakes a
 * blocked thread, or a timer tick (which moves the domain schedule on).
 */
export function idleInterrupt(s: KernelState, a: Action): ResolvedAction {
  const note = ' (current thread not running)';
  if (a.t === 'Interrupt') return interrupt(a.line, note);
  if (a.t === 'UserIRQ') return interrupt(kth(issuedLines(s), a.k) ?? TIMER_IRQ, note);
  return interrupt(wakingLines(s)[0] ?? TIMER_IRQ, note);
}

/** Yield, or Reply (with whatever the caller slot holds). */
export function plain(syscall: 'SysYield' | 'SysReply'): ResolvedAction {
  return {
    event: { kind: 'Syscall', syscall }, registers: [[Reg.R7, SYSCALL_NUMBER[syscall] >>> 0]], ipcWords: [],
    pendingIRQ: null, text: syscall === 'SysYield' ? 'Yield()' : 'Reply()',
  };
}

/**
 * A fault of the current thread (or a receive that cap-faults): while the root task runs
 * (unless the action insists), a step toward another thread running instead (the root task
 * runs most of the time, and a fault that is only a Yield there is a wasted draw); a Yield
 * while the thread is the last that can act and nothing would wake it.
 */
export function fault(s: KernelState, v: CSpaceView, a: FaultAction): ResolvedAction {
  if (!a.evenRoot && s.curThread === rootTask(v)) return towardAnotherThread(s, v, a);
  const handled = hasFaultHandler(s, s.curThread);
  // A faulting thread stops; unless the action insists, not when nothing could run afterwards.
  if (!a.evenRoot && !mayBlock(s) && !(handled && handlerWaiting(s, s.curThread)) && canAct(s, s.curThread)) {
    return yieldInstead(`${a.what} would leave nothing to run`);
  }
  const base = { registers: [] as [number, number][], ipcWords: [], pendingIRQ: null };
  switch (a.what) {
    case 'UnknownSyscall':
      return { ...base, event: { kind: 'UnknownSyscall', number: a.word | 0 }, registers: [[Reg.R7, a.word >>> 0]], text: `UnknownSyscall(${a.word | 0})` };
    case 'UserLevelFault':
      return { ...base, event: { kind: 'UserLevelFault', code: a.word2 >>> 0, address: a.word >>> 0 }, text: `UserLevelFault(${hex(a.word)}, ${hex(a.word2)})` };
    case 'VMFaultData':
    case 'VMFaultInstruction': {
      const type = a.what === 'VMFaultData' ? 'Data' : 'Instruction';
      return { ...base, event: { kind: 'VMFault', type, address: a.word >>> 0, fsr: a.word2 & 0x3fff }, text: `VMFault(${type}, ${hex(a.word)}, fsr=${hex(a.word2 & 0x3fff)})` };
    }
    default: {
      const syscall: Syscall = a.what;
      const cptr = 0x1000 + (Math.abs(a.word) % 0xfff000);
      return {
        ...base, event: { kind: 'Syscall', syscall },
        registers: [[Reg.R0, cptr], [Reg.R1, 0], [Reg.R7, SYSCALL_NUMBER[syscall] >>> 0]],
        text: `${syscall.replace(/^Sys/, '')}(${hex(cptr)})`,
      };
    }
  }
}

// The root task yields to a peer, raises, resumes, configures or makes a thread: the next
// fault draw may then find that thread running.
function towardAnotherThread(s: KernelState, v: CSpaceView, a: FaultAction): ResolvedAction {
  const r = resolveSwitch(s, v, { t: 'Switch', from: 2, k: a.word >>> 0 });
  return { ...r, text: `${r.text} (the root task does not take ${a.what}: another thread first)` };
}
