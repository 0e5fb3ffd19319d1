// Physical memory against a plain byte map: random 8/16/32-bit loads and stores over RAM, a
// device region and unbacked addresses, under several RAM layouts.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  IMX6_RAM_BASE, IMX6_RAM_SIZE, type MemoryMappedDevice, PhysicalAccessError, PhysicalMemory,
} from '../../hardware/memory.js';

// A device that is plain storage, so the byte model covers it too; it logs every access.
class RegisterFile implements MemoryMappedDevice {
  readonly regs = new Map<number, number>();
  readonly log: string[] = [];
  read32(offset: number): number {
    this.log.push(`r${offset}`);
    return this.regs.get(offset) ?? 0;
  }
  write32(offset: number, value: number): void {
    this.log.push(`w${offset}=${value}`);
    this.regs.set(offset, value >>> 0);
  }
}

interface Layout { ramBase: number; ramSize: number; devBase: number; devSize: number }
const LAYOUTS: Layout[] = [
  { ramBase: IMX6_RAM_BASE, ramSize: IMX6_RAM_SIZE, devBase: 0x02020000, devSize: 0x100 },
  { ramBase: 0x10000000, ramSize: 0x10000000, devBase: 0x20000000, devSize: 0x1000 },
  { ramBase: 0xfffe0000, ramSize: 0x20000, devBase: 0x00000000, devSize: 0x40 },
];

// Byte-model semantics: a little-endian load/store over a Map; undefined = no RAM or device.
function backed(l: Layout, a: number): boolean {
  return (a >= l.ramBase && a < l.ramBase + l.ramSize) || (a >= l.devBase && a < l.devBase + l.devSize);
}

// The index of the first differing byte, or -1 (cheaper than a deep equality of 32 KiB).
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

type Op = { kind: 'read' | 'write'; size: 1 | 2 | 4; addr: number; value: number };

// Addresses cluster where mistakes live: frame edges, RAM edges, the device, anywhere.
function addressArb(l: Layout): fc.Arbitrary<number> {
  const near = (base: number, span: number): fc.Arbitrary<number> =>
    fc.integer({ min: -span, max: span }).map((d) => (base + d) >>> 0);
  return fc.oneof(
    near(l.ramBase + 0x1000, 0x20),
    near(l.ramBase + 0x3000, 0x1010),
    near(l.ramBase, 0x10),
    near(l.ramBase + l.ramSize, 0x10),
    near(l.devBase + l.devSize / 2, l.devSize / 2 + 8),
    fc.integer({ min: 0, max: 0xffffffff }),
  );
}

function opArb(l: Layout, aligned: boolean): fc.Arbitrary<Op> {
  return fc.record({
    kind: fc.constantFrom<'read' | 'write'>('read', 'write'),
    size: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
    addr: addressArb(l),
    value: fc.integer({ min: -(2 ** 31), max: 0xffffffff }),
  }).map((op) => (aligned ? { ...op, addr: op.addr - (op.addr % op.size) } : op));
}

const scenario = fc.constantFrom(...LAYOUTS).chain((l) =>
  fc.tuple(fc.constant(l), fc.array(opArb(l, true), { minLength: 10, maxLength: 120 }), fc.array(opArb(l, false), { maxLength: 10 })));

describe('PhysicalMemory', () => {
  test.prop([scenario], { numRuns: 200 })('agrees with a byte map', ([l, ops, unaligned]) => {
    const dev = new RegisterFile();
    const mem = new PhysicalMemory({ ramBase: l.ramBase, ramSize: l.ramSize });
    mem.addDevice(l.devBase, l.devSize, dev);
    const bytes = new Map<number, number>();
    for (const op of [...ops, ...unaligned]) {
      const bad = op.addr % op.size !== 0 ? 'unaligned' : !backed(l, op.addr) ? 'unmapped' : undefined;
      const run = (): number | undefined => {
        if (op.kind === 'write') {
          if (op.size === 1) mem.write8(op.addr, op.value);
          else if (op.size === 2) mem.write16(op.addr, op.value);
          else mem.write32(op.addr, op.value);
          return undefined;
        }
        return op.size === 1 ? mem.read8(op.addr) : op.size === 2 ? mem.read16(op.addr) : mem.read32(op.addr);
      };
      if (bad !== undefined) {
        let caught: unknown;
        try { run(); } catch (e) { caught = e; }
        expect(caught).toBeInstanceOf(PhysicalAccessError);
        expect(caught).toMatchObject({ address: op.addr, size: op.size, access: op.kind, reason: bad });
        continue;
      }
      const v = ((op.value % 2 ** 32) + 2 ** 32) % 2 ** 32;
      if (op.kind === 'write') {
        for (let i = 0; i < op.size; i++) bytes.set(op.addr + i, Math.floor(v / 2 ** (8 * i)) % 256);
        run();
      } else {
        let expected = 0;
        for (let i = op.size - 1; i >= 0; i--) expected = expected * 256 + (bytes.get(op.addr + i) ?? 0);
        expect(run()).toBe(expected);
      }
    }
    // A second view of the same content: every byte ever touched, read back one by one.
    for (const [a, b] of bytes) expect(mem.read8(a)).toBe(b);
  });

  const zeroScenario = fc.tuple(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 255 })), { maxLength: 60 }),
    fc.integer({ min: 0, max: 0x8000 }),
    fc.integer({ min: 0, max: 0x8000 }),
  );
  test.prop([zeroScenario])('zeroRange zeroes its range, releases whole frames; clone is a snapshot',
    ([writes, a, b]) => {
      const base = 0x80000000;
      const mem = new PhysicalMemory({ ramBase: base, ramSize: 0x8000 });
      const model = new Uint8Array(0x8000);
      const wordOf = (off: number): number =>
        (model[off]! | (model[off + 1]! << 8) | (model[off + 2]! << 16) | (model[off + 3]! << 24)) >>> 0;
      for (const [off, v] of writes) { mem.write8(base + off, v); model[off] = v; }
      const before = model.slice();
      const snapshot = mem.clone();
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      mem.zeroRange(base + lo, hi - lo);
      model.fill(0, lo, hi);
      // The word path goes through the frame cache: first where the last store left it.
      const last = writes.length > 0 ? writes[writes.length - 1]![0] & ~3 : 0;
      expect(mem.read32(base + last)).toBe(wordOf(last));
      expect(firstDifference(mem.readBytes(base, 0x8000), model)).toBe(-1);
      for (const [frameBase] of mem.frames()) {
        const f = frameBase - base;
        expect(lo <= f && f + 4096 <= hi).toBe(false); // a fully zeroed frame is released
      }
      expect(firstDifference(snapshot.readBytes(base, 0x8000), before)).toBe(-1);
      expect(snapshot.contentEquals(mem)).toBe(before.every((v, i) => v === model[i]));
      // Stores after the zeroing land in live frames.
      for (const [off, v] of writes) {
        mem.write32(base + (off & ~3), v * 0x01010101);
        model.fill(v, off & ~3, (off & ~3) + 4);
      }
      expect(firstDifference(mem.readBytes(base, 0x8000), model)).toBe(-1);
      mem.zeroRange(base, 0x8000);
      expect(mem.allocatedFrames).toBe(0);
    });

  test('a fresh machine allocates nothing; reads of unwritten RAM are zero and allocate nothing', () => {
    for (const ramSize of [IMX6_RAM_SIZE, 0x10000000]) {
      const mem = new PhysicalMemory({ ramSize });
      expect(mem.ramBase).toBe(IMX6_RAM_BASE);
      expect([mem.read32(IMX6_RAM_BASE + ramSize - 4), mem.read8(IMX6_RAM_BASE), mem.allocatedFrames]).toEqual([0, 0, 0]);
      mem.write32(IMX6_RAM_BASE + 0x1234, 0xdeadbeef);
      expect([mem.allocatedFrames, [...mem.frames()].map(([b]) => b)]).toEqual([1, [IMX6_RAM_BASE + 0x1000]]);
      expect(mem.read32((IMX6_RAM_BASE + 0x1234) | 0)).toBe(0xdeadbeef);
      expect(mem.read16(IMX6_RAM_BASE + 0x1236)).toBe(0xdead);
      expect(mem.isRam(IMX6_RAM_BASE + ramSize)).toBe(false);
      expect(mem.isRam(IMX6_RAM_BASE - 1)).toBe(false);
    }
  });

  test('device regions dispatch word accesses at region offsets; sub-word stores merge', () => {
    const dev = new RegisterFile();
    const mem = new PhysicalMemory({ devices: [{ base: 0x02020000, size: 0x100, device: dev }] });
    mem.write32(0x02020040, 0x11223344);
    mem.write8(0x02020041, 0xaa);
    expect(mem.read16(0x02020042)).toBe(0x1122);
    expect(dev.log).toEqual([`w64=${0x11223344}`, 'r64', `w64=${0x1122aa44}`, 'r64']);
    expect(mem.deviceAt(0x020200ff)?.device).toBe(dev);
    expect(() => mem.read32(0x02020100)).toThrow(PhysicalAccessError);
    expect(() => mem.addDevice(0x020200fc, 8, dev)).toThrow(RangeError);
    expect(() => mem.addDevice(IMX6_RAM_BASE + IMX6_RAM_SIZE - 4, 8, dev)).toThrow(RangeError);
    expect(() => mem.zeroRange(IMX6_RAM_BASE + IMX6_RAM_SIZE - 4, 8)).toThrow(PhysicalAccessError);
  });

  test('byte helpers and content equality', () => {
    const mem = new PhysicalMemory({ ramSize: 0x10000000 });
    mem.writeBytes(0x10000ffe, [1, 2, 3, 4]);
    expect(Array.from(mem.readBytes(0x10000ffd, 6))).toEqual([0, 1, 2, 3, 4, 0]);
    expect(mem.read32(0x10001000)).toBe(0x0403);
    const copy = mem.clone();
    expect(copy.contentEquals(mem)).toBe(true);
    copy.write8(0x10000ffe, 9);
    expect([copy.contentEquals(mem), mem.read8(0x10000ffe)]).toEqual([false, 1]);
    copy.write8(0x10000ffe, 1);
    copy.write32(0x10200000, 0); // an allocated all-zero frame equals an absent one
    expect([copy.contentEquals(mem), mem.contentEquals(copy)]).toEqual([true, true]);
    copy.write32(0x10300000, 5); // a frame only one side has, compared from either side
    expect([copy.contentEquals(mem), mem.contentEquals(copy)]).toEqual([false, false]);
  });
});

describe('physical memory, two frames at once', () => {
  test.prop([fc.array(fc.tuple(fc.nat(3), fc.nat(1023), fc.integer()), { maxLength: 200 })])('word copies between frames and releases read back exactly', (ops) => {
    const mem = new PhysicalMemory({ ramBase: IMX6_RAM_BASE, ramSize: 0x100000 });
    const model = new Map<number, number>();
    for (const [f, w, v] of ops) {
      const a = IMX6_RAM_BASE + f * 4096 + 4 * w;
      const b = IMX6_RAM_BASE + ((f + 1) % 4) * 4096 + 4 * w;
      if (v % 7 === 0) {
        mem.zeroRange(IMX6_RAM_BASE + f * 4096, 4096);
        for (let i = 0; i < 1024; i++) model.delete(IMX6_RAM_BASE + f * 4096 + 4 * i);
      } else {
        mem.write32(a, v);
        model.set(a, v >>> 0);
        mem.write32(b, mem.read32(a));
        model.set(b, model.get(a)!);
      }
      expect(mem.read32(a)).toBe(model.get(a) ?? 0);
      expect(mem.read32(b)).toBe(model.get(b) ?? 0);
    }
  });
});

