import { describe, expect, test } from 'vitest';
import { resolveVAddr, unmapPage } from '../../../../spec/arch/arm/vspace.js';
import { getCap, setCap } from '../../../../spec/kernel/cspace-access.js';
import type { KernelState } from '../../../../spec/state/kernel-state.js';
import { A, expectOk, makeVMState, pdEntries, ptEntries, rootSlot, SLOT, V, VS } from './vm-fixture.js';

const s0 = makeVMState();
const del = (slot: number) => ({ cptr: SLOT.cnode, label: 'CNodeDelete' as const, mrs: [slot, 32] });

// The root PD with a page table at 3 MiB, the small frame at 0x301000 (through VS.small) and
// the large frame at 0x310000.
function mappedSpace(): KernelState {
  const s1 = expectOk(s0, { cptr: VS.pt, label: 'ARMPageTableMap', mrs: [0x00300000, 0], extraCaps: [SLOT.pd] });
  const s2 = expectOk(s1, { cptr: VS.small, label: 'ARMPageMap', mrs: [0x00301000, 3, 1], extraCaps: [SLOT.pd] });
  return expectOk(s2, { cptr: VS.large, label: 'ARMPageMap', mrs: [0x00310000, 3, 1], extraCaps: [SLOT.pd] });
}

describe('lookups', () => {
  test('resolve_vaddr gives size and frame base for every kind of entry', () => {
    const s1 = expectOk(mappedSpace(), { cptr: VS.superSection, label: 'ARMPageMap', mrs: [0x01000000, 3, 1], extraCaps: [SLOT.pd] });
    expect(resolveVAddr(s1, A.rootPD, 0x00301234)).toEqual({ size: 'ARMSmallPage', frame: V.small });
    expect(resolveVAddr(s1, A.rootPD, 0x0031f000)).toEqual({ size: 'ARMLargePage', frame: V.large });
    expect(resolveVAddr(s1, A.rootPD, 0x01ffffff)).toEqual({ size: 'ARMSuperSection', frame: V.superSection });
    expect(resolveVAddr(s1, A.rootPD, 0x00302000)).toBeNull();
    expect(resolveVAddr(s1, A.rootPD, 0x00400000)).toBeNull();
  });
});

describe('unmapping on deletion', () => {
  test('deleting a mapped frame cap unmaps it, even when it is not the final cap', () => {
    const s1 = expectOk(mappedSpace(), del(VS.small));
    expect(Object.keys(ptEntries(s1, V.pt)).map(Number)).toEqual(Array.from({ length: 16 }, (_, i) => 0x10 + i));
    const s2 = expectOk(s1, del(VS.large));
    expect(ptEntries(s2, V.pt)).toEqual({});
  });

  test('deleting the final page table cap removes the table from its directory', () => {
    const s1 = expectOk(mappedSpace(), del(VS.pt));
    expect(pdEntries(s1, A.rootPD)).toEqual({});
    // Its frames' caps still record mappings, now stale: unmapping them is a no-op.
    expect(getCap(s1, rootSlot(VS.small))).toMatchObject({ mapping: { asid: 1, vaddr: 0x00301000 } });
    expect(unmapPage(s1, 'ARMSmallPage', 1, 0x00301000, V.small)).toBe(s1);
  });

  test('a non-final page table cap leaves the mapping', () => {
    const s1 = mappedSpace();
    const s2 = expectOk(setCap(s1, rootSlot(VS.free), getCap(s1, rootSlot(VS.pt))), del(VS.pt));
    expect(pdEntries(s2, A.rootPD)[3]).toMatchObject({ kind: 'PageTablePDE', table: V.pt });
  });

  test('deleting an assigned page directory cap frees its ASID and hardware ASID', () => {
    const s1 = expectOk(s0, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [VS.pd2] });
    const s2 = expectOk(s1, { cptr: VS.section, label: 'ARMPageMap', mrs: [0x00500000, 3, 1], extraCaps: [VS.pd2] });
    const s3 = expectOk(s2, { cptr: VS.section, label: 'ARMPageClean_Data', mrs: [0, 4] });
    expect(s3.arch.asidMap.get(2)?.pd).toBe(V.pd2);
    const s4 = expectOk(s3, del(VS.pd2));
    expect(s4.arch.asidMap.has(2)).toBe(false);
    expect([...s4.arch.hwASIDTable.values()]).not.toContain(2);
    const pool = s4.kheap.get(A.asidPool);
    expect(pool?.kind === 'ASIDPool' && pool.entries.has(2)).toBe(false);
    // The frame's cap now names a vanished ASID: unmapping it is a no-op, deleting it too.
    const s5 = expectOk(s4, del(VS.section));
    expect(pdEntries(s5, V.pd2)[5]).toMatchObject({ kind: 'SectionPDE' });
  });

  test('deleting the ASID pool cap unregisters the pool and every ASID in it', () => {
    const s1 = expectOk(s0, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [VS.pd2] });
    const s2 = expectOk(s1, { cptr: VS.section, label: 'ARMPageMap', mrs: [0x00500000, 3, 1], extraCaps: [VS.pd2] });
    const s3 = expectOk(s2, { cptr: VS.section, label: 'ARMPageClean_Data', mrs: [0, 4] });
    expect(s3.arch.asidMap.size).toBe(2);
    const s4 = expectOk(s3, del(SLOT.asidPool));
    expect(s4.arch.asidTable.has(0)).toBe(false);
    expect(s4.arch.asidMap.size).toBe(0);
    expect(s4.arch.hwASIDTable.size).toBe(0);
  });
});
