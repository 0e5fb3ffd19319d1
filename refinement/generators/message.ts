/**
 * Laying out a message as libsel4 does before the trap: r0 the invoked CPtr, r1 the message
 * info, r7 the syscall number, MR0..MR3 in r2..r5, MR4.. and the extra-cap CPtrs in the IPC
 * buffer (`seL4_IPCBuffer`: `msg[i]` at word i + 1, `caps_or_badges[i]` at word 122 + i,
 * then `receiveCNode`, `receiveIndex`, `receiveDepth` at 125..127).
 *
 * @module
 */
import { LABEL, type InvocationLabel } from '../../abi/labels.js';
import { wordFromMessageInfo } from '../../abi/message-info.js';
import { SYSCALL_NUMBER, type KernelEvent, type Syscall } from '../../hardware/events.js';
import { MSG_REGISTERS, Reg } from '../../hardware/registers.js';

/** An action made concrete: what to write where, and the kernel entry. */
export interface ResolvedAction {
  /** The kernel entry. */
  readonly event: KernelEvent;
  /** `[register, value]` pairs for the current thread. */
  readonly registers: readonly (readonly [number, number])[];
  /** `[word offset, value]` pairs for the current thread's IPC buffer. */
  readonly ipcWords: readonly (readonly [number, number])[];
  /** A line to make pending at the interrupt controller first, or null. */
  readonly pendingIRQ: number | null;
  /** The action in seL4 terms. */
  readonly text: string;
}

/** IPC-buffer word offset of MR i (i ≥ 4). */
export const IPC_MR = (i: number): number => i + 1;
/** IPC-buffer word offset of extra-cap CPtr i. */
export const IPC_CAP = (i: number): number => 122 + i;
/** IPC-buffer word offsets of `receiveCNode`, `receiveIndex`, `receiveDepth`. */
export const IPC_RECEIVE = [125, 126, 127] as const;

/** A message: the label (an invocation label, or any 20-bit word for IPC), the words and the extra-cap CPtrs. */
export interface Message {
  /** The label. */
  readonly label: InvocationLabel | number;
  /** The message words. */
  readonly mrs: readonly number[];
  /** The extra-cap CPtrs. */
  readonly caps: readonly number[];
}

/** `0x…`. */
export function hex(w: number): string {
  return `0x${(w >>> 0).toString(16)}`;
}

/** `Send:` before an action sent otherwise than by Call. */
export function prefix(syscall: string): string {
  return syscall === 'SysCall' ? '' : `${syscall.replace(/^Sys/, '')}:`;
}

/** The registers and IPC-buffer words that send `m` through `cptr`, `shortBy` words short, without extra caps if `noExtraCaps`. */
export function messageWrites(syscall: Syscall, cptr: number, m: Message, shortBy = 0, noExtraCaps = false): Pick<ResolvedAction, 'registers' | 'ipcWords'> {
  const length = Math.max(0, m.mrs.length - shortBy);
  const caps = noExtraCaps ? [] : m.caps;
  const label = typeof m.label === 'number' ? m.label : LABEL[m.label];
  const info = wordFromMessageInfo({ label, capsUnwrapped: 0, extraCaps: caps.length, length });
  const registers: [number, number][] = [[Reg.R0, cptr >>> 0], [Reg.R1, info], [Reg.R7, SYSCALL_NUMBER[syscall] >>> 0]];
  const ipcWords: [number, number][] = [];
  m.mrs.slice(0, length).forEach((w, i) => {
    if (i < MSG_REGISTERS.length) registers.push([MSG_REGISTERS[i]!, w >>> 0]);
    else ipcWords.push([IPC_MR(i), w >>> 0]);
  });
  caps.forEach((c, i) => ipcWords.push([IPC_CAP(i), c >>> 0]));
  return { registers, ipcWords };
}

/** An invocation of `cptr` with `m`, printed as `text` with its near misses noted. */
export function invoke(syscall: Syscall, cptr: number, m: Message, shortBy: number, noExtraCaps: boolean, pendingIRQ: number | null, text: string): ResolvedAction {
  const length = Math.max(0, m.mrs.length - shortBy);
  const notes = [shortBy > 0 ? `${length} MRs` : '', noExtraCaps && m.caps.length > 0 ? 'no extra caps' : '', pendingIRQ !== null ? `IRQ ${pendingIRQ} pending` : '']
    .filter((x) => x !== '');
  return {
    event: { kind: 'Syscall', syscall }, ...messageWrites(syscall, cptr, m, shortBy, noExtraCaps), pendingIRQ,
    text: `${prefix(syscall)}${text}${notes.length > 0 ? ` [${notes.join(', ')}]` : ''}`,
  };
}

/** A Yield standing in for an action the current thread cannot make (the reason in the text). */
export function yieldInstead(why: string): ResolvedAction {
  return {
    event: { kind: 'Syscall', syscall: 'SysYield' }, registers: [[Reg.R7, SYSCALL_NUMBER.SysYield >>> 0]], ipcWords: [],
    pendingIRQ: null, text: `Yield() (${why})`,
  };
}
