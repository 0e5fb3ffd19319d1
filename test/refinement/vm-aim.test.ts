import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Action, VMAction, VMAim, VMLabel } from '../../refinement/generators/action.js';
import { VM_LABELS } from '../../refinement/generators/action.js';
import { nameOutcome } from '../../refinement/check/coverage.js';
import { applyUserWrites } from '../../refinement/check/run.js';
import { bootedSpec, SPEC } from '../../refinement/check/spec-kernel.js';
import { resolveAction } from '../../refinement/generators/resolve.js';
import { VM_AIMS, vmAction, vmSetup } from '../../refinement/generators/vm.js';
import { SPREAD_STEPS, spreadStep } from '../../refinement/generators/vm-hwasid.js';
import { cspaceView } from '../../refinement/generators/cspace.js';
import { EXPECTED_OUTCOMES } from '../../refinement/check/coverage.js';
import type { KernelState } from '../../spec/state/kernel-state.js';

const BOOT = bootedSpec();

function run(s: KernelState, a: Action): { state: KernelState; entry: string; result: string; text: string } {
  const r = resolveAction(s, a);
  const before = applyUserWrites(s, r);
  const out = SPEC.step(before, r.event);
  return { state: out.state, text: r.text, ...nameOutcome(before, r.event, out.outcome, out.state) };
}

const aimed = (label: VMLabel, aim: VMAim, k: number): VMAction => ({
  t: 'VM', syscall: 'SysCall', label, cap: 'good', size: k % 4, pd: 'root', vaddr: 'arena', range: 'ok', rights: 3, attr: 1, k, word: 0,
  shortBy: 0, noExtraCaps: false, aim,
});

// Repeats the aimed action until it is sent as its own label (the steps before it are setup).
function reach(label: VMLabel, aim: VMAim, k: number): { result: string; steps: number; texts: string[] } {
  let s = BOOT;
  const texts: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = run(s, aimed(label, aim, k));
    texts.push(`${r.text} -> ${r.result}`);
    if (r.entry === label && !(aim === 'FailedLookup' && r.result === 'ok')) return { result: r.result, steps: i + 1, texts };
    s = r.state;
  }
  return { result: 'never sent', steps: 12, texts };
}

describe('aimed VM draws', () => {
  it('aim at exactly the outcomes the coverage table expects of each label', () => {
    for (const label of VM_LABELS) expect(VM_AIMS[label].map(([a]) => a).sort()).toEqual([...EXPECTED_OUTCOMES[label]!].sort());
  });

  it('reach each aimed outcome from boot, after at most a few setup steps', () => {
    const missed: string[] = [];
    for (const label of VM_LABELS) {
      for (const [aim] of VM_AIMS[label]) {
        for (const k of [0, 1, 2, 5, 6, 11]) {
          const r = reach(label, aim, k);
          if (r.result !== aim) missed.push(`${label} ${aim} k=${k}: ${r.result}\n  ${r.texts.join('\n  ')}`);
        }
      }
    }
    expect(missed).toEqual([]);
  });

  it('after the setup a trace starts with, FailedLookup draws hit at once', () => {
    const [setup] = fc.sample(vmSetup(9).filter((a) => a.length >= 12), { numRuns: 1, seed: 4 });
    let s = BOOT;
    for (const a of setup!) s = run(s, a).state;
    for (const label of ['ARMPDClean_Data', 'ARMPageInvalidate_Data', 'ARMPageTableMap', 'ARMPageTableUnmap'] as const) {
      const aim = label === 'ARMPageTableUnmap' ? 'RevokeFirst' : 'FailedLookup';
      const r = run(s, aimed(label, aim, 3));
      if (r.entry !== label) s = r.state;
      expect(run(s, aimed(label, aim, 3)).result).toBe(aim);
    }
  });

  it('still draws free actions whose fields alone decide', () => {
    const draws = fc.sample(vmAction('ARMPageMap'), { numRuns: 400, seed: 1 });
    expect(draws.some((a) => a.aim === undefined)).toBe(true);
    expect(new Set(draws.map((a) => a.aim)).size).toBe(VM_AIMS.ARMPageMap.length + 1);
  });
});

describe('the hardware-ASID scenario', () => {
  it('assigns 256 new address spaces and gives each a hardware ASID, taking one back at the 257th', () => {
    let s = BOOT;
    const a: VMAction = { ...aimed('ARMASIDPoolAssign', 'ok', 0), spread: true };
    let tookBack = -1;
    for (let i = 0; i < SPREAD_STEPS && tookBack < 0; i++) {
      const before = s.arch.nextASID;
      const r = resolveAction(s, { ...a, k: i });
      expect(r.text).toMatch(/^(UntypedRetype|ARMASIDPoolAssign|TCBConfigure)/);
      const out = run(s, { ...a, k: i });
      expect(out.result).toBe('ok');
      s = out.state;
      if (s.arch.nextASID !== before) tookBack = i;
    }
    expect(s.arch.hwASIDTable.size).toBe(256);
    expect(tookBack).toBeGreaterThan(500);
    expect(tookBack).toBeLessThan(SPREAD_STEPS);
    expect(spreadStep(s, cspaceView(s)!, a).text).toMatch(/^TCBConfigure/);
  });
});
