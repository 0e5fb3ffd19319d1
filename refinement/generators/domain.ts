/**
 * Arbitraries of the domain-cap invocations: domains 0..15 and beyond, threads made by the
 * generators (moving the root task away from the running domain is rare), domain-schedule
 * entries with short, zero and out-of-range durations, and indices at and past the end.
 *
 * @module
 */
import fc from 'fast-check';
import type { DOMAIN_LABELS, MessageWord, ObjectAction } from './action.js';
import { capChoice, objectAction, weighted, word } from './choices.js';

/** A domain label. */
export type DomainLabel = (typeof DOMAIN_LABELS)[number];

const words = (...parts: fc.Arbitrary<MessageWord>[]): fc.Arbitrary<readonly MessageWord[]> => fc.tuple(...parts);
const none = fc.constant([] as const);

/** The k-th domain cap. */
const domainCap = capChoice([20, 'domain'], [1, 'empty'], [1, 'irq-control']);

/** A domain word: 0, another of the sixteen, 16 and beyond (errors). */
const domain = weighted<number>([4, fc.constant(0)], [4, fc.integer({ min: 1, max: 15 })], [1, fc.constant(16)], [1, word]);

/** A domain-schedule index: the first few entries, the last ones, beyond. */
const scheduleIndex = weighted<number>([6, fc.constant(0)], [4, fc.integer({ min: 1, max: 3 })], [2, fc.constantFrom(98, 99)], [2, fc.constantFrom(100, 101, 255)], [1, word]);

/** The arbitrary of one domain label's invocations. */
export function domainAction(label: DomainLabel): fc.Arbitrary<ObjectAction> {
  switch (label) {
    case 'DomainSetSet':
      return objectAction(label, domainCap, words(domain), fc.tuple(capChoice([8, 'child-tcb'], [1, 'self-tcb'], [1, 'cnode'], [1, 'empty'])));
    case 'DomainScheduleConfigure':
      return objectAction(
        label, domainCap,
        words(
          scheduleIndex, domain,
          weighted<number>([6, fc.integer({ min: 1, max: 20 })], [2, fc.constant(0)], [1, word]),
          weighted<number>([8, fc.constant(0)], [1, fc.constantFrom(0xffffff, 0x1000000)], [1, word]),
        ),
        none,
      );
    case 'DomainScheduleSetStart':
      return objectAction(label, domainCap, words(scheduleIndex), none);
  }
}

