import { describe, expect, it } from 'vitest';
import { Reg } from '../../../hardware/registers.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import * as C from '../../../impl/object/cap.js';
import { cteInsert } from '../../../impl/object/cte.js';
import {
  TCB_FAULT_HANDLER, TCB_FAULT_W0, TCB_FAULT_W1, THREAD_STATE_BLOCKED_ON_RECEIVE, THREAD_STATE_BLOCKED_ON_REPLY,
  THREAD_STATE_BLOCKED_ON_SEND, THREAD_STATE_INACTIVE, THREAD_STATE_RESTART, tcbGet, tcbGetState, tcbSet,
} from '../../../impl/object/tcb-layout.js';
import { FX, SLOT, invokeAs, makeIPCThread, makeKernel, readReplyOf, rootSlot, runAs, type Reply } from '../fixture.js';

/** Thread a faults; thread b handles its faults on the fixture endpoint (a's fault handler CPtr). */
function setup(handlerSlot: number = SLOT.ep): { k: Kernel; a: number; b: number } {
  const k = makeKernel();
  const a = makeIPCThread(k, 100, 0x10020600, 21, 0x10031000);
  const b = makeIPCThread(k, 100, 0x10020800, 22, 0x10032000);
  tcbSet(k.mem, a, TCB_FAULT_HANDLER, handlerSlot);
  for (let r = 0; r < 15; r++) k.setRegister(a, r, 0x100 + r);
  k.setRegister(a, Reg.FaultIP, 0x8000);
  k.setRegister(a, Reg.CPSR, 0x60000150);
  return { k, a, b };
}

// b waits on the endpoint; then `fault` runs as a; returns what b received.
function faultAndReceive(k: Kernel, a: number, b: number, fault: () => void): Reply {
  runAs(k, b);
  invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
  runAs(k, a);
  fault();
  return readReplyOf(k, b);
}

function reply(k: Kernel, b: number, label: number, mrs: number[]): void {
  runAs(k, b);
  invokeAs(k, 0, { label, mrs }, 'SysReply');
}

describe('fault messages', () => {
  it('UnknownSyscall: R0..R7, FaultIP, SP, LR, CPSR and the number; the fault is kept in the TCB', () => {
    const { k, a, b } = setup();
    const got = faultAndReceive(k, a, b, () => k.callKernel({ kind: 'UnknownSyscall', number: 0x1234 }));
    expect(got.label).toBe(2);
    expect(got.mrs).toEqual([0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, 0x8000, 0x10d, 0x10e, 0x60000150, 0x1234]);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_REPLY);
    expect(tcbGet(k.mem, a, TCB_FAULT_W0)).toBe(2);
    expect(tcbGet(k.mem, a, TCB_FAULT_W1)).toBe(0x1234);
  });

  it('UserException: FaultIP, SP, CPSR, number, code', () => {
    const { k, a, b } = setup();
    const got = faultAndReceive(k, a, b, () => k.callKernel({ kind: 'UserLevelFault', address: 7, code: 3 }));
    expect(got).toMatchObject({ label: 3, length: 5, mrs: [0x8000, 0x10d, 0x60000150, 7, 3] });
  });

  it('VMFault on data: restart PC, address, 0, FSR', () => {
    const { k, a, b } = setup();
    const got = faultAndReceive(k, a, b, () => k.callKernel({ kind: 'VMFault', type: 'Data', address: 0xdead000, fsr: 0x805 }));
    expect(got).toMatchObject({ label: 5, length: 4, mrs: [0x8000, 0xdead000, 0, 0x805] });
  });

  it('CapFault in the send phase carries the lookup failure (guard mismatch: 4, bitsLeft, guardFound, bitsFound)', () => {
    const { k, a, b } = setup();
    const got = faultAndReceive(k, a, b, () => invokeAs(k, 0xff000000, { label: 0 }, 'SysCall'));
    expect(got).toMatchObject({ label: 1, length: 7, mrs: [0x8000, 0xff000000, 0, 4, 32, 0, 24] });
  });

  it('CapFault in the receive phase on a slot without a usable cap: MissingCapability 0', () => {
    const { k, a, b } = setup();
    const got = faultAndReceive(k, a, b, () => invokeAs(k, 200, { label: 0 }, 'SysRecv'));
    expect(got).toMatchObject({ label: 1, length: 5, mrs: [0x8000, 200, 1, 2, 0] });
  });

  it('a fault sent before the handler waits queues the thread; the handler gets the message and the badge later', () => {
    const { k, a, b } = setup(30);
    const cap = C.endpointCapNew(C.capWords(), 0x33, 1, 0, 1, 0, FX.endpoint);
    cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ep), rootSlot(30));
    runAs(k, a);
    k.callKernel({ kind: 'UnknownSyscall', number: 9 });
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_SEND);
    runAs(k, b);
    const got = invokeAs(k, SLOT.ep, { label: 0 }, 'SysRecv');
    expect(got).toMatchObject({ label: 2, length: 13, badge: 0x33 });
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_BLOCKED_ON_REPLY);
  });

  it('a handler cap without Grant or GrantReply is a double fault: the thread stops', () => {
    const { k, a, b } = setup(30);
    const cap = C.endpointCapNew(C.capWords(), 0, 0, 0, 1, 1, FX.endpoint);
    cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ep), rootSlot(30));
    faultAndReceive(k, a, b, () => k.callKernel({ kind: 'UnknownSyscall', number: 9 }));
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_INACTIVE);
    expect(tcbGetState(k.mem, b)).toBe(THREAD_STATE_BLOCKED_ON_RECEIVE);
  });
});

describe('fault replies', () => {
  it('UnknownSyscall reply with label 0 writes the registers (CPSR sanitised) and restarts', () => {
    const { k, a, b } = setup();
    faultAndReceive(k, a, b, () => k.callKernel({ kind: 'UnknownSyscall', number: 1 }));
    reply(k, b, 0, [0, 1, 2, 3, 4, 5, 6, 7, 0x9000, 0x7000, 0x6000, 0xffffffff]);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RESTART);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((r) => k.getRegister(a, r))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(k.getRegister(a, Reg.FaultIP)).toBe(0x9000);
    expect(k.getRegister(a, Reg.SP)).toBe(0x7000);
    expect(k.getRegister(a, Reg.LR)).toBe(0x6000);
    expect(k.getRegister(a, Reg.CPSR)).toBe(0xf8000150);
    expect(tcbGet(k.mem, a, TCB_FAULT_W0)).toBe(0);
  });

  it('UserException reply with a non-zero label leaves the thread Inactive, registers from the reply', () => {
    const { k, a, b } = setup();
    faultAndReceive(k, a, b, () => k.callKernel({ kind: 'UserLevelFault', address: 0, code: 0 }));
    reply(k, b, 1, [0x4000]);
    expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_INACTIVE);
    expect(k.getRegister(a, Reg.FaultIP)).toBe(0x4000);
    expect(k.getRegister(a, Reg.SP)).toBe(0x10d);
  });

  it('VMFault and CapFault replies always restart and ignore the message', () => {
    for (const fault of ['vm', 'cap'] as const) {
      const { k, a, b } = setup();
      faultAndReceive(k, a, b, () => fault === 'vm'
        ? k.callKernel({ kind: 'VMFault', type: 'Instruction', address: 0, fsr: 1 })
        : invokeAs(k, 0xff000000, { label: 0 }, 'SysSend'));
      reply(k, b, 5, [1, 2, 3]);
      expect(tcbGetState(k.mem, a)).toBe(THREAD_STATE_RESTART);
      expect(k.getRegister(a, Reg.R2)).toBe(0x102);
    }
  });
});
