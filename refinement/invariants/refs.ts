/**
 * Invariants about what caps reach: `if_unsafe_then_cap`, `zombies_final`,
 * `cap_refs_in_kernel_window` and `cap_refs_respects_device_region` (l4v
 * `Invariants_AI.thy`).
 *
 * @module
 */
import { TCB_CNODE_ENTRIES } from '../../abi/config.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { capIsDevice, capRange, isEmpty, objRef, overlaps, within } from './cap-range.js';
import { indexOf, showSlotKey, type SlotCap } from './state-index.js';
import { violation, type Invariant, type InvariantContext, type Violation } from './types.js';

// Which slots some cap gives access to (l4v `cte_refs`), gathered once per state.
interface Reach {
  // CNode address -> radixes of the CNode caps naming it (a cap covers the slots of its radix).
  readonly cnodes: Map<number, number[]>;
  // Object address -> largest slot count of a Zombie naming it.
  readonly zombies: Map<number, number>;
  readonly threads: Set<number>;
  // IRQ-node slot keys reached by an IRQ handler cap.
  readonly irqSlots: Set<number>;
}

function reachOf(s: KernelState, caps: readonly SlotCap[]): Reach {
  const reach: Reach = { cnodes: new Map(), zombies: new Map(), threads: new Set(), irqSlots: new Set() };
  for (const { cap } of caps) {
    if (cap.kind === 'CNodeCap') reach.cnodes.set(cap.ptr, [...(reach.cnodes.get(cap.ptr) ?? []), cap.bits]);
    else if (cap.kind === 'ThreadCap') reach.threads.add(cap.tcb);
    else if (cap.kind === 'Zombie') reach.zombies.set(cap.ptr, Math.max(cap.number, reach.zombies.get(cap.ptr) ?? 0));
    else if (cap.kind === 'IRQHandlerCap') reach.irqSlots.add(s.irqNode + 16 * cap.irq);
  }
  return reach;
}

function reachable(s: KernelState, reach: Reach, c: SlotCap): boolean {
  const { obj, index } = c.slot;
  const o = s.kheap.get(obj);
  // Only a notification cap may be reached through an IRQ handler cap (`appropriate_cte_cap`).
  if (c.cap.kind === 'NotificationCap' && index === 0 && reach.irqSlots.has(obj)) return true;
  if ((reach.zombies.get(obj) ?? 0) > index) return true;
  if (o?.kind === 'TCB') return index < TCB_CNODE_ENTRIES && reach.threads.has(obj);
  return (reach.cnodes.get(obj) ?? []).some((bits) => index < 2 ** bits);
}

/**
 * `if_unsafe_then_cap`: every non-null cap sits in a slot some other cap gives access to: a
 * CNode cap covering it, a thread cap for a TCB slot, a Zombie, or (for notification caps
 * only) the IRQ handler cap of an IRQ-node slot.
 */
export const ifUnsafeThenCap: Invariant = {
  name: 'if_unsafe_then_cap',
  family: 'refs',
  summary: 'every non-null cap lives in a slot that some cap reaches',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const reach = reachOf(s, ix.caps);
    return ix.caps
      .filter((c) => !reachable(s, reach, c))
      .map((c) => violation('if_unsafe_then_cap', showSlotKey(ix, c.key), `${c.cap.kind} sits in a slot no cap reaches`));
  },
};

/** `zombies_final`: a Zombie is the only cap left to its object. */
export const zombiesFinal: Invariant = {
  name: 'zombies_final',
  family: 'refs',
  summary: 'a zombie cap is the final cap to its object',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const refs = new Map<number, number>();
    for (const { cap } of ix.caps) {
      const r = objRef(cap);
      if (r !== undefined) refs.set(r, (refs.get(r) ?? 0) + 1);
    }
    return ix.caps
      .filter((c) => c.cap.kind === 'Zombie' && (refs.get(c.cap.ptr) ?? 0) > 1)
      .map((c) => violation('zombies_final', showSlotKey(ix, c.key), 'a zombie is not the final cap to its object'));
  },
};

function ramRange(ctx: InvariantContext): { lo: number; hi: number } {
  return { lo: ctx.ramBase, hi: ctx.ramBase + ctx.ramSize - 1 };
}

/**
 * `cap_refs_in_kernel_window`: what a (non-device) cap covers lies in the RAM the kernel
 * maps. Device caps cover device memory, which `cap_refs_respects_device_region` checks.
 */
export const capRefsInKernelWindow: Invariant = {
  name: 'cap_refs_in_kernel_window',
  family: 'refs',
  summary: 'non-device caps cover only RAM of the kernel window',
  check(s: KernelState, ctx: InvariantContext): Violation[] {
    const ix = indexOf(s);
    const ram = ramRange(ctx);
    return ix.caps
      .filter((c) => !capIsDevice(c.cap) && !within(capRange(c.cap), ram))
      .map((c) => violation('cap_refs_in_kernel_window', showSlotKey(ix, c.key), `${describe(c.cap)} reaches outside the kernel window`));
  },
};

/** `cap_refs_respects_device_region` (device half): device caps never cover RAM. */
export const capRefsRespectsDeviceRegion: Invariant = {
  name: 'cap_refs_respects_device_region',
  family: 'refs',
  summary: 'device caps cover no RAM',
  check(s: KernelState, ctx: InvariantContext): Violation[] {
    const ix = indexOf(s);
    const ram = ramRange(ctx);
    return ix.caps
      .filter((c) => capIsDevice(c.cap) && !isEmpty(capRange(c.cap)) && overlaps(capRange(c.cap), ram))
      .map((c) => violation('cap_refs_respects_device_region', showSlotKey(ix, c.key), `device ${describe(c.cap)} covers RAM`));
  },
};

function describe(c: Cap): string {
  const r = capRange(c);
  return `${c.kind} [0x${r.lo.toString(16)}, 0x${r.hi.toString(16)}]`;
}
