/**
 * The address-space switch of ARM (l4v `ARM/ArchVSpace_A.thy` `set_vm_root`,
 * `set_vm_root_for_flush`; `ARM/Arch_A.thy` `arch_switch_to_thread`; manual §7.1 "Virtual
 * Address Spaces"). TTBR0 and the cache operations leave no trace in the abstract state;
 * the hardware ASID a switch may allocate does.
 *
 * The ASID and paging-structure helpers live in `spec/arch/arm/`; the ones the rest of the
 * kernel reaches for are re-exported here.
 *
 * @module
 */
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT } from '../state/object.js';
import { armContextSwitch } from '../arch/arm/asid.js';
import { findPDForASID } from '../arch/arm/vspace-acc.js';
import { getCap } from './cspace-access.js';

export {
  findFreeHWASID, getHWASID, invalidateASID, invalidateASIDEntry, invalidateHWASIDEntry, storeHWASID,
} from '../arch/arm/asid.js';
export { asidHighBitsOf, findPDForASID } from '../arch/arm/vspace-acc.js';
export { deleteASID, deleteASIDPool } from '../arch/arm/vspace.js';

/**
 * Switches to a thread's address space: its VSpace root must be a page directory cap with
 * an ASID that really names that directory, and then the ASID gets a hardware ASID if it
 * has none; otherwise the kernel's global directory is used, which changes nothing here.
 * @see l4v set_vm_root
 */
export function setVMRoot(s: KernelState, tcb: number): KernelState {
  const root = getCap(s, { obj: tcb, index: TCB_SLOT.VTable });
  if (root.kind !== 'PageDirectoryCap' || root.asid === null) return s;
  const pd = findPDForASID(s, root.asid);
  if (!pd.ok || pd.value !== root.ptr) return s;
  return armContextSwitch(s, root.asid);
}

/**
 * Before a cache or TLB operation by virtual address in the space of (`pd`, `asid`):
 * switches to that space unless the current thread's VSpace root is an assigned cap to the
 * same directory. Says whether it switched, so that the caller switches back.
 * @see l4v set_vm_root_for_flush
 */
export function setVMRootForFlush(s: KernelState, pd: number, asid: number): { readonly state: KernelState; readonly switched: boolean } {
  const root = getCap(s, { obj: s.curThread, index: TCB_SLOT.VTable });
  if (root.kind === 'PageDirectoryCap' && root.asid !== null && root.ptr === pd) return { state: s, switched: false };
  return { state: armContextSwitch(s, asid), switched: true };
}

/** Prepares the machine to run a thread: its address space. @see l4v arch_switch_to_thread */
export function archSwitchToThread(s: KernelState, tcb: number): KernelState {
  return setVMRoot(s, tcb);
}
