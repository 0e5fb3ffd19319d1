import { describe, expect, test } from 'vitest';
import { INITIAL_CPSR, Reg } from '../../hardware/registers.js';
import { infoLabel, infoLength, messageInfo } from '../../refinement/user/libsel4.js';
import { rootProgram, runOnBoth } from './harness.js';

// Fault labels (seL4_Fault_*).
const UNKNOWN_SYSCALL = 2;
const USER_EXCEPTION = 3;
const VM_FAULT = 5;

describe('a fault handler receives the fault message and restarts the thread, spec and impl alike', () => {
  test('UnknownSyscall: MR0-7 = r0-r7, FaultIP, SP, LR, CPSR, number; the reply sets r0 and skips the svc', () => {
    const seen: Record<string, { label: number; mrs: number[]; after: number[] }> = {};
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const ep = yield* root.create('Endpoint');
      const after: number[] = [];
      yield* root.spawn(function* (l) {
        const regs = l.u.regs;
        for (let r = 0; r < 7; r++) regs[r] = 0x100 + r;
        regs[Reg.LR] = 0xabc;
        regs[Reg.R7] = 0x42; // no such system call
        yield* l.u.svc();
        after.push(regs[Reg.R0] ?? 0, regs[Reg.R1] ?? 0);
        yield* l.u.undefinedInstruction(); // second fault: the handler leaves it blocked
      }, { priority: 100, faultEP: ep.slot });
      const m = yield* root.sel4.recv(ep.slot);
      const mrs = yield* root.sel4.getMRs(m, infoLength(m.info));
      // Reply: new r0..r7, FaultIP moved past the svc, SP, LR, CPSR (12 words), label 0 = restart.
      const reply = [...mrs.slice(0, 8), (mrs[8] ?? 0) + 4, mrs[9] ?? 0, mrs[10] ?? 0, mrs[11] ?? 0];
      reply[0] = 0xbeef;
      yield* root.sel4.reply(messageInfo(0, 0, 0, 12), reply);
      const second = yield* root.sel4.recv(ep.slot);
      seen[sys.kind] = { label: infoLabel(m.info), mrs, after: [...after, infoLabel(second.info)] };
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(seen['spec']?.label).toBe(UNKNOWN_SYSCALL);
    expect(seen['spec']?.mrs).toEqual([0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x42, 0x11100, 0x17000, 0xabc, INITIAL_CPSR, 0x42]);
    expect(seen['spec']?.after).toEqual([0xbeef, 0x101, USER_EXCEPTION]);
    expect(seen['impl']).toEqual(seen['spec']);
  });

  test('UserException: MR0 FaultIP, SP, CPSR, number, code; a reply with FaultIP past the instruction resumes the thread', () => {
    const seen: Record<string, { label: number; mrs: number[]; after: string }> = {};
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const ep = yield* root.create('Endpoint');
      let after = 'not resumed';
      yield* root.spawn(function* (l) {
        yield* l.u.undefinedInstruction();
        after = `resumed with sp ${(l.u.regs[Reg.SP] ?? 0).toString(16)}`;
        yield* l.u.undefinedInstruction();
      }, { priority: 100, faultEP: ep.slot });
      const m = yield* root.sel4.recv(ep.slot);
      const mrs = yield* root.sel4.getMRs(m, infoLength(m.info));
      yield* root.sel4.reply(messageInfo(0, 0, 0, 3), [(mrs[0] ?? 0) + 4, 0x16000, mrs[2] ?? 0]);
      const second = yield* root.sel4.recv(ep.slot);
      // A non-zero label in the reply: the thread is not restarted (it becomes inactive).
      yield* root.sel4.reply(messageInfo(1, 0, 0, 0));
      seen[sys.kind] = { label: infoLabel(m.info), mrs, after: `${after}; second ${infoLabel(second.info)}` };
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(seen['spec']).toEqual({
      label: USER_EXCEPTION, mrs: [0x11100, 0x17000, INITIAL_CPSR, 0, 0], after: `resumed with sp 16000; second ${USER_EXCEPTION}`,
    });
    expect(seen['impl']).toEqual(seen['spec']);
  });

  test('VMFault: MR0 IP, address, prefetch flag, FSR; the reply always restarts the faulting access', () => {
    const seen: Record<string, number[][]> = {};
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const ep = yield* root.create('Endpoint');
      yield* root.spawn(function* (l) {
        yield* l.u.store32(0x40000004, 1);
      }, { priority: 100, faultEP: ep.slot });
      const got: number[][] = [];
      for (let i = 0; i < 2; i++) {
        const m = yield* root.sel4.recv(ep.slot);
        got.push([infoLabel(m.info), ...(yield* root.sel4.getMRs(m, infoLength(m.info)))]);
        yield* root.sel4.reply(messageInfo(0, 0, 0, 0));
      }
      seen[sys.kind] = got;
      yield* root.sel4.u.undefinedInstruction();
    }));
    // Data abort on a store: WnR (bit 11) and a section translation fault (5).
    const fault = [VM_FAULT, 0x11100, 0x40000004, 0, (1 << 11) | 5];
    expect(seen['spec']).toEqual([fault, fault]);
    expect(seen['impl']).toEqual(seen['spec']);
  });
});
