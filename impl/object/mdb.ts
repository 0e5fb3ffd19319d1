/**
 * Capability table entries (`cte_t`, 16 bytes) and their mapping-database node (`mdb_node_t`,
 * seL4 `structures_32.bf`): the cap's two words at +0/+4, then
 * mdb w0 = prev[31:3] at +8 and mdb w1 = next[31:3] | revocable[1] | firstBadged[0] at +12.
 * The MDB is the doubly linked list that encodes the capability derivation tree.
 *
 * Every accessor reads or writes {@link PhysicalMemory} at the CTE's physical address.
 *
 * @module
 */
import type { PhysicalMemory } from '../../hardware/memory.js';
import type { CapWords } from './cap.js';

/** Bytes in a CTE (`1 << seL4_SlotBits`). */
export const CTE_SIZE = 16;
/** Byte offset of cap word 0 in a CTE. */
export const CTE_CAP_W0 = 0;
/** Byte offset of cap word 1 in a CTE. */
export const CTE_CAP_W1 = 4;
/** Byte offset of MDB word 0 (prev) in a CTE. */
export const CTE_MDB_W0 = 8;
/** Byte offset of MDB word 1 (next, revocable, firstBadged) in a CTE. */
export const CTE_MDB_W1 = 12;

const PTR29 = 0xfffffff8;

// ---- mdb_node words ----

/** `mdbPrev` (mdb w0): the previous CTE, or 0. */
export function mdbNodeGetMdbPrev(w0: number): number {
  return (w0 & PTR29) >>> 0;
}
/** `mdbNext` (mdb w1): the next CTE, or 0. */
export function mdbNodeGetMdbNext(w1: number): number {
  return (w1 & PTR29) >>> 0;
}
/** `mdbRevocable` (mdb w1). */
export function mdbNodeGetMdbRevocable(w1: number): number {
  return (w1 >>> 1) & 1;
}
/** `mdbFirstBadged` (mdb w1). */
export function mdbNodeGetMdbFirstBadged(w1: number): number {
  return w1 & 1;
}
/** `mdb_node_new(mdbNext, mdbRevocable, mdbFirstBadged, mdbPrev)`: the w1 word. */
export function mdbNodeW1(next: number, revocable: number, firstBadged: number): number {
  return ((next & PTR29) | ((revocable & 1) << 1) | (firstBadged & 1)) >>> 0;
}

// ---- CTE access ----

/** Word 0 of the cap in the CTE at `cte`. */
export function cteCapW0(mem: PhysicalMemory, cte: number): number {
  return mem.read32(cte);
}
/** Word 1 of the cap in the CTE at `cte`. */
export function cteCapW1(mem: PhysicalMemory, cte: number): number {
  return mem.read32(cte + CTE_CAP_W1);
}
/** Reads the cap in the CTE at `cte` into `out`. */
export function cteReadCap(mem: PhysicalMemory, cte: number, out: CapWords): CapWords {
  out.w0 = mem.read32(cte);
  out.w1 = mem.read32(cte + CTE_CAP_W1);
  return out;
}
/** Writes the cap words into the CTE at `cte` (the MDB node is untouched). */
export function cteWriteCap(mem: PhysicalMemory, cte: number, w0: number, w1: number): void {
  mem.write32(cte, w0);
  mem.write32(cte + CTE_CAP_W1, w1);
}
/** `mdbPrev` of the CTE at `cte`. */
export function cteGetPrev(mem: PhysicalMemory, cte: number): number {
  return mdbNodeGetMdbPrev(mem.read32(cte + CTE_MDB_W0));
}
/** `mdbNext` of the CTE at `cte`. */
export function cteGetNext(mem: PhysicalMemory, cte: number): number {
  return mdbNodeGetMdbNext(mem.read32(cte + CTE_MDB_W1));
}
/** `mdbRevocable` of the CTE at `cte`. */
export function cteGetRevocable(mem: PhysicalMemory, cte: number): number {
  return mdbNodeGetMdbRevocable(mem.read32(cte + CTE_MDB_W1));
}
/** `mdbFirstBadged` of the CTE at `cte`. */
export function cteGetFirstBadged(mem: PhysicalMemory, cte: number): number {
  return mdbNodeGetMdbFirstBadged(mem.read32(cte + CTE_MDB_W1));
}
/** `mdb_node_ptr_set_mdbPrev`. */
export function cteSetPrev(mem: PhysicalMemory, cte: number, prev: number): void {
  mem.write32(cte + CTE_MDB_W0, (prev & PTR29) >>> 0);
}
/** `mdb_node_ptr_set_mdbNext` (keeps the two flag bits). */
export function cteSetNext(mem: PhysicalMemory, cte: number, next: number): void {
  const w1 = mem.read32(cte + CTE_MDB_W1);
  mem.write32(cte + CTE_MDB_W1, ((next & PTR29) | (w1 & 3)) >>> 0);
}
/** `mdb_node_ptr_set_mdbRevocable`. */
export function cteSetRevocable(mem: PhysicalMemory, cte: number, v: number): void {
  const w1 = mem.read32(cte + CTE_MDB_W1);
  mem.write32(cte + CTE_MDB_W1, ((w1 & ~2) | ((v & 1) << 1)) >>> 0);
}
/** `mdb_node_ptr_set_mdbFirstBadged`. */
export function cteSetFirstBadged(mem: PhysicalMemory, cte: number, v: number): void {
  const w1 = mem.read32(cte + CTE_MDB_W1);
  mem.write32(cte + CTE_MDB_W1, ((w1 & ~1) | (v & 1)) >>> 0);
}
/** Writes a whole MDB node: prev, next and the two flags. */
export function cteWriteMdb(mem: PhysicalMemory, cte: number, prev: number, next: number, revocable: number, firstBadged: number): void {
  mem.write32(cte + CTE_MDB_W0, (prev & PTR29) >>> 0);
  mem.write32(cte + CTE_MDB_W1, mdbNodeW1(next, revocable, firstBadged));
}
/** Copies the raw MDB words of `src` into `dst` (C: `dst->cteMDBNode = src->cteMDBNode`). */
export function cteCopyMdb(mem: PhysicalMemory, dst: number, src: number): void {
  mem.write32(dst + CTE_MDB_W0, mem.read32(src + CTE_MDB_W0));
  mem.write32(dst + CTE_MDB_W1, mem.read32(src + CTE_MDB_W1));
}
/** Clears a CTE: null cap and `nullMDBNode`. */
export function cteClear(mem: PhysicalMemory, cte: number): void {
  mem.write32(cte, 0);
  mem.write32(cte + CTE_CAP_W1, 0);
  mem.write32(cte + CTE_MDB_W0, 0);
  mem.write32(cte + CTE_MDB_W1, 0);
}
