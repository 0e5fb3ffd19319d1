/**
 * Kernel panics of the spec: states the invariants rule out (l4v `fail` and `assert`). Every
 * check treats one as a failure.
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
