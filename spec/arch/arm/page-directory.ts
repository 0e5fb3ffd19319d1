/**
 * Page directory cap invocations (l4v `ARM/ArchDecode_A.thy` `arch_decode_invocation`'s
 * `PageDirectoryCap` arm; `Arch_A.thy` `perform_page_directory_invocation`; manual §7.1.6
 * "Cache Maintenance"): the four cache flushes over a range of user addresses.
 *
 * @module
 */
import { USER_TOP } from '../../../abi/config.js';
import type { InvocationLabel } from '../../../abi/labels.js';
import { PAGE_BITS_FOR_SIZE, type CapOf } from '../../state/cap.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import { err, ok, type Result } from '../../kernel/monad.js';
import { mask } from '../../../hardware/word.js';
import { isPDFlushLabel, labelToFlushType, performFlush, type Flush } from './cache.js';
import { pageBase } from './mapping.js';
import { findPDForASID } from './vspace-acc.js';
import { resolveVAddr } from './vspace.js';

/** A decoded page directory invocation (l4v `page_directory_invocation`). */
export type PageDirectoryInvocation =
  | { readonly kind: 'PageDirectoryFlush'; readonly flush: Flush }
  | { readonly kind: 'PageDirectoryNothing' };

/**
 * A flush of `[MR0, MR1)` in the directory's address space. Errors in seL4's order: fewer
 * than two words (`TruncatedMessage`); end ≤ start (`InvalidArgument 1`); a range reaching
 * the kernel window (`IllegalOperation`); the cap without an ASID (`InvalidCapability 0`);
 * its ASID gone (`FailedLookup`) or naming another directory (`InvalidCapability 0`); a range
 * crossing the frame that maps `start` (`RangeError start (end of that frame)`). Nothing
 * mapped at `start` makes it succeed and do nothing. @see l4v arch_decode_invocation
 */
export function decodePageDirectoryInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  cap: CapOf<'PageDirectoryCap'>,
): Result<PageDirectoryInvocation, SyscallError> {
  if (!isPDFlushLabel(label)) return err({ kind: 'IllegalOperation' });
  const [start, end] = args;
  if (start === undefined || end === undefined) return err({ kind: 'TruncatedMessage' });
  if (end <= start) return err({ kind: 'InvalidArgument', index: 1 });
  if (start >= USER_TOP || end > USER_TOP) return err({ kind: 'IllegalOperation' });
  if (cap.asid === null) return err({ kind: 'InvalidCapability', index: 0 });
  const pd = findPDForASID(s, cap.asid);
  if (!pd.ok) return err({ kind: 'FailedLookup', source: false, failure: pd.error });
  if (pd.value !== cap.ptr) return err({ kind: 'InvalidCapability', index: 0 });
  const info = resolveVAddr(s, cap.ptr, start);
  if (info === null) return ok({ kind: 'PageDirectoryNothing' });
  const baseStart = pageBase(start, info.size);
  if (baseStart !== pageBase(end - 1, info.size)) {
    return err({ kind: 'RangeError', min: start, max: baseStart + mask(PAGE_BITS_FOR_SIZE[info.size]) });
  }
  const pstart = info.frame + (start & mask(PAGE_BITS_FOR_SIZE[info.size]));
  return ok({
    kind: 'PageDirectoryFlush',
    flush: { type: labelToFlushType(label), start, end: end - 1, pstart, pd: cap.ptr, asid: cap.asid },
  });
}

/** Performs a page directory invocation. @see l4v perform_page_directory_invocation */
export function performPageDirectoryInvocation(s: KernelState, inv: PageDirectoryInvocation): KernelState {
  return inv.kind === 'PageDirectoryFlush' ? performFlush(s, inv.flush) : s;
}
