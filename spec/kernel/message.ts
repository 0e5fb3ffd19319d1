/**
 * Messages between a thread and the kernel (l4v `TcbAcc_A.thy` `set_mrs`, `Tcb_A.thy`
 * `get_mrs`, `Ipc_A.thy` `reply_from_kernel`, `ExceptionTypes_A.thy`
 * `msg_from_syscall_error`, `ARM/ArchVSpace_A.thy` `lookup_ipc_buffer`; manual §4.1
 * "Message Registers"). MR0..MR3 are r2..r5; MR4.. are words 5.. of the IPC buffer.
 *
 * @module
 */
import { match } from 'ts-pattern';
import { messageInfoFromWord, wordFromMessageInfo, type MessageInfo } from '../../abi/message-info.js';
import { ERROR_CODE, LOOKUP_FAILURE_TYPE } from '../../abi/errors.js';
import { MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH } from '../../abi/config.js';
import { BADGE_REGISTER, MSG_INFO_REGISTER, MSG_REGISTERS } from '../../hardware/registers.js';
import { mask } from '../../hardware/word.js';
import { PAGE_BITS_FOR_SIZE } from '../state/cap.js';
import type { LookupFailure, SyscallError } from '../state/exceptions.js';
import type { KernelState } from '../state/kernel-state.js';
import { TCB_SLOT } from '../state/object.js';
import { getCap } from './cspace-access.js';
import { getTCB } from './kheap.js';
import { getRegister, setRegister, setRegisters } from './thread.js';
import { loadWord, storeWords } from './user-memory.js';

/** Word offset of the extra-cap CPtrs (`caps_or_badges`) in the IPC buffer. @see l4v buffer_cptr_index */
export const BUFFER_CPTR_INDEX = MSG_MAX_LENGTH + 2;

/** The message info a thread passed in r1. @see l4v get_message_info */
export function getMessageInfo(s: KernelState, thread: number): MessageInfo {
  return messageInfoFromWord(getRegister(s, thread, MSG_INFO_REGISTER));
}

/** Writes a message info into a thread's r1. @see l4v set_message_info */
export function setMessageInfo(s: KernelState, thread: number, mi: MessageInfo): KernelState {
  return setRegister(s, thread, MSG_INFO_REGISTER, wordFromMessageInfo(mi));
}

/**
 * The physical address of a thread's IPC buffer, or null when the frame cap in its TCB
 * slot 4 is missing or lacks the rights: a receiver needs read-write, a sender read-only
 * or read-write. @see l4v lookup_ipc_buffer (ARM)
 */
export function lookupIPCBuffer(s: KernelState, isReceiver: boolean, thread: number): number | null {
  const vaddr = getTCB(s, thread).ipcBuffer;
  const cap = getCap(s, { obj: thread, index: TCB_SLOT.IPCBuffer });
  if (cap.kind !== 'FrameCap') return null;
  const allowed = cap.rights === 'VMReadWrite' || (cap.rights === 'VMReadOnly' && !isReceiver);
  return allowed ? cap.ptr + ((vaddr & mask(PAGE_BITS_FOR_SIZE[cap.size])) >>> 0) : null;
}

/** The word at word offset `offs` of a buffer. @see l4v load_word_offs */
export function loadWordOffs(s: KernelState, buf: number, offs: number): number {
  return loadWord(s.machine, buf + 4 * offs);
}

/**
 * The first `info.length` message registers of a thread: r2..r5, then (with a buffer)
 * words 5..120 of its IPC buffer; without a buffer at most four. @see l4v get_mrs
 */
export function getMRs(s: KernelState, thread: number, buf: number | null, info: MessageInfo): number[] {
  const n = info.length;
  const out: number[] = [];
  for (let i = 0; i < Math.min(n, MSG_REGISTERS.length); i++) out.push(getRegister(s, thread, MSG_REGISTERS[i]!));
  if (buf === null) return out;
  for (let i = MSG_REGISTERS.length + 1; i <= n; i++) out.push(loadWordOffs(s, buf, i));
  return out;
}

/**
 * Writes message registers: the first four into r2..r5, the rest (with a buffer) into words
 * 5..120 of the IPC buffer. Returns the length actually written. @see l4v set_mrs
 */
export function setMRs(
  s: KernelState,
  thread: number,
  buf: number | null,
  msgs: readonly number[],
): { readonly state: KernelState; readonly length: number } {
  return setMRsWith(s, thread, buf, msgs, []);
}

/** {@link setMRs}, also setting other registers in the same TCB update. */
function setMRsWith(
  s: KernelState,
  thread: number,
  buf: number | null,
  msgs: readonly number[],
  otherRegs: readonly (readonly [number, number])[],
): { readonly state: KernelState; readonly length: number } {
  const regs = MSG_REGISTERS.slice(0, msgs.length).map((r, i) => [r, msgs[i] ?? 0] as const);
  const s1 = setRegisters(s, thread, [...otherRegs, ...regs]);
  if (buf === null) return { state: s1, length: Math.min(MSG_REGISTERS.length, msgs.length) };
  const rest = msgs.slice(MSG_REGISTERS.length, MSG_MAX_LENGTH);
  const s2 = rest.length === 0 ? s1 : storeWords(s1, buf + 4 * (MSG_REGISTERS.length + 1), rest);
  return { state: s2, length: Math.min(msgs.length, MSG_MAX_LENGTH) };
}

/**
 * The kernel's reply to a thread: badge register 0, the message registers, and a message
 * info with the label, the length written and no caps. @see l4v reply_from_kernel
 */
export function replyFromKernel(
  s: KernelState,
  thread: number,
  reply: readonly [label: number, msgs: readonly number[]],
): KernelState {
  const buf = lookupIPCBuffer(s, true, thread);
  const msgs = reply[1];
  // set_mrs's length, known in advance so that all registers are written at once.
  const length = buf === null ? Math.min(MSG_REGISTERS.length, msgs.length) : Math.min(msgs.length, MSG_MAX_LENGTH);
  const info = wordFromMessageInfo({ label: reply[0], capsUnwrapped: 0, extraCaps: 0, length });
  return setMRsWith(s, thread, buf, msgs, [[BADGE_REGISTER, 0], [MSG_INFO_REGISTER, info]]).state;
}

/** The message words describing a lookup failure (manual §3.4). @see l4v msg_from_lookup_failure */
export function msgFromLookupFailure(lf: LookupFailure): number[] {
  return match(lf)
    .with({ kind: 'InvalidRoot' }, () => [LOOKUP_FAILURE_TYPE.InvalidRoot])
    .with({ kind: 'MissingCapability' }, (lf) => [LOOKUP_FAILURE_TYPE.MissingCapability, lf.bitsLeft])
    .with({ kind: 'DepthMismatch' }, (lf) => [LOOKUP_FAILURE_TYPE.DepthMismatch, lf.bitsLeft, lf.bitsFound])
    .with({ kind: 'GuardMismatch' }, (lf) => [LOOKUP_FAILURE_TYPE.GuardMismatch, lf.bitsLeft, lf.guardFound, lf.guardSize])
    .exhaustive();
}

/**
 * The error reply of a failed invocation: the error code as label, and its message
 * registers (SEL4-API.md §5). @see l4v msg_from_syscall_error
 */
export function msgFromSyscallError(e: SyscallError): [number, number[]] {
  // A switch, not ts-pattern: every failed Call replies through here.
  switch (e.kind) {
    case 'InvalidArgument':
      return [ERROR_CODE.InvalidArgument, [e.index]];
    case 'InvalidCapability':
      return [ERROR_CODE.InvalidCapability, [e.index]];
    case 'IllegalOperation':
      return [ERROR_CODE.IllegalOperation, []];
    case 'RangeError':
      return [ERROR_CODE.RangeError, [e.min >>> 0, e.max >>> 0]];
    case 'AlignmentError':
      return [ERROR_CODE.AlignmentError, []];
    case 'FailedLookup':
      return [ERROR_CODE.FailedLookup, [e.source ? 1 : 0, ...msgFromLookupFailure(e.failure)]];
    case 'TruncatedMessage':
      return [ERROR_CODE.TruncatedMessage, []];
    case 'DeleteFirst':
      return [ERROR_CODE.DeleteFirst, []];
    case 'RevokeFirst':
      return [ERROR_CODE.RevokeFirst, []];
    case 'NotEnoughMemory':
      return [ERROR_CODE.NotEnoughMemory, [e.bytes >>> 0]];
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

/**
 * The CPtrs of the extra caps a thread sends: `caps_or_badges[0..extraCaps-1]` of its IPC
 * buffer, none without a buffer. @see l4v get_extra_cptrs
 */
export function getExtraCPtrs(s: KernelState, buf: number | null, info: MessageInfo): number[] {
  if (buf === null) return [];
  const n = Math.min(info.extraCaps, MSG_MAX_EXTRA_CAPS);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(loadWordOffs(s, buf, BUFFER_CPTR_INDEX + i));
  return out;
}
