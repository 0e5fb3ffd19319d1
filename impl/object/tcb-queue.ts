/**
 * Endpoint and notification queues (seL4 `tcbEPAppend`, `tcbEPDequeue` in
 * `src/object/tcb.c`, `ep_ptr_get_queue`/`ntfn_ptr_get_queue`): doubly linked lists through
 * the queued threads' `tcbEPNext`/`tcbEPPrev`, whose head and tail live in the object's own
 * words. Endpoints and notifications lay the queue out alike (`structures_32.bf`): the tail in
 * w0[31:4] beside the state in w0[1:0], the head in w1[31:4]. So one set of functions serves
 * both; the caller sets the object's state afterwards, as the C does.
 *
 * Also the blocking fields of `thread_state_t` the IPC paths write (`blockingObject`,
 * `blockingIPCBadge`, `blockingIPCCanGrant`, `blockingIPCCanGrantReply`, `blockingIPCIsCall`).
 *
 * @module
 */
import type { PhysicalMemory } from '../../hardware/memory.js';
import { TCB_EP_NEXT, TCB_EP_PREV, TCB_STATE_W0, TCB_STATE_W2 } from './tcb-layout.js';

// Both objects: w0 = tail[31:4] .. state[1:0]; w1 = head[31:4].
const QUEUE_TAIL_W = 0;
const QUEUE_HEAD_W = 4;
const PTR_MASK = 0xfffffff0;

/** The queue head of the endpoint or notification at `obj` (a `tcb_t` pointer or 0). */
export function queueGetHead(mem: PhysicalMemory, obj: number): number {
  return (mem.read32(obj + QUEUE_HEAD_W) & PTR_MASK) >>> 0;
}

/** The queue tail of the endpoint or notification at `obj` (a `tcb_t` pointer or 0). */
export function queueGetTail(mem: PhysicalMemory, obj: number): number {
  return (mem.read32(obj + QUEUE_TAIL_W) & PTR_MASK) >>> 0;
}

/** `ep_ptr_set_queue` / `ntfn_ptr_set_queue`: head and tail; the state bits stay. */
export function queueSet(mem: PhysicalMemory, obj: number, head: number, tail: number): void {
  const w0 = mem.read32(obj + QUEUE_TAIL_W);
  mem.write32(obj + QUEUE_TAIL_W, ((w0 & ~PTR_MASK) | (tail & PTR_MASK)) >>> 0);
  const w1 = mem.read32(obj + QUEUE_HEAD_W);
  mem.write32(obj + QUEUE_HEAD_W, ((w1 & ~PTR_MASK) | (head & PTR_MASK)) >>> 0);
}

/** `endpoint_ptr_set_state` / `notification_ptr_set_state`: w0[1:0]. */
export function queueSetState(mem: PhysicalMemory, obj: number, state: number): void {
  const w0 = mem.read32(obj + QUEUE_TAIL_W);
  mem.write32(obj + QUEUE_TAIL_W, ((w0 & ~3) | (state & 3)) >>> 0);
}

/** `tcbEPAppend(tcb, queue)` on the object's queue: the thread goes to the tail. */
export function tcbEPAppend(mem: PhysicalMemory, obj: number, tcb: number): void {
  const head = queueGetHead(mem, obj);
  const tail = queueGetTail(mem, obj);
  if (head === 0) {
    queueSet(mem, obj, tcb, tcb);
  } else {
    mem.write32(tail + TCB_EP_NEXT, tcb);
    queueSet(mem, obj, head, tcb);
  }
  mem.write32(tcb + TCB_EP_PREV, tail);
  mem.write32(tcb + TCB_EP_NEXT, 0);
}

/**
 * `tcbEPDequeue(tcb, queue)` on the object's queue. As in C the removed thread's own links
 * are left as they were: nothing reads them until it is queued again.
 */
export function tcbEPDequeue(mem: PhysicalMemory, obj: number, tcb: number): void {
  const prev = mem.read32(tcb + TCB_EP_PREV);
  const next = mem.read32(tcb + TCB_EP_NEXT);
  let head = queueGetHead(mem, obj);
  let tail = queueGetTail(mem, obj);
  if (prev !== 0) mem.write32(prev + TCB_EP_NEXT, next);
  else head = next;
  if (next !== 0) mem.write32(next + TCB_EP_PREV, prev);
  else tail = prev;
  queueSet(mem, obj, head, tail);
}

// ---- thread_state_t blocking fields ----

/** `thread_state_ptr_set_blockingObject` (w0[31:4]); the type stays. */
export function threadStateSetBlockingObject(mem: PhysicalMemory, tcb: number, obj: number): void {
  const w0 = mem.read32(tcb + TCB_STATE_W0);
  mem.write32(tcb + TCB_STATE_W0, ((w0 & 0xf) | (obj & PTR_MASK)) >>> 0);
}

/**
 * The blocked-on-send fields of w2 (`blockingIPCBadge` [31:4], `CanGrant` [3],
 * `CanGrantReply` [2], `IsCall` [1]); the padding bit stays.
 */
export function threadStateSetBlockingIPC(mem: PhysicalMemory, tcb: number, badge: number, canGrant: boolean,
  canGrantReply: boolean, isCall: boolean): void {
  const w2 = mem.read32(tcb + TCB_STATE_W2);
  mem.write32(tcb + TCB_STATE_W2, (((badge & 0x0fffffff) << 4) | (canGrant ? 8 : 0) | (canGrantReply ? 4 : 0) |
    (isCall ? 2 : 0) | (w2 & 1)) >>> 0);
}

/** `thread_state_ptr_set_blockingIPCCanGrant` (w2[3]); the other fields stay. */
export function threadStateSetBlockingIPCCanGrant(mem: PhysicalMemory, tcb: number, canGrant: boolean): void {
  const w2 = mem.read32(tcb + TCB_STATE_W2);
  mem.write32(tcb + TCB_STATE_W2, ((w2 & ~8) | (canGrant ? 8 : 0)) >>> 0);
}
