import { describe, expect, test } from 'vitest';
import { ERROR_CODE as E } from '../../../../abi/errors.js';
import { cdtParent } from '../../../../spec/kernel/cdt.js';
import { getCap, setCap, setOriginal } from '../../../../spec/kernel/cspace-access.js';
import { A, expectError, expectOk, makeVMState, rootSlot, SLOT, V, VS } from './vm-fixture.js';

const s0 = makeVMState();
const UT = VS.free + 1;
const withUntyped = setOriginal(setCap(s0, rootSlot(UT), { kind: 'UntypedCap', isDevice: false, ptr: 0x10080000, sizeBits: 12, freeIndex: 0 }), rootSlot(UT), true);
const makePool = (index: number, depth = 32, ut = UT) => ({ cptr: SLOT.asidControl, label: 'ARMASIDControlMakePool' as const, mrs: [index, depth], extraCaps: [ut, SLOT.cnode] });

describe('ARMASIDControlMakePool', () => {
  test('ok: the lowest free table entry, a pool cap child of the untyped, untyped full', () => {
    const s1 = expectOk(withUntyped, makePool(VS.free));
    expect(s1.arch.asidTable.get(1)).toBe(0x10080000);
    expect(getCap(s1, rootSlot(VS.free))).toEqual({ kind: 'ASIDPoolCap', ptr: 0x10080000, asidBase: 1024 });
    expect(cdtParent(s1, rootSlot(VS.free))).toEqual(rootSlot(UT));
    expect(getCap(s1, rootSlot(UT))).toMatchObject({ freeIndex: 4096 });
    expect(s1.kheap.get(0x10080000)).toMatchObject({ kind: 'ASIDPool' });
  });

  test('errors in seL4 order', () => {
    expectError(withUntyped, { ...makePool(VS.free), extraCaps: [UT] }, 'TruncatedMessage', E.TruncatedMessage);
    const full = { ...withUntyped, arch: { ...withUntyped.arch, asidTable: withUntyped.arch.asidTable.withMutations((t) => { for (let i = 0; i < 128; i++) t.set(i, A.asidPool); }) } };
    expectError(full, makePool(VS.free, 32, SLOT.ep), 'DeleteFirst', E.DeleteFirst);
    expectError(withUntyped, makePool(VS.free, 32, SLOT.untyped), 'InvalidCapability', E.InvalidCapability, [1]);
    expectError(withUntyped, makePool(VS.free, 32, SLOT.ep), 'InvalidCapability', E.InvalidCapability, [1]);
    const dev = setCap(withUntyped, rootSlot(UT), { kind: 'UntypedCap', isDevice: true, ptr: 0x10080000, sizeBits: 12, freeIndex: 0 });
    expectError(dev, makePool(VS.free), 'InvalidCapability', E.InvalidCapability, [1]);
    const parent = expectOk(withUntyped, { cptr: UT, label: 'UntypedRetype', mrs: [2, 0, 0, 0, VS.free + 2, 1], extraCaps: [SLOT.cnode] });
    expectError(parent, makePool(VS.free), 'RevokeFirst', E.RevokeFirst);
    expectError(withUntyped, makePool(VS.free, 0), 'RangeError', E.RangeError, [1, 32]);
    expectError(withUntyped, makePool(SLOT.ep), 'DeleteFirst', E.DeleteFirst);
    expectError(withUntyped, { cptr: SLOT.asidControl, label: 'ARMASIDPoolAssign' }, 'IllegalOperation', E.IllegalOperation);
  });
});

describe('ARMASIDPoolAssign', () => {
  test('ok: the lowest free ASID (never 0) goes into the cap and the pool', () => {
    const s1 = expectOk(s0, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [VS.pd2] });
    expect(getCap(s1, rootSlot(VS.pd2))).toEqual({ kind: 'PageDirectoryCap', ptr: V.pd2, asid: 2 });
    const pool = s1.kheap.get(A.asidPool);
    expect(pool?.kind === 'ASIDPool' && pool.entries.toJS()).toEqual({ 1: A.rootPD, 2: V.pd2 });
  });

  test('errors in seL4 order', () => {
    expectError(s0, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign' }, 'TruncatedMessage', E.TruncatedMessage);
    expectError(s0, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [SLOT.pd] }, 'InvalidCapability', E.InvalidCapability, [1]);
    const unreg = { ...s0, arch: { ...s0.arch, asidTable: s0.arch.asidTable.delete(0) } };
    expectError(unreg, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [VS.pd2] }, 'FailedLookup', E.FailedLookup, [0, 1]);
    const wrong = setCap(s0, rootSlot(SLOT.asidPool), { kind: 'ASIDPoolCap', ptr: V.pt, asidBase: 0 });
    expectError(wrong, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [VS.pd2] }, 'InvalidCapability', E.InvalidCapability, [0]);
    const pool = s0.kheap.get(A.asidPool);
    if (pool?.kind !== 'ASIDPool') throw new Error('no pool');
    const fullPool = { ...s0, kheap: s0.kheap.set(A.asidPool, { kind: 'ASIDPool' as const, entries: pool.entries.withMutations((m) => { for (let i = 1; i < 1024; i++) m.set(i, A.rootPD); }) }) };
    expectError(fullPool, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [VS.pd2] }, 'DeleteFirst', E.DeleteFirst);
    expectError(s0, { cptr: SLOT.asidPool, label: 'ARMPageMap' }, 'IllegalOperation', E.IllegalOperation);
  });
});
