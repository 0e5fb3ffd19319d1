/**
 * **Ghost state**: what kind of kernel object lives at each address, and its size. The C kernel
 * keeps this only in its proofs (the `ghost'state` of l4v's C refinement: `gs_new_cnodes`,
 * `gs_new_frames`, `gs_clear_region`); the kernel itself never reads it. sel4ts keeps it so that
 * the abstraction function can rebuild the abstract heap from memory. Entries are added where
 * retype (and boot) create objects and removed where untyped reset detypes a region.
 * Keys are object base addresses: for a TCB the 512-byte block's base (its CTE 0), not the
 * `tcb_t` pointer that caps hold.
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

/** The ghost object table: object kind and size per physical address (ghost, for the abstraction only). */
export class GhostTable {
  private readonly objects = new Map<number, GhostObject>();

  /** Records that an object of `kind` and `sizeBits` now lives at `addr` (ghost update on retype). */
  add(addr: number, kind: GhostObjectKind, sizeBits: number, isDevice = false): void {
    this.objects.set(addr >>> 0, { kind, sizeBits, isDevice });
  }

  /** Forgets the object at `addr`. */
  remove(addr: number): void {
    this.objects.delete(addr >>> 0);
  }

  /**
   * Forgets every object whose address lies in `[base, base + 2^sizeBits)` (ghost update on
   * detype, `gs_clear_region`). Probes 16-byte aligned addresses or scans the table, whichever
   * is shorter.
   */
  removeRange(base: number, sizeBits: number): void {
    const start = base >>> 0;
    const size = 2 ** sizeBits;
    if (size / 16 <= this.objects.size) {
      for (let a = start; a < start + size; a += 16) this.objects.delete(a);
      return;
    }
    for (const addr of [...this.objects.keys()]) {
      if (addr >= start && addr < start + size) this.objects.delete(addr);
    }
  }

  /** The object at `addr`, if any. */
  get(addr: number): GhostObject | undefined {
    return this.objects.get(addr >>> 0);
  }

  /** Number of recorded objects. */
  get size(): number {
    return this.objects.size;
  }

  /** Every recorded object as `[address, entry]`, in insertion order. */
  entries(): IterableIterator<[number, GhostObject]> {
    return this.objects.entries();
  }

  /** A copy of the table. */
  clone(): GhostTable {
    const copy = new GhostTable();
    for (const [a, o] of this.objects) copy.objects.set(a, o);
    return copy;
  }
}
