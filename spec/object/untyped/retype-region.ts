/**
 * Creating and removing objects in a region of memory (l4v `Retype_A.thy` `retype_region`,
 * `detype`, `delete_objects`; `ARM/ArchRetype_A.thy` `init_arch_objects`;
 * `ARM/ArchVSpaceAcc_A.thy` `copy_global_mappings`; manual §2.4 "Kernel Memory
 * Allocation").
 *
 * @module
 */
import type { ObjectType } from '../../../abi/objecttype.js';
import type { KernelState } from '../../state/kernel-state.js';
import { clearMemory, zeroMemory } from './clear-memory.js';
import { defaultObject, isFrameType, objBitsAPI } from './default-object.js';
import { copyGlobalMappings } from '../../arch/arm/vspace-acc.js';
import { noteObjectsChanged } from '../../kernel/ref-index.js';

/** The state after `retype_region` and the addresses of the new objects. */
export interface RetypedRegion {
  /** The state with the new objects in the heap. */
  readonly state: KernelState;
  /** The new objects' addresses, in order. */
  readonly refs: readonly number[];
}

/**
 * The addresses of `count` objects of `type` packed from `ptr`, each of `2^objBitsAPI` bytes;
 * for every type but Untyped, a default object is placed at each (new TCBs in the current
 * domain). @see l4v retype_region
 */
export function retypeRegion(
  s: KernelState,
  ptr: number,
  count: number,
  userSize: number,
  type: ObjectType,
  isDevice: boolean,
): RetypedRegion {
  const size = 2 ** objBitsAPI(type, userSize);
  const refs = Array.from({ length: count }, (_, i) => ptr + i * size);
  if (type === 'Untyped') return { state: s, refs };
  const kheap = s.kheap.withMutations((kh) => {
    for (const p of refs) kh.set(p, defaultObject(type, isDevice, userSize, s.curDomain));
  });
  noteObjectsChanged(s.kheap, kheap, refs);
  return { state: { ...s, kheap }, refs };
}

export { copyGlobalMappings } from '../../arch/arm/vspace-acc.js';

/**
 * The architecture part of creating objects: new page directories get the global mappings.
 * New non-device frames start zeroed: l4v only cleans the cache here and relies on the
 * untyped's reset having zeroed the memory; sel4ts clears the frame too, which changes
 * nothing in a state that satisfies that invariant. @see l4v init_arch_objects
 */
export function initArchObjects(
  s: KernelState,
  type: ObjectType,
  isDevice: boolean,
  userSize: number,
  refs: readonly number[],
): KernelState {
  if (type === 'PageDirectory') return refs.reduce(copyGlobalMappings, s);
  if (isFrameType(type) && !isDevice) {
    const bytes = 2 ** objBitsAPI(type, userSize);
    return refs.reduce((acc, p) => clearMemory(acc, p, bytes), s);
  }
  return s;
}

/** The heap without the objects whose address lies in `[ptr, ptr + 2^bits)`. @see l4v detype */
export function detype(s: KernelState, ptr: number, bits: number): KernelState {
  const end = ptr + 2 ** bits;
  // Objects are at least 16 bytes and naturally aligned: probe every 16-byte address of a
  // small region, or scan the heap when it holds fewer objects than that.
  const probes = 2 ** bits / 16;
  const gone: number[] = [];
  const kheap = s.kheap.withMutations((kh) => {
    if (probes <= s.kheap.size) {
      for (let a = ptr; a < end; a += 16) if (kh.has(a)) gone.push(a);
    } else {
      for (const a of s.kheap.keys()) if (a >= ptr && a < end) gone.push(a);
    }
    for (const a of gone) kh.delete(a);
  });
  if (kheap === s.kheap) return s;
  noteObjectsChanged(s.kheap, kheap, gone);
  return { ...s, kheap };
}

/**
 * Removes every object in the region and zeroes its memory (the machine's `freeMemory`).
 * @see l4v delete_objects
 */
export function deleteObjects(s: KernelState, ptr: number, bits: number): KernelState {
  const s1 = detype(s, ptr, bits);
  const memory = zeroMemory(s1.machine.memory, ptr, 2 ** bits);
  return memory === s1.machine.memory ? s1 : { ...s1, machine: { ...s1.machine, memory } };
}
