import { describe, expect, test } from 'vitest';
import { ERROR_CODE as E } from '../../../../abi/errors.js';
import { setCap } from '../../../../spec/kernel/cspace-access.js';
import { expectError, expectOk, invoke, makeVMState, rootSlot, SLOT, V, VS } from './vm-fixture.js';

const s0 = makeVMState();
const withSection = expectOk(s0, { cptr: VS.section, label: 'ARMPageMap', mrs: [0x00500000, 3, 1], extraCaps: [SLOT.pd] });
const flush = (start: number, end: number, cptr: number = SLOT.pd) => ({ cptr, label: 'ARMPDClean_Data' as const, mrs: [start, end] });

describe('ARMPD flushes', () => {
  test('ok within one frame, and a no-op where nothing is mapped', () => {
    for (const label of ['ARMPDClean_Data', 'ARMPDInvalidate_Data', 'ARMPDCleanInvalidate_Data', 'ARMPDUnify_Instruction'] as const) {
      expectOk(withSection, { ...flush(0x00500010, 0x005fffff), label });
    }
    expect(expectOk(s0, flush(0x1000, 0x2000)).arch).toEqual(s0.arch);
  });

  test('errors in seL4 order', () => {
    expectError(withSection, { ...flush(0, 0), mrs: [0] }, 'TruncatedMessage', E.TruncatedMessage);
    expectError(withSection, flush(8, 8), 'InvalidArgument', E.InvalidArgument, [1]);
    expectError(withSection, flush(0xdffff000, 0xe0000001), 'IllegalOperation', E.IllegalOperation);
    expectError(withSection, flush(0xe0000000, 0xe0000010), 'IllegalOperation', E.IllegalOperation);
    expectError(withSection, flush(0, 4, VS.pd2), 'InvalidCapability', E.InvalidCapability, [0]);
    const stale = setCap(withSection, rootSlot(VS.pd2), { kind: 'PageDirectoryCap', ptr: V.pd2, asid: 5 });
    expectError(stale, flush(0, 4, VS.pd2), 'FailedLookup', E.FailedLookup, [0, 1]);
    const other = setCap(withSection, rootSlot(VS.pd2), { kind: 'PageDirectoryCap', ptr: V.pd2, asid: 1 });
    expectError(other, flush(0, 4, VS.pd2), 'InvalidCapability', E.InvalidCapability, [0]);
    expectError(withSection, flush(0x00500010, 0x00600001), 'RangeError', E.RangeError, [0x00500010, 0x005fffff]);
    expectError(withSection, { cptr: SLOT.pd, label: 'ARMPageMap' }, 'IllegalOperation', E.IllegalOperation);
  });

  test('flushing another space switches there and back: both ASIDs get hardware ASIDs', () => {
    const s1 = expectOk(withSection, { cptr: SLOT.asidPool, label: 'ARMASIDPoolAssign', extraCaps: [VS.pd2] });
    const s2 = expectOk(s1, { cptr: VS.superSection, label: 'ARMPageMap', mrs: [0x01000000, 3, 1], extraCaps: [VS.pd2] });
    const { state } = invoke(s2, flush(0x01000000, 0x01000100, VS.pd2));
    expect(state.arch.asidMap.get(2)).toEqual({ hwASID: 0, pd: V.pd2 });
    expect(state.arch.asidMap.get(1)).toEqual({ hwASID: 1, pd: s0.arch.asidMap.get(1)?.pd ?? 0x10014000 });
  });
});
