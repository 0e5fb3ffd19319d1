/**
 * `fastpath_reply_recv` (seL4 `src/fastpath/fastpath.c`, aarch32, non-MCS; l4v
 * `Fastpath_Defs.fastpaths SysReplyRecv`): a server replies to its caller through the reply
 * cap in its caller slot and waits on an endpoint where no sender waits, with a short message
 * and no caps, the caller being able to run at once. The server is queued on the endpoint,
 * the reply cap deleted, the message registers copied and the caller runs.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { NUM_DOMAINS } from '../../abi/config.js';
import { PD_ASID_SLOT } from '../../abi/bootinfo.js';
import { CAP_REGISTER, MSG_INFO_REGISTER } from '../../hardware/registers.js';
import { isHighestPrio } from '../kernel/thread.js';
import { storedASIDValid } from '../arch/arm/asid.js';
import { pageDirectoryCapGetCapPDBasePtr } from '../object/arch-cap.js';
import {
  CAP_ENDPOINT, capGetCapType, endpointCapGetCapCanGrant, endpointCapGetCapCanReceive, endpointCapGetCapEPPtr,
  replyCapGetCapTCBPtr,
} from '../object/cap.js';
import { CTE_CAP_W1, CTE_MDB_W0, CTE_MDB_W1, mdbNodeGetMdbPrev, mdbNodeW1 } from '../object/mdb.js';
import {
  EP_STATE_RECV, EP_STATE_SEND, EP_W0, EP_W1, FAULT_NULL, NTFN_STATE_ACTIVE, NTFN_W0, endpointGetQueueTail,
  endpointGetState, endpointW0, faultGetType, notificationGetState,
} from '../object/structures.js';
import {
  TCB_BOUND_NOTIFICATION, TCB_CALLER, TCB_CTABLE, TCB_DOMAIN, TCB_EP_NEXT, TCB_EP_PREV, TCB_FAULT_W0, TCB_PRIORITY,
  TCB_STATE_W0, TCB_STATE_W2, TCB_VTABLE, THREAD_STATE_BLOCKED_ON_RECEIVE, THREAD_STATE_RUNNING, getRegister, tcbCte,
  tcbGet,
} from '../object/tcb-layout.js';
import {
  FP_BOUND_NTFN, FP_CALLER_FAULT, FP_DOMAIN, FP_EP_CAP, FP_EP_RIGHTS, FP_EP_STATE, FP_EXTRA_CAPS, FP_FAULT,
  FP_HW_ASID, FP_MSG_INFO, FP_PRIORITY, FP_REPLY_CAP, FP_VSPACE,
} from './counters.js';
import {
  MI_CLEAR_CAPS_UNWRAPPED, fastpathCopyMrs, fastpathMiCheck, fastpathReplyCapCheck, fastpathRestore,
  isValidVTableRootFp, lookupFp, switchToThreadFp,
} from './fastpath.js';

/** `blockingIPCCanGrant` in `tcbState` word 2. */
const BLOCKING_IPC_CAN_GRANT = 1 << 3;

// The slowpath for SysReplyRecv, counted under the check that sent it there.
function slowpath(k: Kernel, check: number): false {
  k.fastpathCounters.replyRecvFallbacks[check]!++;
  return false;
}

/**
 * `fastpath_reply_recv(cptr, msgInfo)`: performs the reply and the receive and returns true,
 * or returns false (having changed nothing but a counter) for the slowpath to handle it.
 */
export function fastpathReplyRecv(k: Kernel): boolean {
  const mem = k.mem;
  const cur = k.ksCurThread;
  const cptr = getRegister(mem, cur, CAP_REGISTER);
  const msgInfo = getRegister(mem, cur, MSG_INFO_REGISTER);
  const length = msgInfo & 0x7f;

  if (fastpathMiCheck(msgInfo) !== 0) return slowpath(k, length > 4 ? FP_MSG_INFO : FP_EXTRA_CAPS);
  if (faultGetType(tcbGet(mem, cur, TCB_FAULT_W0)) !== FAULT_NULL) return slowpath(k, FP_FAULT);

  const epSlot = lookupFp(k, tcbCte(cur, TCB_CTABLE), cptr);
  const capW0 = epSlot === 0 ? 0 : mem.read32(epSlot);
  if (capGetCapType(capW0) !== CAP_ENDPOINT) return slowpath(k, FP_EP_CAP);
  const capW1 = mem.read32(epSlot + CTE_CAP_W1);
  if (!endpointCapGetCapCanReceive(capW1)) return slowpath(k, FP_EP_RIGHTS);

  // An active bound notification would complete the receive at once.
  const ntfn = tcbGet(mem, cur, TCB_BOUND_NOTIFICATION);
  if (ntfn !== 0 && notificationGetState(mem.read32(ntfn + NTFN_W0)) === NTFN_STATE_ACTIVE) return slowpath(k, FP_BOUND_NTFN);

  // A waiting sender would be received at once.
  const ep = endpointCapGetCapEPPtr(capW1);
  if (endpointGetState(mem.read32(ep + EP_W0)) === EP_STATE_SEND) return slowpath(k, FP_EP_STATE);

  // Only reply through a non-master reply cap; its thread is the caller.
  const callerSlot = tcbCte(cur, TCB_CALLER);
  const callerCapW0 = mem.read32(callerSlot);
  if (!fastpathReplyCapCheck(callerCapW0)) return slowpath(k, FP_REPLY_CAP);
  const caller = replyCapGetCapTCBPtr(callerCapW0);

  // A faulted caller gets a fault reply, which only the slowpath makes.
  if (faultGetType(tcbGet(mem, caller, TCB_FAULT_W0)) !== FAULT_NULL) return slowpath(k, FP_CALLER_FAULT);

  const vtableW0 = mem.read32(tcbCte(caller, TCB_VTABLE));
  const capPD = pageDirectoryCapGetCapPDBasePtr(vtableW0);
  if (!isValidVTableRootFp(vtableW0)) return slowpath(k, FP_VSPACE);
  const storedHwAsid = mem.read32(capPD + 4 * PD_ASID_SLOT);

  // The caller must be the highest-priority ready thread (the server's priority does not count).
  const dom = NUM_DOMAINS > 1 ? k.ksCurDomain : 0;
  if (!isHighestPrio(k, dom, tcbGet(mem, caller, TCB_PRIORITY))) return slowpath(k, FP_PRIORITY);
  if (!storedASIDValid(storedHwAsid)) return slowpath(k, FP_HW_ASID);
  if (NUM_DOMAINS > 1 && tcbGet(mem, caller, TCB_DOMAIN) !== k.ksCurDomain) return slowpath(k, FP_DOMAIN);

  // ---- point of no return ----
  k.fastpathCounters.replyRecvHits++;

  // The server blocks on the endpoint (`thread_state_ptr_mset_blockingObject_tsType`).
  mem.write32(cur + TCB_STATE_W0, (ep | THREAD_STATE_BLOCKED_ON_RECEIVE) >>> 0);
  const w2 = mem.read32(cur + TCB_STATE_W2);
  mem.write32(cur + TCB_STATE_W2, ((w2 & ~BLOCKING_IPC_CAN_GRANT) | (endpointCapGetCapCanGrant(capW1) << 3)) >>> 0);

  // Append the server to the endpoint queue.
  const tail = endpointGetQueueTail(mem.read32(ep + EP_W0));
  if (tail === 0) {
    mem.write32(cur + TCB_EP_PREV, 0);
    mem.write32(cur + TCB_EP_NEXT, 0);
    mem.write32(ep + EP_W1, cur);
    mem.write32(ep + EP_W0, endpointW0(cur, EP_STATE_RECV));
  } else {
    mem.write32(tail + TCB_EP_NEXT, cur);
    mem.write32(cur + TCB_EP_PREV, tail);
    mem.write32(cur + TCB_EP_NEXT, 0);
    mem.write32(ep + EP_W0, endpointW0(cur, EP_STATE_RECV));
  }

  // Delete the reply cap: its MDB parent is the caller's master reply cap.
  const parent = mdbNodeGetMdbPrev(mem.read32(callerSlot + CTE_MDB_W0));
  mem.write32(parent + CTE_MDB_W1, mdbNodeW1(0, 1, 1));
  mem.write32(callerSlot, 0);
  mem.write32(callerSlot + CTE_CAP_W1, 0);
  mem.write32(callerSlot + CTE_MDB_W0, 0);
  mem.write32(callerSlot + CTE_MDB_W1, 0);

  // Replies carry no badge.
  fastpathCopyMrs(k, length, cur, caller);

  mem.write32(caller + TCB_STATE_W0, THREAD_STATE_RUNNING);
  switchToThreadFp(k, caller, capPD, storedHwAsid);

  fastpathRestore(k, 0, (msgInfo & MI_CLEAR_CAPS_UNWRAPPED) >>> 0, caller);
  return true;
}
