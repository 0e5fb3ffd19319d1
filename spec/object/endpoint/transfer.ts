/**
 * Moving a message from one thread to another (l4v `Ipc_A.thy` "IPC Capability
 * Transfers" and "Synchronous Message Transfers", `Tcb_A.thy` `copy_mrs`, `CSpace_A.thy`
 * `get_receive_slots`; manual §4.2 "Endpoints" and §4.2.2 "Capability Transfer"). A
 * message is its message registers, up to three extra caps and the sender's badge; a
 * faulting sender's message is its fault instead.
 *
 * @module
 */
import { MSG_MAX_EXTRA_CAPS } from '../../../abi/config.js';
import type { MessageInfo } from '../../../abi/message-info.js';
import { BADGE_REGISTER, MSG_REGISTERS } from '../../../hardware/registers.js';
import type { CSlot } from '../../state/cslot.js';
import type { KernelState } from '../../state/kernel-state.js';
import { capInsert } from '../../kernel/cap-insert.js';
import { getCap } from '../../kernel/cspace-access.js';
import { lookupCap, lookupCapAndSlot, lookupTargetSlot } from '../../kernel/cspace.js';
import type { ExtraCap } from '../../kernel/invocation.js';
import { getTCB } from '../../kernel/kheap.js';
import { BUFFER_CPTR_INDEX, getExtraCPtrs, getMessageInfo, loadWordOffs, lookupIPCBuffer, setMessageInfo } from '../../kernel/message.js';
import { getRegister, setRegister, setRegisters } from '../../kernel/thread.js';
import { storeWord, storeWords } from '../../kernel/user-memory.js';
import { deriveCap } from '../objecttype.js';
import { doFaultTransfer } from './fault-transfer.js';

/** A state and the message info computed with it. */
export interface WithInfo {
  /** The state reached. */
  readonly state: KernelState;
  /** The message info. */
  readonly info: MessageInfo;
}

/**
 * Copies the first `n` message registers: those in CPU registers always, those in the IPC
 * buffer only when both threads have one. Returns the number actually copied.
 * @see l4v copy_mrs
 */
export function copyMRs(
  s: KernelState,
  sender: number,
  sbuf: number | null,
  receiver: number,
  rbuf: number | null,
  n: number,
): { readonly state: KernelState; readonly length: number } {
  const hardware = MSG_REGISTERS.slice(0, n);
  const s1 = setRegisters(s, receiver, hardware.map((r) => [r, getRegister(s, sender, r)] as const));
  if (sbuf === null || rbuf === null || n <= MSG_REGISTERS.length) return { state: s1, length: hardware.length };
  // MR i lives at word i + 1 of the buffer (word 0 is the tag). Reading all words before
  // writing any equals l4v's word-by-word copy: IPC buffers are 512-byte aligned and 512
  // bytes long, so two of them are the same or disjoint.
  const words: number[] = [];
  for (let x = MSG_REGISTERS.length + 1; x <= n; x++) words.push(loadWordOffs(s1, sbuf, x));
  const s2 = storeWords(s1, rbuf + 4 * (MSG_REGISTERS.length + 1), words);
  return { state: s2, length: n };
}

/**
 * The slot a receiver offers for a transferred cap: the words `receiveCNode`,
 * `receiveIndex` and `receiveDepth` of its IPC buffer name it in its CSpace, and it must be
 * empty. Any failure means no slot (the cap is then simply not transferred).
 * @see l4v get_receive_slots
 */
export function getReceiveSlots(s: KernelState, thread: number, rbuf: number | null): CSlot[] {
  if (rbuf === null) return [];
  // load_cap_transfer: the three words after caps_or_badges.
  const base = BUFFER_CPTR_INDEX + MSG_MAX_EXTRA_CAPS;
  const root = loadWordOffs(s, rbuf, base);
  const index = loadWordOffs(s, rbuf, base + 1);
  const depth = loadWordOffs(s, rbuf, base + 2);
  const cnode = lookupCap(s, thread, root);
  if (!cnode.ok) return [];
  const slot = lookupTargetSlot(s, cnode.value, index, depth);
  if (!slot.ok) return [];
  return getCap(s, slot.value).kind === 'NullCap' ? [slot.value] : [];
}

/** Writes the badge of unwrapped extra cap `n` into the receiver's `caps_or_badges[n]`. @see l4v set_extra_badge */
function setExtraBadge(s: KernelState, rbuf: number, badge: number, n: number): KernelState {
  return storeWord(s, rbuf + 4 * (BUFFER_CPTR_INDEX + n), badge);
}

/**
 * Transfers the extra caps in order: a cap to the very endpoint the message goes through is
 * unwrapped (its badge goes to the receiver's buffer and bit n of capsUnwrapped is set);
 * any other cap is derived and inserted into the receive slot, which takes one cap only.
 * The first cap that cannot go (no slot left, or it derives to nothing or to an error)
 * ends the transfer; `extraCaps` counts the caps handled before it.
 * @see l4v transfer_caps_loop
 */
function transferCapsLoop(
  s: KernelState,
  ep: number | null,
  rbuf: number,
  caps: readonly ExtraCap[],
  slots: readonly CSlot[],
  mi: MessageInfo,
): WithInfo {
  let state = s;
  let free = slots;
  let unwrapped = mi.capsUnwrapped;
  let n = 0;
  for (const { cap, slot } of caps) {
    if (cap.kind === 'EndpointCap' && ep !== null && cap.ptr === ep) {
      state = setExtraBadge(state, rbuf, cap.badge, n);
      unwrapped |= 1 << n;
    } else {
      const [dest, ...rest] = free;
      if (dest === undefined) break;
      const derived = deriveCap(state, slot, cap);
      if (!derived.ok || derived.value.kind === 'NullCap') break;
      state = capInsert(state, derived.value, slot, dest);
      free = rest;
    }
    n++;
  }
  return { state, info: { ...mi, extraCaps: n, capsUnwrapped: unwrapped } };
}

/**
 * Transfers a message's extra caps to a receiver; without a receive buffer none go.
 * Returns the message info with the caps transferred and unwrapped. @see l4v transfer_caps
 */
export function transferCaps(
  s: KernelState,
  info: MessageInfo,
  caps: readonly ExtraCap[],
  ep: number | null,
  receiver: number,
  rbuf: number | null,
): WithInfo {
  const mi: MessageInfo = { ...info, extraCaps: 0, capsUnwrapped: 0 };
  if (rbuf === null) return { state: s, info: mi };
  return transferCapsLoop(s, ep, rbuf, caps, getReceiveSlots(s, receiver, rbuf), mi);
}

/**
 * The sender's extra caps, looked up in its CSpace; a failed lookup drops them all (an
 * IPC never faults the sender for an extra cap). @see l4v lookup_extra_caps (caught)
 */
function lookupExtraCapsOrNone(s: KernelState, sender: number, sbuf: number | null, mi: MessageInfo): ExtraCap[] {
  const caps: ExtraCap[] = [];
  for (const cptr of getExtraCPtrs(s, sbuf, mi)) {
    const r = lookupCapAndSlot(s, sender, cptr);
    if (!r.ok) return [];
    caps.push(r.value);
  }
  return caps;
}

/**
 * Transfers an ordinary message: the message registers, the extra caps if the sender may
 * grant, then the receiver's message info (length copied, caps transferred and unwrapped,
 * the sender's label) and badge register. @see l4v do_normal_transfer
 */
export function doNormalTransfer(
  s: KernelState,
  sender: number,
  sbuf: number | null,
  ep: number | null,
  badge: number,
  grant: boolean,
  receiver: number,
  rbuf: number | null,
): KernelState {
  const mi = getMessageInfo(s, sender);
  const caps = grant ? lookupExtraCapsOrNone(s, sender, sbuf, mi) : [];
  const copied = copyMRs(s, sender, sbuf, receiver, rbuf, mi.length);
  const transferred = transferCaps(copied.state, mi, caps, ep, receiver, rbuf);
  const info: MessageInfo = { ...transferred.info, length: copied.length, label: mi.label };
  return setRegister(setMessageInfo(transferred.state, receiver, info), receiver, BADGE_REGISTER, badge);
}

/**
 * Transfers a message from `sender` to `receiver`: the sender's fault if it has one, else
 * its message. `ep` is the endpoint it goes through (null for a reply), which decides
 * which extra caps are unwrapped. @see l4v do_ipc_transfer
 */
export function doIPCTransfer(
  s: KernelState,
  sender: number,
  ep: number | null,
  badge: number,
  grant: boolean,
  receiver: number,
): KernelState {
  const rbuf = lookupIPCBuffer(s, true, receiver);
  if (getTCB(s, sender).fault !== null) return doFaultTransfer(s, badge, sender, receiver, rbuf);
  const sbuf = lookupIPCBuffer(s, false, sender);
  return doNormalTransfer(s, sender, sbuf, ep, badge, grant, receiver, rbuf);
}
