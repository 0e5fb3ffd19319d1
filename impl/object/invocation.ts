/**
 * Invocation dispatch by the invoked cap's type (seL4 `decodeInvocation` in
 * `src/object/objecttype.c` and `Arch_decodeInvocation`; l4v `decode_invocation`). Null and
 * Zombie caps, master reply caps and endpoint/notification caps without Send are
 * `InvalidCapability 0`; a label an object does not know is `IllegalOperation`. The ARM VSpace
 * invocations are in `impl/arch/arm/`.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import { KernelPanic } from '../kernel/panic.js';
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
import { decodeASIDControlInvocation, decodeASIDPoolInvocation } from '../arch/arm/asid-pool.js';
import { decodeARMFrameInvocation } from '../arch/arm/page.js';
import { decodeARMPageDirectoryInvocation } from '../arch/arm/page-directory.js';
import { decodeARMPageTableInvocation } from '../arch/arm/page-table.js';

function invalidCapability(k: Kernel): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
  k.currentSyscallError.invalidCapNumber = 0;
  return EXCEPTION_SYSCALL_ERROR;
}

/**
 * `decodeInvocation(invLabel, length, capIndex, slot, cap, block, call, buffer)`: decodes and
 * performs the invocation of the cap in `slot`; returns the exception code.
 */
export function decodeInvocation(k: Kernel, invLabel: number, length: number, _capIndex: number, slot: number,
  block: boolean, call: boolean, buffer: number): Exception {
  const w0 = k.mem.read32(slot);
  const w1 = k.mem.read32(slot + CTE_CAP_W1);
  if (C.isArchCap(w0)) return decodeArchInvocation(k, invLabel, length, slot, w0, w1, call, buffer);
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

// `Arch_decodeInvocation` / `decodeARMMMUInvocation`: by arch cap type.
function decodeArchInvocation(k: Kernel, invLabel: number, length: number, slot: number, w0: number, w1: number,
  call: boolean, buffer: number): Exception {
  switch (C.capGetCapType(w0)) {
    case C.CAP_PAGE_DIRECTORY:
      return decodeARMPageDirectoryInvocation(k, invLabel, length, w0, w1, buffer);
    case C.CAP_PAGE_TABLE:
      return decodeARMPageTableInvocation(k, invLabel, length, slot, w0, w1, buffer);
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME:
      return decodeARMFrameInvocation(k, invLabel, length, slot, w0, w1, call, buffer);
    case C.CAP_ASID_CONTROL:
      return decodeASIDControlInvocation(k, invLabel, length, buffer);
    case C.CAP_ASID_POOL:
      return decodeASIDPoolInvocation(k, invLabel, w0, w1);
    case C.CAP_SGI_SIGNAL:
      return decodeSGISignalInvocation(k, w0, w1);
    default:
      throw new KernelPanic('Arch_decodeInvocation: invalid cap type');
  }
}
