/**
 * seL4's own IPC figures beside the `ipc` suite's: the means of the latest sel4bench CI run on
 * the i.MX6 Sabre Lite (Cortex-A9 at 1 GHz, AArch32, the board the verified configuration
 * targets), from seL4/sel4bench-results `2026/SABRE_32*.jsonl` (2026-06-26). At 1 GHz one
 * cycle is one nanosecond, so the ratio column is sel4ts time over seL4 time on that board.
 * seL4 measures one-way IPCs between address spaces; a round trip here is its Call plus its
 * ReplyRecv.
 *
 * @module
 */
import type { Stats } from './harness.js';

/** One row of the comparison: a sel4ts metric and the seL4 cycles it stands beside. */
export interface Sel4Figure {
  /** What is compared. */
  readonly what: string;
  /** The sel4ts metric (`<suite>.<name>.ns`). */
  readonly metric: string;
  /** seL4's cycles on the Sabre Lite (= ns at 1 GHz). */
  readonly sel4Cycles: number;
  /** Where seL4's number comes from. */
  readonly source: string;
}

/** The rows, with seL4's cycles. */
export const SEL4_SABRE_FIGURES: readonly Sel4Figure[] = [
  { what: 'round trip, fastpath, length 0', metric: 'ipc.roundtrip.fastpath.ns', sel4Cycles: 368 + 352, source: 'SABRE_32 Call + ReplyRecv' },
  { what: 'round trip, fastpath, length 4', metric: 'ipc.roundtrip.fastpath.len4.ns', sel4Cycles: 368 + 352, source: 'SABRE_32 (length 0; 4 is also fast)' },
  { what: 'round trip, fastpath on, length 10 (falls back)', metric: 'ipc.roundtrip.fastpath.len10.ns', sel4Cycles: 872 + 898, source: 'SABRE_32 len-10 Call + ReplyRecv' },
  { what: 'round trip, slowpath, length 0', metric: 'ipc.roundtrip.slowpath.ns', sel4Cycles: 860 + 878, source: 'SABRE_32_nofastpath Call + ReplyRecv' },
  { what: 'null entry', metric: 'ipc.null.spuriousInterrupt.ns', sel4Cycles: 114, source: 'SABRE_32 null syscall' },
];

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

/**
 * The comparison as text lines (a Markdown table): each measured row with sel4ts's median,
 * seL4's cycles and their ratio, then the fastpath speed-up on both.
 */
export function ipcComparison(metrics: ReadonlyMap<string, Stats>): string[] {
  const rows = SEL4_SABRE_FIGURES.filter((f) => metrics.has(f.metric));
  if (rows.length === 0) return [];
  const out = ['| case | sel4ts median (ns) | seL4 Sabre Lite (cycles = ns) | sel4ts / seL4 |', '|---|---:|---:|---:|'];
  for (const f of rows) {
    const m = metrics.get(f.metric)!.median;
    out.push(`| ${f.what} | ${fmt(m)} | ${f.sel4Cycles} (${f.source}) | ${(m / f.sel4Cycles).toFixed(2)} |`);
  }
  const fast = metrics.get('ipc.roundtrip.fastpath.ns');
  const slow = metrics.get('ipc.roundtrip.slowpath.ns');
  if (fast !== undefined && slow !== undefined) {
    out.push(`| fastpath speed-up (slowpath / fastpath) | ${(slow.median / fast.median).toFixed(2)}x | ${((860 + 878) / (368 + 352)).toFixed(2)}x | |`);
  }
  return out;
}
