/**
 * Preemption points and the active interrupt (l4v `Exceptions_A.thy` `preemption_point`
 * with det_ext's work-unit counter, `MachineOps.thy` `getActiveIRQ`; manual §2.4
 * "Preemption"). Long operations (revoke, delete, untyped reset) call a preemption point
 * after each unit of work; every 100 units the kernel checks for a pending interrupt and,
 * if there is one, abandons the operation so that it restarts later.
 *
 * @module
 */
import { MAX_NUM_WORK_UNITS_PER_PREEMPTION } from '../../abi/config.js';
import { updateMachine, updateState, type KernelState } from '../state/kernel-state.js';
import { completed, preempted, type Preemptible } from './monad.js';

/**
 * The interrupt the controller would deliver now: the lowest pending line that is not
 * masked, or null (a spurious interrupt). No line is reserved for user level here
 * (`non_kernel_IRQs = {}`), so `inKernel` changes nothing. @see l4v getActiveIRQ
 */
export function getActiveIRQ(s: KernelState, inKernel: boolean): number | null {
  void inKernel;
  for (const irq of s.machine.irqPending) {
    if (s.machine.irqMasks[irq] !== true) return irq;
  }
  return null;
}

/** Consumes a pending line, as the controller's acknowledge does. */
export function acknowledgeIRQ(s: KernelState, irq: number): KernelState {
  if (!s.machine.irqPending.includes(irq)) return s;
  return updateState(s, 'machine', updateMachine(s.machine, 'irqPending', s.machine.irqPending.filter((i) => i !== irq)));
}

/**
 * Counts one unit of work; when the limit is reached the counter restarts and a pending
 * unmasked interrupt preempts the operation. @see l4v preemption_point
 */
export function preemptionPoint(s: KernelState): Preemptible {
  const units = s.workUnitsCompleted + 1;
  if (units < MAX_NUM_WORK_UNITS_PER_PREEMPTION) return completed(updateState(s, 'workUnitsCompleted', units));
  const s1 = updateState(s, 'workUnitsCompleted', 0);
  return getActiveIRQ(s1, true) === null ? completed(s1) : preempted(s1);
}
