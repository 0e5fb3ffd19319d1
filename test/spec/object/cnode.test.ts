import { Map as PMap } from 'immutable';
import { describe, expect, test } from 'vitest';
import { ALL_RIGHTS, type Cap } from '../../../spec/state/cap.js';
import type { CSlot } from '../../../spec/state/cslot.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { cdtChildren, cdtParent } from '../../../spec/kernel/cdt.js';
import { getCap, isOriginal, setCap } from '../../../spec/kernel/cspace-access.js';
import { createCap } from '../../../spec/kernel/cdt.js';
import { getTCB, setObject } from '../../../spec/kernel/kheap.js';
import { A, invoke, makeState, reply, rootSlot, SLOT, type Message } from '../fixture.js';

const s0 = makeState();
const CN = SLOT.cnode;
const r = rootSlot;

/** Runs a Call and checks the error reply: its label and MRs, and that nothing else changed. */
function expectError(s: KernelState, m: Message, label: number, mrs: number[], name: string): void {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe(name);
  expect(reply(state)).toMatchObject({ label, mrs });
  expect(state.kheap.get(A.rootCNode)).toEqual(s.kheap.get(A.rootCNode));
  expect(state.cdt.equals(s.cdt)).toBe(true);
}

function expectOk(s: KernelState, m: Message): KernelState {
  const { state, outcome } = invoke(s, m);
  expect(outcome).toEqual({ entry: typeof m.label === 'string' ? m.label : outcome.entry, result: 'ok' });
  expect(reply(state)).toMatchObject({ label: 0, length: 0, badge: 0 });
  return state;
}

const copy = (dest: number, src: number, rights = 0xf, more: Partial<Message> = {}): Message => ({
  cptr: CN,
  label: 'CNodeCopy',
  mrs: [dest, 32, src, 32, rights],
  extraCaps: [CN],
  ...more,
});
const mint = (dest: number, src: number, rights: number, data: number): Message => ({
  cptr: CN,
  label: 'CNodeMint',
  mrs: [dest, 32, src, 32, rights, data],
  extraCaps: [CN],
});

describe('decode_cnode_invocation: checks common to every label, in order', () => {
  test('a label that is not a CNode label: IllegalOperation', () => {
    expectError(s0, { cptr: CN, label: 'UntypedRetype', mrs: [1, 32] }, 3, [], 'IllegalOperation');
    expectError(s0, { cptr: CN, label: 'TCBSuspend' }, 3, [], 'IllegalOperation');
  });

  test('fewer than 2 arguments: TruncatedMessage', () => {
    expectError(s0, { cptr: CN, label: 'CNodeDelete', mrs: [40] }, 7, [], 'TruncatedMessage');
  });

  test('destination depth out of range: RangeError 1 32', () => {
    expectError(s0, { cptr: CN, label: 'CNodeDelete', mrs: [40, 0] }, 4, [1, 32], 'RangeError');
    expectError(s0, { cptr: CN, label: 'CNodeRevoke', mrs: [40, 33] }, 4, [1, 32], 'RangeError');
  });

  test('destination lookup failures are FailedLookup with source = 0', () => {
    expectError(s0, { cptr: CN, label: 'CNodeDelete', mrs: [0x100, 32] }, 6, [0, 4, 32, 0, 24], 'FailedLookup');
    expectError(s0, { cptr: CN, label: 'CNodeDelete', mrs: [0, 28] }, 6, [0, 3, 28, 32], 'FailedLookup');
  });

  test('copy-like labels without enough arguments or extra caps: TruncatedMessage', () => {
    expectError(s0, { cptr: CN, label: 'CNodeCopy', mrs: [40, 32, SLOT.ep], extraCaps: [CN] }, 7, [], 'TruncatedMessage');
    expectError(s0, { cptr: CN, label: 'CNodeMove', mrs: [40, 32, SLOT.ep, 32] }, 7, [], 'TruncatedMessage');
  });
});

describe('CNodeCopy / Mint / Move / Mutate errors, in order', () => {
  test('destination not empty: DeleteFirst (before the source lookup)', () => {
    expectError(s0, copy(SLOT.ntfn, 0x100), 8, [], 'DeleteFirst');
  });

  test('source root not a CNode: FailedLookup source InvalidRoot', () => {
    expectError(s0, copy(40, SLOT.ep, 0xf, { extraCaps: [SLOT.ep] }), 6, [1, 1], 'FailedLookup');
  });

  test('source depth out of range: RangeError', () => {
    expectError(s0, { ...copy(40, SLOT.ep), mrs: [40, 32, SLOT.ep, 0, 0xf] }, 4, [1, 32], 'RangeError');
  });

  test('source lookup failure: FailedLookup source', () => {
    expectError(s0, copy(40, 0x1000), 6, [1, 4, 32, 0, 24], 'FailedLookup');
  });

  test('empty source: FailedLookup source MissingCapability depth', () => {
    expectError(s0, copy(40, 41), 6, [1, 2, 32], 'FailedLookup');
  });

  test('too few words for the label after the source checks: TruncatedMessage', () => {
    expectError(s0, { cptr: CN, label: 'CNodeMint', mrs: [40, 32, SLOT.ep, 32, 0xf], extraCaps: [CN] }, 7, [], 'TruncatedMessage');
    expectError(s0, { cptr: CN, label: 'CNodeMutate', mrs: [40, 32, SLOT.ep, 32], extraCaps: [CN] }, 7, [], 'TruncatedMessage');
    expectError(s0, { cptr: CN, label: 'CNodeCopy', mrs: [40, 32, 41, 32], extraCaps: [CN] }, 6, [1, 2, 32], 'FailedLookup');
  });

  test('copying an untyped cap with children: RevokeFirst', () => {
    const s1 = createCap(s0, r(SLOT.untyped), r(50), { kind: 'EndpointCap', ptr: A.untyped, badge: 0, rights: ALL_RIGHTS });
    expectError(s1, copy(40, SLOT.untyped), 9, [], 'RevokeFirst');
  });

  test('caps that cannot be copied: IllegalOperation', () => {
    expectError(s0, copy(40, SLOT.irqControl), 3, [], 'IllegalOperation');
    const s1 = setCap(s0, r(50), { kind: 'PageTableCap', ptr: 0x10040000, mapping: null });
    expectError(s1, copy(40, 50), 3, [], 'IllegalOperation');
    const s2 = setCap(s0, r(50), { kind: 'PageDirectoryCap', ptr: 0x10044000, asid: null });
    expectError(s2, copy(40, 50), 3, [], 'IllegalOperation');
  });

  test('re-badging a badged cap, or Mutate of an endpoint: IllegalOperation', () => {
    const s1 = expectOk(s0, mint(40, SLOT.ep, 0xf, 5));
    expectError(s1, mint(41, 40, 0xf, 6), 3, [], 'IllegalOperation');
    expectError(s0, { cptr: CN, label: 'CNodeMutate', mrs: [40, 32, SLOT.ep, 32, 9], extraCaps: [CN] }, 3, [], 'IllegalOperation');
  });

  test('a CNode guard too large for the radix: IllegalOperation', () => {
    // guard size 25 + radix 8 > 32.
    expectError(s0, mint(40, SLOT.cnode, 0xf, 25 << 3), 3, [], 'IllegalOperation');
  });
});

describe('CNodeCopy / Mint / Move / Mutate success', () => {
  test('Copy masks the rights and makes a CDT child', () => {
    const s = expectOk(s0, copy(40, SLOT.ep, 0b0011));
    expect(getCap(s, r(40))).toEqual({ kind: 'EndpointCap', ptr: A.ep, badge: 0, rights: { read: true, write: true, grant: false, grantReply: false } });
    expect(cdtParent(s, r(40))).toEqual(r(SLOT.ep));
    expect(isOriginal(s, r(40))).toBe(false);
  });

  test('Copy of a frame cap drops its mapping; frame rights are validated', () => {
    const s1 = setCap(s0, r(50), { kind: 'FrameCap', isDevice: false, ptr: 0x10050000, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: 1, vaddr: 0x1000 } });
    const s = expectOk(s1, copy(40, 50, 0b0001));
    expect(getCap(s, r(40))).toMatchObject({ kind: 'FrameCap', rights: 'VMKernelOnly', mapping: null });
  });

  test('Mint badges an unbadged endpoint cap (28 bits), which becomes original', () => {
    const s = expectOk(s0, mint(40, SLOT.ep, 0xf, 0xfffffff5));
    expect(getCap(s, r(40))).toMatchObject({ kind: 'EndpointCap', badge: 0xffffff5 });
    expect(isOriginal(s, r(40))).toBe(true);
    expect(cdtParent(s, r(40))).toEqual(r(SLOT.ep));
  });

  test('Mint of a notification cap never keeps Grant', () => {
    const s = expectOk(s0, mint(40, SLOT.ntfn, 0xf, 3));
    expect(getCap(s, r(40))).toMatchObject({ kind: 'NotificationCap', badge: 3, rights: { grant: false, grantReply: false, read: true, write: true } });
  });

  test('Mint sets a CNode guard', () => {
    const s = expectOk(s0, mint(40, SLOT.cnodeB, 0, (0x5 << 8) | (3 << 3)));
    expect(getCap(s, r(40))).toEqual({ kind: 'CNodeCap', ptr: A.cnodeB, bits: 2, guard: { value: 5, size: 3 } });
  });

  test('Move keeps the CDT position and the original flag', () => {
    const s = expectOk(s0, { cptr: CN, label: 'CNodeMove', mrs: [40, 32, SLOT.ep, 32], extraCaps: [CN] });
    expect(getCap(s, r(SLOT.ep)).kind).toBe('NullCap');
    expect(getCap(s, r(40))).toMatchObject({ kind: 'EndpointCap', badge: 0 });
    expect(isOriginal(s, r(40))).toBe(true);
  });

  test('Mutate sets a CNode guard in place of a move', () => {
    const s = expectOk(s0, { cptr: CN, label: 'CNodeMutate', mrs: [40, 32, SLOT.cnodeB, 32, 2 << 3], extraCaps: [CN] });
    expect(getCap(s, r(40))).toEqual({ kind: 'CNodeCap', ptr: A.cnodeB, bits: 2, guard: { value: 0, size: 2 } });
    expect(getCap(s, r(SLOT.cnodeB)).kind).toBe('NullCap');
  });

  test('Mutate of caps without cap data leaves them unchanged', () => {
    const s = expectOk(s0, { cptr: CN, label: 'CNodeMutate', mrs: [40, 32, SLOT.domain, 32, 99], extraCaps: [CN] });
    expect(getCap(s, r(40))).toEqual({ kind: 'DomainCap' });
  });
});

describe('CNodeRotate', () => {
  const rotate = (dest: number, destData: number, pivot: number, pivotData: number, src: number, depths = [32, 32, 32]): Message => ({
    cptr: CN,
    label: 'CNodeRotate',
    mrs: [dest, depths[0] ?? 32, destData, pivot, depths[1] ?? 32, pivotData, src, depths[2] ?? 32],
    extraCaps: [CN, CN],
  });

  test('errors in order', () => {
    expectError(s0, { ...rotate(40, 0, SLOT.ep, 0, SLOT.ntfn), extraCaps: [CN] }, 7, [], 'TruncatedMessage');
    expectError(s0, rotate(40, 0, SLOT.ep, 0, 0x1000), 6, [1, 4, 32, 0, 24], 'FailedLookup');
    expectError(s0, rotate(40, 0, 0x1000, 0, SLOT.ntfn), 6, [1, 4, 32, 0, 24], 'FailedLookup');
    expectError(s0, rotate(40, 0, SLOT.ntfn, 0, SLOT.ntfn), 3, [], 'IllegalOperation');
    expectError(s0, rotate(SLOT.ep, 0, SLOT.ep, 0, SLOT.ntfn), 3, [], 'IllegalOperation');
    expectError(s0, rotate(SLOT.domain, 0, SLOT.ep, 0, SLOT.ntfn), 8, [], 'DeleteFirst');
    expectError(s0, rotate(40, 0, SLOT.ep, 0, 41, [32, 32, 31]), 6, [1, 3, 31, 32], 'FailedLookup');
    expectError(s0, rotate(40, 0, SLOT.ep, 0, 41), 6, [1, 2, 32], 'FailedLookup');
    expectError(s0, rotate(40, 0, 41, 0, SLOT.ep), 6, [0, 2, 32], 'FailedLookup');
    // Rotate updates in place: any endpoint or notification cap becomes null.
    expectError(s0, rotate(40, 0, SLOT.domain, 0, SLOT.ep), 3, [], 'IllegalOperation');
    expectError(s0, rotate(40, 0, SLOT.ntfn, 0, SLOT.domain), 3, [], 'IllegalOperation');
  });

  test('dest <- pivot, pivot <- src', () => {
    const s = expectOk(s0, rotate(40, 2 << 3, SLOT.cnodeB, 0, SLOT.domain));
    expect(getCap(s, r(40))).toEqual({ kind: 'CNodeCap', ptr: A.cnodeB, bits: 2, guard: { value: 0, size: 2 } });
    expect(getCap(s, r(SLOT.cnodeB))).toEqual({ kind: 'DomainCap' });
    expect(getCap(s, r(SLOT.domain)).kind).toBe('NullCap');
    expect(isOriginal(s, r(40))).toBe(true);
  });

  test('with dest = src the two caps swap', () => {
    const s = expectOk(s0, rotate(SLOT.domain, 0, SLOT.cnodeB, 0, SLOT.domain));
    expect(getCap(s, r(SLOT.domain))).toMatchObject({ kind: 'CNodeCap', ptr: A.cnodeB });
    expect(getCap(s, r(SLOT.cnodeB))).toEqual({ kind: 'DomainCap' });
  });
});

describe('CNodeSaveCaller, CNodeCancelBadgedSends, CNodeRevoke, CNodeDelete', () => {
  test('SaveCaller: destination must be empty; an empty caller slot does nothing', () => {
    expectError(s0, { cptr: CN, label: 'CNodeSaveCaller', mrs: [SLOT.ep, 32] }, 8, [], 'DeleteFirst');
    const s = expectOk(s0, { cptr: CN, label: 'CNodeSaveCaller', mrs: [40, 32] });
    expect(getCap(s, r(40)).kind).toBe('NullCap');
  });

  test('SaveCaller moves a reply cap out of the caller slot', () => {
    const replyCap: Cap = { kind: 'ReplyCap', tcb: A.idleTCB, isMaster: false, rights: { read: false, write: true, grant: false, grantReply: false } };
    const s1 = setCap(s0, { obj: A.rootTCB, index: 3 }, replyCap);
    const s = expectOk(s1, { cptr: CN, label: 'CNodeSaveCaller', mrs: [40, 32] });
    expect(getCap(s, r(40))).toEqual(replyCap);
    expect(getCap(s, { obj: A.rootTCB, index: 3 }).kind).toBe('NullCap');
  });

  test('CancelBadgedSends needs an endpoint cap with all rights', () => {
    expectError(s0, { cptr: CN, label: 'CNodeCancelBadgedSends', mrs: [SLOT.ntfn, 32] }, 3, [], 'IllegalOperation');
    expectError(s0, { cptr: CN, label: 'CNodeCancelBadgedSends', mrs: [40, 32] }, 3, [], 'IllegalOperation');
    const s1 = expectOk(s0, copy(40, SLOT.ep, 0b0111));
    expectError(s1, { cptr: CN, label: 'CNodeCancelBadgedSends', mrs: [40, 32] }, 3, [], 'IllegalOperation');
    expectOk(s0, { cptr: CN, label: 'CNodeCancelBadgedSends', mrs: [SLOT.ep, 32] });
  });

  test('CancelBadgedSends restarts the senders with that badge only', () => {
    const T1 = 0x10060000;
    const T2 = 0x10060200;
    const blocked = (badge: number) => ({
      ...getTCB(s0, A.idleTCB),
      state: { kind: 'BlockedOnSend' as const, ep: A.ep, badge, canGrant: false, canGrantReply: false, isCall: false },
      priority: 10,
    });
    let s1 = { ...s0, kheap: s0.kheap.set(T1, blocked(5)).set(T2, blocked(6)) };
    s1 = setObject(s1, A.ep, { kind: 'Endpoint', state: { kind: 'SendEP', queue: [T1, T2] } });
    const s2 = expectOk(s1, mint(40, SLOT.ep, 0xf, 5));
    const s = expectOk(s2, { cptr: CN, label: 'CNodeCancelBadgedSends', mrs: [40, 32] });
    expect(s.kheap.get(A.ep)).toEqual({ kind: 'Endpoint', state: { kind: 'SendEP', queue: [T2] } });
    expect(getTCB(s, T1).state).toEqual({ kind: 'Restart' });
    expect(s.readyQueues.get(10)).toEqual([T1]);
    expect(s.curThread).toBe(A.rootTCB);
  });

  test('Revoke deletes all descendants; Delete of an empty slot does nothing', () => {
    const s1 = expectOk(s0, copy(40, SLOT.ep));
    const s2 = expectOk(s1, mint(41, SLOT.ep, 0xf, 3));
    const s3 = expectOk(s2, copy(42, 41));
    const s = expectOk(s3, { cptr: CN, label: 'CNodeRevoke', mrs: [SLOT.ep, 32] });
    for (const i of [40, 41, 42]) expect(getCap(s, r(i)).kind).toBe('NullCap');
    expect(cdtChildren(s, r(SLOT.ep))).toEqual([]);
    expect(getCap(s, r(SLOT.ep)).kind).toBe('EndpointCap');
    expectOk(s0, { cptr: CN, label: 'CNodeDelete', mrs: [40, 32] });
    expectOk(s0, { cptr: CN, label: 'CNodeRevoke', mrs: [40, 32] });
  });

  test('Delete of the final endpoint cap restarts its queue', () => {
    const T1 = 0x10060000;
    const recv = { ...getTCB(s0, A.idleTCB), state: { kind: 'BlockedOnReceive' as const, ep: A.ep, canGrant: false }, priority: 200 };
    let s1 = { ...s0, kheap: s0.kheap.set(T1, recv) };
    s1 = setObject(s1, A.ep, { kind: 'Endpoint', state: { kind: 'RecvEP', queue: [T1] } });
    const { state: s } = invoke(s1, { cptr: CN, label: 'CNodeDelete', mrs: [SLOT.ep, 32] });
    expect(getCap(s, r(SLOT.ep)).kind).toBe('NullCap');
    expect(s.kheap.get(A.ep)).toEqual({ kind: 'Endpoint', state: { kind: 'IdleEP' } });
    expect(getTCB(s, T1).state).toEqual({ kind: 'Restart' });
    // The root thread (priority 255) keeps running; T1 waits in its queue.
    expect(s.curThread).toBe(A.rootTCB);
    expect(s.readyQueues.get(200)).toEqual([T1]);
  });
});

describe('deleting CNodes and TCBs through Zombies', () => {
  const B = (i: number): CSlot => ({ obj: A.cnodeB, index: i });
  const del = (slot: number): Message => ({ cptr: CN, label: 'CNodeDelete', mrs: [slot, 32] });

  test('the final cap to a CNode: every slot of it is deleted, last first', () => {
    const s1 = expectOk(s0, mint(40, SLOT.ep, 0xf, 9));
    const s2 = expectOk(s1, { cptr: SLOT.cnodeB, label: 'CNodeMove', mrs: [3, 2, 40, 32], extraCaps: [CN] });
    expect(getCap(s2, B(3))).toMatchObject({ kind: 'EndpointCap', badge: 9 });
    const inB = setCap(setCap(s2, B(1), { kind: 'DomainCap' }), B(2), { kind: 'IRQControlCap' });
    const s = expectOk(inB, del(SLOT.cnodeB));
    expect(cdtChildren(s, r(SLOT.ep))).toEqual([]);
    expect(getCap(s, r(SLOT.cnodeB)).kind).toBe('NullCap');
    for (const i of [0, 1, 2, 3]) expect(getCap(s, B(i)).kind).toBe('NullCap');
    expect(s.workUnitsCompleted).toBe(4);
  });

  test('a CNode holding the only cap to another CNode, which is left as a Zombie island', () => {
    const C = 0x10070000;
    let s1: KernelState = { ...s0, kheap: s0.kheap.set(C, { kind: 'CNode', bits: 1, slots: PMap() }) };
    s1 = setCap(s1, B(0), { kind: 'CNodeCap', ptr: C, bits: 1, guard: { value: 0, size: 0 } });
    s1 = setCap(s1, { obj: C, index: 1 }, { kind: 'DomainCap' });
    const s = expectOk(s1, del(SLOT.cnodeB));
    expect(getCap(s, r(SLOT.cnodeB)).kind).toBe('NullCap');
    for (const i of [1, 2, 3]) expect(getCap(s, B(i)).kind).toBe('NullCap');
    // C's last cap was parked as a Zombie in C's own first slot, as seL4 leaves it; C's other
    // slots are cleared only when that Zombie is deleted (e.g. by revoking the untyped).
    expect(getCap(s, B(0)).kind).toBe('NullCap');
    expect(getCap(s, { obj: C, index: 0 })).toEqual({ kind: 'Zombie', ptr: C, type: { kind: 'ZombieCNode', bits: 1 }, number: 2 });
    expect(getCap(s, { obj: C, index: 1 })).toEqual({ kind: 'DomainCap' });
  });

  test('the final cap to the running thread: it is suspended and its slots emptied', () => {
    const { state: s, outcome } = invoke(s0, del(SLOT.tcb));
    expect(outcome).toEqual({ entry: 'CNodeDelete', result: 'ok' });
    expect(getCap(s, r(SLOT.tcb)).kind).toBe('NullCap');
    const t = getTCB(s, A.rootTCB);
    expect(t.state).toEqual({ kind: 'Inactive' });
    expect(t.caps.every((c) => c.kind === 'NullCap')).toBe(true);
    expect(s.curThread).toBe(A.idleTCB);
    expect(cdtChildren(s, r(SLOT.cnode))).toEqual([]);
  });

  test('the final IRQ handler cap deactivates and masks its line', () => {
    let s1 = setCap(s0, r(40), { kind: 'IRQHandlerCap', irq: 40 });
    s1 = { ...s1, irqStates: s1.irqStates.map((st, i) => (i === 40 ? 'IRQSignal' : st)), machine: { ...s1.machine, irqMasks: s1.machine.irqMasks.map((m, i) => (i === 40 ? false : m)) } };
    s1 = setCap(s1, { obj: A.irqNode + 16 * 40, index: 0 }, getCap(s1, r(SLOT.ntfn)));
    const s = expectOk(s1, del(40));
    expect(s.irqStates[40]).toBe('IRQInactive');
    expect(s.machine.irqMasks[40]).toBe(true);
    expect(getCap(s, { obj: A.irqNode + 16 * 40, index: 0 }).kind).toBe('NullCap');
  });

  test('the final ASID pool cap unregisters the pool and its ASIDs', () => {
    const s1 = { ...s0, arch: { ...s0.arch, asidMap: s0.arch.asidMap.set(1, { hwASID: 3, pd: A.rootPD }), hwASIDTable: s0.arch.hwASIDTable.set(3, 1) } };
    const s = expectOk(s1, del(SLOT.asidPool));
    expect(s.arch.asidTable.size).toBe(0);
    expect(s.arch.asidMap.size).toBe(0);
    expect(s.arch.hwASIDTable.size).toBe(0);
  });

  test('deleting a frame cap whose recorded mapping is gone from the tables just empties the slot', () => {
    const s1 = setCap(s0, r(50), { kind: 'FrameCap', isDevice: false, ptr: 0x10050000, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: { asid: 1, vaddr: 0x1000 } });
    const { state, outcome } = invoke(s1, del(50));
    expect(outcome.result).toBe('ok');
    expect(getCap(state, r(50)).kind).toBe('NullCap');
  });
});
