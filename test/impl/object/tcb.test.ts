// TCB invocations on the impl (impl/object/tcb.ts and tcb/): every label's success and each
// of its errors in seL4's order, on the impl fixture with a second thread in root slot 20.
import { describe, expect, test } from 'vitest';
import { ERROR_CODE } from '../../../abi/errors.js';
import { LABEL, type InvocationLabel } from '../../../abi/labels.js';
import { FAULT_REGISTER, NEXT_IP_REGISTER, Reg, TLS_BASE_REGISTER, USER_CONTEXT_ORDER } from '../../../hardware/registers.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import * as A from '../../../impl/object/arch-cap.js';
import * as C from '../../../impl/object/cap.js';
import { cteGetPrev, cteWriteCap, cteWriteMdb } from '../../../impl/object/mdb.js';
import { NTFN_BOUND_TCB } from '../../../impl/object/structures.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_BUFFER, TCB_CTABLE, TCB_FAULT_HANDLER, TCB_FLAGS, TCB_IPC_BUFFER, TCB_MCP, TCB_PRIORITY,
  TCB_REPLY, TCB_VTABLE, THREAD_STATE_INACTIVE, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, tcbCte, tcbGet,
  tcbGetQueued, tcbGetState, tcbSet, tcbSetStateType,
} from '../../../impl/object/tcb-layout.js';
import { restart } from '../../../impl/object/tcb.js';
import { decodeBootInfo, DEFAULT_BOOT_PARAMS, INITIAL_CAP } from '../../../abi/bootinfo.js';
import { OBJECT_TYPE_NUMBER, type ObjectType } from '../../../abi/objecttype.js';
import { MSG_REGISTERS } from '../../../hardware/registers.js';
import type { Syscall } from '../../../hardware/events.js';
import { messageInfoWord } from '../../../impl/kernel/message.js';
import { implKernel } from '../../../refinement/abstraction.js';
import { fullDifference } from '../../../refinement/check/compare.js';
import { SPEC } from '../../../refinement/check/spec-kernel.js';
import { ipcBufferAddress, withRegisters, withUserWords } from '../../../refinement/check/user-context.js';
import { bootLayout } from '../../../spec/boot/layout.js';
import { getTCB } from '../../../spec/kernel/kheap.js';
import { FX, invoke, makeKernel, makeOtherThread, mdbProblems, allFixtureSlots, rootSlot, SLOT, type Reply } from '../fixture.js';

const E = ERROR_CODE;
const OTHER_SLOT = 20;
const PD_SLOT = 30;
const PD = 0x10070000;

interface Setup {
  readonly k: Kernel;
  readonly root: number;
  readonly other: number;
}

/** The fixture with a second thread (priority 100, Inactive) and a mapped PD cap in slot 30. */
function setup(): Setup {
  const k = makeKernel();
  const other = makeOtherThread(k, 100);
  const pd = A.pageDirectoryCapNew(C.capWords(), 1, 1, PD);
  cteWriteCap(k.mem, rootSlot(PD_SLOT), pd.w0, pd.w1);
  cteWriteMdb(k.mem, rootSlot(PD_SLOT), 0, 0, 1, 1);
  return { k, root: k.ksCurThread, other };
}

function call(k: Kernel, cptr: number, label: InvocationLabel, mrs: number[] = [], caps: number[] = []): Reply {
  return invoke(k, cptr, { label: LABEL[label], mrs, caps });
}

function expectError(r: Reply, label: number, mrs: number[] = []): void {
  expect(r).toMatchObject({ label, length: mrs.length, mrs, badge: 0 });
}

function expectOk(r: Reply, mrs: number[] = []): void {
  expect(r).toMatchObject({ label: 0, length: mrs.length, mrs, badge: 0 });
}

describe('decodeTCBInvocation', () => {
  test('a label of another object: IllegalOperation', () => {
    const { k } = setup();
    expectError(call(k, OTHER_SLOT, 'CNodeRevoke', [1, 32]), E.IllegalOperation);
  });
});

describe('ReadRegisters / WriteRegisters / CopyRegisters', () => {
  test('ReadRegisters errors in order', () => {
    const { k } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBReadRegisters', [0]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBReadRegisters', [0, 20]), E.RangeError, [1, 19]);
    expectError(call(k, SLOT.tcb, 'TCBReadRegisters', [0, 2]), E.IllegalOperation);
  });

  test('ReadRegisters replies in seL4_UserContext order, through the IPC buffer past MR3', () => {
    const { k, other } = setup();
    USER_CONTEXT_ORDER.forEach((r, i) => k.setRegister(other, r, 0x1000 + i));
    expectOk(call(k, OTHER_SLOT, 'TCBReadRegisters', [0, 19]), USER_CONTEXT_ORDER.map((_, i) => 0x1000 + i));
    expectOk(call(k, OTHER_SLOT, 'TCBReadRegisters', [0, 2]), [0x1000, 0x1001]);
  });

  test('ReadRegisters with suspend: a running source is stopped after its trap', () => {
    const { k, other } = setup();
    tcbSetStateType(k.mem, other, THREAD_STATE_RUNNING);
    k.setRegister(other, NEXT_IP_REGISTER, 0x5555);
    expectOk(call(k, OTHER_SLOT, 'TCBReadRegisters', [1, 1]), [0x5555]);
    expect(tcbGetState(k.mem, other)).toBe(THREAD_STATE_INACTIVE);
    expect(k.getRegister(other, FAULT_REGISTER)).toBe(0x5555);
  });

  test('WriteRegisters: errors, then CPSR sanitised, NextIP := FaultIP, resume', () => {
    const { k, other } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBWriteRegisters', [0]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBWriteRegisters', [0, 3, 1, 2]), E.TruncatedMessage);
    expectError(call(k, SLOT.tcb, 'TCBWriteRegisters', [0, 0]), E.IllegalOperation);
    const values = USER_CONTEXT_ORDER.map((_, i) => 0x2000 + i);
    values[2] = 0xffffffff;
    expectOk(call(k, OTHER_SLOT, 'TCBWriteRegisters', [1, 19, ...values]));
    expect(k.getRegister(other, Reg.CPSR)).toBe(0xf8000150);
    expect(k.getRegister(other, Reg.TPIDRURO)).toBe(0x2000 + 18);
    expect(k.getRegister(other, NEXT_IP_REGISTER)).toBe(0x2000);
    expect(tcbGetState(k.mem, other)).toBe(THREAD_STATE_RESTART);
    expect(tcbGetQueued(k.mem, other)).toBe(1);
  });

  test('CopyRegisters: errors, then frame and integer registers', () => {
    const { k, root, other } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBCopyRegisters', [], [SLOT.tcb]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBCopyRegisters', [0xc]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBCopyRegisters', [0xc], [SLOT.cnode]), E.InvalidCapability, [1]);
    k.setRegister(root, Reg.R8, 0x888);
    k.setRegister(root, Reg.R6, 0x666);
    expectOk(call(k, OTHER_SLOT, 'TCBCopyRegisters', [0b0100], [SLOT.tcb]));
    expect(k.getRegister(other, Reg.R8)).toBe(0x888);
    expect(k.getRegister(other, Reg.R6)).toBe(0);
    expect(k.getRegister(other, NEXT_IP_REGISTER)).toBe(k.getRegister(other, FAULT_REGISTER));
    expectOk(call(k, OTHER_SLOT, 'TCBCopyRegisters', [0b1000], [SLOT.tcb]));
    expect(k.getRegister(other, Reg.R6)).toBe(0x666);
  });
});

describe('SetPriority / SetMCPriority / SetSchedParams', () => {
  test('errors in order', () => {
    const { k } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBSetPriority', [], [SLOT.tcb]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBSetPriority', [5]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBSetPriority', [5], [SLOT.cnode]), E.InvalidCapability, [1]);
    expectError(call(k, OTHER_SLOT, 'TCBSetPriority', [101], [OTHER_SLOT]), E.RangeError, [0, 100]);
    expectError(call(k, OTHER_SLOT, 'TCBSetMCPriority', [256], [SLOT.tcb]), E.RangeError, [0, 255]);
    expectError(call(k, OTHER_SLOT, 'TCBSetSchedParams', [5], [SLOT.tcb]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBSetSchedParams', [0, 101], [OTHER_SLOT]), E.RangeError, [0, 100]);
  });

  test('set the fields; a runnable thread is requeued at its new priority', () => {
    const { k, other } = setup();
    restart(k, other);
    k.ksSchedulerAction = 0;
    expectOk(call(k, OTHER_SLOT, 'TCBSetPriority', [200], [SLOT.tcb]));
    expect(tcbGet(k.mem, other, TCB_PRIORITY)).toBe(200);
    expect(k.ksReadyQueuesHead[200]).toBe(other);
    expect(k.ksReadyQueuesHead[100]).toBe(0);
    expectOk(call(k, OTHER_SLOT, 'TCBSetSchedParams', [9, 8], [SLOT.tcb]));
    expect([tcbGet(k.mem, other, TCB_MCP), tcbGet(k.mem, other, TCB_PRIORITY)]).toEqual([9, 8]);
    expectOk(call(k, OTHER_SLOT, 'TCBSetMCPriority', [7], [SLOT.tcb]));
    expect(tcbGet(k.mem, other, TCB_MCP)).toBe(7);
  });
});

describe('SetIPCBuffer / SetSpace / Configure', () => {
  test('SetIPCBuffer: errors, then set and clear', () => {
    const { k, other } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBSetIPCBuffer', [0]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBSetIPCBuffer', [0x1000], [SLOT.ep]), E.IllegalOperation);
    expectError(call(k, OTHER_SLOT, 'TCBSetIPCBuffer', [0x1100], [SLOT.ipcBuffer]), E.AlignmentError);
    expectOk(call(k, OTHER_SLOT, 'TCBSetIPCBuffer', [0x1200], [SLOT.ipcBuffer]));
    expect(tcbGet(k.mem, other, TCB_IPC_BUFFER)).toBe(0x1200);
    expect(C.capGetCapType(k.mem.read32(tcbCte(other, TCB_BUFFER)))).toBe(C.CAP_SMALL_FRAME);
    expect(cteGetPrev(k.mem, tcbCte(other, TCB_BUFFER))).toBe(rootSlot(SLOT.ipcBuffer));
    expectOk(call(k, OTHER_SLOT, 'TCBSetIPCBuffer', [0], [SLOT.ep]));
    expect(tcbGet(k.mem, other, TCB_IPC_BUFFER)).toBe(0);
    expect(C.capGetCapType(k.mem.read32(tcbCte(other, TCB_BUFFER)))).toBe(C.CAP_NULL);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });

  test('SetSpace: errors in order', () => {
    const { k } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBSetSpace', [0, 0], [SLOT.cnode, PD_SLOT]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBSetSpace', [0, 0, 0], [SLOT.cnode]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBSetSpace', [0, 0, 0], [SLOT.ep, PD_SLOT]), E.IllegalOperation);
    expectError(call(k, OTHER_SLOT, 'TCBSetSpace', [0, 25 << 3, 0], [SLOT.cnode, PD_SLOT]), E.IllegalOperation);
    expectError(call(k, OTHER_SLOT, 'TCBSetSpace', [0, 0, 0], [SLOT.cnode, SLOT.ipcBuffer]), E.IllegalOperation);
  });

  test('SetSpace refused while the current CSpace root is the final cap of a CNode', () => {
    const { k, other } = setup();
    // The second thread's CTable is a copy of slot 18's CNode cap: remove the original.
    k.writeCap(rootSlot(SLOT.cnode2), C.CAP_NULL, 0);
    cteWriteMdb(k.mem, rootSlot(SLOT.cnode2), 0, 0, 0, 0);
    cteWriteMdb(k.mem, tcbCte(other, TCB_CTABLE), 0, 0, 0, 0);
    expectError(call(k, OTHER_SLOT, 'TCBSetSpace', [0, 0, 0], [SLOT.cnode, PD_SLOT]), E.IllegalOperation);
  });

  test('SetSpace sets fault endpoint and roots; the old CSpace root is deleted', () => {
    const { k, other } = setup();
    expectOk(call(k, OTHER_SLOT, 'TCBSetSpace', [0x77, (4 << 3) | (5 << 8), 0], [SLOT.cnode, PD_SLOT]));
    expect(tcbGet(k.mem, other, TCB_FAULT_HANDLER)).toBe(0x77);
    const ct = k.readCap(tcbCte(other, TCB_CTABLE));
    expect(C.cnodeCapGetCapCNodePtr(ct.w0)).toBe(FX.rootCNode);
    expect([C.cnodeCapGetCapCNodeGuardSize(ct.w1), C.cnodeCapGetCapCNodeGuard(ct.w1)]).toEqual([4, 5]);
    expect(C.capGetCapType(k.mem.read32(tcbCte(other, TCB_VTABLE)))).toBe(C.CAP_PAGE_DIRECTORY);
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
  });

  test('Configure: errors (buffer before space), then all at once', () => {
    const { k, other } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBConfigure', [0, 0, 0], [SLOT.cnode, PD_SLOT, SLOT.ipcBuffer]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBConfigure', [0, 0, 0, 0], [SLOT.cnode, PD_SLOT]), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBConfigure', [0, 0, 0, 0x1004], [SLOT.ep, PD_SLOT, SLOT.ipcBuffer]), E.AlignmentError);
    expectError(call(k, OTHER_SLOT, 'TCBConfigure', [0, 0, 0, 0x1000], [SLOT.ep, PD_SLOT, SLOT.ipcBuffer]), E.IllegalOperation);
    expectOk(call(k, OTHER_SLOT, 'TCBConfigure', [5, 0, 0, 0x800], [SLOT.cnode, PD_SLOT, SLOT.ipcBuffer]));
    expect([tcbGet(k.mem, other, TCB_FAULT_HANDLER), tcbGet(k.mem, other, TCB_IPC_BUFFER)]).toEqual([5, 0x800]);
    expect([TCB_CTABLE, TCB_VTABLE, TCB_BUFFER].map((i) => C.capGetCapType(k.mem.read32(tcbCte(other, i)))))
      .toEqual([C.CAP_CNODE, C.CAP_PAGE_DIRECTORY, C.CAP_SMALL_FRAME]);
  });
});

describe('Suspend / Resume', () => {
  test('Resume restarts with a master reply cap and queues; Suspend dequeues', () => {
    const { k, other } = setup();
    expectOk(call(k, OTHER_SLOT, 'TCBResume'));
    expect(tcbGetState(k.mem, other)).toBe(THREAD_STATE_RESTART);
    expect(C.capGetCapType(k.mem.read32(tcbCte(other, TCB_REPLY)))).toBe(C.CAP_REPLY);
    expect(k.ksReadyQueuesHead[100]).toBe(other);
    expectOk(call(k, OTHER_SLOT, 'TCBSuspend'));
    expect(tcbGetState(k.mem, other)).toBe(THREAD_STATE_INACTIVE);
    expect(k.ksReadyQueuesHead[100]).toBe(0);
  });

  test('Suspend of the caller: the idle thread runs', () => {
    const { k, root } = setup();
    call(k, SLOT.tcb, 'TCBSuspend');
    expect(tcbGetState(k.mem, root)).toBe(THREAD_STATE_INACTIVE);
    expect(k.ksCurThread).toBe(k.ksIdleThread);
  });
});

describe('Bind / Unbind notification', () => {
  test('errors in order, then bind and unbind', () => {
    const { k, root, other } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBBindNotification'), E.TruncatedMessage);
    expectError(call(k, OTHER_SLOT, 'TCBUnbindNotification'), E.IllegalOperation);
    expectError(call(k, OTHER_SLOT, 'TCBBindNotification', [], [SLOT.ep]), E.IllegalOperation);
    const noRead = C.notificationCapNew(C.capWords(), 0, 0, 1, FX.notification);
    k.writeCap(rootSlot(40), noRead.w0, noRead.w1);
    expectError(call(k, OTHER_SLOT, 'TCBBindNotification', [], [40]), E.IllegalOperation);
    tcbSet(k.mem, other, TCB_BOUND_NOTIFICATION, FX.notification);
    expectError(call(k, OTHER_SLOT, 'TCBBindNotification', [], [SLOT.ntfn]), E.IllegalOperation);
    tcbSet(k.mem, other, TCB_BOUND_NOTIFICATION, 0);
    expectOk(call(k, SLOT.tcb, 'TCBBindNotification', [], [SLOT.ntfn]));
    expect(tcbGet(k.mem, root, TCB_BOUND_NOTIFICATION)).toBe(FX.notification);
    expectError(call(k, OTHER_SLOT, 'TCBBindNotification', [], [SLOT.ntfn]), E.IllegalOperation);
    expectOk(call(k, SLOT.tcb, 'TCBUnbindNotification'));
    expect(tcbGet(k.mem, root, TCB_BOUND_NOTIFICATION)).toBe(0);
    expect(k.mem.read32(FX.notification + NTFN_BOUND_TCB) >>> 4).toBe(0);
  });
});

describe('SetTLSBase / SetFlags', () => {
  test('SetTLSBase writes TPIDRURW', () => {
    const { k, other } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBSetTLSBase'), E.TruncatedMessage);
    expectOk(call(k, OTHER_SLOT, 'TCBSetTLSBase', [0xabc]));
    expect(k.getRegister(other, TLS_BASE_REGISTER)).toBe(0xabc);
  });

  test('SetFlags replies with the resulting flags, always 0 here', () => {
    const { k, other } = setup();
    expectError(call(k, OTHER_SLOT, 'TCBSetFlags', [1]), E.TruncatedMessage);
    expectOk(call(k, OTHER_SLOT, 'TCBSetFlags', [0, 0xffffffff]), [0]);
    expect(tcbGet(k.mem, other, TCB_FLAGS)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// Spec and impl side by side from the real boot: the same TCB invocations on both kernels,
// the abstract states compared after every entry.

const IMPL = implKernel();
const BOOT = SPEC.boot();
const BI = decodeBootInfo(BOOT.machine.memory.get(bootLayout(DEFAULT_BOOT_PARAMS).rootserver.bootInfo / 4096)!);
const UNTYPED = BI.untyped.start + BI.untypedList.findIndex((u) => !u.isDevice && u.sizeBits >= 12);
const FREE = BI.empty.start;
const CN = INITIAL_CAP.CapInitThreadCNode;
const ME = INITIAL_CAP.CapInitThreadTCB;

interface Step {
  readonly cptr: number;
  readonly label: InvocationLabel;
  readonly mrs?: readonly number[];
  readonly caps?: readonly number[];
  readonly syscall?: Syscall;
}

/** Runs the steps on both kernels; returns each step's spec outcome. */
function lockstep(steps: readonly Step[]): string[] {
  const k = IMPL.boot();
  let s = BOOT;
  const results: string[] = [];
  for (const st of steps) {
    const mrs = st.mrs ?? [];
    const caps = st.caps ?? [];
    const regs: [number, number][] = [[Reg.R0, st.cptr], [Reg.R1, messageInfoWord(LABEL[st.label], 0, caps.length, mrs.length)]];
    MSG_REGISTERS.forEach((r, i) => regs.push([r, mrs[i] ?? 0]));
    s = withRegisters(s, s.curThread, regs);
    for (const [r, v] of regs) k.setRegister(r, v);
    const buf = ipcBufferAddress(s);
    if (buf !== undefined) {
      const words: [number, number[]][] = [[4 * 5, mrs.slice(4)], [4 * 122, [...caps]]];
      for (const [off, values] of words) {
        if (values.length === 0) continue;
        s = withUserWords(s, buf + off, values);
        k.writeWords(buf + off, values);
      }
    }
    const event = { kind: 'Syscall', syscall: st.syscall ?? 'SysCall' } as const;
    const r = SPEC.step(s, event);
    s = r.state;
    k.step(event);
    results.push(`${st.label}:${r.outcome.result}`);
    expect(fullDifference(s, k.abstract()), `${st.label} -> ${r.outcome.result}`).toBeUndefined();
  }
  return results;
}

describe('spec and impl agree', () => {
  const T = FREE;
  const N = FREE + 1;
  const retype = (type: ObjectType, slot: number): Step => ({
    cptr: UNTYPED, label: 'UntypedRetype', mrs: [OBJECT_TYPE_NUMBER[type], 0, 0, 0, slot, 1], caps: [CN],
  });
  const ipcVaddr = getTCB(BOOT, BOOT.curThread).ipcBuffer;

  test('configure, registers, priorities, TLS, flags, binding, suspend/resume', () => {
    const out = lockstep([
      retype('TCB', T),
      retype('Notification', N),
      { cptr: T, label: 'TCBConfigure', mrs: [0, 0, 0, ipcVaddr], caps: [CN, INITIAL_CAP.CapInitThreadVSpace, INITIAL_CAP.CapInitThreadIPCBuffer] },
      { cptr: T, label: 'TCBConfigure', mrs: [0, 0, 0, ipcVaddr + 4], caps: [CN, INITIAL_CAP.CapInitThreadVSpace, INITIAL_CAP.CapInitThreadIPCBuffer] },
      { cptr: T, label: 'TCBSetSpace', mrs: [7, 0, 0], caps: [CN, CN] },
      { cptr: T, label: 'TCBSetPriority', mrs: [300], caps: [ME] },
      { cptr: T, label: 'TCBSetSchedParams', mrs: [200, 100], caps: [ME] },
      { cptr: T, label: 'TCBWriteRegisters', mrs: [0, 19, ...USER_CONTEXT_ORDER.map((_, i) => 0x100 * i + 0xffff0000)] },
      { cptr: T, label: 'TCBReadRegisters', mrs: [0, 19] },
      { cptr: T, label: 'TCBReadRegisters', mrs: [0, 20] },
      { cptr: T, label: 'TCBCopyRegisters', mrs: [0b1100], caps: [ME] },
      { cptr: T, label: 'TCBSetTLSBase', mrs: [0x1234] },
      { cptr: T, label: 'TCBSetFlags', mrs: [0, 1] },
      { cptr: T, label: 'TCBBindNotification', caps: [N] },
      { cptr: T, label: 'TCBBindNotification', caps: [N] },
      { cptr: T, label: 'TCBResume' },
      { cptr: T, label: 'TCBSuspend' },
      { cptr: T, label: 'TCBUnbindNotification' },
      { cptr: T, label: 'TCBSetIPCBuffer', mrs: [0], caps: [CN] },
      { cptr: T, label: 'TCBWriteRegisters', mrs: [1, 2, 0x10000, 0x20000], syscall: 'SysSend' },
      { cptr: T, label: 'TCBSetPriority', mrs: [255], caps: [ME] },
    ]);
    expect(out).toEqual([
      'UntypedRetype:ok', 'UntypedRetype:ok', 'TCBConfigure:ok', 'TCBConfigure:AlignmentError', 'TCBSetSpace:IllegalOperation',
      'TCBSetPriority:RangeError', 'TCBSetSchedParams:ok', 'TCBWriteRegisters:ok', 'TCBReadRegisters:ok',
      'TCBReadRegisters:RangeError', 'TCBCopyRegisters:ok', 'TCBSetTLSBase:ok', 'TCBSetFlags:ok', 'TCBBindNotification:ok',
      'TCBBindNotification:IllegalOperation', 'TCBResume:ok', 'TCBSuspend:ok', 'TCBUnbindNotification:ok',
      'TCBSetIPCBuffer:ok', 'TCBWriteRegisters:ok', 'TCBSetPriority:ok',
    ]);
  });
});
