/**
 * `restart` (seL4 `src/kernel/thread.c`; l4v `restart`): a stopped thread (inactive or
 * blocked) leaves its IPC, gets its master reply cap back if it lost it, and becomes
 * runnable in `Restart`, queued, and a candidate to run next.
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { possibleSwitchTo, setThreadState, tcbSchedEnqueue } from '../../kernel/thread.js';
import { setupReplyMaster } from '../cte.js';
import { cancelIPC } from '../ipc-cancel.js';
import { THREAD_STATE_RESTART, isStoppedState, tcbGetState } from '../tcb-layout.js';

/** `restart(target)`: makes a stopped thread runnable again; runnable and idle threads are left alone. */
export function restart(k: Kernel, tcb: number): void {
  if (!isStoppedState(tcbGetState(k.mem, tcb))) return;
  cancelIPC(k, tcb);
  setupReplyMaster(k, tcb);
  setThreadState(k, tcb, THREAD_STATE_RESTART);
  tcbSchedEnqueue(k, tcb); // SCHED_ENQUEUE
  possibleSwitchTo(k, tcb);
}
