/**
 * The kernel entry point (l4v `Syscall_A.thy` `call_kernel`; Haskell `SEL4.lhs`
 * `callKernel`): handle the event; if a preemption point stopped it, handle the pending
 * interrupt; then schedule and prepare the chosen thread to run.
 *
 * `callKernel` never throws for any register contents, except {@link KernelPanic} (a state
 * the invariants rule out).
 *
 * @module
 */
import type { KernelEvent } from '../../hardware/events.js';
import type { KernelState } from '../state/kernel-state.js';
import { maybeHandleInterrupt } from './interrupt.js';
import { activateThread, schedule } from './schedule.js';
import { handleEvent, type Outcome } from './syscall.js';

/** The state after a kernel entry and what the entry did. */
export interface KernelStep {
  /** The state on return to user level. */
  readonly state: KernelState;
  /** The entry name and result, for coverage reports. */
  readonly outcome: Outcome;
}

/**
 * One kernel entry, with its outcome: `entry` is the invocation label for invocations that
 * reached decode, else the syscall or event name (`eventName`); `result` is `ok`, an seL4
 * error name, a fault name (`CapFault`, `UnknownSyscall`, `UserException`, `VMFault`) or
 * `Preempted`. @see l4v call_kernel
 */
export function callKernelWithOutcome(s: KernelState, e: KernelEvent): KernelStep {
  const r = handleEvent(s, e);
  const s1 = r.preempted ? maybeHandleInterrupt(r.state, true) : r.state;
  return { state: activateThread(schedule(s1)), outcome: r.outcome };
}

/** One kernel entry: the state after handling `e`, scheduling and activating. @see l4v call_kernel */
export function callKernel(s: KernelState, e: KernelEvent): KernelState {
  return callKernelWithOutcome(s, e).state;
}

export { KernelPanic } from './panic.js';
