/**
 * Domain cap invocations (seL4 `src/object/domain.c`: `decodeDomainInvocation`,
 * DomainSetSet, DomainScheduleConfigure, DomainScheduleSetStart; `setDomain` in
 * `src/kernel/thread.c`). Schedule entries are 64-bit `dschedule_t` words held as two
 * 32-bit halves in `k.ksDomSchedule` (domain in the top 8 bits, duration in the low 56).
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { NUM_DOMAINS, NUM_DOMAIN_SCHEDULES } from '../../abi/config.js';
import { LABEL } from '../../abi/labels.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import { getSyscallArg, syscallError } from '../kernel/message.js';
import { isSchedulable, rescheduleRequired, setThreadState, tcbSchedDequeue, tcbSchedEnqueue } from '../kernel/thread.js';
import { CAP_THREAD, capGetCapType, threadCapGetCapTCBPtr } from './cap.js';
import { TCB_DOMAIN, THREAD_STATE_RESTART, tcbSet } from './tcb-layout.js';

/** `domScheduleLength` = `CONFIG_NUM_DOMAIN_SCHEDULES`. */
export const DOM_SCHEDULE_LENGTH = NUM_DOMAIN_SCHEDULES;
/** High word of `DSCHED_MAX_DURATION` (2^56 − 1): the low 24 bits. */
const DSCHED_MAX_DURATION_HI = 0xffffff;
/** `DSCHED_DOMAIN_SHIFT` within the high word (64 − 8 − 32). */
const DSCHED_DOMAIN_SHIFT_HI = 24;

function rangeError(k: Kernel, min: number, max: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.RangeError;
  k.currentSyscallError.rangeErrorMin = min;
  k.currentSyscallError.rangeErrorMax = max;
  return EXCEPTION_SYSCALL_ERROR;
}

function invalidArgument(k: Kernel, n: number): Exception {
  k.currentSyscallError.invalidArgumentNumber = n;
  k.currentSyscallError.type = ERROR_CODE.InvalidArgument;
  return EXCEPTION_SYSCALL_ERROR;
}

/** `dschedule_is_end_marker(index)`: the entry is all zero. */
export function dscheduleIsEndMarker(k: Kernel, index: number): boolean {
  return k.ksDomSchedule[2 * index] === 0 && k.ksDomSchedule[2 * index + 1] === 0;
}

/** `setDomain(tptr, dom)`: re-queues the thread in its new domain; the current thread reschedules. */
export function setDomain(k: Kernel, tcb: number, dom: number): void {
  tcbSchedDequeue(k, tcb);
  tcbSet(k.mem, tcb, TCB_DOMAIN, dom);
  if (isSchedulable(k, tcb)) tcbSchedEnqueue(k, tcb);
  if (tcb === k.ksCurThread) rescheduleRequired(k);
}

// `decodeDomainSetSetInvocation`: MR0 domain, extra cap 0 a thread cap.
function decodeDomainSetSet(k: Kernel, length: number, buffer: number): Exception {
  if (length === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const domain = getSyscallArg(k, 0, buffer);
  if (domain >= NUM_DOMAINS) return invalidArgument(k, 0);
  const slot = k.currentExtraCaps[0]!;
  if (slot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const w0 = k.mem.read32(slot);
  if (capGetCapType(w0) !== CAP_THREAD) return invalidArgument(k, 1);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  setDomain(k, threadCapGetCapTCBPtr(w0), domain); // invokeDomainSetSet; prepareSetDomain: nothing here
  return EXCEPTION_NONE;
}

// `decodeDomainScheduleConfigure`: MR0 index, MR1 domain, MR2/MR3 duration (low, high).
function decodeDomainScheduleConfigure(k: Kernel, length: number, buffer: number): Exception {
  if (length < 4) return syscallError(k, ERROR_CODE.TruncatedMessage); // 2 + TIME_ARG_SIZE
  const index = getSyscallArg(k, 0, buffer);
  const domain = getSyscallArg(k, 1, buffer);
  const durLo = getSyscallArg(k, 2, buffer); // mode_parseTimeArg(2, buffer)
  const durHi = getSyscallArg(k, 3, buffer);
  if (index >= DOM_SCHEDULE_LENGTH - 1) return rangeError(k, 0, DOM_SCHEDULE_LENGTH - 2);
  if (domain >= NUM_DOMAINS) return rangeError(k, 0, NUM_DOMAINS - 1);
  if (durHi > DSCHED_MAX_DURATION_HI) return invalidArgument(k, 2);
  const zero = durLo === 0 && durHi === 0;
  if (zero && domain !== 0) return invalidArgument(k, 1);
  if (index === k.ksDomScheduleStart && zero) return invalidArgument(k, 2);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  // invokeDomainScheduleConfigure: ksDomSchedule[index] = dschedule_make(domain, duration)
  k.ksDomSchedule[2 * index] = durLo;
  k.ksDomSchedule[2 * index + 1] = ((domain << DSCHED_DOMAIN_SHIFT_HI) | durHi) >>> 0;
  return EXCEPTION_NONE;
}

// `decodeDomainScheduleSetStart`: MR0 index.
function decodeDomainScheduleSetStart(k: Kernel, length: number, buffer: number): Exception {
  if (length < 1) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const index = getSyscallArg(k, 0, buffer);
  if (index >= DOM_SCHEDULE_LENGTH) return rangeError(k, 0, DOM_SCHEDULE_LENGTH - 1);
  if (dscheduleIsEndMarker(k, index)) return invalidArgument(k, 0);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  invokeDomainScheduleSetStart(k, index);
  return EXCEPTION_NONE;
}

/**
 * `invokeDomainScheduleSetStart(index)`: the new start; the current domain ends now, and the
 * index is put on the last entry (always an end marker) so `nextDomain` wraps to the start.
 */
export function invokeDomainScheduleSetStart(k: Kernel, index: number): void {
  k.ksDomScheduleStart = index;
  k.ksDomainTimeHi = 0;
  k.ksDomainTimeLo = 0;
  k.ksDomScheduleIdx = DOM_SCHEDULE_LENGTH - 2;
  rescheduleRequired(k);
}

/** `decodeDomainInvocation(invLabel, length, buffer)`: decodes and performs a domain-cap invocation. */
export function decodeDomainInvocation(k: Kernel, invLabel: number, length: number, buffer: number): Exception {
  switch (invLabel) {
    case LABEL.DomainSetSet:
      return decodeDomainSetSet(k, length, buffer);
    case LABEL.DomainScheduleConfigure:
      return decodeDomainScheduleConfigure(k, length, buffer);
    case LABEL.DomainScheduleSetStart:
      return decodeDomainScheduleSetStart(k, length, buffer);
    default:
      return syscallError(k, ERROR_CODE.IllegalOperation);
  }
}
