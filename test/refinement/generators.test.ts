import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import { Map as PMap } from 'immutable';
import { Reg } from '../../hardware/registers.js';
import { messageInfoFromWord } from '../../abi/message-info.js';
import { LABEL } from '../../abi/labels.js';
import type { Action, CapChoice, CNodeAction, FaultAction, IPCAction, ObjectAction, VMAction } from '../../refinement/generators/action.js';
import { nameOutcome } from '../../refinement/check/coverage.js';
import { chooseCap } from '../../refinement/generators/cap-choice.js';
import { cspaceView } from '../../refinement/generators/cspace.js';
import { applyUserWrites } from '../../refinement/check/run.js';
import { SPEC } from '../../refinement/check/spec-kernel.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { actionArb } from '../../refinement/generators/arbitraries.js';
import { indexWord, kthEmpty } from '../../refinement/generators/cspace.js';
import { resolveAction, rightsText } from '../../refinement/generators/resolve.js';
import { bootedSpec } from '../../refinement/check/spec-kernel.js';
import type { Cap } from '../../spec/state/cap.js';
import type { TCB } from '../../spec/state/object.js';

const BOOT = bootedSpec();

const mint: CNodeAction = {
  t: 'CNode', syscall: 'SysCall', label: 'CNodeMint', node: { how: 'root' },
  dest: { how: 'raw', k: 0x20, depth: 'exact' }, srcRoot: { how: 'root' }, src: { how: 'raw', k: 0x5, depth: 'exact' },
  pivotRoot: { how: 'root' }, pivot: { how: 'full', k: 0, depth: 'exact' },
  rights: 3, data: 7, data2: 0, shortBy: 0, noExtraCaps: false, pendingIRQ: null,
};

describe('resolving actions', () => {
  it('prints a Mint in seL4 terms and lays out its message as libsel4 does', () => {
    const r = resolveAction(BOOT, mint);
    expect(r.text).toBe('CNodeMint(root, dest=0x20/32, src=0x5/32, rights=RW, badge=7)');
    expect(r.event).toEqual({ kind: 'Syscall', syscall: 'SysCall' });
    const regs = new Map(r.registers);
    expect(regs.get(Reg.R0)).toBe(2);
    expect(messageInfoFromWord(regs.get(Reg.R1)!)).toEqual({ label: LABEL.CNodeMint, capsUnwrapped: 0, extraCaps: 1, length: 6 });
    expect([Reg.R2, Reg.R3, Reg.R4, Reg.R5].map((x) => regs.get(x))).toEqual([0x20, 32, 0x5, 32]);
    expect(new Map(r.ipcWords)).toEqual(new Map([[5, 3], [6, 7], [122, 2]]));
  });

  it('marks near misses in the text', () => {
    const r = resolveAction(BOOT, { ...mint, syscall: 'SysSend', shortBy: 2, pendingIRQ: 29 });
    expect(r.text).toBe('Send:CNodeMint(root, dest=0x20/32, src=0x5/32, rights=RW, badge=7) [4 MRs, IRQ 29 pending]');
    expect(r.pendingIRQ).toBe(29);
  });

  it('issues only interrupts while the current thread is not running', () => {
    const t = BOOT.kheap.get(BOOT.curThread) as TCB;
    const stopped = { ...BOOT, kheap: BOOT.kheap.set(BOOT.curThread, { ...t, state: { kind: 'Inactive' as const } }) };
    const r = resolveAction(stopped, mint);
    expect(r.event).toEqual({ kind: 'Interrupt' });
    expect(r.text).toMatch(/not running/);
  });

  test.prop([actionArb()], { numRuns: 300 })('every action resolves to an entry the current thread may make', (a) => {
    const r = resolveAction(BOOT, a);
    expect(r.text.length).toBeGreaterThan(0);
    for (const [reg, v] of r.registers) {
      expect(reg).toBeGreaterThanOrEqual(0);
      expect(v >>> 0).toBe(v);
    }
    for (const [w] of r.ipcWords) expect((w >= 5 && w <= 120) || (w >= 122 && w <= 127)).toBe(true);
  });
});

describe('CSpace helpers', () => {
  const cnode = (used: number[], bits = 4) => ({ kind: 'CNode' as const, bits, slots: PMap<number, Cap>(used.map((i) => [i, { kind: 'DomainCap' }])) });

  it('finds empty slots and runs of them', () => {
    const c = cnode([0, 1, 2, 5, 6, 9]);
    const empties = [3, 4, 7, 8, 10, 11, 12, 13, 14, 15];
    expect(Array.from({ length: 10 }, (_, k) => kthEmpty(c, k))).toEqual(empties);
    expect(kthEmpty(c, 10)).toBe(3);
    // runs of 3 start at 10..13 only
    expect(Array.from({ length: 4 }, (_, k) => kthEmpty(c, k, 3))).toEqual([10, 11, 12, 13]);
  });

  it('names slots of guarded CNodes with their guard', () => {
    const cap: Cap = { kind: 'CNodeCap', ptr: 0x10000000, bits: 4, guard: { value: 5, size: 3 } };
    expect(indexWord(cap, 2)).toBe((5 << 4) | 2);
  });

  it('prints rights', () => {
    expect([0xf, 3, 1, 0, 4].map(rightsText)).toEqual(['RWG+GR', 'RW', 'W', 'none', 'G']);
  });
});

// One step of the spec with an action resolved against the state it runs in.
function step(s: KernelState, a: Action): KernelState {
  const r = resolveAction(s, a);
  return SPEC.step(applyUserWrites(s, r), r.event).state;
}

const ipc = (syscall: IPCAction['syscall'], cap: CapChoice, more: Partial<IPCAction> = {}): IPCAction => ({
  t: 'IPC', syscall, cap, label: 0, mrs: [7, 8], caps: [], receiveSlot: { how: 'empty', k: 0 }, evenIfStuck: false, ...more,
});

describe('choosing caps', () => {
  const v = cspaceView(BOOT)!;

  it('names the root task\'s own caps by their initial slots', () => {
    expect(chooseCap(BOOT, v, { how: 'root-cnode', k: 9 })).toMatchObject({ cptr: 2, name: 'root' });
    expect(chooseCap(BOOT, v, { how: 'root-pd', k: 0 }).cptr).toBe(3);
    expect(chooseCap(BOOT, v, { how: 'irq-control', k: 0 }).cptr).toBe(4);
    expect(chooseCap(BOOT, v, { how: 'root-buffer', k: 0 }).cptr).toBe(10);
    expect(chooseCap(BOOT, v, { how: 'domain', k: 0 }).cptr).toBe(11);
  });

  it('never falls back from another thread to the current one or the root task', () => {
    for (const how of ['child-tcb', 'other-tcb', 'inactive-tcb'] as const) expect(chooseCap(BOOT, v, { how, k: 3 }).cap.kind).toBe('NullCap');
    expect(chooseCap(BOOT, v, { how: 'tcb', k: 3 }).cptr).toBe(1);
  });

  it('passes a raw CPtr through', () => {
    expect(chooseCap(BOOT, v, { how: 'raw', k: 0x12345 })).toMatchObject({ cptr: 0x12345, name: 'raw@0x12345' });
  });
});

describe('resolving TCB, IRQ and domain invocations', () => {
  const configure: ObjectAction = {
    t: 'Object', syscall: 'SysCall', label: 'TCBConfigure', cap: { how: 'child-tcb', k: 0 },
    mrs: [{ how: 'handler', k: 0 }, 0, 0, 0x18000], caps: [{ how: 'root-cnode', k: 0 }, { how: 'root-pd', k: 0 }, { how: 'root-buffer', k: 0 }],
    shortBy: 0, noExtraCaps: false, pendingIRQ: null,
  };

  it('makes a thread when there is none to act on', () => {
    const r = resolveAction(BOOT, configure);
    expect(r.text).toMatch(/^UntypedRetype\(.*type=TCB.*\(none to act on yet\)$/);
  });

  it('packs Configure as libsel4 does: the fault endpoint as a word, the roots and the frame as extra caps', () => {
    const s = step(BOOT, configure);
    const r = resolveAction(s, configure);
    // No endpoint exists yet: the fault-endpoint choice falls back to another cap.
    expect(r.text).toMatch(/^TCBConfigure\(tcb@0x[0-9a-f]+, faultEP=\w+@0x[0-9a-f]+, cspaceData=0x0, vspaceData=0x0, buffer=0x18000, cspace=root, vspace=pd@0x3, bufferFrame=frame@0xa\)$/);
    const regs = new Map(r.registers);
    expect(messageInfoFromWord(regs.get(Reg.R1)!)).toEqual({ label: LABEL.TCBConfigure, capsUnwrapped: 0, extraCaps: 3, length: 4 });
    expect(regs.get(Reg.R5)).toBe(0x18000);
    expect(new Map(r.ipcWords)).toEqual(new Map([[122, 2], [123, 3], [124, 10]]));
    const tcb = chooseCap(s, cspaceView(s)!, configure.cap).cap;
    const after = step(s, configure);
    expect(tcb.kind === 'ThreadCap' && after.kheap.get(tcb.tcb)).toMatchObject({ ipcBuffer: 0x18000, caps: [{ kind: 'CNodeCap', bits: 12 }, { kind: 'PageDirectoryCap' }, { kind: 'NullCap' }, { kind: 'NullCap' }, { kind: 'FrameCap' }] });
  });

  it('names IRQControl_Get\'s destination by an empty slot of the root CNode', () => {
    const get: ObjectAction = {
      t: 'Object', syscall: 'SysCall', label: 'IRQIssueIRQHandler', cap: { how: 'irq-control', k: 0 },
      mrs: [59, { how: 'empty', k: 0 }, 32], caps: [{ how: 'root-cnode', k: 0 }], shortBy: 0, noExtraCaps: false, pendingIRQ: null,
    };
    const r = resolveAction(BOOT, get);
    expect(r.text).toMatch(/^IRQIssueIRQHandler\(irqctl@0x4, irq=0x3b, index=empty@0x[0-9a-f]+, depth=0x20, root=root\)$/);
    const s = step(BOOT, get);
    expect(s.irqStates[59]).toBe('IRQSignal');
  });
});

describe('resolving IPC', () => {
  it('makes an endpoint when there is none, then keeps the lone root task from blocking on it', () => {
    const recv = ipc('SysRecv', { how: 'endpoint', k: 0 });
    expect(resolveAction(BOOT, recv).text).toMatch(/type=Endpoint.*none to act on yet/);
    const s = step(BOOT, recv);
    const r = resolveAction(s, recv);
    expect(r.event).toEqual({ kind: 'Syscall', syscall: 'SysNBRecv' });
    expect(r.text).toMatch(/^NBRecv\(ep@0x[0-9a-f]+, .*\[Recv would block with nothing to wake it\]$/);
    expect(new Map(r.ipcWords).get(125)).toBe(2);
    expect(new Map(r.ipcWords).get(127)).toBe(32);
    expect(resolveAction(s, { ...recv, evenIfStuck: true }).event).toEqual({ kind: 'Syscall', syscall: 'SysRecv' });
  });

  it('turns a receive that would end the root task by a cap fault into a Yield', () => {
    const r = resolveAction(BOOT, ipc('SysRecv', { how: 'raw', k: 0x1234567 }));
    expect(r.event).toEqual({ kind: 'Syscall', syscall: 'SysYield' });
    expect(r.text).toMatch(/would end the root task/);
  });

  it('unwraps: an extra cap may be the endpoint the message goes through', () => {
    const s = step(BOOT, ipc('SysSend', { how: 'endpoint', k: 0 }));
    const r = resolveAction(s, ipc('SysNBSend', { how: 'endpoint', k: 0 }, { caps: [{ how: 'invoked', k: 5 }] }));
    const cptr = new Map(r.registers).get(Reg.R0);
    expect(new Map(r.ipcWords).get(122)).toBe(cptr);
  });
});

describe('faults and interrupts', () => {
  it('the root task lets another thread come to life instead of faulting unless the action insists', () => {
    const f: FaultAction = { t: 'Fault', what: 'UnknownSyscall', word: 99, word2: 0, evenRoot: false };
    const r = resolveAction(BOOT, f);
    expect(r.event).toEqual({ kind: 'Syscall', syscall: 'SysCall' });
    expect(r.text).toMatch(/^UntypedRetype\(.*type=TCB.*the root task does not take UnknownSyscall: another thread first\)$/);
    expect(resolveAction(BOOT, { ...f, evenRoot: true }).event).toEqual({ kind: 'UnknownSyscall', number: 99 });
  });

  it('an interrupt on a user line falls back to the timer while no line is handed out', () => {
    expect(resolveAction(BOOT, { t: 'UserIRQ', k: 4 }).pendingIRQ).toBe(29);
  });

  it('while no line would signal, an interrupt action first hands a line a notification', () => {
    expect(resolveAction(BOOT, { t: 'UserIRQ', k: 3 }).text).toMatch(/type=Notification.*none to act on yet/);
  });
});

// One step, with the outcome as the coverage matrix names it.
function run(s: KernelState, a: Action): { state: KernelState; entry: string; result: string } {
  const r = resolveAction(s, a);
  const before = applyUserWrites(s, r);
  const out = SPEC.step(before, r.event);
  return { state: out.state, ...nameOutcome(before, r.event, out.outcome, out.state) };
}

describe('naming outcomes', () => {

  it('names IPC through a cap by its system call and object, whatever the message label', () => {
    const s = step(BOOT, ipc('SysSend', { how: 'endpoint', k: 0 }));
    expect(run(s, ipc('SysNBSend', { how: 'endpoint', k: 0 }, { label: LABEL.CNodeCopy }))).toMatchObject({ entry: 'SysNBSend', result: 'Endpoint' });
    expect(run(s, ipc('SysNBRecv', { how: 'endpoint', k: 0 }))).toMatchObject({ entry: 'SysNBRecv', result: 'Endpoint' });
  });

  it('a failed lookup of NBSend is dropped, not a fault; a fault without a handler is a double fault', () => {
    const dropped = run(BOOT, { t: 'Raw', syscall: 'SysNBSend', cptr: { how: 'raw', k: 0x5000 }, info: 0, mrs: [0, 0, 0, 0, 0, 0, 0, 0], caps: [0, 0, 0] });
    expect(dropped).toMatchObject({ entry: 'SysNBSend', result: 'LookupFailed' });
    expect(run(BOOT, { t: 'Fault', what: 'UserLevelFault', word: 1, word2: 2, evenRoot: true })).toMatchObject({ entry: 'UserLevelFault', result: 'DoubleFault' });
    expect(run(BOOT, { t: 'Plain', syscall: 'SysReply' })).toMatchObject({ entry: 'SysReply', result: 'NoCaller' });
    expect(run(BOOT, { t: 'Interrupt', line: 29 })).toMatchObject({ entry: 'Interrupt', result: 'Timer' });
    expect(run(BOOT, { t: 'Interrupt', line: null })).toMatchObject({ entry: 'Interrupt', result: 'Spurious' });
  });
});

describe('switching threads', () => {
  it('brings a thread to life in four switches, then yields to it', () => {
    let s = BOOT;
    const texts: string[] = [];
    for (let i = 0; i < 4; i++) {
      // An odd k configures the thread without a fault handler (an even one makes an endpoint for it first).
      const a: Action = { t: 'Switch', from: 3, k: 1 };
      texts.push(resolveAction(s, a).text);
      s = step(s, a);
    }
    expect(texts.map((t) => t.replace(/\(.*/, ''))).toEqual(['UntypedRetype', 'TCBConfigure', 'TCBResume', 'TCBSetPriority']);
    expect(resolveAction(s, { t: 'Switch', from: 2, k: 0 }).text).toMatch(/^Yield\(\) \(to tcb@/);
    s = step(s, { t: 'Switch', from: 2, k: 0 });
    expect(s.curThread).not.toBe(BOOT.curThread);
  });
});

describe('resolving VM invocations', () => {
  const vm = (label: VMAction['label'], more: Partial<VMAction> = {}): VMAction => ({
    t: 'VM', syscall: 'SysCall', label, cap: 'good', size: 2, pd: 'root', vaddr: 'arena', range: 'ok', rights: 3, attr: 1, k: 0, word: 0,
    shortBy: 0, noExtraCaps: false, ...more,
  });

  it('makes a section, then maps it into the root task\'s address space, then flushes it', () => {
    expect(resolveAction(BOOT, vm('ARMPageMap')).text).toMatch(/type=Section.*none to act on yet/);
    const s = step(BOOT, vm('ARMPageMap'));
    const map = run(s, vm('ARMPageMap'));
    expect(map).toMatchObject({ entry: 'ARMPageMap', result: 'ok' });
    expect(resolveAction(s, vm('ARMPageMap')).text).toMatch(/^ARMPageMap\(frame@0x[0-9a-f]+, vaddr=0x40000000, rights=RW, attr=0x1, pd=pd@0x3\)$/);
    expect(run(map.state, vm('ARMPageClean_Data'))).toMatchObject({ entry: 'ARMPageClean_Data', result: 'ok' });
    expect(run(map.state, vm('ARMPageClean_Data', { range: 'reversed' })).result).toBe('InvalidArgument');
    expect(run(map.state, vm('ARMPDClean_Data', { range: 'cross' })).result).toBe('RangeError');
    expect(run(map.state, vm('ARMPageMap', { cap: 'near', vaddr: 'misaligned' })).result).toBe('InvalidArgument');
  });

  it('builds another address space: a 4 KiB untyped, a pool, a page directory, an ASID', () => {
    let s = BOOT;
    const texts: string[] = [];
    for (let i = 0; i < 6 && !texts.some((t) => t.startsWith('ARMASIDPoolAssign')); i++) {
      const a = vm('ARMASIDPoolAssign', { k: 2 });
      texts.push(resolveAction(s, a).text);
      s = step(s, a);
    }
    expect(texts.some((t) => t.startsWith('ARMASIDPoolAssign(pool@0x6'))).toBe(true);
    const assigned = [...cspaceView(s)!.root!.slots.values()].filter((c) => c.kind === 'PageDirectoryCap' && c.asid !== null);
    expect(assigned.length).toBe(2);
  });
});
