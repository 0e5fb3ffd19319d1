/**
 * Zeroing physical memory (l4v `MachineOps.thy` `clearMemory` and `freeMemory`). The
 * spec's memory keeps non-zero 4 KiB frames only, copy-on-write, so clearing drops whole
 * frames and copies a partly cleared one once.
 *
 * @module
 */
import type { Map as PMap } from 'immutable';
import type { KernelState } from '../../state/kernel-state.js';

const FRAME_BITS = 12;
const FRAME_SIZE = 2 ** FRAME_BITS;

/** `memory` with the bytes `[base, base + bytes)` set to zero. */
export function zeroMemory(memory: PMap<number, Uint8Array>, base: number, bytes: number): PMap<number, Uint8Array> {
  if (bytes <= 0) return memory;
  const end = base + bytes;
  const first = Math.floor(base / FRAME_SIZE);
  const last = Math.floor((end - 1) / FRAME_SIZE);
  if (last - first + 1 > memory.size) {
    // Fewer stored frames than frames in the range: visit the stored ones.
    return memory.withMutations((m) => {
      for (const n of memory.keys()) if (n >= first && n <= last) clearFrame(m, n, base, end);
    });
  }
  return memory.withMutations((m) => {
    for (let n = first; n <= last; n++) clearFrame(m, n, base, end);
  });
}

// Clears the part of frame `n` that lies in [base, end), in the mutable map `m`.
function clearFrame(m: PMap<number, Uint8Array>, n: number, base: number, end: number): void {
  const frame = m.get(n);
  if (frame === undefined) return;
  const lo = Math.max(base, n * FRAME_SIZE) - n * FRAME_SIZE;
  const hi = Math.min(end, (n + 1) * FRAME_SIZE) - n * FRAME_SIZE;
  if (lo === 0 && hi === FRAME_SIZE) {
    m.delete(n);
    return;
  }
  const copy = frame.slice();
  copy.fill(0, lo, hi);
  if (copy.every((b) => b === 0)) m.delete(n);
  else m.set(n, copy);
}

/** Zeroes `bytes` bytes of physical memory from `base`. @see l4v clearMemory */
export function clearMemory(s: KernelState, base: number, bytes: number): KernelState {
  const memory = zeroMemory(s.machine.memory, base, bytes);
  return memory === s.machine.memory ? s : { ...s, machine: { ...s.machine, memory } };
}
