import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { SYSCALLS, type KernelEvent } from '../../../hardware/events.js';
import { Reg } from '../../../hardware/registers.js';
import { LABEL } from '../../../abi/labels.js';
import { THREAD_STATE_INACTIVE, THREAD_STATE_RUNNING, tcbGetState } from '../../../impl/object/tcb-layout.js';
import { SCHEDULER_ACTION_RESUME_CURRENT_THREAD } from '../../../impl/kernel/statedata.js';
import { FX, SLOT, invoke, makeKernel, mdbProblems, allFixtureSlots } from '../fixture.js';

const word = fc.integer({ min: 0, max: 0xffffffff });
const smallCPtr = fc.oneof(fc.integer({ min: 0, max: 40 }), word);
const labelWord = fc.oneof(fc.integer({ min: 0, max: 50 }), word);

const event: fc.Arbitrary<KernelEvent> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SYSCALLS).map((syscall) => ({ kind: 'Syscall', syscall }) as const) },
  { weight: 1, arbitrary: word.map((number) => ({ kind: 'UnknownSyscall', number }) as const) },
  { weight: 1, arbitrary: fc.tuple(word, word).map(([code, address]) => ({ kind: 'UserLevelFault', code, address }) as const) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('Data', 'Instruction' as const), word, word)
      .map(([type, address, fsr]) => ({ kind: 'VMFault', type, address, fsr }) as const),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'Interrupt' } as const) },
);

describe('callKernel', () => {
  test.prop([
    fc.array(fc.tuple(event, smallCPtr, labelWord, fc.integer({ min: 0, max: 0x1ff }), fc.array(word, { minLength: 10, maxLength: 10 }),
      fc.array(smallCPtr, { minLength: 3, maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
  ], { numRuns: 300 })('never throws for random registers', (steps) => {
    const k = makeKernel();
    for (const [e, cptr, label, low, regs, caps, irq] of steps) {
      const t = k.ksCurThread;
      // the idle thread makes no system calls and takes no faults: only interrupts reach it
      if (t === k.ksIdleThread && e.kind !== 'Interrupt') continue;
      regs.forEach((v, i) => k.setRegister(t, i + 2, v));
      k.setRegister(t, Reg.R0, cptr);
      k.setRegister(t, Reg.R1, ((label << 12) | low) >>> 0);
      caps.forEach((c, i) => k.mem.write32(FX.ipcBuffer + 4 * (122 + i), c));
      if (irq) k.irq.setPending(FX.timerIRQ);
      k.callKernel(e);
      expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
      expect(k.ksSchedulerAction).toBe(SCHEDULER_ACTION_RESUME_CURRENT_THREAD);
    }
  });

  it('an unknown syscall with no fault handler double-faults: the thread becomes Inactive and idle runs', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    k.callKernel({ kind: 'UnknownSyscall', number: 42 });
    expect(tcbGetState(k.mem, root)).toBe(THREAD_STATE_INACTIVE);
    expect(k.ksCurThread).toBe(k.ksIdleThread);
  });

  it('a Call on a null cap is a cap fault (double fault here); a Send to a bad cptr is too', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    invoke(k, 0, { label: LABEL.CNodeCopy });
    expect(tcbGetState(k.mem, root)).toBe(THREAD_STATE_RUNNING); // null cap: InvalidCapability reply
    invoke(k, 0x80000000, { label: 1 }, 'SysNBSend'); // lookup fault, non-blocking: ignored
    expect(tcbGetState(k.mem, root)).toBe(THREAD_STATE_RUNNING);
    invoke(k, 0x80000000, { label: 1 }, 'SysCall');
    expect(tcbGetState(k.mem, root)).toBe(THREAD_STATE_INACTIVE);
  });

  it('invoking the null cap replies InvalidCapability 0', () => {
    const k = makeKernel();
    const r = invoke(k, 0, { label: LABEL.CNodeCopy });
    expect(r.label).toBe(2);
    expect(r.mrs).toEqual([0]);
  });

  it('Yield keeps the only runnable thread running', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    k.callKernel({ kind: 'Syscall', syscall: 'SysYield' });
    expect(k.ksCurThread).toBe(root);
    expect(k.ksReadyQueuesL1Bitmap[0]).toBe(0);
  });

  it('a timer interrupt ticks the time slice and ends the interrupt', () => {
    const k = makeKernel();
    k.irq.setPending(FX.timerIRQ);
    k.callKernel({ kind: 'Interrupt' });
    expect(k.mem.read32(k.ksCurThread + 128)).toBe(4);
    expect(k.irq.isActive(FX.timerIRQ)).toBe(false);
    expect(k.ksDomainTime).toBe((1n << 40n) - 1n);
  });

  it('a Recv on a non-endpoint cap is a cap fault in the receive phase', () => {
    const k = makeKernel();
    k.setRegister(k.ksCurThread, Reg.R0, SLOT.cnode);
    const root = k.ksCurThread;
    k.callKernel({ kind: 'Syscall', syscall: 'SysRecv' });
    expect(tcbGetState(k.mem, root)).toBe(THREAD_STATE_INACTIVE);
  });
});

describe('preemption', () => {
  it('a Revoke with 120 children and a pending IRQ stops after 100 deletions, handles the IRQ and restarts', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    for (let i = 0; i < 120; i++) {
      expect(invoke(k, SLOT.cnode, { label: LABEL.CNodeCopy, mrs: [40 + i, 32, SLOT.ep, 32, 15], caps: [SLOT.cnode] }).label).toBe(0);
    }
    k.ksWorkUnitsCompleted = 0;
    k.setRegister(root, Reg.FaultIP, 0x1234);
    k.setRegister(root, Reg.R1, 0xabc);
    k.irq.setPending(FX.timerIRQ);
    invoke(k, SLOT.cnode, { label: LABEL.CNodeRevoke, mrs: [SLOT.ep, 32] });
    let left = 0;
    for (let i = 0; i < 120; i++) if (k.mem.read32(FX.rootCNode + 16 * (40 + i)) !== 0) left++;
    expect(left).toBe(20);
    expect(tcbGetState(k.mem, root)).toBe(THREAD_STATE_RUNNING);
    expect(k.getRegister(root, Reg.NextIP)).toBe(0x1234); // restarted
    expect(k.mem.read32(root + 128)).toBe(5); // the tick found the thread in Restart: no slice used
    expect(k.ksDomainTime).toBe((1n << 40n) - 1n); // but the tick was handled
    expect(k.ksWorkUnitsCompleted).toBe(0);
    // again: the rest goes
    invoke(k, SLOT.cnode, { label: LABEL.CNodeRevoke, mrs: [SLOT.ep, 32] });
    expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
    for (let i = 0; i < 120; i++) expect(k.mem.read32(FX.rootCNode + 16 * (40 + i))).toBe(0);
  });
});

describe('callKernel on CNode invocations with random arguments', () => {
  const mr = fc.oneof(fc.integer({ min: 0, max: 45 }), fc.constantFrom(0, 1, 8, 24, 31, 32, 33), word);
  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 15, max: 27 }),
    fc.array(mr, { maxLength: 9 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), word), { maxLength: 3 }),
    fc.constantFrom('SysCall', 'SysSend', 'SysNBSend' as const)), { minLength: 1, maxLength: 10 })], { numRuns: 200 })(
    'never throws and keeps the MDB linked', (steps) => {
      const k = makeKernel();
      for (const [cptr, label, mrs, caps, sys] of steps) {
        if (k.ksCurThread === k.ksIdleThread) return;
        invoke(k, cptr, { label, mrs, caps }, sys);
        expect(mdbProblems(k, allFixtureSlots())).toEqual([]);
      }
    });
});
