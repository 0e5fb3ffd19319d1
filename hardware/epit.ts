/**
 * The i.MX6 EPIT (Enhanced Periodic Interrupt Timer), the memory-mapped timer a user-level
 * timer driver programs (libplatsupport's imx6 timeout timer is EPIT2). Register offsets and
 * bits follow the i.MX6 reference manual, as libplatsupport's `src/mach/imx/epit/epit.c` uses
 * them.
 *
 * The counter counts down from Load (or 0xffffffff) at the selected clock divided by
 * PRESCALER + 1; when it equals the compare register the output-compare flag (OCIF) is set,
 * and while OCIF and OCIEN are both set the interrupt line is asserted (level). After 0 the
 * counter reloads from Load (RLD = 1, "set-and-forget") or rolls over to 0xffffffff (RLD = 0,
 * free-running).
 *
 * Not modelled: the output pin (OM), stop/wait/debug modes, and the write-synchronisation
 * delay of the real part. `ipg_clk_highfreq` is taken to run at the ipg rate.
 *
 * @module
 */
import type { InterruptController } from './irq.js';
import type { MemoryMappedDevice } from './memory.js';
import { TickRate, type Clock, type TimedDevice } from './timer.js';
import { IMX6_CLK_32K_HZ, IMX6_IPG_CLK_HZ } from './board.js';

/** Control register offset (EPITx_CR). */
export const EPIT_CR = 0x00;
/** Status register offset (EPITx_SR). */
export const EPIT_SR = 0x04;
/** Load register offset (EPITx_LR). */
export const EPIT_LR = 0x08;
/** Compare register offset (EPITx_CMPR). */
export const EPIT_CMPR = 0x0c;
/** Counter register offset (EPITx_CNR, read-only). */
export const EPIT_CNR = 0x10;

/** CR: enable. */
export const EPIT_CR_EN = 1 << 0;
/** CR: on enable, start from Load (RLD) or 0xffffffff instead of the frozen count. */
export const EPIT_CR_ENMOD = 1 << 1;
/** CR: output-compare interrupt enable. */
export const EPIT_CR_OCIEN = 1 << 2;
/** CR: reload from Load at 0 (set-and-forget) instead of rolling over. */
export const EPIT_CR_RLD = 1 << 3;
/** CR: prescaler field shift, bits [15:4] (divide by value + 1). */
export const EPIT_CR_PRESCALER_SHIFT = 4;
/** CR: software reset (self-clearing). */
export const EPIT_CR_SWR = 1 << 16;
/** CR: a Load write also overwrites the counter. */
export const EPIT_CR_IOVW = 1 << 17;
/** CR: clock source field shift, bits [25:24] (0 off, 1 ipg, 2 ipg high-frequency, 3 32 kHz). */
export const EPIT_CR_CLKSRC_SHIFT = 24;
/** SR: output-compare interrupt flag (write 1 to clear). */
export const EPIT_SR_OCIF = 1 << 0;

// CR bits a software reset leaves alone: EN, ENMOD, DBGEN (18), WAITEN (19), STOPEN (21).
const EPIT_CR_SWR_KEEP = EPIT_CR_EN | EPIT_CR_ENMOD | (1 << 18) | (1 << 19) | (1 << 21);
const EPIT_CR_WRITABLE = 0x03ff_ffff & ~EPIT_CR_SWR;
const MAX_COUNT = 0xffffffff;

/** One EPIT, mapped at its physical base, raising `line` on the interrupt controller. */
export class Epit implements MemoryMappedDevice, TimedDevice {
  private cr = 0;
  private ocif = 0;
  private lr = MAX_COUNT;
  private cmpr = 0;
  private baseNs = 0; // time at which the counter held baseCount
  private baseCount = MAX_COUNT;
  private lastEvent = 0; // ticks after baseNs of the last compare event delivered, 0 when none
  private rate: TickRate | undefined; // undefined when not counting

  /** An EPIT in its reset state; `ipgHz` is the ipg clock (66 MHz on the Sabre Lite). */
  constructor(
    private readonly clock: Clock,
    private readonly irq: InterruptController,
    private readonly line: number,
    private readonly ipgHz: number = IMX6_IPG_CLK_HZ,
  ) {
    clock.attach(this);
  }

  private get reloadValue(): number {
    return (this.cr & EPIT_CR_RLD) !== 0 ? this.lr : MAX_COUNT;
  }

  // Counter `e` ticks after the base: count down to 0, then the reload value, and on.
  private valueAfter(e: number): number {
    const c = this.baseCount;
    if (e <= c) return c - e;
    const r = this.reloadValue;
    return r - ((e - c - 1) % (r + 1));
  }

  private counterNow(): number {
    if (this.rate === undefined) return this.baseCount;
    return this.valueAfter(this.rate.ticksIn(this.clock.now - this.baseNs));
  }

  // Restarts counting at `now` from `count` under the current CR.
  private rebase(count: number): void {
    const src = (this.cr >>> EPIT_CR_CLKSRC_SHIFT) & 3;
    const hz = src === 3 ? IMX6_CLK_32K_HZ : this.ipgHz;
    const divider = ((this.cr >>> EPIT_CR_PRESCALER_SHIFT) & 0xfff) + 1;
    this.rate = (this.cr & EPIT_CR_EN) !== 0 && src !== 0 ? new TickRate(hz, divider) : undefined;
    this.baseNs = this.clock.now;
    this.baseCount = count >>> 0;
    this.lastEvent = 0;
    this.clock.reschedule();
  }

  private updateLine(): void {
    this.irq.setLine(this.line, this.ocif !== 0 && (this.cr & EPIT_CR_OCIEN) !== 0);
  }

  /** Reads a register; CNR gives the live count. Unknown offsets read as 0. */
  read32(offset: number): number {
    switch (offset) {
      case EPIT_CR: return this.cr;
      case EPIT_SR: return this.ocif;
      case EPIT_LR: return this.lr;
      case EPIT_CMPR: return this.cmpr;
      case EPIT_CNR: return this.counterNow();
      default: return 0;
    }
  }

  /** Writes a register; see the module comment for each register's effect. */
  write32(offset: number, value: number): void {
    switch (offset) {
      case EPIT_CR:
        this.writeControl(value >>> 0);
        break;
      case EPIT_SR:
        if ((value & EPIT_SR_OCIF) !== 0) this.ocif = 0;
        break;
      case EPIT_LR:
        this.lr = value >>> 0;
        // The reload value (and with IOVW the count itself) changes the coming events.
        this.rebase((this.cr & EPIT_CR_IOVW) !== 0 ? this.lr : this.counterNow());
        break;
      case EPIT_CMPR:
        this.cmpr = value >>> 0;
        this.rebase(this.counterNow());
        break;
    }
    this.updateLine();
  }

  private writeControl(value: number): void {
    let count = this.counterNow();
    if ((value & EPIT_CR_SWR) !== 0) {
      // Software reset: every register to its reset value except the kept CR bits.
      this.cr = this.cr & EPIT_CR_SWR_KEEP;
      this.ocif = 0;
      this.lr = MAX_COUNT;
      this.cmpr = 0;
      this.rebase(MAX_COUNT);
      return;
    }
    const enabling = (this.cr & EPIT_CR_EN) === 0 && (value & EPIT_CR_EN) !== 0;
    this.cr = value & EPIT_CR_WRITABLE;
    if (enabling && (this.cr & EPIT_CR_ENMOD) !== 0) count = this.reloadValue;
    this.rebase(count);
  }

  // Tick (after the base) of the first compare match after `lastEvent`, or Infinity.
  private nextEventTick(): number {
    if (this.rate === undefined) return Infinity;
    const c = this.baseCount;
    const cmp = this.cmpr;
    if (cmp < c && c - cmp > this.lastEvent) return c - cmp;
    const r = this.reloadValue;
    if (cmp > r) return Infinity;
    const first = c + 1 + (r - cmp); // first match after the counter passes 0
    if (first > this.lastEvent) return first;
    const period = r + 1;
    return first + (Math.floor((this.lastEvent - first) / period) + 1) * period;
  }

  /** Time of the next compare event (ns), or Infinity when not counting. */
  nextEventNs(): number {
    const e = this.nextEventTick();
    return e === Infinity || this.rate === undefined ? Infinity : this.baseNs + this.rate.nsFor(e);
  }

  /** A compare event: set OCIF and assert the line if OCIEN. */
  onTime(): void {
    const e = this.nextEventTick();
    if (e === Infinity || this.rate === undefined) return;
    this.lastEvent = e;
    this.ocif = EPIT_SR_OCIF;
    this.updateLine();
    // Move the base to a tick on a whole ns, so long runs keep exact arithmetic.
    const shift = e - (e % this.rate.num);
    if (shift > 0) {
      this.baseCount = this.valueAfter(shift);
      this.baseNs += (shift / this.rate.num) * this.rate.den;
      this.lastEvent -= shift;
    }
  }
}
