/**
 * Constants of the kernel's global state (seL4 `include/model/statedata.h`,
 * `include/kernel/thread.h`, `include/object/structures.h`).
 *
 * @module
 */
import { NUM_DOMAINS, NUM_PRIORITIES } from '../../abi/config.js';

/** `SchedulerAction_ResumeCurrentThread` (a sentinel, never a TCB address). */
export const SCHEDULER_ACTION_RESUME_CURRENT_THREAD = 0;
/** `SchedulerAction_ChooseNewThread` (a sentinel, never a TCB address). */
export const SCHEDULER_ACTION_CHOOSE_NEW_THREAD = 1;

/** `NUM_READY_QUEUES` = domains × priorities. */
export const NUM_READY_QUEUES = NUM_DOMAINS * NUM_PRIORITIES;
/** `L2_BITMAP_SIZE`: words of the second-level ready-queue bitmap per domain. */
export const L2_BITMAP_SIZE = (NUM_PRIORITIES + 31) >>> 5;

/** `irq_state_t` `IRQInactive`. */
export const IRQ_INACTIVE = 0;
/** `irq_state_t` `IRQSignal`. */
export const IRQ_SIGNAL = 1;
/** `irq_state_t` `IRQTimer`. */
export const IRQ_TIMER = 2;
/** `irq_state_t` `IRQReserved`. */
export const IRQ_RESERVED = 3;

