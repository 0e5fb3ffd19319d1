/**
 * Storage for the user frames of the machine state's memory: each new 4 KiB frame is a view
 * into a slab shared with the next few frames allocated, because allocating one small
 * `ArrayBuffer` costs V8 about as much as allocating a slab of several (measured: about 3 µs
 * against 1 µs per frame), and every kernel entry that writes user memory copies a frame. A
 * frame is never written after it is stored in a state (copy-on-write), so sharing the
 * buffer is invisible.
 *
 * @module
 */
const FRAME_SIZE = 4096;
const FRAMES_PER_SLAB = 8;

let slab: ArrayBuffer | undefined;
let slabUsed = FRAMES_PER_SLAB;

/**
 * A new frame holding the bytes of `old` (all zero when `old` is undefined), for the writer
 * to fill before storing it.
 */
export function frameCopy(old: Uint8Array | undefined): Uint8Array {
  if (slabUsed === FRAMES_PER_SLAB) {
    slab = new ArrayBuffer(FRAME_SIZE * FRAMES_PER_SLAB);
    slabUsed = 0;
  }
  const frame = new Uint8Array(slab!, FRAME_SIZE * slabUsed++, FRAME_SIZE);
  if (old !== undefined) frame.set(old);
  return frame;
}
