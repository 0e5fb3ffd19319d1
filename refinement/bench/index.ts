/**
 * `sel4ts bench`: runs every registered benchmark suite, prints a table (or one JSON object
 * with `--json`), and writes the JSON to `bench-results/latest.json` for comparison across
 * runs. Absolute times drift between machines: compare ratios within one run.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type BenchReport, type BenchSuite, runSuites, type Stats } from './harness.js';
import { hardwareSuite } from './hardware.js';
import { ipcSuite } from './ipc.js';
import { ipcComparison } from './ipc-sel4.js';
import { kernelSuite } from './kernel.js';
import { vspaceSuite } from './vspace.js';

/** Every suite `sel4ts bench` runs, in order. Kernel suites join this list as they land. */
export const SUITES: readonly BenchSuite[] = [hardwareSuite, kernelSuite, ipcSuite, vspaceSuite];

/** Where the last run's JSON goes (the repository's `bench-results/`, git-ignored). */
export const RESULTS_DIR = fileURLToPath(new URL('../../bench-results/', import.meta.url));

/** Options of {@link runBench}, as the CLI passes them. */
export interface RunBenchOptions {
  /** Print one JSON object instead of the table. */
  readonly json: boolean;
  /** Run only the metrics whose dotted name contains this text. */
  readonly filter?: string | undefined;
}

/** The JSON shape: `{ "<suite>.<name>.ns": Stats, ..., "goals": GoalResult[] }`. */
export function reportToJson(report: BenchReport): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, stats] of report.metrics) out[name] = roundStats(stats);
  out['goals'] = report.goals.map((g) => ({ ...g, measuredNs: round(g.measuredNs) }));
  return out;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function roundStats(s: Stats): Stats {
  return { min: round(s.min), median: round(s.median), mean: round(s.mean), max: round(s.max), n: s.n };
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/** Renders the report as a fixed-width table followed by the goals. */
export function reportToTable(report: BenchReport): string {
  const header = ['metric', 'min', 'median', 'mean', 'max', 'n'];
  const rows = [...report.metrics].map(([name, s]) =>
    [name, formatNs(s.min), formatNs(s.median), formatNs(s.mean), formatNs(s.max), String(s.n)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (report.goals.length > 0) {
    out.push('', 'goals:');
    for (const g of report.goals) {
      out.push(`  ${g.pass ? 'PASS' : 'FAIL'}  ${g.description}: ${g.metric} ${g.statistic} ` +
        `${formatNs(g.measuredNs)} (limit ${formatNs(g.limitNs)})`);
    }
  }
  return out.join('\n') + '\n';
}

/** Runs every registered suite; prints the table or JSON; writes `bench-results/latest.json`. */
export async function runBench(opts: RunBenchOptions): Promise<void> {
  const suites = opts.filter === undefined ? SUITES : SUITES.filter((s) => suiteMayMatch(s.name, opts.filter!));
  const report = await runSuites(suites, opts.filter, (name, stats) => {
    if (!opts.json) process.stderr.write(`  ${name}: median ${formatNs(stats.median)}\n`);
  });
  const json = JSON.stringify(reportToJson(report), null, 2) + '\n';
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(new URL('latest.json', new URL('../../bench-results/', import.meta.url)), json);
  const sel4 = ipcComparison(report.metrics);
  process.stdout.write(opts.json ? json : reportToTable(report) + (sel4.length === 0 ? '' : `\nIPC beside seL4:\n${sel4.join('\n')}\n`));
}

/**
 * Whether suite `suite` can have a metric the filter selects: a filter that names a suite
 * (`ipc`, `ipc.roundtrip`) skips the others, so they do not build their populations.
 */
export function suiteMayMatch(suite: string, filter: string): boolean {
  const named = SUITES.find((s) => filter === s.name || filter.startsWith(`${s.name}.`));
  return named === undefined || named.name === suite;
}
