/**
 * Endpoints and reply caps (l4v `Ipc_A.thy` `send_ipc`, `receive_ipc`, `setup_caller_cap`,
 * `do_reply_transfer`; `Syscall_A.thy` `delete_caller_cap`; manual §4 "Message Passing
 * (IPC)"). An endpoint is a rendezvous: a sender meets a queued receiver (or queues), a
 * receiver meets a queued sender (or queues). A Call leaves the caller waiting for a reply
 * and gives the receiver a one-use reply cap in its caller slot.
 *
 * The message itself moves in `endpoint/transfer.ts`; faults become messages in
 * `endpoint/fault-transfer.ts`.
 *
 * @module
 */
import type { CapOf } from '../state/cap.js';
import type { CSlot } from '../state/cslot.js';
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT } from '../state/object.js';
import { capInsert } from '../kernel/cap-insert.js';
import { capDeleteOne } from '../kernel/ipc-cancel.js';
import { getEndpoint, getTCB, setEndpoint, updateTCB } from '../kernel/kheap.js';
import { getMessageInfo, getMRs, lookupIPCBuffer } from '../kernel/message.js';
import { KernelPanic } from '../kernel/panic.js';
import { possibleSwitchTo } from '../kernel/ready-queues.js';
import { getThreadState, setThreadState } from '../kernel/thread.js';
import { completeSignal, doNBRecvFailedTransfer, isActive } from './notification.js';
import { handleFaultReply } from './endpoint/fault-transfer.js';
import { doIPCTransfer } from './endpoint/transfer.js';

export { doIPCTransfer, doNormalTransfer, transferCaps } from './endpoint/transfer.js';
export { doFaultTransfer, handleFaultReply, makeFaultMsg } from './endpoint/fault-transfer.js';

/**
 * Gives `receiver` a reply cap to `sender`, derived from the sender's master reply cap
 * into the receiver's caller slot, and leaves the sender waiting for the reply. The reply
 * cap carries Grant when the receiver's endpoint cap had Grant. @see l4v setup_caller_cap
 */
export function setupCallerCap(s: KernelState, sender: number, receiver: number, grant: boolean): KernelState {
  const s1 = setThreadState(s, sender, { kind: 'BlockedOnReply' });
  const rights = { read: false, write: true, grant, grantReply: false };
  return capInsert(
    s1,
    { kind: 'ReplyCap', tcb: sender, isMaster: false, rights },
    { obj: sender, index: TCB_SLOT.Reply },
    { obj: receiver, index: TCB_SLOT.Caller },
  );
}

/** Deletes the reply cap in a thread's caller slot, if any. @see l4v delete_caller_cap */
export function deleteCallerCap(s: KernelState, t: number): KernelState {
  return capDeleteOne(s, { obj: t, index: TCB_SLOT.Caller });
}

/** The queue without its head, as an endpoint state of the same direction. */
function withoutHead(kind: 'SendEP' | 'RecvEP', rest: readonly number[]): { kind: 'IdleEP' } | { kind: 'SendEP' | 'RecvEP'; queue: readonly number[] } {
  return rest.length === 0 ? { kind: 'IdleEP' } : { kind, queue: rest };
}

/**
 * Sends on an endpoint (manual §4.2). If a receiver waits, the message goes to the first
 * one, which becomes runnable (and may run next); a Call then blocks the sender on the
 * reply with a reply cap for the receiver, or, when the endpoint cap had neither Grant nor
 * GrantReply, makes the sender inactive. With no receiver a blocking send joins the end of
 * the send queue, remembering badge, rights and whether it is a Call; a non-blocking send
 * is dropped silently. @see l4v send_ipc
 */
export function sendIPC(
  s: KernelState,
  block: boolean,
  call: boolean,
  badge: number,
  canGrant: boolean,
  canGrantReply: boolean,
  thread: number,
  ep: number,
): KernelState {
  const st = getEndpoint(s, ep).state;
  // A switch, not ts-pattern: every Send and Call on an endpoint runs this.
  switch (st.kind) {
    case 'IdleEP':
    case 'SendEP': {
      if (!block) return s;
      const s1 = setThreadState(s, thread, { kind: 'BlockedOnSend', ep, badge, canGrant, canGrantReply, isCall: call });
      return setEndpoint(s1, ep, { kind: 'SendEP', queue: st.kind === 'SendEP' ? [...st.queue, thread] : [thread] });
    }
    case 'RecvEP': {
      const [dest, ...rest] = st.queue;
      if (dest === undefined) throw new KernelPanic('send_ipc: empty receive queue');
      const s1 = setEndpoint(s, ep, withoutHead('RecvEP', rest));
      const recvState = getThreadState(s1, dest);
      if (recvState.kind !== 'BlockedOnReceive') throw new KernelPanic('send_ipc: queued receiver not blocked on receive');
      const s2 = doIPCTransfer(s1, thread, ep, badge, canGrant, dest);
      const s3 = possibleSwitchTo(setThreadState(s2, dest, { kind: 'Running' }), dest);
      if (!call) return s3;
      if (canGrant || canGrantReply) return setupCallerCap(s3, thread, dest, recvState.canGrant);
      return setThreadState(s3, thread, { kind: 'Inactive' });
    }
    default: {
      const _exhaustive: never = st;
      return _exhaustive;
    }
  }
}

/**
 * Receives on an endpoint (manual §4.2). A pending signal on the thread's bound
 * notification is taken instead. Otherwise, if a sender waits, the message of the first
 * one is transferred; a Call leaves it waiting for the reply (or inactive, as in
 * {@link sendIPC}), a Send lets it run on. With no sender a blocking receive joins the end
 * of the receive queue, remembering whether its cap has Grant; a non-blocking one returns
 * badge 0. @see l4v receive_ipc
 */
export function receiveIPC(s: KernelState, thread: number, cap: CapOf<'EndpointCap'>, isBlocking: boolean): KernelState {
  const ep = cap.ptr;
  const st = getEndpoint(s, ep).state;
  const ntfn = getTCB(s, thread).boundNotification;
  if (ntfn !== null && isActive(s, ntfn)) return completeSignal(s, ntfn, thread);
  // A switch, not ts-pattern: every Recv on an endpoint runs this.
  switch (st.kind) {
    case 'IdleEP':
    case 'RecvEP': {
      if (!isBlocking) return doNBRecvFailedTransfer(s, thread);
      const s1 = setThreadState(s, thread, { kind: 'BlockedOnReceive', ep, canGrant: cap.rights.grant });
      return setEndpoint(s1, ep, { kind: 'RecvEP', queue: st.kind === 'RecvEP' ? [...st.queue, thread] : [thread] });
    }
    case 'SendEP': {
      const [sender, ...rest] = st.queue;
      if (sender === undefined) throw new KernelPanic('receive_ipc: empty send queue');
      const s1 = setEndpoint(s, ep, withoutHead('SendEP', rest));
      const data = getThreadState(s1, sender);
      if (data.kind !== 'BlockedOnSend') throw new KernelPanic('receive_ipc: queued sender not blocked on send');
      const s2 = doIPCTransfer(s1, sender, ep, data.badge, data.canGrant, thread);
      if (!data.isCall) return possibleSwitchTo(setThreadState(s2, sender, { kind: 'Running' }), sender);
      if (data.canGrant || data.canGrantReply) return setupCallerCap(s2, sender, thread, cap.rights.grant);
      return setThreadState(s2, sender, { kind: 'Inactive' });
    }
    default: {
      const _exhaustive: never = st;
      return _exhaustive;
    }
  }
}

/**
 * Replies through the reply cap in `slot` to `receiver`, which waits for it (manual §4.2.4
 * "Reply"). A normal reply is transferred as a message (caps only with `grant`), the reply
 * cap is deleted and the receiver runs again. A reply to a fault message deletes the reply
 * cap, lets the fault decide from the reply's label and words what to do, clears the fault
 * and restarts the thread or leaves it inactive. @see l4v do_reply_transfer
 */
export function doReplyTransfer(s: KernelState, sender: number, receiver: number, slot: CSlot, grant: boolean): KernelState {
  if (getThreadState(s, receiver).kind !== 'BlockedOnReply') throw new KernelPanic('do_reply_transfer: receiver not blocked on reply');
  const fault = getTCB(s, receiver).fault;
  if (fault === null) {
    const s1 = capDeleteOne(doIPCTransfer(s, sender, null, 0, grant, receiver), slot);
    return possibleSwitchTo(setThreadState(s1, receiver, { kind: 'Running' }), receiver);
  }
  const s1 = capDeleteOne(s, slot);
  const mi = getMessageInfo(s1, sender);
  const mrs = getMRs(s1, sender, lookupIPCBuffer(s1, false, sender), mi);
  const r = handleFaultReply(s1, fault, receiver, mi.label, mrs);
  const s2 = updateTCB(r.state, receiver, { fault: null });
  if (!r.restart) return setThreadState(s2, receiver, { kind: 'Inactive' });
  return possibleSwitchTo(setThreadState(s2, receiver, { kind: 'Restart' }), receiver);
}
