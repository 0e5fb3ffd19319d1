import { describe, expect, test } from 'vitest';
import { runSuites } from '../../../refinement/bench/harness.js';
import { INITIAL_CAP } from '../../../abi/bootinfo.js';
import { ROOT_CNODE_SIZE_BITS, SLOT_BITS } from '../../../abi/config.js';
import { lookupPTSlot } from '../../../impl/arch/arm/vspace.js';
import { pageDirectoryCapGetCapPDBasePtr } from '../../../impl/object/arch-cap.js';
import { cnodeCapGetCapCNodePtr } from '../../../impl/object/cap.js';
import { TCB_CTABLE } from '../../../impl/object/tcb-layout.js';
import { implMapAll, implMaps, mapSetup, pageVaddr, makeVspaceSuite, specMaps, vspaceComparison } from '../../../refinement/bench/vspace.js';
import { ImplPort } from '../../../refinement/user/impl-port.js';

describe('the vspace benchmark', () => {
  test('the impl map loop leaves the frame caps and page tables as it found them', () => {
    const setup = mapSetup('impl', 4);
    if (!(setup.sys.port instanceof ImplPort)) throw new Error('impl expected');
    const k = setup.sys.port.kernel;
    const cnode = cnodeCapGetCapCNodePtr(k.mem.read32(setup.sys.rootThread + (TCB_CTABLE << SLOT_BITS)));
    const pt = lookupPTSlot(k, pageDirectoryCapGetCapPDBasePtr(k.mem.read32(cnode + (INITIAL_CAP.CapInitThreadVSpace << SLOT_BITS))), pageVaddr(0));
    const words = (base: number, n: number): number[] => Array.from({ length: n }, (_, i) => k.mem.read32(base + 4 * i));
    const cnodeBefore = words(cnode, (1 << ROOT_CNODE_SIZE_BITS) * 4);
    const ptBefore = words(pt, 256);
    expect(implMaps(setup, 4)(2)).toBe(0);
    expect(words(cnode, (1 << ROOT_CNODE_SIZE_BITS) * 4)).toEqual(cnodeBefore);
    expect(words(pt, 256)).toEqual(ptBefore);
    implMapAll(setup, 4);
    expect(words(pt, 4).every((w) => w !== 0)).toBe(true);
    specMaps(mapSetup('spec', 4), 4)(1);
  });

  test('the suite runs and reports finite medians, with a comparison beside seL4', async () => {
    const sampling = { warmup: 1, warmupMs: 0, samples: 3, minSampleMs: 0 };
    const report = await runSuites([makeVspaceSuite({ pages: 256, sampling, print: false })]);
    const names = ['map.1', 'map.256', 'map.reset', 'map.1.spec', 'map.256.spec', 'ipc.roundtrip.fastpath', 'tlbMissLoad', 'tlbHitLoad'];
    for (const n of names) {
      const m = report.metrics.get(`vspace.${n}.ns`);
      expect(Number.isFinite(m?.median), n).toBe(true);
      expect(m!.median).toBeGreaterThan(0);
    }
    expect(vspaceComparison(report.metrics, 256)).toHaveLength(5);
  });
});
