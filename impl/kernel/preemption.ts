/**
 * Preemption points (seL4 `src/model/preemption.c`; l4v `preemption_point`, det_ext
 * `work_units_completed`): long operations count work units and, every
 * `MAX_NUM_WORK_UNITS_PER_PREEMPTION`, stop if an enabled interrupt is pending.
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { MAX_NUM_WORK_UNITS_PER_PREEMPTION } from '../../abi/config.js';
import { EXCEPTION_NONE, EXCEPTION_PREEMPTED, type Exception } from './failures.js';
import { isIRQPending } from '../object/interrupt.js';

/** `preemptionPoint`: one unit of work done; PREEMPTED when the limit is reached and an IRQ is pending. */
export function preemptionPoint(k: Kernel): Exception {
  k.ksWorkUnitsCompleted++;
  if (k.ksWorkUnitsCompleted >= MAX_NUM_WORK_UNITS_PER_PREEMPTION) {
    k.ksWorkUnitsCompleted = 0;
    if (isIRQPending(k)) return EXCEPTION_PREEMPTED;
  }
  return EXCEPTION_NONE;
}
