import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { MAX_IRQ } from '../../../abi/config.js';
import { LABEL } from '../../../abi/labels.js';
import { wordFromMessageInfo } from '../../../abi/message-info.js';
import { SYSCALLS, type KernelEvent } from '../../../hardware/events.js';
import { N_CONTEXT_REGISTERS, Reg } from '../../../hardware/registers.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';
import { callKernel, callKernelWithOutcome } from '../../../spec/kernel/entry.js';
import { getTCB } from '../../../spec/kernel/kheap.js';
import { storeWords } from '../../../spec/kernel/user-memory.js';
import { ipcBufferPaddr, makeState, withRegs } from '../fixture.js';

const word = fc.nat({ max: 0xffffffff });
const smallOrWord = fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(32, 8, 24), word);

const event: fc.Arbitrary<KernelEvent> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SYSCALLS).map((syscall) => ({ kind: 'Syscall' as const, syscall })) },
  { weight: 1, arbitrary: word.map((number) => ({ kind: 'UnknownSyscall' as const, number })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('UserLevelFault' as const), code: word, address: word }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('VMFault' as const), type: fc.constantFrom('Data' as const, 'Instruction' as const), address: word, fsr: word }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'Interrupt' as const }) },
);

/** Register contents: mostly well-formed CNode invocations, some raw words. */
const registers = fc.oneof(
  fc.array(word, { minLength: N_CONTEXT_REGISTERS, maxLength: N_CONTEXT_REGISTERS }),
  fc
    .record({
      cptr: smallOrWord,
      label: fc.oneof(fc.integer({ min: LABEL.CNodeRevoke, max: LABEL.CNodeSaveCaller }), fc.nat({ max: 60 })),
      length: fc.nat({ max: 127 }),
      extraCaps: fc.nat({ max: 3 }),
      mrs: fc.array(smallOrWord, { minLength: 4, maxLength: 4 }),
    })
    .map(({ cptr, label, length, extraCaps, mrs }) => {
      const regs = new Array<number>(N_CONTEXT_REGISTERS).fill(0);
      regs[Reg.R0] = cptr;
      regs[Reg.R1] = wordFromMessageInfo({ label, capsUnwrapped: 0, extraCaps, length });
      mrs.forEach((v, i) => (regs[Reg.R2 + i] = v));
      return regs;
    }),
);

const entry = fc.record({
  regs: registers,
  buffer: fc.array(smallOrWord, { minLength: 0, maxLength: 8 }),
  caps: fc.array(smallOrWord, { minLength: 3, maxLength: 3 }),
  irqPending: fc.uniqueArray(fc.constantFrom(29, 40, 0, MAX_IRQ), { maxLength: 2 }).map((a) => [...a].sort((x, y) => x - y)),
  event,
});

type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

/** Writes an entry's inputs into the current thread and machine. */
function setUp(s: KernelState, e: Entry): KernelState {
  const regs: Record<number, number> = {};
  e.regs.forEach((v, i) => (regs[i] = v));
  let s1 = withRegs(s, regs);
  s1 = storeWords(s1, ipcBufferPaddr() + 4 * 5, e.buffer);
  s1 = storeWords(s1, ipcBufferPaddr() + 4 * 122, e.caps);
  return { ...s1, machine: { ...s1.machine, irqPending: e.irqPending } };
}

describe('callKernel', () => {
  test.prop([fc.array(entry, { minLength: 1, maxLength: 12 })], { numRuns: 300 })(
    'never throws, and leaves a current thread that can run',
    (entries) => {
      let s = makeState();
      for (const e of entries) {
        // Only an interrupt enters the kernel while the idle thread runs (l4v akernel_invs).
        const idle = s.curThread === s.idleThread;
        if (idle && e.event.kind !== 'Interrupt') continue;
        const before = idle ? { ...s, machine: { ...s.machine, irqPending: e.irqPending } } : setUp(s, e);
        const r = callKernelWithOutcome(before, e.event);
        expect(callKernel(before, e.event)).toEqual(r.state);
        s = r.state;
        const cur = getTCB(s, s.curThread).state.kind;
        expect(['Running', 'IdleThreadState']).toContain(cur);
        expect(s.schedulerAction).toEqual({ kind: 'ResumeCurrentThread' });
      }
    },
  );
});
