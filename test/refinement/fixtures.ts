// A small, hand-built spec state that satisfies every invariant: a root CNode (radix 4) with a
// thread cap, its own CNode cap, an untyped with two endpoints and a notification retyped from
// it, a badged copy of one endpoint cap and the IRQ control cap; a running TCB with its master
// reply cap; an idle TCB. Tests break one thing at a time with immer.
import { Map as PMap, Set as PSet } from 'immutable';
import { ALL_RIGHTS, NULL_CAP, type Cap } from '../../spec/state/cap.js';
import { ChildList } from '../../spec/state/child-list.js';
import { slotKey, type CSlot } from '../../spec/state/cslot.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { CNode, KernelObject, TCB } from '../../spec/state/object.js';

export const ROOT = 0x10000000;
export const TCB_ADDR = 0x10001000;
export const IDLE = 0x10001200;
export const UT = 0x10100000;
export const EP1 = 0x10100000;
export const EP2 = 0x10100010;
export const NTFN = 0x10100020;
/** The global page directory (empty: the fixture has no kernel window). */
export const GLOBAL_PD = 0x10004000;

export const slot = (index: number, obj = ROOT): CSlot => ({ obj, index });
export const key = (index: number, obj = ROOT): number => slotKey({ obj, index });

export function tcb(caps: readonly [Cap, Cap, Cap, Cap, Cap], state: TCB['state']): TCB {
  return {
    kind: 'TCB', caps, state, fault: null, faultHandler: 0, ipcBuffer: 0, boundNotification: null,
    priority: 255, mcp: 255, domain: 0, timeSlice: 5, flags: 0, context: new Array<number>(20).fill(0),
  };
}

const rootCap: Cap = { kind: 'CNodeCap', ptr: ROOT, bits: 4, guard: { value: 0, size: 28 } };
const ep1Cap: Cap = { kind: 'EndpointCap', ptr: EP1, badge: 0, rights: ALL_RIGHTS };

export const rootSlots: ReadonlyMap<number, Cap> = new Map<number, Cap>([
  [1, { kind: 'ThreadCap', tcb: TCB_ADDR }],
  [2, rootCap],
  [3, { kind: 'UntypedCap', isDevice: false, ptr: UT, sizeBits: 12, freeIndex: 0x40 }],
  [4, ep1Cap],
  [5, { kind: 'EndpointCap', ptr: EP2, badge: 0, rights: ALL_RIGHTS }],
  [6, { ...ep1Cap, badge: 7 }],
  [7, { kind: 'IRQControlCap' }],
  [8, { kind: 'NotificationCap', ptr: NTFN, badge: 0, rights: { read: true, write: true, grant: false, grantReply: false } }],
]);

export function goodState(): KernelState {
  const root: CNode = { kind: 'CNode', bits: 4, slots: PMap(rootSlots) };
  const master: Cap = { kind: 'ReplyCap', tcb: TCB_ADDR, isMaster: true, rights: { read: false, write: true, grant: true, grantReply: false } };
  const kheap = PMap<number, KernelObject>([
    [ROOT, root],
    [TCB_ADDR, tcb([rootCap, NULL_CAP, master, NULL_CAP, NULL_CAP], { kind: 'Running' })],
    [IDLE, tcb([NULL_CAP, NULL_CAP, NULL_CAP, NULL_CAP, NULL_CAP], { kind: 'IdleThreadState' })],
    [EP1, { kind: 'Endpoint', state: { kind: 'IdleEP' } }],
    [EP2, { kind: 'Endpoint', state: { kind: 'IdleEP' } }],
    [NTFN, { kind: 'Notification', state: { kind: 'IdleNtfn' }, boundTCB: null }],
    [GLOBAL_PD, { kind: 'PageDirectory', entries: PMap() }],
  ]);
  const s: KernelState = {
    kheap,
    cdt: PMap<number, CSlot>([[key(4), slot(3)], [key(5), slot(3)], [key(8), slot(3)], [key(6), slot(4)]]),
    cdtList: PMap<number, ChildList>([[key(3), ChildList.of([slot(8), slot(5), slot(4)])], [key(4), ChildList.of([slot(6)])]]),
    isOriginalCap: PSet([key(1), key(2), key(3), key(4), key(5), key(6), key(7), key(8), key(2, TCB_ADDR)]),
    curThread: TCB_ADDR,
    idleThread: IDLE,
    schedulerAction: { kind: 'ResumeCurrentThread' },
    readyQueues: PMap(),
    curDomain: 0,
    domainTime: 100n,
    domainList: [{ domain: 0, duration: 100n }, { domain: 0, duration: 0n }],
    domainIndex: 0,
    domainStartIndex: 0,
    machine: { memory: PMap(), irqMasks: new Array<boolean>(160).fill(true), irqPending: [] },
    irqNode: 0x10002000,
    irqStates: new Array<'IRQInactive'>(160).fill('IRQInactive'),
    arch: { asidTable: PMap(), hwASIDTable: PMap(), nextASID: 1, asidMap: PMap(), globalPD: GLOBAL_PD, globalPTs: [] },
    workUnitsCompleted: 0,
  };
  return s;
}

/** The state with the root CNode's slot `i` replaced. */
export function withRootCap(s: KernelState, i: number, cap: Cap): KernelState {
  const root = s.kheap.get(ROOT) as CNode;
  return { ...s, kheap: s.kheap.set(ROOT, { ...root, slots: root.slots.set(i, cap) }) };
}
