/**
 * The HTML report of a check (`sel4ts check --report DIR`): the summary, the coverage
 * matrix with its gaps, and for a failure the shrunk trace and the spec and implementation
 * sides of the first difference next to each other. Every piece of text is escaped with
 * `escape-html`.
 *
 * @module
 */
import escapeHtml from 'escape-html';
import { isMap as isPMap, isSet as isPSet } from 'immutable';
import { ABSENT, compareKeys, formatPath, valueAtPath, type Path } from '../diff.js';
import type { CheckFailure, CheckReport } from '../check.js';

/** Prints a value over several lines, words of 4096 and above in hex, for the side-by-side view. */
export function prettyValue(v: unknown, indent = ''): string {
  const next = `${indent}  `;
  if (v === ABSENT) return '<absent>';
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0x1000 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v !== 'object') return String(v);
  if (ArrayBuffer.isView(v)) return typedArrayText(v as unknown as ArrayLike<number>);
  if (isPMap(v) || v instanceof Map) {
    const entries: [unknown, string][] = [];
    (v as { forEach(f: (x: unknown, k: unknown) => void): void }).forEach((x, k) => {
      entries.push([k, `${next}${typeof k === 'number' ? `0x${k.toString(16)}` : prettyValue(k)} => ${prettyValue(x, next)}`]);
    });
    entries.sort(([a], [b]) => compareKeys(a, b));
    return entries.length === 0 ? 'Map{}' : `Map{\n${entries.map(([, t]) => t).join(',\n')}\n${indent}}`;
  }
  if (isPSet(v) || v instanceof Set) {
    const items: string[] = [];
    (v as { forEach(f: (x: unknown) => void): void }).forEach((x) => items.push(prettyValue(x, next)));
    return `Set{${items.sort().join(', ')}}`;
  }
  if (Array.isArray(v)) {
    const flat = v.every((x) => typeof x !== 'object' || x === null);
    if (flat) return `[${v.map((x) => prettyValue(x)).join(', ')}]`;
    return `[\n${v.map((x) => `${next}${prettyValue(x, next)}`).join(',\n')}\n${indent}]`;
  }
  const fields = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${next}${k}: ${prettyValue(x, next)}`);
  return fields.length === 0 ? '{}' : `{\n${fields.join(',\n')}\n${indent}}`;
}

function typedArrayText(a: ArrayLike<number>): string {
  const nonZero: string[] = [];
  for (let i = 0; i < a.length && nonZero.length < 32; i++) if (a[i] !== 0) nonZero.push(`[0x${i.toString(16)}]=${a[i]}`);
  return `bytes(${a.length}) ${nonZero.length === 0 ? 'all zero' : nonZero.join(' ')}`;
}

/**
 * The part of the path worth showing whole on both sides: the innermost record (a cap, an
 * object, the globals) that holds the difference, rather than a whole map of them.
 */
export function contextPath(path: Path, states: readonly unknown[] = []): Path {
  for (let n = path.length - 1; n >= 1; n--) {
    const prefix = path.slice(0, n);
    const values = states.map((st) => valueAtPath(st, prefix)).filter((x) => x !== ABSENT);
    if (values.length > 0 && values.every(isRecord)) return prefix;
  }
  return path;
}

function isRecord(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !isPMap(v) && !isPSet(v) && !(v instanceof Map) && !(v instanceof Set) && !ArrayBuffer.isView(v);
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.ok { color: #176a2c; } .fail { color: #a31515; }
pre { background: #f6f6f6; padding: .8em; overflow: auto; font-size: 12px; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.gap { background: #fde2e2; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
ol.trace li { font-family: ui-monospace, monospace; font-size: 12px; }
ol.trace li.failing { color: #a31515; font-weight: bold; }
code { background: #f0f0f0; padding: 0 .3em; }
`;

function failureSection(f: CheckFailure): string {
  const fl = f.failure;
  const parts = [
    `<h2>Failure: ${escapeHtml(fl.kind)}</h2>`,
    `<p>${escapeHtml(f.diff)}</p>`,
    fl.message !== f.diff && !f.diff.endsWith(fl.message) ? `<p>${escapeHtml(fl.message)}</p>` : '',
    `<p>Replay: <code>sel4ts replay ${escapeHtml(f.replay)}</code> (shrunk in ${f.shrinks} steps)</p>`,
    '<h2>Shrunk trace</h2>',
    `<ol class="trace">${f.trace.map((line, i) => `<li${i === fl.step ? ' class="failing"' : ''}>${escapeHtml(line.replace(/^\s*\d+\.\s*/, ''))}</li>`).join('')}</ol>`,
  ];
  if (fl.difference !== undefined) {
    const ctx = contextPath(fl.difference.path, [fl.specState, fl.kernelState].filter((x) => x !== undefined));
    const specSide = fl.specState === undefined ? '(not kept)' : prettyValue(valueAtPath(fl.specState, ctx));
    const implSide = fl.kernelState === undefined ? '(could not be abstracted)' : prettyValue(valueAtPath(fl.kernelState, ctx));
    parts.push(
      `<h2>Difference at <code>${escapeHtml(formatPath(fl.difference.path))}</code></h2>`,
      `<p>Showing <code>${escapeHtml(formatPath(ctx))}</code> on both sides.</p>`,
      `<div class="sides"><div><h3>spec</h3><pre>${escapeHtml(specSide)}</pre></div><div><h3>impl</h3><pre>${escapeHtml(implSide)}</pre></div></div>`,
    );
  }
  if (fl.violations !== undefined) {
    parts.push('<h2>Invariant violations</h2>', `<pre>${escapeHtml(fl.violations.map((v) => `${v.invariant} at ${v.where}: ${v.message}`).join('\n'))}</pre>`);
  }
  return parts.join('\n');
}

function coverageSection(r: CheckReport): string {
  const gapCells = new Set(r.gaps.map((g) => `${g.entry}/${g.outcome}`));
  const outcomes = new Set<string>();
  for (const row of r.coverage.values()) for (const o of row.keys()) outcomes.add(o);
  for (const g of r.gaps) outcomes.add(g.outcome);
  const cols = [...outcomes].sort((a, b) => (a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b)));
  const entries = [...new Set([...r.coverage.keys(), ...r.gaps.map((g) => g.entry)])].sort();
  const head = `<tr><th>entry</th>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = entries.map((e) => {
    const cells = cols.map((c) => {
      const n = r.coverage.get(e)?.get(c) ?? 0;
      const cls = gapCells.has(`${e}/${c}`) ? ' class="gap"' : '';
      return `<td${cls}>${n === 0 && cls === '' ? '' : n}</td>`;
    });
    return `<tr><td>${escapeHtml(e)}</td>${cells.join('')}</tr>`;
  });
  return `<h2>Coverage (entry × outcome)</h2><table>${head}${rows.join('')}</table>` +
    (r.gaps.length > 0 ? `<p>${r.gaps.length} expected cells seen fewer times than required (shaded).</p>` : '<p>No coverage gaps.</p>');
}

/** The whole report page. */
export function reportHtml(r: CheckReport): string {
  const status = r.ok ? '<span class="ok">passed</span>' : '<span class="fail">FAILED</span>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sel4ts check report</title><style>${STYLE}</style></head>
<body>
<h1>sel4ts check: ${status}</h1>
<p>seed ${r.seed}, ${r.runs} runs, ${r.entries} kernel entries, ${r.durationMs} ms</p>
${r.failures.map(failureSection).join('\n')}
${coverageSection(r)}
</body></html>
`;
}
