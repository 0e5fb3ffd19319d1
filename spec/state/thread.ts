/**
 * Thread states (l4v `thread_state`, `Structures_A.thy`; manual §6 "Threads and Execution").
 *
 * @module
 */

/** The state of a thread. Runnable threads are `Running` or `Restart`. */
export type ThreadState =
  | { readonly kind: 'Running' }
  | { readonly kind: 'Inactive' }
  | { readonly kind: 'Restart' }
  | { readonly kind: 'BlockedOnReceive'; readonly ep: number; readonly canGrant: boolean }
  | {
      readonly kind: 'BlockedOnSend';
      readonly ep: number;
      readonly badge: number;
      readonly canGrant: boolean;
      readonly canGrantReply: boolean;
      readonly isCall: boolean;
    }
  | { readonly kind: 'BlockedOnReply' }
  | { readonly kind: 'BlockedOnNotification'; readonly ntfn: number }
  | { readonly kind: 'IdleThreadState' };

/** `Running`. */
export const RUNNING: ThreadState = { kind: 'Running' };
/** `Inactive`. */
export const INACTIVE: ThreadState = { kind: 'Inactive' };
/** `Restart`. */
export const RESTART: ThreadState = { kind: 'Restart' };

/** Whether a thread in this state may be scheduled (l4v `runnable`). */
export function runnable(st: ThreadState): boolean {
  return st.kind === 'Running' || st.kind === 'Restart';
}

/** Whether a thread in this state is active: Running or Restart (l4v `active`). */
export const active = runnable;
