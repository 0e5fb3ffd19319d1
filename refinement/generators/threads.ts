/**
 * What the generators need to know about threads and interrupt lines in a spec state: the
 * root task, the threads that could run next, whether a thread's fault handler is usable,
 * the lines handed to user level, and whether a blocking call could ever be woken. Used to
 * keep traces going: a thread that blocks with nobody left to wake it ends a trace's useful
 * part, since only interrupts can happen afterwards.
 *
 * @module
 */
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { TCB } from '../../spec/state/object.js';
import { lookupCap } from '../../spec/kernel/cspace.js';
import type { CSpaceView } from './cspace.js';

/** The TCB at `ptr`, if there is one. */
export function tcbAt(s: KernelState, ptr: number): TCB | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'TCB' ? o : undefined;
}

/** The root task's TCB address: the thread its CSpace's slot 1 names (`seL4_CapInitThreadTCB`). */
export function rootTask(v: CSpaceView): number | undefined {
  const c = v.root?.slots.get(1);
  return c?.kind === 'ThreadCap' ? c.tcb : undefined;
}

/**
 * Whether a thread of the current domain that can act waits in a ready queue (the current
 * thread is never in one): one whose CSpace root resolves all 32 bits, so that the
 * generators' choices name its caps. (A thread without one only faults once it runs.)
 */
export function othersReady(s: KernelState): boolean {
  const lo = s.curDomain * 256;
  for (const [key, q] of s.readyQueues) if (key >= lo && key < lo + 256 && q.some((t) => canAct(s, t))) return true;
  return false;
}

/** Whether the generators can make thread `t` act: its CSpace root is a CNode cap resolving all 32 bits. */
export function canAct(s: KernelState, t: number): boolean {
  const root = tcbAt(s, t)?.caps[0];
  return root?.kind === 'CNodeCap' && root.guard.size + root.bits === 32;
}

/**
 * Whether the fault handler CPtr of `tcb` names an endpoint cap with Write and Grant or
 * GrantReply in its CSpace, so that a fault is sent to the handler rather than ending the
 * thread (l4v `send_fault_ipc`'s check).
 */
export function hasFaultHandler(s: KernelState, tcb: number): boolean {
  const t = tcbAt(s, tcb);
  if (t === undefined) return false;
  const r = lookupCap(s, tcb, t.faultHandler);
  return r.ok && isHandlerCap(r.value);
}

/** Whether a thread waits to receive on the endpoint `tcb`'s fault handler names (a fault wakes it). */
export function handlerWaiting(s: KernelState, tcb: number): boolean {
  const t = tcbAt(s, tcb);
  if (t === undefined) return false;
  const r = lookupCap(s, tcb, t.faultHandler);
  if (!r.ok || r.value.kind !== 'EndpointCap') return false;
  const ep = s.kheap.get(r.value.ptr);
  return ep?.kind === 'Endpoint' && ep.state.kind === 'RecvEP';
}

/** An endpoint cap a fault can be sent through. */
export function isHandlerCap(c: Cap): boolean {
  return c.kind === 'EndpointCap' && c.rights.write && (c.rights.grant || c.rights.grantReply);
}

/** The cap in IRQ `irq`'s handler slot. */
export function irqHandlerCap(s: KernelState, irq: number): Cap {
  const node = s.kheap.get(s.irqNode + irq * 16);
  return node?.kind === 'CNode' ? (node.slots.get(0) ?? { kind: 'NullCap' }) : { kind: 'NullCap' };
}

/** Whether an interrupt on `irq` would signal a notification (its state is IRQSignal and its handler a notification cap with Write). */
export function signalsNotification(s: KernelState, irq: number): boolean {
  if (s.irqStates[irq] !== 'IRQSignal') return false;
  const c = irqHandlerCap(s, irq);
  return c.kind === 'NotificationCap' && c.rights.write;
}

/** The lines handed to user level (state IRQSignal), ascending. */
export function issuedLines(s: KernelState): number[] {
  const out: number[] = [];
  s.irqStates.forEach((st, irq) => {
    if (st === 'IRQSignal') out.push(irq);
  });
  return out;
}

/**
 * Lines an interrupt on which would wake a blocked thread: issued, unmasked, signalling a
 * notification that a thread waits on, or whose bound thread waits in a receive. Waking the
 * first such thread lets a trace go on when every thread is blocked.
 */
export function wakingLines(s: KernelState): number[] {
  return issuedLines(s).filter((irq) => {
    if (s.machine.irqMasks[irq] === true || !signalsNotification(s, irq)) return false;
    const c = irqHandlerCap(s, irq);
    const n = c.kind === 'NotificationCap' ? s.kheap.get(c.ptr) : undefined;
    if (n?.kind !== 'Notification') return false;
    if (n.state.kind === 'WaitingNtfn') return true;
    const bound = n.boundTCB === null ? undefined : tcbAt(s, n.boundTCB);
    return n.state.kind === 'IdleNtfn' && bound?.state.kind === 'BlockedOnReceive';
  });
}

/** Lines that would signal a notification when they fire (issued, unmasked). */
export function signallingLines(s: KernelState): number[] {
  return issuedLines(s).filter((irq) => s.machine.irqMasks[irq] !== true && signalsNotification(s, irq));
}

/**
 * Whether the current thread may stop running without ending the trace's progress: another
 * thread that can act is ready, an interrupt would wake a thread already waiting, or the
 * current thread is about to wait on `ntfn` (its own notification, or the one bound to it)
 * which an interrupt line signals.
 */
export function mayBlock(s: KernelState, ntfn: number | null = null): boolean {
  if (othersReady(s) || wakingLines(s).length > 0) return true;
  if (ntfn === null) return false;
  return signallingLines(s).some((irq) => {
    const c = irqHandlerCap(s, irq);
    return c.kind === 'NotificationCap' && c.ptr === ntfn;
  });
}
