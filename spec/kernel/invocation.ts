/**
 * Decoding and performing invocations of kernel objects (l4v `Decode_A.thy`
 * `decode_invocation`, `Syscall_A.thy` `perform_invocation`; manual §2.2 "Kernel
 * Services and Objects"). The invoked cap decides which object's decoder reads the message.
 *
 * Invocations of objects that later slices model (endpoints, notifications, replies, TCBs,
 * IRQs, domains, VSpace objects) end here in {@link NotModelledYet}, except for the errors
 * that need nothing from those slices: a cap that cannot be invoked, an endpoint or
 * notification without Write, and a label that does not belong to the object
 * (`IllegalOperation`, which every object decoder checks first).
 *
 * @module
 */
import type { InvocationLabel } from '../../abi/labels.js';
import type { Cap } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { decodeCNodeInvocation, invokeCNode, type CNodeInvocation } from '../object/cnode.js';
import { decodeUntypedInvocation, invokeUntyped, type UntypedInvocation } from '../object/untyped.js';
import { err, type Preemptible, type Result } from './monad.js';
import { NotModelledYet } from './panic.js';

/** A decoded invocation ready to be performed (l4v `invocation`). */
export type Invocation =
  | { readonly kind: 'InvokeCNode'; readonly inv: CNodeInvocation }
  | { readonly kind: 'InvokeUntyped'; readonly inv: UntypedInvocation };

/** An extra cap of a message: the cap and the slot it was found in. */
export interface ExtraCap {
  /** The cap. */
  readonly cap: Cap;
  /** Where it is. */
  readonly slot: CSlot;
}

const TCB_LABELS: readonly InvocationLabel[] = [
  'TCBReadRegisters', 'TCBWriteRegisters', 'TCBCopyRegisters', 'TCBConfigure', 'TCBSetPriority',
  'TCBSetMCPriority', 'TCBSetSchedParams', 'TCBSetIPCBuffer', 'TCBSetSpace', 'TCBSuspend',
  'TCBResume', 'TCBBindNotification', 'TCBUnbindNotification', 'TCBSetTLSBase', 'TCBSetFlags',
];
const DOMAIN_LABELS: readonly InvocationLabel[] = ['DomainSetSet', 'DomainScheduleConfigure', 'DomainScheduleSetStart'];
const IRQ_CONTROL_LABELS: readonly InvocationLabel[] = ['IRQIssueIRQHandler', 'ARMIRQIssueIRQHandlerTrigger', 'ARMIRQIssueSGISignal'];
const IRQ_HANDLER_LABELS: readonly InvocationLabel[] = ['IRQAckIRQ', 'IRQSetIRQHandler', 'IRQClearIRQHandler'];
const PD_LABELS: readonly InvocationLabel[] = [
  'ARMPDClean_Data', 'ARMPDInvalidate_Data', 'ARMPDCleanInvalidate_Data', 'ARMPDUnify_Instruction',
];
const PT_LABELS: readonly InvocationLabel[] = ['ARMPageTableMap', 'ARMPageTableUnmap'];
const PAGE_LABELS: readonly InvocationLabel[] = [
  'ARMPageMap', 'ARMPageUnmap', 'ARMPageClean_Data', 'ARMPageInvalidate_Data',
  'ARMPageCleanInvalidate_Data', 'ARMPageUnify_Instruction', 'ARMPageGetAddress',
];

/** A later slice's decoder: `IllegalOperation` for a foreign label, else not modelled yet. */
function laterSlice(label: InvocationLabel, labels: readonly InvocationLabel[]): Result<Invocation, SyscallError> {
  if (!labels.includes(label)) return err({ kind: 'IllegalOperation' });
  throw new NotModelledYet(label);
}

/**
 * Decodes the invocation of `cap` (found at `slot`) with the message label and arguments
 * and the extra caps. @see l4v decode_invocation
 */
export function decodeInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  slot: CSlot,
  cap: Cap,
  excaps: readonly ExtraCap[],
): Result<Invocation, SyscallError> {
  // A switch, not ts-pattern: this runs on every invocation (hot path).
  switch (cap.kind) {
    case 'EndpointCap':
      if (!cap.rights.write) return err({ kind: 'InvalidCapability', index: 0 });
      throw new NotModelledYet('InvokeEndpoint');
    case 'NotificationCap':
      if (!cap.rights.write) return err({ kind: 'InvalidCapability', index: 0 });
      throw new NotModelledYet('InvokeNotification');
    case 'ReplyCap':
      if (cap.isMaster) return err({ kind: 'InvalidCapability', index: 0 });
      throw new NotModelledYet('InvokeReply');
    case 'IRQControlCap':
      return laterSlice(label, IRQ_CONTROL_LABELS);
    case 'IRQHandlerCap':
      return laterSlice(label, IRQ_HANDLER_LABELS);
    case 'ThreadCap':
      return laterSlice(label, TCB_LABELS);
    case 'DomainCap':
      return laterSlice(label, DOMAIN_LABELS);
    case 'CNodeCap': {
      const r = decodeCNodeInvocation(s, label, args, cap, excaps.map((e) => e.cap));
      return r.ok ? { ok: true, value: { kind: 'InvokeCNode', inv: r.value } } : r;
    }
    case 'UntypedCap': {
      const r = decodeUntypedInvocation(s, label, args, slot, cap, excaps);
      return r.ok ? { ok: true, value: { kind: 'InvokeUntyped', inv: r.value } } : r;
    }
    case 'PageDirectoryCap':
      return laterSlice(label, PD_LABELS);
    case 'PageTableCap':
      return laterSlice(label, PT_LABELS);
    case 'FrameCap':
      return laterSlice(label, PAGE_LABELS);
    case 'ASIDControlCap':
      return laterSlice(label, ['ARMASIDControlMakePool']);
    case 'ASIDPoolCap':
      return laterSlice(label, ['ARMASIDPoolAssign']);
    case 'SGISignalCap':
      throw new NotModelledYet('InvokeSGISignal');
    case 'NullCap':
    case 'Zombie':
      return err({ kind: 'InvalidCapability', index: 0 });
    default: {
      const _exhaustive: never = cap;
      return _exhaustive;
    }
  }
}

/**
 * Performs a decoded invocation; returns the words of the reply (none for the objects of
 * this slice). @see l4v perform_invocation
 */
export function performInvocation(s: KernelState, inv: Invocation): Preemptible & { readonly reply: readonly number[] } {
  // A switch, not ts-pattern: this runs on every invocation (hot path).
  switch (inv.kind) {
    case 'InvokeCNode':
      return { ...invokeCNode(s, inv.inv), reply: [] };
    case 'InvokeUntyped':
      return { ...invokeUntyped(s, inv.inv), reply: [] };
    default: {
      const _exhaustive: never = inv;
      return _exhaustive;
    }
  }
}
