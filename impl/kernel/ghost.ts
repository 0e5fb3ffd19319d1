/**
 * **Ghost state**: what kind of kernel object lives at each address, and its size. The C kernel
 * keeps this only in its proofs (the `ghost'state` of l4v's C refinement: `gs_new_cnodes`,
 * `gs_new_frames`, `gs_clear_region`); the kernel itself never reads it. sel4ts keeps it so that
 * the abstraction function can rebuild the abstract heap from memory. Entries are added where
 * retype (and boot) create objects and removed where untyped reset detypes a region.
 * Keys are object base addresses: for a TCB the 512-byte block's base (its CTE 0), not the
 * `tcb_t` pointer that caps hold.
 *
 * Boot records the interrupt node (one one-slot CNode per IRQ) with {@link GhostTable.addRun}:
 * one record for the whole run instead of one map entry per slot. The table reads exactly as
 * if each object had been added on its own; a later change to a member of the run turns the
 * run back into ordinary entries first.
 *
 * @module
 */

/** Kinds of kernel objects the ghost table records (object types of Retype, plus ASID pools). */
export type GhostObjectKind =
  | 'TCB' | 'Endpoint' | 'Notification' | 'CapTable'
  | 'PageDirectory' | 'PageTable' | 'Frame' | 'ASIDPool';

/** One ghost entry: the object at an address. */
export interface GhostObject {
  /** The object's kind. */
  readonly kind: GhostObjectKind;
  /** log2 of its size in bytes (CapTable: radix + 4; Frame: 12, 16, 20 or 24). */
  readonly sizeBits: number;
  /** Frames only: whether it is device memory. */
  readonly isDevice: boolean;
}

const KINDS: readonly GhostObjectKind[] = [
  'TCB', 'Endpoint', 'Notification', 'CapTable', 'PageDirectory', 'PageTable', 'Frame', 'ASIDPool',
];
const SIZE_CODES = 33; // sizeBits 0..32

// Entries are immutable, so one shared object per (kind, sizeBits, isDevice) serves every
// address: recording an object allocates nothing.
const SHARED: GhostObject[] = [];
for (const kind of KINDS) {
  for (let bits = 0; bits < SIZE_CODES; bits++) {
    SHARED.push({ kind, sizeBits: bits, isDevice: false }, { kind, sizeBits: bits, isDevice: true });
  }
}

function entryFor(kind: GhostObjectKind, sizeBits: number, isDevice: boolean): GhostObject {
  const shared = SHARED[(KINDS.indexOf(kind) * SIZE_CODES + sizeBits) * 2 + (isDevice ? 1 : 0)];
  return shared !== undefined && shared.kind === kind && shared.sizeBits === sizeBits ? shared : { kind, sizeBits, isDevice };
}

/** The ghost object table: object kind and size per physical address (ghost, for the abstraction only). */
export class GhostTable {
  private readonly objects = new Map<number, GhostObject>();
  /**
   * Bumped by every change, so that what is derived from the table (the abstraction's slot
   * of each CTE) can be kept while it stays the same.
   */
  version = 0;
  // The run added by `addRun`: `runCount` objects `runEntry` at runBase + i * runSize.
  private runBase = 0;
  private runCount = 0;
  private runSize = 0;
  private runEntry: GhostObject | undefined;

  /** Records that an object of `kind` and `sizeBits` now lives at `addr` (ghost update on retype). */
  add(addr: number, kind: GhostObjectKind, sizeBits: number, isDevice = false): void {
    const a = addr >>> 0;
    this.version++;
    if (this.inRun(a)) this.expandRun();
    this.objects.set(a, entryFor(kind, sizeBits, isDevice));
  }

  /**
   * Records `count` objects of `kind` and `sizeBits` side by side from `base` (the same as
   * adding each, one record for all). A second run is added entry by entry.
   */
  addRun(base: number, count: number, kind: GhostObjectKind, sizeBits: number): void {
    const start = base >>> 0;
    const size = 2 ** sizeBits;
    this.version++;
    let clash = this.runCount !== 0;
    for (let i = 0; i < count && !clash; i++) clash = this.objects.has(start + i * size);
    if (clash) {
      for (let i = 0; i < count; i++) this.add(start + i * size, kind, sizeBits);
      return;
    }
    this.runBase = start;
    this.runCount = count;
    this.runSize = size;
    this.runEntry = entryFor(kind, sizeBits, false);
  }

  /** Forgets the object at `addr`. */
  remove(addr: number): void {
    const a = addr >>> 0;
    this.version++;
    if (this.inRun(a)) this.expandRun();
    this.objects.delete(a);
  }

  /**
   * Forgets every object whose address lies in `[base, base + 2^sizeBits)` (ghost update on
   * detype, `gs_clear_region`). Probes 16-byte aligned addresses or scans the table, whichever
   * is shorter.
   */
  removeRange(base: number, sizeBits: number): void {
    const start = base >>> 0;
    const size = 2 ** sizeBits;
    this.version++;
    if (this.runEntry !== undefined && start < this.runEnd() && this.runBase < start + size) this.expandRun();
    if (size / 16 <= this.size) {
      for (let a = start; a < start + size; a += 16) this.objects.delete(a);
      return;
    }
    for (const addr of [...this.objects.keys()]) {
      if (addr >= start && addr < start + size) this.objects.delete(addr);
    }
  }

  /** The object at `addr`, if any. */
  get(addr: number): GhostObject | undefined {
    const a = addr >>> 0;
    const o = this.objects.get(a);
    if (o !== undefined || this.runEntry === undefined) return o;
    return this.inRun(a) ? this.runEntry : undefined;
  }

  /** Number of recorded objects. */
  get size(): number {
    return this.objects.size + this.runCount;
  }

  /** Every recorded object as `[address, entry]`: the run's (in address order), then the rest in insertion order. */
  *entries(): IterableIterator<[number, GhostObject]> {
    const run = this.runEntry;
    if (run !== undefined) {
      for (let i = 0; i < this.runCount; i++) yield [this.runBase + i * this.runSize, run];
    }
    yield* this.objects.entries();
  }

  /** A copy of the table. */
  clone(): GhostTable {
    const copy = new GhostTable();
    for (const [a, o] of this.objects) copy.objects.set(a, o);
    copy.runBase = this.runBase;
    copy.runCount = this.runCount;
    copy.runSize = this.runSize;
    copy.runEntry = this.runEntry;
    return copy;
  }

  private runEnd(): number {
    return this.runBase + this.runCount * this.runSize;
  }

  // Whether `a` is the address of a member of the run.
  private inRun(a: number): boolean {
    if (this.runEntry === undefined || a < this.runBase || a >= this.runEnd()) return false;
    return (a - this.runBase) % this.runSize === 0;
  }

  // Turns the run into ordinary entries.
  private expandRun(): void {
    const run = this.runEntry;
    if (run === undefined) return;
    for (let i = 0; i < this.runCount; i++) this.objects.set(this.runBase + i * this.runSize, run);
    this.runEntry = undefined;
    this.runCount = 0;
  }
}
