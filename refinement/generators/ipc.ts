/**
 * Arbitraries of IPC: Send, NBSend and Call on endpoint caps (a signal on notification caps),
 * Recv and NBRecv (Wait and Poll on notifications), Reply and ReplyRecv; messages of 0..12
 * words, up to three extra caps (sometimes the very endpoint used, which is unwrapped to its
 * badge), and a receive slot for a transferred cap. Caps are mostly ones whose object has a partner waiting, so that messages
 * pass; some are caps the operation refuses (no Read, no Write, not an endpoint, a failing
 * CPtr: cap faults).
 *
 * @module
 */
import fc from 'fast-check';
import { INVOCATION_LABELS } from '../../abi/labels.js';
import type { CapChoice, IPCAction } from './action.js';
import { capChoice, rawCPtr, weighted, word } from './choices.js';

/** The cap a send goes through: mostly one with a receiver waiting, or any endpoint or notification. */
const sendCap = weighted<CapChoice>(
  [5, capChoice([1, 'send-partner'])], [4, capChoice([1, 'endpoint'])], [3, capChoice([1, 'notification'])],
  [1, capChoice([1, 'reply'])], [1, capChoice([1, 'empty'])], [1, rawCPtr],
);

/** The cap a receive waits on: mostly one with a sender or a signal pending, or any endpoint or notification. */
const recvCap = weighted<CapChoice>(
  [5, capChoice([1, 'recv-partner'])], [4, capChoice([1, 'endpoint'])], [3, capChoice([1, 'notification'])],
  [1, capChoice([1, 'empty'])], [1, capChoice([1, 'cnode'])], [1, rawCPtr],
);

/**
 * A message label: mostly 0 (a reply with label 0 restarts a faulted thread), else past the
 * last invocation label, so that an IPC is counted as `InvalidInvocation` and never under a
 * label it does not invoke.
 */
const label = weighted<number>([6, fc.constant(0)], [2, fc.integer({ min: INVOCATION_LABELS.length, max: 64 })], [1, fc.integer({ min: 64, max: 0xfffff })]);

/** Message words: mostly a few (registers only), sometimes up to 12 (into the IPC buffer). */
const mrs = weighted<readonly number[]>(
  [5, fc.array(fc.oneof(word, fc.nat({ max: 64 })), { maxLength: 4 })],
  [2, fc.array(fc.oneof(word, fc.nat({ max: 64 })), { minLength: 5, maxLength: 12 })],
);

/** Extra caps: mostly none or one; the endpoint used itself (unwrapped), any cap, an empty slot. */
const extraCap = capChoice([3, 'any'], [2, 'invoked'], [2, 'endpoint'], [1, 'notification'], [1, 'empty']);
const extraCaps = weighted<readonly CapChoice[]>(
  [6, fc.constant([])], [3, fc.array(extraCap, { minLength: 1, maxLength: 1 })], [1, fc.array(extraCap, { minLength: 2, maxLength: 3 })],
);

/** Where a received cap goes: an empty slot, nowhere, or a full slot (the transfer stops). */
const receiveSlot = weighted<CapChoice | null>([8, capChoice([1, 'empty'])], [1, fc.constant(null)], [1, capChoice([1, 'any'])]);

/** Blocking even with nobody to wake the thread again (rare: it ends the useful part of a trace). */
const evenIfStuck = weighted([50, fc.constant(false)], [1, fc.constant(true)]);

function ipc(syscall: IPCAction['syscall'], cap: fc.Arbitrary<CapChoice>): fc.Arbitrary<IPCAction> {
  return fc.record({ t: fc.constant('IPC' as const), syscall: fc.constant(syscall), cap, label, mrs, caps: extraCaps, receiveSlot, evenIfStuck });
}

/** The IPC mix by syscall. */
export const ipcAction: fc.Arbitrary<IPCAction> = weighted(
  [3, ipc('SysSend', sendCap)], [2, ipc('SysNBSend', sendCap)], [3, ipc('SysCall', sendCap)],
  [3, ipc('SysRecv', recvCap)], [2, ipc('SysNBRecv', recvCap)], [2, ipc('SysReply', recvCap)], [2, ipc('SysReplyRecv', recvCap)],
);

/** An IPC action of one syscall (for `--entry`). */
export function ipcActionOf(syscall: IPCAction['syscall']): fc.Arbitrary<IPCAction> {
  return ipc(syscall, syscall === 'SysSend' || syscall === 'SysNBSend' || syscall === 'SysCall' ? sendCap : recvCap);
}
