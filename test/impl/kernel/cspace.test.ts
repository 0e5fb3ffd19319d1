import { describe, expect, it } from 'vitest';
import { EXCEPTION_LOOKUP_FAULT, EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR } from '../../../impl/kernel/failures.js';
import { lookupSlot, lookupSlotForCNodeOp, resolveAddressBits } from '../../../impl/kernel/cspace.js';
import * as C from '../../../impl/object/cap.js';
import {
  LOOKUP_FAULT_DEPTH_MISMATCH, LOOKUP_FAULT_GUARD_MISMATCH, LOOKUP_FAULT_INVALID_ROOT,
  lookupFaultGetBitsHigh, lookupFaultGetBitsLeftLow, lookupFaultGetType,
} from '../../../impl/object/structures.js';
import { ERROR_CODE } from '../../../abi/errors.js';
import { FX, SLOT, cnode2Slot, makeKernel, rootSlot } from '../fixture.js';

const cap = C.capWords();

describe('resolveAddressBits', () => {
  it('resolves a 32-bit CPtr through the root CNode (guard 24, radix 8)', () => {
    const k = makeKernel();
    const root = k.readCap(rootSlot(SLOT.cnode));
    expect(resolveAddressBits(k, root.w0, root.w1, 17, 32)).toBe(EXCEPTION_NONE);
    expect(k.retSlot).toBe(rootSlot(17));
    expect(k.retBitsRemaining).toBe(0);
  });
  it('a non-CNode root is InvalidRoot', () => {
    const k = makeKernel();
    const ep = k.readCap(rootSlot(SLOT.ep));
    expect(resolveAddressBits(k, ep.w0, ep.w1, 0, 32)).toBe(EXCEPTION_LOOKUP_FAULT);
    expect(lookupFaultGetType(k.currentLookupFaultW0)).toBe(LOOKUP_FAULT_INVALID_ROOT);
  });
  it('a guard mismatch reports bits left, the guard and its size', () => {
    const k = makeKernel();
    C.cnodeCapNew(cap, 4, 3, 5, FX.cnode2);
    expect(resolveAddressBits(k, cap.w0, cap.w1, 0b100_0000, 7)).toBe(EXCEPTION_LOOKUP_FAULT);
    expect(lookupFaultGetType(k.currentLookupFaultW0)).toBe(LOOKUP_FAULT_GUARD_MISMATCH);
    expect(lookupFaultGetBitsHigh(k.currentLookupFaultW0)).toBe(7); // bitsLeft
    expect(lookupFaultGetBitsLeftLow(k.currentLookupFaultW0)).toBe(3); // bitsFound = guard size
    expect(k.currentLookupFaultW1).toBe(5);
    expect(resolveAddressBits(k, cap.w0, cap.w1, 0b101_0011, 7)).toBe(EXCEPTION_NONE);
    expect(k.retSlot).toBe(cnode2Slot(3));
  });
  it('a guard longer than the bits left is a guard mismatch', () => {
    const k = makeKernel();
    C.cnodeCapNew(cap, 4, 3, 0, FX.cnode2);
    expect(resolveAddressBits(k, cap.w0, cap.w1, 0, 2)).toBe(EXCEPTION_LOOKUP_FAULT);
    expect(lookupFaultGetType(k.currentLookupFaultW0)).toBe(LOOKUP_FAULT_GUARD_MISMATCH);
  });
  it('fewer bits than guard + radix is a depth mismatch', () => {
    const k = makeKernel();
    C.cnodeCapNew(cap, 4, 0, 0, FX.cnode2);
    expect(resolveAddressBits(k, cap.w0, cap.w1, 0, 3)).toBe(EXCEPTION_LOOKUP_FAULT);
    expect(lookupFaultGetType(k.currentLookupFaultW0)).toBe(LOOKUP_FAULT_DEPTH_MISMATCH);
    expect(lookupFaultGetBitsLeftLow(k.currentLookupFaultW0)).toBe(3); // bitsLeft
    expect(lookupFaultGetBitsHigh(k.currentLookupFaultW0)).toBe(4); // bitsFound = level bits
  });
  it('walks into a CNode cap and stops at a non-CNode cap with bits remaining', () => {
    const k = makeKernel();
    C.cnodeCapNew(cap, 4, 0, 0, FX.cnode2);
    const c2 = C.capWords();
    C.cnodeCapNew(c2, FX.rootRadix, 0, 0, FX.rootCNode);
    k.writeCap(cnode2Slot(1), c2.w0, c2.w1);
    // 4 bits -> cnode2[1] (the root CNode, radix 8) -> 8 bits -> root[16] (an endpoint), 4 bits left
    expect(resolveAddressBits(k, cap.w0, cap.w1, (1 << 12) | (16 << 4) | 0xf, 16)).toBe(EXCEPTION_NONE);
    expect(k.retSlot).toBe(rootSlot(16));
    expect(k.retBitsRemaining).toBe(4);
  });
  it('lookupSlot ignores bits remaining after a non-CNode cap', () => {
    const k = makeKernel();
    expect(lookupSlot(k, k.ksCurThread, 16)).toBe(EXCEPTION_NONE);
    expect(k.retSlot).toBe(rootSlot(16));
  });
});

describe('lookupSlotForCNodeOp', () => {
  it('checks the root, then the depth, then the walk, then leftover bits', () => {
    const k = makeKernel();
    const ep = k.readCap(rootSlot(SLOT.ep));
    expect(lookupSlotForCNodeOp(k, 1, ep.w0, ep.w1, 0, 0)).toBe(EXCEPTION_SYSCALL_ERROR);
    expect(k.currentSyscallError.type).toBe(ERROR_CODE.FailedLookup);
    expect(k.currentSyscallError.failedLookupWasSource).toBe(1);
    const root = k.readCap(rootSlot(SLOT.cnode));
    expect(lookupSlotForCNodeOp(k, 0, root.w0, root.w1, 0, 0)).toBe(EXCEPTION_SYSCALL_ERROR);
    expect(k.currentSyscallError.type).toBe(ERROR_CODE.RangeError);
    expect(lookupSlotForCNodeOp(k, 0, root.w0, root.w1, 16 << 8, 40)).toBe(EXCEPTION_SYSCALL_ERROR);
    expect(k.currentSyscallError.type).toBe(ERROR_CODE.RangeError);
    expect(lookupSlotForCNodeOp(k, 0, root.w0, root.w1, 18, 32)).toBe(EXCEPTION_NONE);
    expect(k.retSlot).toBe(rootSlot(18));
  });
});
