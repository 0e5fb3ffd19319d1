/**
 * The MMU operations the ARMv7 kernel issues on the CPU and TLB it runs on (seL4
 * `include/arch/arm/arch/32/mode/machine.h` `writeTTBR0Ptr`, `setCurrentPD`,
 * `invalidateLocalTLB*`; `include/arch/arm/arch/machine/tlb.h` `invalidateTranslation*`;
 * `include/arch/arm/armv/armv7-a/armv/context_switch.h` `setHardwareASID`).
 *
 * Barriers (DSB, ISB) and cache maintenance (clean/invalidate by VA, to PoU or PoC) have no
 * effect in the model: memory is always coherent, so the kernel's calls to them are left out
 * where they would stand, and say so.
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';

/** TTBR0's low bits as seL4 writes them: outer write-back cacheable walks (`0x18`). */
export const TTBR0_WALK_ATTRIBUTES = 0x18;

/** `writeTTBR0Ptr(addr)`: TTBR0 = the table base (top 19 bits) with seL4's walk attributes. */
export function writeTTBR0Ptr(k: Kernel, addr: number): void {
  k.cpu.setTtbr0(((addr & 0xffffe000) | TTBR0_WALK_ATTRIBUTES) >>> 0);
}

/** `setCurrentPD(addr)`: switches TTBR0 to the page directory at physical `addr`. */
export function setCurrentPD(k: Kernel, addr: number): void {
  writeTTBR0Ptr(k, addr);
}

/** `setHardwareASID(hw)`: CONTEXTIDR.ASID = `hw`. */
export function setHardwareASID(k: Kernel, hw: number): void {
  k.cpu.setAsid(hw);
}

/** `invalidateLocalTLB` (TLBIALL): every entry. */
export function invalidateLocalTLB(k: Kernel): void {
  k.tlb.invalidateAll();
}

/** `invalidateTranslationASID(hw)` (TLBIASID): the non-global entries tagged `hw`. */
export function invalidateTranslationASID(k: Kernel, hw: number): void {
  k.tlb.invalidateByAsid(hw);
}

/**
 * `invalidateTranslationSingle(mva | hw)` (TLBIMVA): the entries of hardware ASID `hw` (and
 * global ones) whose mapping holds the page at `mva`.
 */
export function invalidateTranslationSingle(k: Kernel, mva: number, hw: number): void {
  k.tlb.invalidateByAddress(hw, mva & 0xfffff000);
}
