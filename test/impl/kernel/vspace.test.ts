import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import { PD_ASID_SLOT } from '../../../abi/bootinfo.js';
import * as A from '../../../impl/object/arch-cap.js';
import * as C from '../../../impl/object/cap.js';
import { cteWriteMdb } from '../../../impl/object/mdb.js';
import { TCB_VTABLE, tcbCte } from '../../../impl/object/tcb-layout.js';
import { setVMRoot } from '../../../impl/kernel/vspace.js';
import { findFreeHWASID, getHWASID } from '../../../impl/arch/arm/asid.js';
import { SLOT, invoke, makeKernel, rootSlot } from '../fixture.js';

const POOL = 0x10070000;
const PD = 0x10080000;

function withAddressSpace() {
  const k = makeKernel();
  k.armKSASIDTable[0] = POOL;
  k.mem.write32(POOL + 4 * 1, PD);
  const pdCap = A.pageDirectoryCapNew(C.capWords(), 1, 1, PD);
  k.writeCap(tcbCte(k.ksCurThread, TCB_VTABLE), pdCap.w0, pdCap.w1);
  cteWriteMdb(k.mem, tcbCte(k.ksCurThread, TCB_VTABLE), 0, 0, 1, 1);
  const poolCap = A.asidPoolCapNew(C.capWords(), 0, POOL);
  k.writeCap(rootSlot(30), poolCap.w0, poolCap.w1);
  cteWriteMdb(k.mem, rootSlot(30), 0, 0, 1, 1);
  return k;
}

describe('hardware ASIDs', () => {
  it('setVMRoot gives the thread\'s ASID a hardware ASID, stored in the PD', () => {
    const k = withAddressSpace();
    setVMRoot(k, k.ksCurThread);
    expect(k.armKSHWASIDTable[0]).toBe(1);
    expect(k.mem.read32(PD + 4 * PD_ASID_SLOT)).toBe((1 << 23) >>> 0);
    expect(getHWASID(k, 1)).toBe(0);
  });
  it('when all 256 are taken, the one at armKSNextASID is taken back', () => {
    const k = withAddressSpace();
    setVMRoot(k, k.ksCurThread);
    for (let i = 1; i < 256; i++) k.armKSHWASIDTable[i] = 1;
    expect(findFreeHWASID(k)).toBe(0);
    expect(k.armKSNextASID).toBe(1);
    expect(k.mem.read32(PD + 4 * PD_ASID_SLOT)).toBe(0);
  });
  it('deleting the final assigned PD cap releases its ASID; deleting the pool cap unregisters the pool', () => {
    const k = withAddressSpace();
    setVMRoot(k, k.ksCurThread);
    expect(invoke(k, SLOT.cnode, { label: LABEL.CNodeDelete, mrs: [30, 32] }).label).toBe(0);
    expect(k.armKSASIDTable[0]).toBe(0);
    expect(k.armKSHWASIDTable[0]).toBe(0);
  });
});
