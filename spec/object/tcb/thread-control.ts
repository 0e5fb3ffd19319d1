/**
 * Configuring a thread: its priorities, CSpace and VSpace roots, fault endpoint and IPC
 * buffer (manual §6.1 "Threads", `seL4_TCB_Configure`, `SetPriority`, `SetMCPriority`,
 * `SetSchedParams`, `SetIPCBuffer`, `SetSpace`; l4v `Decode_A.thy` `decode_tcb_configure`,
 * `decode_set_priority`, `decode_set_mcpriority`, `decode_set_sched_params`,
 * `decode_set_ipc_buffer`, `decode_set_space`, `check_prio`, and `Tcb_A.thy` `invoke_tcb`
 * for `ThreadControl`).
 *
 * Every one of these labels decodes to the same invocation, `ThreadControl`, with only the
 * parts it changes present. A new priority or MCP may not exceed the MCP of the thread whose
 * cap is given as authority. New root and buffer caps are derived from the caps the caller
 * names; the old caps in the TCB's slots are deleted first (which may be preempted) and the
 * new ones are inserted only if neither their source slot nor the invoked thread cap's slot
 * changed meanwhile (`check_cap_at`).
 *
 * @module
 */
import { IPC_BUFFER_SIZE_BITS } from '../../../abi/config.js';
import { isAligned } from '../../../hardware/word.js';
import type { Cap, CapOf } from '../../state/cap.js';
import type { CSlot } from '../../state/cslot.js';
import type { SyscallError } from '../../state/exceptions.js';
import type { KernelState } from '../../state/kernel-state.js';
import { TCB_SLOT } from '../../state/object.js';
import { runnable } from '../../state/thread.js';
import { capDelete } from '../../kernel/cap-delete.js';
import { capInsert } from '../../kernel/cap-insert.js';
import { getCap } from '../../kernel/cspace-access.js';
import { isFinalCap } from '../../kernel/empty-slot.js';
import { getTCB, updateTCB } from '../../kernel/kheap.js';
import { completedWith, err, ok, type PreemptibleValue, type Result } from '../../kernel/monad.js';
import { possibleSwitchTo, rescheduleRequired, tcbSchedAction, tcbSchedDequeue } from '../../kernel/ready-queues.js';
import { getThreadState } from '../../kernel/thread.js';
import { deriveCap, longRunningDelete, sameObjectAs, updateCapData } from '../objecttype.js';

/** An extra cap of the message: the cap and where the caller holds it. */
export interface CapAndSlot {
  /** The cap. */
  readonly cap: Cap;
  /** Its slot. */
  readonly slot: CSlot;
}

/**
 * A decoded configuration of a thread (l4v `ThreadControl`); null fields stay unchanged.
 * A buffer with a null frame clears the IPC buffer (address 0).
 */
export interface ThreadControl {
  /** Discriminant. */
  readonly kind: 'ThreadControl';
  /** The thread configured. */
  readonly target: number;
  /** The slot of the invoked thread cap (checked again before inserting caps). */
  readonly slot: CSlot;
  /** The new fault endpoint CPtr. */
  readonly faultHandler: number | null;
  /** The new maximum controlled priority. */
  readonly mcp: number | null;
  /** The new priority. */
  readonly priority: number | null;
  /** The new CSpace root cap and its source slot. */
  readonly croot: CapAndSlot | null;
  /** The new VSpace root cap and its source slot. */
  readonly vroot: CapAndSlot | null;
  /** The new IPC buffer address and frame cap. */
  readonly buffer: { readonly ptr: number; readonly frame: CapAndSlot | null } | null;
}


const TRUNCATED = err({ kind: 'TruncatedMessage' } as const);
const ILLEGAL = err({ kind: 'IllegalOperation' } as const);

/** A `ThreadControl` that changes nothing yet. */
function noChange(cap: CapOf<'ThreadCap'>, slot: CSlot): ThreadControl {
  return {
    kind: 'ThreadControl', target: cap.tcb, slot, faultHandler: null, mcp: null, priority: null,
    croot: null, vroot: null, buffer: null,
  };
}

/**
 * A new priority or MCP must not exceed the authority thread's MCP: else
 * `RangeError 0 mcp`. @see l4v check_prio
 */
export function checkPrio(s: KernelState, newPrio: number, auth: number): Result<void, SyscallError> {
  const mcp = getTCB(s, auth).mcp;
  return newPrio > mcp ? err({ kind: 'RangeError', min: 0, max: mcp }) : ok(undefined);
}

/**
 * An IPC buffer must be in a non-device frame (`IllegalOperation`) at a 512-byte aligned
 * address (`AlignmentError`). @see l4v check_valid_ipc_buffer (ARM)
 */
export function checkValidIPCBuffer(vptr: number, cap: Cap): Result<void, SyscallError> {
  if (cap.kind !== 'FrameCap' || cap.isDevice) return ILLEGAL;
  return isAligned(vptr, IPC_BUFFER_SIZE_BITS) ? ok(undefined) : err({ kind: 'AlignmentError' });
}

/** A VSpace root must be a page directory with an ASID. @see l4v is_valid_vtable_root (ARM) */
export function isValidVTableRoot(cap: Cap): boolean {
  return cap.kind === 'PageDirectoryCap' && cap.asid !== null;
}

/**
 * Whether deleting the cap in `slot` would be long-running: it is the final cap of a thread,
 * a CNode or a Zombie. @see l4v slot_cap_long_running_delete
 */
export function slotCapLongRunningDelete(s: KernelState, slot: CSlot): boolean {
  const cap = getCap(s, slot);
  return cap.kind !== 'NullCap' && isFinalCap(s, cap) && longRunningDelete(cap);
}

/** The authority thread named by the first extra cap, else `InvalidCapability 1`. */
function authority(excaps: readonly CapAndSlot[]): Result<number, SyscallError> {
  const auth = excaps[0]?.cap;
  return auth?.kind === 'ThreadCap' ? ok(auth.tcb) : err({ kind: 'InvalidCapability', index: 1 });
}

/** `SetPriority`: MR0 priority, cap0 authority. @see l4v decode_set_priority */
export function decodeSetPriority(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>, slot: CSlot,
  excaps: readonly CapAndSlot[]): Result<ThreadControl, SyscallError> {
  const [prio] = args;
  if (prio === undefined || excaps.length === 0) return TRUNCATED;
  const auth = authority(excaps);
  if (!auth.ok) return auth;
  const c = checkPrio(s, prio, auth.value);
  return c.ok ? ok({ ...noChange(cap, slot), priority: prio & 0xff }) : c;
}

/** `SetMCPriority`: MR0 mcp, cap0 authority. @see l4v decode_set_mcpriority */
export function decodeSetMCPriority(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>, slot: CSlot,
  excaps: readonly CapAndSlot[]): Result<ThreadControl, SyscallError> {
  const [mcp] = args;
  if (mcp === undefined || excaps.length === 0) return TRUNCATED;
  const auth = authority(excaps);
  if (!auth.ok) return auth;
  const c = checkPrio(s, mcp, auth.value);
  return c.ok ? ok({ ...noChange(cap, slot), mcp: mcp & 0xff }) : c;
}

/**
 * `SetSchedParams`: MR0 mcp, MR1 priority, cap0 authority; the MCP is checked first.
 * @see l4v decode_set_sched_params
 */
export function decodeSetSchedParams(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>, slot: CSlot,
  excaps: readonly CapAndSlot[]): Result<ThreadControl, SyscallError> {
  const [mcp, prio] = args;
  if (mcp === undefined || prio === undefined) return TRUNCATED;
  if (excaps.length === 0) return TRUNCATED;
  const auth = authority(excaps);
  if (!auth.ok) return auth;
  const c1 = checkPrio(s, mcp, auth.value);
  if (!c1.ok) return c1;
  const c2 = checkPrio(s, prio, auth.value);
  return c2.ok ? ok({ ...noChange(cap, slot), mcp: mcp & 0xff, priority: prio & 0xff }) : c2;
}

/**
 * `SetIPCBuffer`: MR0 the buffer's address, cap0 its frame (needed even for address 0, which
 * clears the buffer); the frame cap is derived and checked. @see l4v decode_set_ipc_buffer
 */
export function decodeSetIPCBuffer(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>, slot: CSlot,
  excaps: readonly CapAndSlot[]): Result<ThreadControl, SyscallError> {
  const [ptr] = args;
  if (ptr === undefined) return TRUNCATED;
  const frame = excaps[0];
  if (frame === undefined) return TRUNCATED;
  if (ptr === 0) return ok({ ...noChange(cap, slot), buffer: { ptr, frame: null } });
  const derived = deriveCap(s, frame.slot, frame.cap);
  if (!derived.ok) return derived;
  const valid = checkValidIPCBuffer(ptr, derived.value);
  if (!valid.ok) return valid;
  return ok({ ...noChange(cap, slot), buffer: { ptr, frame: { cap: derived.value, slot: frame.slot } } });
}

/** A new root cap: the cap data applied (unless 0), then derived. */
function newRoot(s: KernelState, arg: CapAndSlot, data: number): Result<Cap, SyscallError> {
  return deriveCap(s, arg.slot, data === 0 ? arg.cap : updateCapData(false, data, arg.cap));
}

/**
 * `SetSpace`: MR0 fault endpoint CPtr, MR1/MR2 cap data for the CSpace/VSpace root, cap0 and
 * cap1 the roots. Refused while either current root is being deleted; the CSpace root must
 * be a CNode, the VSpace root a page directory with an ASID. @see l4v decode_set_space
 */
export function decodeSetSpace(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>, slot: CSlot,
  excaps: readonly CapAndSlot[]): Result<ThreadControl, SyscallError> {
  const [faultEP, crootData, vrootData] = args;
  const [crootArg, vrootArg] = excaps;
  if (faultEP === undefined || crootData === undefined || vrootData === undefined) return TRUNCATED;
  if (crootArg === undefined || vrootArg === undefined) return TRUNCATED;
  const busy = slotCapLongRunningDelete(s, { obj: cap.tcb, index: TCB_SLOT.CTable }) ||
    slotCapLongRunningDelete(s, { obj: cap.tcb, index: TCB_SLOT.VTable });
  if (busy) return ILLEGAL;
  const croot = newRoot(s, crootArg, crootData);
  if (!croot.ok) return croot;
  if (croot.value.kind !== 'CNodeCap') return ILLEGAL;
  const vroot = newRoot(s, vrootArg, vrootData);
  if (!vroot.ok) return vroot;
  if (!isValidVTableRoot(vroot.value)) return ILLEGAL;
  return ok({
    ...noChange(cap, slot),
    faultHandler: faultEP,
    croot: { cap: croot.value, slot: crootArg.slot },
    vroot: { cap: vroot.value, slot: vrootArg.slot },
  });
}

/**
 * `Configure`: MR0 fault endpoint, MR1/MR2 root cap data, MR3 buffer address; cap0/cap1 the
 * roots, cap2 the buffer frame. The buffer is decoded first, then the space.
 * @see l4v decode_tcb_configure
 */
export function decodeTCBConfigure(s: KernelState, args: readonly number[], cap: CapOf<'ThreadCap'>, slot: CSlot,
  excaps: readonly CapAndSlot[]): Result<ThreadControl, SyscallError> {
  const [faultEP, crootData, vrootData, buffer] = args;
  if (faultEP === undefined || crootData === undefined || vrootData === undefined || buffer === undefined) return TRUNCATED;
  const bufferCap = excaps[2];
  if (bufferCap === undefined) return TRUNCATED;
  const params = decodeSetIPCBuffer(s, [buffer], cap, slot, [bufferCap]);
  if (!params.ok) return params;
  const space = decodeSetSpace(s, [faultEP, crootData, vrootData], cap, slot, excaps.slice(0, 2));
  if (!space.ok) return space;
  return ok({ ...space.value, buffer: params.value.buffer });
}

/**
 * Changes a thread's priority: off its ready queue, new priority, and if it is runnable the
 * current thread reschedules or the thread is considered for a switch. @see l4v set_priority
 */
export function setPriority(s: KernelState, t: number, prio: number): KernelState {
  const s1 = updateTCB(tcbSchedAction(s, tcbSchedDequeue, t), t, { priority: prio });
  if (!runnable(getThreadState(s1, t))) return s1;
  return t === s1.curThread ? rescheduleRequired(s1) : possibleSwitchTo(s1, t);
}

/** Sets a thread's maximum controlled priority. @see l4v set_mcpriority */
export function setMCPriority(s: KernelState, t: number, mcp: number): KernelState {
  return updateTCB(s, t, { mcp });
}

/**
 * Inserts `arg`'s cap into `dest` only while its source slot still holds the same object and
 * the invoked thread cap is still in place. @see l4v check_cap_at
 */
function insertIfUnchanged(s: KernelState, inv: ThreadControl, arg: CapAndSlot, dest: CSlot): KernelState {
  const intact = sameObjectAs(arg.cap, getCap(s, arg.slot)) &&
    sameObjectAs({ kind: 'ThreadCap', tcb: inv.target }, getCap(s, inv.slot));
  return intact ? capInsert(s, arg.cap, arg.slot, dest) : s;
}

/** Deletes the cap in one of the target's slots, then inserts the new cap. */
function replaceSlotCap(s: KernelState, inv: ThreadControl, index: number, arg: CapAndSlot): PreemptibleValue<null> {
  const dest = { obj: inv.target, index };
  const r = capDelete(s, dest);
  if (r.preempted) return { state: r.state, preempted: true };
  return completedWith(insertIfUnchanged(r.state, inv, arg, dest), null);
}

/**
 * Performs a `ThreadControl`: fault endpoint, MCP, CSpace root, VSpace root, IPC buffer
 * (rescheduling if the target is current), then priority, in that order; the deletes of the
 * old caps may be preempted. @see l4v invoke_tcb ThreadControl
 */
export function invokeThreadControl(s0: KernelState, inv: ThreadControl): PreemptibleValue<readonly number[]> {
  const t = inv.target;
  let s = inv.faultHandler === null ? s0 : updateTCB(s0, t, { faultHandler: inv.faultHandler });
  if (inv.mcp !== null) s = setMCPriority(s, t, inv.mcp);
  if (inv.croot !== null) {
    const r = replaceSlotCap(s, inv, TCB_SLOT.CTable, inv.croot);
    if (r.preempted) return r;
    s = r.state;
  }
  if (inv.vroot !== null) {
    const r = replaceSlotCap(s, inv, TCB_SLOT.VTable, inv.vroot);
    if (r.preempted) return r;
    s = r.state;
  }
  if (inv.buffer !== null) {
    const { ptr, frame } = inv.buffer;
    const r = capDelete(s, { obj: t, index: TCB_SLOT.IPCBuffer });
    if (r.preempted) return { state: r.state, preempted: true };
    s = updateTCB(r.state, t, { ipcBuffer: ptr });
    if (frame !== null) s = insertIfUnchanged(s, inv, frame, { obj: t, index: TCB_SLOT.IPCBuffer });
    if (t === s.curThread) s = rescheduleRequired(s);
  }
  if (inv.priority !== null) s = setPriority(s, t, inv.priority);
  return completedWith(s, []);
}
