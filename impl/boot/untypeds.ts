/**
 * The untyped caps boot hands out (seL4 `src/kernel/boot.c`: `provide_untyped_cap`,
 * `create_untypeds_for_region`, `create_untypeds`).
 *
 * @module
 */
import { MAX_NUM_BOOTINFO_UNTYPED_CAPS, MAX_UNTYPED_BITS, MIN_UNTYPED_BITS } from '../../abi/config.js';
import { BOOTINFO_OFFSET, PADDR_USER_DEVICE_TOP, type KernelImage } from '../../abi/bootinfo.js';
import type { Kernel } from '../kernel/kernel.js';
import { KernelPanic } from '../kernel/panic.js';
import { untypedCapNew } from '../object/cap.js';
import { maxFreeIndex } from '../object/cte.js';
import { biSetSlotRegion, biSetUntypedDesc } from './bootinfo.js';
import { MAX_NUM_FREEMEM_REG, type NdksBoot } from './freemem.js';
import { provideCap } from './slots.js';

// `ctzl` of a non-zero address below 2^32.
function ctz(x: number): number {
  return 31 - Math.clz32((x & -x) >>> 0);
}

/**
 * `provide_untyped_cap`: records the untyped in the bootinfo and provides its cap, with the
 * free index at the maximum; past the 230th untyped, silently provides nothing.
 */
function provideUntypedCap(k: Kernel, nb: NdksBoot, cnode: number, isDevice: boolean, ptr: number, sizeBits: number, firstUntypedSlot: number): void {
  if (sizeBits > MAX_UNTYPED_BITS || sizeBits < MIN_UNTYPED_BITS) throw new KernelPanic('provide_untyped_cap: bad size');
  // sizeBits ≤ MAX_UNTYPED_BITS < 31, so the mask is a small integer.
  if ((ptr & ((1 << sizeBits) - 1)) !== 0) throw new KernelPanic('provide_untyped_cap: unaligned untyped');
  const i = nb.slotPosCur - firstUntypedSlot;
  if (i < MAX_NUM_BOOTINFO_UNTYPED_CAPS) {
    biSetUntypedDesc(k, nb, i, ptr, sizeBits, isDevice);
    const cap = untypedCapNew(k.capRet, maxFreeIndex(sizeBits), isDevice ? 1 : 0, sizeBits, ptr);
    provideCap(k, nb, cnode, cap.w0, cap.w1);
  }
}

/**
 * `create_untypeds_for_region`: the largest naturally aligned block (at most 2^29) at the
 * start of what is left, again and again; blocks under 16 bytes are skipped.
 */
function createUntypedsForRegion(k: Kernel, nb: NdksBoot, cnode: number, isDevice: boolean, start: number, end: number, firstUntypedSlot: number): void {
  while (start !== end) {
    const length = end - start;
    let sizeBits = length >= 0x100000000 ? 32 : 31 - Math.clz32(length);
    if (sizeBits > MAX_UNTYPED_BITS) sizeBits = MAX_UNTYPED_BITS;
    if (start !== 0) {
      const alignBits = ctz(start);
      if (sizeBits > alignBits) sizeBits = alignBits;
    }
    if (sizeBits >= MIN_UNTYPED_BITS) provideUntypedCap(k, nb, cnode, isDevice, start, sizeBits, firstUntypedSlot);
    start += 1 << sizeBits; // sizeBits ≤ MAX_UNTYPED_BITS < 31
  }
}

/**
 * `create_untypeds`: device untypeds for every gap between reserved regions up to
 * `CONFIG_PADDR_USER_DEVICE_TOP`, then the `.boot` part of the kernel image, then the free
 * memory regions; the bootinfo's `untyped` region names their slots.
 */
export function createUntypeds(k: Kernel, nb: NdksBoot, cnode: number, image: KernelImage): void {
  const firstUntypedSlot = nb.slotPosCur;
  let start = 0;
  for (let i = 0; i < nb.resvCount; i++) {
    if (start < nb.resvStart[i]!) createUntypedsForRegion(k, nb, cnode, true, start, nb.resvStart[i]!, firstUntypedSlot);
    start = nb.resvEnd[i]!;
  }
  if (start <= PADDR_USER_DEVICE_TOP - 1) createUntypedsForRegion(k, nb, cnode, true, start, PADDR_USER_DEVICE_TOP, firstUntypedSlot);
  createUntypedsForRegion(k, nb, cnode, false, image.start, image.bootEnd, firstUntypedSlot);
  for (let i = 0; i < MAX_NUM_FREEMEM_REG; i++) {
    const s = nb.freeStart[i]!;
    const e = nb.freeEnd[i]!;
    nb.freeStart[i] = 0;
    nb.freeEnd[i] = 0;
    createUntypedsForRegion(k, nb, cnode, false, s, e, firstUntypedSlot);
  }
  biSetSlotRegion(k, nb, BOOTINFO_OFFSET.untyped, firstUntypedSlot, nb.slotPosCur);
}
