import { describe, expect, test } from 'vitest';
import { ALL_RIGHTS, NO_RIGHTS, type Cap, type CapRights } from '../../../spec/state/cap.js';
import {
  capRange,
  dataToRights,
  deriveCap,
  hasCancelSendRights,
  isCapRevocable,
  isPhysical,
  maskCapRights,
  sameObjectAs,
  sameRegionAs,
  shouldBeParentOf,
  updateCapData,
} from '../../../spec/object/objecttype.js';
import { A, makeState, rootSlot, SLOT } from '../fixture.js';

const RW: CapRights = { read: true, write: true, grant: false, grantReply: false };
const ep = (badge: number, rights: CapRights = ALL_RIGHTS): Cap => ({ kind: 'EndpointCap', ptr: A.ep, badge, rights });
const ntfn = (badge: number): Cap => ({ kind: 'NotificationCap', ptr: A.ntfn, badge, rights: RW });
const cnode = (bits: number, guardSize = 0, guard = 0): Cap => ({ kind: 'CNodeCap', ptr: A.cnodeB, bits, guard: { value: guard, size: guardSize } });
const ut = (ptr: number, sizeBits: number): Cap => ({ kind: 'UntypedCap', isDevice: false, ptr, sizeBits, freeIndex: 0 });
const frame = (ptr: number, size: 'ARMSmallPage' | 'ARMLargePage'): Cap => ({ kind: 'FrameCap', isDevice: false, ptr, rights: 'VMReadWrite', size, mapping: null });

describe('rights', () => {
  test('data_to_rights reads Write, Read, Grant, GrantReply from bits 0..3', () => {
    expect(dataToRights(0b0001)).toEqual({ write: true, read: false, grant: false, grantReply: false });
    expect(dataToRights(0b1110)).toEqual({ write: false, read: true, grant: true, grantReply: true });
    expect(dataToRights(0xfffffff0)).toEqual(NO_RIGHTS);
  });

  test('masking never adds rights; reply caps keep Write; frames keep valid rights', () => {
    expect(maskCapRights(RW, ep(0))).toEqual(ep(0, RW));
    expect(maskCapRights(ALL_RIGHTS, ep(0, NO_RIGHTS))).toEqual(ep(0, NO_RIGHTS));
    expect(maskCapRights(NO_RIGHTS, { kind: 'ReplyCap', tcb: A.rootTCB, isMaster: false, rights: ALL_RIGHTS })).toMatchObject({
      rights: { write: true, read: false, grant: false, grantReply: false },
    });
    expect(maskCapRights(dataToRights(0b0001), frame(0x10050000, 'ARMSmallPage'))).toMatchObject({ rights: 'VMKernelOnly' });
    expect(maskCapRights(dataToRights(0b0010), frame(0x10050000, 'ARMSmallPage'))).toMatchObject({ rights: 'VMReadOnly' });
    expect(maskCapRights(NO_RIGHTS, cnode(2))).toEqual(cnode(2));
  });

  test('cancel-badged-sends rights: an endpoint cap with all four', () => {
    expect(hasCancelSendRights(ep(3))).toBe(true);
    expect(hasCancelSendRights(ep(3, { ...ALL_RIGHTS, grantReply: false }))).toBe(false);
    expect(hasCancelSendRights(ntfn(0))).toBe(false);
  });
});

describe('update_cap_data', () => {
  test('badges only unbadged endpoint and notification caps, and only when not preserving', () => {
    expect(updateCapData(false, 0xffffffff, ep(0))).toEqual(ep(0xfffffff));
    expect(updateCapData(false, 5, ep(4)).kind).toBe('NullCap');
    expect(updateCapData(true, 5, ep(0)).kind).toBe('NullCap');
    expect(updateCapData(false, 5, ntfn(0))).toEqual(ntfn(5));
    expect(updateCapData(true, 5, ntfn(0)).kind).toBe('NullCap');
  });

  test('sets a CNode guard: size from bits 7..3, value from bits 25..8 cut to the size', () => {
    expect(updateCapData(true, (0x3ffff << 8) | (4 << 3), cnode(2))).toEqual(cnode(2, 4, 0xf));
    expect(updateCapData(false, (0x3ffff << 8) | (30 << 3), cnode(2))).toEqual(cnode(2, 30, 0x3ffff));
    expect(updateCapData(false, 31 << 3, cnode(2)).kind).toBe('NullCap');
    expect(updateCapData(false, 0, cnode(2, 5, 3))).toEqual(cnode(2));
  });

  test('leaves other caps alone', () => {
    const c: Cap = { kind: 'ThreadCap', tcb: A.rootTCB };
    expect(updateCapData(false, 99, c)).toBe(c);
    expect(updateCapData(true, 99, frame(0x10050000, 'ARMSmallPage'))).toEqual(frame(0x10050000, 'ARMSmallPage'));
  });
});

describe('derive_cap', () => {
  const s = makeState();
  test('caps that cannot be copied', () => {
    expect(deriveCap(s, rootSlot(1), { kind: 'IRQControlCap' })).toEqual({ ok: true, value: { kind: 'NullCap' } });
    expect(deriveCap(s, rootSlot(1), { kind: 'Zombie', ptr: A.cnodeB, type: { kind: 'ZombieTCB' }, number: 1 })).toMatchObject({ value: { kind: 'NullCap' } });
    expect(deriveCap(s, rootSlot(1), { kind: 'ReplyCap', tcb: A.rootTCB, isMaster: true, rights: ALL_RIGHTS })).toMatchObject({ value: { kind: 'NullCap' } });
    expect(deriveCap(s, rootSlot(1), { kind: 'PageTableCap', ptr: 0, mapping: null })).toEqual({ ok: false, error: { kind: 'IllegalOperation' } });
    expect(deriveCap(s, rootSlot(1), { kind: 'PageTableCap', ptr: 0, mapping: { asid: 1, vaddr: 0 } })).toMatchObject({ ok: true });
  });
  test('an untyped cap derives only without children', () => {
    expect(deriveCap(s, rootSlot(SLOT.untyped), ut(A.untyped, 16))).toMatchObject({ ok: true });
    expect(deriveCap(s, rootSlot(SLOT.cnode), ut(A.untyped, 16))).toEqual({ ok: false, error: { kind: 'RevokeFirst' } });
  });
});

describe('regions, objects and CDT parenthood', () => {
  test('an untyped region covers the objects inside it, not beyond', () => {
    expect(sameRegionAs(ut(0x10000000, 16), ep(0))).toBe(false);
    expect(sameRegionAs(ut(0x10020000, 4), ep(0))).toBe(true);
    expect(sameRegionAs(ut(0x10000000, 20), ut(0x10080000, 19))).toBe(true);
    expect(sameRegionAs(ut(0x10080000, 19), ut(0x10000000, 20))).toBe(false);
    expect(sameRegionAs(ut(0x10000000, 16), { kind: 'IRQControlCap' })).toBe(false);
    expect(sameRegionAs(ut(0x10050000, 12), frame(0x10050000, 'ARMSmallPage'))).toBe(true);
    expect(sameRegionAs(ut(0x10050000, 12), frame(0x10050000, 'ARMLargePage'))).toBe(false);
  });

  test('same region and same object', () => {
    expect(sameRegionAs(cnode(2), cnode(2, 3, 1))).toBe(true);
    expect(sameRegionAs(cnode(2), cnode(3))).toBe(false);
    expect(sameRegionAs({ kind: 'IRQControlCap' }, { kind: 'IRQHandlerCap', irq: 3 })).toBe(true);
    expect(sameObjectAs({ kind: 'IRQControlCap' }, { kind: 'IRQControlCap' })).toBe(false);
    expect(sameObjectAs(ut(0x10000000, 12), ut(0x10000000, 12))).toBe(false);
    expect(sameRegionAs(frame(0x10040000, 'ARMLargePage'), frame(0x10041000, 'ARMSmallPage'))).toBe(true);
    expect(sameObjectAs(frame(0x10040000, 'ARMLargePage'), frame(0x10041000, 'ARMSmallPage'))).toBe(false);
    expect(sameRegionAs({ kind: 'Zombie', ptr: A.cnodeB, type: { kind: 'ZombieTCB' }, number: 1 }, cnode(2))).toBe(false);
  });

  test('revocable (original) caps: new badges, IRQ handlers from IRQ control, untyped', () => {
    expect(isCapRevocable(ep(3), ep(0))).toBe(true);
    expect(isCapRevocable(ep(3), ep(3))).toBe(false);
    expect(isCapRevocable({ kind: 'IRQHandlerCap', irq: 1 }, { kind: 'IRQControlCap' })).toBe(true);
    expect(isCapRevocable({ kind: 'IRQHandlerCap', irq: 1 }, { kind: 'IRQHandlerCap', irq: 1 })).toBe(false);
    expect(isCapRevocable(ut(0x10000000, 12), ut(0x10000000, 12))).toBe(true);
    expect(isCapRevocable(cnode(2), cnode(2))).toBe(false);
  });

  test('parenthood: an original of the same region; a badged one only of unoriginal same-badge caps', () => {
    expect(shouldBeParentOf(ep(0), true, ep(5), true)).toBe(true);
    expect(shouldBeParentOf(ep(0), false, ep(0), false)).toBe(false);
    expect(shouldBeParentOf(ep(5), true, ep(5), false)).toBe(true);
    expect(shouldBeParentOf(ep(5), true, ep(6), true)).toBe(false);
    expect(shouldBeParentOf(ep(5), true, ep(5), true)).toBe(false);
    expect(shouldBeParentOf(ut(0x10000000, 16), true, ep(0), true)).toBe(false);
    expect(shouldBeParentOf(ut(0x10000000, 24), true, ep(0), true)).toBe(true);
  });

  test('physical caps and their ranges', () => {
    expect(isPhysical({ kind: 'ReplyCap', tcb: 0, isMaster: true, rights: ALL_RIGHTS })).toBe(false);
    expect(capRange(cnode(2))).toEqual({ base: A.cnodeB, top: A.cnodeB + 63 });
    expect(capRange({ kind: 'IRQHandlerCap', irq: 3 })).toBeNull();
    expect(capRange(ut(0xf0000000, 28))).toEqual({ base: 0xf0000000, top: 0xffffffff });
  });
});
