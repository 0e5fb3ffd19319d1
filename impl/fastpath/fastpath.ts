/**
 * The IPC fastpath's shared pieces (seL4 `include/fastpath/fastpath.h`,
 * `include/arch/arm/arch/32/mode/fastpath/fastpath.h`). The trap entry (`entry.ts`) tries
 * `fastpath_call` for SysCall and `fastpath_reply_recv` for SysReplyRecv before the full
 * kernel entry, when the `KernelFastpath` option is on.
 *
 * Each path checks, in seL4's order, that the IPC is the common case it handles; the first
 * failed check sends the entry to the slowpath untouched (no state has changed before the
 * point of no return). Past it, the path makes exactly the slowpath's changes, writing the
 * words as the C does, switches straight to the other thread through the hardware ASID that
 * the page directory stores, and returns to it with badge and message info in r0 and r1.
 *
 * The model has no kernel stack to leave, so `fastpath_restore`'s loading of r0/r1 into the
 * CPU becomes a store into the new thread's saved context (where every user register lives
 * here); `clearExMonitor_fp` and the lazy FPU restore have nothing to act on.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { BADGE_REGISTER, MSG_INFO_REGISTER, MSG_REGISTERS } from '../../hardware/registers.js';
import { CAP_CNODE, CAP_PAGE_DIRECTORY, CAP_REPLY, capGetCapType, cnodeCapGetCapCNodeGuard, cnodeCapGetCapCNodeGuardSize, cnodeCapGetCapCNodePtr, cnodeCapGetCapCNodeRadix } from '../object/cap.js';
import { CTE_CAP_W1 } from '../object/mdb.js';
import { getRegister, setRegister } from '../object/tcb-layout.js';
import { setHardwareASID, writeTTBR0Ptr } from '../arch/arm/machine.js';
import { storedHWASID } from '../arch/arm/asid.js';

const WORD_BITS = 32;
/** `seL4_MsgLengthBits + seL4_MsgExtraCapBits`: the low bits `fastpath_mi_check` looks at. */
const MI_CHECK_MASK = 0x1ff;
/** `seL4_MessageInfo_set_capsUnwrapped(info, 0)` as a mask (capsUnwrapped is bits 11:9). */
export const MI_CLEAR_CAPS_UNWRAPPED = ~(7 << 9);
/** `MASK(5)` of the cap-type test on a VSpace or reply cap's word 0. */
const CAP_TYPE_AND_FLAG_MASK = 0x1f;
/** `BIT(4) | cap_page_directory_cap`: a page-directory cap with `capPDIsMapped` set. */
const MAPPED_PD_CAP = (1 << 4) | CAP_PAGE_DIRECTORY;

/**
 * `fastpath_mi_check(msgInfo)`: non-zero unless length <= 4 and no extra caps, in one add
 * (length + 3 fits in three bits exactly when length <= 4; extra caps sit above the length).
 */
export function fastpathMiCheck(msgInfo: number): number {
  return ((msgInfo & MI_CHECK_MASK) + 3) & ~7;
}

/**
 * `lookup_fp(cap, cptr)`: the slot the cap pointer names, walking CNodes from the cap in
 * `rootSlot` through all 32 bits, or 0 where C returns a null cap (root not a CNode, a guard
 * mismatch, 32 bits overshot). The depth check is deferred to the end as in C. A CNode level
 * that resolves no bits would loop forever in C; here it reads as a null cap (the fastpath may
 * always leave an entry to the slowpath).
 */
export function lookupFp(k: Kernel, rootSlot: number, cptr: number): number {
  const mem = k.mem;
  let w0 = mem.read32(rootSlot);
  if (capGetCapType(w0) !== CAP_CNODE) return 0;
  let slot = rootSlot;
  let bits = 0;
  do {
    const w1 = mem.read32(slot + CTE_CAP_W1);
    const guardBits = cnodeCapGetCapCNodeGuardSize(w1);
    const radixBits = cnodeCapGetCapCNodeRadix(w1);
    if (guardBits + radixBits === 0) return 0;
    const cptr2 = (cptr << bits) >>> 0;
    if (guardBits !== 0 && cptr2 >>> (WORD_BITS - guardBits) !== cnodeCapGetCapCNodeGuard(w1)) return 0;
    const radix = radixBits === 0 ? 0 : ((cptr2 << guardBits) >>> 0) >>> (WORD_BITS - radixBits);
    slot = (cnodeCapGetCapCNodePtr(w0) + 16 * radix) >>> 0;
    w0 = mem.read32(slot);
    bits += guardBits + radixBits;
  } while (bits < WORD_BITS && capGetCapType(w0) === CAP_CNODE);
  if (bits > WORD_BITS) return 0;
  return slot;
}

/** `isValidVTableRoot_fp(cap)`: a page-directory cap with its mapped bit set (word 0's low 5 bits). */
export function isValidVTableRootFp(capW0: number): boolean {
  return (capW0 & CAP_TYPE_AND_FLAG_MASK) === MAPPED_PD_CAP;
}

/** `fastpath_reply_cap_check(cap)`: a reply cap that is not a master (word 0's low 5 bits). */
export function fastpathReplyCapCheck(capW0: number): boolean {
  return (capW0 & CAP_TYPE_AND_FLAG_MASK) === CAP_REPLY;
}

/** `fastpath_copy_mrs(length, src, dest)`: MR0..MR(length-1), all in registers (length <= 4). */
export function fastpathCopyMrs(k: Kernel, length: number, src: number, dest: number): void {
  const mem = k.mem;
  for (let i = 0; i < length; i++) {
    const reg = MSG_REGISTERS[i]!;
    setRegister(mem, dest, reg, getRegister(mem, src, reg));
  }
}

/**
 * `switchToThread_fp(thread, cap_pd, stored_hw_asid)`: `armv_contextSwitch_HWASID` (through
 * the global page directory, the stored hardware ASID, then the thread's directory), then
 * the thread becomes current. No hardware ASID is allocated: the caller checked it is valid.
 */
export function switchToThreadFp(k: Kernel, thread: number, capPD: number, storedHwAsid: number): void {
  writeTTBR0Ptr(k, k.armKSGlobalPD);
  setHardwareASID(k, storedHWASID(storedHwAsid));
  writeTTBR0Ptr(k, capPD);
  k.ksCurThread = thread;
}

/** `fastpath_restore(badge, msgInfo, cur)`: the thread resumes with badge in r0 and message info in r1. */
export function fastpathRestore(k: Kernel, badge: number, msgInfo: number, cur: number): void {
  setRegister(k.mem, cur, BADGE_REGISTER, badge);
  setRegister(k.mem, cur, MSG_INFO_REGISTER, msgInfo);
}
