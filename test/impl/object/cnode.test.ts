import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import { ERROR_CODE as E } from '../../../abi/errors.js';
import * as C from '../../../impl/object/cap.js';
import { cteGetFirstBadged, cteGetNext, cteGetPrev, cteGetRevocable } from '../../../impl/object/mdb.js';
import { THREAD_STATE_RUNNING, tcbGetState } from '../../../impl/object/tcb-layout.js';
import { SLOT, allFixtureSlots, cnode2Slot, invoke, makeKernel, mdbProblems, rootSlot, FX } from '../fixture.js';

const ROOT = SLOT.cnode;
const ALL_RIGHTS = 0xf;

function copy(k: ReturnType<typeof makeKernel>, dest: number, src: number, rights = ALL_RIGHTS, depth = 32) {
  return invoke(k, ROOT, { label: LABEL.CNodeCopy, mrs: [dest, depth, src, depth, rights], caps: [ROOT] });
}
function mint(k: ReturnType<typeof makeKernel>, dest: number, src: number, badge: number, rights = ALL_RIGHTS) {
  return invoke(k, ROOT, { label: LABEL.CNodeMint, mrs: [dest, 32, src, 32, rights, badge], caps: [ROOT] });
}
function capType(k: ReturnType<typeof makeKernel>, slot: number): number {
  return C.capGetCapType(k.mem.read32(slot));
}

describe('CNode decode: common checks in order', () => {
  it('a label outside the CNode range is IllegalOperation', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.UntypedRetype, mrs: [0, 0] }).label).toBe(E.IllegalOperation);
  });
  it('fewer than 2 MRs is TruncatedMessage (even with a bad label? no: label first)', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [40] }).label).toBe(E.TruncatedMessage);
  });
  it('depth 0 and 33 are RangeError 1..32', () => {
    const k = makeKernel();
    for (const d of [0, 33, 0xffffffff]) {
      const r = invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [40, d] });
      expect(r.label).toBe(E.RangeError);
      expect(r.mrs).toEqual([1, 32]);
    }
  });
  it('a guard mismatch in the target lookup is FailedLookup (dest) with the guard words', () => {
    const k = makeKernel();
    const r = invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [0x80000028, 32] });
    expect(r.label).toBe(E.FailedLookup);
    expect(r.mrs).toEqual([0, 4, 32, 0, 24]); // dest, GuardMismatch, bitsLeft 32, guardFound 0, guardSize 24
  });
  it('too few bits for guard + radix is a DepthMismatch', () => {
    const k = makeKernel();
    const r = invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [0, 30] });
    expect(r.label).toBe(E.FailedLookup);
    // guard 24 of 30 bits matches (top bits 0), then 32 > 30: depth mismatch
    expect(r.mrs).toEqual([0, 3, 30, 32]);
  });
  it('bits left over after a non-CNode cap is DepthMismatch 0', () => {
    const k = makeKernel();
    // slot 16 (an endpoint) with depth 32 + resolving further: use cnode2 path with extra bits
    const r = invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [16, 24 + 8] });
    expect(r.label).toBe(0);
    const r2 = invoke(k, SLOT.cnode2, { label: LABEL.CNodeDelete, mrs: [0xff, 8] });
    expect(r2.label).toBe(E.FailedLookup);
    expect(r2.mrs).toEqual([0, 3, 4, 0]); // DepthMismatch, bitsLeft 4, bitsFound 0
  });
});

describe('CNode Copy / Mint / Move / Mutate', () => {
  it('Copy inserts a derived cap right after its source, not revocable', () => {
    const k = makeKernel();
    const r = copy(k, 40, SLOT.ep);
    expect(r.label).toBe(0);
    expect(r.length).toBe(0);
    expect(capType(k, rootSlot(40))).toBe(C.CAP_ENDPOINT);
    expect(cteGetNext(k.mem, rootSlot(SLOT.ep))).toBe(rootSlot(40));
    expect(cteGetPrev(k.mem, rootSlot(40))).toBe(rootSlot(SLOT.ep));
    expect(cteGetRevocable(k.mem, rootSlot(40))).toBe(0);
    expect(tcbGetState(k.mem, k.ksCurThread)).toBe(THREAD_STATE_RUNNING);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });
  it('Copy masks rights', () => {
    const k = makeKernel();
    copy(k, 40, SLOT.ep, 0b0010);
    expect(k.mem.read32(rootSlot(40) + 4) & 0xf).toBe(0b0010);
  });
  it('Copy to a full slot is DeleteFirst; from an empty slot is FailedLookup source MissingCapability', () => {
    const k = makeKernel();
    expect(copy(k, SLOT.ntfn, SLOT.ep).label).toBe(E.DeleteFirst);
    const r = copy(k, 40, 41);
    expect(r.label).toBe(E.FailedLookup);
    expect(r.mrs).toEqual([1, 2, 32]);
  });
  it('Copy without the extra cap or with 4 MRs is TruncatedMessage', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeCopy, mrs: [40, 32, 16, 32, 15] }).label).toBe(E.TruncatedMessage);
    expect(invoke(k, ROOT, { label: LABEL.CNodeCopy, mrs: [40, 32, 16, 32], caps: [ROOT] }).label).toBe(E.TruncatedMessage);
  });
  it('Copy of IRQ control or a reply cap derives null: IllegalOperation', () => {
    const k = makeKernel();
    expect(copy(k, 40, SLOT.irqControl).label).toBe(E.IllegalOperation);
  });
  it('Mint badges an unbadged endpoint cap, making it revocable and first-badged', () => {
    const k = makeKernel();
    expect(mint(k, 40, SLOT.ep, 0x1234567f).label).toBe(0);
    expect(C.endpointCapGetCapEPBadge(k.mem.read32(rootSlot(40)))).toBe(0x234567f);
    expect(cteGetRevocable(k.mem, rootSlot(40))).toBe(1);
    expect(cteGetFirstBadged(k.mem, rootSlot(40))).toBe(1);
    // re-minting a badged cap gives null: IllegalOperation
    expect(mint(k, 41, 40, 9).label).toBe(E.IllegalOperation);
    // copying the badged cap gives a non-revocable sibling right after it
    expect(copy(k, 42, 40).label).toBe(0);
    expect(cteGetNext(k.mem, rootSlot(40))).toBe(rootSlot(42));
    expect(cteGetRevocable(k.mem, rootSlot(42))).toBe(0);
  });
  it('Mint sets a CNode guard; guard size + radix > 32 is IllegalOperation', () => {
    const k = makeKernel();
    expect(mint(k, 40, SLOT.cnode2, (5 << 8) | (4 << 3)).label).toBe(0);
    const w1 = k.mem.read32(rootSlot(40) + 4);
    expect([C.cnodeCapGetCapCNodeGuardSize(w1), C.cnodeCapGetCapCNodeGuard(w1)]).toEqual([4, 5]);
    expect(mint(k, 41, SLOT.cnode2, 29 << 3).label).toBe(E.IllegalOperation);
  });
  it('Copy of an untyped with children is RevokeFirst', () => {
    const k = makeKernel();
    expect(copy(k, 40, SLOT.untyped).label).toBe(0);
    // the copy is a child (untyped caps are always revocable): the source now has a child
    expect(cteGetRevocable(k.mem, rootSlot(40))).toBe(1);
    expect(copy(k, 41, SLOT.untyped).label).toBe(E.RevokeFirst);
  });
  it('Move moves the cap and its MDB position', () => {
    const k = makeKernel();
    copy(k, 40, SLOT.ep);
    const r = invoke(k, ROOT, { label: LABEL.CNodeMove, mrs: [41, 32, 40, 32], caps: [ROOT] });
    expect(r.label).toBe(0);
    expect(capType(k, rootSlot(40))).toBe(C.CAP_NULL);
    expect(cteGetNext(k.mem, rootSlot(SLOT.ep))).toBe(rootSlot(41));
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });
  it('Mutate of an endpoint cap is IllegalOperation; of a CNode cap sets the guard', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeMutate, mrs: [41, 32, SLOT.ep, 32, 0], caps: [ROOT] }).label).toBe(E.IllegalOperation);
    expect(invoke(k, ROOT, { label: LABEL.CNodeMutate, mrs: [41, 32, SLOT.cnode2, 32, 3 << 3], caps: [ROOT] }).label).toBe(0);
    expect(C.cnodeCapGetCapCNodeGuardSize(k.mem.read32(rootSlot(41) + 4))).toBe(3);
  });
});

describe('CNode Delete / Revoke', () => {
  it('Delete empties the slot and unlinks it', () => {
    const k = makeKernel();
    copy(k, 40, SLOT.ep);
    copy(k, 41, 40);
    expect(invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [40, 32] }).label).toBe(0);
    expect(capType(k, rootSlot(40))).toBe(C.CAP_NULL);
    expect(cteGetNext(k.mem, rootSlot(SLOT.ep))).toBe(rootSlot(41));
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });
  it('Revoke deletes every descendant but not the cap itself', () => {
    const k = makeKernel();
    copy(k, 40, SLOT.ep);
    mint(k, 41, SLOT.ep, 7);
    copy(k, 42, 41);
    expect(invoke(k, ROOT, { label: LABEL.CNodeRevoke, mrs: [SLOT.ep, 32] }).label).toBe(0);
    for (const s of [40, 41, 42]) expect(capType(k, rootSlot(s))).toBe(C.CAP_NULL);
    expect(capType(k, rootSlot(SLOT.ep))).toBe(C.CAP_ENDPOINT);
    expect(cteGetNext(k.mem, rootSlot(SLOT.ep))).toBe(0);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });
  it('deleting the last cap of a CNode deletes its contents through a Zombie', () => {
    const k = makeKernel();
    // put a cap in slot 3 of the second CNode (radix 4, no guard), invoking that CNode
    expect(invoke(k, SLOT.cnode2, { label: LABEL.CNodeCopy, mrs: [3, 4, SLOT.ep, 32, 15], caps: [ROOT] }).label).toBe(0);
    expect(capType(k, cnode2Slot(3))).toBe(C.CAP_ENDPOINT);
    expect(invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [SLOT.cnode2, 32] }).label).toBe(0);
    expect(capType(k, rootSlot(SLOT.cnode2))).toBe(C.CAP_NULL);
    expect(capType(k, cnode2Slot(3))).toBe(C.CAP_NULL);
    expect(cteGetNext(k.mem, rootSlot(SLOT.ep))).toBe(0);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });
});

describe('CNode Rotate, SaveCaller, CancelBadgedSends', () => {
  it('Rotate moves pivot to dest and src to pivot', () => {
    const k = makeKernel();
    const r = invoke(k, ROOT, { label: LABEL.CNodeRotate, mrs: [40, 32, 0, SLOT.cnode2, 32, 0, SLOT.untyped, 32], caps: [ROOT, ROOT] });
    expect(r.label).toBe(0);
    expect(capType(k, rootSlot(40))).toBe(C.CAP_CNODE);
    expect(capType(k, rootSlot(SLOT.cnode2))).toBe(C.CAP_UNTYPED);
    expect(capType(k, rootSlot(SLOT.untyped))).toBe(C.CAP_NULL);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });
  it('Rotate of an endpoint cap (preserving data) is IllegalOperation', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeRotate, mrs: [40, 32, 0, SLOT.ep, 32, 0, SLOT.untyped, 32], caps: [ROOT, ROOT] }).label).toBe(E.IllegalOperation);
  });
  it('Rotate with src = dest swaps; pivot = src is IllegalOperation', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeRotate, mrs: [SLOT.untyped, 32, 0, SLOT.cnode2, 32, 0, SLOT.untyped, 32], caps: [ROOT, ROOT] }).label).toBe(0);
    expect(capType(k, rootSlot(SLOT.cnode2))).toBe(C.CAP_UNTYPED);
    expect(capType(k, rootSlot(SLOT.untyped))).toBe(C.CAP_CNODE);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
    expect(invoke(k, ROOT, { label: LABEL.CNodeRotate, mrs: [40, 32, 0, SLOT.ep, 32, 0, SLOT.ep, 32], caps: [ROOT, ROOT] }).label).toBe(E.IllegalOperation);
  });
  it('Rotate with one extra cap or 7 MRs is TruncatedMessage; empty pivot is FailedLookup dest', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeRotate, mrs: [40, 32, 0, 16, 32, 0, 19, 32], caps: [ROOT] }).label).toBe(E.TruncatedMessage);
    expect(invoke(k, ROOT, { label: LABEL.CNodeRotate, mrs: [40, 32, 0, 16, 32, 0, 19], caps: [ROOT, ROOT] }).label).toBe(E.TruncatedMessage);
    const r = invoke(k, ROOT, { label: LABEL.CNodeRotate, mrs: [40, 32, 0, 41, 32, 0, 19, 32], caps: [ROOT, ROOT] });
    expect(r.label).toBe(E.FailedLookup);
    expect(r.mrs).toEqual([0, 2, 32]);
  });
  it('SaveCaller with no caller does nothing; to a full slot is DeleteFirst', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeSaveCaller, mrs: [40, 32] }).label).toBe(0);
    expect(invoke(k, ROOT, { label: LABEL.CNodeSaveCaller, mrs: [SLOT.ep, 32] }).label).toBe(E.DeleteFirst);
  });
  it('CancelBadgedSends needs an endpoint cap with all rights', () => {
    const k = makeKernel();
    expect(invoke(k, ROOT, { label: LABEL.CNodeCancelBadgedSends, mrs: [SLOT.ep, 32] }).label).toBe(0);
    expect(invoke(k, ROOT, { label: LABEL.CNodeCancelBadgedSends, mrs: [SLOT.ntfn, 32] }).label).toBe(E.IllegalOperation);
    copy(k, 40, SLOT.ep, 0b0111);
    expect(invoke(k, ROOT, { label: LABEL.CNodeCancelBadgedSends, mrs: [40, 32] }).label).toBe(E.IllegalOperation);
  });
  it('errors are silent for Send: no reply registers change', () => {
    const k = makeKernel();
    k.setRegister(k.ksCurThread, 2, 0xdead);
    invoke(k, ROOT, { label: LABEL.CNodeDelete, mrs: [40, 0] }, 'SysSend');
    expect(FX.rootCNode).toBeGreaterThan(0);
  });
});

describe('CDT order (det_ext cdt_list)', () => {
  it('a new child goes first among its parent\'s children; a sibling copy right after its source', () => {
    const k = makeKernel();
    mint(k, 40, SLOT.ep, 1);
    mint(k, 41, SLOT.ep, 2);
    copy(k, 42, 40);
    const order: number[] = [];
    for (let s = cteGetNext(k.mem, rootSlot(SLOT.ep)); s !== 0; s = cteGetNext(k.mem, s)) order.push((s - FX.rootCNode) / 16);
    expect(order).toEqual([41, 40, 42]);
  });
});
