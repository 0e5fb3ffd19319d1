/**
 * `sel4ts check`: runs the refinement check and reports it (text, `--json`, `--report DIR`).
 * Exit status 0 only when every trace held; 1 on a failure.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { checkRefinement, DEFAULTS, type CheckReport } from '../check.js';
import { coverageToJson } from '../check/coverage.js';
import { FOCUS_EVENTS } from '../generators/arbitraries.js';
import { SLICE_LABELS } from '../generators/action.js';
import { reportHtml } from '../report/html.js';
import { kernelNamed } from './kernels.js';
import type { KernelUnderTest } from '../check/kernel-under-test.js';
import { fastpathCountsOf, fastpathGaps } from '../check/fastpath-twin.js';
import { coverageText, gapsText } from './text.js';
import { DEFAULT_RUNS } from './defaults.js';

/** Options of `sel4ts check` as commander parses them. */
export interface CheckCommandOptions {
  /** `--runs N`. */
  readonly runs: string;
  /** `--seed S`. */
  readonly seed?: string;
  /** `--entry NAME`. */
  readonly entry?: string;
  /** `--json`. */
  readonly json?: boolean;
  /** `--report DIR`. */
  readonly report?: string;
  /** `--steps N`. */
  readonly steps: string;
  /** `--kernel NAME`. */
  readonly kernel: string;
  /** `--min-coverage N`. */
  readonly minCoverage: string;
  /** `--no-fastpath-gate` sets it false: list fastpath gaps without failing on them. */
  readonly fastpathGate?: boolean;
}

function int(s: string | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`${what} must be an integer, not '${s}'`);
  return n;
}

/** Entry names `--entry` accepts. */
export const ENTRY_NAMES: readonly string[] = [...SLICE_LABELS, ...FOCUS_EVENTS];

/** Runs the command; returns the exit status. */
export async function checkCommand(o: CheckCommandOptions): Promise<number> {
  if (o.entry !== undefined && !ENTRY_NAMES.includes(o.entry)) {
    process.stderr.write(`sel4ts check: unknown entry '${o.entry}'; one of: ${ENTRY_NAMES.join(', ')}\n`);
    return 2;
  }
  const runs = int(o.runs, '--runs') ?? DEFAULT_RUNS;
  const minCoverage = int(o.minCoverage, '--min-coverage') ?? DEFAULTS.minCoverage;
  const kernel = kernelNamed(o.kernel);
  const tty = process.stderr.isTTY === true && o.json !== true;
  const bar = tty
    ? new cliProgress.SingleBar({ format: 'check [{bar}] {value}/{total} traces | {entries} entries | {duration}s', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(runs, 0, { entries: 0 });
  let report: CheckReport;
  try {
    report = checkRefinement({
      kernel, runs, seed: int(o.seed, '--seed'), entry: o.entry, maxSteps: int(o.steps, '--steps'), minCoverage,
      onRun: (done, entries) => bar?.update(done, { entries }),
    });
  } finally {
    bar?.stop();
  }
  if (o.report !== undefined) {
    await mkdir(o.report, { recursive: true });
    const file = join(o.report, 'index.html');
    await writeFile(file, reportHtml(report));
    if (o.json !== true) process.stderr.write(`report written to ${file}\n`);
  }
  // A full-size, unfocused check fails when a fastpath path was never taken or a fallback
  // reason never occurred (smaller or focused runs only list them; `--no-fastpath-gate` too).
  const fp = fastpathSection(kernel, o.fastpathGate !== false && o.entry === undefined && runs >= DEFAULT_RUNS);
  process.stdout.write(o.json === true ? `${JSON.stringify({ ...jsonReport(report), ok: report.ok && fp.ok, fastpath: fp.json })}\n` : `${textReport(report, minCoverage)}${fp.text}`);
  return report.ok && fp.ok ? 0 : 1;
}

/**
 * The fastpath part of the report: hits and fallbacks per check (for a kernel with a fastpath
 * twin), and the gate: with `gate` set, both paths must have been taken and every fallback
 * reason of both must have occurred (the check fails otherwise).
 */
export function fastpathSection(kernel: KernelUnderTest, gate: boolean): { json: unknown; text: string; ok: boolean } {
  const counts = fastpathCountsOf(kernel);
  if (counts === undefined) return { json: undefined, text: '', ok: true };
  const gaps = fastpathGaps(counts);
  const lines = ['', 'fastpath (path: hits; fallbacks by check, in seL4 order):'];
  for (const [path, p] of Object.entries(counts)) {
    lines.push(`  ${path.padEnd(12)}  hit ${p.hit}; ${Object.entries(p.fallback).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  lines.push(gaps.length === 0 ? 'fastpath gaps: none (every fallback reason and both paths exercised)'
    : `fastpath gaps (never exercised${gate ? '; the check fails' : '; listed, not gated in a focused, smaller or --no-fastpath-gate run'}):`);
  for (const g of gaps) lines.push(`  ${g}`);
  if (gate && gaps.length > 0) lines.push('sel4ts check: FAILED: fastpath gaps');
  return { json: { ...counts, gaps }, text: `${lines.join('\n')}\n`, ok: !gate || gaps.length === 0 };
}

/** The `--json` object: exactly the fields the issue names. */
export function jsonReport(r: CheckReport): Record<string, unknown> {
  return {
    ok: r.ok,
    seed: r.seed,
    runs: r.runs,
    entries: r.entries,
    durationMs: r.durationMs,
    coverage: coverageToJson(r.coverage),
    failures: r.failures.map((f) => ({ replay: f.replay, trace: f.trace, diff: f.diff })),
  };
}

/** The text report. */
export function textReport(r: CheckReport, minCoverage: number): string {
  const lines: string[] = [];
  const head = `${r.runs} traces, ${r.entries} kernel entries, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s`;
  if (r.ok) {
    lines.push(`sel4ts check: passed (${head})`);
  } else {
    for (const f of r.failures) {
      lines.push(`sel4ts check: FAILED: ${f.failure.kind} (${head})`, '');
      lines.push(`shrunk trace (${f.trace.length} events, ${f.shrinks} shrinks):`, ...f.trace, '');
      lines.push(f.diff, '', `replay: sel4ts replay ${f.replay}`);
    }
  }
  lines.push('', 'coverage (entry: outcome count):', ...coverageText(r.coverage), '', ...gapsText(r.gaps, minCoverage));
  return `${lines.join('\n')}\n`;
}
