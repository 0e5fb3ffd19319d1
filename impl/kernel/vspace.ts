/**
 * The ARM address-space switch and its hardware-ASID bookkeeping (seL4
 * `src/arch/arm/32/kernel/vspace.c`: `setVMRoot`, `findPDForASID`, `getHWASID`,
 * `findFreeHWASID`, `storeHWASID`, `invalidateASIDEntry`, `deleteASID`, `deleteASIDPool`;
 * l4v `ArchVSpace_A`). An ASID's hardware ASID is stored, as in C, in entry `PD_ASID_SLOT` of
 * its page directory, disguised as an invalid PDE (hw ASID in [31:24], valid bit [23]).
 * Cache and TLB maintenance and the TTBR/CONTEXTIDR writes leave no trace in kernel state
 * and are not modelled here (the MMU belongs to the VSpace slice).
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { PD_ASID_SLOT } from '../../abi/bootinfo.js';
import { KernelPanic } from './panic.js';
import { CAP_PAGE_DIRECTORY, capGetCapType } from '../object/cap.js';
import {
  ASID_LOW_BITS, pageDirectoryCapGetCapPDBasePtr, pageDirectoryCapGetCapPDIsMapped, pageDirectoryCapGetCapPDMappedASID,
} from '../object/arch-cap.js';
import { CTE_CAP_W1 } from '../object/mdb.js';
import { TCB_VTABLE, tcbCte } from '../object/tcb-layout.js';

const ASID_LOW_MASK = (1 << ASID_LOW_BITS) - 1;
const HW_ASIDS = 256;

/** `findPDForASID(asid)`: the page directory registered for `asid`, or 0 (C: an InvalidRoot lookup fault). */
export function findPDForASID(k: Kernel, asid: number): number {
  const pool = k.armKSASIDTable[asid >>> ASID_LOW_BITS] ?? 0;
  if (pool === 0) return 0;
  return k.mem.read32(pool + 4 * (asid & ASID_LOW_MASK));
}

// The registered page directory of an ASID; C asserts it exists.
function pdOf(k: Kernel, asid: number): number {
  const pd = findPDForASID(k, asid);
  if (pd === 0) throw new KernelPanic(`no page directory for ASID ${asid}`);
  return pd;
}

/** `loadHWASID(asid)`: the stored PDE word (hw ASID [31:24], valid [23]). */
export function loadHWASID(k: Kernel, asid: number): number {
  return k.mem.read32(pdOf(k, asid) + 4 * PD_ASID_SLOT);
}

function storedASIDValid(pde: number): boolean {
  return ((pde >>> 23) & 1) === 1;
}

function storedHWASID(pde: number): number {
  return pde >>> 24;
}

/** `storeHWASID(asid, hw)`: records the pairing in the PD and in `armKSHWASIDTable`. */
export function storeHWASID(k: Kernel, asid: number, hw: number): void {
  k.mem.write32(pdOf(k, asid) + 4 * PD_ASID_SLOT, (((hw & 0xff) << 24) | (1 << 23)) >>> 0);
  k.armKSHWASIDTable[hw] = asid;
}

/** `invalidateASID(asid)`: the PD forgets its hardware ASID. */
export function invalidateASID(k: Kernel, asid: number): void {
  k.mem.write32(pdOf(k, asid) + 4 * PD_ASID_SLOT, 0);
}

/** `invalidateASIDEntry(asid)`: forgets the pairing both ways. */
export function invalidateASIDEntry(k: Kernel, asid: number): void {
  const stored = loadHWASID(k, asid);
  if (storedASIDValid(stored)) k.armKSHWASIDTable[storedHWASID(stored)] = 0;
  invalidateASID(k, asid);
}

/** `findFreeHWASID`: a free hardware ASID from `armKSNextASID` on, else the one there is taken back. */
export function findFreeHWASID(k: Kernel): number {
  for (let offset = 0; offset < HW_ASIDS; offset++) {
    const hw = (k.armKSNextASID + offset) & 0xff;
    if (k.armKSHWASIDTable[hw] === 0) return hw;
  }
  const hw = k.armKSNextASID;
  invalidateASID(k, k.armKSHWASIDTable[hw]!);
  k.armKSHWASIDTable[hw] = 0;
  k.armKSNextASID = (k.armKSNextASID + 1) & 0xff;
  return hw;
}

/** `getHWASID(asid)`: the ASID's hardware ASID, allocating one if needed. */
export function getHWASID(k: Kernel, asid: number): number {
  const stored = loadHWASID(k, asid);
  if (storedASIDValid(stored)) return storedHWASID(stored);
  const hw = findFreeHWASID(k);
  storeHWASID(k, asid, hw);
  return hw;
}

/**
 * `setVMRoot(tcb)`: switches to the thread's page directory if its VSpace root is an assigned
 * PD cap whose ASID still names that PD (allocating a hardware ASID); else to the global PD.
 */
export function setVMRoot(k: Kernel, tcb: number): void {
  const slot = tcbCte(tcb, TCB_VTABLE);
  const w0 = k.mem.read32(slot);
  if (capGetCapType(w0) !== CAP_PAGE_DIRECTORY || !pageDirectoryCapGetCapPDIsMapped(w0)) return;
  const asid = pageDirectoryCapGetCapPDMappedASID(k.mem.read32(slot + CTE_CAP_W1));
  const pd = findPDForASID(k, asid);
  if (pd === 0 || pd !== pageDirectoryCapGetCapPDBasePtr(w0)) return;
  getHWASID(k, asid); // armv_contextSwitch(pd, asid)
}

/** `deleteASIDPool(base, pool)`: unregisters the pool and forgets its ASIDs' hardware ASIDs. */
export function deleteASIDPool(k: Kernel, base: number, pool: number): void {
  if ((base & ASID_LOW_MASK) !== 0) throw new KernelPanic("ASID pool's base must be aligned");
  if (k.armKSASIDTable[base >>> ASID_LOW_BITS] !== pool) return;
  for (let offset = 0; offset <= ASID_LOW_MASK; offset++) {
    if (k.mem.read32(pool + 4 * offset) !== 0) invalidateASIDEntry(k, base + offset); // after flushSpace
  }
  k.armKSASIDTable[base >>> ASID_LOW_BITS] = 0;
  setVMRoot(k, k.ksCurThread);
}

/** `deleteASID(asid, pd)`: removes the PD from its ASID if it is still registered there. */
export function deleteASID(k: Kernel, asid: number, pd: number): void {
  const pool = k.armKSASIDTable[asid >>> ASID_LOW_BITS] ?? 0;
  if (pool === 0 || k.mem.read32(pool + 4 * (asid & ASID_LOW_MASK)) !== pd) return;
  invalidateASIDEntry(k, asid); // after flushSpace
  k.mem.write32(pool + 4 * (asid & ASID_LOW_MASK), 0);
  setVMRoot(k, k.ksCurThread);
}
