/**
 * Boot-time memory bookkeeping of the C kernel (seL4 `src/kernel/boot.c`: `ndks_boot`,
 * `reserve_region`, `merge_regions`, `insert_region`, `init_freemem`,
 * `calculate_rootserver_size`, `create_rootserver_objects`; `src/arch/arm/kernel/boot.c`
 * `arch_init_freemem`). Boot code: it runs once, so it keeps C's fixed arrays as plain
 * arrays. Regions are physical `[start, end)`; an end may be 2^32.
 *
 * @module
 */
import {
  ASID_POOL_BITS, PAGE_BITS, PAGE_DIR_BITS, PAGE_TABLE_BITS, ROOT_CNODE_SIZE_BITS, SLOT_BITS, TCB_BITS,
} from '../../abi/config.js';
import { BOOT_INFO_FRAME_BITS, PD_ASID_SLOT, PPTR_BASE, PPTR_TOP, type BootParams } from '../../abi/bootinfo.js';
import { kernelRamSize } from '../../hardware/board.js';
import type { PhysicalMemory } from '../../hardware/memory.js';
import { KernelPanic } from '../kernel/panic.js';

/** `MAX_NUM_FREEMEM_REG`: one RAM region + one mode-reserved region + 2. */
export const MAX_NUM_FREEMEM_REG = 4;
/** `MAX_NUM_RESV_REG`: free regions + kernel device frames + the boot code's reservations. */
export const MAX_NUM_RESV_REG = MAX_NUM_FREEMEM_REG + 16 + 4;

/** `ndks_boot_t`: the node-local boot state. */
export class NdksBoot {
  /** `reserved[i].start`. */
  readonly resvStart: number[] = [];
  /** `reserved[i].end`. */
  readonly resvEnd: number[] = [];
  /** `resv_count`. */
  resvCount = 0;
  /** `freemem[i].start` (empty when start = end). */
  readonly freeStart: number[] = new Array<number>(MAX_NUM_FREEMEM_REG).fill(0);
  /** `freemem[i].end`. */
  readonly freeEnd: number[] = new Array<number>(MAX_NUM_FREEMEM_REG).fill(0);
  /** `bi_frame`: physical address of the bootinfo frame. */
  biFrame = 0;
  /** `slot_pos_cur`: the next root-CNode slot `provide_cap` fills. */
  slotPosCur = 0;
}

/** `rootserver_mem_t`: where `create_rootserver_objects` put the root task's objects. */
export class Rootserver {
  /** `cnode`. */
  cnode = 0;
  /** `vspace`. */
  vspace = 0;
  /** `asid_pool`. */
  asidPool = 0;
  /** `ipc_buf`. */
  ipcBuf = 0;
  /** `boot_info`. */
  bootInfo = 0;
  /** `extra_bi` (0: none). */
  extraBI = 0;
  /** `tcb` (the TCB object's base). */
  tcb = 0;
  /** `paging.start`: next page table `it_alloc_paging` hands out. */
  pagingStart = 0;
  /** `paging.end`. */
  pagingEnd = 0;
  /** `rootserver_mem.start`: the next free byte of the block being cut up. */
  memStart = 0;
  /** `rootserver_mem.end`. */
  memEnd = 0;
}

// `merge_regions`: joins adjacent reserved regions.
function mergeRegions(nb: NdksBoot): void {
  for (let i = 1; i < nb.resvCount;) {
    if (nb.resvEnd[i - 1] === nb.resvStart[i]) {
      nb.resvEnd[i - 1] = nb.resvEnd[i]!;
      nb.resvStart.splice(i, 1);
      nb.resvEnd.splice(i, 1);
      nb.resvCount--;
    } else {
      i++;
    }
  }
}

/** `reserve_region`: adds a physical region to the ordered reserved list, merging neighbours. */
export function reserveRegion(nb: NdksBoot, start: number, end: number): void {
  if (start > end) throw new KernelPanic('reserve_region: start > end');
  if (start === end) return;
  let i = 0;
  for (; i < nb.resvCount; i++) {
    if (nb.resvStart[i] === end) {
      nb.resvStart[i] = start;
      mergeRegions(nb);
      return;
    }
    if (nb.resvEnd[i] === start) {
      nb.resvEnd[i] = end;
      mergeRegions(nb);
      return;
    }
    if (nb.resvStart[i]! > end) {
      if (nb.resvCount + 1 >= MAX_NUM_RESV_REG) throw new KernelPanic('reserve_region: MAX_NUM_RESV_REG too small');
      nb.resvStart.splice(i, 0, start);
      nb.resvEnd.splice(i, 0, end);
      nb.resvCount++;
      return;
    }
  }
  if (i + 1 === MAX_NUM_RESV_REG) throw new KernelPanic('reserve_region: MAX_NUM_RESV_REG too small');
  nb.resvStart.push(start);
  nb.resvEnd.push(end);
  nb.resvCount++;
}

// `insert_region`: records a free region in the first empty `freemem` entry and reserves it.
function insertRegion(nb: NdksBoot, start: number, end: number): void {
  if (start === end) return;
  for (let i = 0; i < MAX_NUM_FREEMEM_REG; i++) {
    if (nb.freeStart[i] === nb.freeEnd[i]) {
      reserveRegion(nb, start, end);
      nb.freeStart[i] = start;
      nb.freeEnd[i] = end;
      return;
    }
  }
  throw new KernelPanic('insert_region: no free memory slot left');
}

/** `calculate_extra_bi_size_bits`. */
export function calculateExtraBISizeBits(extraSize: number): number {
  if (extraSize === 0) return 0;
  const rounded = Math.ceil(extraSize / 2 ** PAGE_BITS) * 2 ** PAGE_BITS;
  let msb = 31 - Math.clz32(rounded);
  if (extraSize > 2 ** msb) msb++;
  return msb;
}

/** `get_n_paging(it_v_reg, PT_INDEX_BITS + PAGE_BITS)` (`arch_get_n_paging`). */
export function archGetNPaging(vStart: number, vEnd: number): number {
  const bits = 20;
  const start = Math.floor(vStart / (1 << bits)) * (1 << bits);
  const end = Math.ceil(vEnd / (1 << bits)) * (1 << bits);
  return (end - start) / (1 << bits);
}

const CNODE_SIZE_BITS = ROOT_CNODE_SIZE_BITS + SLOT_BITS;

// `rootserver_max_size_bits`.
function rootserverMaxSizeBits(extraBIBits: number): number {
  return Math.max(CNODE_SIZE_BITS, PAGE_DIR_BITS, extraBIBits);
}

// `calculate_rootserver_size`.
function calculateRootserverSize(vStart: number, vEnd: number, extraBIBits: number): number {
  let size = 1 << CNODE_SIZE_BITS;
  size += 1 << TCB_BITS;
  size += 1 << PAGE_BITS;
  size += 1 << BOOT_INFO_FRAME_BITS;
  size += 1 << ASID_POOL_BITS;
  size += extraBIBits > 0 ? 2 ** extraBIBits : 0;
  size += 1 << PAGE_DIR_BITS;
  return size + archGetNPaging(vStart, vEnd) * (1 << PAGE_TABLE_BITS);
}

// `alloc_rootserver_obj`: the next n objects of 2^sizeBits bytes, zeroed.
function allocRootserverObj(mem: PhysicalMemory, rs: Rootserver, sizeBits: number, n: number): number {
  const allocated = rs.memStart;
  const size = 2 ** sizeBits;
  if (allocated % size !== 0) throw new KernelPanic('alloc_rootserver_obj: misaligned');
  rs.memStart += n * size;
  if (rs.memStart > rs.memEnd) throw new KernelPanic('alloc_rootserver_obj: out of memory');
  mem.zeroRange(allocated, n * size);
  return allocated;
}

// `maybe_alloc_extra_bi`.
function maybeAllocExtraBI(mem: PhysicalMemory, rs: Rootserver, cmpSizeBits: number, extraBIBits: number): void {
  if (extraBIBits >= cmpSizeBits && rs.extraBI === 0) rs.extraBI = allocRootserverObj(mem, rs, extraBIBits, 1);
}

/**
 * `create_rootserver_objects`: cuts the root task's objects from `start`, largest first so
 * each is naturally aligned (the TCB, smaller than a page table on aarch32, comes last).
 */
export function createRootserverObjects(
  mem: PhysicalMemory, rs: Rootserver, start: number, vStart: number, vEnd: number, extraBIBits: number,
): void {
  const max = rootserverMaxSizeBits(extraBIBits);
  rs.memStart = start;
  rs.memEnd = start + calculateRootserverSize(vStart, vEnd, extraBIBits);
  maybeAllocExtraBI(mem, rs, max, extraBIBits);
  rs.cnode = allocRootserverObj(mem, rs, CNODE_SIZE_BITS, 1);
  maybeAllocExtraBI(mem, rs, PAGE_DIR_BITS, extraBIBits);
  rs.vspace = allocRootserverObj(mem, rs, PAGE_DIR_BITS, 1);
  maybeAllocExtraBI(mem, rs, PAGE_BITS, extraBIBits);
  rs.asidPool = allocRootserverObj(mem, rs, ASID_POOL_BITS, 1);
  rs.ipcBuf = allocRootserverObj(mem, rs, PAGE_BITS, 1);
  rs.bootInfo = allocRootserverObj(mem, rs, BOOT_INFO_FRAME_BITS, 1);
  const n = archGetNPaging(vStart, vEnd);
  rs.pagingStart = allocRootserverObj(mem, rs, PAGE_TABLE_BITS, n);
  rs.pagingEnd = rs.pagingStart + n * (1 << PAGE_TABLE_BITS);
  rs.tcb = allocRootserverObj(mem, rs, TCB_BITS, 1);
  if (rs.memStart !== rs.memEnd) throw new KernelPanic('create_rootserver_objects: size mismatch');
}

/** `it_alloc_paging`: the next page table of the rootserver block. */
export function itAllocPaging(rs: Rootserver): number {
  const allocated = rs.pagingStart;
  rs.pagingStart += 1 << PAGE_TABLE_BITS;
  if (rs.pagingStart > rs.pagingEnd) throw new KernelPanic('it_alloc_paging: out of page tables');
  return allocated;
}

/**
 * `init_freemem`: free memory is the available RAM minus the reserved regions (both lists
 * ordered); everything is entered in the reserved list; then the rootserver block is cut
 * from the top of the highest free region that holds it, suitably aligned.
 */
export function initFreemem(
  mem: PhysicalMemory, nb: NdksBoot, rs: Rootserver,
  availStart: number, availEnd: number, resStart: readonly number[], resEnd: readonly number[],
  vStart: number, vEnd: number, extraBIBits: number,
): void {
  let aStart = availStart;
  const aEnd = availEnd;
  let a = 0;
  let r = 0;
  const nAvail = 1;
  const nRes = resStart.length;
  for (let i = 1; i < nRes; i++) {
    if (resStart[i]! < resEnd[i - 1]!) throw new KernelPanic('init_freemem: reserved regions out of order');
  }
  while (a < nAvail && r < nRes) {
    if (resStart[r] === resEnd[r]) {
      r++;
    } else if (aStart >= aEnd) {
      a++;
    } else if (resEnd[r]! <= aStart) {
      reserveRegion(nb, resStart[r]!, resEnd[r]!);
      r++;
    } else if (resStart[r]! >= aEnd) {
      insertRegion(nb, aStart, aEnd);
      a++;
    } else if (resStart[r]! <= aStart) {
      aStart = Math.min(aEnd, resEnd[r]!);
    } else {
      insertRegion(nb, aStart, resStart[r]!);
      if (aEnd > resEnd[r]!) aStart = resEnd[r]!;
      else a++;
    }
  }
  for (; r < nRes; r++) if (resStart[r]! < resEnd[r]!) reserveRegion(nb, resStart[r]!, resEnd[r]!);
  for (; a < nAvail; a++) if (aStart < aEnd) insertRegion(nb, aStart, aEnd);

  let i = MAX_NUM_FREEMEM_REG - 1;
  if (nb.freeStart[i] !== nb.freeEnd[i]) throw new KernelPanic('init_freemem: MAX_NUM_FREEMEM_REG too small');
  for (; i >= 0 && nb.freeStart[i] === nb.freeEnd[i]; i--);
  const size = calculateRootserverSize(vStart, vEnd, extraBIBits);
  const align = 2 ** rootserverMaxSizeBits(extraBIBits);
  for (; i >= 0; i--) {
    const empty = i + 1;
    const unalignedStart = nb.freeEnd[i]! - size;
    const start = Math.floor(unalignedStart / align) * align;
    if (unalignedStart >= 0 && start >= nb.freeStart[i]!) {
      createRootserverObjects(mem, rs, start, vStart, vEnd, extraBIBits);
      nb.freeStart[empty] = start + size;
      nb.freeEnd[empty] = nb.freeEnd[i]!;
      nb.freeEnd[i] = start;
      return;
    }
    nb.freeStart[empty] = nb.freeStart[i]!;
    nb.freeEnd[empty] = nb.freeEnd[i]!;
    nb.freeStart[i] = 0;
    nb.freeEnd[i] = 0;
  }
  throw new KernelPanic('init_freemem: no free memory region is big enough for the root server objects');
}

/** `PADDR_TOP`: the physical end of the kernel window. */
export function paddrTop(params: BootParams): number {
  return PPTR_TOP - PPTR_BASE + params.board.ramBase;
}

/**
 * `arch_init_freemem`: reserves the kernel image, the DTB, the user image and the
 * mode-reserved section (the MiB whose PD entry holds hardware ASIDs), in address order,
 * and runs `init_freemem` over the RAM of the device tree clipped to the kernel window.
 */
export function archInitFreemem(
  mem: PhysicalMemory, nb: NdksBoot, rs: Rootserver, params: BootParams,
  dtbStart: number, dtbEnd: number, vStart: number, vEnd: number, extraBIBits: number,
): void {
  const { kernelImage, userImage } = params;
  const resStart: number[] = [kernelImage.start];
  const resEnd: number[] = [kernelImage.end];
  if (dtbStart !== 0) {
    resStart.push(dtbStart);
    resEnd.push(dtbEnd);
  }
  const modeStart = PD_ASID_SLOT * (1 << 20) - PPTR_BASE + params.board.ramBase;
  const modeEnd = modeStart + (1 << 20);
  const uiStart = userImage.paddr;
  const uiEnd = userImage.paddr + userImage.size;
  if (uiEnd > modeStart) {
    resStart.push(modeStart, uiStart);
    resEnd.push(modeEnd, uiEnd);
  } else {
    resStart.push(uiStart, modeStart);
    resEnd.push(uiEnd, modeEnd);
  }
  // `init_avail_reg`: the device tree's RAM, clipped to the kernel window.
  const availStart = params.board.ramBase;
  const availEnd = Math.min(availStart + kernelRamSize(params.board), paddrTop(params));
  initFreemem(mem, nb, rs, availStart, availEnd, resStart, resEnd, vStart, vEnd, extraBIBits);
}
