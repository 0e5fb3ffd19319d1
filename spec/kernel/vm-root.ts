/**
 * The address-space switch of ARM and the hardware-ASID bookkeeping it needs (l4v
 * `ARM/ArchVSpace_A.thy` `set_vm_root`, `find_pd_for_asid`, `get_hw_asid`,
 * `delete_asid`, `delete_asid_pool`; `ARM/Arch_A.thy` `arch_switch_to_thread`). Cache, TLB
 * and TTBR operations leave no trace in the abstract state; the ASID tables do.
 *
 * These belong to the VSpace part of the spec; the scheduler and the finalisation of PD and
 * ASID-pool caps need them in this slice.
 *
 * @module
 */
import { ASID_POOL_INDEX_BITS } from '../../abi/config.js';
import { mask } from '../../hardware/word.js';
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT } from '../state/object.js';
import type { LookupFailure } from '../state/exceptions.js';
import { getCap } from './cspace-access.js';
import { getObject, setObject } from './kheap.js';
import { err, ok, type Result } from './monad.js';
import { KernelPanic } from './panic.js';

/** Number of hardware ASIDs (8 bits). */
const HW_ASIDS = 256;

/** The ASID-table index of an ASID (its high 7 bits). @see l4v asid_high_bits_of */
export function asidHighBitsOf(asid: number): number {
  return asid >>> ASID_POOL_INDEX_BITS;
}

function asidPoolEntries(s: KernelState, ptr: number): KernelState['arch']['asidTable'] {
  const obj = getObject(s, ptr);
  if (obj.kind !== 'ASIDPool') throw new KernelPanic(`no ASID pool at 0x${ptr.toString(16)}`);
  return obj.entries;
}

/** The page directory an ASID names. @see l4v find_pd_for_asid */
export function findPDForASID(s: KernelState, asid: number): Result<number, LookupFailure> {
  if (asid <= 0) throw new KernelPanic('find_pd_for_asid: ASID 0');
  const pool = s.arch.asidTable.get(asidHighBitsOf(asid));
  if (pool === undefined) return err({ kind: 'InvalidRoot' });
  const pd = asidPoolEntries(s, pool).get(asid & mask(ASID_POOL_INDEX_BITS));
  return pd === undefined ? err({ kind: 'InvalidRoot' }) : ok(pd);
}

function setArch(s: KernelState, arch: Partial<KernelState['arch']>): KernelState {
  return { ...s, arch: { ...s.arch, ...arch } };
}

/** Forgets the hardware ASID of an ASID. @see l4v invalidate_asid */
export function invalidateASID(s: KernelState, asid: number): KernelState {
  return setArch(s, { asidMap: s.arch.asidMap.delete(asid) });
}

/** Frees a hardware ASID. @see l4v invalidate_hw_asid_entry */
export function invalidateHWASIDEntry(s: KernelState, hwASID: number): KernelState {
  return setArch(s, { hwASIDTable: s.arch.hwASIDTable.delete(hwASID) });
}

/** Breaks the link between an ASID and its hardware ASID both ways. @see l4v invalidate_asid_entry */
export function invalidateASIDEntry(s: KernelState, asid: number): KernelState {
  const hw = s.arch.asidMap.get(asid);
  const s1 = hw === undefined ? s : invalidateHWASIDEntry(s, hw.hwASID);
  return invalidateASID(s1, asid);
}

/**
 * A free hardware ASID, searching round robin from `nextASID`; when all are taken, the one
 * at `nextASID` is taken back from its ASID and `nextASID` moves on. @see l4v find_free_hw_asid
 */
export function findFreeHWASID(s: KernelState): { readonly state: KernelState; readonly hwASID: number } {
  const next = s.arch.nextASID;
  for (let i = 0; i < HW_ASIDS; i++) {
    const a = (next + i) % HW_ASIDS;
    if (!s.arch.hwASIDTable.has(a)) return { state: s, hwASID: a };
  }
  const victim = s.arch.hwASIDTable.get(next);
  if (victim === undefined) throw new KernelPanic('find_free_hw_asid: no victim');
  const s1 = invalidateHWASIDEntry(invalidateASID(s, victim), next);
  return { state: setArch(s1, { nextASID: (next + 1) % HW_ASIDS }), hwASID: next };
}

/** Records that an ASID uses a hardware ASID. @see l4v store_hw_asid */
export function storeHWASID(s: KernelState, asid: number, hwASID: number): KernelState {
  const pd = findPDForASID(s, asid);
  if (!pd.ok) throw new KernelPanic('store_hw_asid: ASID without page directory');
  return setArch(s, {
    asidMap: s.arch.asidMap.set(asid, { hwASID, pd: pd.value }),
    hwASIDTable: s.arch.hwASIDTable.set(hwASID, asid),
  });
}

/** The hardware ASID of an ASID, allocating one if it has none. @see l4v get_hw_asid */
export function getHWASID(s: KernelState, asid: number): { readonly state: KernelState; readonly hwASID: number } {
  const hw = s.arch.asidMap.get(asid);
  if (hw !== undefined) return { state: s, hwASID: hw.hwASID };
  const { state, hwASID } = findFreeHWASID(s);
  return { state: storeHWASID(state, asid, hwASID), hwASID };
}

/**
 * Switches to a thread's address space: its VSpace root must be a page directory cap with
 * the ASID that really names that directory; otherwise the kernel's global directory is
 * used. @see l4v set_vm_root
 */
export function setVMRoot(s: KernelState, tcb: number): KernelState {
  const root = getCap(s, { obj: tcb, index: TCB_SLOT.VTable });
  if (root.kind !== 'PageDirectoryCap' || root.asid === null) return s;
  const pd = findPDForASID(s, root.asid);
  if (!pd.ok || pd.value !== root.ptr) return s;
  return getHWASID(s, root.asid).state;
}

/** Prepares the machine to run a thread: its address space. @see l4v arch_switch_to_thread */
export function archSwitchToThread(s: KernelState, tcb: number): KernelState {
  return setVMRoot(s, tcb);
}

/**
 * Removes a page directory from its ASID (when it is still registered there) and forgets
 * the ASID's hardware ASID. @see l4v delete_asid
 */
export function deleteASID(s: KernelState, asid: number, pd: number): KernelState {
  const poolPtr = s.arch.asidTable.get(asidHighBitsOf(asid));
  if (poolPtr === undefined) return s;
  const entries = asidPoolEntries(s, poolPtr);
  const index = asid & mask(ASID_POOL_INDEX_BITS);
  if (entries.get(index) !== pd) return s;
  const s1 = invalidateASIDEntry(s, asid);
  const s2 = setObject(s1, poolPtr, { kind: 'ASIDPool', entries: entries.delete(index) });
  return setVMRoot(s2, s2.curThread);
}

/**
 * Unregisters an ASID pool (when it is still registered at its base) and forgets the
 * hardware ASIDs of all its ASIDs. @see l4v delete_asid_pool
 */
export function deleteASIDPool(s: KernelState, base: number, ptr: number): KernelState {
  if ((base & mask(ASID_POOL_INDEX_BITS)) !== 0) throw new KernelPanic('delete_asid_pool: unaligned base');
  const high = asidHighBitsOf(base);
  if (s.arch.asidTable.get(high) !== ptr) return s;
  const entries = asidPoolEntries(s, ptr);
  const s1 = [...entries.keys()]
    .sort((a, b) => a - b)
    .reduce((acc, offset) => invalidateASIDEntry(acc, base + offset), s);
  const s2 = setArch(s1, { asidTable: s1.arch.asidTable.delete(high) });
  return setVMRoot(s2, s2.curThread);
}
