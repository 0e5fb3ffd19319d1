/**
 * Thread state and user registers (l4v `KHeap_A.thy` `get_thread_state`/`set_thread_state`,
 * `as_user`; manual §6.1 "Threads"). The registers of a thread are the user context saved
 * in its TCB; the current thread's live registers are that context during a kernel entry.
 *
 * @module
 */
import { FAULT_REGISTER, NEXT_IP_REGISTER } from '../../hardware/registers.js';
import { updateState, type KernelState } from '../state/kernel-state.js';
import { runnable, type ThreadState } from '../state/thread.js';
import { getTCB, tcbWith, threadSet } from './kheap.js';
import { KernelPanic } from './panic.js';

/** The state of thread `tcb`. @see l4v get_thread_state */
export function getThreadState(s: KernelState, tcb: number): ThreadState {
  return getTCB(s, tcb).state;
}

/**
 * Sets the state of thread `tcb`. When the current thread stops being runnable while the
 * scheduler meant to resume it, the scheduler must choose another thread.
 * @see l4v set_thread_state, set_thread_state_act
 */
export function setThreadState(s: KernelState, tcb: number, st: ThreadState): KernelState {
  const s1 = threadSet(s, tcb, (t) => tcbWith(t, 'state', st));
  const mustChoose = tcb === s1.curThread && s1.schedulerAction.kind === 'ResumeCurrentThread' && !runnable(st);
  return mustChoose ? updateState(s1, 'schedulerAction', { kind: 'ChooseNewThread' }) : s1;
}

/** Register `reg` (a `Reg` index) of thread `tcb`'s saved user context. @see l4v as_user getRegister */
export function getRegister(s: KernelState, tcb: number, reg: number): number {
  const v = getTCB(s, tcb).context[reg];
  if (v === undefined) throw new KernelPanic(`no register ${reg}`);
  return v;
}

/** Sets register `reg` of thread `tcb` to the word `value`. @see l4v as_user setRegister */
export function setRegister(s: KernelState, tcb: number, reg: number, value: number): KernelState {
  return setRegisters(s, tcb, [[reg, value]]);
}

/** Sets several registers of thread `tcb` at once (one `as_user` block). @see l4v as_user */
export function setRegisters(s: KernelState, tcb: number, values: readonly (readonly [number, number])[]): KernelState {
  if (values.length === 0) return s;
  return threadSet(s, tcb, (t) => {
    const context = t.context.slice();
    for (let i = 0; i < values.length; i++) context[values[i]![0]] = values[i]![1] >>> 0;
    return tcbWith(t, 'context', context);
  });
}

/** The address a restarted thread resumes at: its FaultIP. @see l4v getRestartPC */
export function getRestartPC(s: KernelState, tcb: number): number {
  return getRegister(s, tcb, FAULT_REGISTER);
}

/** Sets where the thread resumes: its NextIP. @see l4v setNextPC */
export function setNextPC(s: KernelState, tcb: number, pc: number): KernelState {
  return setRegister(s, tcb, NEXT_IP_REGISTER, pc);
}

/**
 * Makes a suspended running thread resume after the instruction that trapped: FaultIP :=
 * NextIP. @see l4v update_restart_pc
 */
export function updateRestartPC(s: KernelState, tcb: number): KernelState {
  return setRegister(s, tcb, FAULT_REGISTER, getRegister(s, tcb, NEXT_IP_REGISTER));
}
