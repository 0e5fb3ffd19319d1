import { describe, expect, test } from 'vitest';
import { ERROR_CODE as E } from '../../../../abi/errors.js';
import type { KernelState } from '../../../../spec/state/kernel-state.js';
import { getCap, setCap } from '../../../../spec/kernel/cspace-access.js';
import { A, expectError, expectOk, invoke, makeVMState, pdEntries, ptEntries, reply, rootSlot, SLOT, V, VS } from './vm-fixture.js';

const RW = 3;
const withPT = expectOk(makeVMState(), { cptr: VS.pt, label: 'ARMPageTableMap', mrs: [0x00300000, 0], extraCaps: [SLOT.pd] });
const map = (cptr: number, vaddr: number, rights = RW, attr = 1, pd: number = SLOT.pd) => (
  { cptr, label: 'ARMPageMap' as const, mrs: [vaddr, rights, attr], extraCaps: [pd] });

describe('ARMPageMap', () => {
  test('ok for each size: 1 or 16 entries, cap records (ASID, vaddr)', () => {
    const s1 = expectOk(withPT, map(VS.small, 0x00301000, RW, 1 | 4));
    expect(ptEntries(s1, V.pt)[1]).toEqual({
      kind: 'SmallPagePTE', frame: V.small, rights: 'VMReadWrite', attributes: { cacheable: true, parityEnabled: false, executeNever: true },
    });
    expect(getCap(s1, rootSlot(VS.small))).toMatchObject({ mapping: { asid: 1, vaddr: 0x00301000 } });
    const s2 = expectOk(withPT, map(VS.large, 0x00310000, 2, 0));
    const pte = { kind: 'LargePagePTE', frame: V.large, rights: 'VMReadOnly', attributes: { cacheable: false, parityEnabled: false, executeNever: false } };
    expect(ptEntries(s2, V.pt)).toEqual(Object.fromEntries(Array.from({ length: 16 }, (_, i) => [0x10 + i, pte])));
    const s3 = expectOk(withPT, map(VS.section, 0x00500000, RW, 2));
    expect(pdEntries(s3, A.rootPD)[5]).toEqual({
      kind: 'SectionPDE', frame: V.section, rights: 'VMReadWrite', attributes: { cacheable: false, parityEnabled: true, executeNever: false },
    });
    const s4 = expectOk(withPT, map(VS.superSection, 0x01000000, 0, 7));
    const pdes = pdEntries(s4, A.rootPD);
    for (let i = 0x10; i < 0x20; i++) expect(pdes[i]).toMatchObject({ kind: 'SuperSectionPDE', frame: V.superSection, rights: 'VMKernelOnly' });
    expect(pdes[0x20]).toBeUndefined();
  });

  test('rights are the cap rights masked by MR1: write alone gives kernel-only', () => {
    const rightsOf = (mask: number, capRights: 'VMReadWrite' | 'VMReadOnly'): unknown => {
      const s = setCap(withPT, rootSlot(VS.small), { kind: 'FrameCap', isDevice: false, ptr: V.small, rights: capRights, size: 'ARMSmallPage', mapping: null });
      return (ptEntries(expectOk(s, map(VS.small, 0x00301000, mask)), V.pt)[1] as { rights: string }).rights;
    };
    expect(rightsOf(RW, 'VMReadWrite')).toBe('VMReadWrite');
    expect(rightsOf(2, 'VMReadWrite')).toBe('VMReadOnly');
    expect(rightsOf(1, 'VMReadWrite')).toBe('VMKernelOnly');
    expect(rightsOf(RW, 'VMReadOnly')).toBe('VMReadOnly');
  });

  test('remap: same ASID and vaddr changes rights; another frame of the same size may replace a mapping', () => {
    const s1 = expectOk(withPT, map(VS.small, 0x00301000));
    const s2 = expectOk(s1, map(VS.small, 0x00301000, 2));
    expect(ptEntries(s2, V.pt)[1]).toMatchObject({ rights: 'VMReadOnly' });
    expectError(s1, map(VS.small, 0x00302000), 'InvalidArgument', E.InvalidArgument, [0]);
    const other = setCap(s1, rootSlot(VS.pd2), { kind: 'PageDirectoryCap', ptr: V.pd2, asid: 2 });
    expectError(other, map(VS.small, 0x00301000, RW, 1, VS.pd2), 'InvalidCapability', E.InvalidCapability, [1]);
    const s3 = expectOk(s1, map(VS.smallCopy, 0x00301000));
    expect(ptEntries(s3, V.pt)[1]).toMatchObject({ frame: V.small });
  });

  test('errors in seL4 order', () => {
    expectError(withPT, { ...map(VS.small, 0), mrs: [0, 3] }, 'TruncatedMessage', E.TruncatedMessage);
    expectError(withPT, { ...map(VS.small, 0), extraCaps: [] }, 'TruncatedMessage', E.TruncatedMessage);
    expectError(withPT, map(VS.small, 0x00301000, RW, 1, VS.pd2), 'InvalidCapability', E.InvalidCapability, [1]);
    // The end of the frame must lie below the kernel window, computed modulo 2^32.
    expectError(withPT, map(VS.small, 0xdffff000 + 0x1000), 'InvalidArgument', E.InvalidArgument, [0]);
    expectError(withPT, map(VS.superSection, 0xdf000001), 'InvalidArgument', E.InvalidArgument, [0]);
    expectError(withPT, map(VS.small, 0xfffff001), 'AlignmentError', E.AlignmentError);
    const stale = setCap(withPT, rootSlot(VS.pd2), { kind: 'PageDirectoryCap', ptr: V.pd2, asid: 7 });
    expectError(stale, map(VS.small, 0x00301000, RW, 1, VS.pd2), 'FailedLookup', E.FailedLookup, [0, 1]);
    expectError(withPT, map(VS.small, 0x00301001), 'AlignmentError', E.AlignmentError);
    expectError(withPT, map(VS.large, 0x00318000), 'AlignmentError', E.AlignmentError);
    // No page table there: a lookup failure with 20 bits left.
    expectError(withPT, map(VS.small, 0x00401000), 'FailedLookup', E.FailedLookup, [0, 2, 20]);
    // Sizes may not overlap: a small page over a large one, a section over a page table.
    const large = expectOk(withPT, map(VS.large, 0x00310000));
    expectError(large, map(VS.small, 0x00315000), 'DeleteFirst', E.DeleteFirst);
    const small = expectOk(withPT, map(VS.small, 0x00312000));
    expectError(small, map(VS.large, 0x00310000), 'DeleteFirst', E.DeleteFirst);
    expectError(withPT, map(VS.section, 0x00300000), 'DeleteFirst', E.DeleteFirst);
    expectError(withPT, map(VS.superSection, 0x00000000), 'DeleteFirst', E.DeleteFirst);
  });
});

function mapped(): KernelState {
  return expectOk(withPT, map(VS.small, 0x00301000));
}

describe('ARMPageUnmap, GetAddress, flushes', () => {
  test('Unmap clears the entry and the cap; a stale cap leaves the new mapping alone', () => {
    const s1 = expectOk(mapped(), { cptr: VS.small, label: 'ARMPageUnmap' });
    expect(ptEntries(s1, V.pt)).toEqual({});
    expect(getCap(s1, rootSlot(VS.small))).toMatchObject({ mapping: null });
    // A cap recording (ASID 1, 0x301000) for another frame: the entry maps V.small, so it stays.
    const staleCap = { kind: 'FrameCap', isDevice: false, ptr: 0x10070000, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: 1, vaddr: 0x00301000 } } as const;
    const s2 = expectOk(setCap(mapped(), rootSlot(VS.free), staleCap), { cptr: VS.free, label: 'ARMPageUnmap' });
    expect(Object.keys(ptEntries(s2, V.pt))).toEqual(['1']);
    expect(getCap(s2, rootSlot(VS.free))).toMatchObject({ mapping: null });
  });

  test('GetAddress replies with the physical address', () => {
    const { state, outcome } = invoke(withPT, { cptr: VS.section, label: 'ARMPageGetAddress' });
    expect(outcome.result).toBe('ok');
    expect(reply(state)).toMatchObject({ label: 0, length: 1, mrs: [V.section] });
  });

  test('flush: ok within the frame, errors in seL4 order', () => {
    const s1 = mapped();
    expectOk(s1, { cptr: VS.small, label: 'ARMPageClean_Data', mrs: [0, 0x1000] });
    expectOk(s1, { cptr: VS.small, label: 'ARMPageUnify_Instruction', mrs: [4, 8] });
    expectError(s1, { cptr: VS.small, label: 'ARMPageClean_Data', mrs: [0] }, 'TruncatedMessage', E.TruncatedMessage);
    expectError(withPT, { cptr: VS.small, label: 'ARMPageInvalidate_Data', mrs: [0, 4] }, 'IllegalOperation', E.IllegalOperation);
    const gone = setCap(s1, rootSlot(VS.small), { kind: 'FrameCap', isDevice: false, ptr: V.small, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: 9, vaddr: 0x00301000 } });
    expectError(gone, { cptr: VS.small, label: 'ARMPageClean_Data', mrs: [4, 4] }, 'FailedLookup', E.FailedLookup, [0, 1]);
    expectError(s1, { cptr: VS.small, label: 'ARMPageClean_Data', mrs: [4, 4] }, 'InvalidArgument', E.InvalidArgument, [1]);
    const stale = expectOk(s1, { cptr: VS.smallCopy, label: 'ARMPageMap', mrs: [0x00302000, RW, 1], extraCaps: [SLOT.pd] });
    const moved = setCap(stale, rootSlot(VS.small), { kind: 'FrameCap', isDevice: false, ptr: V.small, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: 1, vaddr: 0x00303000 } });
    expectError(moved, { cptr: VS.small, label: 'ARMPageClean_Data', mrs: [0, 4] }, 'InvalidCapability', E.InvalidCapability, [0]);
    expectError(s1, { cptr: VS.small, label: 'ARMPageCleanInvalidate_Data', mrs: [0, 0x1001] }, 'InvalidArgument', E.InvalidArgument, [0]);
    expectError(s1, { cptr: VS.small, label: 'ARMPDClean_Data', mrs: [0, 4] }, 'IllegalOperation', E.IllegalOperation);
  });
});
