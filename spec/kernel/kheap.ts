/**
 * Access to the kernel heap (l4v `KHeap_A.thy`): reading and writing objects by address,
 * TCB fields, endpoint and notification objects, and the interrupt state. A read of an
 * address that holds no object, or an object of the wrong kind, is a contradiction the
 * invariants rule out (l4v `assert`/`fail`): a {@link KernelPanic}.
 *
 * @module
 */
import { SLOT_BITS } from '../../abi/config.js';
import { updateMachine, updateState, type KernelState, type IRQState } from '../state/kernel-state.js';
import type { CNode, Endpoint, KernelObject, Notification, TCB, EndpointState, NotificationState } from '../state/object.js';
import type { CSlot } from '../state/cslot.js';
import type { isFinalCap } from './empty-slot.js';
import { KernelPanic } from './panic.js';
import { noteObjectReplaced } from './ref-index.js';

type Heap = KernelState['kheap'];

// A memo of the last objects read or written, as (heap, address, object) triples, so that a
// kernel entry's many reads of the same few objects (the current thread above all, read
// again after each of its own updates) skip the hash trie. A heap is an immutable value, so
// a triple can never go stale; heaps under construction (`withMutations`) are never memoised.
const MEMO_SIZE = 8;
const memoHeap: (Heap | undefined)[] = new Array<Heap | undefined>(MEMO_SIZE).fill(undefined);
const memoPtr: number[] = new Array<number>(MEMO_SIZE).fill(-1);
const memoObj: (KernelObject | undefined)[] = new Array<KernelObject | undefined>(MEMO_SIZE).fill(undefined);

function memoIndex(ptr: number): number {
  return ((ptr >>> 4) ^ (ptr >>> 9) ^ (ptr >>> 12)) & (MEMO_SIZE - 1);
}

function isTransient(heap: Heap): boolean {
  return (heap as unknown as { readonly __ownerID?: unknown }).__ownerID !== undefined;
}

function remember(heap: Heap, ptr: number, obj: KernelObject | undefined): void {
  if (isTransient(heap)) return;
  const i = memoIndex(ptr);
  memoHeap[i] = heap;
  memoPtr[i] = ptr;
  memoObj[i] = obj;
}

// `heap.get(ptr)`, through the memo.
function lookup(heap: Heap, ptr: number): KernelObject | undefined {
  const i = memoIndex(ptr);
  if (memoHeap[i] === heap && memoPtr[i] === ptr) return memoObj[i];
  const obj = heap.get(ptr);
  remember(heap, ptr, obj);
  return obj;
}

/** The object at `ptr`. @see l4v get_object */
export function getObject(s: KernelState, ptr: number): KernelObject {
  const obj = lookup(s.kheap, ptr);
  if (obj === undefined) throw new KernelPanic(`no object at 0x${ptr.toString(16)}`);
  return obj;
}

/**
 * `heap` with `obj` at `ptr` (the bare heap write of `set_object`; the caller keeps the count
 * of cap references, see `ref-index.ts`).
 */
export function heapWith(heap: Heap, ptr: number, obj: KernelObject): Heap {
  const next = heap.set(ptr, obj);
  remember(next, ptr, obj);
  return next;
}

/**
 * Replaces the object at `ptr` by one of the same kind.
 * @see l4v set_object
 */
export function setObject(s: KernelState, ptr: number, obj: KernelObject): KernelState {
  const old = getObject(s, ptr);
  if (old.kind !== obj.kind) throw new KernelPanic(`set_object changes the kind at 0x${ptr.toString(16)}`);
  return replaceObject(s, ptr, old, obj);
}

// The heap write of `set_object`, once `old` (the object at `ptr`) has been read.
function replaceObject(s: KernelState, ptr: number, old: KernelObject, obj: KernelObject): KernelState {
  const kheap = heapWith(s.kheap, ptr, obj);
  noteObjectReplaced(s.kheap, kheap, old, obj);
  return updateState(s, 'kheap', kheap);
}

/**
 * Puts a new object at `ptr`, replacing whatever was there (retype placing a new object;
 * l4v `retype_region`'s heap update). Use this rather than `kheap.set` so that the count of
 * cap references behind {@link isFinalCap} carries over instead of being rebuilt.
 */
export function insertObject(s: KernelState, ptr: number, obj: KernelObject): KernelState {
  const kheap = heapWith(s.kheap, ptr, obj);
  noteObjectReplaced(s.kheap, kheap, lookup(s.kheap, ptr), obj);
  return updateState(s, 'kheap', kheap);
}

/** The TCB at `ptr`, or undefined if there is none. @see l4v get_tcb */
export function getTCBOpt(s: KernelState, ptr: number): TCB | undefined {
  const obj = lookup(s.kheap, ptr);
  return obj?.kind === 'TCB' ? obj : undefined;
}

/** The TCB at `ptr`. @see l4v gets_the (get_tcb ptr) */
export function getTCB(s: KernelState, ptr: number): TCB {
  const tcb = getTCBOpt(s, ptr);
  if (tcb === undefined) throw new KernelPanic(`no TCB at 0x${ptr.toString(16)}`);
  return tcb;
}

/** The CNode at `ptr`. */
export function getCNode(s: KernelState, ptr: number): CNode {
  const obj = getObject(s, ptr);
  if (obj.kind !== 'CNode') throw new KernelPanic(`no CNode at 0x${ptr.toString(16)}`);
  return obj;
}

/** Replaces the TCB at `ptr` by `f` of it. @see l4v thread_set */
export function threadSet(s: KernelState, ptr: number, f: (tcb: TCB) => TCB): KernelState {
  const tcb = getTCB(s, ptr);
  return replaceObject(s, ptr, tcb, f(tcb));
}

/** Updates some fields of the TCB at `ptr`. @see l4v thread_set */
export function updateTCB(s: KernelState, ptr: number, fields: Partial<Omit<TCB, 'kind'>>): KernelState {
  return threadSet(s, ptr, (tcb) => Object.assign(copyTCB(tcb), fields));
}

/** `tcb` with `field` set to `value` (a literal copy, for the reason `updateState` gives). */
export function tcbWith<K extends keyof TCB>(tcb: TCB, field: K, value: TCB[K]): TCB {
  const t = copyTCB(tcb);
  t[field] = value;
  return t;
}

// A copy of a TCB made by a literal naming every field (see `updateState`).
function copyTCB(t: TCB): { -readonly [F in keyof TCB]: TCB[F] } {
  return {
    kind: t.kind, caps: t.caps, state: t.state, fault: t.fault, faultHandler: t.faultHandler, ipcBuffer: t.ipcBuffer,
    boundNotification: t.boundNotification, priority: t.priority, mcp: t.mcp, domain: t.domain, timeSlice: t.timeSlice,
    flags: t.flags, context: t.context,
  };
}

/** Sets the notification a thread is bound to. @see l4v set_bound_notification */
export function setBoundNotification(s: KernelState, tcb: number, ntfn: number | null): KernelState {
  return updateTCB(s, tcb, { boundNotification: ntfn });
}

/** The endpoint object at `ptr`. @see l4v get_endpoint */
export function getEndpoint(s: KernelState, ptr: number): Endpoint {
  const obj = getObject(s, ptr);
  if (obj.kind !== 'Endpoint') throw new KernelPanic(`no endpoint at 0x${ptr.toString(16)}`);
  return obj;
}

/** Sets the queue state of the endpoint at `ptr`. @see l4v set_endpoint */
export function setEndpoint(s: KernelState, ptr: number, state: EndpointState): KernelState {
  getEndpoint(s, ptr);
  return setObject(s, ptr, { kind: 'Endpoint', state });
}

/** The notification object at `ptr`. @see l4v get_notification */
export function getNotification(s: KernelState, ptr: number): Notification {
  const obj = getObject(s, ptr);
  if (obj.kind !== 'Notification') throw new KernelPanic(`no notification at 0x${ptr.toString(16)}`);
  return obj;
}

/** Replaces the notification object at `ptr`. @see l4v set_notification */
export function setNotification(s: KernelState, ptr: number, ntfn: Notification): KernelState {
  getNotification(s, ptr);
  return setObject(s, ptr, ntfn);
}

/** Sets the signal state of a notification, keeping its binding. @see l4v ntfn_set_obj */
export function setNotificationState(s: KernelState, ptr: number, state: NotificationState): KernelState {
  return setNotification(s, ptr, { ...getNotification(s, ptr), state });
}

/** Sets the TCB a notification is bound to. @see l4v ntfn_set_bound_tcb */
export function setNotificationBoundTCB(s: KernelState, ptr: number, tcb: number | null): KernelState {
  return setNotification(s, ptr, { ...getNotification(s, ptr), boundTCB: tcb });
}

/** The state of an interrupt line. @see l4v get_irq_state */
export function getIRQState(s: KernelState, irq: number): IRQState {
  const st = s.irqStates[irq];
  if (st === undefined) throw new KernelPanic(`no IRQ ${irq}`);
  return st;
}

/**
 * Sets the state of an interrupt line and masks it exactly when it becomes inactive.
 * @see l4v set_irq_state
 */
export function setIRQState(s: KernelState, state: IRQState, irq: number): KernelState {
  getIRQState(s, irq);
  const irqStates = s.irqStates.slice();
  irqStates[irq] = state;
  return maskInterrupt(updateState(s, 'irqStates', irqStates), state === 'IRQInactive', irq);
}

/** Masks or unmasks an interrupt line (a machine operation). @see l4v maskInterrupt */
export function maskInterrupt(s: KernelState, masked: boolean, irq: number): KernelState {
  if (s.machine.irqMasks[irq] === masked) return s;
  const irqMasks = s.machine.irqMasks.slice();
  irqMasks[irq] = masked;
  return updateState(s, 'machine', updateMachine(s.machine, 'irqMasks', irqMasks));
}

/** The handler slot of an IRQ: slot 0 of its one-slot CNode in the IRQ node. @see l4v get_irq_slot */
export function getIRQSlot(s: KernelState, irq: number): CSlot {
  return { obj: s.irqNode + irq * 2 ** SLOT_BITS, index: 0 };
}
