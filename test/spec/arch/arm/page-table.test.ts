import { describe, expect, test } from 'vitest';
import { ERROR_CODE as E } from '../../../../abi/errors.js';
import { getCap, setCap } from '../../../../spec/kernel/cspace-access.js';
import { A, expectError, expectOk, makeVMState, pdEntries, ptEntries, rootSlot, SLOT, V, VS } from './vm-fixture.js';

const s0 = makeVMState();
const map = (vaddr: number, attr = 2, pd: number = SLOT.pd) => ({ cptr: VS.pt, label: 'ARMPageTableMap' as const, mrs: [vaddr, attr], extraCaps: [pd] });

describe('ARMPageTableMap', () => {
  test('ok: the PDE points at the table with the parity attribute, the cap records the MiB', () => {
    const s1 = expectOk(s0, map(0x00345678, 2));
    expect(pdEntries(s1, A.rootPD)).toEqual({ 3: { kind: 'PageTablePDE', table: V.pt, parityEnabled: true } });
    expect(getCap(s1, rootSlot(VS.pt))).toEqual({ kind: 'PageTableCap', ptr: V.pt, mapping: { asid: 1, vaddr: 0x00300000 } });
    const s2 = expectOk(s0, { ...map(0x00400000, 5), cptr: VS.pt2 });
    expect(pdEntries(s2, A.rootPD)).toEqual({ 4: { kind: 'PageTablePDE', table: V.pt2, parityEnabled: false } });
  });

  test('errors in seL4 order', () => {
    expectError(s0, { ...map(0), mrs: [0] }, 'TruncatedMessage', E.TruncatedMessage);
    expectError(s0, { ...map(0), extraCaps: [] }, 'TruncatedMessage', E.TruncatedMessage);
    const s1 = expectOk(s0, map(0x00300000));
    // Already mapped comes before a bad PD cap.
    expectError(s1, map(0x00500000, 0, SLOT.ep), 'InvalidCapability', E.InvalidCapability, [0]);
    expectError(s0, map(0x00300000, 0, VS.pd2), 'InvalidCapability', E.InvalidCapability, [1]);
    expectError(s0, map(0x00300000, 0, SLOT.ep), 'InvalidCapability', E.InvalidCapability, [1]);
    expectError(s0, map(0xe0000000), 'InvalidArgument', E.InvalidArgument, [0]);
    // A PD cap whose ASID is gone, or names another directory.
    const stale = setCap(s0, rootSlot(VS.pd2), { kind: 'PageDirectoryCap', ptr: V.pd2, asid: 2 });
    expectError(stale, map(0, 0, VS.pd2), 'FailedLookup', E.FailedLookup, [0, 1]);
    const wrong = setCap(s0, rootSlot(VS.pd2), { kind: 'PageDirectoryCap', ptr: V.pd2, asid: 1 });
    expectError(wrong, map(0, 0, VS.pd2), 'InvalidCapability', E.InvalidCapability, [1]);
    expectError({ ...s1 }, { ...map(0x00300000), cptr: VS.pt2 }, 'DeleteFirst', E.DeleteFirst);
  });
});

describe('ARMPageTableUnmap', () => {
  test('ok: clears the PDE, every PTE, and the cap record', () => {
    const s1 = expectOk(s0, map(0x00300000));
    const s2 = expectOk(s1, { cptr: VS.small, label: 'ARMPageMap', mrs: [0x00301000, 3, 1], extraCaps: [SLOT.pd] });
    expect(Object.keys(ptEntries(s2, V.pt))).toEqual(['1']);
    const s3 = expectOk(s2, { cptr: VS.pt, label: 'ARMPageTableUnmap' });
    expect(pdEntries(s3, A.rootPD)).toEqual({});
    expect(ptEntries(s3, V.pt)).toEqual({});
    expect(getCap(s3, rootSlot(VS.pt))).toMatchObject({ mapping: null });
    // An unmapped cap unmaps nothing.
    expect(expectOk(s0, { cptr: VS.pt, label: 'ARMPageTableUnmap' }).kheap).toEqual(s0.kheap);
  });

  test('RevokeFirst unless final; a foreign label is IllegalOperation', () => {
    const s1 = setCap(s0, rootSlot(VS.free), getCap(s0, rootSlot(VS.pt)));
    expectError(s1, { cptr: VS.pt, label: 'ARMPageTableUnmap' }, 'RevokeFirst', E.RevokeFirst);
    expectError(s0, { cptr: VS.pt, label: 'ARMPageMap' }, 'IllegalOperation', E.IllegalOperation);
  });
});
