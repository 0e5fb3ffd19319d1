/**
 * Words of user memory as the kernel reads and writes them (l4v `loadWord`/`storeWord`
 * machine operations). Memory is kept per 4 KiB frame, copy-on-write; an absent frame
 * reads as zero and a frame that becomes all zero is dropped, so equal memories are equal
 * values.
 *
 * @module
 */
import type { KernelState, MachineState } from '../state/kernel-state.js';
import { KernelPanic } from './panic.js';

const FRAME_BITS = 12;
const FRAME_SIZE = 1 << FRAME_BITS;

function frameOf(paddr: number): number {
  return Math.floor(paddr / FRAME_SIZE);
}

function checkAligned(paddr: number): void {
  if (paddr % 4 !== 0 || paddr < 0 || paddr > 0xfffffffc) {
    throw new KernelPanic(`unaligned word access at 0x${paddr.toString(16)}`);
  }
}

/** The little-endian word at physical address `paddr`. @see l4v loadWord */
export function loadWord(m: MachineState, paddr: number): number {
  checkAligned(paddr);
  const frame = m.memory.get(frameOf(paddr));
  if (frame === undefined) return 0;
  const o = paddr % FRAME_SIZE;
  return ((frame[o] ?? 0) | ((frame[o + 1] ?? 0) << 8) | ((frame[o + 2] ?? 0) << 16) | ((frame[o + 3] ?? 0) << 24)) >>> 0;
}

/** Stores a little-endian word at physical address `paddr`. @see l4v storeWord */
export function storeWord(s: KernelState, paddr: number, value: number): KernelState {
  return storeWords(s, paddr, [value]);
}

/** Stores consecutive little-endian words from `paddr` on, copying each touched frame once. */
export function storeWords(s: KernelState, paddr: number, values: readonly number[]): KernelState {
  checkAligned(paddr);
  let memory = s.machine.memory;
  let i = 0;
  while (i < values.length) {
    const n = frameOf(paddr + 4 * i);
    const old = memory.get(n);
    const frame = old === undefined ? new Uint8Array(FRAME_SIZE) : old.slice();
    let nonZero = false;
    for (; i < values.length && frameOf(paddr + 4 * i) === n; i++) {
      const o = (paddr + 4 * i) % FRAME_SIZE;
      const v = (values[i] ?? 0) >>> 0;
      nonZero ||= v !== 0;
      frame[o] = v & 0xff;
      frame[o + 1] = (v >>> 8) & 0xff;
      frame[o + 2] = (v >>> 16) & 0xff;
      frame[o + 3] = (v >>> 24) & 0xff;
    }
    memory = !nonZero && frame.every((b) => b === 0) ? memory.delete(n) : memory.set(n, frame);
  }
  return memory === s.machine.memory ? s : { ...s, machine: { ...s.machine, memory } };
}
