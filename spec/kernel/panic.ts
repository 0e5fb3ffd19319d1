/**
 * Kernel panics of the spec: states the invariants rule out (l4v `fail` and `assert`), and
 * behaviour that belongs to a later slice of sel4ts. Every check treats either as a failure.
 *
 * @module
 */

/** An internal contradiction: the spec reached a state l4v proves unreachable. */
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
