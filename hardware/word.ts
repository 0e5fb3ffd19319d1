/**
 * Machine words of the modelled 32-bit ARMv7-A machine.
 *
 * A word is held in a JS number as an unsigned 32-bit integer (`x >>> 0`). These helpers
 * are shared by spec/ and impl/ so that both read and build words the same way.
 *
 * @module
 */

/** A 32-bit unsigned machine word held in a JS number. */
export type Word = number;

/** Bits in a machine word (`wordBits` in l4v). */
export const WORD_BITS = 32;

/** Bytes in a machine word. */
export const WORD_BYTES = 4;

/** Truncates any number to an unsigned 32-bit word. */
export function word(x: number): Word {
  return x >>> 0;
}

/** A mask of the low `bits` bits (`mask bits` in l4v); `bits` may be 0..32. */
export function mask(bits: number): Word {
  return bits >= 32 ? 0xffffffff : ((1 << bits) >>> 0) - 1;
}

/** Bits `lo..hi` (inclusive) of `w`, shifted down to bit 0. */
export function bitsOf(w: Word, hi: number, lo: number): Word {
  return ((w >>> lo) & mask(hi - lo + 1)) >>> 0;
}

/** `w` with bits `lo..hi` replaced by the low bits of `v`. */
export function withBits(w: Word, hi: number, lo: number, v: number): Word {
  const m = (mask(hi - lo + 1) << lo) >>> 0;
  return ((w & ~m) | ((v << lo) & m)) >>> 0;
}

/** Whether `x` is aligned to `2^bits` bytes (`is_aligned` in l4v). */
export function isAligned(x: number, bits: number): boolean {
  return (x & mask(bits)) === 0;
}

/** Rounds `x` up to a multiple of `2^bits` (`alignUp` in the Haskell spec); no 32-bit wrap. */
export function alignUp(x: number, bits: number): number {
  const size = 2 ** bits;
  return Math.ceil(x / size) * size;
}

/** Converts a signed syscall number (-1 .. -8) to the word the user writes into r7, and back. */
export function signed(w: Word): number {
  return w | 0;
}

/** Formats a word as `0x` followed by at least one hex digit. */
export function hex(w: number): string {
  return '0x' + (w >>> 0).toString(16);
}
