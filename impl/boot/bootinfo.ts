/**
 * The bootinfo frame, written field by field into physical memory (seL4 `src/kernel/boot.c`
 * `populate_bi_frame`, `bi_finalise`; the layout is libsel4's `seL4_BootInfo`).
 *
 * @module
 */
import { ROOT_CNODE_SIZE_BITS } from '../../abi/config.js';
import {
  BOOT_INFO_FRAME_BITS, BOOTINFO_OFFSET, NUM_INITIAL_CAPS, UNTYPED_DESC_BYTES, UNTYPED_DESC_IS_DEVICE,
  UNTYPED_DESC_SIZE_BITS,
} from '../../abi/bootinfo.js';
import type { Kernel } from '../kernel/kernel.js';
import type { NdksBoot } from './freemem.js';

/** A `seL4_SlotRegion` field of the bootinfo (its byte offset). */
export type SlotRegionField =
  | typeof BOOTINFO_OFFSET.empty | typeof BOOTINFO_OFFSET.sharedFrames | typeof BOOTINFO_OFFSET.userImageFrames
  | typeof BOOTINFO_OFFSET.userImagePaging | typeof BOOTINFO_OFFSET.ioSpaceCaps
  | typeof BOOTINFO_OFFSET.extraBIPages | typeof BOOTINFO_OFFSET.untyped;

/**
 * `populate_bi_frame`: clears the bootinfo frame (and the extra bootinfo block), fills the
 * fixed fields, and starts the dynamic slots at `seL4_NumInitialCaps`.
 */
export function populateBIFrame(
  k: Kernel, nb: NdksBoot, biFrame: number, ipcBufVptr: number,
  extraBI: number, extraBISize: number, extraBIBits: number,
): void {
  const mem = k.mem;
  mem.zeroRange(biFrame, 1 << BOOT_INFO_FRAME_BITS);
  if (extraBISize !== 0) mem.zeroRange(extraBI, 2 ** extraBIBits);
  mem.write32(biFrame + BOOTINFO_OFFSET.nodeID, 0);
  mem.write32(biFrame + BOOTINFO_OFFSET.numNodes, 1);
  mem.write32(biFrame + BOOTINFO_OFFSET.numIOPTLevels, 0);
  mem.write32(biFrame + BOOTINFO_OFFSET.ipcBuffer, ipcBufVptr);
  mem.write32(biFrame + BOOTINFO_OFFSET.initThreadCNodeSizeBits, ROOT_CNODE_SIZE_BITS);
  mem.write32(biFrame + BOOTINFO_OFFSET.initThreadDomain, 0);
  mem.write32(biFrame + BOOTINFO_OFFSET.extraLen, extraBISize);
  nb.biFrame = biFrame;
  nb.slotPosCur = NUM_INITIAL_CAPS;
}

/** Sets a `seL4_SlotRegion` field `{start, end}` of the bootinfo. */
export function biSetSlotRegion(k: Kernel, nb: NdksBoot, field: SlotRegionField, start: number, end: number): void {
  k.mem.write32(nb.biFrame + field, start);
  k.mem.write32(nb.biFrame + field + 4, end);
}

// The second word of a `seL4_UntypedDesc` holds sizeBits, isDevice and the two padding bytes.
const DESC_WORD1 = 4;

/** Sets `untypedList[i]` (`seL4_UntypedDesc`: paddr, sizeBits, isDevice, zero padding). */
export function biSetUntypedDesc(k: Kernel, nb: NdksBoot, i: number, paddr: number, sizeBits: number, isDevice: boolean): void {
  const at = nb.biFrame + BOOTINFO_OFFSET.untypedList + i * UNTYPED_DESC_BYTES;
  k.mem.write32(at, paddr);
  // Little-endian: byte 4 is sizeBits, byte 5 isDevice, bytes 6 and 7 the zero padding.
  k.mem.write32(at + DESC_WORD1,
    ((sizeBits & 0xff) << ((UNTYPED_DESC_SIZE_BITS - DESC_WORD1) * 8)) |
    ((isDevice ? 1 : 0) << ((UNTYPED_DESC_IS_DEVICE - DESC_WORD1) * 8)));
}

/** `bi_finalise`: every slot from the current position to the end of the root CNode is empty. */
export function biFinalise(k: Kernel, nb: NdksBoot): void {
  biSetSlotRegion(k, nb, BOOTINFO_OFFSET.empty, nb.slotPosCur, 1 << ROOT_CNODE_SIZE_BITS);
}
