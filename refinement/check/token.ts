/**
 * Replay tokens: everything needed to regenerate one shrunk failing trace exactly (the
 * fast-check seed and counterexample path, and the generation parameters), as one
 * copy-pasteable word (base64url of a small JSON object).
 *
 * @module
 */

/** What a replay token holds. */
export interface ReplayToken {
  /** The fast-check seed of the run. */
  readonly seed: number;
  /** The fast-check counterexample path (`"12:0:3"`). */
  readonly path: string;
  /** The most actions per trace. */
  readonly maxSteps: number;
  /** The `--entry` focus, if any. */
  readonly entry: string | undefined;
  /** The kernel checked (`impl`, `spec`, ...). */
  readonly kernel: string;
  /** Whole comparison every this many steps. */
  readonly fullEvery: number;
  /** Invariants every this many steps. */
  readonly invariantsEvery: number;
  /** The indices of the regenerated trace the final shrinking pass kept, or null for all. */
  readonly keep: readonly number[] | null;
}

const VERSION = 1;

/** Encodes a token. */
export function encodeToken(t: ReplayToken): string {
  const json = JSON.stringify([VERSION, t.seed, t.path, t.maxSteps, t.entry ?? '', t.kernel, t.fullEvery, t.invariantsEvery, t.keep]);
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Decodes a token, or throws an Error saying why it is not one. */
export function decodeToken(s: string): ReplayToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(s.trim(), 'base64url').toString('utf8'));
  } catch {
    throw new Error('not a replay token (expected the word `sel4ts check` printed)');
  }
  if (!Array.isArray(parsed) || parsed[0] !== VERSION || parsed.length !== 9) throw new Error('not a replay token of this version of sel4ts');
  const [, seed, path, maxSteps, entry, kernel, fullEvery, invariantsEvery, keep] = parsed as [number, number, string, number, string, string, number, number, number[] | null];
  if (typeof seed !== 'number' || typeof path !== 'string' || typeof kernel !== 'string' || !(keep === null || Array.isArray(keep))) {
    throw new Error('malformed replay token');
  }
  return { seed, path, maxSteps, entry: entry === '' ? undefined : entry, kernel, fullEvery, invariantsEvery, keep };
}
