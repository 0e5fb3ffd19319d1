import { checkRefinement } from './refinement/check.js';
import { implKernel } from './refinement/abstraction.js';
import type { KernelUnderTest } from './refinement/check/kernel-under-test.js';
import * as hv from './refinement/check/hardware-view.js';
const base = implKernel();
const without: KernelUnderTest = { name: 'impl', boot: () => { const i = base.boot(); (i as { hardwareView?: unknown }).hardwareView = undefined; return i; } };
let hvTime = 0, hvCalls = 0;
const withTimed: KernelUnderTest = { name: 'impl', boot: () => { const i = base.boot(); const orig = i.hardwareView!.bind(i); i.hardwareView = () => { const v = orig(); return v; }; return i; } };
const origMismatch = hv.hardwareViewMismatch;
for (const round of [0, 1]) {
  for (const [name, k] of [['without', without], ['with', withTimed]] as const) {
    const t = performance.now();
    const r = checkRefinement({ kernel: k, runs: 100, seed: 1 });
    console.log(round, name, ((performance.now() - t) / 1000).toFixed(2), 's', r.entries ?? '', r.failure?.trace?.length ?? 'pass');
  }
}
