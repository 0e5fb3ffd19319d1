import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { ARM_PRIV_TIMER, ARM_PRIV_TIMER_HZ, EPIT2, IMX6_IPG_CLK_HZ } from '../../hardware/board.js';
import {
  EPIT_CMPR, EPIT_CNR, EPIT_CR, EPIT_CR_CLKSRC_SHIFT, EPIT_CR_EN, EPIT_CR_ENMOD, EPIT_CR_IOVW,
  EPIT_CR_OCIEN, EPIT_CR_PRESCALER_SHIFT, EPIT_CR_RLD, EPIT_LR, EPIT_SR, EPIT_SR_OCIF, Epit,
} from '../../hardware/epit.js';
import { InterruptController, IRQ_SPURIOUS } from '../../hardware/irq.js';
import {
  Clock, NS_PER_MS, PRIV_TIMER_CONTROL, PRIV_TIMER_COUNTER, PRIV_TIMER_CTRL_AUTORELOAD,
  PRIV_TIMER_CTRL_ENABLE, PRIV_TIMER_INT_STATUS, PRIV_TIMER_LOAD, PrivateTimer,
  TIMER_TICK_MS, TickRate,
} from '../../hardware/timer.js';

const TICK_NS = TIMER_TICK_MS * NS_PER_MS;

function kernelTimer() {
  const clock = new Clock();
  const irq = new InterruptController();
  irq.setTrigger(ARM_PRIV_TIMER.irq, 'edge');
  irq.unmask(ARM_PRIV_TIMER.irq);
  const timer = new PrivateTimer(clock, irq, ARM_PRIV_TIMER.irq, ARM_PRIV_TIMER_HZ);
  timer.initTimer();
  return { clock, irq, timer };
}

// The kernel's handling of a timer interrupt: ack, resetTimer, EOI. Returns the line taken.
function handleTick(irq: InterruptController, timer: PrivateTimer): number {
  const line = irq.acknowledge();
  timer.resetTimer();
  irq.endOfInterrupt(line);
  return line;
}

describe('PrivateTimer (kernel preemption timer)', () => {
  test('initTimer programs seL4\'s TIMER_RELOAD for a 2 ms tick at 498 MHz', () => {
    const { timer } = kernelTimer();
    expect(timer.read32(PRIV_TIMER_LOAD)).toBe(996_000);
    expect(timer.nextEventNs()).toBe(TICK_NS);
  });

  test('fires the timer IRQ every 2 ms of modelled time, and not before', () => {
    const { clock, irq, timer } = kernelTimer();
    for (let tick = 1; tick <= 50; tick++) {
      clock.advanceTo(tick * TICK_NS - 1);
      expect(irq.hasPendingEnabled()).toBe(false);
      clock.advance(1);
      expect(irq.hasPendingEnabled()).toBe(true);
      expect(timer.eventPending).toBe(true);
      expect(handleTick(irq, timer)).toBe(ARM_PRIV_TIMER.irq);
      expect(timer.eventPending).toBe(false);
    }
    expect(irq.acknowledge()).toBe(IRQ_SPURIOUS);
  });

  test('a long jump in time delivers one edge per tick to the latch (edge lines do not count)', () => {
    const { clock, irq, timer } = kernelTimer();
    clock.advanceTo(10 * TICK_NS + 5);
    expect(handleTick(irq, timer)).toBe(ARM_PRIV_TIMER.irq);
    expect(irq.acknowledge()).toBe(IRQ_SPURIOUS); // edges while pending merge into one
    expect(timer.nextEventNs()).toBe(11 * TICK_NS);
  });

  propTest.prop([fc.integer({ min: 1_000_000, max: 600_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.nat(1_000_000)])(
    'in auto-reload the k-th zero comes k * Load ticks after the start, at any clock rate',
    (hz, load, start) => {
      const clock = new Clock();
      const irq = new InterruptController();
      const timer = new PrivateTimer(clock, irq, ARM_PRIV_TIMER.irq, hz);
      clock.advanceTo(start);
      timer.write32(PRIV_TIMER_LOAD, load);
      timer.write32(PRIV_TIMER_CONTROL, PRIV_TIMER_CTRL_AUTORELOAD | PRIV_TIMER_CTRL_ENABLE);
      const rate = new TickRate(hz);
      for (let k = 1; k <= 12; k++) {
        expect(timer.nextEventNs()).toBe(start + rate.nsFor(k * load));
        clock.advanceTo(timer.nextEventNs());
      }
    },
  );

  test('the counter counts down from Load at the timer clock', () => {
    const { clock, timer } = kernelTimer();
    clock.advanceTo(NS_PER_MS / 2); // 0.5 ms = 249000 cycles
    expect(timer.read32(PRIV_TIMER_COUNTER)).toBe(996_000 - 249_000);
    expect(timer.read32(PRIV_TIMER_INT_STATUS)).toBe(0);
  });
});

function epit(prescaler = 0) {
  const clock = new Clock();
  const irq = new InterruptController();
  irq.unmask(EPIT2.irq);
  const e = new Epit(clock, irq, EPIT2.irq, IMX6_IPG_CLK_HZ);
  // libplatsupport epit_init, then epit_set_timeout_ticks's control word.
  e.write32(EPIT_CR, 0);
  e.write32(EPIT_CMPR, 0);
  const cr = (1 << EPIT_CR_CLKSRC_SHIFT) | (prescaler << EPIT_CR_PRESCALER_SHIFT) | EPIT_CR_IOVW |
    EPIT_CR_OCIEN | EPIT_CR_ENMOD | EPIT_CR_EN;
  return { clock, irq, e, cr };
}

describe('Epit (user timer)', () => {
  test('a one-shot timeout raises the EPIT IRQ at the programmed time', () => {
    const { clock, irq, e, cr } = epit();
    clock.advanceTo(123_456); // programmed at an arbitrary moment
    e.write32(EPIT_CR, cr);
    e.write32(EPIT_LR, 66_000); // 1 ms of 66 MHz ticks
    clock.advanceTo(123_456 + NS_PER_MS - 1);
    expect(irq.isPending(EPIT2.irq)).toBe(false);
    clock.advance(1);
    expect(e.read32(EPIT_SR)).toBe(EPIT_SR_OCIF);
    expect(irq.acknowledge()).toBe(EPIT2.irq);
    e.write32(EPIT_SR, EPIT_SR_OCIF); // the driver's ack drops the level line
    irq.endOfInterrupt(EPIT2.irq);
    expect(irq.isPending(EPIT2.irq)).toBe(false);
    // RLD = 0: the counter rolled over to 0xffffffff and runs free; no event for ~65 s.
    clock.advance(10 * NS_PER_MS);
    expect(irq.isPending(EPIT2.irq)).toBe(false);
    expect(e.read32(EPIT_CNR)).toBeGreaterThan(0xf0000000);
  });

  test('a periodic timeout (RLD) fires every LR + 1 ticks', () => {
    const { clock, irq, e, cr } = epit(65); // 66 MHz / 66 = 1 tick per us
    e.write32(EPIT_CR, cr | EPIT_CR_RLD);
    e.write32(EPIT_LR, 999); // events at 999 us, then every 1000 us
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advanceTo(e.nextEventNs());
      times.push(clock.now);
      expect(irq.acknowledge()).toBe(EPIT2.irq);
      e.write32(EPIT_SR, EPIT_SR_OCIF);
      irq.endOfInterrupt(EPIT2.irq);
    }
    expect(times).toEqual([999_000, 1_999_000, 2_999_000, 3_999_000]);
  });

  test('disabled, the counter freezes; OCIEN off keeps the line low though OCIF is set', () => {
    const { clock, irq, e, cr } = epit();
    e.write32(EPIT_CR, cr & ~EPIT_CR_OCIEN);
    e.write32(EPIT_LR, 660);
    clock.advance(20_000);
    expect(e.read32(EPIT_SR)).toBe(EPIT_SR_OCIF);
    expect(irq.isPending(EPIT2.irq)).toBe(false);
    e.write32(EPIT_CR, (cr & ~EPIT_CR_EN) & ~EPIT_CR_OCIEN);
    const frozen = e.read32(EPIT_CNR);
    clock.advance(1_000_000);
    expect(e.read32(EPIT_CNR)).toBe(frozen);
    expect(e.nextEventNs()).toBe(Infinity);
  });

  propTest.prop([fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 0, max: 4095 }), fc.nat(10_000_000)])(
    'the compare event falls on the first ns at which LR ticks have elapsed',
    (load, prescaler, start) => {
      const { clock, irq, e, cr } = epit(prescaler);
      clock.advanceTo(start);
      e.write32(EPIT_CR, cr);
      e.write32(EPIT_LR, load);
      const rate = new TickRate(IMX6_IPG_CLK_HZ, prescaler + 1);
      const due = start + rate.nsFor(load);
      clock.advanceTo(due - 1);
      expect(irq.isPending(EPIT2.irq)).toBe(false);
      expect(e.read32(EPIT_CNR)).toBe(load - rate.ticksIn(due - 1 - start));
      clock.advanceTo(due);
      expect(irq.isPending(EPIT2.irq)).toBe(true);
      expect(e.read32(EPIT_CNR)).toBe(0);
    },
  );
});

describe('Clock and TickRate', () => {
  propTest.prop([fc.integer({ min: 1, max: 600_000_000 }), fc.integer({ min: 1, max: 4096 }), fc.nat(2 ** 32)])(
    'nsFor is the least time in which the ticks have elapsed',
    (hz, divider, ticks) => {
      const r = new TickRate(hz, divider);
      fc.pre(ticks * r.den <= Number.MAX_SAFE_INTEGER); // the exact range (about 100 days)
      const t = r.nsFor(ticks);
      expect(r.ticksIn(t)).toBeGreaterThanOrEqual(ticks);
      if (t > 0) expect(r.ticksIn(t - 1)).toBeLessThan(ticks);
    },
  );

  test('time never goes backwards', () => {
    const c = new Clock();
    c.advanceTo(100);
    c.advanceTo(50);
    expect(c.now).toBe(100);
  });
});
