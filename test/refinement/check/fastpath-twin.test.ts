import { describe, expect, it } from 'vitest';
import { DEFAULT_BOOT_PARAMS } from '../../../abi/bootinfo.js';
import { Reg } from '../../../hardware/registers.js';
import { checkRefinement } from '../../../refinement/check.js';
import { fastpathGaps, implKernelWithFastpathTwin } from '../../../refinement/check/fastpath-twin.js';

const SEED = 20261123;
const RUNS = 40;

describe('the fastpath twin check', () => {
  it('holds on generated traces and counts fastpath hits and fallbacks', () => {
    const kernel = implKernelWithFastpathTwin();
    const r = checkRefinement({ kernel, runs: RUNS, seed: SEED });
    expect(r.failures.map((f) => f.diff)).toEqual([]);
    const c = kernel.fastpathCounts();
    expect(c?.SysCall.hit).toBeGreaterThan(0);
    expect(c?.SysCall.fallback['msgInfo']).toBeGreaterThan(0);
    expect(fastpathGaps(c)).not.toContain('SysCall: hit');
  }, 60_000);

  it('fails with kind fastpath, naming the word, when a fastpath hit delivers a wrong badge', () => {
    const seen = new WeakMap<object, number>();
    const kernel = implKernelWithFastpathTwin(DEFAULT_BOOT_PARAMS, 'impl', (k) => {
      if (k.fastpathCounters.callHits === (seen.get(k) ?? 0)) return;
      seen.set(k, k.fastpathCounters.callHits);
      k.setRegister(k.ksCurThread, Reg.R0, k.getRegister(k.ksCurThread, Reg.R0) ^ 1);
    });
    const r = checkRefinement({ kernel, runs: RUNS, seed: SEED, maxSteps: 30 });
    expect(r.ok).toBe(false);
    expect(r.failures[0]?.failure.kind).toBe('fastpath');
    expect(r.failures[0]?.failure.message).toMatch(/FastpathMismatch: memory at 0x[0-9a-f]+ \(TCB /);
  }, 60_000);
});
