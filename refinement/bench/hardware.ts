/**
 * Benchmarks of the hardware model: machine creation, physical memory access, the MMU walk,
 * and the TLB, with the goals the hardware issue sets (a fresh machine in at most 50 µs
 * whatever its RAM size; a TLB-hit user load in at most 30 ns median).
 *
 * @module
 */
import { encodePde, encodePte, type MappingAttributes } from '../../hardware/descriptors.js';
import { IMX6_RAM_BASE, PhysicalMemory } from '../../hardware/memory.js';
import { Machine } from '../../hardware/machine.js';
import { Translation, translate } from '../../hardware/mmu.js';
import { Tlb } from '../../hardware/tlb.js';
import type { BenchSuite } from './harness.js';

// An address space laid out as seL4 lays out a user one: a page directory, one coarse table
// with 4 KiB read-write pages, and a 1 MiB section; user mappings non-global.
const PD = IMX6_RAM_BASE + 0x00100000;
const PT = IMX6_RAM_BASE + 0x00104000;
const FRAMES = IMX6_RAM_BASE + 0x00200000;
const SECTION = IMX6_RAM_BASE + 0x00300000;
const PAGE_VA = 0x00010000; // pages at 0x10000.. through the coarse table
const SECTION_VA = 0x00300000;
const HW_ASID = 7;
const USER_RW: MappingAttributes = { apx: 0, ap: 3, xn: 0, nG: 1, tex: 5, c: 0, b: 1, s: 0 };

function userMachine(): PhysicalMemory {
  const mem = new PhysicalMemory({ ramSize: 0x10000000 });
  mem.write32(PD + (PAGE_VA >>> 20) * 4, encodePde({ kind: 'Coarse', address: PT, p: 0, domain: 0 }));
  for (let i = 0; i < 16; i++) {
    const index = ((PAGE_VA >>> 12) & 0xff) + i;
    mem.write32(PT + index * 4, encodePte({ kind: 'Small', address: FRAMES + i * 0x1000, ...USER_RW }));
  }
  mem.write32(PD + (SECTION_VA >>> 20) * 4,
    encodePde({ kind: 'Section', address: SECTION, p: 0, domain: 0, ...USER_RW }));
  for (let i = 0; i < 16; i++) mem.write32(FRAMES + i * 0x1000, i);
  return mem;
}

/** The hardware suite: metric names `hardware.<name>.ns`. */
export const hardwareSuite: BenchSuite = {
  name: 'hardware',
  run(ctx) {
    ctx.measure('machine.create.1GiB', (n) => {
      let m: PhysicalMemory | undefined;
      for (let i = 0; i < n; i++) m = new PhysicalMemory();
      return m;
    });
    ctx.measure('machine.create.256MiB', (n) => {
      let m: PhysicalMemory | undefined;
      for (let i = 0; i < n; i++) m = new PhysicalMemory({ ramSize: 0x10000000 });
      return m;
    });
    ctx.measure('machine.full.create.1GiB', (n) => {
      let m: Machine | undefined;
      for (let i = 0; i < n; i++) m = new Machine();
      return m;
    });
    ctx.measure('tlb.create', (n) => {
      let t: Tlb | undefined;
      for (let i = 0; i < n; i++) t = new Tlb();
      return t;
    });
    ctx.goal('machine.create.1GiB', 'median', 50_000, 'a fresh 1 GiB machine (Sabre Lite) in ≤ 50 µs');
    ctx.goal('machine.create.256MiB', 'median', 50_000, 'a fresh 256 MiB machine in ≤ 50 µs');
    ctx.goal('machine.full.create.1GiB', 'median', 50_000,
      'a whole fresh machine (RAM, CPU, GIC, TLB, timers, UART) in ≤ 50 µs');

    const mem = userMachine();
    ctx.measure('memory.read32', (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s = (s + mem.read32(FRAMES + ((i & 255) << 2))) | 0;
      return s;
    });
    ctx.measure('memory.write32', (n) => {
      for (let i = 0; i < n; i++) mem.write32(FRAMES + 0x1000 + ((i & 255) << 2), i);
      return mem;
    });

    // A hardware walk per access (no TLB), into one reused result.
    const t = new Translation();
    ctx.measure('mmu.walk.smallPage', (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s = (s + translate(mem, PD, PAGE_VA + ((i & 15) << 12), 'read', false, t).paddr) | 0;
      return s;
    });
    ctx.measure('mmu.walk.section', (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s = (s + translate(mem, PD, SECTION_VA + ((i & 15) << 12), 'read', false, t).paddr) | 0;
      return s;
    });

    // The user model's load: TLB translate (a hit after the first pass) + physical read.
    const tlb = new Tlb();
    ctx.measure('tlb.hitLoad', (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s = (s + mem.read32(tlb.translate(mem, PD, HW_ASID, PAGE_VA + ((i & 15) << 12) + ((i & 63) << 2), 'read'))) | 0;
      }
      return s;
    });
    ctx.goal('tlb.hitLoad', 'median', 30, 'a TLB-hit user load (translate + read32) in ≤ 30 ns');

    // Every access misses: a one-slot TLB and two alternating pages, so each walks and fills.
    const tiny = new Tlb({ size: 1 });
    ctx.measure('tlb.missWalkFill', (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s = (s + tiny.translate(mem, PD, HW_ASID, PAGE_VA + ((i & 1) << 12), 'read')) | 0;
      return s;
    });
    ctx.measure('tlb.invalidateByAsid', (n) => {
      for (let i = 0; i < n; i++) tlb.invalidateByAsid(HW_ASID);
      return tlb;
    }, { samples: 15 });
  },
};
