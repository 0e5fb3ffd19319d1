/**
 * Physical memory of the modelled machine: RAM plus memory-mapped device regions.
 *
 * RAM is sparse and frame-granular: a 4 KiB frame is allocated on its first write, and a
 * never-written frame reads as zero, so a fresh machine costs microseconds whatever its RAM
 * size. Frames sit in a two-level table (1 MiB chunks of 256 frames, chunks allocated
 * lazily), so a lookup is two array indexings, never a hash.
 *
 * Addresses are taken modulo 2^32 (a word given as a signed int32 names the same address).
 * Byte order is little-endian (the ARMv7 kernel and user configuration). Words are stored as
 * `Uint32Array` elements and bytes are extracted by shifting, so the host's byte order never
 * matters.
 *
 * Alignment: 16- and 32-bit accesses must be naturally aligned, or they throw a
 * {@link PhysicalAccessError} with reason `'unaligned'`. The MMU and the user model never
 * issue unaligned accesses (seL4 runs with alignment checking on), so reaching one is a bug
 * in the caller, not behaviour to model.
 *
 * @module
 */
import { hex } from './word.js';

/** log2 of a RAM frame: the allocation granule (one small page). */
export const FRAME_BITS = 12;
/** Bytes in a RAM frame. */
export const FRAME_BYTES = 1 << FRAME_BITS;
/** Physical base of RAM on the i.MX6 Sabre Lite (`memory@10000000` in seL4's sabre.dts). */
export const IMX6_RAM_BASE = 0x10000000;
/** RAM size of the i.MX6 Sabre Lite: 1 GiB. */
export const IMX6_RAM_SIZE = 0x40000000;

const WORDS_PER_FRAME = FRAME_BYTES >>> 2;
const CHUNK_BITS = 20; // a chunk of the frame table covers 1 MiB = 256 frames
const FRAMES_PER_CHUNK = 1 << (CHUNK_BITS - FRAME_BITS);
// `paddr & FAST_CHECK_MASK` keeps the frame number and the two alignment bits, so one compare
// against the cached frame base tests "same frame" and "word-aligned" together.
const FAST_CHECK_MASK = 0xfffff003;
const FRAME_MASK = 0xfffff000;
const NO_FRAME = -1; // never equal to `paddr & FAST_CHECK_MASK` (whose bits 11:2 are 0)
const EMPTY_FRAME = new Uint32Array(0);
const FRAMES_PER_SLAB = 8;

/**
 * A device behind a physical address range. Offsets are byte offsets from the region base,
 * always word-aligned: an 8- or 16-bit access to a device reads the containing word and, for
 * a store, writes it back merged (a read-modify-write the device sees as two accesses).
 */
export interface MemoryMappedDevice {
  /** Reads the 32-bit register at `offset`. */
  read32(offset: number): number;
  /** Writes the 32-bit register at `offset`. */
  write32(offset: number, value: number): void;
}

/** A device placed at `[base, base + size)`. */
export interface DeviceRegion {
  /** Physical base address (word-aligned). */
  readonly base: number;
  /** Size in bytes (a positive multiple of 4). */
  readonly size: number;
  /** The device that answers accesses in the region. */
  readonly device: MemoryMappedDevice;
}

/** Construction options of {@link PhysicalMemory}. */
export interface PhysicalMemoryOptions {
  /** Physical base of RAM, frame-aligned; default {@link IMX6_RAM_BASE}. */
  readonly ramBase?: number;
  /** RAM size in bytes, a multiple of the frame size; default {@link IMX6_RAM_SIZE}. */
  readonly ramSize?: number;
  /** Device regions to add at once (see {@link PhysicalMemory.addDevice}). */
  readonly devices?: readonly DeviceRegion[];
}

/** Why a physical access failed. */
export type PhysicalAccessReason = 'unmapped' | 'unaligned';

/** A physical access to an address with neither RAM nor a device, or a misaligned one. */
export class PhysicalAccessError extends Error {
  /** The faulting physical address. */
  readonly address: number;
  /** The access size in bytes (1, 2 or 4; the requested length for byte-range helpers). */
  readonly size: number;
  /** Whether the access was a load or a store. */
  readonly access: 'read' | 'write';
  /** What was wrong with it. */
  readonly reason: PhysicalAccessReason;

  /** Builds the error; the message names the address in hex. */
  constructor(address: number, size: number, access: 'read' | 'write', reason: PhysicalAccessReason) {
    const what = reason === 'unmapped' ? 'no RAM or device there' : 'not naturally aligned';
    super(`physical ${access} of ${size} byte(s) at ${hex(address)}: ${what}`);
    this.name = 'PhysicalAccessError';
    this.address = address >>> 0;
    this.size = size;
    this.access = access;
    this.reason = reason;
  }
}

/** Physical RAM and device regions of one machine; see the module comment. */
export class PhysicalMemory {
  /** Physical base address of RAM. */
  readonly ramBase: number;
  /** RAM size in bytes. */
  readonly ramSize: number;
  private readonly chunks: (Uint32Array | undefined)[][];
  private readonly devices: DeviceRegion[] = [];
  private frameCount = 0;
  // The last frame touched by the slow path: the hot paths compare one int against it.
  private cacheBase = NO_FRAME;
  private cacheFrame: Uint32Array = new Uint32Array(0);
  // The frame touched before it, so that copying between two frames (a new page directory
  // taking the kernel's mappings) does not walk the frame table at every word.
  private otherBase = NO_FRAME;
  private otherFrame: Uint32Array = EMPTY_FRAME;
  // New frames are carved out of slabs of several frames: one 4 KiB ArrayBuffer costs about as
  // much to allocate as a slab of many, and a boot allocates a handful at once.
  private slab: ArrayBuffer | undefined;
  private slabUsed = FRAMES_PER_SLAB;

  /** Creates RAM with no frame allocated yet; see {@link PhysicalMemoryOptions}. */
  constructor(options: PhysicalMemoryOptions = {}) {
    const base = options.ramBase ?? IMX6_RAM_BASE;
    const size = options.ramSize ?? IMX6_RAM_SIZE;
    if (!Number.isInteger(base) || !Number.isInteger(size) || base < 0 || size <= 0 ||
        base % FRAME_BYTES !== 0 || size % FRAME_BYTES !== 0 || base + size > 2 ** 32) {
      throw new RangeError(`RAM [${hex(base)}, +${hex(size)}) must be frame-aligned, within 4 GiB`);
    }
    this.ramBase = base;
    this.ramSize = size;
    this.chunks = new Array<(Uint32Array | undefined)[]>(Math.ceil(size / 2 ** CHUNK_BITS));
    for (const d of options.devices ?? []) this.addDevice(d.base, d.size, d.device);
  }

  /** Places `device` at `[base, base + size)`; overlapping RAM or another device is an error. */
  addDevice(base: number, size: number, device: MemoryMappedDevice): void {
    if (!Number.isInteger(base) || !Number.isInteger(size) || base < 0 || size <= 0 ||
        base % 4 !== 0 || size % 4 !== 0 || base + size > 2 ** 32) {
      throw new RangeError(`device [${hex(base)}, +${hex(size)}) must be word-aligned, within 4 GiB`);
    }
    const overlaps = (b: number, s: number): boolean => base < b + s && b < base + size;
    if (overlaps(this.ramBase, this.ramSize) || this.devices.some((d) => overlaps(d.base, d.size))) {
      throw new RangeError(`device [${hex(base)}, +${hex(size)}) overlaps RAM or another device`);
    }
    this.devices.push({ base, size, device });
  }

  /** Whether `paddr` (taken modulo 2^32, like every address here) is in RAM. */
  isRam(paddr: number): boolean {
    return (((paddr >>> 0) - this.ramBase) >>> 0) < this.ramSize;
  }

  /** The device region containing `paddr`, if any. */
  deviceAt(paddr: number): DeviceRegion | undefined {
    const a = paddr >>> 0;
    for (const d of this.devices) if (a - d.base >= 0 && a - d.base < d.size) return d;
    return undefined;
  }

  /** Loads the little-endian word at `paddr` (4-byte aligned). */
  read32(paddr: number): number {
    if ((paddr & FAST_CHECK_MASK) === this.cacheBase) return this.cacheFrame[(paddr >>> 2) & 0x3ff]!;
    return this.load(paddr, 4);
  }

  /** Stores the word `value` (truncated to 32 bits) at `paddr` (4-byte aligned). */
  write32(paddr: number, value: number): void {
    if ((paddr & FAST_CHECK_MASK) === this.cacheBase) {
      this.cacheFrame[(paddr >>> 2) & 0x3ff] = value;
      return;
    }
    this.store(paddr, 4, value);
  }

  /** Loads the halfword at `paddr` (2-byte aligned). */
  read16(paddr: number): number {
    return this.load(paddr, 2);
  }

  /** Stores the low 16 bits of `value` at `paddr` (2-byte aligned). */
  write16(paddr: number, value: number): void {
    this.store(paddr, 2, value);
  }

  /** Loads the byte at `paddr`. */
  read8(paddr: number): number {
    return this.load(paddr, 1);
  }

  /** Stores the low 8 bits of `value` at `paddr`. */
  write8(paddr: number, value: number): void {
    this.store(paddr, 1, value);
  }

  /** Copies `length` bytes starting at `paddr` out of memory. */
  readBytes(paddr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.load((paddr + i) >>> 0, 1);
    return out;
  }

  /** Copies `bytes` into memory starting at `paddr`. */
  writeBytes(paddr: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.store((paddr + i) >>> 0, 1, bytes[i] ?? 0);
  }

  /**
   * Zeroes `[paddr, paddr + bytes)`, which must lie in RAM. Whole frames are released rather
   * than filled, so zeroing a large untyped keeps the machine sparse.
   */
  zeroRange(paddr: number, bytes: number): void {
    const start = paddr >>> 0;
    if (bytes <= 0) return;
    if (!this.isRam(start) || start - this.ramBase + bytes > this.ramSize) {
      const bad = this.isRam(start) ? this.ramBase + this.ramSize : start;
      throw new PhysicalAccessError(bad, bytes, 'write', 'unmapped');
    }
    // A released frame must not stay reachable through the caches.
    this.cacheBase = NO_FRAME;
    this.otherBase = NO_FRAME;
    this.otherFrame = EMPTY_FRAME;
    const end = start + bytes;
    for (let f = start - (start % FRAME_BYTES); f < end; f += FRAME_BYTES) {
      const off = f - this.ramBase;
      const frame = this.frameAt(off, false);
      if (frame === undefined) continue;
      const lo = Math.max(start, f) - f;
      const hi = Math.min(end, f + FRAME_BYTES) - f;
      if (lo === 0 && hi === FRAME_BYTES) {
        this.chunks[off >>> CHUNK_BITS]![(off >>> FRAME_BITS) & (FRAMES_PER_CHUNK - 1)] = undefined;
        this.frameCount--;
      } else {
        new Uint8Array(frame.buffer, frame.byteOffset, FRAME_BYTES).fill(0, lo, hi);
      }
    }
  }

  /** Number of RAM frames allocated so far (frames ever written and not released). */
  get allocatedFrames(): number {
    return this.frameCount;
  }

  /**
   * The allocated frames in address order, as `[physical base, words]`. The word arrays are
   * the live storage: copy one before keeping it across writes.
   */
  *frames(): IterableIterator<readonly [number, Uint32Array]> {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (chunk === undefined) continue;
      for (let i = 0; i < FRAMES_PER_CHUNK; i++) {
        const frame = chunk[i];
        if (frame !== undefined) yield [this.ramBase + c * 2 ** CHUNK_BITS + i * FRAME_BYTES, frame];
      }
    }
  }

  /** A copy of RAM with the same layout; device regions are shared (devices hold their own state). */
  clone(): PhysicalMemory {
    const copy = new PhysicalMemory({
      ramBase: this.ramBase, ramSize: this.ramSize, devices: this.devices,
    });
    for (const [base, frame] of this.frames()) copy.frameAt(base - this.ramBase, true).set(frame);
    return copy;
  }

  /** Whether RAM holds the same bytes as `other`'s (unallocated frames count as zeros). */
  contentEquals(other: PhysicalMemory): boolean {
    if (other.ramBase !== this.ramBase || other.ramSize !== this.ramSize) return false;
    const covered = (a: PhysicalMemory, b: PhysicalMemory): boolean => {
      for (const [base, frame] of a.frames()) {
        const theirs = b.frameAt(base - b.ramBase, false);
        for (let i = 0; i < WORDS_PER_FRAME; i++) if (frame[i] !== (theirs?.[i] ?? 0)) return false;
      }
      return true;
    };
    return covered(this, other) && covered(other, this);
  }

  // The frame at RAM offset `off`; allocated (zeroed) on demand when `allocate` is set.
  private frameAt(off: number, allocate: true): Uint32Array;
  private frameAt(off: number, allocate: boolean): Uint32Array | undefined;
  private frameAt(off: number, allocate: boolean): Uint32Array | undefined {
    const c = off >>> CHUNK_BITS;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      if (!allocate) return undefined;
      chunk = new Array<Uint32Array | undefined>(FRAMES_PER_CHUNK).fill(undefined);
      this.chunks[c] = chunk;
    }
    const i = (off >>> FRAME_BITS) & (FRAMES_PER_CHUNK - 1);
    let frame = chunk[i];
    if (frame === undefined && allocate) {
      frame = this.newFrame();
      chunk[i] = frame;
      this.frameCount++;
    }
    return frame;
  }

  // A zeroed frame: the next of the current slab.
  private newFrame(): Uint32Array {
    if (this.slabUsed === FRAMES_PER_SLAB) {
      this.slab = new ArrayBuffer(FRAME_BYTES * FRAMES_PER_SLAB);
      this.slabUsed = 0;
    }
    return new Uint32Array(this.slab!, FRAME_BYTES * this.slabUsed++, WORDS_PER_FRAME);
  }

  // Makes the frame at `base` the cached one, the previously cached one the other.
  private cacheFrameAt(base: number, frame: Uint32Array): void {
    if (this.cacheBase !== base) {
      this.otherBase = this.cacheBase;
      this.otherFrame = this.cacheFrame;
    }
    this.cacheBase = base;
    this.cacheFrame = frame;
  }

  // The general load: any size, RAM or device; fills the frame cache for RAM frames.
  private load(address: number, size: 1 | 2 | 4): number {
    const paddr = address >>> 0;
    if ((paddr & (size - 1)) !== 0) throw new PhysicalAccessError(paddr, size, 'read', 'unaligned');
    const off = (paddr - this.ramBase) >>> 0;
    let w: number;
    if (off < this.ramSize) {
      const base = (paddr & FRAME_MASK) | 0;
      const frame = base === this.otherBase ? this.otherFrame : this.frameAt(off, false);
      if (frame === undefined) return 0;
      this.cacheFrameAt(base, frame);
      w = frame[(paddr >>> 2) & 0x3ff]!;
    } else {
      const d = this.deviceAt(paddr);
      if (d === undefined) throw new PhysicalAccessError(paddr, size, 'read', 'unmapped');
      w = d.device.read32(((paddr & ~3) >>> 0) - d.base) >>> 0;
    }
    if (size === 4) return w;
    return (w >>> ((paddr & 3) << 3)) & (size === 1 ? 0xff : 0xffff);
  }

  // The general store: any size, RAM or device; sub-word stores merge into the word.
  private store(address: number, size: 1 | 2 | 4, value: number): void {
    const paddr = address >>> 0;
    if ((paddr & (size - 1)) !== 0) throw new PhysicalAccessError(paddr, size, 'write', 'unaligned');
    const off = (paddr - this.ramBase) >>> 0;
    const shift = (paddr & 3) << 3;
    const m = size === 4 ? 0xffffffff : ((size === 1 ? 0xff : 0xffff) << shift) >>> 0;
    if (off < this.ramSize) {
      const base = (paddr & FRAME_MASK) | 0;
      const frame = base === this.otherBase ? this.otherFrame : this.frameAt(off, true);
      this.cacheFrameAt(base, frame);
      const i = (paddr >>> 2) & 0x3ff;
      frame[i] = (frame[i]! & ~m) | ((value << shift) & m);
      return;
    }
    const d = this.deviceAt(paddr);
    if (d === undefined) throw new PhysicalAccessError(paddr, size, 'write', 'unmapped');
    const reg = ((paddr & ~3) >>> 0) - d.base;
    const old = size === 4 ? 0 : d.device.read32(reg);
    d.device.write32(reg, ((old & ~m) | ((value << shift) & m)) >>> 0);
  }
}
