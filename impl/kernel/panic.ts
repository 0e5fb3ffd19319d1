/**
 * Kernel panics of the implementation (the C kernel's `fail`/`assert`). Every check treats
 * one as a failure.
 *
 * Separate classes from `spec/kernel/panic.ts` (impl/ never imports spec/), same names.
 *
 * Also the bound on loops whose end depends on what memory holds (the queue walks of the
 * cancel operations, the revoke walk over MDB children): a corrupted list (a queue whose
 * tail links back to its head) would spin for ever, and a check must report that rather
 * than hang. Each such loop spends one unit of the entry's budget per iteration. Loops that
 * a constant bounds (the ASID and hardware-ASID scans, CNode walks that consume bits) spend
 * none.
 *
 * @module
 */
import type { Kernel } from './kernel.js';

/** An internal contradiction: the kernel reached a state the invariants rule out (C `fail`). */
export class KernelPanic extends Error {
  /** Creates a panic with a message naming what went wrong. */
  constructor(message: string) {
    super(message);
    this.name = 'KernelPanic';
  }
}

/** C `assert`: panics with `message` unless `cond` holds. */
export function kernelAssert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new KernelPanic(message);
}

/**
 * Iterations of memory-linked loops one kernel entry may run in all: twice the TCBs a 1 GiB
 * machine holds, so any queue walk fits, and thousands of times what the refinement check's
 * states need; small enough that a corrupted list is reported in well under a second. Only a
 * revoke of more than this many children in one entry with no interrupt pending would reach
 * it in a correct kernel.
 */
export const LOOP_BOUND = 1 << 22;

/**
 * One iteration of the memory-linked loop named `loop`: panics once the entry has run
 * {@link LOOP_BOUND} of them. `loop` is a string constant, so a step allocates nothing.
 */
export function loopStep(k: Kernel, loop: string): void {
  if (--k.loopBudget < 0) throw new KernelPanic(`no progress: ${loop} ran past ${LOOP_BOUND} iterations in one kernel entry`);
}
