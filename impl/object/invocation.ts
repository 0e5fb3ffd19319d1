/**
 * Invocation dispatch by the invoked cap's type (seL4 `decodeInvocation` in
 * `src/object/objecttype.c` and `Arch_decodeInvocation`; l4v `decode_invocation`). Null and
 * Zombie caps, master reply caps and endpoint/notification caps without Send are
 * `InvalidCapability 0`; a label an object does not know is `IllegalOperation`. Invocations of
 * later slices (VSpace) end in `NotModelledYet`.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { LABEL } from '../../abi/labels.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import { KernelPanic, NotModelledYet } from '../kernel/panic.js';
import * as C from './cap.js';
import { CTE_CAP_W1 } from './mdb.js';
import { decodeCNodeInvocation } from './cnode.js';
import { decodeIRQControlInvocation, decodeIRQHandlerInvocation, decodeSGISignalInvocation } from './irq.js';
import { decodeDomainInvocation } from './domain.js';
import { decodeUntypedInvocation } from './untyped.js';
import { decodeTCBInvocation } from './tcb.js';
import { performInvocationEndpoint } from './endpoint.js';
import { performInvocationNotification } from './notification.js';
import { performInvocationReply } from './reply.js';
import { setThreadState } from '../kernel/thread.js';
import { THREAD_STATE_RESTART } from './tcb-layout.js';

function invalidCapability(k: Kernel): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
  k.currentSyscallError.invalidCapNumber = 0;
  return EXCEPTION_SYSCALL_ERROR;
}

function illegalOperation(k: Kernel): Exception {
  k.currentSyscallError.type = ERROR_CODE.IllegalOperation;
  return EXCEPTION_SYSCALL_ERROR;
}

function inRange(label: number, first: number, last: number): boolean {
  return label >= first && label <= last;
}

/**
 * `decodeInvocation(invLabel, length, capIndex, slot, cap, block, call, buffer)`: decodes and
 * performs the invocation of the cap in `slot`; returns the exception code.
 */
export function decodeInvocation(k: Kernel, invLabel: number, length: number, _capIndex: number, slot: number,
  block: boolean, call: boolean, buffer: number): Exception {
  const w0 = k.mem.read32(slot);
  const w1 = k.mem.read32(slot + CTE_CAP_W1);
  if (C.isArchCap(w0)) return decodeArchInvocation(k, invLabel, w0, w1);
  switch (C.capGetCapType(w0)) {
    case C.CAP_NULL:
    case C.CAP_ZOMBIE:
      return invalidCapability(k);
    case C.CAP_ENDPOINT:
      if (!C.endpointCapGetCapCanSend(w1)) return invalidCapability(k);
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return performInvocationEndpoint(k, C.endpointCapGetCapEPPtr(w1), C.endpointCapGetCapEPBadge(w0),
        C.endpointCapGetCapCanGrant(w1) === 1, C.endpointCapGetCapCanGrantReply(w1) === 1, block, call);
    case C.CAP_NOTIFICATION:
      if (!C.notificationCapGetCapNtfnCanSend(w1)) return invalidCapability(k);
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return performInvocationNotification(k, C.notificationCapGetCapNtfnPtr(w0), C.notificationCapGetCapNtfnBadge(w1));
    case C.CAP_REPLY:
      if (C.replyCapGetCapReplyMaster(w0)) return invalidCapability(k);
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return performInvocationReply(k, w0, slot);
    case C.CAP_THREAD:
      return decodeTCBInvocation(k, invLabel, length, w0, slot, call, buffer);
    case C.CAP_DOMAIN:
      return decodeDomainInvocation(k, invLabel, length, buffer);
    case C.CAP_CNODE:
      return decodeCNodeInvocation(k, invLabel, length, w0, w1, buffer);
    case C.CAP_UNTYPED:
      return decodeUntypedInvocation(k, invLabel, length, slot, w0, w1, call, buffer);
    case C.CAP_IRQ_CONTROL:
      return decodeIRQControlInvocation(k, invLabel, length, slot, buffer);
    case C.CAP_IRQ_HANDLER:
      return decodeIRQHandlerInvocation(k, invLabel, C.irqHandlerCapGetCapIRQ(w1));
    default:
      throw new KernelPanic('decodeInvocation: invalid cap type');
  }
}

// `Arch_decodeInvocation` / `decodeARMMMUInvocation`: label checks only; the rest is the VSpace slice.
function decodeArchInvocation(k: Kernel, invLabel: number, w0: number, w1: number): Exception {
  switch (C.capGetCapType(w0)) {
    case C.CAP_PAGE_DIRECTORY:
      if (inRange(invLabel, LABEL.ARMPDClean_Data, LABEL.ARMPDUnify_Instruction)) break;
      return illegalOperation(k);
    case C.CAP_PAGE_TABLE:
      if (invLabel === LABEL.ARMPageTableMap || invLabel === LABEL.ARMPageTableUnmap) break;
      return illegalOperation(k);
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME:
      if (inRange(invLabel, LABEL.ARMPageMap, LABEL.ARMPageGetAddress)) break;
      return illegalOperation(k);
    case C.CAP_ASID_CONTROL:
      if (invLabel === LABEL.ARMASIDControlMakePool) break;
      return illegalOperation(k);
    case C.CAP_ASID_POOL:
      if (invLabel === LABEL.ARMASIDPoolAssign) break;
      return illegalOperation(k);
    case C.CAP_SGI_SIGNAL:
      return decodeSGISignalInvocation(k, w0, w1);
    default:
      throw new KernelPanic('Arch_decodeInvocation: invalid cap type');
  }
  throw new NotModelledYet(`arch invocation ${invLabel} on cap type ${C.capGetCapType(w0)}`);
}
