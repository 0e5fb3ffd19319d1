/**
 * Building the table entries of a new frame mapping and checking that they may be written
 * (l4v `ARM/ArchVSpace_A.thy` `create_mapping_entries`, `ensure_safe_mapping`;
 * `ArchDecode_A.thy` `check_vp_alignment`, `page_base`; Haskell `maskVMRights`,
 * `attribsFromWord`; manual §7.1.5 "Page" and §7.2 "Mapping Attributes").
 *
 * A 4 KiB page takes one page-table entry, a 64 KiB page 16 identical consecutive ones; a
 * 1 MiB section takes one page-directory entry, a 16 MiB supersection 16. The hardware
 * requires that no address is covered by mappings of two sizes, so an entry may only
 * replace an invalid entry or one of the same size.
 *
 * @module
 */
import type { CapRights, VMPageSize, VMRights } from '../../state/cap.js';
import { PAGE_BITS_FOR_SIZE } from '../../state/cap.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import type { PDE, PTE, VMAttributes } from '../../state/object.js';
import { err, ok, type Result } from '../../kernel/monad.js';
import { mask } from '../../../hardware/word.js';
import { getPDE, getPTE, lookupPDSlot, lookupPTSlot, repeatedIndices } from './vspace-acc.js';

/** The entries a frame mapping writes: one entry value into one or 16 slots of one table. */
export type MappingEntries =
  | { readonly kind: 'PTEs'; readonly pte: PTE; readonly table: number; readonly indices: readonly number[] }
  | { readonly kind: 'PDEs'; readonly pde: PDE; readonly table: number; readonly indices: readonly number[] };

/**
 * The mapping attributes in a user word: bit 0 cacheable, bit 1 parity enabled, bit 2
 * execute never (`seL4_ARM_VMAttributes`). @see l4v attribs_from_word
 */
export function attribsFromWord(w: number): VMAttributes {
  return { cacheable: (w & 1) !== 0, parityEnabled: (w & 2) !== 0, executeNever: (w & 4) !== 0 };
}

/**
 * The rights of a mapping: the frame cap's rights cut down by the rights the caller asks
 * for. Read is needed for any user access; write without read is impossible on ARM and
 * gives a kernel-only mapping. @see l4v mask_vm_rights
 */
export function maskVMRights(r: VMRights, m: CapRights): VMRights {
  if (r === 'VMReadOnly' && m.read) return 'VMReadOnly';
  if (r === 'VMReadWrite' && m.read) return m.write ? 'VMReadWrite' : 'VMReadOnly';
  return 'VMKernelOnly';
}

/** `vaddr` with the offset within a frame of `size` cleared. @see l4v page_base */
export function pageBase(vaddr: number, size: VMPageSize): number {
  return (vaddr & ~mask(PAGE_BITS_FOR_SIZE[size])) >>> 0;
}

/** `AlignmentError` unless `vptr` is aligned to a frame of `size`. @see l4v check_vp_alignment */
export function checkVPAlignment(size: VMPageSize, vptr: number): Result<void, SyscallError> {
  return (vptr & mask(PAGE_BITS_FOR_SIZE[size])) === 0 ? ok(undefined) : err({ kind: 'AlignmentError' });
}

/**
 * The entries that map the frame at physical address `base` of `size` at `vptr` in `pd`.
 * Page-table entries keep cacheability and execute-never (parity is a property of the
 * page table's own entry); section entries keep all three. A page needs a page table in
 * place: a missing one is `FailedLookup` (not the source) with 20 bits left.
 * @see l4v create_mapping_entries
 */
export function createMappingEntries(
  s: KernelState,
  base: number,
  vptr: number,
  size: VMPageSize,
  rights: VMRights,
  attributes: VMAttributes,
  pd: number,
): Result<MappingEntries, SyscallError> {
  if (size === 'ARMSmallPage' || size === 'ARMLargePage') {
    const p = lookupPTSlot(s, pd, vptr);
    if (!p.ok) return err({ kind: 'FailedLookup', source: false, failure: p.error });
    const pteAttributes: VMAttributes = { ...attributes, parityEnabled: false };
    const pte: PTE = size === 'ARMSmallPage'
      ? { kind: 'SmallPagePTE', frame: base, attributes: pteAttributes, rights }
      : { kind: 'LargePagePTE', frame: base, attributes: pteAttributes, rights };
    const indices = size === 'ARMSmallPage' ? [p.value.index] : repeatedIndices(p.value.index);
    return ok({ kind: 'PTEs', pte, table: p.value.table, indices });
  }
  const p = lookupPDSlot(pd, vptr);
  const pde: PDE = size === 'ARMSection'
    ? { kind: 'SectionPDE', frame: base, attributes, rights }
    : { kind: 'SuperSectionPDE', frame: base, attributes, rights };
  const indices = size === 'ARMSection' ? [p.index] : repeatedIndices(p.index);
  return ok({ kind: 'PDEs', pde, table: p.table, indices });
}

/**
 * `DeleteFirst` if any entry the mapping writes now holds a valid entry of another kind
 * (another size, or a page table where a section goes). Replacing an entry of the same
 * size, even one mapping another frame, is allowed. @see l4v ensure_safe_mapping
 */
export function ensureSafeMapping(s: KernelState, entries: MappingEntries): Result<void, SyscallError> {
  for (const index of entries.indices) {
    const slot = { table: entries.table, index };
    const current = entries.kind === 'PTEs' ? getPTE(s, slot).kind : getPDE(s, slot).kind;
    const wanted = entries.kind === 'PTEs' ? entries.pte.kind : entries.pde.kind;
    if (current !== 'InvalidPTE' && current !== 'InvalidPDE' && current !== wanted) return err({ kind: 'DeleteFirst' });
  }
  return ok(undefined);
}
