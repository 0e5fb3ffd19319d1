// TCB invocations on the spec (spec/object/tcb.ts and tcb/): every label's success and each
// of its errors in seL4's order, on the hand-made fixture plus a second thread.
import { describe, expect, test } from 'vitest';
import { ERROR_CODE } from '../../../abi/errors.js';
import { FAULT_REGISTER, NEXT_IP_REGISTER, Reg, TLS_BASE_REGISTER, USER_CONTEXT_ORDER } from '../../../hardware/registers.js';
import { cdtParent } from '../../../spec/kernel/cdt.js';
import { getCap, setCap, setOriginal } from '../../../spec/kernel/cspace-access.js';
import { getNotification, getTCB, insertObject, updateTCB } from '../../../spec/kernel/kheap.js';
import { setRegisters } from '../../../spec/kernel/thread.js';
import { restart } from '../../../spec/object/tcb.js';
import { defaultTCB } from '../../../spec/object/untyped/default-object.js';
import type { Cap } from '../../../spec/state/cap.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import type { TCB } from '../../../spec/state/object.js';
import { A, invoke, makeState, reply, rootSlot, SLOT, type Message } from '../fixture.js';

/** A second thread, its cap in root slot 20. */
const OTHER = 0x10040000;
const OTHER_SLOT = 20;
const E = ERROR_CODE;

function withOther(s: KernelState, fields: Partial<TCB> = {}): KernelState {
  const t: TCB = { ...defaultTCB(0), priority: 100, mcp: 100, ...fields };
  const s1 = insertObject(s, OTHER, t);
  return setOriginal(setCap(s1, rootSlot(OTHER_SLOT), { kind: 'ThreadCap', tcb: OTHER }), rootSlot(OTHER_SLOT), true);
}

const S0 = withOther(makeState());
const tcbOf = (s: KernelState, t = OTHER): TCB => getTCB(s, t);

function expectError(s: KernelState, m: Message, label: number, mrs: number[], name: string): void {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe(name);
  expect(reply(state, A.rootTCB)).toMatchObject({ label, mrs });
  expect(tcbOf(state)).toEqual(tcbOf(s));
}

function expectOk(s: KernelState, m: Message, mrs: number[] = []): KernelState {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe('ok');
  expect(reply(state, A.rootTCB)).toMatchObject({ label: 0, length: mrs.length, mrs, badge: 0 });
  return state;
}

const other = (label: Message['label'], mrs: number[] = [], extraCaps: number[] = []): Message => ({
  cptr: OTHER_SLOT, label, mrs, extraCaps,
});

describe('decode_tcb_invocation', () => {
  test('a label of another object on a thread cap: IllegalOperation', () => {
    expectError(S0, other('CNodeCopy', [1, 2, 3, 4, 5]), E.IllegalOperation, [], 'IllegalOperation');
    expectError(S0, other('UntypedRetype'), E.IllegalOperation, [], 'IllegalOperation');
  });
});

describe('ReadRegisters', () => {
  const regs = (s: KernelState): KernelState =>
    setRegisters(s, OTHER, USER_CONTEXT_ORDER.map((r, i) => [r, 0x1000 + i] as const));

  test('errors in order: truncated, count range, self', () => {
    expectError(S0, other('TCBReadRegisters', [0]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBReadRegisters', [0, 0]), E.RangeError, [1, 19], 'RangeError');
    expectError(S0, other('TCBReadRegisters', [0, 20]), E.RangeError, [1, 19], 'RangeError');
    expectError(S0, { cptr: SLOT.tcb, label: 'TCBReadRegisters', mrs: [0, 1] }, E.IllegalOperation, [], 'IllegalOperation');
  });

  test('replies with n registers in seL4_UserContext order', () => {
    expectOk(regs(S0), other('TCBReadRegisters', [0, 19]), USER_CONTEXT_ORDER.map((_, i) => 0x1000 + i));
    expectOk(regs(S0), other('TCBReadRegisters', [0, 3]), [0x1000, 0x1001, 0x1002]);
  });

  test('the suspend flag suspends the source first (a running source resumes after its trap)', () => {
    const s = setRegisters(updateTCB(regs(S0), OTHER, { state: { kind: 'Running' } }), OTHER, [[NEXT_IP_REGISTER, 0x5555]]);
    const s1 = expectOk(s, other('TCBReadRegisters', [1, 2]), [0x5555, 0x1001]);
    expect(tcbOf(s1).state.kind).toBe('Inactive');
    expect(tcbOf(s1).context[FAULT_REGISTER]).toBe(0x5555);
  });
});

describe('WriteRegisters', () => {
  test('errors in order: truncated, too few values, self', () => {
    expectError(S0, other('TCBWriteRegisters', [0]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBWriteRegisters', [0, 3, 1, 2]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, { cptr: SLOT.tcb, label: 'TCBWriteRegisters', mrs: [0, 0] }, E.IllegalOperation, [], 'IllegalOperation');
  });

  test('writes the values in order, sanitises CPSR, resumes at FaultIP', () => {
    const values = USER_CONTEXT_ORDER.map((_, i) => 0x2000 + i);
    values[2] = 0xffffffff; // CPSR
    const s1 = expectOk(S0, other('TCBWriteRegisters', [0, 19, ...values]));
    const ctx = tcbOf(s1).context;
    expect(ctx[Reg.FaultIP]).toBe(0x2000);
    expect(ctx[Reg.SP]).toBe(0x2001);
    expect(ctx[Reg.CPSR]).toBe(0xf8000150);
    expect(ctx[Reg.TPIDRURO]).toBe(0x2000 + 18);
    expect(ctx[NEXT_IP_REGISTER]).toBe(0x2000);
    expect(tcbOf(s1).state.kind).toBe('Inactive');
  });

  test('more than 19 values: only 19 written; the resume flag restarts the target', () => {
    const s1 = expectOk(S0, other('TCBWriteRegisters', [1, 21, ...Array.from({ length: 21 }, (_, i) => i + 1)]));
    expect(tcbOf(s1).context[Reg.TPIDRURO]).toBe(19);
    expect(tcbOf(s1).state.kind).toBe('Restart');
    expect(tcbOf(s1).caps[2]).toMatchObject({ kind: 'ReplyCap', isMaster: true, tcb: OTHER });
    expect(s1.readyQueues.get(100)).toEqual([OTHER]);
  });
});

describe('CopyRegisters', () => {
  test('errors in order: no flags, no extra cap, extra cap not a thread', () => {
    expectError(S0, other('TCBCopyRegisters', [], [SLOT.tcb]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBCopyRegisters', [0xf]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBCopyRegisters', [0xf], [SLOT.cnode]), E.InvalidCapability, [1], 'InvalidCapability');
  });

  test('frame and integer registers separately; frame also sets NextIP := FaultIP', () => {
    const src = setRegisters(S0, A.rootTCB, [[Reg.FaultIP, 0x111], [Reg.R8, 0x888], [Reg.R6, 0x666]]);
    const frame = expectOk(src, other('TCBCopyRegisters', [0b0100], [SLOT.tcb]));
    expect(tcbOf(frame).context[Reg.FaultIP]).toBe(0x111);
    expect(tcbOf(frame).context[NEXT_IP_REGISTER]).toBe(0x111);
    expect(tcbOf(frame).context[Reg.R8]).toBe(0x888);
    expect(tcbOf(frame).context[Reg.R6]).toBe(0);
    const integer = expectOk(src, other('TCBCopyRegisters', [0b1000], [SLOT.tcb]));
    expect(tcbOf(integer).context[Reg.R6]).toBe(0x666);
    expect(tcbOf(integer).context[Reg.R8]).toBe(0);
  });

  test('suspending the caller as source stops it: no reply, another thread is chosen', () => {
    const { state, outcome } = invoke(S0, other('TCBCopyRegisters', [0b0001], [SLOT.tcb]));
    expect(outcome.result).toBe('ok');
    expect(tcbOf(state, A.rootTCB).state.kind).toBe('Inactive');
    expect(state.curThread).toBe(A.idleTCB);
  });
});

describe('SetPriority, SetMCPriority, SetSchedParams', () => {
  test('errors in order: truncated, authority not a TCB, above the authority MCP', () => {
    expectError(S0, other('TCBSetPriority', [], [SLOT.tcb]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBSetPriority', [5]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBSetPriority', [5], [SLOT.cnode]), E.InvalidCapability, [1], 'InvalidCapability');
    expectError(S0, other('TCBSetPriority', [101], [OTHER_SLOT]), E.RangeError, [0, 100], 'RangeError');
    expectError(S0, other('TCBSetMCPriority', [256], [SLOT.tcb]), E.RangeError, [0, 255], 'RangeError');
    expectError(S0, other('TCBSetSchedParams', [5], [SLOT.tcb]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBSetSchedParams', [101, 0], [OTHER_SLOT]), E.RangeError, [0, 100], 'RangeError');
    expectError(S0, other('TCBSetSchedParams', [0, 101], [OTHER_SLOT]), E.RangeError, [0, 100], 'RangeError');
  });

  test('set the fields; a runnable thread moves to its new queue', () => {
    const s = restart(S0, OTHER);
    const s1 = expectOk(s, other('TCBSetPriority', [200], [SLOT.tcb]));
    expect(tcbOf(s1).priority).toBe(200);
    expect(s1.readyQueues.get(100)).toBeUndefined();
    expect(s1.readyQueues.get(200)).toEqual([OTHER]);
    expect(tcbOf(expectOk(S0, other('TCBSetMCPriority', [7], [SLOT.tcb]))).mcp).toBe(7);
    expect(tcbOf(expectOk(S0, other('TCBSetSchedParams', [9, 8], [SLOT.tcb])))).toMatchObject({ mcp: 9, priority: 8 });
  });

  test('a higher priority for a runnable thread makes it run next', () => {
    const s = restart(S0, OTHER);
    const { state } = invoke(updateTCB(s, A.rootTCB, { priority: 150 }), other('TCBSetPriority', [255], [SLOT.tcb]));
    expect(state.curThread).toBe(OTHER);
  });
});

describe('SetIPCBuffer', () => {
  test('errors: truncated, not a frame, misaligned', () => {
    expectError(S0, other('TCBSetIPCBuffer', [0]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, other('TCBSetIPCBuffer', [0x1000], [SLOT.ep]), E.IllegalOperation, [], 'IllegalOperation');
    expectError(S0, other('TCBSetIPCBuffer', [0x1100], [SLOT.ipcBuffer]), E.AlignmentError, [], 'AlignmentError');
  });

  test('sets the address and a derived copy of the frame cap as a CDT child', () => {
    const s1 = expectOk(S0, other('TCBSetIPCBuffer', [0x1200], [SLOT.ipcBuffer]));
    expect(tcbOf(s1).ipcBuffer).toBe(0x1200);
    expect(tcbOf(s1).caps[4]).toMatchObject({ kind: 'FrameCap', ptr: A.ipcFrame, mapping: null });
    expect(cdtParent(s1, { obj: OTHER, index: 4 })).toEqual(rootSlot(SLOT.ipcBuffer));
    const s2 = expectOk(s1, other('TCBSetIPCBuffer', [0], [SLOT.ep]));
    expect(tcbOf(s2)).toMatchObject({ ipcBuffer: 0 });
    expect(tcbOf(s2).caps[4]).toEqual({ kind: 'NullCap' });
  });
});

describe('SetSpace and Configure', () => {
  const space = (mrs: number[], caps: number[]): Message => other('TCBSetSpace', mrs, caps);

  test('SetSpace errors in order', () => {
    expectError(S0, space([0, 0], [SLOT.cnode, SLOT.pd]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, space([0, 0, 0], [SLOT.cnode]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, space([0, 0, 0], [SLOT.ep, SLOT.pd]), E.IllegalOperation, [], 'IllegalOperation');
    // Guard size 25 + radix 8 > 32: the cap data makes the CNode cap null.
    expectError(S0, space([0, 25 << 3, 0], [SLOT.cnode, SLOT.pd]), E.IllegalOperation, [], 'IllegalOperation');
    expectError(S0, space([0, 0, 0], [SLOT.cnode, SLOT.ipcBuffer]), E.IllegalOperation, [], 'IllegalOperation');
    const unmapped = setCap(S0, rootSlot(40), { kind: 'PageDirectoryCap', ptr: A.rootPD, asid: null });
    expectError(unmapped, space([0, 0, 0], [SLOT.cnode, 40]), E.IllegalOperation, [], 'IllegalOperation');
  });

  test('SetSpace while the current CSpace root is being deleted: IllegalOperation', () => {
    // The target's CTable holds the only cap to a CNode: deleting it is long-running.
    const cap: Cap = { kind: 'CNodeCap', ptr: A.cnodeB, bits: 2, guard: { value: 0, size: 0 } };
    const s = setCap(setCap(S0, rootSlot(SLOT.cnodeB), { kind: 'NullCap' }), { obj: OTHER, index: 0 }, cap);
    expectError(s, space([0, 0, 0], [SLOT.cnode, SLOT.pd]), E.IllegalOperation, [], 'IllegalOperation');
  });

  test('SetSpace sets the fault endpoint and both roots (cap data applied to the CNode cap)', () => {
    const s1 = expectOk(S0, space([0x77, (4 << 3) | (5 << 8), 0], [SLOT.cnode, SLOT.pd]));
    const t = tcbOf(s1);
    expect(t.faultHandler).toBe(0x77);
    expect(t.caps[0]).toEqual({ kind: 'CNodeCap', ptr: A.rootCNode, bits: 8, guard: { value: 5, size: 4 } });
    expect(t.caps[1]).toEqual({ kind: 'PageDirectoryCap', ptr: A.rootPD, asid: 1 });
    expect(cdtParent(s1, { obj: OTHER, index: 0 })).toEqual(rootSlot(SLOT.cnode));
  });

  test('Configure errors: truncated, then the buffer, then the space', () => {
    const cfg = (mrs: number[], caps: number[]): Message => other('TCBConfigure', mrs, caps);
    expectError(S0, cfg([0, 0, 0], [SLOT.cnode, SLOT.pd, SLOT.ipcBuffer]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, cfg([0, 0, 0, 0], [SLOT.cnode, SLOT.pd]), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(S0, cfg([0, 0, 0, 0x1004], [SLOT.ep, SLOT.pd, SLOT.ipcBuffer]), E.AlignmentError, [], 'AlignmentError');
    expectError(S0, cfg([0, 0, 0, 0x1000], [SLOT.ep, SLOT.pd, SLOT.ipcBuffer]), E.IllegalOperation, [], 'IllegalOperation');
  });

  test('Configure sets roots, fault endpoint and buffer together', () => {
    const s1 = expectOk(S0, other('TCBConfigure', [5, 0, 0, 0x800], [SLOT.cnode, SLOT.pd, SLOT.ipcBuffer]));
    const t = tcbOf(s1);
    expect(t).toMatchObject({ faultHandler: 5, ipcBuffer: 0x800 });
    expect(t.caps.map((c) => c.kind)).toEqual(['CNodeCap', 'PageDirectoryCap', 'NullCap', 'NullCap', 'FrameCap']);
  });

  test('Configure of the caller itself replaces its own roots', () => {
    const { state, outcome } = invoke(S0, { cptr: SLOT.tcb, label: 'TCBConfigure', mrs: [0, 0, 0, 0], extraCaps: [SLOT.cnodeB, SLOT.pd, SLOT.ipcBuffer] });
    expect(outcome.result).toBe('ok');
    expect(getCap(state, { obj: A.rootTCB, index: 0 })).toMatchObject({ kind: 'CNodeCap', ptr: A.cnodeB });
    expect(tcbOf(state, A.rootTCB).ipcBuffer).toBe(0);
  });
});

describe('Suspend and Resume', () => {
  test('Resume restarts an inactive thread; Suspend stops it again', () => {
    const s1 = expectOk(S0, other('TCBResume'));
    expect(tcbOf(s1).state.kind).toBe('Restart');
    expect(s1.readyQueues.get(100)).toEqual([OTHER]);
    const s2 = expectOk(s1, other('TCBSuspend'));
    expect(tcbOf(s2).state.kind).toBe('Inactive');
    expect(s2.readyQueues.get(100)).toBeUndefined();
    expect(expectOk(s2, other('TCBSuspend'))).toBeDefined();
  });

  test('Resume of a runnable thread does nothing', () => {
    const s1 = expectOk(S0, other('TCBResume'));
    const s2 = expectOk(s1, other('TCBResume'));
    expect(s2.readyQueues).toEqual(s1.readyQueues);
  });

  test('Suspend of the caller: no reply, the idle thread runs', () => {
    const { state } = invoke(S0, { cptr: SLOT.tcb, label: 'TCBSuspend' });
    expect(tcbOf(state, A.rootTCB).state.kind).toBe('Inactive');
    expect(state.curThread).toBe(A.idleTCB);
  });
});

describe('BindNotification and UnbindNotification', () => {
  test('Bind errors in order', () => {
    expectError(S0, other('TCBBindNotification'), E.TruncatedMessage, [], 'TruncatedMessage');
    const bound = updateTCB(S0, OTHER, { boundNotification: A.ntfn });
    expectError(bound, other('TCBBindNotification', [], [SLOT.ntfn]), E.IllegalOperation, [], 'IllegalOperation');
    expectError(S0, other('TCBBindNotification', [], [SLOT.ep]), E.IllegalOperation, [], 'IllegalOperation');
    const noRead = setCap(S0, rootSlot(40), { kind: 'NotificationCap', ptr: A.ntfn, badge: 0, rights: { read: false, write: true, grant: false, grantReply: false } });
    expectError(noRead, other('TCBBindNotification', [], [40]), E.IllegalOperation, [], 'IllegalOperation');
    const s1 = expectOk(S0, { cptr: SLOT.tcb, label: 'TCBBindNotification', extraCaps: [SLOT.ntfn] });
    expectError(s1, other('TCBBindNotification', [], [SLOT.ntfn]), E.IllegalOperation, [], 'IllegalOperation');
  });

  test('Bind then Unbind; Unbind of an unbound thread is IllegalOperation', () => {
    expectError(S0, other('TCBUnbindNotification'), E.IllegalOperation, [], 'IllegalOperation');
    const s1 = expectOk(S0, other('TCBBindNotification', [], [SLOT.ntfn]));
    expect(tcbOf(s1).boundNotification).toBe(A.ntfn);
    expect(getNotification(s1, A.ntfn).boundTCB).toBe(OTHER);
    const s2 = expectOk(s1, other('TCBUnbindNotification'));
    expect(tcbOf(s2).boundNotification).toBeNull();
    expect(getNotification(s2, A.ntfn).boundTCB).toBeNull();
  });
});

describe('SetTLSBase and SetFlags', () => {
  test('SetTLSBase: truncated; sets TPIDRURW; on the caller, a reschedule', () => {
    expectError(S0, other('TCBSetTLSBase'), E.TruncatedMessage, [], 'TruncatedMessage');
    expect(tcbOf(expectOk(S0, other('TCBSetTLSBase', [0xabc]))).context[TLS_BASE_REGISTER]).toBe(0xabc);
    const self = expectOk(S0, { cptr: SLOT.tcb, label: 'TCBSetTLSBase', mrs: [0x123] });
    expect(tcbOf(self, A.rootTCB).context[Reg.TPIDRURW]).toBe(0x123);
  });

  test('SetFlags: truncated; no flag exists here, so the reply is always 0', () => {
    expectError(S0, other('TCBSetFlags', [1]), E.TruncatedMessage, [], 'TruncatedMessage');
    const s1 = expectOk(S0, other('TCBSetFlags', [0, 0xffffffff]), [0]);
    expect(tcbOf(s1).flags).toBe(0);
  });
});
