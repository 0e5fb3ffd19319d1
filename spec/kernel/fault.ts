/**
 * Faults (l4v `Ipc_A.thy` `handle_fault`, `send_fault_ipc`, `handle_double_fault`;
 * `ARM/ArchVSpace_A.thy` `handle_vm_fault`; manual §6.2 "Faults"). A faulting thread's
 * fault is sent as a message through the endpoint its fault-handler CPtr names; when there
 * is no usable handler the thread is left inactive.
 *
 * @module
 */
import { mask } from '../../hardware/word.js';
import type { Fault } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { lookupCap } from './cspace.js';
import { sendIPC } from '../object/endpoint.js';
import { getTCB, updateTCB } from './kheap.js';
import { err, ok, type Result } from './monad.js';
import { getRestartPC, setThreadState } from './thread.js';

/**
 * Sends a fault to the thread's handler: the handler CPtr must name an endpoint cap with
 * Write and Grant or GrantReply; otherwise the send fails with a cap fault on the handler
 * CPtr. The fault is stored in the thread, which then calls the endpoint with the cap's
 * badge and Grant right, and always GrantReply, so that the handler gets a reply cap.
 * Returns the state, or the fault that stopped the send. @see l4v send_fault_ipc
 */
export function sendFaultIPC(s: KernelState, thread: number, fault: Fault): Result<KernelState, Fault> {
  const cptr = getTCB(s, thread).faultHandler;
  const handler = lookupCap(s, thread, cptr);
  if (!handler.ok) return err({ kind: 'CapFault', address: cptr, inReceivePhase: false, failure: handler.error });
  const cap = handler.value;
  if (cap.kind === 'EndpointCap' && cap.rights.write && (cap.rights.grant || cap.rights.grantReply)) {
    const s1 = updateTCB(s, thread, { fault });
    return ok(sendIPC(s1, true, true, cap.badge, cap.rights.grant, true, thread, cap.ptr));
  }
  return err({ kind: 'CapFault', address: cptr, inReceivePhase: false, failure: { kind: 'MissingCapability', bitsLeft: 0 } });
}

/** A thread whose fault cannot be delivered becomes inactive. @see l4v handle_double_fault */
export function handleDoubleFault(s: KernelState, thread: number): KernelState {
  return setThreadState(s, thread, { kind: 'Inactive' });
}

/** Handles a fault of `thread`. @see l4v handle_fault */
export function handleFault(s: KernelState, thread: number, fault: Fault): KernelState {
  getTCB(s, thread);
  const r = sendFaultIPC(s, thread, fault);
  return r.ok ? r.value : handleDoubleFault(s, thread);
}

/**
 * The fault of a data or prefetch abort: the faulting address (for a prefetch abort the
 * thread's restart PC) and the fault status, masked to 14 bits. @see l4v handle_vm_fault
 */
export function handleVMFault(s: KernelState, thread: number, type: 'Data' | 'Instruction', address: number, fsr: number): Fault {
  const status = (fsr & mask(14)) >>> 0;
  return type === 'Data'
    ? { kind: 'VMFault', address: address >>> 0, instructionFault: false, fsr: status }
    : { kind: 'VMFault', address: getRestartPC(s, thread), instructionFault: true, fsr: status };
}
