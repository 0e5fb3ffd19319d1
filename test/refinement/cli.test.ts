import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../refinement/cli/main.js';
import { jsonReport, textReport } from '../../refinement/cli/check.js';
import { reportHtml, prettyValue, contextPath } from '../../refinement/report/html.js';
import { emptyCoverage, recordOutcome, coverageGaps, EXPECTED_OUTCOMES } from '../../refinement/check/coverage.js';
import { INVOCATION_LABELS } from '../../abi/labels.js';
import { SYSCALLS } from '../../hardware/events.js';
import type { CheckReport } from '../../refinement/check.js';
import { field, key } from '../../refinement/diff.js';

function capture(): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  return { out: () => out, err: () => err };
}

afterEach(() => {
  vi.restoreAllMocks();
});

function fakeReport(ok: boolean): CheckReport {
  const coverage = emptyCoverage();
  recordOutcome(coverage, { entry: 'CNodeMint', result: 'ok' });
  recordOutcome(coverage, { entry: 'CNodeMint', result: 'DeleteFirst' });
  return {
    ok, seed: 7, runs: 3, entries: 40, durationMs: 12, coverage, gaps: coverageGaps(coverage),
    failures: ok ? [] : [{
      replay: 'TOKEN', trace: ['  1. CNodeMint(root, dest=0x20/32, src=0x5/32, rights=RW, badge=7)  -> ok'],
      diff: 'divergence at step 1: kheap[0x10000000].slots[0x20].badge: spec=7 impl=0', shrinks: 4,
      failure: {
        kind: 'divergence', side: 'both', step: 0, message: '<script>alert(1)</script>',
        difference: { path: [field('kheap'), key(0x10000000)], left: 1, right: 2 },
      },
    }],
  };
}

describe('sel4ts check output', () => {
  it('--json has exactly the fields the issue names', () => {
    const j = jsonReport(fakeReport(false));
    expect(Object.keys(j)).toEqual(['ok', 'seed', 'runs', 'entries', 'durationMs', 'coverage', 'failures']);
    expect(j['coverage']).toEqual({ CNodeMint: { DeleteFirst: 1, ok: 1 } });
    expect(j['failures']).toEqual([{ replay: 'TOKEN', trace: fakeReport(false).failures[0]!.trace, diff: fakeReport(false).failures[0]!.diff }]);
  });

  it('text names the trace, the first difference and the replay command, then the gaps', () => {
    const t = textReport(fakeReport(false), 10);
    expect(t).toMatch(/FAILED: divergence/);
    expect(t).toMatch(/CNodeMint\(root, dest=0x20\/32/);
    expect(t).toMatch(/kheap\[0x10000000\]\.slots\[0x20\]\.badge: spec=7 impl=0/);
    expect(t).toMatch(/replay: sel4ts replay TOKEN/);
    expect(t).toMatch(/coverage gaps/);
    expect(textReport(fakeReport(true), 10)).toMatch(/^sel4ts check: passed/);
  });

  it('the HTML report escapes what it shows', () => {
    const html = reportHtml(fakeReport(false));
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('sel4ts replay TOKEN');
  });

  it('every label of the slice has an expected-outcome row, and so do the system calls and events', () => {
    for (const label of INVOCATION_LABELS.slice(1, 33)) expect(EXPECTED_OUTCOMES[label]?.[0]).toBe('ok');
    for (const entry of [...SYSCALLS, 'UnknownSyscall', 'UserLevelFault', 'VMFaultEvent', 'Interrupt']) expect(EXPECTED_OUTCOMES[entry]?.length).toBeGreaterThan(0);
  });

  it('pretty-prints values for the side-by-side view', () => {
    expect(prettyValue({ a: 0x10000000, b: [1, 2] })).toBe('{\n  a: 0x10000000,\n  b: [1, 2]\n}');
    const state = { kheap: new Map([[1, { kind: 'CNode', slots: new Map([[2, { kind: 'EndpointCap', badge: 7 }]]) }]]) };
    const path = [field('kheap'), key(1), field('slots'), key(2), field('badge')];
    expect(contextPath(path, [state])).toEqual([field('kheap'), key(1), field('slots'), key(2)]);
  });
});

describe('sel4ts commands', () => {
  it('check --json prints one JSON object and exits 0 when everything held', async () => {
    const io = capture();
    const dir = await mkdtemp(join(tmpdir(), 'sel4ts-report-'));
    try {
      const code = await main(['node', 'sel4ts', 'check', '--kernel', 'spec', '--runs', '3', '--steps', '8', '--seed', '1', '--json', '--report', dir]);
      const parsed = JSON.parse(io.out()) as Record<string, unknown>;
      expect(parsed['ok']).toBe(true);
      expect(code).toBe(0);
      expect(parsed['seed']).toBe(1);
      expect(await readFile(join(dir, 'index.html'), 'utf8')).toMatch(/sel4ts check: <span class="ok">passed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('check rejects an unknown entry', async () => {
    const io = capture();
    expect(await main(['node', 'sel4ts', 'check', '--entry', 'NoSuchLabel'])).toBe(2);
    expect(io.err()).toMatch(/unknown entry/);
  });

  it('boot prints the initial slots and untypeds and agrees with the impl', async () => {
    const io = capture();
    expect(await main(['node', 'sel4ts', 'boot'])).toBe(0);
    expect(io.out()).toMatch(/ 2 {2}CNode 0x[0-9a-f]+ radix=12 guard=0x0\/20/);
    expect(io.out()).toMatch(/untypeds \(\d+\):/);
    expect(io.out()).toMatch(/impl boot: abstracts to the same state/);
  });

  it('replay rejects a bad token', async () => {
    const io = capture();
    expect(await main(['node', 'sel4ts', 'replay', 'garbage'])).toBe(2);
    expect(io.err()).toMatch(/replay token/);
  });
});
