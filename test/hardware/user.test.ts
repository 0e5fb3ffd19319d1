import { describe, expect, test } from 'vitest';
import { FS_TRANSLATION_PAGE, FS_TRANSLATION_SECTION, FSR_WNR_BIT } from '../../hardware/mmu.js';
import { Machine } from '../../hardware/machine.js';
import { Reg } from '../../hardware/registers.js';
import { SYSCALL_NUMBER } from '../../hardware/events.js';
import { NS_PER_MS } from '../../hardware/timer.js';
import { UTXD } from '../../hardware/uart.js';
import type { UserProgram } from '../../hardware/user.js';
import { FakeKernel } from './fake-kernel.js';

const CODE = 0x00010000; // where the threads' PCs start
const DATA = 0x00400000; // an address nothing maps at first

function machineWith(program: UserProgram, options: { timer?: boolean; fetch?: boolean } = {}) {
  const m = new Machine({ startKernelTimer: options.timer ?? false, fetchInstructions: options.fetch ?? false });
  const k = new FakeKernel(m);
  k.createThread(1, CODE);
  m.load(1, program);
  return { m, k };
}

describe('user model: VM faults', () => {
  test('a store to an unmapped page faults with seL4 address and FSR, then lands after the handler maps it', () => {
    let loaded = 0;
    const { m, k } = machineWith(function* (u) {
      yield* u.store32(DATA + 0x10, 0xdeadbeef);
      loaded = yield* u.load32(DATA + 0x10);
      u.regs[Reg.R0] = loaded;
      yield* u.syscall('SysYield');
    });
    const frame = k.tables.newFrame();
    k.policy = (e) => {
      if (e.kind === 'VMFault') {
        k.tables.mapPage(k.pageDirectoryOf(1), e.address & ~0xfff, frame);
        return 'restart'; // a VMFault reply always restarts the thread
      }
      return e.kind === 'Syscall' ? 'resume' : 'suspend';
    };

    expect(m.run()).toMatchObject({ reason: 'exit', traps: 2, thread: 1 });
    const [fault, yieldEntry] = k.entries;
    // Empty first-level entry: section translation fault, WnR set (a store), domain 0.
    expect(fault?.event).toEqual({
      kind: 'VMFault', type: 'Data', address: DATA + 0x10,
      fsr: (1 << FSR_WNR_BIT) | FS_TRANSLATION_SECTION,
    });
    expect(fault?.regs[Reg.FaultIP]).toBe(CODE);
    expect(fault?.regs[Reg.NextIP]).toBe(CODE + 8); // LR_abt - 8 + 8: as traps.S leaves it
    expect(m.memory.read32(frame + 0x10)).toBe(0xdeadbeef);
    expect(loaded).toBe(0xdeadbeef);
    // The retried store is the instruction at CODE; the load at CODE+4; svc at CODE+8.
    expect(yieldEntry?.event).toEqual({ kind: 'Syscall', syscall: 'SysYield' });
    expect(yieldEntry?.regs[Reg.FaultIP]).toBe(CODE + 8);
    expect(yieldEntry?.regs[Reg.R0]).toBe(0xdeadbeef);
    expect(m.hasExited(1)).toBe(true);
  });

  test('a load from an unmapped page of a mapped section is a page translation fault, without WnR', () => {
    const { m, k } = machineWith(function* (u) {
      yield* u.load32(DATA + 0x1004);
    });
    k.tables.mapPage(k.pageDirectoryOf(1), DATA, k.tables.newFrame());
    expect(m.run({ maxTraps: 1 }).reason).toBe('maxTraps');
    expect(k.entries[0]?.event).toEqual({ kind: 'VMFault', type: 'Data', address: DATA + 0x1004, fsr: FS_TRANSLATION_PAGE });
    expect(k.entries[0]?.regs[Reg.FaultIP]).toBe(CODE);
    expect(k.entries[0]?.regs[Reg.NextIP]).toBe(CODE + 8);
    expect(k.currentThread()).toBeUndefined(); // the default policy suspended it
  });

  test('an instruction fetch from an unmapped page is a prefetch abort reporting the PC', () => {
    const { m, k } = machineWith(function* (u) {
      yield* u.syscall('SysYield');
    }, { fetch: true });
    m.run({ maxTraps: 1 });
    expect(k.entries[0]?.event).toEqual({ kind: 'VMFault', type: 'Instruction', address: CODE, fsr: FS_TRANSLATION_SECTION });
    expect(k.entries[0]?.regs[Reg.FaultIP]).toBe(CODE);
    expect(k.entries[0]?.regs[Reg.NextIP]).toBe(CODE + 4);
  });

  test('a user driver reaches a device frame through the MMU', () => {
    const { m, k } = machineWith(function* (u) {
      for (const c of 'hi\n') yield* u.store32(DATA + UTXD, c.charCodeAt(0));
    });
    k.tables.mapPage(k.pageDirectoryOf(1), DATA, m.board.uart.base);
    expect(m.run().reason).toBe('exit');
    expect(m.uart.takeOutput()).toBe('hi\n');
  });
});

describe('user model: system calls and exceptions', () => {
  test('svc traps with the syscall named by r7, FaultIP at the svc and NextIP after it', () => {
    const { m, k } = machineWith(function* (u) {
      u.regs[Reg.R7] = SYSCALL_NUMBER.SysCall;
      u.regs[Reg.R0] = 0x123;
      yield* u.svc();
    });
    expect(m.run().reason).toBe('exit');
    const e = k.entries[0];
    expect(e?.event).toEqual({ kind: 'Syscall', syscall: 'SysCall' });
    expect(e?.regs[Reg.R0]).toBe(0x123);
    expect(e?.regs[Reg.FaultIP]).toBe(CODE);
    expect(e?.regs[Reg.NextIP]).toBe(CODE + 4);
  });

  test.each([
    [42, 42],
    [-9, 0xfffffff7], // DebugPutChar: absent in the verified configuration
    [0, 0],
  ])('r7 = %i is an UnknownSyscall carrying the register word', (r7, word) => {
    const { m, k } = machineWith(function* (u) {
      u.regs[Reg.R7] = r7;
      yield* u.svc();
    });
    m.run({ maxTraps: 1 });
    expect(k.entries[0]?.event).toEqual({ kind: 'UnknownSyscall', number: word });
  });

  test('an undefined instruction is UserLevelFault 0 0 with FaultIP at the instruction', () => {
    const { m, k } = machineWith(function* (u) {
      yield* u.syscall('SysNBRecv');
      yield* u.undefinedInstruction();
    });
    m.run({ maxTraps: 2 });
    expect(k.entries[1]?.event).toEqual({ kind: 'UserLevelFault', code: 0, address: 0 });
    expect(k.entries[1]?.regs[Reg.FaultIP]).toBe(CODE + 4);
    expect(k.entries[1]?.regs[Reg.NextIP]).toBe(CODE + 8);
  });

  test('a restarted svc traps again (NextIP := FaultIP), then the program continues', () => {
    let after = false;
    const { m, k } = machineWith(function* (u) {
      yield* u.syscall('SysSend');
      after = true;
    });
    let first = true;
    k.policy = () => {
      const d = first ? 'restart' : 'resume';
      first = false;
      return d;
    };
    expect(m.run().reason).toBe('exit');
    expect(k.entries.map((e) => e.regs[Reg.FaultIP])).toEqual([CODE, CODE]);
    expect(after).toBe(true);
  });

  test('a program that returned faults with an undefined instruction if run again', () => {
    const { m, k } = machineWith(function* (u) {
      yield* u.syscall('SysYield');
    });
    expect(m.run()).toMatchObject({ reason: 'exit', thread: 1 });
    expect(m.step()).toBe('trap');
    expect(k.entries[1]?.event).toEqual({ kind: 'UserLevelFault', code: 0, address: 0 });
    expect(k.entries[1]?.regs[Reg.FaultIP]).toBe(CODE + 4);
  });

  test('a thread with no program stops the run', () => {
    const m = new Machine({ startKernelTimer: false });
    const k = new FakeKernel(m);
    k.createThread(7, CODE);
    expect(m.run()).toMatchObject({ reason: 'noProgram', thread: 7 });
  });
});

describe('user model: threads, interrupts and idle', () => {
  test('two threads keep their own registers across context switches', () => {
    const m = new Machine({ startKernelTimer: false });
    const k = new FakeKernel(m);
    const seen: number[] = [];
    const program = (tag: number): UserProgram => function* (u) {
      u.regs[Reg.R4] = tag;
      for (let i = 0; i < 3; i++) {
        yield* u.syscall('SysYield');
        seen.push(u.regs[Reg.R4] ?? -1);
      }
    };
    k.createThread(1, CODE);
    k.createThread(2, CODE + 0x1000);
    m.load(1, program(11));
    m.load(2, program(22));
    m.run({ maxTraps: 6 });
    expect(k.entries.map((e) => e.thread)).toEqual([1, 2, 1, 2, 1, 2]);
    expect(seen).toEqual([11, 22, 11, 22]);
  });

  test('the kernel timer preempts a long computation every 2 ms; the computation then completes', () => {
    let done = false;
    const { m, k } = machineWith(function* (u) {
      yield* u.work(5_000_000);
      done = true;
      yield* u.syscall('SysYield');
    }, { timer: true });
    const r = m.run({ until: () => done });
    expect(r.reason).toBe('until');
    expect(k.entries.map((e) => [e.event.kind, e.time])).toEqual([
      ['Interrupt', 2_000_000],
      ['Interrupt', 4_000_000],
      ['Syscall', 5_000_001], // the svc itself takes 1 ns
    ]);
    // An interrupt leaves FaultIP = NextIP = the interrupted instruction.
    expect(k.entries[0]?.regs[Reg.FaultIP]).toBe(CODE);
    expect(k.entries[0]?.regs[Reg.NextIP]).toBe(CODE);
    expect(k.entries[2]?.regs[Reg.FaultIP]).toBe(CODE + 4);
    expect(k.ticks).toBe(2);
  });

  test('a pending interrupt is taken at the next instruction boundary, before that instruction', () => {
    const m = new Machine({ nsPerInstruction: NS_PER_MS }); // a slow CPU: 1 ms per instruction
    const k = new FakeKernel(m);
    k.createThread(1, CODE);
    m.load(1, function* (u) {
      for (let i = 0; i < 4; i++) yield* u.syscall('SysNBRecv');
    });
    expect(m.run().reason).toBe('exit');
    // Each svc takes 1 ms and traps at its end. The tick at 2 ms falls in the second svc,
    // whose trap the kernel handles first (IRQs are masked in the kernel); the interrupt is
    // taken as soon as user mode resumes, before the svc at CODE+8.
    expect(k.entries.map((e) => [e.event.kind, e.time, e.regs[Reg.FaultIP], e.regs[Reg.NextIP]])).toEqual([
      ['Syscall', NS_PER_MS, CODE, CODE + 4],
      ['Syscall', 2 * NS_PER_MS, CODE + 4, CODE + 8],
      ['Interrupt', 2 * NS_PER_MS, CODE + 8, CODE + 8],
      ['Syscall', 3 * NS_PER_MS, CODE + 8, CODE + 12],
      ['Syscall', 4 * NS_PER_MS, CODE + 12, CODE + 16],
    ]);
  });

  test('idle: the machine waits for the next interrupt, or halts when none can come', () => {
    const m = new Machine();
    const k = new FakeKernel(m);
    expect(m.run({ maxTraps: 3 })).toMatchObject({ reason: 'maxTraps', traps: 3, thread: undefined });
    expect(k.entries.map((e) => e.time)).toEqual([2_000_000, 4_000_000, 6_000_000]);
    expect(k.ticks).toBe(3);

    const quiet = new Machine({ startKernelTimer: false });
    new FakeKernel(quiet);
    expect(quiet.run().reason).toBe('halt');
  });

  test('UART input wakes an idle machine with the UART interrupt', () => {
    const m = new Machine({ startKernelTimer: false });
    const k = new FakeKernel(m);
    m.irq.unmask(m.board.uart.irq);
    m.uart.write32(0x80, 1 | (1 << 9)); // UCR1: UARTEN | RRDYEN
    m.uart.feed('x');
    expect(m.run({ maxTraps: 1 }).reason).toBe('maxTraps');
    expect(k.deviceIrqs).toEqual([m.board.uart.irq]);
  });
});
