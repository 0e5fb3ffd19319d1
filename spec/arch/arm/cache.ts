/**
 * The cache maintenance users may ask for on a page or a range of a page directory (l4v
 * `ARM/ArchDecode_A.thy` `label_to_flush_type`; `ArchVSpace_A.thy` `do_flush`; `Arch_A.thy`
 * `perform_page_directory_invocation`, `perform_page_invocation`'s `PageFlush`; manual §7.1.6
 * "Cache Maintenance").
 *
 * The model has no caches: every cleaning and invalidation leaves memory as the program
 * sees it (proofs-notes states what this leaves out). What remains is the switch into the
 * flushed address space, which may hand out a hardware ASID, and the switch back.
 *
 * @module
 */
import type { InvocationLabel } from '../../../abi/labels.js';
import type { KernelState } from '../../state/kernel-state.js';
import { KernelPanic } from '../../kernel/panic.js';
import { setVMRoot, setVMRootForFlush } from '../../kernel/vm-root.js';

/** The cache operation of a flush label (l4v `flush_type`). */
export type FlushType = 'Clean' | 'Invalidate' | 'CleanInvalidate' | 'Unify';

/** A decoded flush of `[start, end]` (inclusive, virtual) whose first byte is at `pstart`. */
export interface Flush {
  /** The cache operation. */
  readonly type: FlushType;
  /** First virtual address. */
  readonly start: number;
  /** Last virtual address (inclusive). */
  readonly end: number;
  /** Physical address of `start`. */
  readonly pstart: number;
  /** The page directory of the address space. */
  readonly pd: number;
  /** Its ASID. */
  readonly asid: number;
}

/** The cache operation a flush label asks for. @see l4v label_to_flush_type */
export function labelToFlushType(label: InvocationLabel): FlushType {
  switch (label) {
    case 'ARMPDClean_Data':
    case 'ARMPageClean_Data':
      return 'Clean';
    case 'ARMPDInvalidate_Data':
    case 'ARMPageInvalidate_Data':
      return 'Invalidate';
    case 'ARMPDCleanInvalidate_Data':
    case 'ARMPageCleanInvalidate_Data':
      return 'CleanInvalidate';
    case 'ARMPDUnify_Instruction':
    case 'ARMPageUnify_Instruction':
      return 'Unify';
    default:
      throw new KernelPanic(`label_to_flush_type: ${label}`);
  }
}

/** Whether a label is one of the four page-directory flushes. @see l4v isPDFlushLabel */
export function isPDFlushLabel(label: InvocationLabel): boolean {
  return label === 'ARMPDClean_Data' || label === 'ARMPDInvalidate_Data' || label === 'ARMPDCleanInvalidate_Data'
    || label === 'ARMPDUnify_Instruction';
}

/** Whether a label is one of the four page flushes. @see l4v isPageFlushLabel */
export function isPageFlushLabel(label: InvocationLabel): boolean {
  return label === 'ARMPageClean_Data' || label === 'ARMPageInvalidate_Data' || label === 'ARMPageCleanInvalidate_Data'
    || label === 'ARMPageUnify_Instruction';
}

/**
 * Performs a flush of a non-empty range: switches into the flushed space unless it is the
 * current thread's, cleans or invalidates (no abstract effect), and switches back.
 * @see l4v perform_page_directory_invocation, perform_page_invocation
 */
export function performFlush(s: KernelState, f: Flush): KernelState {
  if (!(f.start < f.end)) return s;
  const r = setVMRootForFlush(s, f.pd, f.asid);
  return r.switched ? setVMRoot(r.state, r.state.curThread) : r.state;
}
