/**
 * The shape of an invariant check: a named predicate over one spec `KernelState` that
 * returns what violates it (an empty list means the invariant holds).
 *
 * @module
 */
import { SABRE_LITE, kernelRamSize } from '../../hardware/board.js';
import type { KernelState } from '../../spec/state/kernel-state.js';

/** One thing that breaks an invariant: the object or slot, and why. */
export interface Violation {
  /** The l4v name of the invariant broken (`valid_objs`, `untyped_inc`, ...). */
  readonly invariant: string;
  /** The object or slot at fault, printed (`object 0x10020000`, `slot 0x10020000[5]`). */
  readonly where: string;
  /** What is wrong, in a sentence. */
  readonly message: string;
}

/** What an invariant needs to know beyond the state: the board's memory. */
export interface InvariantContext {
  /** First byte of the RAM the kernel maps in its window (l4v's kernel window). */
  readonly ramBase: number;
  /** Bytes of that RAM. */
  readonly ramSize: number;
}

/** The default machine's kernel window: the Sabre Lite's RAM as seL4 describes it. */
export const DEFAULT_CONTEXT: InvariantContext = {
  ramBase: SABRE_LITE.ramBase,
  ramSize: kernelRamSize(SABRE_LITE),
};

/** The family an invariant belongs to; each has a page in proofs-notes/. */
export type InvariantFamily = 'pspace' | 'caps' | 'cdt' | 'untyped' | 'refs' | 'threads' | 'sched' | 'reply' | 'irq' | 'vspace';

/** A named invariant. */
export interface Invariant {
  /** The l4v name (or ours, for the few l4v has no single name for). */
  readonly name: string;
  /** Its family. */
  readonly family: InvariantFamily;
  /** One line: what it states. */
  readonly summary: string;
  /** The violations in `s` (empty = holds). */
  check(s: KernelState, ctx: InvariantContext): Violation[];
}

/** Builds a violation of `invariant`. */
export function violation(invariant: string, where: string, message: string): Violation {
  return { invariant, where, message };
}
