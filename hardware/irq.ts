/**
 * A GICv2-like interrupt controller for one CPU: the distributor's per-line enable, pending,
 * active, priority and trigger configuration, and the CPU interface's acknowledge (GICC_IAR),
 * end-of-interrupt (GICC_EOIR) and highest-pending (GICC_HPPIR) operations.
 *
 * What is modelled and why:
 * - Lines 0..maxIRQ (SGIs 0-15, PPIs 16-31, SPIs from 32). Devices drive lines through
 *   {@link InterruptController.setLine} (level) or {@link InterruptController.pulse} (edge).
 * - Level-sensitive lines are pending while the device holds them asserted (or while a
 *   software-set pending latch is set); edge-triggered lines latch pending on a rising edge.
 * - Priority per line, 0 highest; ties go to the lowest interrupt ID, as the GIC does.
 * - Running priority: while a line is active, only lines of strictly higher priority are
 *   signalled, so a kernel that forgets an EOI stops seeing interrupts, as on hardware.
 * - Not modelled: SGI generation, CPU targets, security groups, the priority mask register
 *   (seL4 sets it to let every priority through) and binary point.
 *
 * @module
 */
import { IMX6_MAX_IRQ } from './board.js';

/** GICC_IAR value when no interrupt can be acknowledged (spurious interrupt ID). */
export const IRQ_SPURIOUS = 1023;

/** Priority every line has at reset (all equal; seL4 never changes them on GICv2). */
export const DEFAULT_IRQ_PRIORITY = 0;

/** Number of priority levels (8 bits in GICD_IPRIORITYR). */
export const IRQ_PRIORITY_LEVELS = 256;

/** How a line's pending state follows its input. */
export type TriggerMode = 'level' | 'edge';

// Per-line state bits (one byte per line, no allocation when they change).
const ENABLED = 1;
const LATCHED = 2; // edge seen or software set pending, cleared by acknowledge/clearPending
const ACTIVE = 4;
const ASSERTED = 8; // the device's output, for level-sensitive lines
const EDGE = 16;

// Running priority when nothing is active: lower than any real priority.
const IDLE_PRIORITY = IRQ_PRIORITY_LEVELS;

function isPending(s: number): boolean {
  return (s & LATCHED) !== 0 || ((s & (EDGE | ASSERTED)) === ASSERTED);
}

// A line the CPU interface may hand out: enabled, pending and not already active.
function isCandidate(s: number): boolean {
  return (s & (ENABLED | ACTIVE)) === ENABLED && isPending(s);
}

/** The interrupt controller of the modelled machine. */
export class InterruptController {
  /** Largest valid interrupt ID. */
  readonly maxIRQ: number;
  private readonly state: Uint8Array;
  private readonly priority: Uint8Array;
  // Lines for which isCandidate holds, so the common "nothing pending" check is O(1).
  private candidates = 0;
  // Lines that are active, so the running priority is only recomputed when one is.
  private activeCount = 0;

  /** A controller with lines 0..maxIRQ, all masked, idle, level-sensitive, default priority. */
  constructor(maxIRQ: number = IMX6_MAX_IRQ) {
    this.maxIRQ = maxIRQ;
    // Both per-line arrays in one buffer: one allocation.
    const buf = new ArrayBuffer(2 * (maxIRQ + 1));
    this.state = new Uint8Array(buf, 0, maxIRQ + 1);
    this.priority = new Uint8Array(buf, maxIRQ + 1, maxIRQ + 1).fill(DEFAULT_IRQ_PRIORITY);
  }

  private check(irq: number): void {
    if (!Number.isInteger(irq) || irq < 0 || irq > this.maxIRQ) {
      throw new RangeError(`interrupt ${irq} outside 0..${this.maxIRQ}`);
    }
  }

  private update(irq: number, next: number): void {
    const prev = this.state[irq] ?? 0;
    if (prev === next) return;
    this.candidates += (isCandidate(next) ? 1 : 0) - (isCandidate(prev) ? 1 : 0);
    this.activeCount += ((next & ACTIVE) !== 0 ? 1 : 0) - ((prev & ACTIVE) !== 0 ? 1 : 0);
    this.state[irq] = next;
  }

  private flags(irq: number): number {
    this.check(irq);
    return this.state[irq] ?? 0;
  }

  /** Unmasks (enables) a line: GICD_ISENABLER, seL4 `maskInterrupt(false, irq)`. */
  unmask(irq: number): void {
    this.update(irq, this.flags(irq) | ENABLED);
  }

  /** Masks (disables) a line: GICD_ICENABLER, seL4 `maskInterrupt(true, irq)`. */
  mask(irq: number): void {
    this.update(irq, this.flags(irq) & ~ENABLED);
  }

  /** Masks or unmasks, with seL4's `maskInterrupt(disable, irq)` argument order. */
  maskInterrupt(disable: boolean, irq: number): void {
    if (disable) this.mask(irq);
    else this.unmask(irq);
  }

  /** Whether the line is masked. */
  isMasked(irq: number): boolean {
    return (this.flags(irq) & ENABLED) === 0;
  }

  /** Sets a line's trigger mode (GICD_ICFGR; on the GIC fixed for PPIs, set once by the board). */
  setTrigger(irq: number, mode: TriggerMode): void {
    const s = this.flags(irq);
    this.update(irq, mode === 'edge' ? s | EDGE : s & ~EDGE);
  }

  /** A line's trigger mode. */
  trigger(irq: number): TriggerMode {
    return (this.flags(irq) & EDGE) !== 0 ? 'edge' : 'level';
  }

  /** Sets a line's priority (0 = highest, 255 = lowest; GICD_IPRIORITYR). */
  setPriority(irq: number, priority: number): void {
    this.check(irq);
    if (!Number.isInteger(priority) || priority < 0 || priority >= IRQ_PRIORITY_LEVELS) {
      throw new RangeError(`priority ${priority} outside 0..${IRQ_PRIORITY_LEVELS - 1}`);
    }
    this.priority[irq] = priority;
  }

  /** A line's priority. */
  getPriority(irq: number): number {
    this.check(irq);
    return this.priority[irq] ?? DEFAULT_IRQ_PRIORITY;
  }

  /**
   * Drives a line from its device. Level-sensitive lines are pending while asserted; an
   * edge-triggered line latches pending when it goes from deasserted to asserted.
   */
  setLine(irq: number, asserted: boolean): void {
    const s = this.flags(irq);
    if (asserted) {
      const rising = (s & ASSERTED) === 0;
      this.update(irq, s | ASSERTED | (rising && (s & EDGE) !== 0 ? LATCHED : 0));
    } else {
      this.update(irq, s & ~ASSERTED);
    }
  }

  /** An edge from a device that pulses its output (assert, then deassert). */
  pulse(irq: number): void {
    this.setLine(irq, true);
    this.setLine(irq, false);
  }

  /** Software sets a line pending (GICD_ISPENDR). */
  setPending(irq: number): void {
    this.update(irq, this.flags(irq) | LATCHED);
  }

  /**
   * Software clears a line's pending latch (GICD_ICPENDR). A level line whose device still
   * asserts it stays pending, as on the GIC.
   */
  clearPending(irq: number): void {
    this.update(irq, this.flags(irq) & ~LATCHED);
  }

  /** Whether the line is pending (whether or not it is enabled). */
  isPending(irq: number): boolean {
    return isPending(this.flags(irq));
  }

  /** Whether the line is active (acknowledged and not yet ended). */
  isActive(irq: number): boolean {
    return (this.flags(irq) & ACTIVE) !== 0;
  }

  /** The priority of the highest-priority active line (GICC_RPR), or 256 when none is active. */
  runningPriority(): number {
    if (this.activeCount === 0) return IDLE_PRIORITY;
    let best = IDLE_PRIORITY;
    for (let i = 0; i <= this.maxIRQ; i++) {
      if (((this.state[i] ?? 0) & ACTIVE) !== 0) best = Math.min(best, this.priority[i] ?? 0);
    }
    return best;
  }

  // The enabled, pending, inactive line of highest priority (lowest ID on ties) whose priority
  // is strictly below `ceiling`, or IRQ_SPURIOUS.
  private best(ceiling: number): number {
    if (this.candidates === 0) return IRQ_SPURIOUS;
    let found = IRQ_SPURIOUS;
    let bestPriority = ceiling;
    for (let i = 0; i <= this.maxIRQ; i++) {
      const p = this.priority[i] ?? 0;
      if (p < bestPriority && isCandidate(this.state[i] ?? 0)) {
        found = i;
        bestPriority = p;
      }
    }
    return found;
  }

  /**
   * GICC_HPPIR: the highest-priority pending enabled line that is not active, regardless of
   * the running priority; IRQ_SPURIOUS when there is none.
   */
  highestPending(): number {
    return this.best(IDLE_PRIORITY);
  }

  /**
   * Whether some enabled line is pending: seL4's `isIRQPending` (GICC_HPPIR valid), which the
   * kernel's preemption points poll (l4v `getActiveIRQ`).
   */
  hasPendingEnabled(): boolean {
    return this.candidates !== 0;
  }

  /** Whether the CPU's IRQ input is asserted: a line would be handed out by {@link acknowledge}. */
  signalled(): boolean {
    return this.candidates !== 0 && this.best(this.runningPriority()) !== IRQ_SPURIOUS;
  }

  /**
   * GICC_IAR: returns the highest-priority pending enabled line that beats the running
   * priority and makes it active (its edge latch is consumed; a level line whose device still
   * asserts it stays pending too), or IRQ_SPURIOUS when there is none.
   */
  acknowledge(): number {
    const irq = this.best(this.runningPriority());
    if (irq !== IRQ_SPURIOUS) this.update(irq, ((this.state[irq] ?? 0) & ~LATCHED) | ACTIVE);
    return irq;
  }

  /** GICC_EOIR: ends an active line (seL4 `ackInterrupt`); ending an inactive line does nothing. */
  endOfInterrupt(irq: number): void {
    this.update(irq, this.flags(irq) & ~ACTIVE);
  }

  /** Power-on state: all lines masked, idle, level-sensitive, at the default priority. */
  reset(): void {
    this.state.fill(0);
    this.priority.fill(DEFAULT_IRQ_PRIORITY);
    this.candidates = 0;
    this.activeCount = 0;
  }
}
