import { implKernel } from './refinement/abstraction.js';
import { bootSpec } from './spec/boot.js';
import { hardwareViewMismatch, touchCurrentAddressSpace, probeAddresses } from './refinement/check/hardware-view.js';
import { pageDirectoryAt, addressSpaces } from './refinement/invariants/vspace-lookup.js';
const s = bootSpec();
const k = implKernel().boot();
const hw = k.hardwareView!()!;
console.log(hardwareViewMismatch(s, hw), addressSpaces(s).map(sp => probeAddresses(s, pageDirectoryAt(s, sp.pd)!).length));
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  for (let i = 0; i < 2000; i++) hardwareViewMismatch(s, hw);
  const a = (performance.now() - t) / 2000;
  t = performance.now();
  for (let i = 0; i < 2000; i++) touchCurrentAddressSpace(s, hw);
  const b = (performance.now() - t) / 2000;
  console.log(`check ${(a * 1000).toFixed(1)} us, touch ${(b * 1000).toFixed(1)} us, tlb entries ${hw.tlb?.entries().length}`);
}
