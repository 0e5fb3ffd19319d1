import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { LABEL } from '../../../abi/labels.js';
import * as C from '../../../impl/object/cap.js';
import * as M from '../../../impl/object/mdb.js';
import * as S from '../../../impl/object/structures.js';
import * as T from '../../../impl/object/tcb-layout.js';
import { IRQ_INACTIVE, IRQ_SIGNAL } from '../../../impl/kernel/statedata.js';
import { setIRQState } from '../../../impl/object/interrupt.js';
import { FX, SLOT, invoke, makeKernel, rootSlot } from '../fixture.js';

const word = fc.integer({ min: 0, max: 0xffffffff });
const ptr8 = word.map((w) => (w & 0xfffffff8) >>> 0);
const bit = fc.integer({ min: 0, max: 1 });
const six = fc.integer({ min: 0, max: 63 });

describe('mdb_node', () => {
  test.prop([ptr8, ptr8, bit, bit])('prev, next, revocable, firstBadged survive a CTE write', (prev, next, rev, fb) => {
    const k = makeKernel();
    const cte = rootSlot(100);
    M.cteWriteMdb(k.mem, cte, prev, next, rev, fb);
    expect([M.cteGetPrev(k.mem, cte), M.cteGetNext(k.mem, cte), M.cteGetRevocable(k.mem, cte), M.cteGetFirstBadged(k.mem, cte)])
      .toEqual([prev, next, rev, fb]);
    M.cteSetNext(k.mem, cte, 0x10000008);
    expect([M.cteGetNext(k.mem, cte), M.cteGetRevocable(k.mem, cte), M.cteGetFirstBadged(k.mem, cte)]).toEqual([0x10000008, rev, fb]);
    M.cteSetRevocable(k.mem, cte, 1 - rev);
    M.cteSetFirstBadged(k.mem, cte, 1 - fb);
    expect([M.cteGetPrev(k.mem, cte), M.cteGetRevocable(k.mem, cte), M.cteGetFirstBadged(k.mem, cte)]).toEqual([prev, 1 - rev, 1 - fb]);
  });
});

describe('lookup faults and faults', () => {
  test.prop([six])('missing capability', (bitsLeft) => {
    const w0 = S.lookupFaultMissingCapabilityW0(bitsLeft);
    expect(S.lookupFaultGetType(w0)).toBe(S.LOOKUP_FAULT_MISSING_CAPABILITY);
    expect(S.lookupFaultGetBitsLeftLow(w0)).toBe(bitsLeft);
  });
  test.prop([six, six])('depth mismatch', (found, left) => {
    const w0 = S.lookupFaultDepthMismatchW0(found, left);
    expect(S.lookupFaultGetType(w0)).toBe(S.LOOKUP_FAULT_DEPTH_MISMATCH);
    expect([S.lookupFaultGetBitsLeftLow(w0), S.lookupFaultGetBitsHigh(w0)]).toEqual([left, found]);
  });
  test.prop([six, six])('guard mismatch', (left, found) => {
    const w0 = S.lookupFaultGuardMismatchW0(left, found);
    expect(S.lookupFaultGetType(w0)).toBe(S.LOOKUP_FAULT_GUARD_MISMATCH);
    expect([S.lookupFaultGetBitsHigh(w0), S.lookupFaultGetBitsLeftLow(w0)]).toEqual([left, found]);
  });
  test.prop([word, bit])('fault words', (code, b) => {
    expect(S.faultGetType(S.capFaultW0(b))).toBe(S.FAULT_CAP);
    expect(S.capFaultW0(b) >>> 31).toBe(b);
    expect(S.faultGetType(S.userExceptionW0(code))).toBe(S.FAULT_USER_EXCEPTION);
    expect(S.userExceptionW0(code) >>> 4).toBe(code & 0xfffffff);
    const vm = S.vmFaultW0(code, b);
    expect([S.faultGetType(vm), vm >>> 18, (vm >>> 17) & 1]).toEqual([S.FAULT_VM, code & 0x3fff, b]);
  });
  test.prop([word, fc.integer({ min: 0, max: 3 })])('endpoint words', (tail, st) => {
    const w0 = S.endpointW0(tail, st);
    expect([S.endpointGetQueueTail(w0), S.endpointGetState(w0)]).toEqual([(tail & 0xfffffff0) >>> 0, st]);
  });
});

describe('TCB layout', () => {
  it('the tcb_t fields fit in the upper half of the 512-byte object, and CTEs are found by masking', () => {
    expect(T.TCB_OFFSET + T.TCB_T_SIZE).toBeLessThanOrEqual(512);
    expect(T.tcbCte(0x10000300, 4)).toBe(0x10000240);
    expect(T.tcbCte(0x10000200, 4)).toBe(0x10000240);
    expect(T.tcbObjectBase(T.tcbFromObject(0x10000200))).toBe(0x10000200);
  });
  test.prop([fc.integer({ min: 0, max: 7 }), bit])('state type and queued bit are independent', (ts, q) => {
    const k = makeKernel();
    const t = k.ksCurThread;
    T.tcbSetQueued(k.mem, t, q);
    T.tcbSetStateType(k.mem, t, ts);
    expect([T.tcbGetState(k.mem, t), T.tcbGetQueued(k.mem, t)]).toEqual([ts, q]);
  });
});

describe('IRQ handler caps', () => {
  it('deleting the final IRQ handler cap makes the line inactive and masked', () => {
    const k = makeKernel();
    const cap = C.irqHandlerCapNew(C.capWords(), 40);
    k.writeCap(rootSlot(30), cap.w0, cap.w1);
    M.cteWriteMdb(k.mem, rootSlot(30), 0, 0, 1, 1);
    setIRQState(k, IRQ_SIGNAL, 40);
    expect(k.irq.isMasked(40)).toBe(false);
    expect(invoke(k, SLOT.cnode, { label: LABEL.CNodeDelete, mrs: [30, 32] }).label).toBe(0);
    expect(k.intStateIRQTable[40]).toBe(IRQ_INACTIVE);
    expect(k.irq.isMasked(40)).toBe(true);
    expect(C.capGetCapType(k.mem.read32(FX.irqNode + 16 * 40))).toBe(C.CAP_NULL);
  });
});
