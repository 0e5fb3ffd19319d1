import { describe, expect, test } from 'vitest';
import type { Cap } from '../../../spec/state/cap.js';
import { setCap } from '../../../spec/kernel/cspace-access.js';
import { bitsBelow, lookupCapAndSlot, lookupSlotForCNodeOp, resolveAddressBits } from '../../../spec/kernel/cspace.js';
import { msgFromLookupFailure, msgFromSyscallError } from '../../../spec/kernel/message.js';
import { A, makeState, rootSlot, ROOT_BITS, SLOT } from '../fixture.js';

const s0 = makeState();
const root: Cap = { kind: 'CNodeCap', ptr: A.rootCNode, bits: ROOT_BITS, guard: { value: 0, size: 32 - ROOT_BITS } };
// A second path: root slot 20 names the root CNode again with a 16-bit guard, so a 32-bit
// lookup through it resolves 24 bits there and continues into the slot it reaches.
const short: Cap = { kind: 'CNodeCap', ptr: A.rootCNode, bits: ROOT_BITS, guard: { value: 0x12, size: 8 } };
const s1 = setCap(s0, rootSlot(20), short);

describe('resolve_address_bits', () => {
  test('bitsBelow reads bits from the top of a word', () => {
    expect(bitsBelow(0xf0000000, 32, 4)).toBe(0xf);
    expect(bitsBelow(0x12345678, 32, 32)).toBe(0x12345678);
    expect(bitsBelow(0x12345678, 16, 8)).toBe(0x56);
    expect(bitsBelow(0x12345678, 8, 0)).toBe(0);
  });

  test('a CPtr n in the root CNode names slot n', () => {
    expect(resolveAddressBits(s0, root, 7, 32)).toEqual({ ok: true, value: { slot: rootSlot(7), bitsLeft: 0 } });
  });

  test('a guard that does not match: GuardMismatch with the bits left and the cap guard', () => {
    expect(resolveAddressBits(s0, root, 0x01000007, 32)).toEqual({
      ok: false,
      error: { kind: 'GuardMismatch', bitsLeft: 32, guardFound: 0, guardSize: 24 },
    });
    // Fewer bits than the guard: also a guard mismatch.
    expect(resolveAddressBits(s0, root, 0, 20)).toMatchObject({ ok: false, error: { kind: 'GuardMismatch', bitsLeft: 20 } });
  });

  test('too few bits for guard and radix: DepthMismatch', () => {
    expect(resolveAddressBits(s0, root, 0, 28)).toEqual({
      ok: false,
      error: { kind: 'DepthMismatch', bitsLeft: 28, bitsFound: 32 },
    });
  });

  test('a non-CNode root: InvalidRoot', () => {
    expect(resolveAddressBits(s0, { kind: 'NullCap' }, 0, 32)).toEqual({ ok: false, error: { kind: 'InvalidRoot' } });
  });

  test('the walk continues through CNode caps and stops at other caps', () => {
    // 0x12 guard, slot 2 (the root CNode cap with a 24-bit guard) with 16 bits left: its
    // guard is longer than what is left.
    expect(resolveAddressBits(s1, short, 0x12020005, 32)).toEqual({
      ok: false,
      error: { kind: 'GuardMismatch', bitsLeft: 16, guardFound: 0, guardSize: 24 },
    });
    // 0x12 guard, slot 17 (an endpoint): stops with 16 bits left.
    expect(resolveAddressBits(s1, short, 0x12110005, 32)).toEqual({ ok: true, value: { slot: rootSlot(17), bitsLeft: 16 } });
    // 0x12 guard, slot 19 (CNode B, radix 2, no guard): 16 bits are more than B resolves, so
    // the walk ends at B's slot 0 with 14 bits left unless B's slot holds a CNode.
    expect(resolveAddressBits(s1, short, 0x12130000, 32)).toEqual({
      ok: true,
      value: { slot: { obj: A.cnodeB, index: 0 }, bitsLeft: 14 },
    });
  });

  test('lookup_cap_and_slot in the thread CSpace', () => {
    expect(lookupCapAndSlot(s0, A.rootTCB, SLOT.ep)).toMatchObject({ ok: true, value: { cap: { kind: 'EndpointCap' } } });
  });
});

describe('lookup_slot_for_cnode_op', () => {
  test('non-CNode root: FailedLookup InvalidRoot, before the depth check', () => {
    expect(lookupSlotForCNodeOp(s0, true, { kind: 'NullCap' }, 0, 0)).toEqual({
      ok: false,
      error: { kind: 'FailedLookup', source: true, failure: { kind: 'InvalidRoot' } },
    });
  });

  test('depth outside 1..32: RangeError 1 32', () => {
    for (const d of [0, 33, 0xffffffff]) {
      expect(lookupSlotForCNodeOp(s0, false, root, 0, d)).toEqual({ ok: false, error: { kind: 'RangeError', min: 1, max: 32 } });
    }
  });

  test('only the low depth bits of the index are used', () => {
    // 16 bits: the guard of 24 bits does not fit.
    expect(lookupSlotForCNodeOp(s0, false, root, 0xffff0005, 16)).toMatchObject({
      ok: false,
      error: { kind: 'FailedLookup', source: false, failure: { kind: 'GuardMismatch', bitsLeft: 16 } },
    });
    expect(lookupSlotForCNodeOp(s0, false, root, 0x05, 32)).toEqual({ ok: true, value: rootSlot(5) });
    const b: Cap = { kind: 'CNodeCap', ptr: A.cnodeB, bits: 2, guard: { value: 0, size: 0 } };
    expect(lookupSlotForCNodeOp(s0, false, b, 0xfffffff6, 2)).toEqual({ ok: true, value: { obj: A.cnodeB, index: 2 } });
  });

  test('bits left over: DepthMismatch (left, 0)', () => {
    expect(lookupSlotForCNodeOp(s1, true, short, 0x12110005, 32)).toEqual({
      ok: false,
      error: { kind: 'FailedLookup', source: true, failure: { kind: 'DepthMismatch', bitsLeft: 16, bitsFound: 0 } },
    });
  });
});

describe('message encodings of lookup failures and errors (SEL4-API.md §5)', () => {
  test('lookup failures', () => {
    expect(msgFromLookupFailure({ kind: 'InvalidRoot' })).toEqual([1]);
    expect(msgFromLookupFailure({ kind: 'MissingCapability', bitsLeft: 7 })).toEqual([2, 7]);
    expect(msgFromLookupFailure({ kind: 'DepthMismatch', bitsLeft: 3, bitsFound: 9 })).toEqual([3, 3, 9]);
    expect(msgFromLookupFailure({ kind: 'GuardMismatch', bitsLeft: 32, guardFound: 5, guardSize: 3 })).toEqual([4, 32, 5, 3]);
  });

  test('syscall errors', () => {
    expect(msgFromSyscallError({ kind: 'InvalidArgument', index: 2 })).toEqual([1, [2]]);
    expect(msgFromSyscallError({ kind: 'InvalidCapability', index: 1 })).toEqual([2, [1]]);
    expect(msgFromSyscallError({ kind: 'IllegalOperation' })).toEqual([3, []]);
    expect(msgFromSyscallError({ kind: 'RangeError', min: 1, max: 32 })).toEqual([4, [1, 32]]);
    expect(msgFromSyscallError({ kind: 'AlignmentError' })).toEqual([5, []]);
    expect(msgFromSyscallError({ kind: 'FailedLookup', source: true, failure: { kind: 'InvalidRoot' } })).toEqual([6, [1, 1]]);
    expect(msgFromSyscallError({ kind: 'TruncatedMessage' })).toEqual([7, []]);
    expect(msgFromSyscallError({ kind: 'DeleteFirst' })).toEqual([8, []]);
    expect(msgFromSyscallError({ kind: 'RevokeFirst' })).toEqual([9, []]);
    expect(msgFromSyscallError({ kind: 'NotEnoughMemory', bytes: 4096 })).toEqual([10, [4096]]);
  });
});
