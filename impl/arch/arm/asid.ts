/**
 * Hardware ASIDs (seL4 `src/arch/arm/32/kernel/vspace.c`: `loadHWASID`, `storeHWASID`,
 * `invalidateASID`, `invalidateASIDEntry`, `findFreeHWASID`, `getHWASID`,
 * `invalidateTLBByASID`; l4v `ArchVSpace_A`).
 *
 * An seL4 ASID has 17 bits; the TLB tags entries with an 8-bit hardware ASID handed out
 * lazily, when an address space is first switched to or flushed. The pairing is kept both
 * ways: `armKSHWASIDTable[hw]` names the ASID, and the ASID's page directory stores its
 * hardware ASID in entry `PD_ASID_SLOT`, disguised as an invalid PDE (hw ASID in [31:24],
 * valid in [23]) so that the MMU never reads it as a mapping. The fastpath reads that entry.
 * When all 256 are in use, the one at `armKSNextASID` is taken back: its TLB entries must be
 * flushed before it tags another address space's.
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { PD_ASID_SLOT } from '../../../abi/bootinfo.js';
import { KernelPanic } from '../../kernel/panic.js';
import { ASID_LOW_BITS } from '../../object/arch-cap.js';
import { invalidateTranslationASID } from './machine.js';

const ASID_LOW_MASK = (1 << ASID_LOW_BITS) - 1;
/** Number of hardware ASIDs (`hw_asid_t` is 8 bits). */
export const HW_ASIDS = 256;
const STORED_ASID_VALID = 1 << 23;

/** `pde_pde_invalid_new(hw, true)`: the `PD_ASID_SLOT` word recording hardware ASID `hw`. */
export function storedHWASIDWord(hw: number): number {
  return (((hw & 0xff) << 24) | STORED_ASID_VALID) >>> 0;
}

/** `pde_pde_invalid_get_stored_asid_valid`. */
export function storedASIDValid(pde: number): boolean {
  return (pde & STORED_ASID_VALID) !== 0;
}

/** `pde_pde_invalid_get_stored_hw_asid`. */
export function storedHWASID(pde: number): number {
  return pde >>> 24;
}

// The page directory registered for `asid`; C asserts both the pool and the entry exist.
function pdOf(k: Kernel, asid: number): number {
  const pool = k.armKSASIDTable[asid >>> ASID_LOW_BITS] ?? 0;
  if (pool === 0) throw new KernelPanic(`no ASID pool for ASID ${asid}`);
  const pd = k.mem.read32(pool + 4 * (asid & ASID_LOW_MASK));
  if (pd === 0) throw new KernelPanic(`no page directory for ASID ${asid}`);
  return pd;
}

/** `loadHWASID(asid)`: the `PD_ASID_SLOT` word of the ASID's page directory. */
export function loadHWASID(k: Kernel, asid: number): number {
  return k.mem.read32(pdOf(k, asid) + 4 * PD_ASID_SLOT);
}

/** `storeHWASID(asid, hw)`: records the pairing in the page directory and in `armKSHWASIDTable`. */
export function storeHWASID(k: Kernel, asid: number, hw: number): void {
  k.mem.write32(pdOf(k, asid) + 4 * PD_ASID_SLOT, storedHWASIDWord(hw));
  k.armKSHWASIDTable[hw & 0xff] = asid;
}

/** `invalidateASID(asid)`: the page directory forgets its hardware ASID. */
export function invalidateASID(k: Kernel, asid: number): void {
  k.mem.write32(pdOf(k, asid) + 4 * PD_ASID_SLOT, 0);
}

/** `invalidateASIDEntry(asid)`: forgets the pairing both ways. */
export function invalidateASIDEntry(k: Kernel, asid: number): void {
  const stored = loadHWASID(k, asid);
  if (storedASIDValid(stored)) k.armKSHWASIDTable[storedHWASID(stored)] = 0;
  invalidateASID(k, asid);
}

/**
 * `findFreeHWASID`: the first free hardware ASID from `armKSNextASID` on (wrapping at 256);
 * when none is free, the one at `armKSNextASID` is taken from its ASID, its TLB entries
 * flushed, and `armKSNextASID` moves on.
 */
export function findFreeHWASID(k: Kernel): number {
  for (let offset = 0; offset < HW_ASIDS; offset++) {
    const hw = (k.armKSNextASID + offset) & 0xff;
    if (k.armKSHWASIDTable[hw] === 0) return hw;
  }
  const hw = k.armKSNextASID;
  invalidateASID(k, k.armKSHWASIDTable[hw]!);
  invalidateTranslationASID(k, hw);
  k.armKSHWASIDTable[hw] = 0;
  k.armKSNextASID = (k.armKSNextASID + 1) & 0xff;
  return hw;
}

/** `getHWASID(asid)`: the ASID's hardware ASID, allocating one if it has none. */
export function getHWASID(k: Kernel, asid: number): number {
  const stored = loadHWASID(k, asid);
  if (storedASIDValid(stored)) return storedHWASID(stored);
  const hw = findFreeHWASID(k);
  storeHWASID(k, asid, hw);
  return hw;
}

/**
 * `invalidateTLBByASID(asid)`: flushes the ASID's TLB entries, if it has a hardware ASID
 * (without one it cannot have any).
 */
export function invalidateTLBByASID(k: Kernel, asid: number): void {
  const stored = loadHWASID(k, asid);
  if (!storedASIDValid(stored)) return;
  invalidateTranslationASID(k, storedHWASID(stored));
}
