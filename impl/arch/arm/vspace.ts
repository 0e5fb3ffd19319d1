/**
 * Walking and tearing down the ARMv7 page tables in memory (seL4
 * `src/arch/arm/32/kernel/vspace.c`: `lookupPDSlot`, `lookupPTSlot`, `resolveVAddr`,
 * `pageTableMapped`, `unmapPageTable`, `unmapPage`, `flushPage`, `flushTable`, `flushSpace`;
 * l4v `ArchVSpace_A`, `ArchVSpaceAcc_A`).
 *
 * Tables hold real short descriptors (`hardware/descriptors.ts`), the ones the MMU walks.
 * Every unmapping is followed by the TLB flush seL4 does: by address (TLBIMVA) after a page,
 * by hardware ASID (TLBIASID) after a page table or a whole address space. Flushes are only
 * needed, and only done, when the ASID holds a hardware ASID.
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { setLookupFault } from '../../kernel/cspace.js';
import {
  PDE_TYPE_COARSE, PDE_TYPE_FAULT, PDE_TYPE_SECTION, PTE_TYPE_LARGE, PTE_TYPE_SMALL, pdeCoarseAddress, pdeIsSuperSection,
  pdeSectionAddress, pteLargeAddress, pteSmallAddress, pteType,
} from '../../../hardware/descriptors.js';
import { ARM_LARGE_PAGE, ARM_SECTION, ARM_SMALL_PAGE, ARM_SUPER_SECTION } from '../../object/arch-cap.js';
import { lookupFaultMissingCapabilityW0 } from '../../object/structures.js';
import { findPDForASID, setVMRoot, setVMRootForFlush } from '../../kernel/vspace.js';
import { loadHWASID, storedASIDValid, storedHWASID } from './asid.js';
import { invalidateTranslationASID, invalidateTranslationSingle } from './machine.js';

/** `PT_INDEX_BITS + PAGE_BITS`: the bits one page table covers (1 MiB). */
export const PT_COVER_BITS = 20;
/** `PAGES_PER_LARGE_PAGE` = `SECTIONS_PER_SUPER_SECTION`: 16 repeated entries. */
export const LARGE_REPEAT = 16;

/** `lookupPDSlot(pd, vptr)`: address of the page-directory entry for `vptr`. */
export function lookupPDSlot(pd: number, vptr: number): number {
  return pd + 4 * (vptr >>> PT_COVER_BITS);
}

/** The first-level type tag (`pde_ptr_get_pdeType`) of the entry at `slot`. */
export function pdeTypeAt(k: Kernel, slot: number): number {
  return k.mem.read32(slot) & 3;
}

/**
 * `lookupPTSlot(pd, vptr)`: address of the page-table entry for `vptr`, or 0 with a
 * MissingCapability (20 bits left) lookup fault when the PDE is not a page table.
 */
export function lookupPTSlot(k: Kernel, pd: number, vptr: number): number {
  const pde = k.mem.read32(lookupPDSlot(pd, vptr));
  if ((pde & 3) !== PDE_TYPE_COARSE) {
    setLookupFault(k, lookupFaultMissingCapabilityW0(PT_COVER_BITS), 0);
    return 0;
  }
  return pdeCoarseAddress(pde) + 4 * ((vptr >>> 12) & 0xff);
}

/** `resolve_ret_t`: the frame `resolveVAddr` found (valid only if it returned true). */
export const resolveRet = { frameBase: 0, frameSize: 0 };

/**
 * `resolveVAddr(pd, vaddr)`: whether `vaddr` is mapped in `pd`; if so `resolveRet` holds the
 * frame's physical base and size.
 */
export function resolveVAddr(k: Kernel, pd: number, vaddr: number): boolean {
  const pde = k.mem.read32(lookupPDSlot(pd, vaddr));
  switch (pde & 3) {
    case PDE_TYPE_SECTION:
      // seL4 reads the section address field (bits [31:20]) for both sizes.
      resolveRet.frameBase = pdeSectionAddress(pde);
      resolveRet.frameSize = pdeIsSuperSection(pde) ? ARM_SUPER_SECTION : ARM_SECTION;
      return true;
    case PDE_TYPE_COARSE: {
      const pte = k.mem.read32(pdeCoarseAddress(pde) + 4 * ((vaddr >>> 12) & 0xff));
      switch (pteType(pte)) {
        case PTE_TYPE_SMALL:
          resolveRet.frameBase = pteSmallAddress(pte);
          resolveRet.frameSize = ARM_SMALL_PAGE;
          return true;
        case PTE_TYPE_LARGE:
          resolveRet.frameBase = pteLargeAddress(pte);
          resolveRet.frameSize = ARM_LARGE_PAGE;
          return true;
        default:
          return false;
      }
    }
    default:
      return false;
  }
}

/**
 * `pageTableMapped(asid, vaddr, pt)`: the page directory of `asid` if its entry for `vaddr`
 * still points at `pt`, else 0.
 */
export function pageTableMapped(k: Kernel, asid: number, vaddr: number, pt: number): number {
  const pd = findPDForASID(k, asid);
  if (pd === 0) return 0;
  const pde = k.mem.read32(lookupPDSlot(pd, vaddr));
  return (pde & 3) === PDE_TYPE_COARSE && pdeCoarseAddress(pde) === pt ? pd : 0;
}

/** `unmapPageTable(asid, vaddr, pt)`: clears the PDE if it still points at `pt`, then flushes. */
export function unmapPageTable(k: Kernel, asid: number, vaddr: number, pt: number): void {
  const pd = pageTableMapped(k, asid, vaddr, pt);
  if (pd === 0) return;
  k.mem.write32(lookupPDSlot(pd, vaddr), 0); // then cleanByVA_PoU
  flushTable(k, pd, asid, vaddr);
}

// The PT slot `unmapPage` clears for a small or large page, or 0 if the mapping is gone.
function mappedPTSlot(k: Kernel, pd: number, vptr: number, type: number, addr: number): number {
  const slot = lookupPTSlot(k, pd, vptr);
  if (slot === 0) return 0;
  const pte = k.mem.read32(slot);
  if (pteType(pte) !== type) return 0;
  const base = type === PTE_TYPE_SMALL ? pteSmallAddress(pte) : pteLargeAddress(pte);
  return base === addr ? slot : 0;
}

// The PD slot `unmapPage` clears for a section or supersection, or 0 if the mapping is gone.
function mappedPDSlot(k: Kernel, pd: number, vptr: number, superSection: boolean, addr: number): number {
  const slot = lookupPDSlot(pd, vptr);
  const pde = k.mem.read32(slot);
  if ((pde & 3) !== PDE_TYPE_SECTION || pdeIsSuperSection(pde) !== superSection) return 0;
  return pdeSectionAddress(pde) === addr ? slot : 0;
}

function clearEntries(k: Kernel, slot: number, n: number): void {
  for (let i = 0; i < n; i++) k.mem.write32(slot + 4 * i, PDE_TYPE_FAULT);
}

/**
 * `unmapPage(size, asid, vptr, pptr)`: removes the frame's mapping (all 16 entries of a large
 * page or supersection) if the tables still map that frame there, then flushes the page.
 */
export function unmapPage(k: Kernel, size: number, asid: number, vptr: number, pptr: number): void {
  const pd = findPDForASID(k, asid);
  if (pd === 0) return;
  switch (size) {
    case ARM_SMALL_PAGE: {
      const slot = mappedPTSlot(k, pd, vptr, PTE_TYPE_SMALL, pptr);
      if (slot === 0) return;
      clearEntries(k, slot, 1);
      break;
    }
    case ARM_LARGE_PAGE: {
      const slot = mappedPTSlot(k, pd, vptr, PTE_TYPE_LARGE, pptr);
      if (slot === 0) return;
      clearEntries(k, slot, LARGE_REPEAT);
      break;
    }
    case ARM_SECTION: {
      const slot = mappedPDSlot(k, pd, vptr, false, pptr);
      if (slot === 0) return;
      clearEntries(k, slot, 1);
      break;
    }
    default: {
      const slot = mappedPDSlot(k, pd, vptr, true, pptr);
      if (slot === 0) return;
      clearEntries(k, slot, LARGE_REPEAT);
      break;
    }
  }
  flushPage(k, pd, asid, vptr);
}

/**
 * `flushPage(size, pd, asid, vptr)`: switches to the space if needed, flushes the page's TLB
 * entries (TLBIMVA with the hardware ASID) and switches back.
 */
export function flushPage(k: Kernel, pd: number, asid: number, vptr: number): void {
  const rootSwitched = setVMRootForFlush(k, pd, asid);
  const stored = loadHWASID(k, asid);
  if (!storedASIDValid(stored)) return;
  invalidateTranslationSingle(k, vptr, storedHWASID(stored));
  if (rootSwitched) setVMRoot(k, k.ksCurThread);
}

/** `flushTable(pd, asid, vptr, pt)`: as `flushPage`, but flushes the whole hardware ASID. */
export function flushTable(k: Kernel, pd: number, asid: number, vptr: number): void {
  void vptr;
  const rootSwitched = setVMRootForFlush(k, pd, asid);
  const stored = loadHWASID(k, asid);
  if (!storedASIDValid(stored)) return;
  invalidateTranslationASID(k, storedHWASID(stored));
  if (rootSwitched) setVMRoot(k, k.ksCurThread);
}

/**
 * `flushSpace(asid)`: cleans the caches (no effect here) and flushes the ASID's TLB entries
 * if it holds a hardware ASID.
 */
export function flushSpace(k: Kernel, asid: number): void {
  const stored = loadHWASID(k, asid);
  if (!storedASIDValid(stored)) return;
  invalidateTranslationASID(k, storedHWASID(stored));
}
