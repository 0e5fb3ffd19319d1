/**
 * The object-heap invariants (l4v `pspace_aligned`, `pspace_distinct`,
 * `pspace_in_kernel_window`; `Invariants_AI.thy`, `ARM/ArchInvariants_AI.thy`).
 *
 * @module
 */
import { isAligned } from '../../hardware/word.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { indexOf, showObject } from './state-index.js';
import { violation, type Invariant, type InvariantContext, type Violation } from './types.js';

/** `pspace_aligned`: every object sits at an address aligned to its own size. */
export const pspaceAligned: Invariant = {
  name: 'pspace_aligned',
  family: 'pspace',
  summary: 'every object is aligned to its size',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    for (const o of indexOf(s).objects) {
      if (!isAligned(o.addr, o.bits) || o.bits >= 32) {
        out.push(violation('pspace_aligned', showObject(o.addr), `${o.obj.kind} of 2^${o.bits} bytes is not aligned to its size`));
      }
    }
    return out;
  },
};

/** `pspace_distinct`: no two objects share a byte. */
export const pspaceDistinct: Invariant = {
  name: 'pspace_distinct',
  family: 'pspace',
  summary: 'no two objects overlap',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    const objects = indexOf(s).objects;
    // Sorted by address: an overlap shows up between some object and the furthest-reaching
    // object before it.
    let reach = -1;
    let reacher = -1;
    for (const o of objects) {
      if (o.addr <= reach) {
        out.push(violation('pspace_distinct', showObject(o.addr), `${o.obj.kind} overlaps the object at 0x${reacher.toString(16)}`));
      }
      const end = o.addr + 2 ** o.bits - 1;
      if (end > reach) {
        reach = end;
        reacher = o.addr;
      }
    }
    return out;
  },
};

/**
 * `pspace_in_kernel_window`: every kernel object lies in the RAM the kernel maps. Device
 * frames are the exception: they are memory of devices, outside RAM by definition.
 */
export const pspaceInKernelWindow: Invariant = {
  name: 'pspace_in_kernel_window',
  family: 'pspace',
  summary: 'every object other than a device frame lies in the kernel window (RAM)',
  check(s: KernelState, ctx: InvariantContext): Violation[] {
    const out: Violation[] = [];
    const top = ctx.ramBase + ctx.ramSize;
    for (const o of indexOf(s).objects) {
      if (o.obj.kind === 'DataPage' && o.obj.isDevice) continue;
      if (o.addr < ctx.ramBase || o.addr + 2 ** o.bits > top) {
        out.push(violation('pspace_in_kernel_window', showObject(o.addr), `${o.obj.kind} lies outside the kernel window`));
      }
    }
    return out;
  },
};
