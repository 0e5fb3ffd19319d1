/**
 * Interrupt state and handling (seL4 `src/object/interrupt.c`, GICv2 driver
 * `include/arch/arm/arch/machine/gic_v2.h`; l4v `Interrupt_A`). The GIC operations go to the
 * machine's interrupt controller `k.irq`. The IRQ invocations are in `irq.ts`.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { MAX_IRQ } from '../../abi/config.js';
import { IRQ_SPURIOUS } from '../../hardware/irq.js';
import { IRQ_INACTIVE, IRQ_RESERVED, IRQ_SIGNAL, IRQ_TIMER } from '../kernel/statedata.js';
import { KernelPanic } from '../kernel/panic.js';
import {
  CAP_NOTIFICATION, capGetCapType, notificationCapGetCapNtfnBadge, notificationCapGetCapNtfnCanSend,
  notificationCapGetCapNtfnPtr,
} from './cap.js';
import { sendSignal } from './notification.js';
import { cteDeleteOne } from './delete.js';
import { timerTick } from '../kernel/thread.js';

/** `irqInvalid` / `IRQ_NONE`: no interrupt (the GIC's spurious ID). */
export const IRQ_NONE = IRQ_SPURIOUS;

/** `maskInterrupt(disable, irq)` at the GIC distributor. */
export function maskInterrupt(k: Kernel, disable: boolean, irq: number): void {
  k.irq.maskInterrupt(disable, irq);
}

/** `getActiveIRQ`: the acknowledged line (reads GICC_IAR once per handled interrupt), or IRQ_NONE. */
export function getActiveIRQ(k: Kernel): number {
  if (k.activeIRQ >= IRQ_NONE) k.activeIRQ = k.irq.acknowledge();
  return k.activeIRQ < IRQ_NONE ? k.activeIRQ : IRQ_NONE;
}

/** `isIRQPending`: GICC_HPPIR names a valid line (an enabled line is pending). */
export function isIRQPending(k: Kernel): boolean {
  return k.irq.hasPendingEnabled();
}

/** `ackInterrupt(irq)`: end of interrupt at the GIC. */
export function ackInterrupt(k: Kernel, irq: number): void {
  k.irq.endOfInterrupt(irq);
  k.activeIRQ = IRQ_NONE;
}

/** `setIRQState(state, irq)`: records the state and masks the line iff it becomes inactive. */
export function setIRQState(k: Kernel, state: number, irq: number): void {
  k.intStateIRQTable[irq] = state;
  maskInterrupt(k, state === IRQ_INACTIVE, irq);
}

/** `deletingIRQHandler(irq)`: deletes the notification cap in the IRQ's handler slot. */
export function deletingIRQHandler(k: Kernel, irq: number): void {
  cteDeleteOne(k, k.intStateIRQNode + 16 * irq);
}

/** `deletedIRQHandler(irq)`: the line becomes inactive (and masked). */
export function deletedIRQHandler(k: Kernel, irq: number): void {
  setIRQState(k, IRQ_INACTIVE, irq);
}

/** `handleInterrupt(irq)`: signal, timer tick, reserved or inactive, then end of interrupt. */
export function handleInterrupt(k: Kernel, irq: number): void {
  if (irq > MAX_IRQ) {
    maskInterrupt(k, true, irq);
    ackInterrupt(k, irq);
    return;
  }
  switch (k.intStateIRQTable[irq]) {
    case IRQ_SIGNAL: {
      const slot = k.intStateIRQNode + 16 * irq;
      const w0 = k.mem.read32(slot);
      if (capGetCapType(w0) === CAP_NOTIFICATION && notificationCapGetCapNtfnCanSend(k.mem.read32(slot + 4))) {
        sendSignal(k, notificationCapGetCapNtfnPtr(w0), notificationCapGetCapNtfnBadge(k.mem.read32(slot + 4)));
      }
      maskInterrupt(k, true, irq);
      break;
    }
    case IRQ_TIMER:
      timerTick(k);
      k.kernelTimer?.resetTimer();
      break;
    case IRQ_RESERVED:
      break; // handleReservedIRQ: nothing on this platform
    case IRQ_INACTIVE:
      maskInterrupt(k, true, irq);
      break;
    default:
      throw new KernelPanic('handleInterrupt: invalid IRQ state');
  }
  ackInterrupt(k, irq);
}

/** `handleSpuriousIRQ`: nothing on the GIC. */
export function handleSpuriousIRQ(): void {
  // GICv2: nothing to do
}
