/**
 * A last shrinking pass after fast-check's: fast-check shrinks an array by shortening it and
 * by shrinking its elements, but an action in the middle of a trace that the failure does not
 * need often survives. This pass drops the tail after the failing step, then runs of actions
 * and single actions while the trace still fails the same way, so that the printed trace
 * keeps only what the failure needs. The replay token holds the actions kept.
 *
 * @module
 */
import type { Action } from '../generators/action.js';
import type { RunFailure, RunResult } from './run.js';

/**
 * What must stay the same for a smaller trace to count as the same failure: the kind and, for
 * a divergence, the shape of the path to the first difference (map keys left out, since
 * dropping an action moves objects), for an invariant its name, for a panic its message.
 */
export function failureSignature(f: RunFailure): string {
  if (f.kind === 'divergence' && f.difference !== undefined) {
    // The per-step comparison groups the global fields under `globals`; the whole-state one
    // does not: both name the same field.
    const path = f.difference.path[0]?.kind === 'field' && f.difference.path[0].name === 'globals' ? f.difference.path.slice(1) : f.difference.path;
    const shape = path.map((s) => (s.kind === 'field' ? `.${s.name}` : s.kind === 'index' ? '[i]' : '[k]')).join('');
    return `divergence ${shape}`;
  }
  if (f.kind === 'invariant') return `invariant ${f.violations?.[0]?.invariant ?? f.message}`;
  return `${f.kind} ${f.side} ${f.message.replace(/0x[0-9a-f]+/g, '0x…')}`;
}

/**
 * The indices of `actions` a smaller trace that fails like `first` keeps (ascending), found
 * greedily; `run` runs a trace. At most `budget` runs are spent.
 */
export function minimise(actions: readonly Action[], first: RunResult, run: (a: readonly Action[]) => RunResult, budget = 400): number[] {
  const f = first.failure;
  if (f === undefined) return actions.map((_a, i) => i);
  let kept = actions.map((_a, i) => i).slice(0, Math.max(f.step, 0) + 1);
  // The signature is taken from the trace cut after the failing step, not from `first`: the
  // failing step is now the last, whose comparison is the whole-state one, and that may name
  // a different first difference than the per-step comparison did (a slot the impl changed
  // and the spec did not comes before the registers of the reply).
  const cut = kept.length < actions.length ? run(kept.map((i) => actions[i]!)).failure : f;
  const signature = failureSignature(cut ?? f);
  if (cut === undefined) kept = actions.map((_a, i) => i);
  let runs = 0;
  const failsAlike = (indices: readonly number[]): boolean => {
    runs++;
    const r = run(indices.map((i) => actions[i]!));
    return r.failure !== undefined && failureSignature(r.failure) === signature;
  };
  // Runs of actions first, halving their length (a failure that needs a few actions of a
  // long trace sheds the rest in a few runs), then single actions until none can go.
  for (let size = kept.length >> 1; size >= 2 && runs < budget; size >>= 1) {
    for (let end = kept.length; end > 0 && runs < budget; end -= size) {
      const from = Math.max(0, end - size);
      const candidate = [...kept.slice(0, from), ...kept.slice(end)];
      if (candidate.length > 0 && failsAlike(candidate)) kept = candidate;
    }
  }
  let changed = true;
  while (changed && runs < budget) {
    changed = false;
    for (let j = kept.length - 1; j >= 0 && runs < budget; j--) {
      const candidate = kept.filter((_i, x) => x !== j);
      if (candidate.length > 0 && failsAlike(candidate)) {
        kept = candidate;
        changed = true;
      }
    }
  }
  return kept;
}
