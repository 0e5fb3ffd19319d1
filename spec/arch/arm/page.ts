/**
 * Frame cap invocations (l4v `ARM/ArchDecode_A.thy` `arch_decode_invocation`'s `PageCap`
 * arm with the Haskell `decodeARMMMUInvocation` and `decodeARMPageFlush`; `Arch_A.thy`
 * `perform_page_invocation`; manual §7.1.5 "Page"): Map (also re-mapping a mapped cap with
 * new rights and attributes), Unmap, the four cache flushes and GetAddress.
 *
 * A frame cap holds at most one mapping. Map records (ASID, vaddr) in the cap; re-mapping a
 * mapped cap must name the same address space and address. A frame may be mapped many
 * times through copies of its cap.
 *
 * @module
 */
import { USER_TOP } from '../../../abi/config.js';
import type { InvocationLabel } from '../../../abi/labels.js';
import { PAGE_BITS_FOR_SIZE, type CapOf } from '../../state/cap.js';
import type { CSlot } from '../../state/cslot.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import type { ExtraCap } from '../../kernel/invocation.js';
import { getCap, setCap } from '../../kernel/cspace-access.js';
import { err, ok, type Result } from '../../kernel/monad.js';
import { KernelPanic } from '../../kernel/panic.js';
import { dataToRights } from '../../object/objecttype.js';
import { isPageFlushLabel, labelToFlushType, performFlush, type Flush } from './cache.js';
import { attribsFromWord, checkVPAlignment, createMappingEntries, ensureSafeMapping, maskVMRights, type MappingEntries } from './mapping.js';
import { findPDForASID, getPDE, getPTE, storePDEs, storePTEs } from './vspace-acc.js';
import { invalidateTLBByASID, resolveVAddr, unmapPage } from './vspace.js';

/** A frame cap. */
export type FrameCap = CapOf<'FrameCap'>;

/** A decoded frame invocation (l4v `page_invocation`). */
export type PageInvocation =
  | { readonly kind: 'PageMap'; readonly asid: number; readonly cap: FrameCap; readonly slot: CSlot; readonly entries: MappingEntries }
  | { readonly kind: 'PageUnmap'; readonly cap: FrameCap; readonly slot: CSlot }
  | { readonly kind: 'PageFlush'; readonly flush: Flush }
  | { readonly kind: 'PageGetAddr'; readonly ptr: number };

/** The page directory and ASID of an extra cap that must be an assigned PD cap (else `InvalidCapability 1`). */
export function assignedPD(excap: ExtraCap): Result<{ readonly pd: number; readonly asid: number }, SyscallError> {
  const c = excap.cap;
  if (c.kind !== 'PageDirectoryCap' || c.asid === null) return err({ kind: 'InvalidCapability', index: 1 });
  return ok({ pd: c.ptr, asid: c.asid });
}

/**
 * Map: MR0 vaddr, MR1 rights mask, MR2 attributes, extra cap 0 the page directory. Errors
 * in seL4's order: the PD cap not assigned (`InvalidCapability 1`); a mapped cap re-mapped
 * into another ASID (`InvalidCapability 1`) or at another address (`InvalidArgument 0`), an
 * unmapped one reaching the kernel window (`InvalidArgument 0`, the end computed modulo
 * 2^32 as the C does); the ASID no longer naming that PD (`FailedLookup` / `InvalidCapability 1`);
 * a misaligned vaddr (`AlignmentError`); no page table (`FailedLookup`); an entry of
 * another size in the way (`DeleteFirst`). @see l4v arch_decode_invocation
 */
export function decodePageMap(
  s: KernelState,
  args: readonly number[],
  slot: CSlot,
  cap: FrameCap,
  excaps: readonly ExtraCap[],
): Result<PageInvocation, SyscallError> {
  const [vaddr, rightsMask, attr] = args;
  const pdCap = excaps[0];
  if (vaddr === undefined || rightsMask === undefined || attr === undefined || pdCap === undefined) {
    return err({ kind: 'TruncatedMessage' });
  }
  const target = assignedPD(pdCap);
  if (!target.ok) return target;
  const { pd, asid } = target.value;
  if (cap.mapping !== null) {
    if (cap.mapping.asid !== asid) return err({ kind: 'InvalidCapability', index: 1 });
    if (cap.mapping.vaddr !== vaddr) return err({ kind: 'InvalidArgument', index: 0 });
  } else {
    const vtop = (vaddr + 2 ** PAGE_BITS_FOR_SIZE[cap.size] - 1) >>> 0;
    if (vtop >= USER_TOP) return err({ kind: 'InvalidArgument', index: 0 });
  }
  const found = findPDForASID(s, asid);
  if (!found.ok) return err({ kind: 'FailedLookup', source: false, failure: found.error });
  if (found.value !== pd) return err({ kind: 'InvalidCapability', index: 1 });
  const rights = maskVMRights(cap.rights, dataToRights(rightsMask));
  const aligned = checkVPAlignment(cap.size, vaddr);
  if (!aligned.ok) return aligned;
  const entries = createMappingEntries(s, cap.ptr, vaddr, cap.size, rights, attribsFromWord(attr), pd);
  if (!entries.ok) return entries;
  const safe = ensureSafeMapping(s, entries.value);
  if (!safe.ok) return safe;
  return ok({ kind: 'PageMap', asid, cap: { ...cap, mapping: { asid, vaddr } }, slot, entries: entries.value });
}

/**
 * A page flush: MR0 start and MR1 end offsets within the frame. Errors in seL4's order:
 * fewer than two words (`TruncatedMessage`); an unmapped cap (`IllegalOperation`); its
 * ASID gone (`FailedLookup`); end ≤ start (`InvalidArgument 1`); the cap's recorded mapping
 * no longer there with this frame and size (`InvalidCapability 0`); an offset beyond the
 * frame (`InvalidArgument 0`). @see l4v decodeARMPageFlush
 */
export function decodePageFlush(s: KernelState, label: InvocationLabel, args: readonly number[], cap: FrameCap): Result<PageInvocation, SyscallError> {
  const [start, end] = args;
  if (start === undefined || end === undefined) return err({ kind: 'TruncatedMessage' });
  if (cap.mapping === null) return err({ kind: 'IllegalOperation' });
  const { asid, vaddr } = cap.mapping;
  const pd = findPDForASID(s, asid);
  if (!pd.ok) return err({ kind: 'FailedLookup', source: false, failure: pd.error });
  if (end <= start) return err({ kind: 'InvalidArgument', index: 1 });
  const pageSize = 2 ** PAGE_BITS_FOR_SIZE[cap.size];
  const info = resolveVAddr(s, pd.value, vaddr);
  if (info === null || info.size !== cap.size || info.frame !== cap.ptr) return err({ kind: 'InvalidCapability', index: 0 });
  if (start >= pageSize || end > pageSize) return err({ kind: 'InvalidArgument', index: 0 });
  return ok({
    kind: 'PageFlush',
    flush: {
      type: labelToFlushType(label),
      start: (start + vaddr) >>> 0,
      end: (end + vaddr - 1) >>> 0,
      pstart: cap.ptr + start,
      pd: pd.value,
      asid,
    },
  });
}

/** Decodes a frame cap invocation. @see l4v arch_decode_invocation */
export function decodePageInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  slot: CSlot,
  cap: FrameCap,
  excaps: readonly ExtraCap[],
): Result<PageInvocation, SyscallError> {
  if (label === 'ARMPageMap') return decodePageMap(s, args, slot, cap, excaps);
  if (label === 'ARMPageUnmap') return ok({ kind: 'PageUnmap', cap, slot });
  if (isPageFlushLabel(label)) return decodePageFlush(s, label, args, cap);
  if (label === 'ARMPageGetAddress') return ok({ kind: 'PageGetAddr', ptr: cap.ptr });
  return err({ kind: 'IllegalOperation' });
}

/**
 * Writes a mapping's entries, after putting the updated cap in its slot; if the first entry
 * was already valid (a re-map, or a same-size mapping replaced), the address space's TLB
 * entries are flushed. @see l4v perform_page_invocation
 */
function performPageMap(s: KernelState, asid: number, cap: FrameCap, slot: CSlot, e: MappingEntries): KernelState {
  const s1 = setCap(s, slot, cap);
  const first = { table: e.table, index: e.indices[0] ?? 0 };
  const wasMapped = e.kind === 'PTEs' ? getPTE(s1, first).kind !== 'InvalidPTE' : getPDE(s1, first).kind !== 'InvalidPDE';
  const s2 = e.kind === 'PTEs' ? storePTEs(s1, e.table, e.indices, e.pte) : storePDEs(s1, e.table, e.indices, e.pde);
  return wasMapped ? invalidateTLBByASID(s2, asid) : s2;
}

/** Unmaps the cap's mapping (if still current) and clears the cap's record of it. */
function performPageUnmap(s: KernelState, cap: FrameCap, slot: CSlot): KernelState {
  const s1 = cap.mapping === null ? s : unmapPage(s, cap.size, cap.mapping.asid, cap.mapping.vaddr, cap.ptr);
  const current = getCap(s1, slot);
  if (current.kind !== 'FrameCap') throw new KernelPanic('perform_page_invocation: no frame cap in the slot');
  return setCap(s1, slot, { ...current, mapping: null });
}

/**
 * Performs a frame invocation; GetAddress replies with the frame's physical address.
 * @see l4v perform_page_invocation
 */
export function performPageInvocation(s: KernelState, inv: PageInvocation): { readonly state: KernelState; readonly reply: readonly number[] } {
  switch (inv.kind) {
    case 'PageMap':
      return { state: performPageMap(s, inv.asid, inv.cap, inv.slot, inv.entries), reply: [] };
    case 'PageUnmap':
      return { state: performPageUnmap(s, inv.cap, inv.slot), reply: [] };
    case 'PageFlush':
      return { state: performFlush(s, inv.flush), reply: [] };
    case 'PageGetAddr':
      return { state: s, reply: [inv.ptr] };
    default: {
      const _exhaustive: never = inv;
      return _exhaustive;
    }
  }
}
