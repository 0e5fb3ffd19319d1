/**
 * Interrupt invariants (l4v `Invariants_AI.thy`): `valid_irq_node`, `valid_irq_handlers`
 * and `valid_irq_states`. Each IRQ has a one-slot CNode for its notification; a handler cap
 * exists only for a line the kernel has issued; a line nobody handles stays masked.
 *
 * @module
 */
import { MAX_IRQ, SLOT_BITS } from '../../abi/config.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { indexOf, lastAtOrBelow, showObject, showSlotKey } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

/** The node CNode of an IRQ (l4v `interrupt_irq_node s irq`). */
export function irqNodeOf(s: KernelState, irq: number): number {
  return s.irqNode + irq * 2 ** SLOT_BITS;
}

/**
 * `valid_irq_node`: the IRQ node is injective and each IRQ's entry is a CNode with a single
 * slot (radix 0). Entries at consecutive slot-sized addresses are injective by construction,
 * so what is checked is that each of the `maxIRQ + 1` entries is a radix-0 CNode.
 */
export const validIrqNode: Invariant = {
  name: 'valid_irq_node',
  family: 'irq',
  summary: 'every IRQ has a one-slot CNode at its place in the IRQ node',
  check(s: KernelState): Violation[] {
    // The node's CNodes are adjacent, so they are consecutive in the sorted object list:
    // reading them there is much cheaper than 160 heap lookups.
    const objects = indexOf(s).objects;
    const first = lastAtOrBelow(objects, s.irqNode);
    const out: Violation[] = [];
    for (let irq = 0; irq <= MAX_IRQ; irq++) {
      const addr = irqNodeOf(s, irq);
      const placed = objects[first + irq];
      const o = placed?.addr === addr ? placed.obj : s.kheap.get(addr);
      if (o?.kind !== 'CNode' || o.bits !== 0) {
        out.push(violation('valid_irq_node', showObject(addr), `IRQ ${irq}'s node is ${o === undefined ? 'missing' : o.kind === 'CNode' ? `a radix-${o.bits} CNode` : `a ${o.kind}`}`));
      }
    }
    return out;
  },
};

/** `valid_irq_handlers`: every IRQ named by an IRQ handler cap is in state `IRQSignal` (issued). */
export const validIrqHandlers: Invariant = {
  name: 'valid_irq_handlers',
  family: 'irq',
  summary: 'an IRQ with a handler cap is in state IRQSignal',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const c of ix.caps) {
      if (c.cap.kind !== 'IRQHandlerCap') continue;
      const st = s.irqStates[c.cap.irq];
      if (st !== 'IRQSignal') out.push(violation('valid_irq_handlers', showSlotKey(ix, c.key), `handler cap for IRQ ${c.cap.irq}, which is ${st ?? 'not a line'}`));
    }
    return out;
  },
};

/**
 * `valid_irq_states`: every line in state `IRQInactive` is masked. (Also: there is a state
 * and a mask for each of the `maxIRQ + 1` lines, which l4v's total functions give for free.)
 */
export const validIrqStates: Invariant = {
  name: 'valid_irq_states',
  family: 'irq',
  summary: 'an inactive IRQ is masked',
  check(s: KernelState): Violation[] {
    const out: Violation[] = [];
    if (s.irqStates.length !== MAX_IRQ + 1 || s.machine.irqMasks.length !== MAX_IRQ + 1) {
      out.push(violation('valid_irq_states', 'interrupt state', `${s.irqStates.length} IRQ states and ${s.machine.irqMasks.length} masks for ${MAX_IRQ + 1} lines`));
    }
    s.irqStates.forEach((st, irq) => {
      if (st === 'IRQInactive' && s.machine.irqMasks[irq] !== true) out.push(violation('valid_irq_states', `IRQ ${irq}`, 'inactive but not masked'));
    });
    return out;
  },
};
