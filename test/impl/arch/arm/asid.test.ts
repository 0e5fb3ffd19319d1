import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../../abi/labels.js';
import { ERROR_CODE } from '../../../../abi/errors.js';
import { PD_ASID_SLOT } from '../../../../abi/bootinfo.js';
import { TLB_MISS } from '../../../../hardware/tlb.js';
import { Translation, walk } from '../../../../hardware/mmu.js';
import * as A from '../../../../impl/object/arch-cap.js';
import * as C from '../../../../impl/object/cap.js';
import { cteWriteMdb } from '../../../../impl/object/mdb.js';
import { findFreeHWASID, getHWASID } from '../../../../impl/arch/arm/asid.js';
import { invoke, rootSlot } from '../../fixture.js';
import { VM, makeVMKernel } from './vm-fixture.js';

describe('hardware ASIDs', () => {
  it('taking back a hardware ASID flushes its TLB entries', () => {
    const k = makeVMKernel();
    const pde = 0x00200000 | 0xc02 | (1 << 17); // a user section, read-write, not global
    k.mem.write32(VM.pd, pde);
    const hw = getHWASID(k, 1);
    const t = new Translation();
    walk(k.mem, VM.pd, 0x1000, t);
    k.tlb.fill(hw, t);
    for (let i = 0; i < 256; i++) if (i !== hw) k.armKSHWASIDTable[i] = 7;
    k.armKSNextASID = hw;
    expect(findFreeHWASID(k)).toBe(hw);
    expect(k.tlb.lookup(hw, 0x1000, 'read')).toBe(TLB_MISS);
    expect(k.mem.read32(VM.pd + 4 * PD_ASID_SLOT)).toBe(0);
    expect(k.armKSNextASID).toBe(hw + 1);
  });
});

describe('ASID control and pools', () => {
  it('MakePool turns a 4 KiB untyped into the next ASID pool', () => {
    const k = makeVMKernel();
    const ut = 0x10300000;
    k.writeCap(rootSlot(40), ...([C.untypedCapNew(C.capWords(), 0, 0, 12, ut)].map((c) => [c.w0, c.w1])[0] as [number, number]));
    cteWriteMdb(k.mem, rootSlot(40), 0, 0, 1, 1);
    const r = invoke(k, VM.slot.asidControl, { label: LABEL.ARMASIDControlMakePool, mrs: [41, 32], caps: [40, 2] });
    expect(r.label).toBe(0);
    expect(k.armKSASIDTable[1]).toBe(ut);
    const cap = k.readCap(rootSlot(41));
    expect([A.asidPoolCapGetCapASIDPool(cap.w0), A.asidPoolCapGetCapASIDBase(cap.w1)]).toEqual([ut, 1024]);
    expect(k.ghost.get(ut)?.kind).toBe('ASIDPool');
    const again = invoke(k, VM.slot.asidControl, { label: LABEL.ARMASIDControlMakePool, mrs: [42, 32], caps: [40, 2] });
    expect(again.label).toBe(ERROR_CODE.RevokeFirst);
  });

  it('Assign gives an unassigned PD the first free ASID; errors in seL4 order', () => {
    const k = makeVMKernel();
    const pd2 = 0x10400000;
    const cap = A.pageDirectoryCapNew(C.capWords(), 0, 0, pd2);
    k.writeCap(rootSlot(45), cap.w0, cap.w1);
    cteWriteMdb(k.mem, rootSlot(45), 0, 0, 1, 1);
    expect(invoke(k, VM.slot.pool, { label: LABEL.ARMASIDPoolAssign }).label).toBe(ERROR_CODE.TruncatedMessage);
    const mapped = invoke(k, VM.slot.pool, { label: LABEL.ARMASIDPoolAssign, caps: [VM.slot.pd] });
    expect([mapped.label, mapped.mrs[0]]).toEqual([ERROR_CODE.InvalidCapability, 1]);
    expect(invoke(k, VM.slot.pool, { label: LABEL.ARMASIDPoolAssign, caps: [45] }).label).toBe(0);
    const after = k.readCap(rootSlot(45));
    expect([A.pageDirectoryCapGetCapPDIsMapped(after.w0), A.pageDirectoryCapGetCapPDMappedASID(after.w1)]).toEqual([1, 2]);
    expect(k.mem.read32(VM.pool + 8)).toBe(pd2);
  });

  it('deleting the pool flushes its ASIDs; the thread then runs on the global PD', () => {
    const k = makeVMKernel();
    const hw = getHWASID(k, 1);
    const t = new Translation();
    k.mem.write32(VM.pd, 0x00200000 | 0xc02 | (1 << 17));
    walk(k.mem, VM.pd, 0, t);
    k.tlb.fill(hw, t);
    expect(invoke(k, 2, { label: LABEL.CNodeDelete, mrs: [VM.slot.pool, 32] }).label).toBe(0);
    expect(k.armKSASIDTable[0]).toBe(0);
    expect(k.armKSHWASIDTable[hw]).toBe(0);
    expect(k.tlb.lookup(hw, 0, 'read')).toBe(TLB_MISS);
    expect(k.cpu.translationTableBase).toBe(VM.globalPD);
  });
});
