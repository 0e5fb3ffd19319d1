/**
 * Modelled time and the two timers of the machine.
 *
 * - {@link Clock}: modelled time in integer nanoseconds, advanced by the machine (per user
 *   instruction, and to the next deadline when idle). Devices tell it their next event.
 * - {@link PrivateTimer}: the Cortex-A9 private timer seL4 uses as its preemption timer on the
 *   imx6 (`src/drivers/timer/priv_timer.c`), with `initTimer` and `resetTimer` as the kernel
 *   calls them: it fires `KERNEL_TIMER_IRQ` every `TIMER_TICK_MS` of modelled time.
 * - The i.MX6 EPIT, a memory-mapped timer a user-level driver programs, is in `epit.ts`.
 *
 * Counters are evaluated lazily from the clock (no per-tick work): a timer keeps the counter
 * value at a base time and derives the value and the next event from the elapsed ticks, with
 * exact integer ratios so an event falls on the same nanosecond every run.
 *
 * @module
 */
import type { InterruptController } from './irq.js';
import type { MemoryMappedDevice } from './memory.js';

/** seL4's `CONFIG_TIMER_TICK_MS` (default, unchanged by the verified config). */
export const TIMER_TICK_MS = 2;

/** Nanoseconds per millisecond. */
export const NS_PER_MS = 1_000_000;

const NS_PER_S = 1_000_000_000;

/** Something with events in modelled time: a timer. */
export interface TimedDevice {
  /** Modelled time (ns) of the next event not yet delivered by {@link onTime}, or Infinity. */
  nextEventNs(): number;
  /** Delivers the event due at `now` (the clock has just reached {@link nextEventNs}). */
  onTime(now: number): void;
}

/** Modelled time, in integer nanoseconds since power-on. */
export class Clock {
  private nowNs = 0;
  private nextNs = Infinity;
  private readonly devices: TimedDevice[] = [];

  /** The current modelled time in ns. */
  get now(): number {
    return this.nowNs;
  }

  /** The earliest pending device event (ns), or Infinity. */
  get nextDeadline(): number {
    return this.nextNs;
  }

  /** Registers a device whose events the clock delivers. */
  attach(device: TimedDevice): void {
    this.devices.push(device);
    this.reschedule();
  }

  /** Recomputes the next deadline; a device calls it after a register write moves its events. */
  reschedule(): void {
    let next = Infinity;
    for (const d of this.devices) next = Math.min(next, d.nextEventNs());
    this.nextNs = next;
  }

  /** Advances time by `ns` (rounded up to whole ns), delivering device events on the way. */
  advance(ns: number): void {
    this.advanceTo(this.nowNs + Math.ceil(ns));
  }

  /** Advances time to `target` (never backwards), delivering every event due by then in order. */
  advanceTo(target: number): void {
    while (this.nextNs <= target) {
      const due = this.nextNs;
      if (due > this.nowNs) this.nowNs = due;
      for (const d of this.devices) if (d.nextEventNs() <= due) d.onTime(due);
      this.reschedule();
    }
    if (target > this.nowNs) this.nowNs = target;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The tick rate of a counter clocked at `hz / divider`, as the reduced ratio num/den ticks
 * per ns, so conversions are exact integer arithmetic for any realistic span.
 */
export class TickRate {
  /** Numerator of ticks per ns. */
  readonly num: number;
  /** Denominator of ticks per ns. */
  readonly den: number;

  /** The rate of a `hz` clock after a divide-by-`divider` prescaler. */
  constructor(hz: number, divider = 1) {
    const d = NS_PER_S * divider;
    const g = gcd(hz, d);
    this.num = hz / g;
    this.den = d / g;
  }

  /** Whole ticks in `ns` nanoseconds (exact while `ns * num` is a safe integer). */
  ticksIn(ns: number): number {
    const x = ns * this.num;
    let q = Math.floor(x / this.den);
    if (x <= Number.MAX_SAFE_INTEGER) {
      // The division may round across an integer; fix it with exact products.
      while (q > 0 && q * this.den > x) q--;
      while ((q + 1) * this.den <= x) q++;
    }
    return q;
  }

  /**
   * The least whole ns in which `ticks` ticks have elapsed, consistent with {@link ticksIn}
   * (exact while `ticks * den` is a safe integer, that is for any span under about 100 days;
   * beyond, the nearest float).
   */
  nsFor(ticks: number): number {
    const x = ticks * this.den;
    let t = Math.ceil(x / this.num);
    if (x <= Number.MAX_SAFE_INTEGER) {
      while (t * this.num < x) t++;
      while (t > 0 && (t - 1) * this.num >= x) t--;
    }
    return t;
  }
}

// --- Cortex-A9 private timer (Cortex-A9 MPCore TRM, "Private timer and watchdog registers").

/** Private timer Load register offset. */
export const PRIV_TIMER_LOAD = 0x00;
/** Private timer Counter register offset. */
export const PRIV_TIMER_COUNTER = 0x04;
/** Private timer Control register offset. */
export const PRIV_TIMER_CONTROL = 0x08;
/** Private timer Interrupt Status register offset (event flag, write 1 to clear). */
export const PRIV_TIMER_INT_STATUS = 0x0c;
/** Control: timer enable (seL4 `TMR_CTRL_ENABLE`). */
export const PRIV_TIMER_CTRL_ENABLE = 1 << 0;
/** Control: auto-reload from Load at zero (`TMR_CTRL_AUTORELOAD`). */
export const PRIV_TIMER_CTRL_AUTORELOAD = 1 << 1;
/** Control: raise the interrupt at zero (`TMR_CTRL_IRQEN`). */
export const PRIV_TIMER_CTRL_IRQEN = 1 << 2;
/** Control: prescaler field shift, bits [15:8] (`TMR_CTRL_PRESCALE`). */
export const PRIV_TIMER_CTRL_PRESCALE_SHIFT = 8;
/** Interrupt Status: the event flag (`TMR_INTS_EVENT`). */
export const PRIV_TIMER_INTS_EVENT = 1 << 0;

/**
 * The Cortex-A9 private timer: a 32-bit down counter that sets its event flag and pulses its
 * interrupt (PPI 29, edge-triggered) on reaching zero, reloading from Load in auto-reload mode.
 *
 * Simplification: the hardware takes one more cycle to reload after reaching zero (period
 * Load + 1); here reaching zero and reloading are one step, so a period is exactly Load
 * prescaled cycles and the kernel's tick is exactly TIMER_TICK_MS, as seL4 intends.
 */
export class PrivateTimer implements MemoryMappedDevice, TimedDevice {
  private load = 0;
  private ctrl = 0;
  private event = 0;
  private baseNs = 0; // time at which the counter held baseCount
  private baseCount = 0;
  private lastEvent = 0; // ticks after baseNs of the last delivered zero, 0 when none
  private rate: TickRate;

  /** A stopped timer clocked at `hz`, raising `line` on `irq`. */
  constructor(
    private readonly clock: Clock,
    private readonly irq: InterruptController,
    private readonly line: number,
    private readonly hz: number,
  ) {
    this.rate = new TickRate(hz);
    clock.attach(this);
  }

  private get autoReload(): boolean {
    return (this.ctrl & PRIV_TIMER_CTRL_AUTORELOAD) !== 0;
  }

  // Counter value `e` ticks after the base: down to 0, then Load again (auto-reload) or stay.
  private valueAfter(e: number): number {
    const c = this.baseCount;
    if (e < c) return c - e;
    if (!this.autoReload || this.load === 0) return 0;
    return this.load - ((e - c) % this.load);
  }

  // Restarts the base at `now` with counter `count`; any partial prescaler cycle is dropped.
  private rebase(count: number): void {
    this.baseNs = this.clock.now;
    this.baseCount = count >>> 0;
    this.lastEvent = 0;
    this.rate = new TickRate(this.hz, ((this.ctrl >>> PRIV_TIMER_CTRL_PRESCALE_SHIFT) & 0xff) + 1);
    this.clock.reschedule();
  }

  private counterNow(): number {
    if ((this.ctrl & PRIV_TIMER_CTRL_ENABLE) === 0) return this.baseCount;
    return this.valueAfter(this.rate.ticksIn(this.clock.now - this.baseNs));
  }

  /** Reads a register (Load, Counter, Control, Interrupt Status; others read as 0). */
  read32(offset: number): number {
    switch (offset) {
      case PRIV_TIMER_LOAD: return this.load;
      case PRIV_TIMER_COUNTER: return this.counterNow();
      case PRIV_TIMER_CONTROL: return this.ctrl;
      case PRIV_TIMER_INT_STATUS: return this.event;
      default: return 0;
    }
  }

  /** Writes a register: Load also loads the counter; Interrupt Status is write-1-to-clear. */
  write32(offset: number, value: number): void {
    switch (offset) {
      case PRIV_TIMER_LOAD:
        this.load = value >>> 0;
        this.rebase(this.load);
        break;
      case PRIV_TIMER_COUNTER:
        this.rebase(value);
        break;
      case PRIV_TIMER_CONTROL: {
        const count = this.counterNow();
        this.ctrl = value & 0xff07;
        this.rebase(count);
        break;
      }
      case PRIV_TIMER_INT_STATUS:
        if ((value & PRIV_TIMER_INTS_EVENT) !== 0) this.event = 0;
        break;
    }
  }

  /**
   * seL4's `initTimer` for the private timer: stop, clear, load `TIMER_RELOAD` (ticks per
   * `tickMs`), prescale, auto-reload, interrupt enable, then enable.
   */
  initTimer(tickMs: number = TIMER_TICK_MS): void {
    const reload = (this.hz / 1000) * tickMs; // TIMER_RELOAD = TICKS_PER_MS * TIMER_TICK_MS
    const prescale = Math.floor(reload / 2 ** 32);
    this.write32(PRIV_TIMER_CONTROL, 0);
    this.write32(PRIV_TIMER_INT_STATUS, PRIV_TIMER_INTS_EVENT);
    this.write32(PRIV_TIMER_LOAD, Math.floor(reload / (prescale + 1)));
    const ctrl = (prescale << PRIV_TIMER_CTRL_PRESCALE_SHIFT) | PRIV_TIMER_CTRL_AUTORELOAD | PRIV_TIMER_CTRL_IRQEN;
    this.write32(PRIV_TIMER_CONTROL, ctrl);
    this.write32(PRIV_TIMER_CONTROL, ctrl | PRIV_TIMER_CTRL_ENABLE);
  }

  /** seL4's `resetTimer` after a tick: clears the event flag. */
  resetTimer(): void {
    this.write32(PRIV_TIMER_INT_STATUS, PRIV_TIMER_INTS_EVENT);
  }

  /** Whether the event flag is set (a zero was reached since the last reset). */
  get eventPending(): boolean {
    return this.event !== 0;
  }

  // Tick (after the base) of the first zero after `lastEvent`, or Infinity.
  private nextEventTick(): number {
    if ((this.ctrl & PRIV_TIMER_CTRL_ENABLE) === 0) return Infinity;
    const c = this.baseCount;
    if (c > this.lastEvent) return c;
    if (!this.autoReload || this.load === 0) return Infinity;
    return c + (Math.floor((this.lastEvent - c) / this.load) + 1) * this.load;
  }

  /** Time of the next zero (ns), or Infinity when stopped. */
  nextEventNs(): number {
    const e = this.nextEventTick();
    return e === Infinity ? Infinity : this.baseNs + this.rate.nsFor(e);
  }

  /** Reaching zero: set the event flag and, if enabled, pulse the interrupt. */
  onTime(): void {
    const e = this.nextEventTick();
    if (e === Infinity) return;
    this.lastEvent = e;
    this.event = PRIV_TIMER_INTS_EVENT;
    if ((this.ctrl & PRIV_TIMER_CTRL_IRQEN) !== 0) this.irq.pulse(this.line);
    // Move the base forward to a tick that falls on a whole ns, keeping the numbers small.
    const shift = e - (e % this.rate.num);
    if (shift > 0) {
      this.baseCount = this.valueAfter(shift);
      this.baseNs += (shift / this.rate.num) * this.rate.den;
      this.lastEvent -= shift;
    }
  }
}
