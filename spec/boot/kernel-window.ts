/**
 * The kernel's own mappings, which boot writes into the global page directory and every
 * page directory then copies (seL4 `map_kernel_window`, `map_kernel_frame` in
 * `src/arch/arm/32/kernel/vspace.c`, `map_kernel_devices` in `src/arch/arm/machine/
 * hardware.c`; l4v `valid_global_objs`, `valid_kernel_mappings`; manual §7.1 "Virtual
 * Address Spaces").
 *
 * From `pptrBase` (0xe0000000) up to the last 16 MiB the window maps RAM from `physBase`
 * with 16 MiB supersections, then with 1 MiB sections up to `PPTR_TOP` (0xfff00000); the
 * last MiB goes through the global page table, which maps the kernel's devices from
 * `KDEV_BASE` (one 4 KiB page each, in the board's order) and the exception vector page at
 * `PPTR_VECTOR_TABLE` (0xffff0000). Every entry is kernel-only, so a user access there
 * faults. RAM mappings are cacheable with parity on; devices are uncached. The layout
 * facts (vector page address, device order) are shared with the implementation in
 * `abi/kernel-window.ts`.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import { PAGE_BITS, SECTION_BITS, SUPER_SECTION_BITS } from '../../abi/config.js';
import type { BootParams } from '../../abi/bootinfo.js';
import { kernelFrames, PPTR_BASE, PPTR_TOP } from '../../abi/kernel-window.js';
import type { PDE, PTE, VMAttributes } from '../state/object.js';
import { PD_ENTRIES, REPEATED_ENTRIES } from '../arch/arm/vspace-acc.js';

/** The global page directory's entries and the global page table's. */
export interface KernelWindow {
  /** Entries of `armKSGlobalPD` (all at or above the kernel window). */
  readonly pdEntries: PMap<number, PDE>;
  /** Entries of `armKSGlobalPT`. */
  readonly ptEntries: PMap<number, PTE>;
}

const RAM: VMAttributes = { cacheable: true, parityEnabled: true, executeNever: false };
// `map_kernel_frame` writes PTEs executable whatever it is asked for, and page-table entries
// carry no parity bit.
const VECTORS: VMAttributes = { cacheable: true, parityEnabled: false, executeNever: false };
const DEVICE: VMAttributes = { cacheable: false, parityEnabled: false, executeNever: false };

/** The entries `map_kernel_window` writes for `params` (physBase is the board's RAM base). */
export function mapKernelWindow(params: BootParams): KernelWindow {
  const pd = new Map<number, PDE>();
  let phys = params.board.ramBase;
  let idx = PPTR_BASE / 2 ** SECTION_BITS;
  for (; idx < PD_ENTRIES - REPEATED_ENTRIES; idx += REPEATED_ENTRIES) {
    const pde: PDE = { kind: 'SuperSectionPDE', frame: phys, attributes: RAM, rights: 'VMKernelOnly' };
    for (let i = idx; i < idx + REPEATED_ENTRIES; i++) pd.set(i, pde);
    phys += 2 ** SUPER_SECTION_BITS;
  }
  for (; idx < PPTR_TOP / 2 ** SECTION_BITS; idx++) {
    pd.set(idx, { kind: 'SectionPDE', frame: phys, attributes: RAM, rights: 'VMKernelOnly' });
    phys += 2 ** SECTION_BITS;
  }
  pd.set(idx, { kind: 'PageTablePDE', table: params.kernelImage.globalPT, parityEnabled: true });

  const pt = new Map<number, PTE>();
  for (const f of kernelFrames(params)) {
    pt.set(ptIndexOf(f.pptr), { kind: 'SmallPagePTE', frame: f.paddr, attributes: f.cacheable ? VECTORS : DEVICE, rights: 'VMKernelOnly' });
  }
  return { pdEntries: PMap(pd), ptEntries: PMap(pt) };
}

function ptIndexOf(vaddr: number): number {
  return (vaddr >>> PAGE_BITS) & 0xff;
}
