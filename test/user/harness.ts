// Runs the same user programs on a spec system and an impl system and hands both back, so a
// test can check behaviour on one and equality of the traces between the two.
import { expect } from 'vitest';
import type { RunOptions, RunResult } from '../../hardware/machine.js';
import type { UserCode, UserProgram } from '../../hardware/user.js';
import { ALL_RIGHTS_WORD, cnodeMint } from '../../refinement/user/libsel4-invocations.js';
import { ROOT_DEPTH, RootTask } from '../../refinement/user/root-task.js';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { bootSystem, type KernelKind, type SystemOptions, type UserSystem } from '../../refinement/user/system.js';

/** A finished run on one kernel. */
export interface Run {
  readonly sys: UserSystem;
  readonly result: RunResult;
}

/** Boots `kind`, lets `setup` load programs, runs to the end (or the limits). */
export function runOn(kind: KernelKind, setup: (sys: UserSystem) => void, run: RunOptions = {}, options: SystemOptions = {}): Run {
  const sys = bootSystem(kind, options);
  setup(sys);
  const result = sys.machine.run({ maxInstructions: 1_000_000, ...run });
  return { sys, result };
}

/** Runs on both kernels and expects identical traces and run results. */
export function runOnBoth(setup: (sys: UserSystem) => void, run: RunOptions = {}, options: SystemOptions = {}): { spec: Run; impl: Run } {
  const spec = runOn('spec', setup, run, options);
  const impl = runOn('impl', setup, run, options);
  expect(impl.sys.trace).toEqual(spec.sys.trace);
  expect(impl.result).toEqual(spec.result);
  return { spec, impl };
}

/** Loads a root-task program that starts with a {@link RootTask}. */
export function rootProgram(sys: UserSystem, body: (root: RootTask) => UserCode<void>): void {
  const program: UserProgram = function* (u) {
    const root = yield* RootTask.start(u, (tcb, p) => sys.machine.load(tcb, p));
    yield* body(root);
  };
  sys.machine.load(sys.rootThread, program);
}

/** Per-kernel logs that programs append to; `of(sys)` is the log of one run. */
export class Logs {
  readonly byKind: Record<string, string[]> = {};

  /** The (fresh) log of `sys`'s run. */
  of(sys: UserSystem): string[] {
    const log: string[] = [];
    this.byKind[sys.kind] = log;
    return log;
  }

  /** The spec run's log, after checking the impl run logged the same. */
  agreed(): string[] {
    expect(this.byKind['impl']).toEqual(this.byKind['spec']);
    return this.byKind['spec'] ?? [];
  }
}

/** Mints a copy of the root CNode's cap at `src` into a fresh slot, with a badge and rights. */
export function* mint(root: RootTask, src: number, badge: number, rights = ALL_RIGHTS_WORD): UserCode<number> {
  const cnode = INITIAL_CAP.CapInitThreadCNode;
  const slot = root.allocSlot();
  const err = yield* cnodeMint(root.sel4, cnode, slot, ROOT_DEPTH, cnode, src, ROOT_DEPTH, rights, badge);
  if (err !== 0) throw new Error(`Mint failed: ${err}`);
  return slot;
}
