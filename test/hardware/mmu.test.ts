// The MMU walk against an independent, deliberately naive decoder written here from the ARM
// ARM's bit tables (B3.5 descriptor formats, B3.7 access permissions, B4.1.52 DFSR / B4.1.96
// IFSR). It shares no code with hardware/mmu.ts or hardware/descriptors.ts: words are split
// into arrays of bits with arithmetic, fields are read by bit number, permissions come from a
// table of strings.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  apFromVMRights, decodePde, decodePte, encodePde, encodePte, type MappingAttributes,
} from '../../hardware/descriptors.js';
import { PhysicalMemory } from '../../hardware/memory.js';
import { type Access, translate, vmFaultEvent } from '../../hardware/mmu.js';

const RAM_BASE = 0x10000000;
const RAM_SIZE = 0x01000000; // 16 MiB holds every table here
const inRam = (a: number): boolean => a >= RAM_BASE && a < RAM_BASE + RAM_SIZE;

// --- The naive decoder.

function bitArray(w: number): number[] {
  const b: number[] = [];
  let x = w < 0 ? w + 2 ** 32 : w;
  for (let i = 0; i < 32; i++) {
    b.push(x % 2);
    x = Math.floor(x / 2);
  }
  return b;
}
function field(b: number[], hi: number, lo: number): number {
  let v = 0;
  for (let i = hi; i >= lo; i--) v = v * 2 + (b[i] ?? 0);
  return v;
}

type Right = 'none' | 'RO' | 'RW';
// ARM ARM table B3-8, SCTLR.AFE = 0: "APX AP[1:0]" -> [PL1, PL0]. 1 00 is reserved: no access.
const AP_TABLE: Record<string, [Right, Right]> = {
  '0 00': ['none', 'none'], '0 01': ['RW', 'none'], '0 10': ['RW', 'RO'], '0 11': ['RW', 'RW'],
  '1 00': ['none', 'none'], '1 01': ['RO', 'none'], '1 10': ['RO', 'RO'], '1 11': ['RO', 'RO'],
};

interface NaiveResult {
  fault: boolean;
  fsr: number;
  paddr?: number;
  pageSize?: number;
  global?: boolean;
}

function naiveTranslate(words: ReadonlyMap<number, number>, ttbr0: number, va: number,
  access: Access, privileged: boolean): NaiveResult {
  const read = (a: number): number | 'abort' => (inRam(a) ? words.get(a) ?? 0 : 'abort');
  const isWrite = access === 'write';
  const fetch = access === 'execute';
  const fault = (fs: number, domain: number): NaiveResult => {
    const fsBits = bitArray(fs);
    let fsr = field(fsBits, 3, 0) + (fsBits[4] ?? 0) * 2 ** 10;
    if (!fetch) fsr += domain * 2 ** 4 + (isWrite ? 2 ** 11 : 0);
    return { fault: true, fsr };
  };
  const ttbrBits = bitArray(ttbr0);
  const vaBits = bitArray(va);
  const l1Address = field(ttbrBits, 31, 14) * 2 ** 14 + field(vaBits, 31, 20) * 4;
  const l1 = read(l1Address);
  if (l1 === 'abort') return fault(0b01100, 0);
  const d = bitArray(l1);
  const l1Type = field(d, 1, 0);
  let base: number, size: number, apx: number, ap: number, xn: number, nG: number;
  let domain: number, section: boolean;
  if (l1Type === 0b01) {
    domain = field(d, 8, 5);
    const l2 = read(field(d, 31, 10) * 2 ** 10 + field(vaBits, 19, 12) * 4);
    if (l2 === 'abort') return fault(0b01110, domain);
    const p = bitArray(l2);
    if (p[1] === 1) {
      base = field(p, 31, 12) * 2 ** 12; size = 2 ** 12; xn = p[0] ?? 0;
    } else if (p[0] === 1) {
      base = field(p, 31, 16) * 2 ** 16; size = 2 ** 16; xn = p[15] ?? 0;
    } else {
      return fault(0b00111, domain);
    }
    apx = p[9] ?? 0; ap = field(p, 5, 4); nG = p[11] ?? 0; section = false;
  } else if (l1Type === 0b10) {
    if (d[18] === 1) {
      base = field(d, 31, 24) * 2 ** 24; size = 2 ** 24; domain = 0;
    } else {
      base = field(d, 31, 20) * 2 ** 20; size = 2 ** 20; domain = field(d, 8, 5);
    }
    apx = d[15] ?? 0; ap = field(d, 11, 10); xn = d[4] ?? 0; nG = d[17] ?? 0; section = true;
  } else {
    return fault(0b00101, 0);
  }
  const [pl1, pl0] = AP_TABLE[`${apx} ${ap.toString(2).padStart(2, '0')}`]!;
  const right = privileged ? pl1 : pl0;
  const allowed = isWrite ? right === 'RW' : right !== 'none' && !(fetch && xn === 1);
  if (!allowed) return fault(section ? 0b01101 : 0b01111, domain);
  return { fault: false, fsr: 0, paddr: base + (va % size), pageSize: size, global: nG === 0 };
}

// --- Random tables: a few first-level entries of every kind with random other bits, and a
// few second-level tables whose entries are of every kind; addresses aim at those entries.

const word = fc.integer({ min: 0, max: 0xffffffff });
const L2_BASES = [0x10100000, 0x10100400, 0x10abcc00];
const withType = (w: number, type: number): number => (w - (w % 4) + type) >>> 0;

const pdeWord = fc.oneof(
  word.map((w) => withType(w, 0b00)),
  word.map((w) => withType(w, 0b11)),
  fc.tuple(word, fc.constantFrom(...L2_BASES)).map(([w, t]) => (t + (w % 1024) - (w % 4) + 1) >>> 0),
  word.map((w) => withType(w, 0b01)), // a coarse table anywhere, usually outside RAM
  word.map((w) => withType(w, 0b10)), // section or supersection, by bit 18
);
const pteWord = fc.oneof(
  word.map((w) => withType(w, 0b00)),
  word.map((w) => withType(w, 0b01)),
  word.map((w) => withType(w, 0b10)),
  word.map((w) => withType(w, 0b11)),
);

const scenario = fc.record({
  ttbrBase: fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(0x10004000, 0x10ff8000) },
    { weight: 1, arbitrary: word.map((w) => w - (w % 2 ** 14)) }, // sometimes outside RAM
  ),
  ttbrAttrs: fc.integer({ min: 0, max: 0x3fff }), // TTBR0 attribute bits the walk must ignore
  l1: fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), pdeWord), { minLength: 1, maxLength: 8 }),
  l2: fc.array(fc.tuple(fc.constantFrom(...L2_BASES), fc.integer({ min: 0, max: 255 }), pteWord),
    { maxLength: 12 }),
  probes: fc.array(fc.record({
    l1Pick: fc.nat(), l2Pick: fc.nat(), offset: fc.integer({ min: 0, max: 0xfff }), raw: word,
    useRaw: fc.boolean(), access: fc.constantFrom<Access>('read', 'write', 'execute'),
    privileged: fc.boolean(),
  }), { minLength: 1, maxLength: 24 }),
});

describe('MMU walk', () => {
  test.prop([scenario], { numRuns: 400 })('agrees with a naive ARM ARM decoder', (s) => {
    const mem = new PhysicalMemory({ ramBase: RAM_BASE, ramSize: RAM_SIZE });
    const words = new Map<number, number>();
    const put = (a: number, w: number): void => {
      if (!inRam(a)) return;
      words.set(a, w);
      mem.write32(a, w);
    };
    for (const [index, w] of s.l1) put(s.ttbrBase + index * 4, w);
    const l2Indices = s.l2.map(([, i]) => i);
    for (const [base, index, w] of s.l2) put(base + index * 4, w);
    const ttbr0 = s.ttbrBase + s.ttbrAttrs;
    for (const p of s.probes) {
      const l1Index = s.l1[p.l1Pick % s.l1.length]![0];
      const l2Index = l2Indices.length > 0 ? l2Indices[p.l2Pick % l2Indices.length]! : p.l2Pick % 256;
      const va = p.useRaw ? p.raw : l1Index * 2 ** 20 + l2Index * 2 ** 12 + p.offset;
      const expected = naiveTranslate(words, ttbr0, va, p.access, p.privileged);
      const t = translate(mem, ttbr0, va, p.access, p.privileged);
      expect(t.ok).toBe(!expected.fault);
      expect(t.fsr).toBe(expected.fsr);
      expect(t.far).toBe(va);
      expect(t.instruction).toBe(p.access === 'execute');
      if (!expected.fault) {
        expect({ paddr: t.paddr, pageSize: t.pageSize, global: t.global }).toEqual({
          paddr: expected.paddr, pageSize: expected.pageSize, global: expected.global,
        });
      }
    }
  });
});

// --- Examples in seL4's own encodings: what a user sees for the mappings seL4 makes.

const PD = 0x10004000;
const PT = 0x10100000;
const userAttrs = (rights: 'VMKernelOnly' | 'VMReadOnly' | 'VMReadWrite', xn = 0): MappingAttributes =>
  ({ apx: 0, ap: apFromVMRights(rights), xn, nG: 1, tex: 5, c: 0, b: 1, s: 0 });

function machine(): PhysicalMemory {
  const mem = new PhysicalMemory({ ramBase: RAM_BASE, ramSize: RAM_SIZE });
  mem.write32(PD + 4 * 0x001, encodePde({ kind: 'Coarse', address: PT, p: 0, domain: 0 }));
  mem.write32(PT + 4 * 0x10, encodePte({ kind: 'Small', address: 0x20000000, ...userAttrs('VMReadWrite') }));
  mem.write32(PT + 4 * 0x11, encodePte({ kind: 'Small', address: 0x20001000, ...userAttrs('VMReadOnly') }));
  mem.write32(PT + 4 * 0x12, encodePte({ kind: 'Small', address: 0x20002000, ...userAttrs('VMKernelOnly') }));
  mem.write32(PT + 4 * 0x13, encodePte({ kind: 'Small', address: 0x20003000, ...userAttrs('VMReadWrite', 1) }));
  // seL4 writes a large page into 16 consecutive entries, and a supersection into 16 PDEs.
  for (let i = 0; i < 16; i++) {
    mem.write32(PT + 4 * (0x20 + i), encodePte({ kind: 'Large', address: 0x20010000, ...userAttrs('VMReadWrite') }));
  }
  mem.write32(PD + 4 * 0x003, encodePde({ kind: 'Section', address: 0x30000000, p: 0, domain: 0, ...userAttrs('VMReadOnly') }));
  for (let i = 0; i < 16; i++) {
    mem.write32(PD + 4 * (0x010 + i), encodePde({ kind: 'SuperSection', address: 0x40000000, p: 0, ...userAttrs('VMKernelOnly') }));
  }
  return mem;
}

describe('MMU examples', () => {
  const mem = machine();
  test('small page read/write/execute by rights', () => {
    expect(translate(mem, PD, 0x00110abc, 'write').paddr).toBe(0x20000abc);
    expect(translate(mem, PD, 0x00111abc, 'read').paddr).toBe(0x20001abc);
    expect(translate(mem, PD, 0x00111abc, 'write').fsr).toBe(0x80f); // WnR | permission (page)
    expect(translate(mem, PD, 0x00112000, 'read').fsr).toBe(0x00f);
    expect(translate(mem, PD, 0x00112000, 'write', true).ok).toBe(true); // kernel-only: PL1 RW
    expect(translate(mem, PD, 0x00113000, 'read').ok).toBe(true);
    const xn = translate(mem, PD, 0x00113004, 'execute');
    expect([xn.ok, xn.fsr, xn.far, xn.instruction]).toEqual([false, 0x00f, 0x00113004, true]);
  });
  test('large page, section, supersection', () => {
    expect(translate(mem, PD, 0x0012fff8, 'read').paddr).toBe(0x2001fff8);
    expect(translate(mem, PD, 0x0012fff8, 'read').pageSize).toBe(0x10000);
    expect(translate(mem, PD, 0x003abcde, 'read').paddr).toBe(0x300abcde);
    expect(translate(mem, PD, 0x003abcde, 'write').fsr).toBe(0x80d); // permission (section)
    expect(translate(mem, PD, 0x01abcdef, 'read', true).paddr).toBe(0x40abcdef);
    expect(translate(mem, PD, 0x01abcdef, 'read').fsr).toBe(0x00d);
  });
  test('translation faults and the VMFault event', () => {
    expect(translate(mem, PD, 0x00500000, 'write').fsr).toBe(0x805); // section, WnR
    expect(translate(mem, PD, 0x00500000, 'execute').fsr).toBe(0x005);
    expect(translate(mem, PD, 0x00140000, 'read').fsr).toBe(0x007); // page
    expect(vmFaultEvent(translate(mem, PD, 0x00140010, 'execute')))
      .toEqual({ kind: 'VMFault', type: 'Instruction', address: 0x00140010, fsr: 0x007 });
  });
});

describe('descriptors', () => {
  test('seL4 bit positions', () => {
    // pde_section: AP 11:10, APX 15, nG 17, XN 4, TEX 14:12, C 3, B 2, domain 8:5.
    const sec = encodePde({ kind: 'Section', address: 0x12300000, p: 1, domain: 0xa, apx: 1, ap: 2,
      xn: 1, nG: 1, tex: 5, c: 1, b: 1, s: 1 });
    expect(sec).toBe((0x12300000 | 1 << 17 | 1 << 16 | 1 << 15 | 5 << 12 | 2 << 10 | 1 << 9 |
      0xa << 5 | 1 << 4 | 1 << 3 | 1 << 2 | 2) >>> 0);
    expect(encodePte({ kind: 'Large', address: 0x12340000, apx: 1, ap: 3, xn: 1, nG: 1, tex: 7,
      c: 0, b: 0, s: 0 })).toBe((0x12340000 | 1 << 15 | 7 << 12 | 1 << 11 | 1 << 9 | 3 << 4 | 1) >>> 0);
    expect(encodePte({ kind: 'Small', address: 0x12345000, apx: 0, ap: 1, xn: 1, nG: 0, tex: 7,
      c: 1, b: 0, s: 0 })).toBe((0x12345000 | 7 << 6 | 1 << 4 | 1 << 3 | 2 | 1) >>> 0);
    expect(encodePde({ kind: 'Invalid', storedHwAsid: 0xab, storedAsidValid: 1 })).toBe(0xab800000);
    expect(['VMNoAccess', 'VMKernelOnly', 'VMReadOnly', 'VMReadWrite'].map((r) =>
      apFromVMRights(r as 'VMReadOnly'))).toEqual([0, 1, 2, 3]);
  });
  test.prop([word])('decode . encode . decode = decode', (w) => {
    expect(decodePde(encodePde(decodePde(w)))).toEqual(decodePde(w));
    expect(decodePte(encodePte(decodePte(w)))).toEqual(decodePte(w));
  });
});
