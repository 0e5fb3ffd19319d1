/**
 * Arbitraries of the ARM virtual-memory invocations: map, re-map and unmap frames of every
 * size and page tables in the root task's address space and in others (page directories
 * assigned ASIDs from pools that ASIDControl_MakePool makes), rights and attributes, cache
 * flushes of frames and ranges of page directories, GetAddress; with the near misses that
 * reach each error seL4 gives (SEL4-API.md labels 33–49). Most draws aim at one outcome of
 * their label (`ok` or one error, `vm-aim.ts` builds it); the rest are free, their fields
 * alone deciding (raw addresses and words included).
 *
 * @module
 */
import fc from 'fast-check';
import { VM_LABELS, type Action, type VMAction, type VMAim, type VMLabel } from './action.js';
import { invokeSyscall, kArb, optionalRun, weighted, word } from './choices.js';

/** Rights words: all, read-write, read-only, write-only (masked to read-write), none, random. */
const rights = weighted<number>([4, fc.constantFrom(0xf, 0x3, 0x2, 0x1, 0x0, 0xb)], [1, word]);

/** Attribute words: bit 0 cacheable, bit 1 parity, bit 2 execute-never. */
const attr = weighted<number>([6, fc.nat({ max: 7 })], [1, word]);

// Labels with arguments are sent short now and then; without, never.
const short = weighted([5, fc.constant(0)], [1, fc.integer({ min: 1, max: 3 })]);

/** Outcomes as the VM labels share them: every label (`ANY`), and those with arguments (`ARGS`). */
const ANY: readonly (readonly [VMAim, number])[] = [['ok', 1.2], ['IllegalOperation', 1], ['InvalidCapability', 1]];
const ARGS: readonly (readonly [VMAim, number])[] = [...ANY, ['TruncatedMessage', 1]];
// FailedLookup needs an address space whose pool has been deleted: a few steps first, so more draws.
// (made in half of the traces' setup, vmSetup), so more draws.
const PAGE_FLUSH_AIMS = [...ARGS, ['InvalidArgument', 1.2], ['FailedLookup', 1.3]] as const;
const PD_FLUSH_AIMS = [...ARGS, ['InvalidArgument', 1.1], ['RangeError', 1.2], ['FailedLookup', 1.2]] as const;

/**
 * The outcomes each label's draws aim at, with their weights: `ok` and every error seL4
 * 16.0.0's `decodeARM*` can return for it (refinement/check/coverage.ts lists the same).
 */
export const VM_AIMS: Record<VMLabel, readonly (readonly [VMAim, number])[]> = {
  ARMPageMap: [['ok', 0.4], ['IllegalOperation', 1], ['InvalidCapability', 1], ['TruncatedMessage', 1], ['InvalidArgument', 1.2], ['AlignmentError', 1.3], ['FailedLookup', 1.5], ['DeleteFirst', 1.6]],
  ARMPageUnmap: ANY,
  ARMPageGetAddress: ANY,
  ARMPageClean_Data: PAGE_FLUSH_AIMS,
  ARMPageInvalidate_Data: PAGE_FLUSH_AIMS,
  ARMPageCleanInvalidate_Data: PAGE_FLUSH_AIMS,
  ARMPageUnify_Instruction: PAGE_FLUSH_AIMS,
  ARMPageTableMap: [['ok', 1], ['IllegalOperation', 1], ['InvalidCapability', 1], ['TruncatedMessage', 1], ['InvalidArgument', 1.2], ['DeleteFirst', 1.2], ['FailedLookup', 1.4]],
  ARMPageTableUnmap: [...ANY, ['RevokeFirst', 1.4]],
  ARMPDClean_Data: PD_FLUSH_AIMS,
  ARMPDInvalidate_Data: PD_FLUSH_AIMS,
  ARMPDCleanInvalidate_Data: PD_FLUSH_AIMS,
  ARMPDUnify_Instruction: PD_FLUSH_AIMS,
  ARMASIDControlMakePool: [['ok', 0.5], ['IllegalOperation', 1], ['InvalidCapability', 1], ['TruncatedMessage', 1], ['RangeError', 1.2], ['FailedLookup', 1.2],
    ['DeleteFirst', 1.3], ['RevokeFirst', 1.2]],
  ARMASIDPoolAssign: [['ok', 0.5], ['IllegalOperation', 1], ['InvalidCapability', 1], ['TruncatedMessage', 1]],
};

// Draws that aim at nothing: the fields alone decide (raw words, near misses at random).
const FREE = 0.3;

/** The arbitrary of one VM label's invocations: mostly aimed at one outcome, sometimes free. */
export function vmAction(label: VMLabel): fc.Arbitrary<VMAction> {
  const aims = VM_AIMS[label];
  const aim = fc.oneof(
    { weight: Math.round(FREE * 10), arbitrary: fc.constant(undefined) },
    ...aims.map(([a, w]) => ({ weight: Math.round(w * 10), arbitrary: fc.constant<VMAim | undefined>(a) })),
  );
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
    aim,
  }).map(({ aim: x, ...rest }): VMAction => (x === undefined ? rest : { ...rest, aim: x }));
}

// Each label's share: its outcomes' weights (and the free draws), so that every cell gets alike.
const VM_WEIGHT = Object.fromEntries(
  Object.entries(VM_AIMS).map(([l, aims]) => [l, FREE + aims.reduce((t, [, w]) => t + w, 0)]),
) as Record<VMLabel, number>;

/** The VM labels with their relative weights. */
export function vmLabelWeights(): readonly (readonly [VMLabel, number])[] {
  return VM_LABELS.map((l) => [l, VM_WEIGHT[l]] as const);
}

// A VM action aimed at `aim`, sent by Call with nothing left out.
function aimed(label: VMLabel, aim: VMAim): fc.Arbitrary<Action> {
  return vmAction(label).map((a): Action => ({ ...a, syscall: 'SysCall', shortBy: 0, noExtraCaps: false, aim }));
}

/**
 * The VM part of a trace's setup (each part in some traces only; none when a trace has room
 * for fewer than 8 setup steps): frames of every size mapped (each Map makes its frame, and
 * a page table for a page, first); spare page tables (the first PageTable_Map makes a few)
 * then one outcome only an unmapped table meets; a 4 KiB untyped with
 * a child (the steps make 4 KiB untypeds, retype an endpoint from one, then MakePool meets
 * RevokeFirst); a page table cap with a copy (CNode_Copy, then Unmap meets RevokeFirst); an
 * address space whose ASID pool has been deleted, with a section still recording its mapping
 * there (up to seven steps, the rest page flushes meeting FailedLookup, then a map or flush
 * of another label meeting it too); then two draws of the body's VM mix. A single draw in
 * the body rarely meets a chain of setup steps, so these come first, each part ending in the
 * outcome it prepares.
 */
export function vmSetup(most: number): fc.Arbitrary<Action[]> {
  if (most < 8) return fc.constant([]);
  const twice = (a: fc.Arbitrary<Action>): fc.Arbitrary<Action[]> => a.map((x) => [x, x]);
  const oneOf = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
  // Frames of every size mapped (a page's first draw maps a page table): later deletions and revocations meet mappings.
  // One size per run of Maps, so that the frames and the page table the first ones make are used.
  const maps = fc.tuple(fc.nat({ max: 3 }), fc.array(aimed('ARMPageMap', 'ok'), { minLength: 3, maxLength: 4 }))
    .map(([size, as]) => as.map((x) => ({ ...x, size }) as Action));
  const mapped = optionalRun(1, 2, maps);
  // Spare page tables (made by the first draw), then one of the errors only an unmapped one meets.
  const tables = optionalRun(1, 3, twice(oneOf(['DeleteFirst', 'InvalidArgument', 'ok'] as const).chain((aim) => aimed('ARMPageTableMap', aim))));
  const parent = optionalRun(1, 1, fc.tuple(...[0, 1, 2].map(() => aimed('ARMASIDControlMakePool', 'RevokeFirst'))));
  const copied = optionalRun(1, 1, twice(aimed('ARMPageTableUnmap', 'RevokeFirst')));
  const flushes = ['ARMPageClean_Data', 'ARMPageInvalidate_Data', 'ARMPageCleanInvalidate_Data', 'ARMPageUnify_Instruction'] as const;
  const others = [...flushes, 'ARMPDClean_Data', 'ARMPDInvalidate_Data', 'ARMPDCleanInvalidate_Data', 'ARMPDUnify_Instruction', 'ARMPageTableMap', 'ARMPageMap'] as const;
  const chain = fc.tuple(...Array.from({ length: 7 }, (_x, i) => aimed(flushes[i % 4]!, 'FailedLookup')), oneOf(others).chain((l) => aimed(l, 'FailedLookup')));
  const stale = optionalRun(1, 1, chain);
  // Two draws of the body's VM mix, which the parts above have prepared for.
  const labels = vmLabelWeights();
  const draw = fc.oneof(...labels.map(([l, w]) => ({ weight: Math.round(w * 10), arbitrary: vmAction(l) as fc.Arbitrary<Action> })));
  return fc.tuple(mapped, tables, parent, copied, stale, fc.array(draw, { minLength: 2, maxLength: 2 })).map((parts) => parts.flat());
}
