/**
 * Page table cap invocations (l4v `ARM/ArchDecode_A.thy` `arch_decode_invocation`'s
 * `PageTableCap` arm; `Arch_A.thy` `perform_page_table_invocation`; manual §7.1.4 "Page
 * Tables"): Map a page table into a page directory's MiB, and Unmap it.
 *
 * A page table is mapped at most once, into one address space: its cap cannot be copied
 * until mapped (`derive_cap`), and Map refuses a mapped cap. Unmap needs the final cap,
 * clears the directory entry (if it still points here) and every entry of the table.
 *
 * @module
 */
import { USER_TOP } from '../../../abi/config.js';
import type { InvocationLabel } from '../../../abi/labels.js';
import type { CapOf } from '../../state/cap.js';
import type { CSlot } from '../../state/cslot.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import type { PDE } from '../../state/object.js';
import type { ExtraCap } from '../../kernel/invocation.js';
import { getCap, setCap } from '../../kernel/cspace-access.js';
import { isFinalCap } from '../../kernel/empty-slot.js';
import { err, ok, type Result } from '../../kernel/monad.js';
import { KernelPanic } from '../../kernel/panic.js';
import { attribsFromWord } from './mapping.js';
import { assignedPD } from './page.js';
import { clearPT, findPDForASID, getPDE, lookupPDSlot, storePDE, type TableSlot } from './vspace-acc.js';
import { unmapPageTable } from './vspace.js';

/** A page table cap. */
export type PageTableCap = CapOf<'PageTableCap'>;

/** A decoded page table invocation (l4v `page_table_invocation`). */
export type PageTableInvocation =
  | { readonly kind: 'PageTableMap'; readonly cap: PageTableCap; readonly slot: CSlot; readonly pde: PDE; readonly pdSlot: TableSlot }
  | { readonly kind: 'PageTableUnmap'; readonly cap: PageTableCap; readonly slot: CSlot };

/**
 * Map: MR0 vaddr, MR1 attributes (only ParityEnabled is kept), extra cap 0 the page
 * directory. Errors in seL4's order: the cap already mapped (`InvalidCapability 0`); the
 * PD cap not assigned (`InvalidCapability 1`); vaddr in the kernel window (`InvalidArgument
 * 0`); the ASID no longer naming that PD (`FailedLookup` / `InvalidCapability 1`); the
 * directory entry in use (`DeleteFirst`). The cap records the vaddr rounded down to its MiB.
 * @see l4v arch_decode_invocation
 */
export function decodePageTableMap(
  s: KernelState,
  args: readonly number[],
  slot: CSlot,
  cap: PageTableCap,
  excaps: readonly ExtraCap[],
): Result<PageTableInvocation, SyscallError> {
  const [vaddr, attr] = args;
  const pdCap = excaps[0];
  if (vaddr === undefined || attr === undefined || pdCap === undefined) return err({ kind: 'TruncatedMessage' });
  if (cap.mapping !== null) return err({ kind: 'InvalidCapability', index: 0 });
  const target = assignedPD(pdCap);
  if (!target.ok) return target;
  const { pd, asid } = target.value;
  if (vaddr >= USER_TOP) return err({ kind: 'InvalidArgument', index: 0 });
  const found = findPDForASID(s, asid);
  if (!found.ok) return err({ kind: 'FailedLookup', source: false, failure: found.error });
  if (found.value !== pd) return err({ kind: 'InvalidCapability', index: 1 });
  const pdSlot = lookupPDSlot(pd, vaddr);
  if (getPDE(s, pdSlot).kind !== 'InvalidPDE') return err({ kind: 'DeleteFirst' });
  const pde: PDE = { kind: 'PageTablePDE', table: cap.ptr, parityEnabled: attribsFromWord(attr).parityEnabled };
  const mapped: PageTableCap = { ...cap, mapping: { asid, vaddr: (vaddr & 0xfff00000) >>> 0 } };
  return ok({ kind: 'PageTableMap', cap: mapped, slot, pde, pdSlot });
}

/** Decodes a page table cap invocation. @see l4v arch_decode_invocation */
export function decodePageTableInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  slot: CSlot,
  cap: PageTableCap,
  excaps: readonly ExtraCap[],
): Result<PageTableInvocation, SyscallError> {
  if (label === 'ARMPageTableMap') return decodePageTableMap(s, args, slot, cap, excaps);
  if (label === 'ARMPageTableUnmap') {
    if (!isFinalCap(s, cap)) return err({ kind: 'RevokeFirst' });
    return ok({ kind: 'PageTableUnmap', cap, slot });
  }
  return err({ kind: 'IllegalOperation' });
}

/**
 * Map puts the updated cap in its slot and the table into the directory entry; Unmap
 * unmaps the table if it is still mapped where the cap says, clears all its entries (the
 * frames mapped through it stay mapped in their caps' records, which are now stale) and
 * clears the cap's record. @see l4v perform_page_table_invocation
 */
export function performPageTableInvocation(s: KernelState, inv: PageTableInvocation): KernelState {
  switch (inv.kind) {
    case 'PageTableMap':
      return storePDE(setCap(s, inv.slot, inv.cap), inv.pdSlot, inv.pde);
    case 'PageTableUnmap': {
      const m = inv.cap.mapping;
      const s1 = m === null ? s : clearPT(unmapPageTable(s, m.asid, m.vaddr, inv.cap.ptr), inv.cap.ptr);
      const current = getCap(s1, inv.slot);
      if (current.kind !== 'PageTableCap') throw new KernelPanic('perform_page_table_invocation: no page table cap in the slot');
      return setCap(s1, inv.slot, { ...current, mapping: null });
    }
    default: {
      const _exhaustive: never = inv;
      return _exhaustive;
    }
  }
}
