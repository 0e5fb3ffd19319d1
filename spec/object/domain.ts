/**
 * Domain cap invocations (l4v `Decode_A.thy` `decode_domain_invocation`, `Tcb_A.thy`
 * `invoke_domain`, `set_domain`, `Schedule_A.thy` `domain_schedule_configure`,
 * `domain_set_start`; manual §6.3 "Domains"). The domain cap moves threads between
 * scheduling domains and edits the domain schedule: a list of (domain, duration) entries
 * whose last entry is always the end marker (0, 0).
 *
 * @module
 */
import { match } from 'ts-pattern';
import { NUM_DOMAINS } from '../../abi/config.js';
import { DSCHED_MAX_DURATION } from '../../abi/bootinfo.js';
import type { InvocationLabel } from '../../abi/labels.js';
import type { SyscallError } from '../state/exceptions.js';
import type { DomainScheduleEntry, KernelState } from '../state/kernel-state.js';
import { runnable } from '../state/thread.js';
import type { ExtraCap } from '../kernel/invocation.js';
import { updateTCB } from '../kernel/kheap.js';
import { err, ok, type Result } from '../kernel/monad.js';
import { rescheduleRequired, tcbSchedAction, tcbSchedDequeue, tcbSchedEnqueue } from '../kernel/ready-queues.js';
import { getThreadState } from '../kernel/thread.js';

/** A decoded domain invocation (l4v `domain_invocation`). */
export type DomainInvocation =
  | { readonly kind: 'InvokeDomainSet'; readonly thread: number; readonly domain: number }
  | { readonly kind: 'InvokeDomainScheduleSetStart'; readonly index: number }
  | {
      readonly kind: 'InvokeDomainScheduleConfigure';
      readonly index: number;
      readonly domain: number;
      readonly duration: bigint;
    };

/** Whether a schedule entry is the end marker (0, 0). @see l4v domain_end_marker */
export function isDomainEndMarker(e: DomainScheduleEntry): boolean {
  return e.domain === 0 && e.duration === 0n;
}

/**
 * The 64-bit time argument at MR `i` (low word) and MR `i + 1` (high word) on a 32-bit
 * machine. @see l4v parseTimeArg
 */
export function parseTimeArg(i: number, args: readonly number[]): bigint {
  return (BigInt(args[i + 1] ?? 0) << 32n) + BigInt(args[i] ?? 0);
}

/**
 * DomainSetSet: MR0 the domain (below numDomains, else `InvalidArgument 0`), extra cap 0 a
 * thread cap (else `InvalidArgument 1`). @see l4v decode_domain_set
 */
export function decodeDomainSet(args: readonly number[], excaps: readonly ExtraCap[]): Result<DomainInvocation, SyscallError> {
  const domain = args[0];
  if (domain === undefined) return err({ kind: 'TruncatedMessage' });
  if (domain >= NUM_DOMAINS) return err({ kind: 'InvalidArgument', index: 0 });
  const first = excaps[0];
  if (first === undefined) return err({ kind: 'TruncatedMessage' });
  if (first.cap.kind !== 'ThreadCap') return err({ kind: 'InvalidArgument', index: 1 });
  return ok({ kind: 'InvokeDomainSet', thread: first.cap.tcb, domain });
}

/**
 * DomainScheduleConfigure: MR0 the entry index (not the last, which stays the end marker),
 * MR1 the domain, MR2/MR3 the duration's low and high words (at most 2^56 − 1 ticks; 0 only
 * for an end marker (0, 0), and never at the start index). @see l4v decode_domain_schedule_configure
 */
export function decodeDomainScheduleConfigure(s: KernelState, args: readonly number[]): Result<DomainInvocation, SyscallError> {
  const [index, domain] = args;
  if (index === undefined || domain === undefined || args.length < 4) return err({ kind: 'TruncatedMessage' });
  const duration = parseTimeArg(2, args);
  const len = s.domainList.length;
  if (index >= len - 1) return err({ kind: 'RangeError', min: 0, max: len - 2 });
  if (domain >= NUM_DOMAINS) return err({ kind: 'RangeError', min: 0, max: NUM_DOMAINS - 1 });
  if (duration > DSCHED_MAX_DURATION) return err({ kind: 'InvalidArgument', index: 2 });
  if (duration === 0n && domain !== 0) return err({ kind: 'InvalidArgument', index: 1 });
  if (index === s.domainStartIndex && duration === 0n) return err({ kind: 'InvalidArgument', index: 2 });
  return ok({ kind: 'InvokeDomainScheduleConfigure', index, domain, duration });
}

/**
 * DomainScheduleSetStart: MR0 the index of the entry the schedule restarts from (within
 * the schedule, and not an end marker). @see l4v decode_domain_schedule_set_start
 */
export function decodeDomainScheduleSetStart(s: KernelState, args: readonly number[]): Result<DomainInvocation, SyscallError> {
  const index = args[0];
  if (index === undefined) return err({ kind: 'TruncatedMessage' });
  const entry = s.domainList[index];
  if (entry === undefined) return err({ kind: 'RangeError', min: 0, max: s.domainList.length - 1 });
  if (isDomainEndMarker(entry)) return err({ kind: 'InvalidArgument', index: 0 });
  return ok({ kind: 'InvokeDomainScheduleSetStart', index });
}

/** Decodes an invocation of the domain cap by its label. @see l4v decode_domain_invocation */
export function decodeDomainInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  excaps: readonly ExtraCap[],
): Result<DomainInvocation, SyscallError> {
  if (label === 'DomainSetSet') return decodeDomainSet(args, excaps);
  if (label === 'DomainScheduleConfigure') return decodeDomainScheduleConfigure(s, args);
  if (label === 'DomainScheduleSetStart') return decodeDomainScheduleSetStart(s, args);
  return err({ kind: 'IllegalOperation' });
}

/**
 * Moves a thread to another domain: it leaves its ready queue, and a runnable thread joins
 * the queue of its new domain; if it is the current thread the scheduler chooses again.
 * @see l4v set_domain
 */
export function setDomain(s: KernelState, tptr: number, newDom: number): KernelState {
  const cur = s.curThread;
  const s1 = updateTCB(tcbSchedAction(s, tcbSchedDequeue, tptr), tptr, { domain: newDom });
  const s2 = runnable(getThreadState(s1, tptr)) ? tcbSchedAction(s1, tcbSchedEnqueue, tptr) : s1;
  return tptr === cur ? rescheduleRequired(s2) : s2;
}

/** Replaces entry `index` of the domain schedule. @see l4v domain_schedule_configure */
export function domainScheduleConfigure(s: KernelState, index: number, domain: number, duration: bigint): KernelState {
  const domainList = s.domainList.slice();
  domainList[index] = { domain, duration };
  return { ...s, domainList };
}

/**
 * Makes entry `index` the schedule's start and ends the current domain at once: with no
 * time left and the index at the last entry (always the end marker), the next choice of a
 * thread wraps to the new start. @see l4v domain_set_start
 */
export function domainSetStart(s: KernelState, index: number): KernelState {
  return rescheduleRequired({ ...s, domainStartIndex: index, domainTime: 0n, domainIndex: s.domainList.length - 2 });
}

/** Performs a domain invocation. @see l4v invoke_domain */
export function invokeDomain(s: KernelState, inv: DomainInvocation): KernelState {
  return match(inv)
    .with({ kind: 'InvokeDomainSet' }, (i) => setDomain(s, i.thread, i.domain)) // arch_prepare_set_domain: nothing on ARM
    .with({ kind: 'InvokeDomainScheduleConfigure' }, (i) => domainScheduleConfigure(s, i.index, i.domain, i.duration))
    .with({ kind: 'InvokeDomainScheduleSetStart' }, (i) => domainSetStart(s, i.index))
    .exhaustive();
}
