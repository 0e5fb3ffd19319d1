/**
 * Decoding and performing invocations of ARM's virtual-memory caps (l4v `ARM/ArchDecode_A.thy`
 * `arch_decode_invocation`, `ARM/Arch_A.thy` `arch_perform_invocation`; manual §7.1
 * "Virtual Address Spaces"): page directories, page tables, frames, ASID control and ASID
 * pools. None of them is preemptible.
 *
 * @module
 */
import type { InvocationLabel } from '../../../abi/labels.js';
import type { CapOf } from '../../state/cap.js';
import type { CSlot } from '../../state/cslot.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import type { ExtraCap } from '../../kernel/invocation.js';
import type { Result } from '../../kernel/monad.js';
import {
  decodeASIDControlInvocation, decodeASIDPoolInvocation, performASIDControlInvocation, performASIDPoolInvocation,
  type Assign, type MakePool,
} from './asid-pool.js';
import { decodePageInvocation, performPageInvocation, type PageInvocation } from './page.js';
import { decodePageDirectoryInvocation, performPageDirectoryInvocation, type PageDirectoryInvocation } from './page-directory.js';
import { decodePageTableInvocation, performPageTableInvocation, type PageTableInvocation } from './page-table.js';

/** A decoded VM invocation (l4v `arch_invocation`, without the SGI signal of slice 2). */
export type ArchInvocation =
  | { readonly kind: 'InvokePageDirectory'; readonly inv: PageDirectoryInvocation }
  | { readonly kind: 'InvokePageTable'; readonly inv: PageTableInvocation }
  | { readonly kind: 'InvokePage'; readonly inv: PageInvocation }
  | { readonly kind: 'InvokeASIDControl'; readonly inv: MakePool }
  | { readonly kind: 'InvokeASIDPool'; readonly inv: Assign };

/** The VM caps: those {@link decodeArchInvocation} decodes. */
export type VMCap = CapOf<'PageDirectoryCap' | 'PageTableCap' | 'FrameCap' | 'ASIDControlCap' | 'ASIDPoolCap'>;

function wrap<T>(r: Result<T, SyscallError>, f: (v: T) => ArchInvocation): Result<ArchInvocation, SyscallError> {
  return r.ok ? { ok: true, value: f(r.value) } : r;
}

/**
 * Decodes the invocation of a VM cap found at `slot`; a label that does not belong to the
 * cap's object is `IllegalOperation`. @see l4v arch_decode_invocation
 */
export function decodeArchInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  slot: CSlot,
  cap: VMCap,
  excaps: readonly ExtraCap[],
): Result<ArchInvocation, SyscallError> {
  switch (cap.kind) {
    case 'PageDirectoryCap':
      return wrap(decodePageDirectoryInvocation(s, label, args, cap), (inv) => ({ kind: 'InvokePageDirectory', inv }));
    case 'PageTableCap':
      return wrap(decodePageTableInvocation(s, label, args, slot, cap, excaps), (inv) => ({ kind: 'InvokePageTable', inv }));
    case 'FrameCap':
      return wrap(decodePageInvocation(s, label, args, slot, cap, excaps), (inv) => ({ kind: 'InvokePage', inv }));
    case 'ASIDControlCap':
      return wrap(decodeASIDControlInvocation(s, label, args, excaps), (inv) => ({ kind: 'InvokeASIDControl', inv }));
    case 'ASIDPoolCap':
      return wrap(decodeASIDPoolInvocation(s, label, cap, excaps), (inv) => ({ kind: 'InvokeASIDPool', inv }));
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
  }
}

/** Performs a decoded VM invocation; returns the state and the reply words. @see l4v arch_perform_invocation */
export function performArchInvocation(s: KernelState, i: ArchInvocation): { readonly state: KernelState; readonly reply: readonly number[] } {
  switch (i.kind) {
    case 'InvokePageDirectory':
      return { state: performPageDirectoryInvocation(s, i.inv), reply: [] };
    case 'InvokePageTable':
      return { state: performPageTableInvocation(s, i.inv), reply: [] };
    case 'InvokePage':
      return performPageInvocation(s, i.inv);
    case 'InvokeASIDControl':
      return { state: performASIDControlInvocation(s, i.inv), reply: [] };
    case 'InvokeASIDPool':
      return { state: performASIDPoolInvocation(s, i.inv), reply: [] };
    default: {
      const _exhaustive: never = i;
      return _exhaustive;
    }
  }
}
