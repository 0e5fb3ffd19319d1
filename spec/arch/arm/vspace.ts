/**
 * Looking up, unmapping and flushing ARM virtual memory, and tearing down address spaces
 * (l4v `ARM/ArchVSpace_A.thy` `resolve_vaddr`, `page_table_mapped`, `unmap_page_table`,
 * `check_mapping_pptr`, `unmap_page`, `flush_page`, `flush_table`, `flush_space`,
 * `invalidate_tlb_by_asid`, `delete_asid`, `delete_asid_pool`; manual §7.1.4 "Page
 * Tables" and §7.1.5 "Page").
 *
 * A frame or page table cap remembers where it was mapped. Unmapping goes back to the table
 * entries that mapping names and clears them only if they still map that very object (a
 * later mapping may have replaced them, or the address space may be gone): the cap's record
 * may be stale, the tables are the truth.
 *
 * TLB and cache maintenance have no abstract state. What they do leave is the switch into the
 * flushed address space (`set_vm_root_for_flush`), which may allocate a hardware ASID.
 *
 * @module
 */
import type { VMPageSize } from '../../state/cap.js';
import type { KernelState } from '../../state/kernel-state.js';
import { KernelPanic } from '../../kernel/panic.js';
import { setVMRoot, setVMRootForFlush } from '../../kernel/vm-root.js';
import { invalidateASIDEntry, loadHWASID } from './asid.js';
import {
  asidHighBitsOf, asidLowBitsOf, findPDForASID, getASIDPool, getPDE, getPTE, lookupPDSlot, lookupPTSlot,
  lookupPTSlotNoFail, repeatedIndices, setASIDPool, storePDE, storePDEs, storePTEs, REPEATED_ENTRIES, type TableSlot,
} from './vspace-acc.js';
import { ASID_POOL_INDEX_BITS } from '../../../abi/config.js';
import { mask } from '../../../hardware/word.js';

/** What a virtual address resolves to: the size and physical base of the frame mapping it. */
export interface FrameInfo {
  /** The frame size of the mapping. */
  readonly size: VMPageSize;
  /** The physical address of the frame's first byte. */
  readonly frame: number;
}

/** The frame that maps `vaddr` in `pd`, or null. @see l4v resolve_vaddr */
export function resolveVAddr(s: KernelState, pd: number, vaddr: number): FrameInfo | null {
  const pde = getPDE(s, lookupPDSlot(pd, vaddr));
  switch (pde.kind) {
    case 'SectionPDE':
      return { size: 'ARMSection', frame: pde.frame };
    case 'SuperSectionPDE':
      return { size: 'ARMSuperSection', frame: pde.frame };
    case 'PageTablePDE': {
      const pte = getPTE(s, lookupPTSlotNoFail(pde.table, vaddr));
      if (pte.kind === 'SmallPagePTE') return { size: 'ARMSmallPage', frame: pte.frame };
      if (pte.kind === 'LargePagePTE') return { size: 'ARMLargePage', frame: pte.frame };
      return null;
    }
    case 'InvalidPDE':
      return null;
    default: {
      const _exhaustive: never = pde;
      return _exhaustive;
    }
  }
}

/** Flushes the TLB entries of (`asid`, `vptr`): switches there and back if needed. @see l4v flush_page */
export function flushPage(s: KernelState, pd: number, asid: number, vptr: number): KernelState {
  if ((vptr & mask(12)) !== 0) throw new KernelPanic('flush_page: unaligned address');
  return flushInSpace(s, pd, asid);
}

/** Flushes the TLB entries of a page table's MiB. @see l4v flush_table */
export function flushTable(s: KernelState, pd: number, asid: number, vptr: number): KernelState {
  if ((vptr & mask(20)) !== 0) throw new KernelPanic('flush_table: unaligned address');
  return flushInSpace(s, pd, asid);
}

// The common shape of flush_page and flush_table: switch into the space, flush by its
// hardware ASID (no abstract effect), and switch back only if it had one.
function flushInSpace(s: KernelState, pd: number, asid: number): KernelState {
  const r = setVMRootForFlush(s, pd, asid);
  if (loadHWASID(r.state, asid) === undefined || !r.switched) return r.state;
  return setVMRoot(r.state, r.state.curThread);
}

/**
 * Cleans the caches and flushes the TLB entries of an address space before its ASID goes:
 * no abstract effect. @see l4v flush_space
 */
export function flushSpace(s: KernelState): KernelState {
  return s;
}

/** Flushes an address space's TLB entries after a mapping was replaced: no abstract effect. @see l4v invalidate_tlb_by_asid */
export function invalidateTLBByASID(s: KernelState, _asid: number): KernelState {
  return s;
}

/** The page directory (`asid`'s) in which `pt` is mapped at `vaddr`, or null. @see l4v page_table_mapped */
export function pageTableMapped(s: KernelState, asid: number, vaddr: number, pt: number): number | null {
  const pd = findPDForASID(s, asid);
  if (!pd.ok) return null;
  const pde = getPDE(s, lookupPDSlot(pd.value, vaddr));
  return pde.kind === 'PageTablePDE' && pde.table === pt ? pd.value : null;
}

/** Removes a page table from its page directory if it is still there. @see l4v unmap_page_table */
export function unmapPageTable(s: KernelState, asid: number, vaddr: number, pt: number): KernelState {
  const pd = pageTableMapped(s, asid, vaddr, pt);
  if (pd === null) return s;
  const s1 = storePDE(s, lookupPDSlot(pd, vaddr), { kind: 'InvalidPDE' });
  return flushTable(s1, pd, asid, vaddr);
}

/** Whether the entry at `slot` maps the frame at `frame` with size `size`. @see l4v check_mapping_pptr */
export function checkMappingPPtr(s: KernelState, frame: number, size: VMPageSize, slot: TableSlot, level: 'PT' | 'PD'): boolean {
  if (level === 'PT') {
    const pte = getPTE(s, slot);
    if (pte.kind === 'SmallPagePTE') return pte.frame === frame && size === 'ARMSmallPage';
    if (pte.kind === 'LargePagePTE') return pte.frame === frame && size === 'ARMLargePage';
    return false;
  }
  const pde = getPDE(s, slot);
  if (pde.kind === 'SectionPDE') return pde.frame === frame && size === 'ARMSection';
  if (pde.kind === 'SuperSectionPDE') return pde.frame === frame && size === 'ARMSuperSection';
  return false;
}

// The first of the 16 entries of a large page or supersection must be 16-aligned (l4v
// asserts `p && mask 6 = 0`).
function sixteenFrom(slot: TableSlot): number[] {
  if (slot.index % REPEATED_ENTRIES !== 0) throw new KernelPanic('unmap_page: unaligned large mapping');
  return repeatedIndices(slot.index);
}

/**
 * Unmaps the frame at `frame` of size `size` from (`asid`, `vptr`) if that mapping is still
 * current, then flushes the page from the TLB. A vanished address space, missing page table
 * or replaced entry makes it a no-op. @see l4v unmap_page
 */
export function unmapPage(s: KernelState, size: VMPageSize, asid: number, vptr: number, frame: number): KernelState {
  const pd = findPDForASID(s, asid);
  if (!pd.ok) return s;
  let s1: KernelState;
  if (size === 'ARMSmallPage' || size === 'ARMLargePage') {
    const p = lookupPTSlot(s, pd.value, vptr);
    if (!p.ok || !checkMappingPPtr(s, frame, size, p.value, 'PT')) return s;
    const indices = size === 'ARMSmallPage' ? [p.value.index] : sixteenFrom(p.value);
    s1 = storePTEs(s, p.value.table, indices, { kind: 'InvalidPTE' });
  } else {
    const p = lookupPDSlot(pd.value, vptr);
    if (!checkMappingPPtr(s, frame, size, p, 'PD')) return s;
    const indices = size === 'ARMSection' ? [p.index] : sixteenFrom(p);
    s1 = storePDEs(s, p.table, indices, { kind: 'InvalidPDE' });
  }
  return flushPage(s1, pd.value, asid, vptr);
}

/**
 * Removes a page directory from its ASID (when it is still registered there), forgets the
 * ASID's hardware ASID, and re-establishes the current thread's address space (which may
 * have been this one). @see l4v delete_asid
 */
export function deleteASID(s: KernelState, asid: number, pd: number): KernelState {
  const poolPtr = s.arch.asidTable.get(asidHighBitsOf(asid));
  if (poolPtr === undefined) return s;
  const pool = getASIDPool(s, poolPtr);
  if (pool.get(asidLowBitsOf(asid)) !== pd) return s;
  const s1 = invalidateASIDEntry(flushSpace(s), asid);
  const s2 = setASIDPool(s1, poolPtr, getASIDPool(s1, poolPtr).delete(asidLowBitsOf(asid)));
  return setVMRoot(s2, s2.curThread);
}

/**
 * Unregisters an ASID pool (when it is still registered at its base): every ASID in it
 * loses its hardware ASID, in ascending order, and the current thread's address space is
 * re-established. @see l4v delete_asid_pool
 */
export function deleteASIDPool(s: KernelState, base: number, ptr: number): KernelState {
  if ((base & mask(ASID_POOL_INDEX_BITS)) !== 0) throw new KernelPanic('delete_asid_pool: unaligned base');
  const high = asidHighBitsOf(base);
  if (s.arch.asidTable.get(high) !== ptr) return s;
  const offsets = [...getASIDPool(s, ptr).keys()].sort((a, b) => a - b);
  const s1 = offsets.reduce((acc, offset) => invalidateASIDEntry(flushSpace(acc), base + offset), s);
  const s2: KernelState = { ...s1, arch: { ...s1.arch, asidTable: s1.arch.asidTable.delete(high) } };
  return setVMRoot(s2, s2.curThread);
}
