import { describe, expect, test } from 'vitest';
import { bootParams, PD_ASID_SLOT, SABRE_KERNEL_IMAGE } from '../../../abi/bootinfo.js';
import { bootSpec } from '../../../spec/boot.js';
import { vectorTablePaddr } from '../../../abi/kernel-window.js';
import { mapKernelWindow } from '../../../spec/boot/kernel-window.js';
import { copyGlobalMappings } from '../../../spec/arch/arm/vspace-acc.js';
import { insertObject } from '../../../spec/kernel/kheap.js';
import { Map as PMap } from 'immutable';

const params = bootParams();
const w = mapKernelWindow(params);
const RAM = { cacheable: true, parityEnabled: true, executeNever: false };

describe('map_kernel_window', () => {
  test('supersections from 0xe0000000 to 0xff000000, then sections, then the global page table', () => {
    expect(w.pdEntries.size).toBe(512);
    expect(w.pdEntries.get(0xe00)).toEqual({ kind: 'SuperSectionPDE', frame: params.board.ramBase, attributes: RAM, rights: 'VMKernelOnly' });
    expect(w.pdEntries.get(0xe0f)).toEqual(w.pdEntries.get(0xe00));
    expect(w.pdEntries.get(0xe10)).toMatchObject({ kind: 'SuperSectionPDE', frame: params.board.ramBase + 2 ** 24 });
    expect(w.pdEntries.get(0xfef)).toMatchObject({ kind: 'SuperSectionPDE', frame: params.board.ramBase + 30 * 2 ** 24 });
    expect(w.pdEntries.get(0xff0)).toEqual({ kind: 'SectionPDE', frame: params.board.ramBase + 0x1f000000, attributes: RAM, rights: 'VMKernelOnly' });
    expect(w.pdEntries.get(0xffe)).toMatchObject({ kind: 'SectionPDE', frame: params.board.ramBase + 0x1fe00000 });
    expect(w.pdEntries.get(0xfff)).toEqual({ kind: 'PageTablePDE', table: SABRE_KERNEL_IMAGE.globalPT, parityEnabled: true });
    expect([...w.pdEntries.keys()].every((i) => i >= 0xe00)).toBe(true);
  });

  test('the global page table: kernel devices from KDEV_BASE, the vector page at 0xffff0000', () => {
    const dev = { cacheable: false, parityEnabled: false, executeNever: false };
    expect(w.ptEntries.toJS()).toEqual({
      0: { kind: 'SmallPagePTE', frame: params.board.kernelDevices[0]!.base, attributes: dev, rights: 'VMKernelOnly' },
      1: { kind: 'SmallPagePTE', frame: params.board.kernelDevices[1]!.base, attributes: dev, rights: 'VMKernelOnly' },
      2: { kind: 'SmallPagePTE', frame: params.board.kernelDevices[2]!.base, attributes: dev, rights: 'VMKernelOnly' },
      0xf0: { kind: 'SmallPagePTE', frame: vectorTablePaddr(params), attributes: { ...RAM, parityEnabled: false }, rights: 'VMKernelOnly' },
    });
  });

  test('boot: the global objects are in the heap; a new page directory copies all but the stored-ASID slot', () => {
    const s = bootSpec(params);
    expect(s.arch.globalPTs).toEqual([SABRE_KERNEL_IMAGE.globalPT]);
    expect(s.kheap.get(SABRE_KERNEL_IMAGE.globalPT)).toEqual({ kind: 'PageTable', entries: w.ptEntries });
    const s1 = copyGlobalMappings(insertObject(s, 0x30000000, { kind: 'PageDirectory', entries: PMap() }), 0x30000000);
    const pd = s1.kheap.get(0x30000000);
    expect(pd?.kind === 'PageDirectory' && pd.entries.toJS()).toEqual(w.pdEntries.delete(PD_ASID_SLOT).toJS());
  });
});
