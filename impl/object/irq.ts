/**
 * IRQ control, IRQ handler and SGI signal invocations (seL4 `decodeIRQControlInvocation`,
 * `invokeIRQControl`, `decodeIRQHandlerInvocation`, `invokeIRQHandler_*` in
 * `src/object/interrupt.c`; `Arch_decodeIRQControlInvocation`, `Arch_invokeIRQControl`,
 * `decodeSGISignalInvocation` in `src/arch/arm/object/interrupt.c`; GICv2 `setIRQTrigger`,
 * `plat_SGITargetValid`, `plat_sendSGI` in `src/arch/arm/machine/gic_v2.c`).
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { MAX_IRQ } from '../../abi/config.js';
import { LABEL } from '../../abi/labels.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import { lookupTargetSlot } from '../kernel/cspace.js';
import { getSyscallArg, syscallError } from '../kernel/message.js';
import { setThreadState } from '../kernel/thread.js';
import {
  CAP_NOTIFICATION, capGetCapType, irqHandlerCapNew, notificationCapGetCapNtfnCanSend,
  sgiSignalCapGetCapSGIIRQ, sgiSignalCapGetCapSGITarget, sgiSignalCapNew,
} from './cap.js';
import { cteInsert, ensureEmptySlot } from './cte.js';
import { cteDeleteOne } from './delete.js';
import { CTE_CAP_W1 } from './mdb.js';
import { THREAD_STATE_RESTART } from './tcb-layout.js';
import { IRQ_INACTIVE, IRQ_SIGNAL } from '../kernel/statedata.js';
import { maskInterrupt, setIRQState } from './interrupt.js';

/** `NUM_SGIS` (`gic_common.h`): SGIs are interrupt IDs 0..15. */
export const NUM_SGIS = 16;
/** `GIC_SGI_NUM_TARGETS` of GICv2: the 8-bit CPU target list. */
export const GIC_SGI_NUM_TARGETS = 8;
/** The CPU interface of the one CPU this configuration runs on. */
const CURRENT_CPU_INTERFACE = 0;

/** `Arch_checkIRQ(irq_w)`: RangeError 0..maxIRQ. */
export function archCheckIRQ(k: Kernel, irqW: number): Exception {
  if (irqW > MAX_IRQ) {
    k.currentSyscallError.type = ERROR_CODE.RangeError;
    k.currentSyscallError.rangeErrorMin = 0;
    k.currentSyscallError.rangeErrorMax = MAX_IRQ;
    return EXCEPTION_SYSCALL_ERROR;
  }
  return EXCEPTION_NONE;
}

/** `isIRQActive(irq)`. */
export function isIRQActive(k: Kernel, irq: number): boolean {
  return k.intStateIRQTable[irq] !== IRQ_INACTIVE;
}

/** `setIRQTrigger(irq, trigger)`: GICD_ICFGR, the high bit of the line's field set for edge. */
export function setIRQTrigger(k: Kernel, irq: number, trigger: boolean): void {
  k.irq.setTrigger(irq, trigger ? 'edge' : 'level');
}

/** `plat_SGITargetValid(target)`. */
export function platSGITargetValid(target: number): boolean {
  return target <= GIC_SGI_NUM_TARGETS - 1;
}

/**
 * `plat_sendSGI(irq, target)`: GICD_SGIR with target list `BIT(target)`. Only CPU interface
 * 0 runs in this configuration; the SGI becomes pending there if it is in the list.
 */
export function platSendSGI(k: Kernel, irq: number, target: number): void {
  const targetList = 1 << target;
  if ((targetList & (1 << CURRENT_CPU_INTERFACE)) !== 0) k.irq.setPending(irq);
}

// The part of IssueIRQHandler and GetTrigger after the arguments are read: the IRQ's range,
// that it is inactive, the destination slot; then the caller restarts. Leaves the slot in k.retSlot.
function checkIssue(k: Kernel, irqW: number, index: number, depth: number): Exception {
  let status = archCheckIRQ(k, irqW);
  if (status !== EXCEPTION_NONE) return status;
  if (isIRQActive(k, irqW)) return syscallError(k, ERROR_CODE.RevokeFirst);
  const root = k.currentExtraCaps[0]!;
  status = lookupTargetSlot(k, k.mem.read32(root), k.mem.read32(root + CTE_CAP_W1), index, depth);
  if (status !== EXCEPTION_NONE) return status;
  return ensureEmptySlot(k, k.retSlot);
}

/**
 * `decodeIRQControlInvocation(invLabel, length, srcSlot, buffer)`: IRQIssueIRQHandler (MR0
 * irq, MR1 index, MR2 depth, extra cap 0 the CNode); other labels go to the arch decoder.
 */
export function decodeIRQControlInvocation(k: Kernel, invLabel: number, length: number, srcSlot: number, buffer: number): Exception {
  if (invLabel !== LABEL.IRQIssueIRQHandler) return archDecodeIRQControlInvocation(k, invLabel, length, srcSlot, buffer);
  if (length < 3 || k.currentExtraCaps[0] === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const irqW = getSyscallArg(k, 0, buffer);
  const index = getSyscallArg(k, 1, buffer);
  const depth = getSyscallArg(k, 2, buffer);
  const status = checkIssue(k, irqW, index, depth);
  if (status !== EXCEPTION_NONE) return status;
  const destSlot = k.retSlot;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeIRQControl(k, irqW, destSlot, srcSlot);
}

/** `invokeIRQControl(irq, handlerSlot, controlSlot)`: the line signals; a handler cap is derived. */
export function invokeIRQControl(k: Kernel, irq: number, handlerSlot: number, controlSlot: number): Exception {
  setIRQState(k, IRQ_SIGNAL, irq);
  const cap = irqHandlerCapNew(k.capRet2, irq);
  cteInsert(k, cap.w0, cap.w1, controlSlot, handlerSlot);
  return EXCEPTION_NONE;
}

/**
 * `Arch_decodeIRQControlInvocation`: ARMIRQIssueIRQHandlerTrigger (MR0 irq, MR1 trigger, MR2
 * index, MR3 depth) and, without SMP, ARMIRQIssueSGISignal (MR0 SGI, MR1 target, MR2 index,
 * MR3 depth); any other label is IllegalOperation.
 */
export function archDecodeIRQControlInvocation(k: Kernel, invLabel: number, length: number, srcSlot: number, buffer: number): Exception {
  if (invLabel === LABEL.ARMIRQIssueIRQHandlerTrigger) {
    if (length < 4 || k.currentExtraCaps[0] === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
    // HAVE_SET_TRIGGER is defined for GICv2, so its IllegalOperation cannot arise.
    const irqW = getSyscallArg(k, 0, buffer);
    const trigger = getSyscallArg(k, 1, buffer) !== 0;
    const index = getSyscallArg(k, 2, buffer);
    const depth = getSyscallArg(k, 3, buffer);
    const status = checkIssue(k, irqW, index, depth);
    if (status !== EXCEPTION_NONE) return status;
    const destSlot = k.retSlot;
    setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
    setIRQTrigger(k, irqW, trigger); // Arch_invokeIRQControl
    return invokeIRQControl(k, irqW, destSlot, srcSlot);
  }
  if (invLabel === LABEL.ARMIRQIssueSGISignal) return decodeIssueSGISignal(k, length, srcSlot, buffer);
  return syscallError(k, ERROR_CODE.IllegalOperation);
}

// The ARMIRQIssueSGISignal arm of `Arch_decodeIRQControlInvocation` (NUM_SGIS is 16 here).
function decodeIssueSGISignal(k: Kernel, length: number, srcSlot: number, buffer: number): Exception {
  if (length < 4 || k.currentExtraCaps[0] === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const irq = getSyscallArg(k, 0, buffer);
  const target = getSyscallArg(k, 1, buffer);
  const index = getSyscallArg(k, 2, buffer);
  const depth = getSyscallArg(k, 3, buffer);
  if (irq >= NUM_SGIS) {
    k.currentSyscallError.type = ERROR_CODE.RangeError;
    k.currentSyscallError.rangeErrorMin = 0;
    k.currentSyscallError.rangeErrorMax = NUM_SGIS - 1;
    return EXCEPTION_SYSCALL_ERROR;
  }
  if (!platSGITargetValid(target)) {
    k.currentSyscallError.type = ERROR_CODE.InvalidArgument;
    k.currentSyscallError.invalidArgumentNumber = 1;
    return EXCEPTION_SYSCALL_ERROR;
  }
  const root = k.currentExtraCaps[0]!;
  let status = lookupTargetSlot(k, k.mem.read32(root), k.mem.read32(root + CTE_CAP_W1), index, depth);
  if (status !== EXCEPTION_NONE) return status;
  const destSlot = k.retSlot;
  status = ensureEmptySlot(k, destSlot);
  if (status !== EXCEPTION_NONE) return status;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  const cap = sgiSignalCapNew(k.capRet2, target, irq); // Arch_invokeIssueSGISignal
  cteInsert(k, cap.w0, cap.w1, srcSlot, destSlot);
  return EXCEPTION_NONE;
}

/** `decodeIRQHandlerInvocation(invLabel, irq)`: Ack, SetIRQHandler (extra cap 0), Clear. */
export function decodeIRQHandlerInvocation(k: Kernel, invLabel: number, irq: number): Exception {
  switch (invLabel) {
    case LABEL.IRQAckIRQ:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      invokeIRQHandlerAckIRQ(k, irq);
      return EXCEPTION_NONE;
    case LABEL.IRQSetIRQHandler: {
      const slot = k.currentExtraCaps[0]!;
      if (slot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
      const w0 = k.mem.read32(slot);
      const w1 = k.mem.read32(slot + CTE_CAP_W1);
      if (capGetCapType(w0) !== CAP_NOTIFICATION || !notificationCapGetCapNtfnCanSend(w1)) {
        k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
        k.currentSyscallError.invalidCapNumber = 0;
        return EXCEPTION_SYSCALL_ERROR;
      }
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      invokeIRQHandlerSetIRQHandler(k, irq, w0, w1, slot);
      return EXCEPTION_NONE;
    }
    case LABEL.IRQClearIRQHandler:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      invokeIRQHandlerClearIRQHandler(k, irq);
      return EXCEPTION_NONE;
    default:
      return syscallError(k, ERROR_CODE.IllegalOperation);
  }
}

/** `invokeIRQHandler_AckIRQ(irq)`: GICv2 unmasks the line (it was masked when delivered). */
export function invokeIRQHandlerAckIRQ(k: Kernel, irq: number): void {
  maskInterrupt(k, false, irq);
}

/** `invokeIRQHandler_SetIRQHandler(irq, cap, slot)`: replaces the cap in the IRQ's slot. */
export function invokeIRQHandlerSetIRQHandler(k: Kernel, irq: number, w0: number, w1: number, slot: number): void {
  const irqSlot = k.intStateIRQNode + 16 * irq;
  cteDeleteOne(k, irqSlot);
  cteInsert(k, w0, w1, slot, irqSlot);
}

/** `invokeIRQHandler_ClearIRQHandler(irq)`: deletes the cap in the IRQ's slot. */
export function invokeIRQHandlerClearIRQHandler(k: Kernel, irq: number): void {
  cteDeleteOne(k, k.intStateIRQNode + 16 * irq);
}

/** `decodeSGISignalInvocation`: any label raises the cap's SGI at its target. */
export function decodeSGISignalInvocation(k: Kernel, w0: number, w1: number): Exception {
  const irq = sgiSignalCapGetCapSGIIRQ(w0);
  const target = sgiSignalCapGetCapSGITarget(w1);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  platSendSGI(k, irq, target); // invokeSGISignalGenerate
  return EXCEPTION_NONE;
}
