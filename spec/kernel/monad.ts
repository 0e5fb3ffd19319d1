/**
 * The shapes of kernel computations (l4v `Exceptions_A.thy`): a computation either returns a
 * value or throws a typed exception, and long operations may be preempted. The spec writes
 * them as plain values instead of a monad.
 *
 * @module
 */
import type { KernelState } from '../state/kernel-state.js';

/** A value or an error (l4v's exception monads `se_monad`, `lf_monad`, `f_monad`). */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** A successful {@link Result}. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** A failed {@link Result}. */
export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/**
 * The end of a preemptible operation (l4v `p_monad`): the state reached, and whether a
 * preemption point found a pending interrupt and stopped the operation there.
 */
export interface Preemptible {
  /** The state after the work done so far. */
  readonly state: KernelState;
  /** True when a preemption point stopped the operation (l4v's `Interrupted` exception). */
  readonly preempted: boolean;
}

/** A preemptible operation that completed. */
export function completed(state: KernelState): Preemptible {
  return { state, preempted: false };
}

/** A preemption point stopped the operation (l4v's `Interrupted` exception of `p_monad`). */
export function preempted(state: KernelState): Preemptible {
  return { state, preempted: true };
}

/**
 * A preemptible computation that returns a value when it completes (l4v `('a, 'z) p_monad`):
 * either the value and the state reached, or a preemption with the state reached so far.
 */
export type PreemptibleValue<T> =
  | { readonly state: KernelState; readonly preempted: false; readonly value: T }
  | { readonly state: KernelState; readonly preempted: true };

/** A completed {@link PreemptibleValue}. */
export function completedWith<T>(state: KernelState, value: T): PreemptibleValue<T> {
  return { state, preempted: false, value };
}
