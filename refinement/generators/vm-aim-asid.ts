/**
 * The ASID invocations of aimed VM draws (`vm-aim.ts`): ASIDControl_MakePool and
 * ASIDPool_Assign, each built to meet the check of seL4 16.0.0's `decodeARMMMUInvocation`
 * its aim names, after a setup step when the state lacks what that needs.
 *
 * @module
 */
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { VMAction } from './action.js';
import { kth, kthEmpty, type CSpaceView } from './cspace.js';
import { hex, invoke, type ResolvedAction } from './message.js';
import { makeObject } from './resolve.js';
import { send } from './vm-aim.js';
import { slots, type Slot } from './vm-state.js';

/** ASIDControl_MakePool aimed at an outcome: a fresh 4 KiB untyped into an empty slot, and the near misses of seL4's order. */
export function makePool(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const act = { ...a, label: 'ARMASIDControlMakePool' as const };
  const control = slots(v, 'ASIDControlCap')[0]?.cptr ?? 5;
  const untypeds = slots(v, 'UntypedCap', (c) => !c.isDevice);
  const children = (cptr: number): number => s.cdtList.get(v.rootCap!.ptr + 16 * cptr)?.length ?? 0;
  const pool = (u: number, dest: number, depth: number, root = 2, why = ''): ResolvedAction => send(act, control, [dest, depth], [u, root], why);
  if (a.aim === 'InvalidCapability') {
    const other = kth(untypeds.filter((x) => x.cap.sizeBits !== 12), a.k);
    return pool(other?.cptr ?? 3, kthEmpty(v.root!, a.k), 32, 2, other === undefined ? 'not an untyped' : 'an untyped not of 4 KiB');
  }
  const fresh = kth(untypeds.filter((x) => x.cap.sizeBits === 12 && children(x.cptr) === 0), a.k);
  // Several at once: other retypes soon take a spare 4 KiB untyped for small objects.
  if (fresh === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.Untyped, a.k, 12, 4);
  if (a.aim === 'RevokeFirst') {
    const parent = kth(untypeds.filter((x) => x.cap.sizeBits === 12 && children(x.cptr) > 0), a.k);
    if (parent !== undefined) return pool(parent.cptr, kthEmpty(v.root!, a.k), 32, 2, 'the untyped has children');
    // An endpoint retyped from a fresh one gives it a child.
    const dest = kthEmpty(v.root!, a.k);
    return invoke('SysCall', fresh.cptr, { label: 'UntypedRetype', mrs: [OBJECT_TYPE_NUMBER.Endpoint, 0, 0, 0, dest, 1], caps: [2] }, 0, false, null,
      `UntypedRetype(untyped@${hex(fresh.cptr)}, type=Endpoint, size=0, root=root, node=self, offset=${hex(dest)}, n=1) (a 4 KiB untyped with a child)`);
  }
  const empty = kthEmpty(v.root!, a.k >>> 3);
  switch (a.aim) {
    case 'RangeError':
      return pool(fresh.cptr, empty, [0, 33, 64, 0xffffffff][a.k % 4]!, 2, 'depth out of range');
    case 'FailedLookup':
      return a.k % 3 === 0 ? pool(fresh.cptr, empty, 32, 3, 'the root is no CNode') : pool(fresh.cptr, empty, 1 + (a.k % 31), 2, 'depth mismatch');
    case 'DeleteFirst':
      return pool(fresh.cptr, kth(v.live, a.k) ?? 1, 32, 2, 'the slot is full');
    default:
      return pool(fresh.cptr, empty, 32);
  }
}

/**
 * ASIDPool_Assign aimed at an outcome: an unassigned page directory (two made first while
 * there is none) into `into` or the k-th pool; InvalidCapability: an assigned one, or no PD.
 */
export function assign(s: KernelState, v: CSpaceView, a: VMAction, into?: Slot<Cap>): ResolvedAction {
  const act = { ...a, label: 'ARMASIDPoolAssign' as const };
  const pool = into ?? kth(slots(v, 'ASIDPoolCap'), a.k >>> 1);
  if (pool === undefined) return makePool(s, v, { ...a, aim: 'ok' });
  if (a.aim === 'InvalidCapability') {
    const assigned = kth(slots(v, 'PageDirectoryCap', (c) => c.asid !== null), a.k);
    return send(act, pool.cptr, [], [a.k % 2 === 0 ? assigned?.cptr ?? 2 : 2], 'not an unassigned page directory');
  }
  const pd = kth(slots(v, 'PageDirectoryCap', (c) => c.asid === null), a.k);
  // Sent without its extra cap, any cap stands in.
  if (a.aim === 'TruncatedMessage') return send(act, pool.cptr, [], [pd?.cptr ?? 3], '');
  if (pd === undefined) return makeObject(s, v, OBJECT_TYPE_NUMBER.PageDirectory, a.k, 0, 2);
  return send(act, pool.cptr, [], [pd.cptr], '');
}
