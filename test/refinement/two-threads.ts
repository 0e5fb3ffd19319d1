// The booted spec with a second thread brought up at the root task's priority (sharing its
// CSpace and VSpace, without a fault handler) and an endpoint: the start of the generator tests
// that need two threads. Steps resolve an action against the state and take the spec's entry.
import { expect } from 'vitest';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { Action, ObjectAction } from '../../refinement/generators/action.js';
import { applyUserWrites } from '../../refinement/check/run.js';
import { bootedSpec, SPEC } from '../../refinement/check/spec-kernel.js';
import { resolveAction } from '../../refinement/generators/resolve.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { TCB } from '../../spec/state/object.js';

export const BOOT = bootedSpec();
export const ROOT_TCB = BOOT.curThread;

export function step(s: KernelState, a: Action): { s: KernelState; text: string } {
  const r = resolveAction(s, a);
  return { s: SPEC.step(applyUserWrites(s, r), r.event).state, text: r.text };
}

export const tcb = (s: KernelState, t: number): TCB => s.kheap.get(t) as TCB;

export const make = (type: number): Action => ({
  t: 'Retype', syscall: 'SysCall', untyped: { how: 'ready', k: 0 }, type, sizeBits: 0, root: { how: 'root' }, node: { how: 'self' },
  offset: { how: 'empty', k: 5 }, count: 1, shortBy: 0, noExtraCaps: false, pendingIRQ: null,
});

export const onChild = (label: ObjectAction['label'], mrs: ObjectAction['mrs'], caps: ObjectAction['caps']): Action => ({
  t: 'Object', syscall: 'SysCall', label, cap: { how: 'child-tcb', k: 0 }, mrs, caps, shortBy: 0, noExtraCaps: false, pendingIRQ: null,
});

// The root task, a second thread ready at its priority sharing its CSpace and VSpace (with no
// fault handler), and an endpoint.
export function twoThreads(): { s: KernelState; child: number } {
  let s = BOOT;
  const setup: Action[] = [
    make(OBJECT_TYPE_NUMBER.Endpoint), make(OBJECT_TYPE_NUMBER.TCB),
    onChild('TCBConfigure', [0, 0, 0, 0x18000], [{ how: 'root-cnode', k: 0 }, { how: 'root-pd', k: 0 }, { how: 'root-buffer', k: 0 }]),
    onChild('TCBSetPriority', [255], [{ how: 'root-tcb', k: 0 }]),
    onChild('TCBResume', [], []),
  ];
  for (const a of setup) s = step(s, a).s;
  const child = [...s.kheap.keys()].find((p) => s.kheap.get(p)?.kind === 'TCB' && p !== ROOT_TCB && tcb(s, p).state.kind !== 'IdleThreadState')!;
  expect(tcb(s, child)).toMatchObject({ state: { kind: 'Restart' }, priority: 255 });
  return { s, child };
}
