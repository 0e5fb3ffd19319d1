/**
 * A small libsel4 for user programs of the modelled machine: the system calls as libsel4's
 * aarch32 stubs issue them (`libsel4/sel4_arch_include/aarch32/sel4/sel4_arch/syscalls.h`),
 * and the IPC buffer layout (`seL4_IPCBuffer`). Each call is a generator to use with
 * `yield*` inside a program: it puts the words where libsel4 puts them, traps, and reads the
 * result back from the registers.
 *
 * Registers (SEL4-API.md §1, §7): r0 = the invoked CPtr in, the badge out; r1 = the message
 * info both ways; r2–r5 = MR0–MR3; r7 = the syscall number (negative). MR4 and above, the
 * extra caps' CPtrs and the receive path live in the thread's IPC buffer. The calls take
 * their message registers as an array, as libsel4's `seL4_CallWithMRs` family does: MR0–MR3
 * go straight into registers, the rest are stored into the buffer first.
 *
 * @module
 */
import { messageInfoFromWord, wordFromMessageInfo } from '../../abi/message-info.js';
import type { Syscall } from '../../hardware/events.js';
import { Reg } from '../../hardware/registers.js';
import type { UserCode, UserThread } from '../../hardware/user.js';

/** Word offsets in `seL4_IPCBuffer` (128 words, 512-byte aligned). */
export const IPC_BUFFER = {
  /** `tag`: the message info (libsel4 bookkeeping). */
  tag: 0,
  /** `msg[0]`: MR i is at word `msg + i`. */
  msg: 1,
  /** `userData`. */
  userData: 121,
  /** `caps_or_badges[0]`: extra cap CPtrs out, unwrapped badges in. */
  capsOrBadges: 122,
  /** `receiveCNode`. */
  receiveCNode: 125,
  /** `receiveIndex`. */
  receiveIndex: 126,
  /** `receiveDepth`. */
  receiveDepth: 127,
} as const;

/** `seL4_WordBits`: the depth that resolves a whole CPtr. */
export const WORD_BITS = 32;

/** `seL4_MessageInfo_new(label, capsUnwrapped, extraCaps, length)` as a word. */
export function messageInfo(label: number, capsUnwrapped: number, extraCaps: number, length: number): number {
  return wordFromMessageInfo({ label, capsUnwrapped, extraCaps, length });
}

/** `seL4_MessageInfo_get_label`. */
export function infoLabel(info: number): number {
  return info >>> 12;
}

/** `seL4_MessageInfo_get_length` (as the word says it; the kernel clamps to 120 on entry). */
export function infoLength(info: number): number {
  return info & 0x7f;
}

/** `seL4_MessageInfo_get_extraCaps`. */
export function infoExtraCaps(info: number): number {
  return messageInfoFromWord(info).extraCaps;
}

/** `seL4_MessageInfo_get_capsUnwrapped`. */
export function infoCapsUnwrapped(info: number): number {
  return messageInfoFromWord(info).capsUnwrapped;
}

/** What a system call returns in registers. */
export interface Message {
  /** r1: the message info. */
  readonly info: number;
  /** r0: the badge of the sender (receives), or what the kernel left there. */
  readonly badge: number;
  /** r2–r5: MR0–MR3. */
  readonly mr: readonly [number, number, number, number];
}

/** The system calls and IPC-buffer accessors of one thread (its registers and buffer address). */
export class Sel4 {
  /** The program's thread. */
  readonly u: UserThread;
  /** Virtual address of the thread's IPC buffer. */
  readonly ipcBuffer: number;

  /** libsel4 for thread `u`, whose IPC buffer is at `ipcBuffer`. */
  constructor(u: UserThread, ipcBuffer: number) {
    this.u = u;
    this.ipcBuffer = ipcBuffer >>> 0;
  }

  private word(offset: number): number {
    return this.ipcBuffer + 4 * offset;
  }

  /** `seL4_SetMR(i, v)` for i ≥ 4 (MR0–MR3 travel in registers). */
  *setMR(i: number, v: number): UserCode<void> {
    yield* this.u.store32(this.word(IPC_BUFFER.msg + i), v);
  }

  /** `seL4_GetMR(i)` for i ≥ 4, read from the buffer. */
  *getMR(i: number): UserCode<number> {
    return yield* this.u.load32(this.word(IPC_BUFFER.msg + i));
  }

  /** `seL4_SetCap(i, cptr)`: extra cap i of the next send. */
  *setCap(i: number, cptr: number): UserCode<void> {
    yield* this.u.store32(this.word(IPC_BUFFER.capsOrBadges + i), cptr);
  }

  /** `seL4_GetBadge(i)`: the badge of unwrapped extra cap i of the last receive. */
  *getBadge(i: number): UserCode<number> {
    return yield* this.u.load32(this.word(IPC_BUFFER.capsOrBadges + i));
  }

  /** `seL4_SetCapReceivePath(cnode, index, depth)`: where a received cap goes. */
  *setCapReceivePath(cnode: number, index: number, depth: number): UserCode<void> {
    yield* this.u.store32(this.word(IPC_BUFFER.receiveCNode), cnode);
    yield* this.u.store32(this.word(IPC_BUFFER.receiveIndex), index);
    yield* this.u.store32(this.word(IPC_BUFFER.receiveDepth), depth);
  }

  /** Reads MRs 0..n-1 of the message just received (MR0–MR3 from `m`, the rest from the buffer). */
  *getMRs(m: Message, n: number): UserCode<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(i < 4 ? (m.mr[i as 0 | 1 | 2 | 3]) : yield* this.getMR(i));
    return out;
  }

  /** Traps with r0 = `cptr`, r1 = `info`, MRs from `mrs` (MR4+ stored first); returns the registers. */
  *syscall(sys: Syscall, cptr: number, info: number, mrs: readonly number[] = []): UserCode<Message> {
    for (let i = 4; i < mrs.length; i++) yield* this.setMR(i, mrs[i] ?? 0);
    const regs = this.u.regs;
    regs[Reg.R0] = cptr;
    regs[Reg.R1] = info;
    regs[Reg.R2] = mrs[0] ?? 0;
    regs[Reg.R3] = mrs[1] ?? 0;
    regs[Reg.R4] = mrs[2] ?? 0;
    regs[Reg.R5] = mrs[3] ?? 0;
    yield* this.u.syscall(sys);
    return {
      badge: regs[Reg.R0] ?? 0,
      info: regs[Reg.R1] ?? 0,
      mr: [regs[Reg.R2] ?? 0, regs[Reg.R3] ?? 0, regs[Reg.R4] ?? 0, regs[Reg.R5] ?? 0],
    };
  }

  /** `seL4_Call(dest, info)` with its MRs: send, then wait for the reply. */
  *call(dest: number, info: number, mrs: readonly number[] = []): UserCode<Message> {
    return yield* this.syscall('SysCall', dest, info, mrs);
  }

  /** `seL4_Send(dest, info)`: a blocking send. */
  *send(dest: number, info: number, mrs: readonly number[] = []): UserCode<Message> {
    return yield* this.syscall('SysSend', dest, info, mrs);
  }

  /** `seL4_NBSend(dest, info)`: a send that is dropped when nobody waits. */
  *nbSend(dest: number, info: number, mrs: readonly number[] = []): UserCode<Message> {
    return yield* this.syscall('SysNBSend', dest, info, mrs);
  }

  /** `seL4_Recv(src, &badge)`: a blocking receive; the badge is in the result. */
  *recv(src: number): UserCode<Message> {
    return yield* this.syscall('SysRecv', src, 0);
  }

  /** `seL4_NBRecv(src, &badge)`: a receive that returns at once (badge 0 when nothing was there). */
  *nbRecv(src: number): UserCode<Message> {
    return yield* this.syscall('SysNBRecv', src, 0);
  }

  /** `seL4_Reply(info)`: replies to the caller in the reply slot. */
  *reply(info: number, mrs: readonly number[] = []): UserCode<Message> {
    return yield* this.syscall('SysReply', 0, info, mrs);
  }

  /** `seL4_ReplyRecv(src, info, &badge)`: reply, then receive on `src`. */
  *replyRecv(src: number, info: number, mrs: readonly number[] = []): UserCode<Message> {
    return yield* this.syscall('SysReplyRecv', src, info, mrs);
  }

  /** `seL4_Yield()`. */
  *yield(): UserCode<void> {
    yield* this.u.syscall('SysYield');
  }

  /** `seL4_Signal(dest)`: a Send with an empty message to a notification. */
  *signal(dest: number): UserCode<void> {
    yield* this.syscall('SysSend', dest, 0);
  }

  /** `seL4_Wait(src, &badge)`: a blocking receive on a notification; returns the badge. */
  *wait(src: number): UserCode<number> {
    return (yield* this.syscall('SysRecv', src, 0)).badge;
  }

  /** `seL4_Poll(src, &badge)`: a non-blocking receive on a notification; returns the badge. */
  *poll(src: number): UserCode<number> {
    return (yield* this.syscall('SysNBRecv', src, 0)).badge;
  }
}
