/**
 * Kernel panics of the implementation (the C kernel's `fail`/`assert`), and the behaviour
 * that a later slice of sel4ts models. Every check treats either as a failure; generators
 * avoid what raises {@link NotModelledYet}.
 *
 * Separate classes from `spec/kernel/panic.ts` (impl/ never imports spec/), same names.
 *
 * @module
 */

/** An internal contradiction: the kernel reached a state the invariants rule out (C `fail`). */
export class KernelPanic extends Error {
  /** Creates a panic with a message naming what went wrong. */
  constructor(message: string) {
    super(message);
    this.name = 'KernelPanic';
  }
}

/** A kernel behaviour that a later slice of sel4ts models; generators avoid it. */
export class NotModelledYet extends KernelPanic {
  /** Creates the panic for the named behaviour (an invocation label or kernel path). */
  constructor(what: string) {
    super(`not modelled yet: ${what}`);
    this.name = 'NotModelledYet';
  }
}

/** C `assert`: panics with `message` unless `cond` holds. */
export function kernelAssert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new KernelPanic(message);
}
