/**
 * Small fast-check building blocks the per-object arbitraries share: weighted cap choices,
 * words, and the near misses every invocation may carry (a short message, missing extra
 * caps, an interrupt pending before the trap).
 *
 * @module
 */
import fc from 'fast-check';
import { ARM_PRIV_TIMER } from '../../hardware/board.js';
import type { CapChoice, MessageWord, ObjectAction, ObjectLabel } from './action.js';

/** The kernel timer's line (the Arm private timer, IRQ 29). */
export const TIMER_IRQ = ARM_PRIV_TIMER.irq;

/** The k of "the k-th". */
export const kArb = fc.nat({ max: 1 << 16 });

/** Any 32-bit word. */
export const word = fc.integer({ min: 0, max: 0xffffffff });

/** A cap choice drawn from weighted kinds: `capChoice([8, 'child-tcb'], [1, 'empty'])`. */
export function capChoice(...weighted: readonly (readonly [number, CapChoice['how']])[]): fc.Arbitrary<CapChoice> {
  return fc.oneof(...weighted.map(([weight, how]) => ({ weight, arbitrary: kArb.map((k): CapChoice => ({ how, k })) })));
}

/** A CPtr whose lookup fails: a bit above the root CNode's radix is set, so the guard does not match. */
export const rawCPtr: fc.Arbitrary<CapChoice> = word.map((w) => ({ how: 'raw', k: (w | 0x1000) >>> 0 }));

/** A value from weighted parts. */
export function weighted<T>(...parts: readonly (readonly [number, fc.Arbitrary<T>])[]): fc.Arbitrary<T> {
  return fc.oneof(...parts.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

/**
 * A run of actions in `run` of `withRun + withoutRun` traces, none in the others. A failing
 * trace shrinks toward none: the run goes whole when the failure does not need it (fast-check
 * shrinks only within the part drawn, which left every setup run in every shrunk trace).
 */
export function optionalRun<T>(withoutRun: number, withRun: number, run: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> {
  return fc.oneof({ withCrossShrink: true }, { weight: withoutRun, arbitrary: fc.constant<T[]>([]) }, { weight: withRun, arbitrary: run });
}

/** How many message words short (mostly none). */
export const shortBy = weighted([14, fc.constant(0)], [1, fc.integer({ min: 1, max: 8 })]);

/** Whether the extra caps are left out (rarely). */
export const noExtraCaps = weighted([16, fc.constant(false)], [1, fc.constant(true)]);

/** A line made pending before an invocation: usually none, sometimes the timer or another line. */
export const pendingIRQ: fc.Arbitrary<number | null> = weighted(
  [12, fc.constant(null)],
  [2, fc.constant(TIMER_IRQ)],
  [1, fc.nat({ max: 159 })],
);

/** Mostly SysCall (the reply tells the outcome), sometimes Send or NBSend. */
export const invokeSyscall = weighted(
  [16, fc.constant('SysCall' as const)],
  [2, fc.constant('SysSend' as const)],
  [2, fc.constant('SysNBSend' as const)],
);

/** A lookup depth for a destination slot: mostly 32 (the root CNode resolves all 32 bits), sometimes a near miss. */
export const depthWord = weighted([16, fc.constant(32)], [1, fc.constantFrom(0, 31, 33, 12, 64)]);

// Object invocations have few arguments: each near miss is drawn more often than for the
// CNode labels, so that every label meets each of its errors.
const objectShortBy = weighted([7, fc.constant(0)], [1, fc.integer({ min: 1, max: 3 })], [1, fc.constant(8)]);
const objectNoExtraCaps = weighted([10, fc.constant(false)], [1, fc.constant(true)]);

/** The invoked cap: mostly the choice given; sometimes an empty slot or a CNode cap (foreign to every object label). */
function withNearMiss(cap: fc.Arbitrary<CapChoice>): fc.Arbitrary<CapChoice> {
  return weighted([12, cap], [2, capChoice([1, 'empty'])], [2, capChoice([1, 'cnode'])]);
}

/** An invocation of `label` on the chosen cap with the given words and extra caps, with the usual near misses. */
export function objectAction(label: ObjectLabel, cap: fc.Arbitrary<CapChoice>, mrs: fc.Arbitrary<readonly MessageWord[]>, caps: fc.Arbitrary<readonly CapChoice[]>): fc.Arbitrary<ObjectAction> {
  return fc.record({
    t: fc.constant('Object' as const), syscall: invokeSyscall, label: fc.constant(label), cap: withNearMiss(cap), mrs, caps,
    shortBy: objectShortBy, noExtraCaps: objectNoExtraCaps, pendingIRQ,
  });
}
