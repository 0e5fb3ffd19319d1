/**
 * The kernel window as seL4's aarch32 `map_kernel_window` builds it for the Sabre Lite
 * (`src/arch/arm/32/kernel/vspace.c` `map_kernel_window`, `map_kernel_frame`;
 * `src/arch/arm/machine/hardware.c` `map_kernel_devices`; the generated `kernel_device_frames`
 * of the imx6 platform): facts both kernels build their global page directory and global page
 * table from.
 *
 * - From `PPTR_BASE` (0xe0000000) physical RAM from `physBase` (the board's RAM base) is
 *   mapped by 16 MiB supersections while a whole one fits below the last 16 MiB, then by
 *   1 MiB sections up to `PPTR_TOP` (0xfff00000): global, kernel-only, cacheable (TEX 0b101,
 *   B), parity enabled, executable, domain 0.
 * - The last MiB is the global page table: the vector page at `PPTR_VECTOR_TABLE`, then each
 *   kernel device page from `KDEV_BASE` on, all small pages, global, kernel-only, executable;
 *   the vector page cacheable, the devices strongly ordered but bufferable (TEX 0, B), as
 *   `map_kernel_frame` encodes them whatever the device's execute-never flag says.
 * - A new page directory copies every entry from `PPTR_BASE` on except `PD_ASID_SLOT`.
 *
 * @module
 */
import { PPTR_BASE, PPTR_TOP, type BootParams } from './bootinfo.js';

export { PPTR_BASE, PPTR_TOP };

/** `PPTR_VECTOR_TABLE`: the kernel-virtual address of the exception vector page. */
export const PPTR_VECTOR_TABLE = 0xffff0000;
/** `KDEV_BASE`: kernel devices are mapped from here, one page each, in the global page table. */
export const KDEV_BASE = PPTR_TOP;
/** `SECTIONS_PER_SUPER_SECTION`: a supersection fills 16 page-directory entries. */
export const SECTIONS_PER_SUPER_SECTION = 16;

/** One 4 KiB page of the global page table (`map_kernel_frame`). */
export interface KernelFrame {
  /** Physical address of the page. */
  readonly paddr: number;
  /** Kernel-virtual address it is mapped at (in the last MiB). */
  readonly pptr: number;
  /** Whether it is mapped cacheable (the vector page) or not (devices). */
  readonly cacheable: boolean;
}

/**
 * `arm_vector_table`'s physical address: the vectors open `.text`, which the linker script
 * aligns to 64 KiB right after `.boot`, so they sit at `ki_boot_end`.
 */
export function vectorTablePaddr(params: BootParams): number {
  return params.kernelImage.bootEnd;
}

/**
 * The pages of the global page table in the order `map_kernel_window` maps them: the vector
 * page, then every page of the board's kernel devices (in the board's order, which is the
 * generated `kernel_device_frames` order for the sabre) at consecutive addresses from
 * `KDEV_BASE`.
 */
export function kernelFrames(params: BootParams): KernelFrame[] {
  const frames: KernelFrame[] = [{ paddr: vectorTablePaddr(params), pptr: PPTR_VECTOR_TABLE, cacheable: true }];
  let pptr = KDEV_BASE;
  for (const d of params.board.kernelDevices) {
    for (let off = 0; off < d.size; off += 0x1000) {
      frames.push({ paddr: d.base + off, pptr, cacheable: false });
      pptr += 0x1000;
    }
  }
  return frames;
}
