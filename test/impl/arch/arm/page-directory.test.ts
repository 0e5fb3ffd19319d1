import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../../abi/labels.js';
import { ERROR_CODE } from '../../../../abi/errors.js';
import { invoke } from '../../fixture.js';
import { ATTR_DEFAULT, VM, makeVMKernel } from './vm-fixture.js';

const flush = (mrs: number[]) => ({ label: LABEL.ARMPDClean_Data, mrs });

describe('page-directory cache operations', () => {
  it('check range, kernel window, frame boundary; an unmapped start is a no-op', () => {
    const k = makeVMKernel();
    expect(invoke(k, VM.slot.pd, { label: LABEL.ARMPDClean_Data, mrs: [0] }).label).toBe(ERROR_CODE.TruncatedMessage);
    expect(invoke(k, VM.slot.pd, flush([8, 8])).mrs).toEqual([1]);
    expect(invoke(k, VM.slot.pd, flush([0xdffff000, 0xe0000001])).label).toBe(ERROR_CODE.IllegalOperation);
    expect(invoke(k, VM.slot.pd, flush([0x02000000, 0x02000100])).label).toBe(0);
    invoke(k, VM.slot.section, { label: LABEL.ARMPageMap, mrs: [0x02000000, 3, ATTR_DEFAULT], caps: [VM.slot.pd] });
    const across = invoke(k, VM.slot.pd, flush([0x020ff000, 0x02100001]));
    expect([across.label, across.mrs]).toEqual([ERROR_CODE.RangeError, [0x020ff000, 0x020fffff]]);
    expect(invoke(k, VM.slot.pd, { label: LABEL.ARMPDUnify_Instruction, mrs: [0x02000000, 0x02100000] }).label).toBe(0);
  });

  it('other labels are IllegalOperation', () => {
    const k = makeVMKernel();
    expect(invoke(k, VM.slot.pd, { label: LABEL.ARMPageMap, mrs: [0, 0, 0] }).label).toBe(ERROR_CODE.IllegalOperation);
  });
});
