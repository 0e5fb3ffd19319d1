/**
 * Arbitraries of the ARM virtual-memory invocations: map, re-map and unmap frames of every
 * size and page tables in the root task's address space and in others (page directories
 * assigned ASIDs from pools that ASIDControl_MakePool makes), rights and attributes, cache
 * flushes of frames and ranges of page directories, GetAddress; with the near misses that
 * reach each error seL4 gives (SEL4-API.md labels 33–49).
 *
 * @module
 */
import fc from 'fast-check';
import { VM_LABELS, type VMAction, type VMLabel } from './action.js';
import { invokeSyscall, kArb, weighted, word } from './choices.js';

/** Rights words: all, read-write, read-only, write-only (masked to read-write), none, random. */
const rights = weighted<number>([4, fc.constantFrom(0xf, 0x3, 0x2, 0x1, 0x0, 0xb)], [1, word]);

/** Attribute words: bit 0 cacheable, bit 1 parity, bit 2 execute-never. */
const attr = weighted<number>([6, fc.nat({ max: 7 })], [1, word]);

// Labels with arguments are sent short now and then; without, never.
const short = weighted([5, fc.constant(0)], [1, fc.integer({ min: 1, max: 3 })]);

/** The arbitrary of one VM label's invocations. */
export function vmAction(label: VMLabel): fc.Arbitrary<VMAction> {
  return fc.record({
    t: fc.constant('VM' as const),
    syscall: invokeSyscall,
    label: fc.constant(label),
    cap: weighted<VMAction['cap']>([9, fc.constant('good')], [4, fc.constant('near')], [3, fc.constant('empty')], [3, fc.constant('foreign')]),
    size: weighted<number>([6, fc.constant(0)], [3, fc.constant(1)], [3, fc.constant(2)], [2, fc.constant(3)]),
    pd: weighted<VMAction['pd']>([8, fc.constant('root')], [6, fc.constant('other')], [1, fc.constant('unassigned')], [1, fc.constant('foreign')]),
    vaddr: weighted<VMAction['vaddr']>([14, fc.constant('arena')], [2, fc.constant('misaligned')], [2, fc.constant('kernel')], [3, fc.constant('taken')], [1, fc.constant('raw')]),
    range: weighted<VMAction['range']>([8, fc.constant('ok')], [2, fc.constant('reversed')], [2, fc.constant('beyond')], [2, fc.constant('cross')]),
    rights,
    attr,
    k: kArb,
    word,
    shortBy: short,
    noExtraCaps: weighted([14, fc.constant(false)], [1, fc.constant(true)]),
  });
}

// Map and the flushes come more often: they have the most outcomes.
const VM_WEIGHT: Record<VMLabel, number> = {
  ARMPDClean_Data: 1, ARMPDInvalidate_Data: 1, ARMPDCleanInvalidate_Data: 1, ARMPDUnify_Instruction: 1,
  ARMPageTableMap: 1.6, ARMPageTableUnmap: 1.2,
  ARMPageMap: 2.4, ARMPageUnmap: 1.2, ARMPageClean_Data: 1, ARMPageInvalidate_Data: 1, ARMPageCleanInvalidate_Data: 1,
  ARMPageUnify_Instruction: 1, ARMPageGetAddress: 0.8,
  ARMASIDControlMakePool: 1.2, ARMASIDPoolAssign: 1.2,
};

/** The VM labels with their relative weights (as far as modelled). */
export function vmLabelWeights(modelled: (l: VMLabel) => boolean): readonly (readonly [VMLabel, number])[] {
  return VM_LABELS.filter(modelled).map((l) => [l, VM_WEIGHT[l]] as const);
}
