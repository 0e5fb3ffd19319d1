/**
 * Handling an interrupt (l4v `Interrupt_A.thy` `maybe_handle_interrupt`, `handle_interrupt`,
 * `timer_tick`, `ARM/ArchInterrupt_A.thy`; manual §9.1 "Interrupt Delivery"). The kernel's
 * own timer drives round robin and the domain schedule; a line in state `IRQSignal` signals
 * the notification in its handler slot and stays masked until user level acknowledges it.
 *
 * @module
 */
import { match } from 'ts-pattern';
import { MAX_IRQ, NUM_DOMAINS, TIME_SLICE } from '../../abi/config.js';
import { updateState, type KernelState } from '../state/kernel-state.js';
import { getCap } from './cspace-access.js';
import { getIRQSlot, getIRQState, getTCB, maskInterrupt, updateTCB } from './kheap.js';
import { sendSignal } from '../object/notification.js';
import { KernelPanic } from './panic.js';
import { acknowledgeIRQ, getActiveIRQ } from './preemption.js';
import { rescheduleRequired, tcbSchedAction, tcbSchedAppend } from './ready-queues.js';

/**
 * Handles the active interrupt, if any (none: a spurious interrupt, which needs nothing on
 * this platform). @see l4v maybe_handle_interrupt
 */
export function maybeHandleInterrupt(s: KernelState, inKernel: boolean): KernelState {
  const irq = getActiveIRQ(s, inKernel);
  return irq === null ? s : handleInterrupt(acknowledgeIRQ(s, irq), irq);
}

/**
 * Handles interrupt `irq` according to its state: a line beyond `maxIRQ` is masked; a
 * signal line signals its handler's notification and is masked; the timer ticks.
 * @see l4v handle_interrupt
 */
export function handleInterrupt(s: KernelState, irq: number): KernelState {
  if (irq > MAX_IRQ) return maskInterrupt(s, true, irq);
  return match(getIRQState(s, irq))
    .with('IRQSignal', () => maskInterrupt(signalIRQHandler(s, irq), true, irq))
    .with('IRQTimer', () => timerTick(s))
    .with('IRQReserved', () => s)
    .with('IRQInactive', () => {
      throw new KernelPanic(`interrupt from inactive line ${irq}`);
    })
    .exhaustive();
}

/**
 * Signals the notification in an IRQ's handler slot with the cap's badge, if it is a
 * notification cap with Write. @see l4v handle_interrupt (IRQSignal)
 */
function signalIRQHandler(s: KernelState, irq: number): KernelState {
  const cap = getCap(s, getIRQSlot(s, irq));
  return cap.kind === 'NotificationCap' && cap.rights.write ? sendSignal(s, cap.ptr, cap.badge) : s;
}

/**
 * One tick of the kernel timer: the running thread's time slice shrinks, and when it runs
 * out it is refilled and the thread goes to the back of its queue; the current domain's
 * time shrinks, and when it runs out the scheduler moves on. @see l4v timer_tick
 */
export function timerTick(s: KernelState): KernelState {
  const s1 = tickTimeSlice(s);
  if (NUM_DOMAINS <= 1) return s1;
  const s2 = decDomainTime(s1);
  return s2.domainTime === 0n ? rescheduleRequired(s2) : s2;
}

/**
 * One tick off the current domain's time, a 64-bit word (wrapping as l4v's `ticks` does;
 * the scheduler refills it before a tick can find it at 0). @see l4v dec_domain_time
 */
export function decDomainTime(s: KernelState): KernelState {
  return updateState(s, 'domainTime', BigInt.asUintN(64, s.domainTime - 1n));
}

function tickTimeSlice(s: KernelState): KernelState {
  const cur = getTCB(s, s.curThread);
  if (cur.state.kind !== 'Running') return s;
  const ts = Math.max(cur.timeSlice - 1, 0);
  if (ts > 0) return updateTCB(s, s.curThread, { timeSlice: ts });
  const s1 = updateTCB(s, s.curThread, { timeSlice: TIME_SLICE });
  return rescheduleRequired(tcbSchedAction(s1, tcbSchedAppend, s.curThread));
}
