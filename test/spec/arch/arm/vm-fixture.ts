// The spec fixture plus virtual-memory objects: an unmapped page table, frames of all four
// sizes (with caps), a second small frame cap to the same frame, and an unassigned page
// directory. Helpers run an invocation and check its outcome and reply.
import { Map as PMap } from 'immutable';
import { expect } from 'vitest';
import type { Cap, VMPageSize } from '../../../../spec/state/cap.js';
import type { KernelState } from '../../../../spec/state/kernel-state.js';
import type { KernelObject } from '../../../../spec/state/object.js';
import { setCap } from '../../../../spec/kernel/cspace-access.js';
import { A, invoke, makeState, reply, rootSlot, type Message } from '../../fixture.js';

export { A, invoke, reply, rootSlot, SLOT } from '../../fixture.js';

/** Addresses of the VM fixture's extra objects. */
export const V = {
  pt: 0x10040000,
  pt2: 0x10040400,
  pd2: 0x10044000,
  small: 0x10050000,
  large: 0x10060000,
  section: 0x10200000,
  superSection: 0x11000000,
} as const;

/** Root CNode slots of the VM fixture's caps. */
export const VS = {
  pt: 40,
  pt2: 41,
  small: 42,
  large: 43,
  section: 44,
  superSection: 45,
  pd2: 46,
  smallCopy: 47,
  free: 60,
} as const;

const frame = (ptr: number, size: VMPageSize): Cap => ({ kind: 'FrameCap', isDevice: false, ptr, rights: 'VMReadWrite', size, mapping: null });

/** The fixture's state with the VM objects and caps. */
export function makeVMState(): KernelState {
  const s = makeState();
  const objects: [number, KernelObject][] = [
    [V.pt, { kind: 'PageTable', entries: PMap() }],
    [V.pt2, { kind: 'PageTable', entries: PMap() }],
    [V.pd2, { kind: 'PageDirectory', entries: PMap() }],
    [V.small, { kind: 'DataPage', isDevice: false, size: 'ARMSmallPage' }],
    [V.large, { kind: 'DataPage', isDevice: false, size: 'ARMLargePage' }],
    [V.section, { kind: 'DataPage', isDevice: false, size: 'ARMSection' }],
    [V.superSection, { kind: 'DataPage', isDevice: false, size: 'ARMSuperSection' }],
  ];
  const s1: KernelState = { ...s, kheap: s.kheap.withMutations((k) => { for (const [p, o] of objects) k.set(p, o); }) };
  const caps: [number, Cap][] = [
    [VS.pt, { kind: 'PageTableCap', ptr: V.pt, mapping: null }],
    [VS.pt2, { kind: 'PageTableCap', ptr: V.pt2, mapping: null }],
    [VS.small, frame(V.small, 'ARMSmallPage')],
    [VS.large, frame(V.large, 'ARMLargePage')],
    [VS.section, frame(V.section, 'ARMSection')],
    [VS.superSection, frame(V.superSection, 'ARMSuperSection')],
    [VS.pd2, { kind: 'PageDirectoryCap', ptr: V.pd2, asid: null }],
    [VS.smallCopy, frame(V.small, 'ARMSmallPage')],
  ];
  return caps.reduce((acc, [i, c]) => setCap(acc, rootSlot(i), c), s1);
}

/** Runs `m` and expects success with an empty reply; returns the state after. */
export function expectOk(s: KernelState, m: Message): KernelState {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe('ok');
  expect(reply(state)).toMatchObject({ label: 0 });
  return state;
}

/** Runs `m` and expects the error `name` with reply label `label` and `mrs`; the heap is unchanged. */
export function expectError(s: KernelState, m: Message, name: string, label: number, mrs: number[] = []): void {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe(name);
  expect(reply(state)).toMatchObject({ label, mrs });
  expect(state.kheap.get(A.rootPD)).toEqual(s.kheap.get(A.rootPD));
  expect(state.kheap.get(A.rootCNode)).toEqual(s.kheap.get(A.rootCNode));
}

/** The page directory entries of `pd` as a plain object. */
export function pdEntries(s: KernelState, pd: number): Record<number, unknown> {
  const o = s.kheap.get(pd);
  if (o?.kind !== 'PageDirectory') throw new Error('no PD');
  return o.entries.toJS() as Record<number, unknown>;
}

/** The page table entries of `pt` as a plain object. */
export function ptEntries(s: KernelState, pt: number): Record<number, unknown> {
  const o = s.kheap.get(pt);
  if (o?.kind !== 'PageTable') throw new Error('no PT');
  return o.entries.toJS() as Record<number, unknown>;
}
