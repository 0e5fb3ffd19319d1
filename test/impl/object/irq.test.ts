import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import { ERROR_CODE as E } from '../../../abi/errors.js';
import { MAX_IRQ } from '../../../abi/config.js';
import * as C from '../../../impl/object/cap.js';
import { cteGetNext, cteGetPrev, cteGetRevocable } from '../../../impl/object/mdb.js';
import { IRQ_SIGNAL, IRQ_TIMER } from '../../../impl/kernel/statedata.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import { FX, SLOT, allFixtureSlots, invoke, makeKernel, mdbProblems, rootSlot, type Reply, type UserMessage } from '../fixture.js';

const CN = SLOT.cnode;
const IC = SLOT.irqControl;
const irqSlot = (irq: number): number => FX.irqNode + 16 * irq;

const get = (irq: number, dest: number, depth = 32, more: Partial<UserMessage> = {}): UserMessage => ({
  label: LABEL.IRQIssueIRQHandler, mrs: [irq, dest, depth], caps: [CN], ...more,
});
const getTrigger = (irq: number, trigger: number, dest: number, more: Partial<UserMessage> = {}): UserMessage => ({
  label: LABEL.ARMIRQIssueIRQHandlerTrigger, mrs: [irq, trigger, dest, 32], caps: [CN], ...more,
});
const sgi = (irq: number, target: number, dest: number, more: Partial<UserMessage> = {}): UserMessage => ({
  label: LABEL.ARMIRQIssueSGISignal, mrs: [irq, target, dest, 32], caps: [CN], ...more,
});

function expectError(r: Reply, label: number, mrs: number[] = []): void {
  expect(r.label).toBe(label);
  expect(r.mrs).toEqual(mrs);
}

function ok(k: Kernel, cptr: number, m: UserMessage): void {
  const r = invoke(k, cptr, m);
  expect(r.label).toBe(0);
  expect(r.length).toBe(0);
}

describe('IRQControl Get', () => {
  it('inserts an IRQ handler cap as MDB child of the control cap; the line signals and is unmasked', () => {
    const k = makeKernel();
    ok(k, IC, get(40, 40));
    expect(C.capGetCapType(k.mem.read32(rootSlot(40)))).toBe(C.CAP_IRQ_HANDLER);
    expect(C.irqHandlerCapGetCapIRQ(k.mem.read32(rootSlot(40) + 4))).toBe(40);
    expect(cteGetPrev(k.mem, rootSlot(40))).toBe(rootSlot(IC));
    expect(cteGetNext(k.mem, rootSlot(IC))).toBe(rootSlot(40));
    expect(cteGetRevocable(k.mem, rootSlot(40))).toBe(1); // a handler cap made from the control cap is original
    expect(k.intStateIRQTable[40]).toBe(IRQ_SIGNAL);
    expect(k.irq.isMasked(40)).toBe(false);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });

  it('errors in order: TruncatedMessage, RangeError, RevokeFirst, lookup, DeleteFirst', () => {
    const k = makeKernel();
    expectError(invoke(k, IC, get(40, 40, 32, { mrs: [40, 40] })), E.TruncatedMessage);
    expectError(invoke(k, IC, get(40, 40, 32, { caps: [] })), E.TruncatedMessage);
    expectError(invoke(k, IC, get(MAX_IRQ + 1, SLOT.ep)), E.RangeError, [0, MAX_IRQ]);
    expectError(invoke(k, IC, get(0xffffffff, 40)), E.RangeError, [0, MAX_IRQ]);
    expectError(invoke(k, IC, get(FX.timerIRQ, SLOT.ep, 0)), E.RevokeFirst);
    expectError(invoke(k, IC, get(40, 40, 0)), E.RangeError, [1, 32]);
    expectError(invoke(k, IC, get(40, 0x100)), E.FailedLookup, [0, 4, 32, 0, 24]);
    expectError(invoke(k, IC, get(40, 40, 32, { caps: [SLOT.ep] })), E.FailedLookup, [0, 1]);
    expectError(invoke(k, IC, get(40, SLOT.ep)), E.DeleteFirst);
    expect(k.intStateIRQTable[40]).toBe(0);
    expect(k.intStateIRQTable[FX.timerIRQ]).toBe(IRQ_TIMER);
    ok(k, IC, get(MAX_IRQ, 40));
    expectError(invoke(k, IC, get(MAX_IRQ, 41)), E.RevokeFirst);
  });

  it('a foreign label is IllegalOperation', () => {
    const k = makeKernel();
    expectError(invoke(k, IC, { label: LABEL.IRQAckIRQ }), E.IllegalOperation);
    expectError(invoke(k, IC, { label: LABEL.CNodeCopy, mrs: [1, 2, 3, 4] }), E.IllegalOperation);
  });
});

describe('IRQControl GetTrigger', () => {
  it('sets the trigger at the GIC and issues the handler', () => {
    const k = makeKernel();
    ok(k, IC, getTrigger(50, 1, 40));
    expect(k.irq.trigger(50)).toBe('edge');
    expect(k.intStateIRQTable[50]).toBe(IRQ_SIGNAL);
    expect(k.irq.isMasked(50)).toBe(false);
    k.irq.setTrigger(51, 'edge');
    ok(k, IC, getTrigger(51, 0, 41));
    expect(k.irq.trigger(51)).toBe('level');
    expect(C.irqHandlerCapGetCapIRQ(k.mem.read32(rootSlot(41) + 4))).toBe(51);
  });

  it('errors in order; the trigger is untouched on error', () => {
    const k = makeKernel();
    expectError(invoke(k, IC, getTrigger(50, 1, 40, { mrs: [50, 1, 40] })), E.TruncatedMessage);
    expectError(invoke(k, IC, getTrigger(50, 1, 40, { caps: [] })), E.TruncatedMessage);
    expectError(invoke(k, IC, getTrigger(MAX_IRQ + 1, 1, SLOT.ep)), E.RangeError, [0, MAX_IRQ]);
    expectError(invoke(k, IC, getTrigger(FX.timerIRQ, 1, SLOT.ep)), E.RevokeFirst);
    expectError(invoke(k, IC, getTrigger(50, 1, 0x100)), E.FailedLookup, [0, 4, 32, 0, 24]);
    expectError(invoke(k, IC, getTrigger(50, 1, SLOT.ep)), E.DeleteFirst);
    expect(k.irq.trigger(50)).toBe('level');
  });
});

describe('IRQControl IssueSGISignal and SGI signal caps', () => {
  it('inserts an SGI signal cap (irq, target) as MDB child of the control cap', () => {
    const k = makeKernel();
    ok(k, IC, sgi(3, 5, 40));
    const w0 = k.mem.read32(rootSlot(40));
    expect(C.capGetCapType(w0)).toBe(C.CAP_SGI_SIGNAL);
    expect(C.sgiSignalCapGetCapSGIIRQ(w0)).toBe(3);
    expect(C.sgiSignalCapGetCapSGITarget(k.mem.read32(rootSlot(40) + 4))).toBe(5);
    expect(cteGetPrev(k.mem, rootSlot(40))).toBe(rootSlot(IC));
    expect(k.intStateIRQTable[3]).toBe(0);
  });

  it('errors in order: TruncatedMessage, RangeError 0 15, InvalidArgument 1, lookup, DeleteFirst', () => {
    const k = makeKernel();
    expectError(invoke(k, IC, sgi(3, 0, 40, { mrs: [3, 0, 40] })), E.TruncatedMessage);
    expectError(invoke(k, IC, sgi(3, 0, 40, { caps: [] })), E.TruncatedMessage);
    expectError(invoke(k, IC, sgi(16, 8, SLOT.ep)), E.RangeError, [0, 15]);
    expectError(invoke(k, IC, sgi(15, 8, SLOT.ep)), E.InvalidArgument, [1]);
    expectError(invoke(k, IC, sgi(15, 7, 0x100)), E.FailedLookup, [0, 4, 32, 0, 24]);
    expectError(invoke(k, IC, sgi(15, 7, SLOT.ep)), E.DeleteFirst);
  });

  it('invoking the cap with any label makes the SGI pending at CPU interface 0 only', () => {
    const k = makeKernel();
    ok(k, IC, sgi(5, 0, 40));
    ok(k, IC, sgi(6, 3, 41));
    ok(k, 40, { label: 0 });
    expect(k.irq.isPending(5)).toBe(true);
    ok(k, 41, { label: LABEL.DomainSetSet, mrs: [1] });
    expect(k.irq.isPending(6)).toBe(false);
  });
});

describe('IRQHandler Ack, SetNotification, Clear', () => {
  function issued(): Kernel {
    const k = makeKernel();
    ok(k, IC, get(40, 40));
    return k;
  }

  it('Ack unmasks the line', () => {
    const k = issued();
    k.irq.mask(40);
    ok(k, 40, { label: LABEL.IRQAckIRQ });
    expect(k.irq.isMasked(40)).toBe(false);
  });

  it('SetNotification copies the notification cap into the IRQ slot, replacing the old one', () => {
    const k = issued();
    ok(k, 40, { label: LABEL.IRQSetIRQHandler, caps: [SLOT.ntfn] });
    expect(k.mem.read32(irqSlot(40))).toBe(k.mem.read32(rootSlot(SLOT.ntfn)));
    expect(k.mem.read32(irqSlot(40) + 4)).toBe(k.mem.read32(rootSlot(SLOT.ntfn) + 4));
    expect(cteGetPrev(k.mem, irqSlot(40))).toBe(rootSlot(SLOT.ntfn));
    const cap = k.readCap(rootSlot(SLOT.ntfn));
    k.writeCap(rootSlot(41), cap.w0, C.notificationCapSetCapNtfnBadge(cap.w1, 7));
    ok(k, 40, { label: LABEL.IRQSetIRQHandler, caps: [41] });
    expect(C.notificationCapGetCapNtfnBadge(k.mem.read32(irqSlot(40) + 4))).toBe(7);
  });

  it('Clear empties the IRQ slot; the line stays a signal line', () => {
    const k = issued();
    ok(k, 40, { label: LABEL.IRQSetIRQHandler, caps: [SLOT.ntfn] });
    ok(k, 40, { label: LABEL.IRQClearIRQHandler });
    expect(C.capGetCapType(k.mem.read32(irqSlot(40)))).toBe(C.CAP_NULL);
    expect(k.intStateIRQTable[40]).toBe(IRQ_SIGNAL);
    expect(mdbProblems(k, [...allFixtureSlots(), irqSlot(40)])).toEqual([]);
  });

  it('SetNotification errors: TruncatedMessage, InvalidCapability 0 (not a notification, or no Write)', () => {
    const k = issued();
    expectError(invoke(k, 40, { label: LABEL.IRQSetIRQHandler }), E.TruncatedMessage);
    expectError(invoke(k, 40, { label: LABEL.IRQSetIRQHandler, caps: [SLOT.ep] }), E.InvalidCapability, [0]);
    const cap = k.readCap(rootSlot(SLOT.ntfn));
    k.writeCap(rootSlot(41), cap.w0, C.notificationCapSetRights(cap.w1, 1, 0));
    expectError(invoke(k, 40, { label: LABEL.IRQSetIRQHandler, caps: [41] }), E.InvalidCapability, [0]);
    expect(C.capGetCapType(k.mem.read32(irqSlot(40)))).toBe(C.CAP_NULL);
  });

  it('a foreign label is IllegalOperation', () => {
    const k = issued();
    expectError(invoke(k, 40, { label: LABEL.IRQIssueIRQHandler, mrs: [41, 41, 32], caps: [CN] }), E.IllegalOperation);
  });
});
