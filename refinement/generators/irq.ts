/**
 * Arbitraries of the IRQControl, IRQHandler and SGI-signal invocations: lines from
 * the board (the UARTs, the GPT and the EPITs: 58, 59, 87, 88, 89), any line up to maxIRQ,
 * the kernel timer's line (already in use: `RevokeFirst`) and lines past maxIRQ
 * (`RangeError`); destination slots mostly empty, sometimes full; notifications for handlers.
 *
 * @module
 */
import fc from 'fast-check';
import { EPIT1, EPIT2, GPT, UART1, UART2 } from '../../hardware/board.js';
import { IRQ_LABELS, type CapChoice, type MessageWord, type ObjectAction, type UserIRQAction } from './action.js';
import { capChoice, kArb, objectAction, TIMER_IRQ, weighted, word } from './choices.js';

/** An IRQ label. */
export type IRQLabel = (typeof IRQ_LABELS)[number];

/** The board's user-level lines. */
export const USER_LINES: readonly number[] = [UART1.irq, UART2.irq, GPT.irq, EPIT1.irq, EPIT2.irq];

/** An interrupt line word for IRQControl_Get. */
const line = weighted<number>(
  [6, fc.constantFrom(...USER_LINES)], [3, fc.integer({ min: 32, max: 159 })], [1, fc.nat({ max: 31 })], [2, fc.constant(TIMER_IRQ)],
  [3, fc.constantFrom(160, 255, 1023, 0xffffffff)],
);

/** The destination slot of a new handler or SGI cap: mostly empty, sometimes full (`DeleteFirst`). */
const destIndex = weighted<MessageWord>([7, capChoice([1, 'empty'])], [4, capChoice([1, 'any'])]);

/** The destination depth: mostly 32, more often a near miss (`RangeError`, `FailedLookup`) than for other labels. */
const destDepth = weighted<number>([5, fc.constant(32)], [1, fc.constantFrom(0, 31, 33, 12, 64)], [1, fc.constantFrom(31, 12)]);

/** The destination root: mostly the root CNode. */
const destRoot = capChoice([12, 'root-cnode'], [2, 'cnode'], [3, 'endpoint']);

/** The IRQ control cap, rarely something else. */
const control = capChoice([20, 'irq-control'], [1, 'empty'], [1, 'cnode']);

/** An IRQ handler cap, rarely something else. */
const handler = capChoice([12, 'irq-handler'], [4, 'signal-handler'], [1, 'empty'], [1, 'irq-control']);

const none = fc.constant([] as const);
const words = (...parts: fc.Arbitrary<MessageWord>[]): fc.Arbitrary<readonly MessageWord[]> => fc.tuple(...parts);

/** The arbitrary of one IRQ label's invocations. */
export function irqAction(label: IRQLabel): fc.Arbitrary<ObjectAction> {
  switch (label) {
    case 'IRQIssueIRQHandler':
      return objectAction(label, control, words(line, destIndex, destDepth), fc.tuple(destRoot));
    case 'ARMIRQIssueIRQHandlerTrigger':
      return objectAction(label, control, words(line, weighted<number>([3, fc.constantFrom(0, 1)], [1, word]), destIndex, destDepth), fc.tuple(destRoot));
    case 'ARMIRQIssueSGISignal':
      return objectAction(
        label, control,
        words(weighted<number>([6, fc.nat({ max: 15 })], [1, fc.constantFrom(16, 159, 0xffffffff)]), weighted<number>([4, fc.constant(0)], [3, fc.nat({ max: 8 })], [1, word]), destIndex, destDepth),
        fc.tuple(destRoot),
      );
    case 'IRQAckIRQ':
    case 'IRQClearIRQHandler':
      return objectAction(label, handler, none, none);
    case 'IRQSetIRQHandler':
      // No notification cap at all now and then (`TruncatedMessage`), besides the usual near misses.
      return objectAction(label, handler, none, weighted<readonly CapChoice[]>([8, fc.tuple(capChoice([10, 'notification'], [1, 'endpoint'], [1, 'empty']))], [1, none]));
  }
}

/** An invocation of an SGI signal cap (any label: the kernel ignores it and raises the SGI). */
export const sgiAction: fc.Arbitrary<ObjectAction> = objectAction(
  'IRQAckIRQ', capChoice([10, 'sgi'], [1, 'empty']), none, none,
).chain((a) => fc.constantFrom(...IRQ_LABELS).map((label) => ({ ...a, label })));

/** An interrupt on the k-th line handed to user level. */
export const userIRQAction: fc.Arbitrary<UserIRQAction> = fc.record({ t: fc.constant('UserIRQ' as const), k: kArb });
