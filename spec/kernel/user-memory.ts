/**
 * Words of user memory as the kernel reads and writes them (l4v `loadWord`/`storeWord`
 * machine operations). Memory is kept per 4 KiB frame, copy-on-write; an absent frame
 * reads as zero and a frame that becomes all zero is dropped, so equal memories are equal
 * values.
 *
 * @module
 */
import { frameCopy } from '../state/frame.js';
import { updateMachine, updateState, type KernelState, type MachineState } from '../state/kernel-state.js';
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

// Whether `frame` (absent: all zero) holds `values[from..to)` at the words from `paddr` on.
function holds(frame: Uint8Array | undefined, paddr: number, values: readonly number[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const o = (paddr + 4 * (i - from)) % FRAME_SIZE;
    const w = frame === undefined ? 0 : (frame[o]! | (frame[o + 1]! << 8) | (frame[o + 2]! << 16) | (frame[o + 3]! << 24)) >>> 0;
    if (w !== (values[i] ?? 0) >>> 0) return false;
  }
  return true;
}

// Whether a frame holds only zeros (read as words: a quarter of the steps of a byte scan).
function isZeroFrame(frame: Uint8Array): boolean {
  const words = new Uint32Array(frame.buffer, frame.byteOffset, FRAME_SIZE / 4);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
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
    // Rewriting the words a frame already holds changes nothing: no copy.
    const end = Math.min(values.length, i + (FRAME_SIZE - ((paddr + 4 * i) % FRAME_SIZE)) / 4);
    if (holds(old, paddr + 4 * i, values, i, end)) {
      i = end;
      continue;
    }
    const frame = frameCopy(old);
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
    if (nonZero) memory = memory.set(n, frame);
    else if (old !== undefined) memory = isZeroFrame(frame) ? memory.delete(n) : memory.set(n, frame);
  }
  return memory === s.machine.memory ? s : updateState(s, 'machine', updateMachine(s.machine, 'memory', memory));
}
