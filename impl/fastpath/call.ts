/**
 * `fastpath_call` (seL4 `src/fastpath/fastpath.c`, aarch32, non-MCS; l4v
 * `Fastpath_Defs.fastpaths SysCall`): a Call on an endpoint where a receiver waits, that can
 * run at once, with a short message and no caps. The receiver is dequeued, the caller blocks
 * on reply with a reply cap in the receiver's caller slot, the message registers are copied
 * and the receiver runs.
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
  CAP_ENDPOINT, CAP_REPLY, capGetCapType, endpointCapGetCapCanGrant, endpointCapGetCapCanGrantReply,
  endpointCapGetCapCanSend, endpointCapGetCapEPBadge, endpointCapGetCapEPPtr,
} from '../object/cap.js';
import { CTE_CAP_W1, CTE_MDB_W0, CTE_MDB_W1, mdbNodeW1 } from '../object/mdb.js';
import {
  EP_STATE_IDLE, EP_STATE_RECV, EP_W0, EP_W1, FAULT_NULL, endpointGetQueueHead, endpointGetState, endpointW0, faultGetType,
} from '../object/structures.js';
import {
  TCB_CALLER, TCB_CTABLE, TCB_DOMAIN, TCB_EP_NEXT, TCB_EP_PREV, TCB_FAULT_W0, TCB_PRIORITY, TCB_REPLY, TCB_STATE_W0,
  TCB_STATE_W2, TCB_VTABLE, THREAD_STATE_BLOCKED_ON_REPLY, THREAD_STATE_RUNNING, getRegister, tcbCte, tcbGet,
  threadStateGetBlockingIPCCanGrant,
} from '../object/tcb-layout.js';
import {
  FP_DOMAIN, FP_EP_CAP, FP_EP_RIGHTS, FP_EP_STATE, FP_EXTRA_CAPS, FP_FAULT, FP_GRANT, FP_HW_ASID, FP_MSG_INFO,
  FP_PRIORITY, FP_VSPACE,
} from './counters.js';
import {
  MI_CLEAR_CAPS_UNWRAPPED, fastpathCopyMrs, fastpathMiCheck, fastpathRestore, isValidVTableRootFp, lookupFp,
  switchToThreadFp,
} from './fastpath.js';

// The slowpath for SysCall, counted under the check that sent it there.
function slowpath(k: Kernel, check: number): false {
  k.fastpathCounters.callFallbacks[check]!++;
  return false;
}

/**
 * `fastpath_call(cptr, msgInfo)`: performs the Call and returns true, or returns false
 * (having changed nothing but a counter) for the slowpath to handle it.
 */
export function fastpathCall(k: Kernel): boolean {
  const mem = k.mem;
  const cur = k.ksCurThread;
  const cptr = getRegister(mem, cur, CAP_REGISTER);
  const msgInfo = getRegister(mem, cur, MSG_INFO_REGISTER);
  const length = msgInfo & 0x7f;

  // No extra caps, the message fits in registers, and no saved fault.
  if (fastpathMiCheck(msgInfo) !== 0) return slowpath(k, length > 4 ? FP_MSG_INFO : FP_EXTRA_CAPS);
  if (faultGetType(tcbGet(mem, cur, TCB_FAULT_W0)) !== FAULT_NULL) return slowpath(k, FP_FAULT);

  const epSlot = lookupFp(k, tcbCte(cur, TCB_CTABLE), cptr);
  const capW0 = epSlot === 0 ? 0 : mem.read32(epSlot);
  if (capGetCapType(capW0) !== CAP_ENDPOINT) return slowpath(k, FP_EP_CAP);
  const capW1 = mem.read32(epSlot + CTE_CAP_W1);
  if (!endpointCapGetCapCanSend(capW1)) return slowpath(k, FP_EP_RIGHTS);

  // A receiver must be waiting; it is the queue head.
  const ep = endpointCapGetCapEPPtr(capW1);
  const dest = endpointGetQueueHead(mem.read32(ep + EP_W1));
  if (endpointGetState(mem.read32(ep + EP_W0)) !== EP_STATE_RECV) return slowpath(k, FP_EP_STATE);

  const vtableW0 = mem.read32(tcbCte(dest, TCB_VTABLE));
  const capPD = pageDirectoryCapGetCapPDBasePtr(vtableW0);
  if (!isValidVTableRootFp(vtableW0)) return slowpath(k, FP_VSPACE);
  const storedHwAsid = mem.read32(capPD + 4 * PD_ASID_SLOT);

  // Only the idle thread or lower-priority threads may be ready besides the receiver.
  const dom = NUM_DOMAINS > 1 ? k.ksCurDomain : 0;
  const destPrio = tcbGet(mem, dest, TCB_PRIORITY);
  if (destPrio < tcbGet(mem, cur, TCB_PRIORITY) && !isHighestPrio(k, dom, destPrio)) return slowpath(k, FP_PRIORITY);

  // The reply cap needs Grant or GrantReply on the endpoint cap.
  if (!endpointCapGetCapCanGrant(capW1) && !endpointCapGetCapCanGrantReply(capW1)) return slowpath(k, FP_GRANT);
  // Without a stored hardware ASID the slowpath would have to allocate one.
  if (!storedASIDValid(storedHwAsid)) return slowpath(k, FP_HW_ASID);
  if (NUM_DOMAINS > 1 && tcbGet(mem, dest, TCB_DOMAIN) !== k.ksCurDomain) return slowpath(k, FP_DOMAIN);

  // ---- point of no return ----
  k.fastpathCounters.callHits++;

  // Dequeue the receiver (`endpoint_ptr_set_epQueue_head_np` and friends).
  const destNext = tcbGet(mem, dest, TCB_EP_NEXT);
  mem.write32(ep + EP_W1, destNext);
  if (destNext !== 0) mem.write32(destNext + TCB_EP_PREV, 0);
  else mem.write32(ep + EP_W0, endpointW0(0, EP_STATE_IDLE));

  const badge = endpointCapGetCapEPBadge(capW0);

  // The caller blocks on reply; only the tsType word is written (`_np`).
  mem.write32(cur + TCB_STATE_W0, THREAD_STATE_BLOCKED_ON_REPLY);

  // Reply cap in the receiver's caller slot, a child of the caller's master reply cap.
  const replySlot = tcbCte(cur, TCB_REPLY);
  const callerSlot = tcbCte(dest, TCB_CALLER);
  const replyCanGrant = threadStateGetBlockingIPCCanGrant(mem.read32(dest + TCB_STATE_W2));
  mem.write32(callerSlot, (cur | (replyCanGrant << 5) | CAP_REPLY) >>> 0); // cap_reply_cap_ptr_new_np, master 0
  mem.write32(callerSlot + CTE_MDB_W0, replySlot);
  mem.write32(replySlot + CTE_MDB_W1, mdbNodeW1(callerSlot, 1, 1));

  fastpathCopyMrs(k, length, cur, dest);

  // The receiver runs without entering a ready queue.
  mem.write32(dest + TCB_STATE_W0, THREAD_STATE_RUNNING);
  switchToThreadFp(k, dest, capPD, storedHwAsid);

  fastpathRestore(k, badge, (msgInfo & MI_CLEAR_CAPS_UNWRAPPED) >>> 0, dest);
  return true;
}
