/**
 * Reading and writing ARM's paging structures and ASID pools in the abstract heap (l4v
 * `ARM/ArchVSpaceAcc_A.thy`: `get_asid_pool`, `get_pde`, `store_pde`, `get_pte`,
 * `store_pte`, `lookup_pd_slot`, `lookup_pt_slot`, `copy_global_mappings`,
 * `asid_high_bits_of`; `ArchVSpace_A.thy` `find_pd_for_asid`; manual §7.1 "Virtual Address
 * Spaces").
 *
 * l4v names an entry by the kernel address of its word; here an entry is a table and an
 * index into it, which is the same thing without the arithmetic. Tables keep only their
 * valid entries: storing an invalid entry removes the index.
 *
 * @module
 */
import type { Map as PMap } from 'immutable';
import { ASID_POOL_INDEX_BITS, USER_TOP } from '../../../abi/config.js';
import { PD_ASID_SLOT } from '../../../abi/bootinfo.js';
import { mask } from '../../../hardware/word.js';
import type { LookupFailure } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import type { KernelObject, PDE, PTE } from '../../state/object.js';
import { getObject, setObject } from '../../kernel/kheap.js';
import { err, ok, type Result } from '../../kernel/monad.js';
import { KernelPanic } from '../../kernel/panic.js';

/** A page directory, as the heap holds it. */
export type PageDirectory = Extract<KernelObject, { kind: 'PageDirectory' }>;
/** A page table, as the heap holds it. */
export type PageTable = Extract<KernelObject, { kind: 'PageTable' }>;

/** An entry of a page directory or page table: the table's address and the entry's index. */
export interface TableSlot {
  /** Address of the page directory or page table. */
  readonly table: number;
  /** Index of the entry (0..4095 in a PD, 0..255 in a PT). */
  readonly index: number;
}

/** Entries of a page directory (`2 ^ (pd_bits - 2)`). */
export const PD_ENTRIES = 4096;
/** Entries of a page table (`2 ^ (pt_bits - 2)`). */
export const PT_ENTRIES = 256;
/** Index of the first page-directory entry of the kernel window (`kernel_base >> 20`). */
export const KERNEL_PD_INDEX = USER_TOP / 2 ** 20;
/** Entries a 64 KiB page or a 16 MiB supersection repeats over (`largePagePTE_offsets`). */
export const REPEATED_ENTRIES = 16;

/** The ASID-table index of an ASID (its high 7 bits). @see l4v asid_high_bits_of */
export function asidHighBitsOf(asid: number): number {
  return asid >>> ASID_POOL_INDEX_BITS;
}

/** The pool index of an ASID (its low 10 bits; l4v `ucast asid`). */
export function asidLowBitsOf(asid: number): number {
  return asid & mask(ASID_POOL_INDEX_BITS);
}

/** The entries of the ASID pool at `ptr`. @see l4v get_asid_pool */
export function getASIDPool(s: KernelState, ptr: number): PMap<number, number> {
  const obj = getObject(s, ptr);
  if (obj.kind !== 'ASIDPool') throw new KernelPanic(`no ASID pool at 0x${ptr.toString(16)}`);
  return obj.entries;
}

/** Replaces the entries of the ASID pool at `ptr`. @see l4v set_asid_pool */
export function setASIDPool(s: KernelState, ptr: number, entries: PMap<number, number>): KernelState {
  return setObject(s, ptr, { kind: 'ASIDPool', entries });
}

/** The page directory at `ptr`. @see l4v get_pd */
export function getPD(s: KernelState, ptr: number): PageDirectory {
  const obj = getObject(s, ptr);
  if (obj.kind !== 'PageDirectory') throw new KernelPanic(`no page directory at 0x${ptr.toString(16)}`);
  return obj;
}

/** The page table at `ptr`. @see l4v get_pt */
export function getPT(s: KernelState, ptr: number): PageTable {
  const obj = getObject(s, ptr);
  if (obj.kind !== 'PageTable') throw new KernelPanic(`no page table at 0x${ptr.toString(16)}`);
  return obj;
}

const INVALID_PDE: PDE = { kind: 'InvalidPDE' };
const INVALID_PTE: PTE = { kind: 'InvalidPTE' };

/** The page-directory entry at `slot`. @see l4v get_pde */
export function getPDE(s: KernelState, slot: TableSlot): PDE {
  return getPD(s, slot.table).entries.get(slot.index) ?? INVALID_PDE;
}

/** The page-table entry at `slot`. @see l4v get_pte */
export function getPTE(s: KernelState, slot: TableSlot): PTE {
  return getPT(s, slot.table).entries.get(slot.index) ?? INVALID_PTE;
}

/** Writes `pde` into the entries `indices` of the page directory `table`. @see l4v store_pde */
export function storePDEs(s: KernelState, table: number, indices: readonly number[], pde: PDE): KernelState {
  const pd = getPD(s, table);
  const entries = pd.entries.withMutations((m) => {
    for (const i of indices) {
      if (pde.kind === 'InvalidPDE') m.delete(i);
      else m.set(i, pde);
    }
  });
  return entries === pd.entries ? s : setObject(s, table, { kind: 'PageDirectory', entries });
}

/** Writes `pte` into the entries `indices` of the page table `table`. @see l4v store_pte */
export function storePTEs(s: KernelState, table: number, indices: readonly number[], pte: PTE): KernelState {
  const pt = getPT(s, table);
  const entries = pt.entries.withMutations((m) => {
    for (const i of indices) {
      if (pte.kind === 'InvalidPTE') m.delete(i);
      else m.set(i, pte);
    }
  });
  return entries === pt.entries ? s : setObject(s, table, { kind: 'PageTable', entries });
}

/** Makes every entry of the page table at `pt` invalid (`clearMemory_PT`). @see l4v perform_page_table_invocation */
export function clearPT(s: KernelState, pt: number): KernelState {
  const table = getPT(s, pt);
  return table.entries.size === 0 ? s : setObject(s, pt, { kind: 'PageTable', entries: table.entries.clear() });
}

/** Writes one page-directory entry. @see l4v store_pde */
export function storePDE(s: KernelState, slot: TableSlot, pde: PDE): KernelState {
  return storePDEs(s, slot.table, [slot.index], pde);
}

/** Writes one page-table entry. @see l4v store_pte */
export function storePTE(s: KernelState, slot: TableSlot, pte: PTE): KernelState {
  return storePTEs(s, slot.table, [slot.index], pte);
}

/** The 16 consecutive indices a large page or supersection fills from `first`. */
export function repeatedIndices(first: number): number[] {
  return Array.from({ length: REPEATED_ENTRIES }, (_, i) => first + i);
}

/** The page-directory entry that maps `vptr` (its top 12 bits). @see l4v lookup_pd_slot */
export function lookupPDSlot(pd: number, vptr: number): TableSlot {
  return { table: pd, index: vptr >>> 20 };
}

/** The entry of page table `pt` that maps `vptr` (bits 19..12). @see l4v lookup_pt_slot_no_fail */
export function lookupPTSlotNoFail(pt: number, vptr: number): TableSlot {
  return { table: pt, index: (vptr >>> 12) & 0xff };
}

/**
 * The page-table entry that maps `vptr` in `pd`; a missing page table is a lookup failure
 * with 20 bits left to resolve. @see l4v lookup_pt_slot
 */
export function lookupPTSlot(s: KernelState, pd: number, vptr: number): Result<TableSlot, LookupFailure> {
  const pde = getPDE(s, lookupPDSlot(pd, vptr));
  if (pde.kind !== 'PageTablePDE') return err({ kind: 'MissingCapability', bitsLeft: 20 });
  return ok(lookupPTSlotNoFail(pde.table, vptr));
}

/** The page directory an ASID names. @see l4v find_pd_for_asid */
export function findPDForASID(s: KernelState, asid: number): Result<number, LookupFailure> {
  if (asid <= 0) throw new KernelPanic('find_pd_for_asid: ASID 0');
  const pool = s.arch.asidTable.get(asidHighBitsOf(asid));
  if (pool === undefined) return err({ kind: 'InvalidRoot' });
  const pd = getASIDPool(s, pool).get(asidLowBitsOf(asid));
  return pd === undefined ? err({ kind: 'InvalidRoot' }) : ok(pd);
}

/**
 * Copies the kernel window (the entries from `kernel_base` up) from the global page
 * directory into the page directory at `pd`, so that every address space maps the kernel.
 * The entry at `PD_ASID_SLOT` is left alone, as seL4's C does: on ARMv7 that entry holds the
 * directory's stored hardware ASID, which the abstract state keeps in `arm_asid_map`
 * instead (a choice stated in proofs-notes). @see l4v copy_global_mappings
 */
export function copyGlobalMappings(s: KernelState, pd: number): KernelState {
  const global = getPD(s, s.arch.globalPD);
  const target = getPD(s, pd);
  const entries = target.entries.withMutations((m) => {
    for (let i = KERNEL_PD_INDEX; i < PD_ENTRIES; i++) {
      if (i === PD_ASID_SLOT) continue;
      const pde = global.entries.get(i);
      if (pde === undefined) m.delete(i);
      else m.set(i, pde);
    }
  });
  return entries === target.entries ? s : setObject(s, pd, { kind: 'PageDirectory', entries });
}
