// The spec's boot (spec/boot.ts, spec/boot/*): the initial caps in slots 0–15, the dynamic
// slots, the CDT, the untypeds carved as create_untypeds carves them, the bootinfo read back
// from the bootinfo frame's bytes, the threads, IRQs, ASIDs and mappings; for the default
// sabre boot, a boot with a DTB and a smaller board.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { MAX_IRQ, MAX_NUM_BOOTINFO_UNTYPED_CAPS, NUM_DOMAIN_SCHEDULES } from '../../abi/config.js';
import {
  BOOTINFO_OFFSET, bootParams, decodeBootInfo, DEFAULT_BOOT_PARAMS, DSCHED_MAX_DURATION, INITIAL_CAP,
  SABRE_KERNEL_IMAGE, type BootInfo, type BootParams,
} from '../../abi/bootinfo.js';
import { boardWithRam, SABRE_LITE } from '../../hardware/board.js';
import { Reg } from '../../hardware/registers.js';
import { bootSpec } from '../../spec/boot.js';
import {
  bootLayout, extraBISizeBits, mergeRegions, subtractRegions, untypedsOfRegion, type Region,
} from '../../spec/boot/layout.js';
import { cdtChildren, cdtParent } from '../../spec/kernel/cdt.js';
import { getCap, isOriginal } from '../../spec/kernel/cspace-access.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { TCB } from '../../spec/state/object.js';

function bootInfoOf(s: KernelState, p: BootParams): BootInfo {
  const frame = s.machine.memory.get(bootLayout(p).rootserver.bootInfo / 4096);
  if (frame === undefined) throw new Error('empty bootinfo frame');
  return decodeBootInfo(frame);
}

const S = bootSpec();
const L = bootLayout(DEFAULT_BOOT_PARAMS);
const RS = L.rootserver;
const BI = bootInfoOf(S, DEFAULT_BOOT_PARAMS);
const cap = (index: number): Cap => getCap(S, { obj: RS.cnode, index });
const tcbAt = (s: KernelState, p: number): TCB => {
  const o = s.kheap.get(p);
  if (o?.kind !== 'TCB') throw new Error('no TCB');
  return o;
};

describe('the default sabre boot', () => {
  test('the rootserver objects sit at the top of RAM, largest first', () => {
    expect(L.rootserverRegion).toEqual({ start: 0x2fee0000, end: 0x2fef7600 });
    expect(RS).toEqual({
      cnode: 0x2fee0000, vspace: 0x2fef0000, extraBI: null, asidPool: 0x2fef4000, ipcBuf: 0x2fef5000,
      bootInfo: 0x2fef6000, paging: [0x2fef7000], tcb: 0x2fef7400,
    });
    expect(L.freeMemory).toEqual([
      { start: 0x10034000, end: 0x2f000000 }, { start: 0x2f100000, end: 0x2fee0000 }, { start: 0x2fef7600, end: 0x2ff00000 },
    ]);
    expect(L.reserved).toEqual([{ start: 0xa00000, end: 0xa03000 }, { start: 0x10000000, end: 0x2ff00000 }]);
    expect([L.vIPCBuffer, L.vBootInfo, L.itVRegion.end]).toEqual([0x18000, 0x19000, 0x1a000]);
  });

  test('slots 0–15 hold the initial caps as SEL4-API §8 lists them', () => {
    expect(cap(INITIAL_CAP.CapNull)).toEqual({ kind: 'NullCap' });
    expect(cap(INITIAL_CAP.CapInitThreadTCB)).toEqual({ kind: 'ThreadCap', tcb: RS.tcb });
    expect(cap(INITIAL_CAP.CapInitThreadCNode)).toEqual({ kind: 'CNodeCap', ptr: RS.cnode, bits: 12, guard: { value: 0, size: 20 } });
    expect(cap(INITIAL_CAP.CapInitThreadVSpace)).toEqual({ kind: 'PageDirectoryCap', ptr: RS.vspace, asid: 1 });
    expect(cap(INITIAL_CAP.CapIRQControl)).toEqual({ kind: 'IRQControlCap' });
    expect(cap(INITIAL_CAP.CapASIDControl)).toEqual({ kind: 'ASIDControlCap' });
    expect(cap(INITIAL_CAP.CapInitThreadASIDPool)).toEqual({ kind: 'ASIDPoolCap', ptr: RS.asidPool, asidBase: 0 });
    expect(cap(INITIAL_CAP.CapBootInfoFrame)).toEqual({
      kind: 'FrameCap', isDevice: false, ptr: RS.bootInfo, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: 1, vaddr: 0x19000 },
    });
    expect(cap(INITIAL_CAP.CapInitThreadIPCBuffer)).toEqual({
      kind: 'FrameCap', isDevice: false, ptr: RS.ipcBuf, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: 1, vaddr: 0x18000 },
    });
    expect(cap(INITIAL_CAP.CapDomain)).toEqual({ kind: 'DomainCap' });
    for (const i of [7, 8, 12, 13, 14, 15]) expect(cap(i)).toEqual({ kind: 'NullCap' });
  });

  test('dynamic slots: page tables, image frames, untypeds, then empty', () => {
    expect(BI.userImagePaging).toEqual({ start: 16, end: 17 });
    expect(cap(16)).toEqual({ kind: 'PageTableCap', ptr: RS.paging[0], mapping: { asid: 1, vaddr: 0 } });
    expect(BI.userImageFrames).toEqual({ start: 17, end: 25 });
    for (let i = 0; i < 8; i++) {
      expect(cap(17 + i)).toEqual({
        kind: 'FrameCap', isDevice: false, ptr: 0x1002c000 + i * 4096, rights: 'VMReadWrite', size: 'ARMSmallPage',
        mapping: { asid: 1, vaddr: 0x10000 + i * 4096 },
      });
    }
    expect(BI.untyped).toEqual({ start: 25, end: 25 + L.untypeds.length });
    BI.untypedList.forEach((u, i) => {
      expect(cap(25 + i)).toEqual({ kind: 'UntypedCap', isDevice: u.isDevice, ptr: u.paddr, sizeBits: u.sizeBits, freeIndex: 2 ** u.sizeBits });
    });
    expect(BI.empty).toEqual({ start: BI.untyped.end, end: 4096 });
    expect(cap(BI.empty.start)).toEqual({ kind: 'NullCap' });
  });

  test('every cap in the root CNode is original and has no CDT parent', () => {
    const cnode = S.kheap.get(RS.cnode);
    if (cnode?.kind !== 'CNode') throw new Error('no root CNode');
    for (const i of cnode.slots.keys()) {
      expect(isOriginal(S, { obj: RS.cnode, index: i })).toBe(true);
      expect(cdtParent(S, { obj: RS.cnode, index: i })).toBeUndefined();
    }
  });

  test('the root TCB: copies of slots 2, 3 and 10 as their CDT children, a master reply cap', () => {
    const t = tcbAt(S, RS.tcb);
    expect(t.caps[0]).toEqual(cap(2));
    expect(t.caps[1]).toEqual(cap(3));
    expect(t.caps[2]).toEqual({ kind: 'ReplyCap', tcb: RS.tcb, isMaster: true, rights: { read: false, write: true, grant: true, grantReply: false } });
    expect(t.caps[3]).toEqual({ kind: 'NullCap' });
    expect(t.caps[4]).toEqual({ ...cap(10), mapping: null });
    for (const [child, parent] of [[0, 2], [1, 3], [4, 10]] as const) {
      expect(cdtParent(S, { obj: RS.tcb, index: child })).toEqual({ obj: RS.cnode, index: parent });
      expect(cdtChildren(S, { obj: RS.cnode, index: parent })).toEqual([{ obj: RS.tcb, index: child }]);
      expect(isOriginal(S, { obj: RS.tcb, index: child })).toBe(false);
    }
    expect(isOriginal(S, { obj: RS.tcb, index: 2 })).toBe(true);
    expect(S.cdt.size).toBe(3);
    expect(t).toMatchObject({
      state: { kind: 'Running' }, priority: 255, mcp: 255, domain: 0, timeSlice: 5, ipcBuffer: 0x18000,
      faultHandler: 0, fault: null, boundNotification: null,
    });
    expect(t.context[Reg.R0]).toBe(0x19000);
    expect(t.context[Reg.NextIP]).toBe(0x10000);
    expect(t.context[Reg.CPSR]).toBe(0x150);
  });

  test('the idle thread, the scheduler and the domain schedule', () => {
    const idle = tcbAt(S, SABRE_KERNEL_IMAGE.idleThread);
    expect(idle.state).toEqual({ kind: 'IdleThreadState' });
    expect(idle.context[Reg.CPSR]).toBe(0x15f);
    expect(idle.context[Reg.NextIP]).toBe(SABRE_KERNEL_IMAGE.idleThreadEntry);
    expect(S.idleThread).toBe(SABRE_KERNEL_IMAGE.idleThread);
    expect(S.curThread).toBe(RS.tcb);
    expect(S.schedulerAction).toEqual({ kind: 'ResumeCurrentThread' });
    expect(S.readyQueues.size).toBe(0);
    expect(S.curDomain).toBe(0);
    expect(S.domainTime).toBe(DSCHED_MAX_DURATION);
    expect(S.domainList.length).toBe(NUM_DOMAIN_SCHEDULES);
    expect(S.domainList[0]).toEqual({ domain: 0, duration: DSCHED_MAX_DURATION });
    expect(S.domainList.slice(1).every((e) => e.domain === 0 && e.duration === 0n)).toBe(true);
    expect(S.workUnitsCompleted).toBe(0);
  });

  test('IRQs: the timer in use and unmasked, every other line inactive and masked', () => {
    expect(S.irqStates.length).toBe(MAX_IRQ + 1);
    S.irqStates.forEach((st, irq) => {
      expect(st).toBe(irq === 29 ? 'IRQTimer' : 'IRQInactive');
      expect(S.machine.irqMasks[irq]).toBe(irq !== 29);
    });
    expect(S.irqNode).toBe(SABRE_KERNEL_IMAGE.irqNode);
    for (let irq = 0; irq <= MAX_IRQ; irq++) expect(S.kheap.get(S.irqNode + 16 * irq)).toMatchObject({ kind: 'CNode', bits: 0 });
  });

  test('ASID 1 in pool 0 names the root PD, which maps image, IPC buffer and bootinfo', () => {
    expect(S.arch.asidTable.get(0)).toBe(RS.asidPool);
    expect(S.kheap.get(RS.asidPool)).toMatchObject({ kind: 'ASIDPool' });
    const pool = S.kheap.get(RS.asidPool);
    expect(pool?.kind === 'ASIDPool' && pool.entries.toJS()).toEqual({ 1: RS.vspace });
    // schedule's switch to the root task gave ASID 1 the first hardware ASID.
    expect(S.arch.asidMap.get(1)).toEqual({ hwASID: 0, pd: RS.vspace });
    const pd = S.kheap.get(RS.vspace);
    if (pd?.kind !== 'PageDirectory') throw new Error('no page directory');
    expect(pd.entries.get(0)).toEqual({ kind: 'PageTablePDE', table: RS.paging[0], parityEnabled: true });
    // Below the kernel window only the page table; from it up the global mappings but the stored-ASID slot.
    expect([...pd.entries.keys()].filter((i) => i < 0xe00)).toEqual([0]);
    expect(pd.entries.filter((_, i) => i >= 0xe00).size).toBe(511);
    expect(pd.entries.has(0xff0)).toBe(false);
    const pt = S.kheap.get(RS.paging[0]!);
    if (pt?.kind !== 'PageTable') throw new Error('no page table');
    expect([...pt.entries.keys()].sort((a, b) => a - b)).toEqual([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19]);
    expect(pt.entries.get(0x18)).toEqual({
      kind: 'SmallPagePTE', frame: RS.ipcBuf, rights: 'VMReadWrite', attributes: { cacheable: true, parityEnabled: false, executeNever: true },
    });
    expect(pt.entries.get(0x10)).toMatchObject({ frame: 0x1002c000, attributes: { executeNever: false } });
    for (const f of [RS.ipcBuf, RS.bootInfo, 0x1002c000, 0x10033000]) {
      expect(S.kheap.get(f)).toEqual({ kind: 'DataPage', isDevice: false, size: 'ARMSmallPage' });
    }
  });

  test('the bootinfo frame, field by field from its bytes', () => {
    const bytes = S.machine.memory.get(RS.bootInfo / 4096)!;
    const word = (o: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(o, true);
    expect(word(BOOTINFO_OFFSET.extraLen)).toBe(0);
    expect(word(BOOTINFO_OFFSET.nodeID)).toBe(0);
    expect(word(BOOTINFO_OFFSET.numNodes)).toBe(1);
    expect(word(BOOTINFO_OFFSET.numIOPTLevels)).toBe(0);
    expect(word(BOOTINFO_OFFSET.ipcBuffer)).toBe(0x18000);
    expect(word(BOOTINFO_OFFSET.initThreadCNodeSizeBits)).toBe(12);
    expect(word(BOOTINFO_OFFSET.initThreadDomain)).toBe(0);
    expect([word(BOOTINFO_OFFSET.untyped), word(BOOTINFO_OFFSET.untyped + 4)]).toEqual([25, 25 + L.untypeds.length]);
    expect(word(BOOTINFO_OFFSET.untypedList)).toBe(0);
    expect(bytes[BOOTINFO_OFFSET.untypedList + 4]).toBe(23);
    expect(bytes[BOOTINFO_OFFSET.untypedList + 5]).toBe(1);
    expect(BI).toMatchObject({
      sharedFrames: { start: 0, end: 0 }, ioSpaceCaps: { start: 0, end: 0 }, extraBIPages: { start: 0, end: 0 },
    });
    expect(BI.untypedList).toEqual(L.untypeds);
  });
});

/** The physical regions every untyped must stay out of: the used kernel image, the images, the rootserver. */
function forbidden(p: BootParams): Region[] {
  const l = bootLayout(p);
  return [
    { start: p.kernelImage.bootEnd, end: p.kernelImage.end },
    { start: p.userImage.paddr, end: p.userImage.paddr + p.userImage.size },
    l.rootserverRegion,
    ...p.board.kernelDevices.map((d) => ({ start: d.base, end: d.base + 4096 })),
  ];
}

const overlaps = (a: Region, b: Region): boolean => a.start < b.end && b.start < a.end;

describe('untypeds', () => {
  const boots: [string, BootParams][] = [
    ['default', DEFAULT_BOOT_PARAMS],
    ['256 MiB board', bootParams({ board: boardWithRam(SABRE_LITE, 256 * 2 ** 20) })],
    ['with a DTB and a 100-page image', bootParams({ dtb: new Uint8Array(5000).fill(0xd0), userImageSize: 100 * 4096 })],
  ];
  for (const [name, p] of boots) {
    test(`${name}: aligned, disjoint, covering free RAM and every device gap`, () => {
      const l = bootLayout(p);
      const sorted = [...l.untypeds].sort((a, b) => a.paddr - b.paddr);
      sorted.forEach((u, i) => {
        expect(u.sizeBits).toBeGreaterThanOrEqual(4);
        expect(u.sizeBits).toBeLessThanOrEqual(29);
        expect(u.paddr % 2 ** u.sizeBits).toBe(0);
        const next = sorted[i + 1];
        if (next !== undefined) expect(u.paddr + 2 ** u.sizeBits).toBeLessThanOrEqual(next.paddr);
        for (const f of forbidden(p)) expect(overlaps({ start: u.paddr, end: u.paddr + 2 ** u.sizeBits }, f)).toBe(false);
      });
      const ram = l.untypeds.filter((u) => !u.isDevice).reduce((n, u) => n + 2 ** u.sizeBits, 0);
      const free = [...l.freeMemory, { start: p.kernelImage.start, end: p.kernelImage.bootEnd }]
        .map((r) => untypedsOfRegion(r, false).reduce((n, u) => n + 2 ** u.sizeBits, 0)).reduce((a, b) => a + b, 0);
      expect(ram).toBe(free);
      const device = l.untypeds.filter((u) => u.isDevice).reduce((n, u) => n + 2 ** u.sizeBits, 0);
      const reserved = l.reserved.reduce((n, r) => n + r.end - r.start, 0);
      expect(device).toBe(2 ** 32 - reserved);
      expect(l.untypeds.length).toBeLessThanOrEqual(MAX_NUM_BOOTINFO_UNTYPED_CAPS);
      const s = bootSpec(p);
      expect(bootInfoOf(s, p).untypedList).toEqual(l.untypeds);
    });
  }

  test('the 256 MiB board: RAM above the kernel RAM is device memory', () => {
    const p = bootParams({ board: boardWithRam(SABRE_LITE, 256 * 2 ** 20) });
    const l = bootLayout(p);
    expect(l.available).toEqual({ start: 0x10000000, end: 0x20000000 });
    expect(l.untypeds.some((u) => u.isDevice && u.paddr === 0x20000000 && u.sizeBits === 27)).toBe(true);
    // The mode-reserved section stays reserved even outside RAM.
    expect(l.reserved).toContainEqual({ start: 0x2f000000, end: 0x2f100000 });
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 30 })])(
    'create_untypeds_for_region covers the 16-byte aligned inside of a region with aligned blocks',
    (start, length) => {
      const end = Math.min(start + length, 2 ** 32);
      const blocks = untypedsOfRegion({ start, end }, false);
      const lo = Math.ceil(start / 16) * 16;
      const hi = Math.floor(end / 16) * 16;
      let at = lo;
      for (const b of blocks) {
        expect(b.paddr).toBe(at);
        expect(b.paddr % 2 ** b.sizeBits).toBe(0);
        expect(b.sizeBits).toBeLessThanOrEqual(29);
        at += 2 ** b.sizeBits;
      }
      expect(at).toBe(Math.max(lo, hi));
    },
  );

  test('region helpers', () => {
    expect(subtractRegions({ start: 0, end: 100 }, [{ start: 10, end: 20 }, { start: 50, end: 200 }]))
      .toEqual([{ start: 0, end: 10 }, { start: 20, end: 50 }]);
    expect(mergeRegions([{ start: 5, end: 6 }, { start: 0, end: 5 }, { start: 7, end: 9 }]))
      .toEqual([{ start: 0, end: 6 }, { start: 7, end: 9 }]);
    expect([0, 1, 4096, 4097, 8192, 8200, 5008].map(extraBISizeBits)).toEqual([0, 12, 12, 13, 13, 14, 13]);
  });
});

describe('a boot with a device tree', () => {
  const dtb = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + 1) & 0xff);
  const p = bootParams({ dtb, userImageContents: new Uint8Array([1, 2, 3, 4]) });
  const l = bootLayout(p);
  const s = bootSpec(p);
  const bi = bootInfoOf(s, p);

  test('the elfloader places the DTB after the kernel and the image after the DTB', () => {
    expect(p.dtb?.paddr).toBe(0x1002c000);
    expect(p.userImage.paddr).toBe(0x1002e000);
  });

  test('the extra bootinfo block (8 KiB) is cut before the PD and mapped after the bootinfo frame', () => {
    expect(l.extraBIBits).toBe(13);
    expect(l.rootserver.extraBI).toBe(l.rootserver.vspace + 0x4000);
    expect(l.rootserver.asidPool).toBe(l.rootserver.vspace + 0x6000);
    expect(bi.extraLen).toBe(5008);
    expect(bi.extraBIPages).toEqual({ start: 17, end: 19 });
    expect(bi.userImageFrames).toEqual({ start: 19, end: 27 });
    const frames = [17, 18].map((i) => getCap(s, { obj: l.rootserver.cnode, index: i }));
    expect(frames.map((f) => f.kind === 'FrameCap' && f.mapping)).toEqual([{ asid: 1, vaddr: 0x1a000 }, { asid: 1, vaddr: 0x1b000 }]);
    expect(l.itVRegion).toEqual({ start: 0x10000, end: 0x1c000 });
  });

  test('the extra bootinfo holds an FDT header and the blob', () => {
    const at = l.rootserver.extraBI!;
    const first = s.machine.memory.get(at / 4096)!;
    const view = new DataView(first.buffer);
    expect(view.getUint32(0, true)).toBe(6);
    expect(view.getUint32(4, true)).toBe(5008);
    expect(first.slice(8, 16)).toEqual(dtb.slice(0, 8));
    const second = s.machine.memory.get(at / 4096 + 1)!;
    expect(second.slice(0, 912)).toEqual(dtb.slice(4088, 5000));
    expect(s.machine.memory.get(p.userImage.paddr / 4096)?.slice(0, 5)).toEqual(new Uint8Array([1, 2, 3, 4, 0]));
  });
});
