// IPC, notifications and faults in lock step: each system call of a hand-made scenario on the
// impl fixture kernel is also taken by the spec from the abstraction of the state before it,
// and the abstraction after it must equal the spec's result.
import { describe, expect, it } from 'vitest';
import type { KernelEvent, Syscall } from '../../hardware/events.js';
import { Reg } from '../../hardware/registers.js';
import type { Kernel } from '../../impl/kernel/kernel.js';
import * as C from '../../impl/object/cap.js';
import { cteInsert } from '../../impl/object/cte.js';
import { bindNotification } from '../../impl/object/notification.js';
import { TCB_FAULT_HANDLER, tcbSet } from '../../impl/object/tcb-layout.js';
import { abstractState } from '../../refinement/abstraction.js';
import { fullDifference } from '../../refinement/check/compare.js';
import { formatDifference } from '../../refinement/diff.js';
import { callKernel } from '../../spec/kernel/entry.js';
import {
  FX, SLOT, ipcBufferOf, makeIPCThread, makeKernel, rootSlot, runAs, writeMessage, type UserMessage,
} from '../impl/fixture.js';

function setup(): { k: Kernel; a: number; b: number; c: number } {
  const k = makeKernel();
  const a = makeIPCThread(k, 100, 0x10020600, 21, 0x10031000);
  const b = makeIPCThread(k, 100, 0x10020800, 22, 0x10032000);
  const c = makeIPCThread(k, 120, 0x10020a00, 23, 0x10033000);
  return { k, a, b, c };
}

// Both kernels take `e` from the same state; the impl's result must abstract to the spec's.
function step(k: Kernel, e: KernelEvent): void {
  const expected = callKernel(abstractState(k), e);
  k.callKernel(e);
  const d = fullDifference(expected, abstractState(k));
  expect(d === undefined ? 'equal' : formatDifference(d)).toBe('equal');
}

function sys(k: Kernel, t: number, cptr: number, msg: UserMessage, syscall: Syscall): void {
  runAs(k, t);
  writeMessage(k, cptr, msg);
  step(k, { kind: 'Syscall', syscall });
}

function copyCap(k: Kernel, from: number, to: number, w: C.CapWords): void {
  cteInsert(k, w.w0, w.w1, rootSlot(from), rootSlot(to));
}

describe('impl and spec agree', () => {
  it('on send and receive in both orders, with queues, badges and long messages', () => {
    const { k, a, b, c } = setup();
    copyCap(k, SLOT.ep, 30, C.endpointCapNew(C.capWords(), 0x42, 1, 1, 1, 1, FX.endpoint));
    sys(k, a, SLOT.ep, { label: 0 }, 'SysRecv');
    sys(k, b, SLOT.ep, { label: 3, mrs: [1, 2, 3, 4, 5, 6, 7] }, 'SysSend');
    sys(k, b, 30, { label: 4, mrs: [9] }, 'SysSend');
    sys(k, c, SLOT.ep, { label: 5 }, 'SysSend');
    sys(k, a, SLOT.ep, { label: 0 }, 'SysRecv');
    sys(k, a, SLOT.ep, { label: 0 }, 'SysNBRecv');
    sys(k, a, SLOT.ep, { label: 0 }, 'SysNBRecv');
    sys(k, a, SLOT.ep, { label: 0 }, 'SysNBSend');
  });

  it('on call, reply, reply-recv and caps transferred or unwrapped', () => {
    const { k, a, b, c } = setup();
    copyCap(k, SLOT.ep, 30, C.endpointCapNew(C.capWords(), 0x77, 1, 1, 1, 1, FX.endpoint));
    const buf = ipcBufferOf(k, a);
    k.mem.write32(buf + 4 * 125, SLOT.cnode);
    k.mem.write32(buf + 4 * 126, 50);
    k.mem.write32(buf + 4 * 127, 32);
    sys(k, a, SLOT.ep, { label: 0 }, 'SysRecv');
    sys(k, b, SLOT.ep, { label: 1, caps: [30, SLOT.ntfn, SLOT.cnode2] }, 'SysCall');
    sys(k, c, SLOT.ep, { label: 2, mrs: [5] }, 'SysCall');
    sys(k, a, SLOT.ep, { label: 7, mrs: [8, 9] }, 'SysReplyRecv');
    sys(k, a, SLOT.ep, { label: 0 }, 'SysRecv');
    sys(k, b, SLOT.ep, { label: 0 }, 'SysYield');
  });

  it('on signals, waits, polls and bound notifications', () => {
    const { k, a, b } = setup();
    copyCap(k, SLOT.ntfn, 30, C.notificationCapNew(C.capWords(), 0b101, 1, 1, FX.notification));
    sys(k, b, 30, { label: 0 }, 'SysSend');
    sys(k, b, SLOT.ntfn, { label: 0 }, 'SysSend');
    sys(k, a, SLOT.ntfn, { label: 0 }, 'SysRecv');
    sys(k, a, SLOT.ntfn, { label: 0 }, 'SysNBRecv');
    sys(k, a, SLOT.ntfn, { label: 0 }, 'SysRecv');
    sys(k, b, 30, { label: 0 }, 'SysSend');
    bindNotification(k, a, FX.notification);
    sys(k, a, SLOT.ep, { label: 0 }, 'SysRecv');
    sys(k, b, 30, { label: 0 }, 'SysSend');
    sys(k, b, 30, { label: 0 }, 'SysSend');
    sys(k, a, SLOT.ep, { label: 0 }, 'SysRecv');
    sys(k, b, SLOT.ntfn, { label: 0 }, 'SysRecv');
  });

  it('on faults sent to a handler and the handler\'s replies', () => {
    const { k, a, b } = setup();
    tcbSet(k.mem, a, TCB_FAULT_HANDLER, SLOT.ep);
    k.setRegister(a, Reg.CPSR, 0x150);
    sys(k, b, SLOT.ep, { label: 0 }, 'SysRecv');
    runAs(k, a);
    step(k, { kind: 'UnknownSyscall', number: 0x8765 });
    sys(k, b, SLOT.ep, { label: 0, mrs: [1, 2, 3, 4, 5, 6, 7, 8, 0x4000, 0x5000, 0x6000, 0xffffffff] }, 'SysReplyRecv');
    runAs(k, a);
    step(k, { kind: 'UserLevelFault', address: 3, code: 4 });
    sys(k, b, SLOT.ep, { label: 1 }, 'SysReplyRecv');
    runAs(k, a);
    step(k, { kind: 'VMFault', type: 'Data', address: 0x1234, fsr: 0x7 });
    sys(k, b, SLOT.ep, { label: 0 }, 'SysReplyRecv');
    sys(k, a, 0xff000000, { label: 0 }, 'SysCall');
    sys(k, b, SLOT.ep, { label: 0 }, 'SysReplyRecv');
    sys(k, a, 200, { label: 0 }, 'SysRecv');
    sys(k, b, 0, { label: 0 }, 'SysReply');
  });
});
