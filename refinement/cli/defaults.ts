/**
 * The default budget of `sel4ts check`, shared by the option parser and the command (which
 * gates on fastpath coverage only for runs of at least this size).
 *
 * @module
 */

/** Traces a default check generates. */
export const DEFAULT_RUNS = 1000;
