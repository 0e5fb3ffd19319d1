/**
 * Moving a message from one thread to another (seL4 `src/kernel/thread.c` `doIPCTransfer`,
 * `doNormalTransfer`, `doFaultTransfer`, `transferCaps`, `doNBRecvFailedTransfer`;
 * `src/object/tcb.c` `copyMRs`, `setExtraBadge`; `src/object/cnode.c` `getReceiveSlots`).
 * Message registers MR0..MR3 go register to register; MR4.. go IPC buffer to IPC buffer,
 * and only when both threads have one. At most one cap is transferred per message, into the
 * single receive slot the receiver's IPC buffer names; a cap to the very endpoint the message
 * goes through is unwrapped to its badge instead.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { BADGE_REGISTER, MSG_INFO_REGISTER, MSG_REGISTERS } from '../../hardware/registers.js';
import { EXCEPTION_NONE } from '../kernel/failures.js';
import { lookupCap, lookupTargetSlot } from '../kernel/cspace.js';
import { IPC_BUFFER_CAPS_OR_BADGES, N_MSG_REGISTERS, lookupExtraCaps, lookupIPCBuffer, messageInfoWord } from '../kernel/message.js';
import { setMRsFault } from '../kernel/fault-message.js';
import {
  CAP_ENDPOINT, CAP_NULL, capGetCapType, endpointCapGetCapEPBadge, endpointCapGetCapEPPtr,
} from './cap.js';
import { CTE_CAP_W1 } from './mdb.js';
import { cteInsert } from './cte.js';
import { deriveCap } from './objecttype.js';
import { FAULT_NULL, faultGetType } from './structures.js';
import { TCB_FAULT_W0, getRegister, setRegister, tcbGet } from './tcb-layout.js';

/** `seL4_MsgMaxLength`. */
export const MSG_MAX_LENGTH = 120;
/** `seL4_MsgMaxExtraCaps`. */
export const MSG_MAX_EXTRA_CAPS = 3;
/** Word index of the cap-transfer words (`receiveCNode`, `receiveIndex`, `receiveDepth`). */
const IPC_BUFFER_RECEIVE_CNODE = MSG_MAX_LENGTH + MSG_MAX_EXTRA_CAPS + 2;

// seL4_MessageInfo fields: label [31:12], capsUnwrapped [11:9], extraCaps [8:7], length [6:0].
const INFO_CAPS_UNWRAPPED_SHIFT = 9;
const INFO_EXTRA_CAPS_SHIFT = 7;

/** `messageInfoFromWord(w)` length: clamped to `seL4_MsgMaxLength`. */
export function messageInfoLength(info: number): number {
  const len = info & 0x7f;
  return len > MSG_MAX_LENGTH ? MSG_MAX_LENGTH : len;
}

/**
 * `doIPCTransfer(sender, endpoint, badge, grant, receiver)`: a normal message, or the
 * sender's fault if it has one. `ep` is 0 for a reply.
 */
export function doIPCTransfer(k: Kernel, sender: number, ep: number, badge: number, grant: boolean, receiver: number): void {
  const receiveBuffer = lookupIPCBuffer(k, true, receiver);
  if (faultGetType(tcbGet(k.mem, sender, TCB_FAULT_W0)) === FAULT_NULL) {
    const sendBuffer = lookupIPCBuffer(k, false, sender);
    doNormalTransfer(k, sender, sendBuffer, ep, badge, grant, receiver, receiveBuffer);
  } else {
    doFaultTransfer(k, badge, sender, receiver, receiveBuffer);
  }
}

/**
 * `doNormalTransfer`: message registers, then caps (only with Grant), then the receiver's
 * message info (the sender's label; the length actually copied) and badge.
 */
export function doNormalTransfer(k: Kernel, sender: number, sendBuffer: number, ep: number, badge: number,
  canGrant: boolean, receiver: number, receiveBuffer: number): void {
  const info = getRegister(k.mem, sender, MSG_INFO_REGISTER);
  if (canGrant) {
    const status = lookupExtraCaps(k, sender, sendBuffer, (info >>> INFO_EXTRA_CAPS_SHIFT) & 3);
    if (status !== EXCEPTION_NONE) k.currentExtraCaps[0] = 0;
  } else {
    k.currentExtraCaps[0] = 0;
  }
  const msgTransferred = copyMRs(k, sender, sendBuffer, receiver, receiveBuffer, messageInfoLength(info));
  const tag = transferCaps(k, info, ep, receiver, receiveBuffer);
  setRegister(k.mem, receiver, MSG_INFO_REGISTER, ((tag & ~0x7f) | msgTransferred) >>> 0);
  setRegister(k.mem, receiver, BADGE_REGISTER, badge);
}

/** `doFaultTransfer(badge, sender, receiver, buffer)`: the fault message, labelled by fault type. */
export function doFaultTransfer(k: Kernel, badge: number, sender: number, receiver: number, receiveBuffer: number): void {
  const sent = setMRsFault(k, sender, receiver, receiveBuffer);
  const label = faultGetType(tcbGet(k.mem, sender, TCB_FAULT_W0));
  setRegister(k.mem, receiver, MSG_INFO_REGISTER, messageInfoWord(label, 0, 0, sent));
  setRegister(k.mem, receiver, BADGE_REGISTER, badge);
}

/** `doNBRecvFailedTransfer(thread)`: badge 0 says no message arrived. */
export function doNBRecvFailedTransfer(k: Kernel, tcb: number): void {
  setRegister(k.mem, tcb, BADGE_REGISTER, 0);
}

/**
 * `copyMRs(sender, sendBuf, receiver, recvBuf, n)`: copies `n` message registers; returns
 * how many were copied (only the register ones unless both buffers exist).
 */
export function copyMRs(k: Kernel, sender: number, sendBuf: number, receiver: number, recvBuf: number, n: number): number {
  const mem = k.mem;
  let i = 0;
  for (; i < n && i < N_MSG_REGISTERS; i++) {
    const r = MSG_REGISTERS[i]!;
    setRegister(mem, receiver, r, getRegister(mem, sender, r));
  }
  if (recvBuf === 0 || sendBuf === 0) return i;
  for (; i < n; i++) mem.write32(recvBuf + 4 * (i + 1), mem.read32(sendBuf + 4 * (i + 1)));
  return i;
}

/**
 * `getReceiveSlots(thread, buffer)`: the empty slot the receiver's IPC buffer names
 * (`receiveCNode` looked up in its CSpace, then `receiveIndex`/`receiveDepth` in that CNode),
 * or 0 when any step fails.
 */
export function getReceiveSlots(k: Kernel, receiver: number, buffer: number): number {
  if (buffer === 0) return 0;
  const mem = k.mem;
  const root = mem.read32(buffer + 4 * IPC_BUFFER_RECEIVE_CNODE);
  const index = mem.read32(buffer + 4 * (IPC_BUFFER_RECEIVE_CNODE + 1));
  const depth = mem.read32(buffer + 4 * (IPC_BUFFER_RECEIVE_CNODE + 2));
  if (lookupCap(k, receiver, root) !== EXCEPTION_NONE) return 0;
  if (lookupTargetSlot(k, k.capRet.w0, k.capRet.w1, index, depth) !== EXCEPTION_NONE) return 0;
  const slot = k.retSlot;
  if (capGetCapType(mem.read32(slot)) !== CAP_NULL) return 0;
  return slot;
}

/**
 * `transferCaps(info, endpoint, receiver, receiveBuffer)`: transfers the extra caps in
 * `k.currentExtraCaps`; returns `info` with `extraCaps` (how many were processed) and
 * `capsUnwrapped` set. The first cap that cannot be transferred ends the transfer.
 */
export function transferCaps(k: Kernel, info: number, ep: number, receiver: number, receiveBuffer: number): number {
  const mem = k.mem;
  const refs = k.currentExtraCaps;
  let tag = (info & ~((7 << INFO_CAPS_UNWRAPPED_SHIFT) | (3 << INFO_EXTRA_CAPS_SHIFT))) >>> 0;
  if (refs[0] === 0 || receiveBuffer === 0) return tag;
  let destSlot = getReceiveSlots(k, receiver, receiveBuffer);
  let i = 0;
  for (; i < MSG_MAX_EXTRA_CAPS && refs[i] !== 0; i++) {
    const slot = refs[i]!;
    const w0 = mem.read32(slot);
    const w1 = mem.read32(slot + CTE_CAP_W1);
    if (capGetCapType(w0) === CAP_ENDPOINT && endpointCapGetCapEPPtr(w1) === ep) {
      mem.write32(receiveBuffer + 4 * (IPC_BUFFER_CAPS_OR_BADGES + i), endpointCapGetCapEPBadge(w0));
      tag = (tag | (1 << (INFO_CAPS_UNWRAPPED_SHIFT + i))) >>> 0;
    } else {
      if (destSlot === 0) break;
      if (deriveCap(k, slot, w0, w1) !== EXCEPTION_NONE) break;
      if (capGetCapType(k.capRet.w0) === CAP_NULL) break;
      cteInsert(k, k.capRet.w0, k.capRet.w1, slot, destSlot);
      destSlot = 0;
    }
  }
  return (tag | (i << INFO_EXTRA_CAPS_SHIFT)) >>> 0;
}
