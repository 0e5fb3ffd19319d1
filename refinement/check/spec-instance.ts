/**
 * A spec kernel packaged as a {@link KernelUnderTest}: the engine checks it against the spec
 * like any other kernel. Two uses: checking the engine itself (a spec against itself must
 * never diverge), and seeing the engine fail and shrink on a spec wrapper that alters one
 * field after each step.
 *
 * @module
 */
import type { KernelEvent } from '../../hardware/events.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { AbstractView, Globals, KernelInstance, KernelUnderTest } from './kernel-under-test.js';
import { withPendingIRQ, withRegister, withUserWords } from './user-context.js';

/** A pure kernel step: the spec's `callKernel`, or a wrapper around it. */
export type SpecStep = (s: KernelState, e: KernelEvent) => KernelState;

/** A kernel under test backed by a spec state and a step function. */
export function specKernelUnderTest(name: string, boot: () => KernelState, step: SpecStep): KernelUnderTest {
  return { name, boot: () => new SpecInstance(boot(), step) };
}

class SpecInstance implements KernelInstance {
  constructor(
    private s: KernelState,
    private readonly stepFn: SpecStep,
  ) {}

  setRegister(reg: number, value: number): void {
    this.s = withRegister(this.s, this.s.curThread, reg, value);
  }

  writeWords(paddr: number, values: readonly number[]): void {
    this.s = withUserWords(this.s, paddr, values);
  }

  setPendingIRQ(irq: number): void {
    this.s = withPendingIRQ(this.s, irq);
  }

  step(e: KernelEvent): void {
    this.s = this.stepFn(this.s, e);
  }

  abstract(): KernelState {
    return this.s;
  }

  view(): AbstractView {
    return stateView(this.s);
  }
}

/** A spec state seen through {@link AbstractView}. */
export function stateView(s: KernelState): AbstractView {
  return {
    object: (addr) => s.kheap.get(addr),
    cnodeSlot: (obj, index) => {
      const o = s.kheap.get(obj);
      return o?.kind === 'CNode' ? (o.slots.get(index) ?? { kind: 'NullCap' }) : undefined;
    },
    cdtParent: (key) => s.cdt.get(key),
    cdtChildren: (key) => s.cdtList.get(key)?.toArray() ?? [],
    isOriginal: (key) => s.isOriginalCap.has(key),
    frame: (n) => s.machine.memory.get(n),
    globals: () => globalsOf(s),
    globalField: (field) => globalsOf(s)[field],
  };
}

/** The global fields of a state. */
export function globalsOf(s: KernelState): Globals {
  return {
    curThread: s.curThread,
    idleThread: s.idleThread,
    schedulerAction: s.schedulerAction,
    readyQueues: s.readyQueues,
    curDomain: s.curDomain,
    domainTime: s.domainTime,
    domainList: s.domainList,
    domainIndex: s.domainIndex,
    domainStartIndex: s.domainStartIndex,
    irqNode: s.irqNode,
    irqStates: s.irqStates,
    arch: s.arch,
    workUnitsCompleted: s.workUnitsCompleted,
    irqMasks: s.machine.irqMasks,
    irqPending: s.machine.irqPending,
  };
}
