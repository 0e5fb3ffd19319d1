import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { Cpu, USER_CONTEXT_WORDS } from '../../hardware/cpu.js';
import { N_CONTEXT_REGISTERS, Reg, USER_CONTEXT_ORDER } from '../../hardware/registers.js';

describe('Cpu', () => {
  test('seL4_UserContext is pc, sp, cpsr, r0, r1, r8-r12, r2-r7, r14, tpidrurw, tpidruro', () => {
    const cpu = new Cpu();
    for (let i = 0; i < N_CONTEXT_REGISTERS; i++) cpu.setRegister(i, 100 + i);
    const ctx = Array.from(cpu.readUserContext());
    expect(ctx).toHaveLength(19);
    expect(ctx.slice(0, 5)).toEqual([100 + Reg.FaultIP, 100 + Reg.SP, 100 + Reg.CPSR, 100, 101]);
    expect(ctx.slice(10, 16)).toEqual([102, 103, 104, 105, 106, 107]);
    expect(ctx.slice(16)).toEqual([100 + Reg.LR, 100 + Reg.TPIDRURW, 100 + Reg.TPIDRURO]);
    expect(ctx).not.toContain(100 + Reg.NextIP); // NextIP is not part of the user context
  });

  propTest.prop([fc.array(fc.nat({ max: 0xffffffff }), { minLength: 19, maxLength: 19 }), fc.nat(19)])(
    'writeUserContext writes exactly the first n words, and reads back',
    (words, n) => {
      const cpu = new Cpu();
      cpu.regs.fill(0xaaaaaaaa);
      cpu.writeUserContext(words, n);
      const back = cpu.readUserContext(new Uint32Array(USER_CONTEXT_WORDS));
      for (let i = 0; i < 19; i++) expect(back[i]).toBe(i < n ? words[i] : 0xaaaaaaaa);
      expect(cpu.getRegister(Reg.NextIP)).toBe(0xaaaaaaaa);
      expect(USER_CONTEXT_ORDER).not.toContain(Reg.NextIP);
    },
  );

  test('registers are 32-bit words; ASID keeps 8 bits; TTBR0 base drops the attribute bits', () => {
    const cpu = new Cpu();
    cpu.setRegister(Reg.R7, -1);
    expect(cpu.getRegister(Reg.R7)).toBe(0xffffffff);
    cpu.setAsid(0x1ff);
    expect(cpu.asid).toBe(0xff);
    cpu.setTtbr0(0x10004000 | 0x18);
    expect(cpu.ttbr0).toBe(0x10004018);
    expect(cpu.translationTableBase).toBe(0x10004000);
  });

  test('context save and load copy all n_contextRegisters words', () => {
    const cpu = new Cpu();
    const tcb = new Uint32Array(N_CONTEXT_REGISTERS).map((_, i) => i * 3);
    cpu.loadContext(tcb);
    expect(Array.from(cpu.regs)).toEqual(Array.from(tcb));
    cpu.setRegister(Reg.R0, 9);
    const saved = new Uint32Array(N_CONTEXT_REGISTERS);
    cpu.saveContext(saved);
    expect(saved[Reg.R0]).toBe(9);
    cpu.reset();
    expect(cpu.regs.every((r) => r === 0)).toBe(true);
  });
});
