/**
 * Decoding and performing invocations of kernel objects (l4v `Decode_A.thy`
 * `decode_invocation`, `Syscall_A.thy` `perform_invocation`; manual §2.2 "Kernel
 * Services and Objects"). The invoked cap decides which object's decoder reads the message.
 *
 * The virtual-memory caps of ARM are decoded and performed in `spec/arch/arm/invocation.ts`.
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
import {
  decodeIRQControlInvocation, decodeIRQHandlerInvocation, decodeSGISignalInvocation, invokeIRQControl, invokeIRQHandler,
  performSGIInvocation, type IRQControlInvocation, type IRQHandlerInvocation, type SGISignalInvocation,
} from '../object/irq.js';
import { decodeDomainInvocation, invokeDomain, type DomainInvocation } from '../object/domain.js';
import { decodeTCBInvocation, invokeTCB, type TCBInvocation } from '../object/tcb.js';
import { doReplyTransfer, sendIPC } from '../object/endpoint.js';
import { sendSignal } from '../object/notification.js';
import { decodeArchInvocation, performArchInvocation, type ArchInvocation } from '../arch/arm/invocation.js';
import { err, ok, type Preemptible, type Result } from './monad.js';

/** A decoded invocation ready to be performed (l4v `invocation`). */
export type Invocation =
  | { readonly kind: 'InvokeCNode'; readonly inv: CNodeInvocation }
  | { readonly kind: 'InvokeUntyped'; readonly inv: UntypedInvocation }
  | { readonly kind: 'InvokeIRQControl'; readonly inv: IRQControlInvocation }
  | { readonly kind: 'InvokeIRQHandler'; readonly inv: IRQHandlerInvocation }
  | { readonly kind: 'InvokeDomain'; readonly inv: DomainInvocation }
  | { readonly kind: 'InvokeSGISignal'; readonly inv: SGISignalInvocation }
  | { readonly kind: 'InvokeTCB'; readonly inv: TCBInvocation }
  | {
      readonly kind: 'InvokeEndpoint';
      readonly ep: number;
      readonly badge: number;
      readonly canGrant: boolean;
      readonly canGrantReply: boolean;
    }
  | { readonly kind: 'InvokeNotification'; readonly ntfn: number; readonly badge: number }
  | { readonly kind: 'InvokeReply'; readonly thread: number; readonly slot: CSlot; readonly canGrant: boolean }
  | { readonly kind: 'InvokeArch'; readonly inv: ArchInvocation };

/** An extra cap of a message: the cap and the slot it was found in. */
export interface ExtraCap {
  /** The cap. */
  readonly cap: Cap;
  /** Where it is. */
  readonly slot: CSlot;
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
      return ok({ kind: 'InvokeEndpoint', ep: cap.ptr, badge: cap.badge, canGrant: cap.rights.grant, canGrantReply: cap.rights.grantReply });
    case 'NotificationCap':
      if (!cap.rights.write) return err({ kind: 'InvalidCapability', index: 0 });
      return ok({ kind: 'InvokeNotification', ntfn: cap.ptr, badge: cap.badge });
    case 'ReplyCap':
      if (cap.isMaster) return err({ kind: 'InvalidCapability', index: 0 });
      return ok({ kind: 'InvokeReply', thread: cap.tcb, slot, canGrant: cap.rights.grant });
    case 'IRQControlCap': {
      const r = decodeIRQControlInvocation(s, label, args, slot, excaps.map((e) => e.cap));
      return r.ok ? { ok: true, value: { kind: 'InvokeIRQControl', inv: r.value } } : r;
    }
    case 'IRQHandlerCap': {
      const r = decodeIRQHandlerInvocation(label, cap.irq, excaps);
      return r.ok ? { ok: true, value: { kind: 'InvokeIRQHandler', inv: r.value } } : r;
    }
    case 'ThreadCap': {
      const r = decodeTCBInvocation(s, label, args, cap, slot, excaps);
      return r.ok ? { ok: true, value: { kind: 'InvokeTCB', inv: r.value } } : r;
    }
    case 'DomainCap': {
      const r = decodeDomainInvocation(s, label, args, excaps);
      return r.ok ? { ok: true, value: { kind: 'InvokeDomain', inv: r.value } } : r;
    }
    case 'CNodeCap': {
      const r = decodeCNodeInvocation(s, label, args, cap, excaps.map((e) => e.cap));
      return r.ok ? { ok: true, value: { kind: 'InvokeCNode', inv: r.value } } : r;
    }
    case 'UntypedCap': {
      const r = decodeUntypedInvocation(s, label, args, slot, cap, excaps);
      return r.ok ? { ok: true, value: { kind: 'InvokeUntyped', inv: r.value } } : r;
    }
    case 'PageDirectoryCap':
    case 'PageTableCap':
    case 'FrameCap':
    case 'ASIDControlCap':
    case 'ASIDPoolCap': {
      const r = decodeArchInvocation(s, label, args, slot, cap, excaps);
      return r.ok ? { ok: true, value: { kind: 'InvokeArch', inv: r.value } } : r;
    }
    case 'SGISignalCap':
      return { ok: true, value: { kind: 'InvokeSGISignal', inv: decodeSGISignalInvocation(cap) } };
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
 * Performs a decoded invocation; returns the words of the reply (TCB ReadRegisters and
 * frame GetAddress have some). `block` and `call` say how the invoker sends, which only an endpoint
 * invocation looks at. @see l4v perform_invocation
 */
export function performInvocation(
  s: KernelState,
  inv: Invocation,
  block: boolean,
  call: boolean,
): Preemptible & { readonly reply: readonly number[] } {
  // A switch, not ts-pattern: this runs on every invocation (hot path). Results are built as
  // literals rather than spread: V8 copies a spread of a spread-made object about ten times
  // slower, and the caller's reads of the result then go megamorphic.
  switch (inv.kind) {
    case 'InvokeCNode':
      return noReply(invokeCNode(s, inv.inv));
    case 'InvokeEndpoint':
      return { state: sendIPC(s, block, call, inv.badge, inv.canGrant, inv.canGrantReply, s.curThread, inv.ep), preempted: false, reply: NO_REPLY };
    case 'InvokeNotification':
      return { state: sendSignal(s, inv.ntfn, inv.badge), preempted: false, reply: NO_REPLY };
    case 'InvokeReply':
      return { state: doReplyTransfer(s, s.curThread, inv.thread, inv.slot, inv.canGrant), preempted: false, reply: NO_REPLY };
    case 'InvokeUntyped':
      return noReply(invokeUntyped(s, inv.inv));
    case 'InvokeIRQControl':
      return { state: invokeIRQControl(s, inv.inv), preempted: false, reply: NO_REPLY };
    case 'InvokeIRQHandler':
      return { state: invokeIRQHandler(s, inv.inv), preempted: false, reply: NO_REPLY };
    case 'InvokeDomain':
      return { state: invokeDomain(s, inv.inv), preempted: false, reply: NO_REPLY };
    case 'InvokeSGISignal':
      return { state: performSGIInvocation(s, inv.inv), preempted: false, reply: NO_REPLY };
    case 'InvokeArch': {
      const r = performArchInvocation(s, inv.inv);
      return { state: r.state, preempted: false, reply: r.reply };
    }
    case 'InvokeTCB': {
      const r = invokeTCB(s, inv.inv);
      return { state: r.state, preempted: r.preempted, reply: r.preempted ? NO_REPLY : r.value };
    }
    default: {
      const _exhaustive: never = inv;
      return _exhaustive;
    }
  }
}

function noReply(r: Preemptible): Preemptible & { readonly reply: readonly number[] } {
  return { state: r.state, preempted: r.preempted, reply: NO_REPLY };
}

const NO_REPLY: readonly number[] = [];
