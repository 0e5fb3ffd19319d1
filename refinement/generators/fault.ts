/**
 * Arbitraries of faults on purpose: an unknown syscall, a user exception, data and prefetch
 * aborts, and receives, sends and calls through CPtrs that do not resolve (cap faults), mostly of threads the
 * generators made (with a fault handler, the fault is sent to it as a Call; without, the
 * thread ends Inactive), rarely of the root task.
 *
 * @module
 */
import fc from 'fast-check';
import type { FaultAction } from './action.js';
import { weighted, word } from './choices.js';

/**
 * Faults on purpose: of threads the generators made (with a fault handler or without), and
 * rarely of the root task (which has none: it ends Inactive). A non-blocking send through a
 * CPtr that does not resolve is no fault: seL4 drops it silently.
 */
export const faultAction: fc.Arbitrary<FaultAction> = fc.record({
  t: fc.constant('Fault' as const),
  what: weighted<FaultAction['what']>(
    [6, fc.constant('UnknownSyscall')], [4, fc.constant('UserLevelFault')], [4, fc.constant('VMFaultData')], [4, fc.constant('VMFaultInstruction')],
    [9, fc.constantFrom('SysRecv' as const, 'SysNBRecv' as const, 'SysReplyRecv' as const)], [6, fc.constantFrom('SysCall' as const, 'SysSend' as const)], [2, fc.constant('SysNBSend' as const)],
  ),
  word,
  word2: word,
  evenRoot: weighted([40, fc.constant(false)], [1, fc.constant(true)]),
});

