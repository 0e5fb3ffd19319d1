/**
 * A small benchmark harness in the manner of sel4bench: warm-up runs that are discarded, then
 * repeated samples, summarised as min / median / mean / max and n. Operations are too short to
 * time one by one, so each sample times a batch with `process.hrtime.bigint()` and divides;
 * the batch is sized first so that one sample lasts long enough for the clock to resolve it.
 *
 * @module
 */

/** Summary of one benchmark's samples, in nanoseconds per operation. */
export interface Stats {
  /** Fastest sample. */
  readonly min: number;
  /** Median sample (the mean of the middle two for an even count). */
  readonly median: number;
  /** Arithmetic mean of the samples. */
  readonly mean: number;
  /** Slowest sample. */
  readonly max: number;
  /** Number of samples kept (warm-up excluded). */
  readonly n: number;
}

/** How a benchmark is sampled. */
export interface SampleOptions {
  /** Samples run and discarded first (sel4bench drops its first 10). Default 10. */
  readonly warmup?: number;
  /**
   * Minimum warm-up time in ms, on top of `warmup`: the JIT must have tiered up, and re-tiered
   * after any deoptimisation, before sampling starts. Default 100.
   */
  readonly warmupMs?: number;
  /** Samples kept. Default 60. */
  readonly samples?: number;
  /**
   * Minimum duration of one sample, in ms; the batch grows until it is reached. Default 1:
   * long enough for the clock, short enough that most samples fit in one scheduler slice
   * when the machine is shared.
   */
  readonly minSampleMs?: number;
}

/**
 * An operation under test: runs the operation `iterations` times in its own loop (so the
 * loop, not a call per operation, is what the harness adds) and returns something derived
 * from the work, which the harness keeps so the work cannot be optimised away.
 */
export type Operation = (iterations: number) => unknown;

/** A target a benchmark should meet, e.g. "median of X at most 30 ns". */
export interface Goal {
  /** The dotted metric name, e.g. `hardware.tlb.hitLoad.ns`. */
  readonly metric: string;
  /** Which statistic is compared. */
  readonly statistic: 'min' | 'median' | 'mean' | 'max';
  /** The largest acceptable value, in ns. */
  readonly limitNs: number;
  /** What the goal stands for, for the report. */
  readonly description: string;
}

/** A goal with its measured value. */
export interface GoalResult extends Goal {
  /** The measured statistic, in ns. */
  readonly measuredNs: number;
  /** Whether the measured value is within the limit. */
  readonly pass: boolean;
}

// Results of the measured work land here, so the JIT cannot prove the work dead.
let sink: unknown;

/** Returns the last value kept from a measured operation (only to defeat dead-code elimination). */
export function lastSink(): unknown {
  return sink;
}

/** Summarises per-operation samples (ns). */
export function summarize(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { min: NaN, median: NaN, mean: NaN, max: NaN, n: 0 };
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  return { min: sorted[0]!, median, mean, max: sorted[n - 1]!, n };
}

// Nanoseconds one batch of `iterations` takes.
function timeBatch(op: Operation, iterations: number): number {
  const start = process.hrtime.bigint();
  sink = op(iterations);
  return Number(process.hrtime.bigint() - start);
}

/** Measures `op`: warms up while sizing the batch, then samples; returns ns per operation. */
export function measure(op: Operation, options: SampleOptions = {}): Stats {
  const warmup = options.warmup ?? 10;
  const warmupNs = (options.warmupMs ?? 100) * 1e6;
  const samples = options.samples ?? 60;
  const minSampleNs = (options.minSampleMs ?? 1) * 1e6;
  // Warm-up batches double until one lasts a sample's minimum; that size is kept for sampling.
  let batch = 1;
  for (let runs = 0, spent = 0; runs < warmup || spent < warmupNs; runs++) {
    const ns = timeBatch(op, batch);
    spent += ns;
    if (ns < minSampleNs && batch < 2 ** 30) batch *= 2;
  }
  const perOp: number[] = [];
  for (let i = 0; i < samples; i++) perOp.push(timeBatch(op, batch) / batch);
  return summarize(perOp);
}

/** What a suite uses to record measurements and goals. */
export interface BenchContext {
  /**
   * Measures `op` under `name` (relative to the suite), unless the filter excludes it;
   * returns the stats reported for it (undefined when filtered out), so that a goal relating
   * two metrics compares the very numbers the report shows.
   */
  measure(name: string, op: Operation, options?: SampleOptions): Stats | undefined;
  /** Declares a goal on a metric of this suite (`name` as given to `measure`). */
  goal(name: string, statistic: Goal['statistic'], limitNs: number, description: string): void;
}

/** A named group of benchmarks; metric names are `<suite>.<name>.ns`. */
export interface BenchSuite {
  /** The suite's name, the first component of its metric names. */
  readonly name: string;
  /** Runs the suite's benchmarks through `ctx`. */
  run(ctx: BenchContext): void | Promise<void>;
}

/** Everything a run produced: metrics by dotted name, and goal verdicts. */
export interface BenchReport {
  /** Stats per metric, keyed `<suite>.<name>.ns`. */
  readonly metrics: Map<string, Stats>;
  /** The goals whose metric was measured, with verdicts. */
  readonly goals: GoalResult[];
}

/** Runs `suites`, measuring only metrics whose name contains `filter` (when given). */
export async function runSuites(suites: readonly BenchSuite[], filter?: string,
  onMetric?: (name: string, stats: Stats) => void): Promise<BenchReport> {
  const metrics = new Map<string, Stats>();
  const declared: Goal[] = [];
  for (const suite of suites) {
    const metricName = (name: string): string => `${suite.name}.${name}.ns`;
    await suite.run({
      measure(name, op, options) {
        const full = metricName(name);
        if (filter !== undefined && !full.includes(filter)) return undefined;
        const stats = measure(op, options);
        metrics.set(full, stats);
        onMetric?.(full, stats);
        return stats;
      },
      goal(name, statistic, limitNs, description) {
        declared.push({ metric: metricName(name), statistic, limitNs, description });
      },
    });
  }
  const goals = declared.flatMap((g): GoalResult[] => {
    const stats = metrics.get(g.metric);
    if (stats === undefined) return [];
    const measuredNs = stats[g.statistic];
    return [{ ...g, measuredNs, pass: measuredNs <= g.limitNs }];
  });
  return { metrics, goals };
}
