import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { LABEL } from '../../abi/labels.js';
import { FS_TRANSLATION_SECTION } from '../../hardware/mmu.js';
import { Reg } from '../../hardware/registers.js';
import { infoLabel } from '../../refinement/user/libsel4.js';
import { ALL_RIGHTS_WORD, cnodeCopy, cnodeMint, invoke } from '../../refinement/user/libsel4-invocations.js';
import { ROOT_DEPTH } from '../../refinement/user/root-task.js';
import { KERNEL_KINDS, readUserWords, type KernelKind } from '../../refinement/user/system.js';
import { SpecPort } from '../../refinement/user/spec-port.js';
import { rootProgram, runOn, runOnBoth } from './harness.js';

const CNODE = INITIAL_CAP.CapInitThreadCNode;

describe.each(KERNEL_KINDS)('%s port: the root task', (kind: KernelKind) => {
  test('starts with the boot info address in r0 and its own page directory in TTBR0', () => {
    const { sys } = runOn(kind, () => undefined, { maxTraps: 0 });
    const regs = sys.machine.cpu.regs;
    expect(regs[Reg.R0]).toBe(0x19000);
    expect(regs[Reg.NextIP]).toBe(0x10000);
    // The IPC buffer address in boot info, read through the user's view of memory.
    expect(readUserWords(sys, 0x19000 + 16, 1)).toEqual([0x18000]);
    // The root task's ASID 1 got the first hardware ASID, 0, at the boot's context switch.
    const spec = runOn('spec', () => undefined, { maxTraps: 0 }).sys.port;
    if (!(spec instanceof SpecPort)) throw new Error('not a spec port');
    expect(spec.state.arch.asidMap.get(1)).toEqual({ hwASID: 0, pd: sys.machine.cpu.translationTableBase });
    expect(sys.machine.cpu.asid).toBe(0);
  });

  test('a store by the program is seen by a later load and by the kernel (IPC buffer words)', () => {
    let seen = 0;
    const { sys } = runOn(kind, (s) => s.machine.load(s.rootThread, function* (u) {
      yield* u.store32(0x18000 + 4 * 10, 0xcafe);
      seen = yield* u.load32(0x18000 + 4 * 10);
    }));
    expect(seen).toBe(0xcafe);
    expect(readUserWords(sys, 0x18000 + 40, 1)).toEqual([0xcafe]);
  });
});

describe('user programs on both kernels: root task alone', () => {
  test('Retype, CNode Copy and Mint, an invalid invocation, Yield, then an undefined instruction with no fault handler', () => {
    const results: Record<string, number[]> = {};
    const { spec } = runOnBoth((sys) => rootProgram(sys, function* (root) {
      const r: number[] = [];
      const ep = yield* root.create('Endpoint');
      const ntfn = yield* root.create('Notification');
      const copy = root.allocSlot();
      r.push(yield* cnodeCopy(root.sel4, CNODE, copy, ROOT_DEPTH, CNODE, ep.slot, ROOT_DEPTH, ALL_RIGHTS_WORD));
      const minted = root.allocSlot();
      r.push(yield* cnodeMint(root.sel4, CNODE, minted, ROOT_DEPTH, CNODE, ntfn.slot, ROOT_DEPTH, ALL_RIGHTS_WORD, 0x55));
      // Copy into an occupied slot: DeleteFirst (8).
      r.push(yield* cnodeCopy(root.sel4, CNODE, copy, ROOT_DEPTH, CNODE, ep.slot, ROOT_DEPTH, ALL_RIGHTS_WORD));
      // A CNode label on the TCB cap: IllegalOperation (3).
      r.push(infoLabel((yield* invoke(root.sel4, INITIAL_CAP.CapInitThreadTCB, LABEL.CNodeCopy, [])).info));
      yield* root.sel4.yield();
      results[sys.kind] = r;
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(results['spec']).toEqual([0, 0, 8, 3]);
    expect(results['impl']).toEqual(results['spec']);
    expect(spec.result.reason).toBe('halt');
    const last = spec.sys.trace.at(-1);
    expect(last?.event).toEqual({ kind: 'UserLevelFault', code: 0, address: 0 });
    expect(last?.to).toBeUndefined(); // inactive: the idle thread runs
  });

  test('a load from an unmapped address is a VM fault that leaves the thread inactive', () => {
    const { spec } = runOnBoth((sys) => sys.machine.load(sys.rootThread, function* (u) {
      yield* u.load32(0x40000000);
    }));
    expect(spec.sys.trace.map((e) => e.event)).toEqual([
      { kind: 'VMFault', type: 'Data', address: 0x40000000, fsr: FS_TRANSLATION_SECTION },
    ]);
    expect(spec.result.reason).toBe('halt');
  });

  test('an unknown system call with no fault handler leaves the thread inactive', () => {
    const { spec } = runOnBoth((sys) => sys.machine.load(sys.rootThread, function* (u) {
      u.regs[Reg.R7] = 42;
      yield* u.svc();
    }));
    expect(spec.sys.trace.map((e) => [e.event.kind, e.to])).toEqual([['UnknownSyscall', undefined]]);
  });

  test('kernel timer ticks preempt a long computation on both kernels alike', () => {
    let done = false;
    const { spec } = runOnBoth((sys) => (done = false, sys.machine.load(sys.rootThread, function* (u) {
      yield* u.work(25_000_000);
      done = true;
      yield* u.syscall('SysYield');
    })), { until: () => done }, { machine: { startKernelTimer: true } });
    // 12 ticks in 25 ms, then the Yield.
    expect(spec.sys.trace.map((e) => e.event.kind)).toEqual([...new Array<string>(12).fill('Interrupt'), 'Syscall']);
  });
});

describe('user memory: the spec\'s own view agrees with the MMU over the impl\'s memory', () => {
  const spec = runOn('spec', () => undefined, { maxTraps: 0 }).sys;
  const impl = runOn('impl', () => undefined, { maxTraps: 0 }).sys;
  // The root task's image (0x10000-0x17fff), IPC buffer and boot info frames, the holes
  // around them, and addresses anywhere.
  const vaddr = fc.oneof(fc.integer({ min: 0xf000, max: 0x1afff }), fc.integer({ min: 0, max: 0xffffffff }));
  const size = fc.constantFrom(1 as const, 2 as const, 4 as const);

  fcTest.prop([vaddr, size, fc.constantFrom('read' as const, 'execute' as const)])('loads and fetches: the same value or the same fault', (va, sz, access) => {
    expect(spec.memory.load(va, sz, access)).toEqual(impl.memory.load(va, sz, access));
  });

  fcTest.prop([vaddr, size, fc.integer({ min: 0, max: 0xffffffff })])('stores: the same fault, or the same value read back', (va, sz, v) => {
    const a = spec.memory.store(va, sz, v);
    expect(a).toEqual(impl.memory.store(va, sz, v));
    if (a === undefined) expect(spec.memory.load(va, sz, 'read')).toEqual(impl.memory.load(va, sz, 'read'));
  });
});
