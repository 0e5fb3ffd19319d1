/**
 * The ARM (aarch32, no HYP, no SMMU) cap bitfields (seL4
 * `include/arch/arm/arch/32/mode/object/structures.bf` and `.../structures.h`): frames,
 * page tables, page directories and ASID pools, with the generic frame helpers of C.
 *
 * @module
 */
import { CAP_ASID_POOL, CAP_FRAME, CAP_PAGE_DIRECTORY, CAP_PAGE_TABLE, CAP_SMALL_FRAME, setCapWords, type CapWords } from './cap.js';

/** `ARMSmallPage` (4 KiB). */
export const ARM_SMALL_PAGE = 0;
/** `ARMLargePage` (64 KiB). */
export const ARM_LARGE_PAGE = 1;
/** `ARMSection` (1 MiB). */
export const ARM_SECTION = 2;
/** `ARMSuperSection` (16 MiB). */
export const ARM_SUPER_SECTION = 3;

/** `VMNoAccess`. */
export const VM_NO_ACCESS = 0;
/** `VMKernelOnly`. */
export const VM_KERNEL_ONLY = 1;
/** `VMReadOnly`. */
export const VM_READ_ONLY = 2;
/** `VMReadWrite`. */
export const VM_READ_WRITE = 3;

/** `asidLowBits` (`seL4_ASIDPoolIndexBits`). */
export const ASID_LOW_BITS = 10;
/** `asidHighBits` (`seL4_NumASIDPoolsBits`). */
export const ASID_HIGH_BITS = 7;
/** `asidInvalid`: ASID 0 means "not mapped". */
export const ASID_INVALID = 0;

const PAGE_BITS_FOR_SIZE = [12, 16, 20, 24] as const;

/** `pageBitsForSize`: log2 bytes of a frame of size `sz` (0..3). */
export function pageBitsForSize(sz: number): number {
  return PAGE_BITS_FOR_SIZE[sz & 3] ?? 12;
}

// ---- small_frame_cap: w1 = asidLow[31:22] rights[21:20] vaddr>>12 [19:0];
//      w0 = isDevice[31] asidHigh[30:24] paddr>>12 [23:4] ----

/** `cap_small_frame_cap_new(asidLow, vmRights, mappedAddress, isDevice, asidHigh, basePtr)`. */
export function smallFrameCapNew(out: CapWords, asidLow: number, vmRights: number, mappedAddress: number,
  isDevice: number, asidHigh: number, basePtr: number): CapWords {
  return setCapWords(out,
    ((isDevice & 1) << 31) | ((asidHigh & 0x7f) << 24) | (((basePtr >>> 12) & 0xfffff) << 4) | CAP_SMALL_FRAME,
    ((asidLow & 0x3ff) << 22) | ((vmRights & 3) << 20) | ((mappedAddress >>> 12) & 0xfffff));
}

// ---- frame_cap: w1 = size[31:30] asidLow[29:20] rights[19:18] vaddr>>14 [17:0];
//      w0 = isDevice[29] asidHigh[28:22] paddr>>14 [21:4] ----

/** `cap_frame_cap_new(size, asidLow, vmRights, mappedAddress, isDevice, asidHigh, basePtr)`. */
export function frameCapNew(out: CapWords, size: number, asidLow: number, vmRights: number, mappedAddress: number,
  isDevice: number, asidHigh: number, basePtr: number): CapWords {
  return setCapWords(out,
    ((isDevice & 1) << 29) | ((asidHigh & 0x7f) << 22) | (((basePtr >>> 14) & 0x3ffff) << 4) | CAP_FRAME,
    ((size & 3) << 30) | ((asidLow & 0x3ff) << 20) | ((vmRights & 3) << 18) | ((mappedAddress >>> 14) & 0x3ffff));
}

/** Builds a frame cap of size `sz` (small or large tag as C does), mapped at `asid`/`vaddr` (asid 0 = unmapped). */
export function genericFrameCapNew(out: CapWords, sz: number, basePtr: number, vmRights: number, isDevice: number,
  asid: number, vaddr: number): CapWords {
  const lo = asid & 0x3ff;
  const hi = asid >>> ASID_LOW_BITS;
  return sz === ARM_SMALL_PAGE
    ? smallFrameCapNew(out, lo, vmRights, vaddr, isDevice, hi, basePtr)
    : frameCapNew(out, sz, lo, vmRights, vaddr, isDevice, hi, basePtr);
}

function isSmall(w0: number): boolean {
  return (w0 & 0xf) === CAP_SMALL_FRAME;
}

/** `generic_frame_cap_get_capFBasePtr`. */
export function genericFrameCapGetCapFBasePtr(w0: number): number {
  return isSmall(w0) ? (((w0 >>> 4) & 0xfffff) << 12) >>> 0 : (((w0 >>> 4) & 0x3ffff) << 14) >>> 0;
}
/** `generic_frame_cap_get_capFSize`. */
export function genericFrameCapGetCapFSize(w0: number, w1: number): number {
  return isSmall(w0) ? ARM_SMALL_PAGE : w1 >>> 30;
}
/** `generic_frame_cap_get_capFIsDevice`. */
export function genericFrameCapGetCapFIsDevice(w0: number): number {
  return isSmall(w0) ? w0 >>> 31 : (w0 >>> 29) & 1;
}
/** `generic_frame_cap_get_capFVMRights`. */
export function genericFrameCapGetCapFVMRights(w0: number, w1: number): number {
  return isSmall(w0) ? (w1 >>> 20) & 3 : (w1 >>> 18) & 3;
}
/** Sets the VM rights of a frame cap; returns the new w1. */
export function genericFrameCapSetCapFVMRights(w0: number, w1: number, r: number): number {
  return isSmall(w0) ? ((w1 & ~0x300000) | ((r & 3) << 20)) >>> 0 : ((w1 & ~0xc0000) | ((r & 3) << 18)) >>> 0;
}
/** `generic_frame_cap_get_capFMappedASID`. */
export function genericFrameCapGetCapFMappedASID(w0: number, w1: number): number {
  return isSmall(w0)
    ? (((w0 >>> 24) & 0x7f) << ASID_LOW_BITS) + (w1 >>> 22)
    : (((w0 >>> 22) & 0x7f) << ASID_LOW_BITS) + ((w1 >>> 20) & 0x3ff);
}
/** `generic_frame_cap_get_capFMappedAddress`. */
export function genericFrameCapGetCapFMappedAddress(w0: number, w1: number): number {
  return isSmall(w0) ? ((w1 & 0xfffff) << 12) >>> 0 : ((w1 & 0x3ffff) << 14) >>> 0;
}
/**
 * `cap_*frame_cap_set_capFMappedASID(cap, asidInvalid)` as `Arch_deriveCap` uses it: clears the
 * mapped ASID and keeps the mapped address bits, as C does. Writes `out`.
 */
export function genericFrameCapClearMappedASID(out: CapWords, w0: number, w1: number): CapWords {
  return isSmall(w0)
    ? setCapWords(out, w0 & ~0x7f000000, w1 & ~0xffc00000)
    : setCapWords(out, w0 & ~0x1fc00000, w1 & ~0x3ff00000);
}

// ---- page_table_cap: w1 = isMapped[29] asid[28:12] vaddr>>20 [11:0]; w0 = ptr[31:10] ----

/** `cap_page_table_cap_new(isMapped, mappedASID, mappedAddress, basePtr)`. */
export function pageTableCapNew(out: CapWords, isMapped: number, asid: number, mappedAddress: number, basePtr: number): CapWords {
  return setCapWords(out, (basePtr & 0xfffffc00) | CAP_PAGE_TABLE,
    ((isMapped & 1) << 29) | ((asid & 0x1ffff) << 12) | ((mappedAddress >>> 20) & 0xfff));
}
/** `capPTBasePtr` (w0). */
export function pageTableCapGetCapPTBasePtr(w0: number): number {
  return (w0 & 0xfffffc00) >>> 0;
}
/** `capPTIsMapped` (w1). */
export function pageTableCapGetCapPTIsMapped(w1: number): number {
  return (w1 >>> 29) & 1;
}
/** `capPTMappedASID` (w1). */
export function pageTableCapGetCapPTMappedASID(w1: number): number {
  return (w1 >>> 12) & 0x1ffff;
}
/** `capPTMappedAddress` (w1). */
export function pageTableCapGetCapPTMappedAddress(w1: number): number {
  return ((w1 & 0xfff) << 20) >>> 0;
}

// ---- page_directory_cap: w1 = asid[16:0]; w0 = ptr[31:14] isMapped[4] ----

/** `cap_page_directory_cap_new(mappedASID, isMapped, basePtr)`. */
export function pageDirectoryCapNew(out: CapWords, asid: number, isMapped: number, basePtr: number): CapWords {
  return setCapWords(out, (basePtr & 0xffffc000) | ((isMapped & 1) << 4) | CAP_PAGE_DIRECTORY, asid & 0x1ffff);
}
/** `capPDBasePtr` (w0). */
export function pageDirectoryCapGetCapPDBasePtr(w0: number): number {
  return (w0 & 0xffffc000) >>> 0;
}
/** `capPDIsMapped` (w0). */
export function pageDirectoryCapGetCapPDIsMapped(w0: number): number {
  return (w0 >>> 4) & 1;
}
/** `capPDMappedASID` (w1). */
export function pageDirectoryCapGetCapPDMappedASID(w1: number): number {
  return w1 & 0x1ffff;
}

// ---- asid_pool_cap: w1 = asidBase[16:0]; w0 = pool[31:4] ----

/** `cap_asid_pool_cap_new(capASIDBase, capASIDPool)`. */
export function asidPoolCapNew(out: CapWords, asidBase: number, pool: number): CapWords {
  return setCapWords(out, (pool & 0xfffffff0) | CAP_ASID_POOL, asidBase & 0x1ffff);
}
/** `capASIDPool` (w0). */
export function asidPoolCapGetCapASIDPool(w0: number): number {
  return (w0 & 0xfffffff0) >>> 0;
}
/** `capASIDBase` (w1). */
export function asidPoolCapGetCapASIDBase(w1: number): number {
  return w1 & 0x1ffff;
}
