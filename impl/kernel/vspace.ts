/**
 * The ARM address-space switch and ASID teardown (seL4 `src/arch/arm/32/kernel/vspace.c`:
 * `findPDForASID`, `setVMRoot`, `setVMRootForFlush`, `deleteASIDPool`, `deleteASID`;
 * `include/arch/arm/armv/armv7-a/armv/context_switch.h` `armv_contextSwitch`; l4v
 * `ArchVSpace_A`). Hardware ASIDs are in `impl/arch/arm/asid.ts`.
 *
 * A switch writes TTBR0 and CONTEXTIDR of `k.cpu`. A thread whose VSpace root is not a page
 * directory registered under its ASID runs on the global page directory (kernel mappings
 * only), keeping whatever hardware ASID was current.
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { KernelPanic } from './panic.js';
import { setLookupFault } from './cspace.js';
import { CAP_PAGE_DIRECTORY, capGetCapType } from '../object/cap.js';
import {
  ASID_LOW_BITS, pageDirectoryCapGetCapPDBasePtr, pageDirectoryCapGetCapPDIsMapped, pageDirectoryCapGetCapPDMappedASID,
} from '../object/arch-cap.js';
import { CTE_CAP_W1 } from '../object/mdb.js';
import { lookupFaultInvalidRootW0 } from '../object/structures.js';
import { TCB_VTABLE, tcbCte } from '../object/tcb-layout.js';
import { getHWASID, invalidateASIDEntry } from '../arch/arm/asid.js';
import { setCurrentPD, setHardwareASID, writeTTBR0Ptr } from '../arch/arm/machine.js';
import { flushSpace } from '../arch/arm/vspace.js';

const ASID_LOW_MASK = (1 << ASID_LOW_BITS) - 1;

/**
 * `findPDForASID(asid)`: the page directory registered for `asid`, or 0 with an InvalidRoot
 * lookup fault in `current_lookup_fault`.
 */
export function findPDForASID(k: Kernel, asid: number): number {
  const pool = k.armKSASIDTable[asid >>> ASID_LOW_BITS] ?? 0;
  const pd = pool === 0 ? 0 : k.mem.read32(pool + 4 * (asid & ASID_LOW_MASK));
  if (pd === 0) setLookupFault(k, lookupFaultInvalidRootW0(), 0);
  return pd;
}

/**
 * `armv_contextSwitch(pd, asid)`: through the global page directory (so that no speculative
 * walk tags an entry with the wrong ASID), the ASID's hardware ASID, then the new directory.
 */
export function armvContextSwitch(k: Kernel, pd: number, asid: number): void {
  const hw = getHWASID(k, asid);
  writeTTBR0Ptr(k, k.armKSGlobalPD);
  setHardwareASID(k, hw);
  writeTTBR0Ptr(k, pd);
}

/**
 * `setVMRoot(tcb)`: switches to the thread's page directory if its VSpace root is an assigned
 * PD cap whose ASID still names that PD (allocating a hardware ASID); else to the global PD.
 */
export function setVMRoot(k: Kernel, tcb: number): void {
  const slot = tcbCte(tcb, TCB_VTABLE);
  const w0 = k.mem.read32(slot);
  if (capGetCapType(w0) !== CAP_PAGE_DIRECTORY || !pageDirectoryCapGetCapPDIsMapped(w0)) {
    setCurrentPD(k, k.armKSGlobalPD);
    return;
  }
  const pd = pageDirectoryCapGetCapPDBasePtr(w0);
  const asid = pageDirectoryCapGetCapPDMappedASID(k.mem.read32(slot + CTE_CAP_W1));
  const found = findPDForASID(k, asid);
  if (found === 0 || found !== pd) {
    setCurrentPD(k, k.armKSGlobalPD);
    return;
  }
  armvContextSwitch(k, pd, asid);
}

/**
 * `setVMRootForFlush(pd, asid)`: unless the current thread already runs on `pd`, switches to
 * it (so a flush by virtual address reaches it) and returns true.
 */
export function setVMRootForFlush(k: Kernel, pd: number, asid: number): boolean {
  const slot = tcbCte(k.ksCurThread, TCB_VTABLE);
  const w0 = k.mem.read32(slot);
  if (capGetCapType(w0) === CAP_PAGE_DIRECTORY && pageDirectoryCapGetCapPDIsMapped(w0) &&
    pageDirectoryCapGetCapPDBasePtr(w0) === pd) return false;
  armvContextSwitch(k, pd, asid);
  return true;
}

/**
 * `deleteASIDPool(base, pool)`: if `pool` is still registered for `base`, flushes and forgets
 * every ASID in it, unregisters it and switches back to the current thread's space.
 */
export function deleteASIDPool(k: Kernel, base: number, pool: number): void {
  if ((base & ASID_LOW_MASK) !== 0) throw new KernelPanic("ASID pool's base must be aligned");
  if (k.armKSASIDTable[base >>> ASID_LOW_BITS] !== pool) return;
  for (let offset = 0; offset <= ASID_LOW_MASK; offset++) {
    if (k.mem.read32(pool + 4 * offset) !== 0) {
      flushSpace(k, base + offset);
      invalidateASIDEntry(k, base + offset);
    }
  }
  k.armKSASIDTable[base >>> ASID_LOW_BITS] = 0;
  setVMRoot(k, k.ksCurThread);
}

/** `deleteASID(asid, pd)`: if `pd` is still registered under `asid`, flushes and unregisters it. */
export function deleteASID(k: Kernel, asid: number, pd: number): void {
  const pool = k.armKSASIDTable[asid >>> ASID_LOW_BITS] ?? 0;
  if (pool === 0 || k.mem.read32(pool + 4 * (asid & ASID_LOW_MASK)) !== pd) return;
  flushSpace(k, asid);
  invalidateASIDEntry(k, asid);
  k.mem.write32(pool + 4 * (asid & ASID_LOW_MASK), 0);
  setVMRoot(k, k.ksCurThread);
}
