/**
 * Per-cap-type operations (seL4 `src/object/objecttype.c` and
 * `src/arch/arm/32/object/objecttype.c`; l4v `CSpace_A`, `ArchCSpace_A`, Haskell
 * `Object/ObjectType.lhs`): sizes and pointers of caps, region and object sameness,
 * revocability, cap-data update, rights masking, derivation and finalisation.
 * Caps are passed as their two words; cap results go to `k.capRet` (and `k.capRet2`).
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { mask } from '../../hardware/word.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import * as C from './cap.js';
import * as A from './arch-cap.js';
import { SLOT_BITS, TCB_BITS, ENDPOINT_BITS, NOTIFICATION_BITS, PAGE_TABLE_BITS, PAGE_DIR_BITS, ASID_POOL_BITS } from '../../abi/config.js';
import { setCapWords, type CapWords } from './cap.js';
import { ensureNoChildren } from './cte.js';
import { finaliseCapOfType } from './finalise.js';

/** `cap_get_capSizeBits`: log2 of the memory a cap covers (0 for caps without memory). */
export function capGetCapSizeBits(w0: number, w1: number): number {
  switch (C.capGetCapType(w0)) {
    case C.CAP_UNTYPED: return C.untypedCapGetCapBlockSize(w1);
    case C.CAP_ENDPOINT: return ENDPOINT_BITS;
    case C.CAP_NOTIFICATION: return NOTIFICATION_BITS;
    case C.CAP_CNODE: return C.cnodeCapGetCapCNodeRadix(w1) + SLOT_BITS;
    case C.CAP_THREAD: return TCB_BITS;
    case C.CAP_ZOMBIE: {
      const type = C.zombieCapGetCapZombieType(w0);
      return type === C.ZOMBIE_TYPE_TCB ? TCB_BITS : (type & 0x1f) + SLOT_BITS;
    }
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME: return A.pageBitsForSize(A.genericFrameCapGetCapFSize(w0, w1));
    case C.CAP_PAGE_TABLE: return PAGE_TABLE_BITS;
    case C.CAP_PAGE_DIRECTORY: return PAGE_DIR_BITS;
    case C.CAP_ASID_POOL: return ASID_POOL_BITS;
    default: return 0;
  }
}

/** `cap_get_capIsPhysical`: whether the cap refers to memory. */
export function capGetCapIsPhysical(w0: number): boolean {
  switch (C.capGetCapType(w0)) {
    case C.CAP_UNTYPED: case C.CAP_ENDPOINT: case C.CAP_NOTIFICATION: case C.CAP_CNODE:
    case C.CAP_THREAD: case C.CAP_ZOMBIE: case C.CAP_SMALL_FRAME: case C.CAP_FRAME:
    case C.CAP_PAGE_TABLE: case C.CAP_PAGE_DIRECTORY: case C.CAP_ASID_POOL:
      return true;
    default:
      return false;
  }
}

/** `cap_get_capPtr`: the memory a cap refers to (a thread cap gives its CTE 0, the object base), or 0. */
export function capGetCapPtr(w0: number, w1: number): number {
  switch (C.capGetCapType(w0)) {
    case C.CAP_UNTYPED: return C.untypedCapGetCapPtr(w0);
    case C.CAP_ENDPOINT: return C.endpointCapGetCapEPPtr(w1);
    case C.CAP_NOTIFICATION: return C.notificationCapGetCapNtfnPtr(w0);
    case C.CAP_CNODE: return C.cnodeCapGetCapCNodePtr(w0);
    case C.CAP_THREAD: return (C.threadCapGetCapTCBPtr(w0) & ~0x1ff) >>> 0;
    case C.CAP_ZOMBIE: return C.zombieCapGetCapZombiePtr(w0, w1);
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME: return A.genericFrameCapGetCapFBasePtr(w0);
    case C.CAP_PAGE_TABLE: return A.pageTableCapGetCapPTBasePtr(w0);
    case C.CAP_PAGE_DIRECTORY: return A.pageDirectoryCapGetCapPDBasePtr(w0);
    case C.CAP_ASID_POOL: return A.asidPoolCapGetCapASIDPool(w0);
    default: return 0;
  }
}

/** `sameRegionAs(a, b)`: whether b's object lies in a's (untyped covers, same object, IRQ control covers handlers). */
export function sameRegionAs(a0: number, a1: number, b0: number, b1: number): boolean {
  const tb = C.capGetCapType(b0);
  switch (C.capGetCapType(a0)) {
    case C.CAP_UNTYPED: {
      if (!capGetCapIsPhysical(b0)) return false;
      const aBase = C.untypedCapGetCapPtr(a0);
      const bBase = capGetCapPtr(b0, b1);
      const aTop = aBase + mask(C.untypedCapGetCapBlockSize(a1));
      const bTop = bBase + mask(capGetCapSizeBits(b0, b1));
      return aBase <= bBase && bTop <= aTop && bBase <= bTop;
    }
    case C.CAP_ENDPOINT:
      return tb === C.CAP_ENDPOINT && C.endpointCapGetCapEPPtr(a1) === C.endpointCapGetCapEPPtr(b1);
    case C.CAP_NOTIFICATION:
      return tb === C.CAP_NOTIFICATION && C.notificationCapGetCapNtfnPtr(a0) === C.notificationCapGetCapNtfnPtr(b0);
    case C.CAP_CNODE:
      return tb === C.CAP_CNODE && C.cnodeCapGetCapCNodePtr(a0) === C.cnodeCapGetCapCNodePtr(b0) &&
        C.cnodeCapGetCapCNodeRadix(a1) === C.cnodeCapGetCapCNodeRadix(b1);
    case C.CAP_THREAD:
      return tb === C.CAP_THREAD && C.threadCapGetCapTCBPtr(a0) === C.threadCapGetCapTCBPtr(b0);
    case C.CAP_REPLY:
      return tb === C.CAP_REPLY && C.replyCapGetCapTCBPtr(a0) === C.replyCapGetCapTCBPtr(b0);
    case C.CAP_DOMAIN:
      return tb === C.CAP_DOMAIN;
    case C.CAP_IRQ_CONTROL:
      return tb === C.CAP_IRQ_CONTROL || tb === C.CAP_IRQ_HANDLER || tb === C.CAP_SGI_SIGNAL;
    case C.CAP_IRQ_HANDLER:
      return tb === C.CAP_IRQ_HANDLER && C.irqHandlerCapGetCapIRQ(a1) === C.irqHandlerCapGetCapIRQ(b1);
    default:
      return C.isArchCap(a0) && C.isArchCap(b0) && archSameRegionAs(a0, a1, b0, b1);
  }
}

// `Arch_sameRegionAs`.
function archSameRegionAs(a0: number, a1: number, b0: number, b1: number): boolean {
  const tb = C.capGetCapType(b0);
  switch (C.capGetCapType(a0)) {
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME: {
      if (tb !== C.CAP_SMALL_FRAME && tb !== C.CAP_FRAME) return false;
      const botA = A.genericFrameCapGetCapFBasePtr(a0);
      const botB = A.genericFrameCapGetCapFBasePtr(b0);
      const topA = botA + mask(A.pageBitsForSize(A.genericFrameCapGetCapFSize(a0, a1)));
      const topB = botB + mask(A.pageBitsForSize(A.genericFrameCapGetCapFSize(b0, b1)));
      return botA <= botB && topA >= topB && botB <= topB;
    }
    case C.CAP_PAGE_TABLE:
      return tb === C.CAP_PAGE_TABLE && A.pageTableCapGetCapPTBasePtr(a0) === A.pageTableCapGetCapPTBasePtr(b0);
    case C.CAP_PAGE_DIRECTORY:
      return tb === C.CAP_PAGE_DIRECTORY && A.pageDirectoryCapGetCapPDBasePtr(a0) === A.pageDirectoryCapGetCapPDBasePtr(b0);
    case C.CAP_ASID_CONTROL:
      return tb === C.CAP_ASID_CONTROL;
    case C.CAP_ASID_POOL:
      return tb === C.CAP_ASID_POOL && A.asidPoolCapGetCapASIDPool(a0) === A.asidPoolCapGetCapASIDPool(b0);
    case C.CAP_SGI_SIGNAL:
      return tb === C.CAP_SGI_SIGNAL && C.sgiSignalCapGetCapSGIIRQ(a0) === C.sgiSignalCapGetCapSGIIRQ(b0) &&
        C.sgiSignalCapGetCapSGITarget(a1) === C.sgiSignalCapGetCapSGITarget(b1);
    default:
      return false;
  }
}

/** `sameObjectAs(a, b)`: whether both caps name the same object (never for untyped or IRQ control). */
export function sameObjectAs(a0: number, a1: number, b0: number, b1: number): boolean {
  const ta = C.capGetCapType(a0);
  if (ta === C.CAP_UNTYPED || ta === C.CAP_IRQ_CONTROL) return false;
  if (C.isArchCap(a0) && C.isArchCap(b0)) return archSameObjectAs(a0, a1, b0, b1);
  return sameRegionAs(a0, a1, b0, b1);
}

// `Arch_sameObjectAs`: frames must agree on base, size class and device-ness.
function archSameObjectAs(a0: number, a1: number, b0: number, b1: number): boolean {
  const ta = C.capGetCapType(a0);
  const tb = C.capGetCapType(b0);
  if (ta === C.CAP_SMALL_FRAME) {
    if (tb === C.CAP_SMALL_FRAME) {
      return A.genericFrameCapGetCapFBasePtr(a0) === A.genericFrameCapGetCapFBasePtr(b0) &&
        A.genericFrameCapGetCapFIsDevice(a0) === A.genericFrameCapGetCapFIsDevice(b0);
    }
    if (tb === C.CAP_FRAME) return false;
  }
  if (ta === C.CAP_FRAME) {
    if (tb === C.CAP_FRAME) {
      return A.genericFrameCapGetCapFBasePtr(a0) === A.genericFrameCapGetCapFBasePtr(b0) &&
        A.genericFrameCapGetCapFSize(a0, a1) === A.genericFrameCapGetCapFSize(b0, b1) &&
        A.genericFrameCapGetCapFIsDevice(a0) === A.genericFrameCapGetCapFIsDevice(b0);
    }
    if (tb === C.CAP_SMALL_FRAME) return false;
  }
  if (ta === C.CAP_SGI_SIGNAL) return false;
  return archSameRegionAs(a0, a1, b0, b1);
}

/** `isCapRevocable(derived, src)`: whether a derived cap becomes an original (MDB revocable). */
export function isCapRevocable(d0: number, d1: number, s0: number, s1: number): boolean {
  switch (C.capGetCapType(d0)) {
    case C.CAP_ENDPOINT: return C.endpointCapGetCapEPBadge(d0) !== C.endpointCapGetCapEPBadge(s0);
    case C.CAP_NOTIFICATION: return C.notificationCapGetCapNtfnBadge(d1) !== C.notificationCapGetCapNtfnBadge(s1);
    case C.CAP_IRQ_HANDLER: return C.capGetCapType(s0) === C.CAP_IRQ_CONTROL;
    case C.CAP_UNTYPED: return true;
    case C.CAP_SGI_SIGNAL: return C.capGetCapType(s0) === C.CAP_IRQ_CONTROL;
    default: return false;
  }
}

/** `hasCancelSendRights`: an endpoint cap with all four rights. */
export function hasCancelSendRights(w0: number, w1: number): boolean {
  return C.capGetCapType(w0) === C.CAP_ENDPOINT && (w1 & 0xf) === 0xf;
}

/**
 * `updateCapData(preserve, newData, cap)` into `out`: badges an unbadged endpoint or
 * notification cap (only when not preserving; else null), sets a CNode guard (null if
 * guard size + radix > 32), leaves every other cap unchanged.
 */
export function updateCapData(out: CapWords, preserve: boolean, newData: number, w0: number, w1: number): CapWords {
  switch (C.capGetCapType(w0)) {
    case C.CAP_ENDPOINT:
      return !preserve && C.endpointCapGetCapEPBadge(w0) === 0
        ? setCapWords(out, C.endpointCapSetCapEPBadge(w0, newData), w1) : C.nullCapNew(out);
    case C.CAP_NOTIFICATION:
      return !preserve && C.notificationCapGetCapNtfnBadge(w1) === 0
        ? setCapWords(out, w0, C.notificationCapSetCapNtfnBadge(w1, newData)) : C.nullCapNew(out);
    case C.CAP_CNODE: {
      const guardSize = (newData >>> 3) & 0x1f;
      if (guardSize + C.cnodeCapGetCapCNodeRadix(w1) > 32) return C.nullCapNew(out);
      const guard = ((newData >>> 8) & 0x3ffff & mask(guardSize)) >>> 0;
      return setCapWords(out, w0, C.cnodeCapSetGuard(w1, guardSize, guard));
    }
    default:
      return setCapWords(out, w0, w1);
  }
}

/** `maskVMRights`: frame rights after masking with a `seL4_CapRights_t` word. */
export function maskVMRights(vmRights: number, rights: number): number {
  const read = (rights >>> 1) & 1;
  const write = rights & 1;
  if (vmRights === A.VM_NO_ACCESS) return A.VM_NO_ACCESS;
  if (vmRights === A.VM_READ_ONLY && read) return A.VM_READ_ONLY;
  if (vmRights === A.VM_READ_WRITE && read) return write ? A.VM_READ_WRITE : A.VM_READ_ONLY;
  return A.VM_KERNEL_ONLY;
}

/** `maskCapRights(rights, cap)` into `out`: intersects EP/ntfn/reply/frame rights with the rights word. */
export function maskCapRights(out: CapWords, rights: number, w0: number, w1: number): CapWords {
  const write = rights & 1;
  const read = (rights >>> 1) & 1;
  const grant = (rights >>> 2) & 1;
  const grantReply = (rights >>> 3) & 1;
  switch (C.capGetCapType(w0)) {
    case C.CAP_ENDPOINT:
      return setCapWords(out, w0, C.endpointCapSetRights(w1,
        C.endpointCapGetCapCanGrantReply(w1) & grantReply, C.endpointCapGetCapCanGrant(w1) & grant,
        C.endpointCapGetCapCanReceive(w1) & read, C.endpointCapGetCapCanSend(w1) & write));
    case C.CAP_NOTIFICATION:
      return setCapWords(out, w0, C.notificationCapSetRights(w1,
        C.notificationCapGetCapNtfnCanReceive(w1) & read, C.notificationCapGetCapNtfnCanSend(w1) & write));
    case C.CAP_REPLY:
      return setCapWords(out, C.replyCapSetCapReplyCanGrant(w0, C.replyCapGetCapReplyCanGrant(w0) & grant), w1);
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME:
      return setCapWords(out, w0, A.genericFrameCapSetCapFVMRights(w0, w1,
        maskVMRights(A.genericFrameCapGetCapFVMRights(w0, w1), rights)));
    default:
      return setCapWords(out, w0, w1);
  }
}

/**
 * `deriveCap(slot, cap)`: the cap a Copy/Mint puts in a new slot, into `k.capRet`. Zombies,
 * IRQ control and reply caps derive to null; an untyped with children fails with RevokeFirst;
 * unmapped page tables and directories fail with IllegalOperation; frames lose their ASID.
 */
export function deriveCap(k: Kernel, slot: number, w0: number, w1: number): Exception {
  const out = k.capRet;
  switch (C.capGetCapType(w0)) {
    case C.CAP_ZOMBIE:
    case C.CAP_IRQ_CONTROL:
    case C.CAP_REPLY:
      C.nullCapNew(out);
      return EXCEPTION_NONE;
    case C.CAP_UNTYPED: {
      const status = ensureNoChildren(k, slot);
      if (status !== EXCEPTION_NONE) C.nullCapNew(out);
      else setCapWords(out, w0, w1);
      return status;
    }
    case C.CAP_PAGE_TABLE:
      return deriveMappedOnly(k, A.pageTableCapGetCapPTIsMapped(w1), w0, w1);
    case C.CAP_PAGE_DIRECTORY:
      return deriveMappedOnly(k, A.pageDirectoryCapGetCapPDIsMapped(w0), w0, w1);
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME:
      A.genericFrameCapClearMappedASID(out, w0, w1);
      return EXCEPTION_NONE;
    default:
      setCapWords(out, w0, w1);
      return EXCEPTION_NONE;
  }
}

function deriveMappedOnly(k: Kernel, mapped: number, w0: number, w1: number): Exception {
  if (mapped) {
    setCapWords(k.capRet, w0, w1);
    return EXCEPTION_NONE;
  }
  k.currentSyscallError.type = ERROR_CODE.IllegalOperation;
  C.nullCapNew(k.capRet);
  return EXCEPTION_SYSCALL_ERROR;
}

/**
 * `finaliseCap(cap, final, exposed)`: does the clean-up a cap's deletion needs; the remainder
 * (null or a Zombie) goes to `k.capRet` and the cleanup info (an IRQ handler cap or null) to
 * `k.capRet2`.
 */
export function finaliseCap(k: Kernel, w0: number, w1: number, final: boolean, exposed: boolean): void {
  finaliseCapOfType(k, w0, w1, final, exposed);
}
