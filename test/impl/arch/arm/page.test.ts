import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../../abi/labels.js';
import { ERROR_CODE } from '../../../../abi/errors.js';
import { PD_ASID_SLOT } from '../../../../abi/bootinfo.js';
import { translate } from '../../../../hardware/mmu.js';
import { TLB_MISS } from '../../../../hardware/tlb.js';
import { pteAccessPermissions, pteType, PTE_TYPE_LARGE, PTE_TYPE_SMALL } from '../../../../hardware/descriptors.js';
import * as A from '../../../../impl/object/arch-cap.js';
import { setVMRoot } from '../../../../impl/kernel/vspace.js';
import { invoke, rootSlot } from '../../fixture.js';
import { ATTR_DEFAULT, RIGHTS_RO, RIGHTS_RW, VM, makeVMKernel } from './vm-fixture.js';
import type { Kernel } from '../../../../impl/kernel/kernel.js';

const V = 0x00100000; // a user MiB

function mapPT(k: Kernel, vaddr = V): number {
  return invoke(k, VM.slot.pt, { label: LABEL.ARMPageTableMap, mrs: [vaddr, ATTR_DEFAULT], caps: [VM.slot.pd] }).label;
}

function mapPage(k: Kernel, slot: number, vaddr: number, rights = RIGHTS_RW, attr = ATTR_DEFAULT) {
  return invoke(k, slot, { label: LABEL.ARMPageMap, mrs: [vaddr, rights, attr], caps: [VM.slot.pd] });
}

function capOf(k: Kernel, slot: number): { w0: number; w1: number } {
  const c = k.readCap(rootSlot(slot));
  return { w0: c.w0, w1: c.w1 };
}

describe('ARMPageMap', () => {
  it('writes a small-page PTE the MMU walks, and records the mapping in the cap', () => {
    const k = makeVMKernel();
    expect(mapPT(k)).toBe(0);
    expect(mapPage(k, VM.slot.small, V + 0x3000).label).toBe(0);
    const t = translate(k.mem, VM.pd, V + 0x3abc, 'write');
    expect(t.ok).toBe(true);
    expect(t.paddr).toBe(VM.small + 0xabc);
    expect(t.global).toBe(false);
    const c = capOf(k, VM.slot.small);
    expect(A.genericFrameCapGetCapFMappedASID(c.w0, c.w1)).toBe(1);
    expect(A.genericFrameCapGetCapFMappedAddress(c.w0, c.w1)).toBe(V + 0x3000);
  });

  it('encodes read-only rights as AP 0b10: user loads work, user stores fault', () => {
    const k = makeVMKernel();
    mapPT(k);
    expect(mapPage(k, VM.slot.small, V, RIGHTS_RO).label).toBe(0);
    const pte = k.mem.read32(VM.pt);
    expect(pteAccessPermissions(pte)).toBe(2);
    expect(translate(k.mem, VM.pd, V, 'read').ok).toBe(true);
    expect(translate(k.mem, VM.pd, V, 'write').ok).toBe(false);
  });

  it('writes a large page as 16 identical PTEs and unmaps all 16', () => {
    const k = makeVMKernel();
    mapPT(k);
    expect(mapPage(k, VM.slot.large, V + 0x10000).label).toBe(0);
    for (let i = 0; i < 16; i++) expect(pteType(k.mem.read32(VM.pt + 4 * (16 + i)))).toBe(PTE_TYPE_LARGE);
    expect(translate(k.mem, VM.pd, V + 0x1f004, 'read').paddr).toBe(VM.large + 0xf004);
    expect(invoke(k, VM.slot.large, { label: LABEL.ARMPageUnmap }).label).toBe(0);
    for (let i = 0; i < 16; i++) expect(k.mem.read32(VM.pt + 4 * (16 + i))).toBe(0);
    const c = capOf(k, VM.slot.large);
    expect(A.genericFrameCapGetCapFMappedASID(c.w0, c.w1)).toBe(0);
  });

  it('writes a supersection as 16 PDEs and a section as one', () => {
    const k = makeVMKernel();
    expect(mapPage(k, VM.slot.superSection, 0x01000000).label).toBe(0);
    expect(mapPage(k, VM.slot.section, 0x02000000).label).toBe(0);
    for (let i = 0; i < 16; i++) expect(k.mem.read32(VM.pd + 4 * (16 + i)) >>> 0).toBe(k.mem.read32(VM.pd + 4 * 16) >>> 0);
    expect(translate(k.mem, VM.pd, 0x01f12345, 'read').paddr).toBe(VM.superSection + 0xf12345);
    expect(translate(k.mem, VM.pd, 0x02012345, 'execute').paddr).toBe(VM.section + 0x12345);
  });

  it('checks in seL4 order: truncation, PD cap, kernel window, alignment, missing table, occupied slot', () => {
    const k = makeVMKernel();
    expect(invoke(k, VM.slot.small, { label: LABEL.ARMPageMap, mrs: [V, 3] , caps: [VM.slot.pd] }).label).toBe(ERROR_CODE.TruncatedMessage);
    const notPD = invoke(k, VM.slot.small, { label: LABEL.ARMPageMap, mrs: [V, 3, 0], caps: [VM.slot.pool] });
    expect([notPD.label, notPD.mrs[0]]).toEqual([ERROR_CODE.InvalidCapability, 1]);
    const kw = mapPage(k, VM.slot.small, 0xdffff001);
    expect([kw.label, kw.mrs[0]]).toEqual([ERROR_CODE.InvalidArgument, 0]);
    expect(mapPage(k, VM.slot.small, 0xdfffe001).label).toBe(ERROR_CODE.AlignmentError);
    const noPT = mapPage(k, VM.slot.small, V);
    expect(noPT.label).toBe(ERROR_CODE.FailedLookup);
    expect(noPT.mrs).toEqual([0, 2, 20]); // destination lookup; MissingCapability (2), 20 bits left
    mapPT(k);
    mapPage(k, VM.slot.large, V);
    expect(mapPage(k, VM.slot.small, V).label).toBe(ERROR_CODE.DeleteFirst);
    expect(mapPT(k, V)).toBe(ERROR_CODE.InvalidCapability);
  });

  it('a mapped cap may only be remapped at the same ASID and address', () => {
    const k = makeVMKernel();
    mapPT(k);
    mapPage(k, VM.slot.small, V);
    const moved = mapPage(k, VM.slot.small, V + 0x1000);
    expect([moved.label, moved.mrs[0]]).toEqual([ERROR_CODE.InvalidArgument, 0]);
    expect(mapPage(k, VM.slot.small, V, RIGHTS_RO).label).toBe(0);
    expect(pteAccessPermissions(k.mem.read32(VM.pt))).toBe(2);
  });

  it('GetAddress replies with the physical address', () => {
    const k = makeVMKernel();
    const r = invoke(k, VM.slot.section, { label: LABEL.ARMPageGetAddress });
    expect([r.label, r.mrs]).toEqual([0, [VM.section]]);
  });

  it('page flush ops check the mapping and the range', () => {
    const k = makeVMKernel();
    expect(invoke(k, VM.slot.small, { label: LABEL.ARMPageClean_Data, mrs: [0, 4] }).label).toBe(ERROR_CODE.IllegalOperation);
    mapPT(k);
    mapPage(k, VM.slot.small, V);
    expect(invoke(k, VM.slot.small, { label: LABEL.ARMPageClean_Data, mrs: [4, 4] }).mrs[0]).toBe(1);
    const out = invoke(k, VM.slot.small, { label: LABEL.ARMPageUnify_Instruction, mrs: [0, 0x1001] });
    expect([out.label, out.mrs[0]]).toEqual([ERROR_CODE.InvalidArgument, 0]);
    expect(invoke(k, VM.slot.small, { label: LABEL.ARMPageInvalidate_Data, mrs: [0, 0x1000] }).label).toBe(0);
  });
});

describe('TLB maintenance', () => {
  function withCachedPage(): Kernel {
    const k = makeVMKernel();
    setVMRoot(k, k.ksCurThread);
    mapPT(k);
    mapPage(k, VM.slot.small, V);
    expect(k.tlb.translate(k.mem, k.cpu.ttbr0, k.cpu.asid, V, 'read')).toBe(VM.small);
    return k;
  }

  it('the context switch loads the PD and the hardware ASID into the CPU', () => {
    const k = makeVMKernel();
    setVMRoot(k, k.ksCurThread);
    expect(k.cpu.translationTableBase).toBe(VM.pd);
    expect(k.cpu.asid).toBe(k.mem.read32(VM.pd + 4 * PD_ASID_SLOT) >>> 24);
  });

  it('unmapping a page flushes its TLB entry', () => {
    const k = withCachedPage();
    invoke(k, VM.slot.small, { label: LABEL.ARMPageUnmap });
    expect(k.tlb.lookup(k.cpu.asid, V, 'read')).toBe(TLB_MISS);
    expect(k.tlb.staleEntries(k.mem, () => VM.pd)).toEqual([]);
  });

  it('mapping over a live entry flushes the ASID', () => {
    const k = withCachedPage();
    expect(mapPage(k, VM.slot.small, V, RIGHTS_RO).label).toBe(0);
    expect(k.tlb.lookup(k.cpu.asid, V, 'read')).toBe(TLB_MISS);
  });

  it('deleting a mapped frame cap unmaps the frame and flushes', () => {
    const k = withCachedPage();
    expect(invoke(k, 2, { label: LABEL.CNodeDelete, mrs: [VM.slot.small, 32] }).label).toBe(0);
    expect(pteType(k.mem.read32(VM.pt)) & PTE_TYPE_SMALL).toBe(0);
    expect(k.tlb.lookup(k.cpu.asid, V, 'read')).toBe(TLB_MISS);
  });

  it('deleting the page-table cap unmaps the table and flushes the ASID', () => {
    const k = withCachedPage();
    expect(invoke(k, 2, { label: LABEL.CNodeDelete, mrs: [VM.slot.pt, 32] }).label).toBe(0);
    expect(k.mem.read32(VM.pd + 4 * (V >>> 20))).toBe(0);
    expect(k.tlb.entries()).toEqual([]);
  });

  it('PageTableUnmap clears the table and marks the cap unmapped', () => {
    const k = withCachedPage();
    expect(invoke(k, VM.slot.pt, { label: LABEL.ARMPageTableUnmap }).label).toBe(0);
    expect(k.mem.read32(VM.pt)).toBe(0);
    expect(A.pageTableCapGetCapPTIsMapped(capOf(k, VM.slot.pt).w1)).toBe(0);
    expect(k.tlb.entries()).toEqual([]);
  });
});
