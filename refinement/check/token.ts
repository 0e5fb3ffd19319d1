/**
 * Replay tokens: one shrunk failing trace as a single copy-pasteable word. The token carries
 * the trace's actions themselves (plain data), compressed, with the kernel checked and the
 * comparison intervals, so a replay runs exactly the actions the check printed: it does not
 * regenerate them from a seed, which would tie the token to fast-check's shrink tree and to
 * every state the generators keep between runs.
 *
 * @module
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Action } from '../generators/action.js';

/** What a replay token holds. */
export interface ReplayToken {
  /** The seed of the check that found the trace (for the record; replay does not need it). */
  readonly seed: number;
  /** The kernel checked (`impl`, `spec`, ...). */
  readonly kernel: string;
  /** Whole comparison every this many steps. */
  readonly fullEvery: number;
  /** Invariants every this many steps. */
  readonly invariantsEvery: number;
  /** The trace, as the check ran it after shrinking. */
  readonly actions: readonly Action[];
}

const VERSION = 2;

/** Encodes a token. */
export function encodeToken(t: ReplayToken): string {
  const json = JSON.stringify([VERSION, t.seed, t.kernel, t.fullEvery, t.invariantsEvery, t.actions]);
  return deflateRawSync(Buffer.from(json, 'utf8')).toString('base64url');
}

/** Decodes a token, or throws an Error saying why it is not one. */
export function decodeToken(s: string): ReplayToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(inflateRawSync(Buffer.from(s.trim(), 'base64url')).toString('utf8'));
  } catch {
    throw new Error('not a replay token (expected the word `sel4ts check` printed)');
  }
  if (!Array.isArray(parsed) || parsed[0] !== VERSION || parsed.length !== 6) throw new Error('not a replay token of this version of sel4ts');
  const [, seed, kernel, fullEvery, invariantsEvery, actions] = parsed as unknown[];
  if (typeof seed !== 'number' || typeof kernel !== 'string' || typeof fullEvery !== 'number' || typeof invariantsEvery !== 'number' || !Array.isArray(actions)) {
    throw new Error('malformed replay token');
  }
  if (!actions.every(isActionShaped)) throw new Error('malformed replay token: an action is not a record with a kind');
  return { seed, kernel, fullEvery, invariantsEvery, actions };
}

// An action as JSON gives it back: a record with its `t` tag. (The resolver reads the rest;
// a token is made by `sel4ts check`, so its actions are the generators' own.)
function isActionShaped(a: unknown): a is Action {
  return typeof a === 'object' && a !== null && typeof (a as { readonly t?: unknown }).t === 'string';
}
