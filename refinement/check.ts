/**
 * The refinement check: fast-check generates traces of actions, each runs in lock-step on the
 * spec and the kernel under test (`check/run.ts`), and a failing trace is shrunk (by
 * fast-check, then by dropping every action the failure does not need, `check/minimise.ts`)
 * and given a replay token that regenerates it exactly. Coverage (entry × outcome) is
 * counted from the spec's outcome of every step of the runs before the first failure.
 *
 * @module
 */
import fc from 'fast-check';
import type { Action } from './generators/action.js';
import { actionArb, focusedActionArb, traceOf } from './generators/arbitraries.js';
import { HWASID_SCENARIO, HWASID_SCENARIO_CHECKS, hwasidScenario } from './generators/vm-hwasid.js';
import { formatDifference } from './diff.js';
import { coverageGaps, emptyCoverage, mergeCoverage, recordOutcome, type Coverage, type CoverageGap } from './check/coverage.js';
import type { KernelUnderTest } from './check/kernel-under-test.js';
import { runTrace, type RunFailure, type RunObserver, type RunResult, type SpecKernel } from './check/run.js';
import { SPEC } from './check/spec-kernel.js';
import { minimise } from './check/minimise.js';
import { decodeToken, encodeToken, type ReplayToken } from './check/token.js';

/** How to check. */
export interface CheckOptions {
  /** The kernel held to the spec. */
  readonly kernel: KernelUnderTest;
  /** The reference (default: the spec). */
  readonly spec?: SpecKernel;
  /** Traces to generate. */
  readonly runs: number;
  /** The fast-check seed (default: random). */
  readonly seed?: number;
  /** Focus on one entry (a label, syscall or event name). */
  readonly entry?: string;
  /** The most actions per trace. */
  readonly maxSteps?: number;
  /** Whole comparison every this many steps. */
  readonly fullEvery?: number;
  /** Invariants every this many steps. */
  readonly invariantsEvery?: number;
  /** Coverage cells below this count are gaps. */
  readonly minCoverage?: number;
  /** The actions to draw from instead of the default mix (tests narrow it; not in tokens). */
  readonly actions?: fc.Arbitrary<Action>;
  /**
   * The most candidate traces fast-check's shrinking runs (default {@link DEFAULTS}): past it
   * the smallest failing trace found so far is kept and the last pass (`minimise`) trims it.
   * A failure that needs a long setup otherwise sends fast-check through thousands of
   * candidates that all pass, at tens of milliseconds each.
   */
  readonly shrinkRuns?: number;
  /** Called after each generated trace (not during shrinking). */
  readonly onRun?: (done: number, entries: number) => void;
  /**
   * Also run one trace of the hardware-ASID scenario (`generators/vm-hwasid.ts`) after the
   * others (default: for an unfocused check of the default mix with at least 100 runs).
   */
  readonly hwasidScenario?: boolean;
}

/** A failure, shrunk, as reports show it. */
export interface CheckFailure {
  /** `sel4ts replay <this>` reproduces it. */
  readonly replay: string;
  /** The shrunk trace, one action per line in seL4 terms, with the spec's outcome. */
  readonly trace: readonly string[];
  /** The first differing field, the violated invariant, or the panic. */
  readonly diff: string;
  /** The failure itself (states included, for the HTML report). */
  readonly failure: RunFailure;
  /** Shrinks fast-check made. */
  readonly shrinks: number;
}

/** The result of a check. */
export interface CheckReport {
  /** True when every trace held. */
  readonly ok: boolean;
  /** The seed used. */
  readonly seed: number;
  /** Traces run. */
  readonly runs: number;
  /** Kernel entries taken (before any failure). */
  readonly entries: number;
  /** Wall time. */
  readonly durationMs: number;
  /** entry × outcome counts. */
  readonly coverage: Coverage;
  /** Cells of the expected-outcome table seen too rarely. */
  readonly gaps: readonly CoverageGap[];
  /** The failure (at most one: the check stops at the first and shrinks it). */
  readonly failures: readonly CheckFailure[];
}

/** Defaults of the knobs. */
export const DEFAULTS = { maxSteps: 60, fullEvery: 16, invariantsEvery: 4, minCoverage: 10, shrinkRuns: 600 } as const;

/** The arbitrary of traces for the given focus. */
export function traceArb(maxSteps: number, entry: string | undefined, actions?: fc.Arbitrary<Action>): fc.Arbitrary<Action[]> {
  if (entry === HWASID_SCENARIO) return hwasidScenario(actions ?? actionArb(), 12);
  const action = actions ?? (entry === undefined ? actionArb() : focusedActionArb(entry));
  if (action === undefined) throw new Error(`unknown entry ${entry}`);
  return traceOf(action, maxSteps, actions === undefined);
}

/** One line of a printed trace. */
export function traceLine(i: number, text: string, outcome: { entry: string; result: string } | undefined): string {
  return `${String(i + 1).padStart(3)}. ${text}${outcome === undefined ? '' : `  -> ${outcome.result}`}`;
}

/** Prints a run's steps and failure. */
export function describeRun(r: RunResult): { trace: string[]; diff: string } {
  const trace = r.steps.map((s, i) => traceLine(i, s.text, s.outcome));
  const f = r.failure;
  if (f === undefined) return { trace, diff: '' };
  const where = f.step < 0 ? 'at boot' : `at step ${f.step + 1}`;
  const detail = f.difference !== undefined ? formatDifference(f.difference) : f.message;
  return { trace, diff: `${f.kind} ${where}: ${detail}` };
}

/** Runs the check; see the module comment. */
export function checkRefinement(opts: CheckOptions): CheckReport {
  const start = performance.now();
  const spec = opts.spec ?? SPEC;
  const maxSteps = opts.maxSteps ?? DEFAULTS.maxSteps;
  const scenarioChecks = opts.entry === HWASID_SCENARIO ? HWASID_SCENARIO_CHECKS : DEFAULTS;
  const fullEvery = opts.fullEvery ?? scenarioChecks.fullEvery;
  const invariantsEvery = opts.invariantsEvery ?? scenarioChecks.invariantsEvery;
  const seed = opts.seed ?? (Math.random() * 2 ** 31) | 0;
  const coverage = emptyCoverage();
  let entries = 0;
  let done = 0;
  let failedOnce = false;
  const runOpts = { spec, kernel: opts.kernel, fullEvery, invariantsEvery };
  const shrinkRuns = opts.shrinkRuns ?? DEFAULTS.shrinkRuns;
  let shrinkCandidates = 0;
  const property = fc.property(traceArb(maxSteps, opts.entry, opts.actions), (actions) => {
    // Past the shrinking budget a candidate passes unrun, so fast-check stops at the smallest
    // failing trace it has.
    if (failedOnce && ++shrinkCandidates > shrinkRuns) return true;
    const local = emptyCoverage();
    let steps = 0;
    const r = runTrace(actions, runOpts, {
      onStep: (rec) => {
        steps++;
        if (rec.outcome !== undefined) recordOutcome(local, rec.outcome);
      },
    });
    if (!failedOnce) {
      // Coverage and counts only from generated traces, not from shrinking.
      mergeCoverage(coverage, local);
      entries += steps;
      done++;
      opts.onRun?.(done, entries);
    }
    if (r.failure !== undefined) failedOnce = true;
    return r.failure === undefined;
  });
  const details = fc.check(property, { numRuns: opts.runs, seed });
  const failures: CheckFailure[] = [];
  if (details.failed && details.counterexample !== null) {
    const [generated] = details.counterexample;
    const first = runTrace(generated, runOpts);
    // Every directed step of the scenario is needed: only the tail after the failure is cut.
    const keep = minimise(generated, first, (a) => runTrace(a, runOpts), opts.entry === HWASID_SCENARIO ? 0 : undefined);
    const kept = keep.map((i) => generated[i]!);
    const r = runTrace(kept, runOpts);
    const { trace, diff } = describeRun(r);
    const token: ReplayToken = { seed: details.seed, kernel: opts.kernel.name, fullEvery, invariantsEvery, actions: kept };
    const failure: RunFailure = r.failure ?? { kind: 'exception', side: 'both', step: -1, message: String(details.errorInstance ?? 'property failed') };
    failures.push({ replay: encodeToken(token), trace, diff: diff === '' ? failure.message : diff, failure, shrinks: details.numShrinks });
  }
  const scenario = failures.length === 0 && (opts.hwasidScenario ?? (opts.entry === undefined && opts.actions === undefined && opts.runs >= 100))
    ? checkRefinement({ ...opts, entry: HWASID_SCENARIO, runs: 1, seed, onRun: undefined, hwasidScenario: false })
    : undefined;
  if (scenario !== undefined) {
    mergeCoverage(coverage, scenario.coverage);
    entries += scenario.entries;
    done += scenario.runs;
    failures.push(...scenario.failures);
  }
  return {
    ok: failures.length === 0,
    seed,
    runs: done,
    entries,
    durationMs: Math.round(performance.now() - start),
    coverage,
    gaps: coverageGaps(coverage, opts.minCoverage ?? DEFAULTS.minCoverage),
    failures,
  };
}

/** The result of replaying a token. */
export interface ReplayResult {
  /** The token decoded. */
  readonly token: ReplayToken;
  /** The trace it holds. */
  readonly actions: readonly Action[];
  /** Running it again. */
  readonly result: RunResult;
}

/**
 * Runs the trace a token holds again; `kernelFor` gives the kernel under test of the name the
 * token records.
 */
export function replayToken(
  token: string,
  kernelFor: (name: string) => KernelUnderTest,
  observer: RunObserver = {},
  spec: SpecKernel = SPEC,
): ReplayResult {
  const t = decodeToken(token);
  const result = runTrace(t.actions, { spec, kernel: kernelFor(t.kernel), fullEvery: t.fullEvery, invariantsEvery: t.invariantsEvery }, observer);
  return { token: t, actions: t.actions, result };
}
