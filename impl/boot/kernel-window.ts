/**
 * The kernel window in the global page directory and page table (seL4
 * `src/arch/arm/32/kernel/vspace.c` `map_kernel_window`, `map_kernel_frame`,
 * `activate_kernel_vspace`; `src/arch/arm/machine/hardware.c` `map_kernel_devices`). The
 * layout facts are in `abi/kernel-window.ts`.
 *
 * @module
 */
import { PAGE_TABLE_BITS } from '../../abi/config.js';
import type { BootParams } from '../../abi/bootinfo.js';
import { PPTR_BASE, PPTR_TOP, SECTIONS_PER_SUPER_SECTION, kernelFrames } from '../../abi/kernel-window.js';
import { PDE_TYPE_COARSE, PDE_TYPE_SECTION } from '../../hardware/descriptors.js';
import type { Kernel } from '../kernel/kernel.js';
import { KernelPanic } from '../kernel/panic.js';
import { invalidateLocalTLB, setCurrentPD } from '../arch/arm/machine.js';

const SECTION_BITS = 20;
const PD_ENTRIES = 4096;
const VM_KERNEL_ONLY_AP = 1;

/**
 * `pde_pde_section_new` as `map_kernel_window` calls it: global, unshared, APX 0, TEX 0b101,
 * AP kernel-only, parity enabled, domain 0, executable, C 0, B 1.
 */
function kernelSectionPDE(paddr: number, superSection: boolean): number {
  return ((paddr & 0xfff00000) | (superSection ? 1 << 18 : 0) | (5 << 12) | (VM_KERNEL_ONLY_AP << 10) | (1 << 9) |
    (1 << 2) | PDE_TYPE_SECTION) >>> 0;
}

/**
 * `map_kernel_frame(paddr, vaddr, VMKernelOnly, attr)`: a global small page in the global
 * page table, TEX 0b101 if cacheable else 0, B set, never execute-never.
 */
function mapKernelFrame(k: Kernel, paddr: number, vaddr: number, cacheable: boolean): void {
  if (vaddr < PPTR_TOP) throw new KernelPanic('map_kernel_frame: address below the global page table');
  const idx = (vaddr & 0xfffff) >>> 12;
  const pte = ((paddr & 0xfffff000) | ((cacheable ? 5 : 0) << 6) | (VM_KERNEL_ONLY_AP << 4) | (1 << 2) | (1 << 1)) >>> 0;
  k.mem.write32(k.armKSGlobalPT + 4 * idx, pte);
}

/**
 * `map_kernel_window`: supersections then sections of RAM from `physBase` up to `PPTR_TOP`,
 * the global page table in the last entry, the vector page and the kernel devices in it.
 * The device reservations of `map_kernel_devices` are done by boot's free-memory setup.
 */
export function mapKernelWindow(k: Kernel, params: BootParams): void {
  const pd = k.armKSGlobalPD;
  let phys = params.board.ramBase;
  let idx = PPTR_BASE >>> SECTION_BITS;
  while (idx < PD_ENTRIES - SECTIONS_PER_SUPER_SECTION) {
    const pde = kernelSectionPDE(phys, true);
    for (let i = idx; i < idx + SECTIONS_PER_SUPER_SECTION; i++) k.mem.write32(pd + 4 * i, pde);
    phys += 1 << (SECTION_BITS + 4);
    idx += SECTIONS_PER_SUPER_SECTION;
  }
  while (idx < PPTR_TOP >>> SECTION_BITS) {
    k.mem.write32(pd + 4 * idx, kernelSectionPDE(phys, false));
    phys += 1 << SECTION_BITS;
    idx++;
  }
  k.mem.write32(pd + 4 * idx, ((k.armKSGlobalPT & 0xfffffc00) | (1 << 9) | PDE_TYPE_COARSE) >>> 0);
  k.mem.zeroRange(k.armKSGlobalPT, 1 << PAGE_TABLE_BITS);
  for (const f of kernelFrames(params)) mapKernelFrame(k, f.paddr, f.pptr, f.cacheable);
}

/** `activate_kernel_vspace`: runs on the global page directory with an empty TLB. */
export function activateKernelVSpace(k: Kernel): void {
  setCurrentPD(k, k.armKSGlobalPD);
  invalidateLocalTLB(k);
}
