import { describe, expect, test } from 'vitest';
import { ERROR_CODE as E } from '../../../abi/errors.js';
import { MAX_IRQ } from '../../../abi/config.js';
import type { Cap } from '../../../spec/state/cap.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { cdtParent } from '../../../spec/kernel/cdt.js';
import { getCap, isOriginal, setCap } from '../../../spec/kernel/cspace-access.js';
import { getIRQSlot, maskInterrupt } from '../../../spec/kernel/kheap.js';
import { A, invoke, makeState, reply, rootSlot, SLOT, TIMER_IRQ, type Message } from '../fixture.js';

const s0 = makeState();
const CN = SLOT.cnode;
const IC = SLOT.irqControl;

function expectError(s: KernelState, m: Message, label: number, mrs: number[], name: string): void {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe(name);
  expect(reply(state)).toMatchObject({ label, mrs });
  expect(state.kheap.get(A.rootCNode)).toEqual(s.kheap.get(A.rootCNode));
  expect(state.irqStates).toEqual(s.irqStates);
  expect(state.machine.irqMasks).toEqual(s.machine.irqMasks);
  expect(state.machine.irqPending).toEqual(s.machine.irqPending);
}

function expectOk(s: KernelState, m: Message): KernelState {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe('ok');
  expect(reply(state)).toMatchObject({ label: 0, length: 0 });
  return state;
}

const get = (irq: number, dest: number, depth = 32, more: Partial<Message> = {}): Message => ({
  cptr: IC, label: 'IRQIssueIRQHandler', mrs: [irq, dest, depth], extraCaps: [CN], ...more,
});
const getTrigger = (irq: number, trigger: number, dest: number, more: Partial<Message> = {}): Message => ({
  cptr: IC, label: 'ARMIRQIssueIRQHandlerTrigger', mrs: [irq, trigger, dest, 32], extraCaps: [CN], ...more,
});
const sgi = (irq: number, target: number, dest: number, more: Partial<Message> = {}): Message => ({
  cptr: IC, label: 'ARMIRQIssueSGISignal', mrs: [irq, target, dest, 32], extraCaps: [CN], ...more,
});

describe('IRQControl Get (IRQIssueIRQHandler)', () => {
  test('creates a handler cap, CDT child of the control cap; the line signals and is unmasked', () => {
    const s = expectOk(s0, get(40, 40));
    expect(getCap(s, rootSlot(40))).toEqual({ kind: 'IRQHandlerCap', irq: 40 });
    expect(cdtParent(s, rootSlot(40))).toEqual(rootSlot(IC));
    expect(isOriginal(s, rootSlot(40))).toBe(true);
    expect(s.irqStates[40]).toBe('IRQSignal');
    expect(s.machine.irqMasks[40]).toBe(false);
  });

  test('errors in order: TruncatedMessage, RangeError, RevokeFirst, lookup, DeleteFirst', () => {
    expectError(s0, get(40, 40, 32, { mrs: [40, 40] }), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, get(40, 40, 32, { extraCaps: [] }), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, get(MAX_IRQ + 1, SLOT.ep), E.RangeError, [0, MAX_IRQ], 'RangeError');
    expectError(s0, get(0xffffffff, 40), E.RangeError, [0, MAX_IRQ], 'RangeError');
    expectError(s0, get(TIMER_IRQ, SLOT.ep, 0), E.RevokeFirst, [], 'RevokeFirst');
    expectError(s0, get(40, 40, 0), E.RangeError, [1, 32], 'RangeError');
    expectError(s0, get(40, 0x100), E.FailedLookup, [0, 4, 32, 0, 24], 'FailedLookup');
    expectError(s0, get(40, 40, 32, { extraCaps: [SLOT.ep] }), E.FailedLookup, [0, 1], 'FailedLookup');
    expectError(s0, get(40, SLOT.ep), E.DeleteFirst, [], 'DeleteFirst');
  });

  test('the largest line is accepted; an issued line is then RevokeFirst', () => {
    const s = expectOk(s0, get(MAX_IRQ, 40));
    expectError(s, get(MAX_IRQ, 41), E.RevokeFirst, [], 'RevokeFirst');
  });

  test('a label the IRQ control cap does not know: IllegalOperation', () => {
    expectError(s0, { cptr: IC, label: 'IRQAckIRQ' }, E.IllegalOperation, [], 'IllegalOperation');
    expectError(s0, { cptr: IC, label: 'CNodeCopy', mrs: [1, 2, 3, 4] }, E.IllegalOperation, [], 'IllegalOperation');
  });
});

describe('IRQControl GetTrigger (ARMIRQIssueIRQHandlerTrigger)', () => {
  test('issues the handler like Get (edge and level)', () => {
    const s = expectOk(s0, getTrigger(50, 1, 40));
    expect(getCap(s, rootSlot(40))).toEqual({ kind: 'IRQHandlerCap', irq: 50 });
    expect(s.irqStates[50]).toBe('IRQSignal');
    expect(s.machine.irqMasks[50]).toBe(false);
    const s2 = expectOk(s, getTrigger(51, 0, 41));
    expect(getCap(s2, rootSlot(41))).toEqual({ kind: 'IRQHandlerCap', irq: 51 });
  });

  test('errors in order', () => {
    expectError(s0, getTrigger(50, 1, 40, { mrs: [50, 1, 40] }), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, getTrigger(50, 1, 40, { extraCaps: [] }), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, getTrigger(MAX_IRQ + 1, 1, SLOT.ep), E.RangeError, [0, MAX_IRQ], 'RangeError');
    expectError(s0, getTrigger(TIMER_IRQ, 1, SLOT.ep), E.RevokeFirst, [], 'RevokeFirst');
    expectError(s0, getTrigger(50, 1, 0x100), E.FailedLookup, [0, 4, 32, 0, 24], 'FailedLookup');
    expectError(s0, getTrigger(50, 1, SLOT.ep), E.DeleteFirst, [], 'DeleteFirst');
  });
});

describe('IRQControl IssueSGISignal and SGI signal caps', () => {
  test('creates an SGI signal cap, CDT child of the control cap; no line changes state', () => {
    const s = expectOk(s0, sgi(3, 0, 40));
    expect(getCap(s, rootSlot(40))).toEqual({ kind: 'SGISignalCap', irq: 3, target: 0 });
    expect(cdtParent(s, rootSlot(40))).toEqual(rootSlot(IC));
    expect(s.irqStates).toEqual(s0.irqStates);
    expect(s.machine.irqMasks).toEqual(s0.machine.irqMasks);
    expect(s.machine.irqPending).toEqual([]);
  });

  test('errors in order: TruncatedMessage, RangeError 0 15, InvalidArgument 1, lookup, DeleteFirst', () => {
    expectError(s0, sgi(3, 0, 40, { mrs: [3, 0, 40] }), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, sgi(3, 0, 40, { extraCaps: [] }), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, sgi(16, 8, SLOT.ep), E.RangeError, [0, 15], 'RangeError');
    expectError(s0, sgi(15, 8, SLOT.ep), E.InvalidArgument, [1], 'InvalidArgument');
    expectError(s0, sgi(15, 7, 0x100), E.FailedLookup, [0, 4, 32, 0, 24], 'FailedLookup');
    expectError(s0, sgi(15, 7, SLOT.ep), E.DeleteFirst, [], 'DeleteFirst');
  });

  test('an SGI cap raises its SGI at this CPU (target 0) whatever the label; other targets reach no CPU', () => {
    const s = expectOk(expectOk(s0, sgi(5, 0, 40)), sgi(6, 3, 41));
    const r1 = expectOk(s, { cptr: 40, label: 0 });
    expect(r1.machine.irqPending).toEqual([5]);
    const r2 = expectOk(r1, { cptr: 40, label: 'DomainSetSet', mrs: [1, 2] });
    expect(r2.machine.irqPending).toEqual([5]);
    const r3 = expectOk(r2, { cptr: 41, label: 0 });
    expect(r3.machine.irqPending).toEqual([5]);
  });
});

describe('IRQHandler Ack, SetNotification, Clear', () => {
  const issued = expectOk(s0, get(40, 40));
  const H = 40;
  const ntfnCap = getCap(s0, rootSlot(SLOT.ntfn));
  const withCap = (s: KernelState, slot: number, cap: Cap): KernelState => setCap(s, rootSlot(slot), cap);

  test('Ack unmasks the line', () => {
    const masked = maskInterrupt(issued, true, 40);
    const s = expectOk(masked, { cptr: H, label: 'IRQAckIRQ' });
    expect(s.machine.irqMasks[40]).toBe(false);
  });

  test('SetNotification puts a CDT child of the notification cap in the handler slot, replacing the old one', () => {
    const s = expectOk(issued, { cptr: H, label: 'IRQSetIRQHandler', extraCaps: [SLOT.ntfn] });
    expect(getCap(s, getIRQSlot(s, 40))).toEqual(ntfnCap);
    expect(cdtParent(s, getIRQSlot(s, 40))).toEqual(rootSlot(SLOT.ntfn));
    const badged = { ...ntfnCap, badge: 7 } as Cap;
    const s2 = expectOk(withCap(s, 41, badged), { cptr: H, label: 'IRQSetIRQHandler', extraCaps: [41] });
    expect(getCap(s2, getIRQSlot(s2, 40))).toEqual(badged);
    // slot 41's cap is not original, so the copy takes its parent (none) instead of it
    expect(cdtParent(s2, getIRQSlot(s2, 40))).toBeUndefined();
    expect(getCap(s2, rootSlot(SLOT.ntfn))).toEqual(ntfnCap);
  });

  test('Clear empties the handler slot', () => {
    const s = expectOk(issued, { cptr: H, label: 'IRQSetIRQHandler', extraCaps: [SLOT.ntfn] });
    const s2 = expectOk(s, { cptr: H, label: 'IRQClearIRQHandler' });
    expect(getCap(s2, getIRQSlot(s2, 40))).toEqual({ kind: 'NullCap' });
    expect(s2.irqStates[40]).toBe('IRQSignal');
  });

  test('SetNotification errors: TruncatedMessage, InvalidCapability 0 (not a notification, or no Write)', () => {
    expectError(issued, { cptr: H, label: 'IRQSetIRQHandler' }, E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(issued, { cptr: H, label: 'IRQSetIRQHandler', extraCaps: [SLOT.ep] }, E.InvalidCapability, [0], 'InvalidCapability');
    const readOnly = { ...ntfnCap, rights: { read: true, write: false, grant: false, grantReply: false } } as Cap;
    expectError(withCap(issued, 41, readOnly), { cptr: H, label: 'IRQSetIRQHandler', extraCaps: [41] }, E.InvalidCapability, [0], 'InvalidCapability');
  });

  test('a label the handler cap does not know: IllegalOperation', () => {
    expectError(issued, { cptr: H, label: 'IRQIssueIRQHandler', mrs: [41, 41, 32], extraCaps: [CN] }, E.IllegalOperation, [], 'IllegalOperation');
  });
});
