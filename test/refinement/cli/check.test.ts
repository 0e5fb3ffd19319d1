import { describe, expect, it } from 'vitest';
import { fastpathSection } from '../../../refinement/cli/check.js';
import type { FastpathCounts } from '../../../impl/fastpath/counters.js';
import { FastpathCounters } from '../../../impl/fastpath/counters.js';
import type { KernelUnderTest } from '../../../refinement/check/kernel-under-test.js';

// A kernel under test that only reports fastpath counts.
function withCounts(c: FastpathCounts): KernelUnderTest {
  return { name: 'impl', boot: () => { throw new Error('not booted here'); }, fastpathCounts: () => c } as unknown as KernelUnderTest;
}

function everyReason(): FastpathCounters {
  const k = new FastpathCounters();
  k.callHits = 1;
  k.replyRecvHits = 1;
  k.callFallbacks.fill(1);
  k.replyRecvFallbacks.fill(1);
  return k;
}

describe('the fastpath gate of sel4ts check', () => {
  it('passes when both paths were taken and every fallback reason occurred', () => {
    const r = fastpathSection(withCounts(everyReason().snapshot()), true);
    expect(r.ok).toBe(true);
    expect(r.text).toContain('fastpath gaps: none');
  });

  it('fails, naming the gap, when a fallback reason never occurred', () => {
    const k = everyReason();
    k.replyRecvFallbacks[5] = 0; // boundNtfn
    const r = fastpathSection(withCounts(k.snapshot()), true);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('SysReplyRecv: boundNtfn');
    expect(r.text).toContain('sel4ts check: FAILED: fastpath gaps');
  });

  it('only lists the gaps when not gated (a focused, smaller or --no-fastpath-gate run)', () => {
    const k = everyReason();
    k.callHits = 0;
    const r = fastpathSection(withCounts(k.snapshot()), false);
    expect(r.ok).toBe(true);
    expect(r.text).toContain('SysCall: hit');
  });
});
