/**
 * Where boot puts things (manual §9 "System Bootstrapping"): which physical memory is free,
 * where the root task's kernel objects go, which virtual addresses its IPC buffer and
 * bootinfo get, and how free and device memory is cut into untypeds. Pure arithmetic on
 * address ranges, stated as seL4's boot code computes it (`init_freemem`,
 * `create_rootserver_objects`, `create_untypeds` in `src/kernel/boot.c`;
 * `arch_init_freemem`, `try_init_kernel` in `src/arch/arm/kernel/boot.c`). l4v has no boot
 * model for these (its `Init_A` is a dummy state), so the C code is the reference.
 *
 * All addresses here are physical, except the `v*` fields, which are the root task's
 * virtual addresses.
 *
 * @module
 */
import {
  ASID_POOL_BITS, MAX_UNTYPED_BITS, MIN_UNTYPED_BITS, PAGE_BITS, PAGE_DIR_BITS, PAGE_TABLE_BITS,
  ROOT_CNODE_SIZE_BITS, SLOT_BITS, TCB_BITS, USER_TOP,
} from '../../abi/config.js';
import {
  BOOT_INFO_FRAME_BITS, BOOTINFO_HEADER_BYTES, PADDR_USER_DEVICE_TOP, PD_ASID_SLOT, PPTR_BASE, PPTR_TOP,
  type BootParams, type UntypedDesc,
} from '../../abi/bootinfo.js';
import { kernelRamSize } from '../../hardware/board.js';
import { KernelPanic } from '../kernel/panic.js';

/** A range of addresses `[start, end)`. */
export interface Region {
  /** First address. */
  readonly start: number;
  /** First address after the range. */
  readonly end: number;
}

/** Whether a region holds no address. */
export function isEmptyRegion(r: Region): boolean {
  return r.start >= r.end;
}

/** Where `create_rootserver_objects` put the root task's objects. */
export interface RootserverObjects {
  /** The root CNode, 2^12 slots (64 KiB). */
  readonly cnode: number;
  /** The root page directory (16 KiB). */
  readonly vspace: number;
  /** The extra bootinfo block (2^extraBIBits bytes), or null when there is none. */
  readonly extraBI: number | null;
  /** ASID pool 0 (4 KiB). */
  readonly asidPool: number;
  /** The IPC buffer frame. */
  readonly ipcBuf: number;
  /** The bootinfo frame. */
  readonly bootInfo: number;
  /** The page tables covering the root task's virtual region, in address order. */
  readonly paging: readonly number[];
  /** The root task's TCB object (512 bytes). */
  readonly tcb: number;
}

/** Everything boot decides before it builds a single object. */
export interface BootLayout {
  /** RAM inside the kernel window (`avail_p_regs` clipped by `init_avail_reg`). */
  readonly available: Region;
  /** `ndks_boot.reserved` at the end of boot: merged, in address order. */
  readonly reserved: readonly Region[];
  /** The rootserver block `[start, start + size)`. */
  readonly rootserverRegion: Region;
  /** The objects in it. */
  readonly rootserver: RootserverObjects;
  /** `ndks_boot.freemem` after the rootserver block was cut out (non-empty entries, in order). */
  readonly freeMemory: readonly Region[];
  /** The root task's virtual region: image, IPC buffer, bootinfo, extra bootinfo. */
  readonly itVRegion: Region;
  /** Virtual address of the IPC buffer (the page after the image). */
  readonly vIPCBuffer: number;
  /** Virtual address of the bootinfo frame. */
  readonly vBootInfo: number;
  /** Virtual address of the extra bootinfo. */
  readonly vExtraBI: number;
  /** Bytes of extra bootinfo (an FDT header and the DTB), 0 for none. */
  readonly extraBISize: number;
  /** log2 of the extra bootinfo block, 0 for none (`calculate_extra_bi_size_bits`). */
  readonly extraBIBits: number;
  /** Every untyped `create_untypeds` carves, in slot order (before the cut at 230). */
  readonly untypeds: readonly UntypedDesc[];
}

/** `PADDR_TOP`: the physical address the end of the kernel window maps. */
export function paddrTop(params: BootParams): number {
  return PPTR_TOP - PPTR_BASE + params.board.ramBase;
}

/**
 * The RAM boot may hand out: the memory node of seL4's device tree clipped to the kernel
 * window (`init_avail_reg`). RAM past it is not RAM to the kernel.
 */
export function availableMemory(params: BootParams): Region {
  const base = params.board.ramBase;
  return { start: base, end: Math.min(base + kernelRamSize(params.board), paddrTop(params)) };
}

/**
 * The section the kernel window does not give out on aarch32 (`mode_reserved_region`):
 * the MiB at kernel address 0xff000000, whose page-directory entry stores hardware ASIDs.
 */
export function modeReservedRegion(params: BootParams): Region {
  const start = PD_ASID_SLOT * 2 ** 20 - PPTR_BASE + params.board.ramBase;
  return { start, end: start + 2 ** 20 };
}

/**
 * The regions `arch_init_freemem` keeps out of free memory, in address order: the kernel
 * image, the DTB, the user image and the mode-reserved section.
 */
export function bootReservedRegions(params: BootParams): Region[] {
  const { kernelImage, userImage, dtb } = params;
  const regions: Region[] = [
    { start: kernelImage.start, end: kernelImage.end },
    ...(dtb === null ? [] : [{ start: dtb.paddr, end: dtb.paddr + dtb.bytes.length }]),
    { start: userImage.paddr, end: userImage.paddr + userImage.size },
    modeReservedRegion(params),
  ];
  return regions.sort((a, b) => a.start - b.start);
}

/** `region` minus the (sorted, disjoint) `holes`, as the pieces left in address order. */
export function subtractRegions(region: Region, holes: readonly Region[]): Region[] {
  const pieces: Region[] = [];
  let start = region.start;
  for (const h of holes) {
    if (h.end <= start || h.start >= region.end) continue;
    if (h.start > start) pieces.push({ start, end: h.start });
    start = Math.max(start, h.end);
  }
  if (start < region.end) pieces.push({ start, end: region.end });
  return pieces;
}

/** The union of disjoint regions, adjacent ones merged, in address order (`reserve_region`). */
export function mergeRegions(regions: readonly Region[]): Region[] {
  const sorted = regions.filter((r) => !isEmptyRegion(r)).sort((a, b) => a.start - b.start);
  const merged: Region[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.end > r.start) throw new KernelPanic('boot: overlapping reserved regions');
    if (last !== undefined && last.end === r.start) merged[merged.length - 1] = { start: last.start, end: r.end };
    else merged.push(r);
  }
  return merged;
}

/**
 * The physical ranges that become device untypeds: every gap between reserved regions up
 * to `CONFIG_PADDR_USER_DEVICE_TOP` (2^32 on aarch32).
 */
export function deviceRegions(reserved: readonly Region[]): Region[] {
  return subtractRegions({ start: 0, end: PADDR_USER_DEVICE_TOP }, reserved);
}

/**
 * `calculate_extra_bi_size_bits`: the smallest power of two of at least a page that holds
 * `extraSize` bytes (0 for none).
 */
export function extraBISizeBits(extraSize: number): number {
  if (extraSize === 0) return 0;
  const rounded = Math.ceil(extraSize / 2 ** PAGE_BITS) * 2 ** PAGE_BITS;
  const msb = floorLog2(rounded);
  return extraSize > 2 ** msb ? msb + 1 : msb;
}

/** `get_n_paging`: page tables (1 MiB each) needed to cover `region`. */
export function pagingCount(region: Region): number {
  const mib = 2 ** 20;
  return (Math.ceil(region.end / mib) * mib - Math.floor(region.start / mib) * mib) / mib;
}

const CNODE_BITS = ROOT_CNODE_SIZE_BITS + SLOT_BITS;

/** `calculate_rootserver_size`: bytes of all the root task's kernel objects. */
export function rootserverSize(itVRegion: Region, extraBIBits: number): number {
  return 2 ** CNODE_BITS + 2 ** TCB_BITS + 2 ** PAGE_BITS + 2 ** BOOT_INFO_FRAME_BITS + 2 ** ASID_POOL_BITS +
    (extraBIBits > 0 ? 2 ** extraBIBits : 0) + 2 ** PAGE_DIR_BITS + pagingCount(itVRegion) * 2 ** PAGE_TABLE_BITS;
}

/** `rootserver_max_size_bits`: the alignment of the rootserver block. */
export function rootserverMaxSizeBits(extraBIBits: number): number {
  return Math.max(CNODE_BITS, PAGE_DIR_BITS, extraBIBits);
}

/**
 * `create_rootserver_objects`: objects are cut from `start` largest first, so each is
 * naturally aligned: the CNode (64 KiB), the PD (16 KiB), the ASID pool, IPC buffer and
 * bootinfo frames, the page tables (1 KiB each), the TCB (512 bytes). The extra bootinfo
 * block goes before the first object no larger than it.
 */
export function rootserverObjects(start: number, nPaging: number, extraBIBits: number): RootserverObjects {
  let next = start;
  let extraBI: number | null = null;
  const alloc = (bits: number, n = 1): number => {
    const at = next;
    next += n * 2 ** bits;
    return at;
  };
  const maybeExtraBI = (bits: number): void => {
    if (extraBIBits >= bits && extraBI === null && extraBIBits > 0) extraBI = alloc(extraBIBits);
  };
  maybeExtraBI(rootserverMaxSizeBits(extraBIBits));
  const cnode = alloc(CNODE_BITS);
  maybeExtraBI(PAGE_DIR_BITS);
  const vspace = alloc(PAGE_DIR_BITS);
  maybeExtraBI(PAGE_BITS);
  const asidPool = alloc(ASID_POOL_BITS);
  const ipcBuf = alloc(PAGE_BITS);
  const bootInfo = alloc(BOOT_INFO_FRAME_BITS);
  const pagingStart = alloc(PAGE_TABLE_BITS, nPaging);
  const paging = Array.from({ length: nPaging }, (_, i) => pagingStart + i * 2 ** PAGE_TABLE_BITS);
  const tcb = alloc(TCB_BITS);
  return { cnode, vspace, extraBI, asidPool, ipcBuf, bootInfo, paging, tcb };
}

/** Where the rootserver block went and what stayed free. */
export interface RootserverPlacement {
  /** Start of the rootserver block. */
  readonly start: number;
  /** The free regions left, in order (`ndks_boot.freemem`). */
  readonly freeMemory: Region[];
}

/**
 * The end of `init_freemem`: the rootserver block is the top-most suitably aligned block
 * of the highest free region that holds it; what is left below and above it stays free.
 */
export function placeRootserver(free: readonly Region[], size: number, alignBits: number): RootserverPlacement {
  for (let i = free.length - 1; i >= 0; i--) {
    const r = free[i]!;
    if (r.end < size) continue;
    const start = Math.floor((r.end - size) / 2 ** alignBits) * 2 ** alignBits;
    if (start < r.start) continue;
    const split = [{ start: r.start, end: start }, { start: start + size, end: r.end }];
    return { start, freeMemory: [...free.slice(0, i), ...split, ...free.slice(i + 1)].filter((x) => !isEmptyRegion(x)) };
  }
  throw new KernelPanic('boot: no free memory region is big enough for the root server objects');
}

/**
 * `create_untypeds_for_region`: cut a region into untypeds, each the largest naturally
 * aligned power of two (at most 2^29) that fits at the current start; pieces smaller than
 * 16 bytes are skipped.
 */
export function untypedsOfRegion(region: Region, isDevice: boolean): UntypedDesc[] {
  const out: UntypedDesc[] = [];
  let start = region.start;
  while (start < region.end) {
    let sizeBits = Math.min(floorLog2(region.end - start), MAX_UNTYPED_BITS);
    if (start !== 0) sizeBits = Math.min(sizeBits, lowestSetBit(start));
    if (sizeBits >= MIN_UNTYPED_BITS) out.push({ paddr: start, sizeBits, isDevice });
    start += 2 ** sizeBits;
  }
  return out;
}

// The index of the highest set bit of a length up to 2^32.
function floorLog2(n: number): number {
  return n >= 2 ** 32 ? 32 : 31 - Math.clz32(n);
}

// `ctzl`: index of the lowest set bit of a non-zero address (exact for any integer < 2^53).
function lowestSetBit(x: number): number {
  let bits = 0;
  while (x % 2 ** (bits + 1) === 0) bits++;
  return bits;
}

/** The root task's virtual layout: image, then IPC buffer, bootinfo and extra bootinfo pages. */
function virtualLayout(params: BootParams, extraBIBits: number): Pick<BootLayout, 'itVRegion' | 'vIPCBuffer' | 'vBootInfo' | 'vExtraBI'> {
  const vIPCBuffer = params.userImage.vaddr + params.userImage.size;
  const vBootInfo = vIPCBuffer + 2 ** PAGE_BITS;
  const vExtraBI = vBootInfo + 2 ** BOOT_INFO_FRAME_BITS;
  const end = vExtraBI + (extraBIBits > 0 ? 2 ** extraBIBits : 0);
  if (end >= USER_TOP) throw new KernelPanic('boot: the root task image reaches the kernel window');
  return { itVRegion: { start: params.userImage.vaddr, end }, vIPCBuffer, vBootInfo, vExtraBI };
}

/** The page-aligned frames of the kernel devices the kernel keeps (`map_kernel_devices`). */
function kernelDeviceRegions(params: BootParams): Region[] {
  return params.board.kernelDevices.map((d) => ({ start: d.base, end: d.base + 2 ** PAGE_BITS }));
}

/**
 * The whole boot layout for `params`: free memory (`init_freemem`), the rootserver block and
 * its objects, the root task's virtual region, and the untypeds in slot order: device
 * untypeds for the gaps between reserved regions, then the reclaimed `.boot` part of the
 * kernel image, then the free RAM regions (`create_untypeds`).
 */
export function bootLayout(params: BootParams): BootLayout {
  const extraBISize = params.dtb === null ? 0 : BOOTINFO_HEADER_BYTES + params.dtb.bytes.length;
  const extraBIBits = extraBISizeBits(extraBISize);
  const virt = virtualLayout(params, extraBIBits);
  const available = availableMemory(params);
  const bootReserved = bootReservedRegions(params);
  const free = subtractRegions(available, bootReserved);
  const size = rootserverSize(virt.itVRegion, extraBIBits);
  const placed = placeRootserver(free, size, rootserverMaxSizeBits(extraBIBits));
  const reserved = mergeRegions([...kernelDeviceRegions(params), ...bootReserved, ...free]);
  const kernelBoot = { start: params.kernelImage.start, end: params.kernelImage.bootEnd };
  const untypeds = [
    ...deviceRegions(reserved).flatMap((r) => untypedsOfRegion(r, true)),
    ...untypedsOfRegion(kernelBoot, false),
    ...placed.freeMemory.flatMap((r) => untypedsOfRegion(r, false)),
  ];
  return {
    available,
    reserved,
    rootserverRegion: { start: placed.start, end: placed.start + size },
    rootserver: rootserverObjects(placed.start, pagingCount(virt.itVRegion), extraBIBits),
    freeMemory: placed.freeMemory,
    ...virt,
    extraBISize,
    extraBIBits,
    untypeds,
  };
}
