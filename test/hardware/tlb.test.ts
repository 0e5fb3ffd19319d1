// The TLB against fresh table walks: random address spaces for three ASIDs (user mappings
// non-global, a kernel window that is global and identical in every page directory, as seL4's
// copyGlobalMappings makes it), random table writes and accesses.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { PhysicalMemory } from '../../hardware/memory.js';
import { type Access, translate } from '../../hardware/mmu.js';
import { TLB_FAULT, TLB_MISS, Tlb } from '../../hardware/tlb.js';

const RAM_BASE = 0x10000000;
const ASIDS = [1, 2, 3];
const pdOf = (asid: number): number => RAM_BASE + asid * 0x4000;
const ptOf = (asid: number, k: number): number => RAM_BASE + 0x100000 + (asid * 4 + k) * 0x400;
const ttbrFor = (asid: number): number | undefined => (ASIDS.includes(asid) ? pdOf(asid) : undefined);
const USER_L1 = [0, 1, 2, 3, 16, 17];
const GLOBAL_L1 = [0xf00, 0xf01];
const L2 = [0, 1, 2, 15, 16, 17, 255];

const word = fc.integer({ min: 0, max: 0xffffffff });
const setBits = (w: number, mask: number, bits: number): number => ((w & ~mask) | bits) >>> 0;
// User descriptors are non-global (nG set), as seL4's makeUserPTE/PDE make them.
const userPde = (asid: number): fc.Arbitrary<number> => fc.oneof(
  word.map((w) => setBits(w, 3, 0)),
  { weight: 3, arbitrary: fc.tuple(word, fc.integer({ min: 0, max: 3 }))
    .map(([w, k]) => (ptOf(asid, k) | (w & 0x3fc) | 1) >>> 0) },
  { weight: 2, arbitrary: word.map((w) => setBits(w, (1 << 17) | 3, (1 << 17) | 2)) },
  word.map((w) => setBits(w, 3, 3)),
);
const userPte = fc.oneof(
  word.map((w) => setBits(w, 3, 0)),
  { weight: 2, arbitrary: word.map((w) => setBits(w, (1 << 11) | 3, (1 << 11) | 1)) },
  { weight: 3, arbitrary: word.map((w) => setBits(w, (1 << 11) | 2, (1 << 11) | 2)) },
);
// The kernel window: global sections (nG clear) or faults.
const globalPde = fc.oneof(word.map((w) => setBits(w, 3, 0)), word.map((w) => setBits(w, (1 << 17) | 3, 2)));

// A whole starting address space: every pooled entry of every table, mostly mappings.
interface Space { pdes: number[][]; ptes: number[][]; globals: number[] }
const spaceArb: fc.Arbitrary<Space> = fc.record({
  pdes: fc.tuple(...ASIDS.map((a) => fc.array(userPde(a), { minLength: USER_L1.length, maxLength: USER_L1.length }))),
  ptes: fc.tuple(...ASIDS.map(() => fc.array(userPte, { minLength: 4 * L2.length, maxLength: 4 * L2.length }))),
  globals: fc.array(globalPde, { minLength: GLOBAL_L1.length, maxLength: GLOBAL_L1.length }),
});
function machineWith(space: Space): PhysicalMemory {
  const mem = new PhysicalMemory({ ramBase: RAM_BASE, ramSize: 0x01000000 });
  ASIDS.forEach((asid, n) => {
    USER_L1.forEach((l1, i) => mem.write32(pdOf(asid) + l1 * 4, space.pdes[n]![i]!));
    GLOBAL_L1.forEach((l1, i) => mem.write32(pdOf(asid) + l1 * 4, space.globals[i]!));
    for (let k = 0; k < 4; k++) {
      L2.forEach((l2, i) => mem.write32(ptOf(asid, k) + l2 * 4, space.ptes[n]![k * L2.length + i]!));
    }
  });
  return mem;
}

type Op =
  | { kind: 'pde'; asid: number; l1: number; word: number; how: number }
  | { kind: 'pte'; asid: number; table: number; l2: number; word: number; how: number }
  | { kind: 'gpde'; l1: number; word: number; how: number }
  | { kind: 'access'; asid: number; va: number; access: Access; privileged: boolean };

const asidArb = fc.constantFrom(...ASIDS);
const accessArb = fc.record({
  kind: fc.constant('access' as const), asid: asidArb,
  va: fc.tuple(fc.constantFrom(...USER_L1, ...GLOBAL_L1), fc.constantFrom(...L2), fc.nat(0xfff))
    .map(([l1, l2, off]) => (l1 * 2 ** 20 + l2 * 2 ** 12 + off) >>> 0),
  access: fc.constantFrom<Access>('read', 'write', 'execute'), privileged: fc.boolean(),
});
const how = fc.nat(99);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  asidArb.chain((asid) => fc.record({ kind: fc.constant('pde' as const), asid: fc.constant(asid),
    l1: fc.constantFrom(...USER_L1), word: userPde(asid), how })),
  fc.record({ kind: fc.constant('pte' as const), asid: asidArb, table: fc.integer({ min: 0, max: 3 }),
    l2: fc.constantFrom(...L2), word: userPte, how }),
  fc.record({ kind: fc.constant('gpde' as const), l1: fc.constantFrom(...GLOBAL_L1), word: globalPde, how }),
  { weight: 3, arbitrary: accessArb },
);

const isCoarseTo = (w: number, table: number): boolean => (w & 3) === 1 && (w & 0xfffffc00) >>> 0 === table;
const isSection = (w: number): boolean => (w & 3) === 2;

// Applies one table write and then, unless `sloppy` decides to skip it, an invalidation that
// is sufficient for that write (chosen by `how` among the sufficient ones).
function applyWrite(mem: PhysicalMemory, tlb: Tlb, op: Exclude<Op, { kind: 'access' }>, sloppy: boolean): void {
  const skip = sloppy && op.how < 40;
  const choose = (options: (() => void)[]): void => { if (!skip) options[op.how % options.length]!(); };
  if (op.kind === 'gpde') {
    const old = mem.read32(pdOf(1) + op.l1 * 4);
    for (const a of ASIDS) mem.write32(pdOf(a) + op.l1 * 4, op.word);
    const va = op.l1 << 20;
    if (isSection(old)) choose([() => tlb.invalidateAll(), () => tlb.invalidateByMvaAllAsids(va),
      () => tlb.invalidateByAddress(ASIDS[op.how % 3]!, va + (op.how << 12))]);
    return;
  }
  if (op.kind === 'pde') {
    const at = pdOf(op.asid) + op.l1 * 4;
    const old = mem.read32(at);
    mem.write32(at, op.word);
    if ((old & 3) === 1) choose([() => tlb.invalidateAll(), () => tlb.invalidateByAsid(op.asid)]);
    else if (isSection(old)) choose([() => tlb.invalidateAll(), () => tlb.invalidateByAsid(op.asid),
      () => tlb.invalidateByAddress(op.asid, (op.l1 << 20) + (op.how << 12)),
      () => tlb.invalidateByMvaAllAsids(op.l1 << 20)]);
    return;
  }
  const table = ptOf(op.asid, op.table);
  const old = mem.read32(table + op.l2 * 4);
  mem.write32(table + op.l2 * 4, op.word);
  if ((old & 3) === 0) return;
  const users = USER_L1.filter((l1) => isCoarseTo(mem.read32(pdOf(op.asid) + l1 * 4), table));
  choose([() => tlb.invalidateAll(), () => tlb.invalidateByAsid(op.asid),
    () => { for (const l1 of users) tlb.invalidateByAddress(op.asid, (l1 << 20) + (op.l2 << 12)); }]);
}

// The TLB's answer and a fresh walk's answer for one access, in one comparable shape.
function bothWays(mem: PhysicalMemory, tlb: Tlb, op: Extract<Op, { kind: 'access' }>): [string, string] {
  const pa = tlb.translate(mem, pdOf(op.asid), op.asid, op.va, op.access, op.privileged);
  const viaTlb = pa === TLB_FAULT ? `fault ${tlb.result.fsr} at ${tlb.result.far}` : `pa ${pa}`;
  const t = translate(mem, pdOf(op.asid), op.va, op.access, op.privileged);
  return [viaTlb, t.ok ? `pa ${t.paddr}` : `fault ${t.fsr} at ${t.far}`];
}

// Sizes 1 and 2 make every ASID share slots, so a hit that ignored the tag would show.
const tlbSize = fc.constantFrom(1, 2, 8, 64, 256);

describe('TLB coherence', () => {
  test.prop([tlbSize, spaceArb, fc.array(opArb, { minLength: 20, maxLength: 120 })], { numRuns: 300 })(
    'with sufficient invalidation after every table write, the TLB agrees with a fresh walk',
    (size, space, ops) => {
      const mem = machineWith(space);
      const tlb = new Tlb({ size });
      for (const op of ops) {
        if (op.kind === 'access') {
          const [viaTlb, fresh] = bothWays(mem, tlb, op);
          expect(viaTlb).toBe(fresh);
        } else {
          applyWrite(mem, tlb, op, false);
        }
        expect(tlb.staleEntries(mem, ttbrFor)).toEqual([]);
      }
    });

  test.prop([tlbSize, spaceArb, fc.array(opArb, { minLength: 20, maxLength: 120 })], { numRuns: 300 })(
    'with invalidations skipped, every disagreement with a walk was reported by staleEntries first',
    (size, space, ops) => {
      const mem = machineWith(space);
      const tlb = new Tlb({ size });
      for (const op of ops) {
        if (op.kind !== 'access') { applyWrite(mem, tlb, op, true); continue; }
        const stale = tlb.staleEntries(mem, ttbrFor);
        const [viaTlb, fresh] = bothWays(mem, tlb, op);
        if (viaTlb !== fresh) {
          const page = (op.va & ~0xfff) >>> 0;
          expect(stale.some((s) => s.entry.vaddr === page && (s.entry.global || s.entry.asid === op.asid)))
            .toBe(true);
        }
      }
    });
});

// A random address space, filled into the TLB by random accesses.
function filledTlb(size: number, space: Space, accesses: Op[]): { mem: PhysicalMemory; tlb: Tlb } {
  const mem = machineWith(space);
  const tlb = new Tlb({ size });
  for (const op of accesses) if (op.kind === 'access') bothWays(mem, tlb, op);
  return { mem, tlb };
}

describe('TLB invalidation', () => {
  test.prop([tlbSize, spaceArb, fc.array(accessArb, { minLength: 16, maxLength: 120 }), asidArb])(
    'after invalidate-by-ASID no non-global entry of that ASID survives, and nothing else goes',
    (size, space, accesses, asid) => {
      const { tlb } = filledTlb(size, space, accesses);
      const before = tlb.entries();
      tlb.invalidateByAsid(asid);
      const after = tlb.entries();
      expect(after.filter((e) => !e.global && e.asid === asid)).toEqual([]);
      expect(after).toEqual(before.filter((e) => e.global || e.asid !== asid));
    });

  test.prop([tlbSize, spaceArb, fc.array(accessArb, { minLength: 16, maxLength: 120 }), asidArb, word])(
    'invalidate-by-address removes exactly the entries whose mapping holds the address',
    (size, space, accesses, asid, mva) => {
      const { tlb } = filledTlb(size, space, accesses);
      const before = tlb.entries();
      const holds = (e: { vbase: number; pageBits: number }): boolean =>
        mva >= e.vbase && mva < e.vbase + 2 ** e.pageBits;
      tlb.invalidateByAddress(asid, mva);
      expect(tlb.entries()).toEqual(before.filter((e) => !(holds(e) && (e.global || e.asid === asid))));
    });

  const change = fc.record({
    asid: asidArb, l1: fc.constantFrom(...USER_L1), l2: fc.constantFrom(...L2), off: fc.nat(0xfff),
    viaTable: fc.boolean(), first: word, second: word,
    access: fc.constantFrom<Access>('read', 'write', 'execute'), privileged: fc.boolean(),
  });
  test.prop([change])('a table change without invalidation leaves a stale entry that staleEntries names', (c) => {
    const mem = new PhysicalMemory({ ramBase: RAM_BASE, ramSize: 0x01000000 });
    const tlb = new Tlb();
    const va = (c.l1 * 2 ** 20 + c.l2 * 2 ** 12 + c.off) >>> 0;
    // Map va by a section, or by a page through a coarse table; nG set (user mapping).
    const entryAt = c.viaTable ? ptOf(c.asid, 0) + c.l2 * 4 : pdOf(c.asid) + c.l1 * 4;
    const mapping = (w: number): number =>
      c.viaTable ? setBits(w, (1 << 11) | 2, (1 << 11) | 2) : setBits(w, (1 << 18) | (1 << 17) | 3, (1 << 17) | 2);
    if (c.viaTable) mem.write32(pdOf(c.asid) + c.l1 * 4, ptOf(c.asid, 0) | 1);
    mem.write32(entryAt, mapping(c.first));
    const old = translate(mem, pdOf(c.asid), va, c.access, c.privileged);
    const filled = tlb.translate(mem, pdOf(c.asid), c.asid, va, c.access, c.privileged);
    expect(filled === TLB_FAULT ? tlb.result.fsr : filled).toBe(old.ok ? old.paddr : old.fsr);

    // Unmapped, remapped, the same frame with other attributes, or another frame only.
    const addressBits = c.viaTable ? 0xfffff000 : 0xfff00000;
    const sameFrame = setBits(c.second, addressBits, c.first & addressBits);
    const otherFrame = setBits(c.first, addressBits, c.second & addressBits);
    mem.write32(entryAt, [0, mapping(c.second), mapping(sameFrame), mapping(otherFrame)][c.second % 4]!);
    const now = translate(mem, pdOf(c.asid), va, c.access, c.privileged);
    // What a cached entry records: where it goes, what it grants, the fault status it gives.
    const seen = (t: typeof old): string =>
      JSON.stringify([t.mapped, t.paddr, t.pageBits, t.permissions, t.domain, t.global]);
    const changed = seen(now) !== seen(old);
    const stale = tlb.staleEntries(mem, ttbrFor);
    expect(stale.map((s) => [s.entry.asid, s.entry.vaddr])).toEqual(changed ? [[c.asid, (va & ~0xfff) >>> 0]] : []);
    // Until invalidated, the TLB still answers with the old translation.
    const hit = tlb.lookup(c.asid, va, c.access, c.privileged);
    expect(hit === TLB_FAULT ? tlb.result.fsr : hit).toBe(old.ok ? old.paddr : old.fsr);
    tlb.invalidateByAddress(c.asid, va);
    expect(tlb.staleEntries(mem, ttbrFor)).toEqual([]);
    expect(tlb.lookup(c.asid, va, c.access, c.privileged)).toBe(TLB_MISS);
  });
});

describe('TLB examples', () => {
  const setup = (): { mem: PhysicalMemory; tlb: Tlb } => {
    const mem = new PhysicalMemory({ ramBase: RAM_BASE, ramSize: 0x01000000 });
    for (const a of ASIDS) {
      mem.write32(pdOf(a) + 0xf00 * 4, 0xa0000000 | (1 << 10) | 2); // global kernel section
      mem.write32(pdOf(a) + 0x001 * 4, (0x30000000 + a * 2 ** 20) | (1 << 17) | (2 << 10) | 2); // user RO
    }
    return { mem, tlb: new Tlb() };
  };
  test('a global entry serves every ASID until TLBIMVA; TLBIASID keeps it', () => {
    const { mem, tlb } = setup();
    expect(tlb.translate(mem, pdOf(1), 1, 0xf0012344, 'write', true)).toBe(0xa0012344);
    expect(tlb.lookup(2, 0xf0012344, 'read', true)).toBe(0xa0012344);
    expect(tlb.lookup(2, 0xf0012344, 'read')).toBe(TLB_FAULT); // kernel only
    expect([tlb.result.fsr, tlb.result.far]).toEqual([0x00d, 0xf0012344]);
    tlb.invalidateByAsid(1);
    expect(tlb.lookup(3, 0xf0012344, 'read', true)).toBe(0xa0012344);
    tlb.invalidateByAddress(3, 0xf00fff00);
    expect(tlb.lookup(1, 0xf0012344, 'read', true)).toBe(TLB_MISS);
  });
  test('non-global entries are per ASID; every slot of a section goes on one TLBIMVA', () => {
    const { mem, tlb } = setup();
    for (const va of [0x00100000, 0x00155000, 0x001ff000]) tlb.translate(mem, pdOf(2), 2, va, 'read');
    expect(tlb.entries().map((e) => [e.asid, e.vbase, e.pageBits])).toEqual(
      Array.from({ length: 3 }, () => [2, 0x00100000, 20]).sort());
    expect(tlb.lookup(3, 0x00155000, 'read')).toBe(TLB_MISS);
    expect(tlb.lookup(2, 0x00155abc, 'write')).toBe(TLB_FAULT);
    expect(tlb.result.fsr).toBe(0x80d);
    tlb.invalidateByAddress(2, 0x00180000);
    expect(tlb.entries()).toEqual([]);
  });
  test('staleEntries flags entries of ASIDs that lost their tables', () => {
    const { mem, tlb } = setup();
    tlb.translate(mem, pdOf(2), 2, 0x00100000, 'read');
    tlb.translate(mem, pdOf(2), 2, 0xf0000000, 'read', true);
    const stale = tlb.staleEntries(mem, (a) => (a === 2 ? undefined : pdOf(a)));
    expect(stale.map((s) => [s.reason, s.entry.global])).toEqual([['no-vspace', false]]);
    expect(() => new Tlb({ size: 12 })).toThrow(RangeError);
  });
});
