/**
 * IRQ control, IRQ handler and SGI signal invocations (l4v `Decode_A.thy`
 * `decode_irq_control_invocation`, `decode_irq_handler_invocation`, `ARM/ArchDecode_A.thy`
 * `arch_decode_irq_control_invocation`, `decode_sgi_signal_invocation`, `Interrupt_A.thy`
 * `invoke_irq_control`, `invoke_irq_handler`, `ARM/Arch_A.thy` `arch_invoke_irq_control`,
 * `perform_sgi_invocation`; manual §9 "Interrupts").
 *
 * The IRQ control cap hands out one handler cap per interrupt line (making the line active)
 * and, on the GIC, caps that send a software-generated interrupt (SGI). A handler cap binds a
 * notification to its line and acknowledges delivered interrupts.
 *
 * @module
 */
import { match } from 'ts-pattern';
import { MAX_IRQ } from '../../abi/config.js';
import type { InvocationLabel } from '../../abi/labels.js';
import type { Cap } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { capInsert } from '../kernel/cap-insert.js';
import { ensureEmpty } from '../kernel/cspace-access.js';
import { lookupTargetSlot } from '../kernel/cspace.js';
import type { ExtraCap } from '../kernel/invocation.js';
import { capDeleteOne } from '../kernel/ipc-cancel.js';
import { getIRQSlot, getIRQState, maskInterrupt, setIRQState } from '../kernel/kheap.js';
import { err, ok, type Result } from '../kernel/monad.js';

/** `numSGIs` of the GIC: SGIs are interrupt IDs 0..15. */
export const NUM_SGIS = 16;
/** `gicNumTargets` of GICv2: the CPU target list has 8 bits. */
export const GIC_NUM_TARGETS = 8;

/** A decoded IRQ control invocation (l4v `irq_control_invocation` and ARM's arch part). */
export type IRQControlInvocation =
  | { readonly kind: 'IRQControl'; readonly irq: number; readonly handlerSlot: CSlot; readonly controlSlot: CSlot }
  | {
      readonly kind: 'ArchIRQControlIssue';
      readonly irq: number;
      readonly handlerSlot: CSlot;
      readonly controlSlot: CSlot;
      /** True: edge-triggered; false: level-sensitive. */
      readonly trigger: boolean;
    }
  | {
      readonly kind: 'IssueSGISignal';
      readonly irq: number;
      readonly target: number;
      readonly controlSlot: CSlot;
      readonly sgiSlot: CSlot;
    };

/** A decoded IRQ handler invocation (l4v `irq_handler_invocation`). */
export type IRQHandlerInvocation =
  | { readonly kind: 'ACKIrq'; readonly irq: number }
  | { readonly kind: 'SetIRQHandler'; readonly irq: number; readonly cap: Cap; readonly slot: CSlot }
  | { readonly kind: 'ClearIRQHandler'; readonly irq: number };

/** A decoded SGI signal invocation (l4v `sgi_signal_invocation`). */
export interface SGISignalInvocation {
  /** Discriminant. */
  readonly kind: 'SGISignalGenerate';
  /** The SGI's interrupt ID (0..15). */
  readonly irq: number;
  /** The target CPU interface. */
  readonly target: number;
}

/** `RangeError 0 maxIRQ` for a line number beyond the platform's last. @see l4v arch_check_irq */
export function archCheckIRQ(irq: number): Result<void, SyscallError> {
  return irq > MAX_IRQ ? err({ kind: 'RangeError', min: 0, max: MAX_IRQ }) : ok(undefined);
}

/** Whether a line is in use (has a handler or belongs to the kernel). @see l4v is_irq_active */
export function isIRQActive(s: KernelState, irq: number): boolean {
  return getIRQState(s, irq) !== 'IRQInactive';
}

/** Whether a CPU target is one the GICv2 can name. @see l4v sgi_target_valid */
export function sgiTargetValid(target: number): boolean {
  return target <= GIC_NUM_TARGETS - 1;
}

// The checks IRQIssueIRQHandler and GetTrigger share after their arguments are read: the
// line's range, that it is not active, and an empty destination slot.
function decodeIssue(s: KernelState, irq: number, root: Cap, index: number, depth: number): Result<CSlot, SyscallError> {
  const range = archCheckIRQ(irq);
  if (!range.ok) return range;
  if (isIRQActive(s, irq)) return err({ kind: 'RevokeFirst' });
  const dest = lookupTargetSlot(s, root, index, depth);
  if (!dest.ok) return dest;
  const empty = ensureEmpty(s, dest.value);
  return empty.ok ? dest : empty;
}

/**
 * Decodes an invocation of the IRQ control cap in `srcSlot`. `IRQIssueIRQHandler` (MR0 irq,
 * MR1 index, MR2 depth, extra cap 0 the destination CNode) creates a handler cap for an
 * inactive line; the other labels are ARM's. @see l4v decode_irq_control_invocation
 */
export function decodeIRQControlInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  srcSlot: CSlot,
  excaps: readonly Cap[],
): Result<IRQControlInvocation, SyscallError> {
  if (label !== 'IRQIssueIRQHandler') return archDecodeIRQControlInvocation(s, label, args, srcSlot, excaps);
  const [irq, index, depth] = args;
  const root = excaps[0];
  if (irq === undefined || index === undefined || depth === undefined || root === undefined) {
    return err({ kind: 'TruncatedMessage' });
  }
  const dest = decodeIssue(s, irq, root, index, depth);
  if (!dest.ok) return dest;
  return ok({ kind: 'IRQControl', irq, handlerSlot: dest.value, controlSlot: srcSlot });
}

/**
 * ARM's IRQ control labels. `ARMIRQIssueIRQHandlerTrigger` (MR0 irq, MR1 trigger, MR2 index,
 * MR3 depth) is `IRQIssueIRQHandler` that also sets the line's trigger (non-zero = edge).
 * `ARMIRQIssueSGISignal` (MR0 SGI 0..15, MR1 target CPU 0..7, MR2 index, MR3 depth) creates a
 * cap that raises that SGI. Any other label is `IllegalOperation`.
 * @see l4v arch_decode_irq_control_invocation
 */
export function archDecodeIRQControlInvocation(
  s: KernelState,
  label: InvocationLabel,
  args: readonly number[],
  srcSlot: CSlot,
  excaps: readonly Cap[],
): Result<IRQControlInvocation, SyscallError> {
  if (label !== 'ARMIRQIssueIRQHandlerTrigger' && label !== 'ARMIRQIssueSGISignal') return err({ kind: 'IllegalOperation' });
  const [a0, a1, index, depth] = args;
  const root = excaps[0];
  if (a0 === undefined || a1 === undefined || index === undefined || depth === undefined || root === undefined) {
    return err({ kind: 'TruncatedMessage' });
  }
  if (label === 'ARMIRQIssueIRQHandlerTrigger') {
    // haveSetTrigger holds on the GIC, so the IllegalOperation of other controllers never arises.
    const dest = decodeIssue(s, a0, root, index, depth);
    if (!dest.ok) return dest;
    return ok({ kind: 'ArchIRQControlIssue', irq: a0, handlerSlot: dest.value, controlSlot: srcSlot, trigger: a1 !== 0 });
  }
  if (a0 > NUM_SGIS - 1) return err({ kind: 'RangeError', min: 0, max: NUM_SGIS - 1 });
  if (!sgiTargetValid(a1)) return err({ kind: 'InvalidArgument', index: 1 });
  const dest = lookupTargetSlot(s, root, index, depth);
  if (!dest.ok) return dest;
  const empty = ensureEmpty(s, dest.value);
  if (!empty.ok) return empty;
  return ok({ kind: 'IssueSGISignal', irq: a0, target: a1, controlSlot: srcSlot, sgiSlot: dest.value });
}

/**
 * Sets a line's trigger mode at the interrupt controller. The abstract machine state keeps no
 * trigger configuration (in l4v it lies in the unspecified `machine_state_rest`, and the
 * pending lines are an input here), so the abstract state does not change.
 * @see l4v setIRQTrigger
 */
export function setIRQTrigger(s: KernelState, irq: number, trigger: boolean): KernelState {
  void irq;
  void trigger;
  return s;
}

/**
 * Performs an IRQ control invocation: the line becomes a signalling line (unmasked) and the
 * new handler cap (or SGI cap) becomes a CDT child of the control cap.
 * @see l4v invoke_irq_control, arch_invoke_irq_control
 */
export function invokeIRQControl(s: KernelState, inv: IRQControlInvocation): KernelState {
  return match(inv)
    .with({ kind: 'IRQControl' }, (i) =>
      capInsert(setIRQState(s, 'IRQSignal', i.irq), { kind: 'IRQHandlerCap', irq: i.irq }, i.controlSlot, i.handlerSlot))
    .with({ kind: 'ArchIRQControlIssue' }, (i) => {
      const s1 = setIRQState(setIRQTrigger(s, i.irq, i.trigger), 'IRQSignal', i.irq);
      return capInsert(s1, { kind: 'IRQHandlerCap', irq: i.irq }, i.controlSlot, i.handlerSlot);
    })
    .with({ kind: 'IssueSGISignal' }, (i) =>
      capInsert(s, { kind: 'SGISignalCap', irq: i.irq, target: i.target }, i.controlSlot, i.sgiSlot))
    .exhaustive();
}

/**
 * Decodes an invocation of the handler cap of line `irq`: Ack; SetNotification with extra
 * cap 0 a notification cap with Write (else `InvalidCapability 0`); Clear.
 * @see l4v decode_irq_handler_invocation
 */
export function decodeIRQHandlerInvocation(
  label: InvocationLabel,
  irq: number,
  excaps: readonly ExtraCap[],
): Result<IRQHandlerInvocation, SyscallError> {
  if (label === 'IRQAckIRQ') return ok({ kind: 'ACKIrq', irq });
  if (label === 'IRQClearIRQHandler') return ok({ kind: 'ClearIRQHandler', irq });
  if (label !== 'IRQSetIRQHandler') return err({ kind: 'IllegalOperation' });
  const first = excaps[0];
  if (first === undefined) return err({ kind: 'TruncatedMessage' });
  const { cap, slot } = first;
  if (cap.kind !== 'NotificationCap' || !cap.rights.write) return err({ kind: 'InvalidCapability', index: 0 });
  return ok({ kind: 'SetIRQHandler', irq, cap, slot });
}

/**
 * Performs an IRQ handler invocation. Ack unmasks the line (the GICv2 leaves a delivered
 * line masked until then); SetNotification replaces the cap in the line's handler slot by
 * a CDT child of the given notification cap; Clear deletes it.
 * @see l4v invoke_irq_handler, arch_invoke_irq_handler
 */
export function invokeIRQHandler(s: KernelState, inv: IRQHandlerInvocation): KernelState {
  return match(inv)
    .with({ kind: 'ACKIrq' }, (i) => maskInterrupt(s, false, i.irq))
    .with({ kind: 'SetIRQHandler' }, (i) => {
      const irqSlot = getIRQSlot(s, i.irq);
      return capInsert(capDeleteOne(s, irqSlot), i.cap, i.slot, irqSlot);
    })
    .with({ kind: 'ClearIRQHandler' }, (i) => capDeleteOne(s, getIRQSlot(s, i.irq)))
    .exhaustive();
}

/**
 * Decodes an invocation of an SGI signal cap: whatever the label and message, it raises
 * the cap's SGI at the cap's target. @see l4v decode_sgi_signal_invocation
 */
export function decodeSGISignalInvocation(cap: Extract<Cap, { kind: 'SGISignalCap' }>): SGISignalInvocation {
  return { kind: 'SGISignalGenerate', irq: cap.irq, target: cap.target };
}

/**
 * Raises SGI `irq` at the CPU interfaces in `target` (GICD_SGIR). The one CPU of this
 * configuration is interface 0: an SGI aimed at it becomes pending there; SGIs aimed at
 * other interfaces reach no running CPU. @see l4v sendSGI
 */
export function sendSGI(s: KernelState, irq: number, target: number): KernelState {
  if (target !== 0 || s.machine.irqPending.includes(irq)) return s;
  const irqPending = [...s.machine.irqPending, irq].sort((a, b) => a - b);
  return { ...s, machine: { ...s.machine, irqPending } };
}

/** Performs an SGI signal invocation. @see l4v perform_sgi_invocation */
export function performSGIInvocation(s: KernelState, inv: SGISignalInvocation): KernelState {
  return sendSGI(s, inv.irq, inv.target);
}
