/**
 * Restarting a stopped thread (manual §6.1 "Threads", `seL4_TCB_Resume`; l4v `Tcb_A.thy`
 * `restart`, `setup_reply_master`). A thread that is inactive or blocked is taken out of
 * whatever it was blocked in, given back its master reply cap if it lost it, and made
 * runnable in state `Restart`, so that it retries the instruction it stopped at.
 *
 * @module
 */
import type { KernelState } from '../../state/kernel-state.js';
import { TCB_SLOT } from '../../state/object.js';
import { runnable } from '../../state/thread.js';
import { masterReplyCap } from '../../boot/threads.js';
import { getCap, setCap, setOriginal } from '../../kernel/cspace-access.js';
import { cancelIPC } from '../../kernel/ipc-cancel.js';
import { possibleSwitchTo, tcbSchedAction, tcbSchedEnqueue } from '../../kernel/ready-queues.js';
import { getThreadState, setThreadState } from '../../kernel/thread.js';

/**
 * Puts a master reply cap to the thread in its reply slot if the slot is empty; the cap is
 * original and has no CDT parent. @see l4v setup_reply_master
 */
export function setupReplyMaster(s: KernelState, t: number): KernelState {
  const slot = { obj: t, index: TCB_SLOT.Reply };
  if (getCap(s, slot).kind !== 'NullCap') return s;
  return setCap(setOriginal(s, slot, true), slot, masterReplyCap(t));
}

/**
 * Makes a stopped thread (inactive or blocked) runnable again: cancels its IPC, restores its
 * master reply cap, sets it to `Restart`, queues it and considers switching to it. A thread
 * that is already runnable, and the idle thread, are left alone. @see l4v restart
 */
export function restart(s: KernelState, t: number): KernelState {
  const st = getThreadState(s, t);
  if (runnable(st) || st.kind === 'IdleThreadState') return s;
  const s1 = setupReplyMaster(cancelIPC(s, t), t);
  const s2 = tcbSchedAction(setThreadState(s1, t, { kind: 'Restart' }), tcbSchedEnqueue, t);
  return possibleSwitchTo(s2, t);
}
