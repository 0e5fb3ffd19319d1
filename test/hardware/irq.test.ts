import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { InterruptController, IRQ_SPURIOUS } from '../../hardware/irq.js';

// A plain statement of the GIC rules the controller must follow, line by line.
interface RefLine {
  enabled: boolean; latched: boolean; active: boolean; asserted: boolean; edge: boolean; priority: number;
}

class Reference {
  readonly lines = new Map<number, RefLine>();
  line(i: number): RefLine {
    let l = this.lines.get(i);
    if (l === undefined) {
      l = { enabled: false, latched: false, active: false, asserted: false, edge: false, priority: 0 };
      this.lines.set(i, l);
    }
    return l;
  }
  pending(l: RefLine): boolean {
    return l.latched || (!l.edge && l.asserted);
  }
  candidates(): [number, RefLine][] {
    return [...this.lines].filter(([, l]) => l.enabled && !l.active && this.pending(l));
  }
  running(): number {
    return Math.min(256, ...[...this.lines.values()].filter((l) => l.active).map((l) => l.priority));
  }
  // Highest priority (lowest number), ties to the lowest ID, beating `ceiling`.
  best(ceiling: number): number {
    const c = this.candidates().filter(([, l]) => l.priority < ceiling)
      .sort(([a, la], [b, lb]) => la.priority - lb.priority || a - b);
    return c[0]?.[0] ?? IRQ_SPURIOUS;
  }
  acknowledge(): number {
    const irq = this.best(this.running());
    if (irq !== IRQ_SPURIOUS) {
      const l = this.line(irq);
      l.latched = false;
      l.active = true;
    }
    return irq;
  }
}

// Lines chosen so that collisions are common, including both ends of the range.
const LINES = [0, 29, 59, 88, 159];
const line = fc.constantFrom(...LINES);

type Op =
  | { op: 'mask' | 'unmask' | 'setPending' | 'clearPending' | 'pulse' | 'eoi'; irq: number }
  | { op: 'line'; irq: number; asserted: boolean }
  | { op: 'trigger'; irq: number; edge: boolean }
  | { op: 'priority'; irq: number; priority: number }
  | { op: 'ack' };

const simple = (op: 'mask' | 'unmask' | 'setPending' | 'clearPending' | 'pulse' | 'eoi'): fc.Arbitrary<Op> =>
  fc.record({ op: fc.constant(op), irq: line });
// Weighted so that several lines are often enabled and pending at once, which is where
// priority order, tie-breaking and the running priority show.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: simple('unmask'), weight: 4 },
  { arbitrary: simple('mask'), weight: 1 },
  { arbitrary: simple('setPending'), weight: 4 },
  { arbitrary: simple('clearPending'), weight: 1 },
  { arbitrary: simple('pulse'), weight: 2 },
  { arbitrary: simple('eoi'), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('line' as const), irq: line, asserted: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('trigger' as const), irq: line, edge: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('priority' as const), irq: line, priority: fc.constantFrom(0, 1, 0xa0, 0xff) }),
    weight: 2,
  },
  { arbitrary: fc.constant({ op: 'ack' as const }), weight: 4 },
);

function apply(gic: InterruptController, ref: Reference, o: Op): void {
  if (o.op === 'ack') {
    expect(gic.acknowledge()).toBe(ref.acknowledge());
    return;
  }
  const l = ref.line(o.irq);
  switch (o.op) {
    case 'mask': gic.mask(o.irq); l.enabled = false; break;
    case 'unmask': gic.unmask(o.irq); l.enabled = true; break;
    case 'setPending': gic.setPending(o.irq); l.latched = true; break;
    case 'clearPending': gic.clearPending(o.irq); l.latched = false; break;
    case 'eoi': gic.endOfInterrupt(o.irq); l.active = false; break;
    case 'pulse':
      gic.pulse(o.irq);
      if (l.edge && !l.asserted) l.latched = true;
      l.asserted = false;
      break;
    case 'line':
      gic.setLine(o.irq, o.asserted);
      if (o.asserted && !l.asserted && l.edge) l.latched = true;
      l.asserted = o.asserted;
      break;
    case 'trigger': gic.setTrigger(o.irq, o.edge ? 'edge' : 'level'); l.edge = o.edge; break;
    case 'priority': gic.setPriority(o.irq, o.priority); l.priority = o.priority; break;
  }
}

describe('InterruptController', () => {
  propTest.prop([fc.array(opArb, { minLength: 10, maxLength: 100, size: 'max' })], { numRuns: 300 })(
    'acknowledge hands out exactly the highest-priority pending unmasked line',
    (ops) => {
      const gic = new InterruptController(159);
      const ref = new Reference();
      for (const o of ops) {
        apply(gic, ref, o);
        expect(gic.highestPending()).toBe(ref.best(256));
        expect(gic.hasPendingEnabled()).toBe(ref.candidates().length > 0);
        expect(gic.signalled()).toBe(ref.best(ref.running()) !== IRQ_SPURIOUS);
        expect(gic.runningPriority()).toBe(ref.running());
      }
      expect(gic.acknowledge()).toBe(ref.acknowledge());
    },
  );

  test('a level line is pending while asserted, stays pending while active, and is gone once deasserted', () => {
    const gic = new InterruptController();
    gic.unmask(59);
    gic.setLine(59, true);
    expect(gic.isPending(59)).toBe(true);
    expect(gic.acknowledge()).toBe(59);
    expect(gic.isPending(59)).toBe(true); // active and pending: the device still asserts it
    expect(gic.acknowledge()).toBe(IRQ_SPURIOUS); // not handed out again while active
    gic.endOfInterrupt(59);
    expect(gic.acknowledge()).toBe(59); // still asserted after EOI: taken again
    gic.setLine(59, false);
    gic.endOfInterrupt(59);
    expect(gic.isPending(59)).toBe(false);
    expect(gic.acknowledge()).toBe(IRQ_SPURIOUS);
  });

  test('an edge line latches on assertion and is consumed by acknowledge', () => {
    const gic = new InterruptController();
    gic.setTrigger(29, 'edge');
    gic.unmask(29);
    gic.pulse(29);
    expect(gic.isPending(29)).toBe(true);
    expect(gic.acknowledge()).toBe(29);
    expect(gic.isPending(29)).toBe(false);
    gic.setLine(29, true); // a new edge while active: active and pending
    gic.setLine(29, true); // held high: no new edge
    expect(gic.acknowledge()).toBe(IRQ_SPURIOUS);
    gic.endOfInterrupt(29);
    expect(gic.acknowledge()).toBe(29);
    gic.endOfInterrupt(29);
    expect(gic.acknowledge()).toBe(IRQ_SPURIOUS);
  });

  test('masked lines stay pending but are not handed out until unmasked', () => {
    const gic = new InterruptController();
    gic.setPending(88);
    expect(gic.hasPendingEnabled()).toBe(false);
    expect(gic.acknowledge()).toBe(IRQ_SPURIOUS);
    gic.unmask(88);
    expect(gic.hasPendingEnabled()).toBe(true);
    expect(gic.acknowledge()).toBe(88);
  });

  test('priority wins over ID, ID breaks ties, and a higher priority preempts an active line', () => {
    const gic = new InterruptController();
    for (const i of [40, 50, 60]) gic.unmask(i);
    gic.setPriority(60, 0x10);
    gic.setPriority(40, 0x20);
    gic.setPriority(50, 0x20);
    for (const i of [40, 50, 60]) gic.setPending(i);
    expect(gic.acknowledge()).toBe(60);
    expect(gic.acknowledge()).toBe(IRQ_SPURIOUS); // 0x20 does not beat running 0x10
    gic.endOfInterrupt(60);
    expect(gic.acknowledge()).toBe(40);
    gic.setPriority(50, 0x00);
    expect(gic.acknowledge()).toBe(50); // preempts the active 40
  });

  test('out-of-range lines and priorities are rejected', () => {
    const gic = new InterruptController(159);
    expect(() => gic.unmask(160)).toThrow(RangeError);
    expect(() => gic.setPriority(3, 256)).toThrow(RangeError);
  });
});
