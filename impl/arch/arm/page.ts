/**
 * Frame invocations (seL4 `src/arch/arm/32/kernel/vspace.c`: `decodeARMFrameInvocation`,
 * `makeUserPTE`, `makeUserPDE`, `createSafeMappingEntries_PTE/_PDE`,
 * `performPageInvocationMapPTE/PDE`, `performPageInvocationUnmap`, `performPageFlush`,
 * `performPageGetAddress`; l4v `ArchDecode_A` `arch_decode_invocation`, `Arch_A`
 * `perform_page_invocation`).
 *
 * Map writes real descriptors: one PTE for a small page, 16 identical PTEs for a large page,
 * one PDE for a section, 16 identical PDEs for a supersection. seL4 lets a map overwrite a
 * mapping of the same kind (a remap, or another frame's entry) and flushes the ASID's TLB
 * entries when the first entry it overwrites was mapped. The cache operations check their
 * range and switch address spaces exactly as seL4 does; the cache maintenance itself has no
 * effect in the model.
 *
 * @module
 */
import type { Kernel } from '../../kernel/kernel.js';
import { LABEL } from '../../../abi/labels.js';
import { ERROR_CODE } from '../../../abi/errors.js';
import { USER_TOP } from '../../../abi/config.js';
import { BADGE_REGISTER, MSG_INFO_REGISTER } from '../../../hardware/registers.js';
import { PDE_TYPE_FAULT, PDE_TYPE_SECTION, PTE_TYPE_FAULT, PTE_TYPE_LARGE, PTE_TYPE_SMALL, pdeIsSuperSection, pteType } from '../../../hardware/descriptors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../../kernel/failures.js';
import { getSyscallArg, lookupIPCBuffer, messageInfoWord, setMR, syscallError } from '../../kernel/message.js';
import { setThreadState } from '../../kernel/thread.js';
import { findPDForASID, setVMRoot, setVMRootForFlush } from '../../kernel/vspace.js';
import * as A from '../../object/arch-cap.js';
import { CAP_PAGE_DIRECTORY, capGetCapType } from '../../object/cap.js';
import { CTE_CAP_W1, cteWriteCap } from '../../object/mdb.js';
import { maskVMRights } from '../../object/objecttype.js';
import { THREAD_STATE_RESTART, THREAD_STATE_RUNNING, setRegister } from '../../object/tcb-layout.js';
import { invalidateTLBByASID } from './asid.js';
import { LARGE_REPEAT, lookupPDSlot, lookupPTSlot, resolveRet, resolveVAddr, unmapPage } from './vspace.js';

/** `vm_attributes_t` bit 0: `armPageCacheable`. */
export const VM_ATTR_CACHEABLE = 1;
/** `vm_attributes_t` bit 1: `armParityEnabled`. */
export const VM_ATTR_PARITY = 2;
/** `vm_attributes_t` bit 2: `armExecuteNever`. */
export const VM_ATTR_EXECUTE_NEVER = 4;

/**
 * `makeUserPTE(size, paddr, cacheable, nonexecutable, rights)`: a small or large page entry,
 * not global, AP from the rights; cacheable is TEX 0b101 with B (write-back), otherwise
 * strongly ordered and shareable.
 */
export function makeUserPTE(size: number, paddr: number, cacheable: boolean, xn: number, rights: number): number {
  const ap = (rights & 3) << 4;
  const nG = 1 << 11;
  const mem = cacheable ? (5 << (size === A.ARM_SMALL_PAGE ? 6 : 12)) | (1 << 2) : 1 << 10;
  if (size === A.ARM_SMALL_PAGE) return ((paddr & 0xfffff000) | nG | mem | ap | (1 << 1) | (xn & 1)) >>> 0;
  return ((paddr & 0xffff0000) | ((xn & 1) << 15) | nG | mem | ap | 1) >>> 0;
}

/**
 * `makeUserPDE(size, paddr, parity, cacheable, nonexecutable, 0, rights)`: a section or
 * supersection entry in domain 0, not global, with the same memory types as `makeUserPTE`.
 */
export function makeUserPDE(size: number, paddr: number, parity: number, cacheable: boolean, xn: number, rights: number): number {
  const size2 = size === A.ARM_SUPER_SECTION ? 1 << 18 : 0;
  const mem = cacheable ? (5 << 12) | (1 << 2) : 1 << 16;
  return ((paddr & 0xfff00000) | size2 | (1 << 17) | mem | ((rights & 3) << 10) | ((parity & 1) << 9) |
    ((xn & 1) << 4) | PDE_TYPE_SECTION) >>> 0;
}

function invalidCapability(k: Kernel, n: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidCapability;
  k.currentSyscallError.invalidCapNumber = n;
  return EXCEPTION_SYSCALL_ERROR;
}

function invalidArgument(k: Kernel, n: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidArgument;
  k.currentSyscallError.invalidArgumentNumber = n;
  return EXCEPTION_SYSCALL_ERROR;
}

/** A FailedLookup on a destination (`current_lookup_fault` already set by the lookup). */
export function failedLookup(k: Kernel): Exception {
  k.currentSyscallError.type = ERROR_CODE.FailedLookup;
  k.currentSyscallError.failedLookupWasSource = 0;
  return EXCEPTION_SYSCALL_ERROR;
}

// createSafeMappingEntries_PTE: the first PT slot, or 0 with the error set. A small page may
// replace a small page (not a large one); a large page may replace anything but small pages.
function safePTEntries(k: Kernel, pd: number, vaddr: number, size: number): number {
  const slot = lookupPTSlot(k, pd, vaddr);
  if (slot === 0) {
    failedLookup(k);
    return 0;
  }
  if (size === A.ARM_SMALL_PAGE) {
    if (pteType(k.mem.read32(slot)) !== PTE_TYPE_LARGE) return slot;
  } else {
    let i = 0;
    while (i < LARGE_REPEAT && pteType(k.mem.read32(slot + 4 * i)) !== PTE_TYPE_SMALL) i++;
    if (i === LARGE_REPEAT) return slot;
  }
  k.currentSyscallError.type = ERROR_CODE.DeleteFirst;
  return 0;
}

// createSafeMappingEntries_PDE: the first PD slot, or 0 with DeleteFirst. Each entry must be
// invalid or a section of the same size.
function safePDEntries(k: Kernel, pd: number, vaddr: number, size: number): number {
  const slot = lookupPDSlot(pd, vaddr);
  const superSection = size === A.ARM_SUPER_SECTION;
  const n = superSection ? LARGE_REPEAT : 1;
  for (let i = 0; i < n; i++) {
    const pde = k.mem.read32(slot + 4 * i);
    const type = pde & 3;
    if (type !== PDE_TYPE_FAULT && (type !== PDE_TYPE_SECTION || pdeIsSuperSection(pde) !== superSection)) {
      k.currentSyscallError.type = ERROR_CODE.DeleteFirst;
      return 0;
    }
  }
  return slot;
}

/**
 * `performPageInvocationMapPTE` / `MapPDE`: the cap (now mapped) into its slot, the entries
 * into the table, and a TLB flush of the ASID if the first entry was mapped before.
 */
function performPageInvocationMap(k: Kernel, asid: number, c0: number, c1: number, cte: number, entry: number,
  slot: number, n: number): Exception {
  cteWriteCap(k.mem, cte, c0, c1);
  const tlbFlushRequired = (k.mem.read32(slot) & 3) !== PTE_TYPE_FAULT;
  for (let i = 0; i < n; i++) k.mem.write32(slot + 4 * i, entry); // then cleanCacheRange_PoU
  if (tlbFlushRequired) invalidateTLBByASID(k, asid);
  return EXCEPTION_NONE;
}

// ARMPageMap, checks in seL4's order.
function decodePageMap(k: Kernel, length: number, cte: number, w0: number, w1: number, buffer: number): Exception {
  const pdSlot = k.currentExtraCaps[0]!;
  if (length < 3 || pdSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const vaddr = getSyscallArg(k, 0, buffer);
  const rightsMask = getSyscallArg(k, 1, buffer);
  const attr = getSyscallArg(k, 2, buffer);
  const p0 = k.mem.read32(pdSlot);
  const p1 = k.mem.read32(pdSlot + CTE_CAP_W1);
  const size = A.genericFrameCapGetCapFSize(w0, w1);
  const capRights = A.genericFrameCapGetCapFVMRights(w0, w1);
  if (capGetCapType(p0) !== CAP_PAGE_DIRECTORY || !A.pageDirectoryCapGetCapPDIsMapped(p0)) return invalidCapability(k, 1);
  const pd = A.pageDirectoryCapGetCapPDBasePtr(p0);
  const asid = A.pageDirectoryCapGetCapPDMappedASID(p1);
  const pageBits = A.pageBitsForSize(size);
  const mappedASID = A.genericFrameCapGetCapFMappedASID(w0, w1);
  if (mappedASID !== 0) {
    if (mappedASID !== asid) return invalidCapability(k, 1);
    if (A.genericFrameCapGetCapFMappedAddress(w0, w1) !== vaddr) return invalidArgument(k, 0);
  } else if (((vaddr + 2 ** pageBits - 1) >>> 0) >= USER_TOP) {
    return invalidArgument(k, 0); // the top is computed in 32 bits, as in C
  }
  const found = findPDForASID(k, asid);
  if (found === 0) return failedLookup(k);
  if (found !== pd) return invalidCapability(k, 1);
  const rights = maskVMRights(capRights, rightsMask);
  if ((vaddr & (2 ** pageBits - 1)) !== 0) return syscallError(k, ERROR_CODE.AlignmentError);
  const base = A.genericFrameCapGetCapFBasePtr(w0);
  const cap = A.genericFrameCapNew(k.capRet, size, base, capRights, A.genericFrameCapGetCapFIsDevice(w0), asid, vaddr);
  const c0 = cap.w0;
  const c1 = cap.w1;
  const cacheable = (attr & VM_ATTR_CACHEABLE) !== 0;
  const xn = (attr >>> 2) & 1;
  if (size === A.ARM_SMALL_PAGE || size === A.ARM_LARGE_PAGE) {
    const slot = safePTEntries(k, pd, vaddr, size);
    if (slot === 0) return EXCEPTION_SYSCALL_ERROR;
    setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
    return performPageInvocationMap(k, asid, c0, c1, cte, makeUserPTE(size, base, cacheable, xn, rights),
      slot, size === A.ARM_SMALL_PAGE ? 1 : LARGE_REPEAT);
  }
  const slot = safePDEntries(k, pd, vaddr, size);
  if (slot === 0) return EXCEPTION_SYSCALL_ERROR;
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return performPageInvocationMap(k, asid, c0, c1, cte, makeUserPDE(size, base, (attr >>> 1) & 1, cacheable, xn, rights),
    slot, size === A.ARM_SECTION ? 1 : LARGE_REPEAT);
}

/** `performPageInvocationUnmap(cap, slot)`: unmaps a mapped frame; the cap forgets its mapping. */
export function performPageInvocationUnmap(k: Kernel, w0: number, w1: number, cte: number): Exception {
  const size = A.genericFrameCapGetCapFSize(w0, w1);
  const asid = A.genericFrameCapGetCapFMappedASID(w0, w1);
  if (asid !== 0) unmapPage(k, size, asid, A.genericFrameCapGetCapFMappedAddress(w0, w1), A.genericFrameCapGetCapFBasePtr(w0));
  const c0 = k.mem.read32(cte);
  const c1 = k.mem.read32(cte + CTE_CAP_W1);
  const cap = A.genericFrameCapNew(k.capRet, A.genericFrameCapGetCapFSize(c0, c1), A.genericFrameCapGetCapFBasePtr(c0),
    A.genericFrameCapGetCapFVMRights(c0, c1), A.genericFrameCapGetCapFIsDevice(c0), 0, 0);
  cteWriteCap(k.mem, cte, cap.w0, cap.w1);
  return EXCEPTION_NONE;
}

/**
 * `performPageFlush` / `performPDFlush(label, pd, asid, start, end, pstart)`: for a range of
 * more than one byte (`end` is inclusive), switches to the space and back; the cache
 * operation itself has no effect in the model.
 */
export function performFlush(k: Kernel, pd: number, asid: number, start: number, end: number): Exception {
  if (start < end) {
    const rootSwitched = setVMRootForFlush(k, pd, asid);
    if (rootSwitched) setVMRoot(k, k.ksCurThread);
  }
  return EXCEPTION_NONE;
}

// ARMPageClean_Data, ARMPageInvalidate_Data, ARMPageCleanInvalidate_Data, ARMPageUnify_Instruction.
function decodePageFlush(k: Kernel, length: number, w0: number, w1: number, buffer: number): Exception {
  if (length < 2) return syscallError(k, ERROR_CODE.TruncatedMessage);
  const asid = A.genericFrameCapGetCapFMappedASID(w0, w1);
  const vaddr = A.genericFrameCapGetCapFMappedAddress(w0, w1);
  if (asid === 0) return syscallError(k, ERROR_CODE.IllegalOperation);
  const pd = findPDForASID(k, asid);
  if (pd === 0) return failedLookup(k);
  const start = getSyscallArg(k, 0, buffer);
  const end = getSyscallArg(k, 1, buffer);
  if (end <= start) return invalidArgument(k, 1);
  const size = A.genericFrameCapGetCapFSize(w0, w1);
  const pageSize = 2 ** A.pageBitsForSize(size);
  const pageBase = A.genericFrameCapGetCapFBasePtr(w0);
  if (!resolveVAddr(k, pd, vaddr) || resolveRet.frameSize !== size || resolveRet.frameBase !== pageBase) {
    return invalidCapability(k, 0);
  }
  if (start >= pageSize || end > pageSize) return invalidArgument(k, 0);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return performFlush(k, pd, asid, (start + vaddr) >>> 0, (end + vaddr - 1) >>> 0);
}

// ARMPageGetAddress: the frame's physical address in MR0 of a Call's reply.
function performPageGetAddress(k: Kernel, base: number, call: boolean): Exception {
  const thread = k.ksCurThread;
  if (call) {
    const ipcBuffer = lookupIPCBuffer(k, true, thread);
    setRegister(k.mem, thread, BADGE_REGISTER, 0);
    const length = setMR(k, thread, ipcBuffer, 0, base);
    setRegister(k.mem, thread, MSG_INFO_REGISTER, messageInfoWord(0, 0, 0, length));
  }
  setThreadState(k, thread, THREAD_STATE_RUNNING);
  return EXCEPTION_NONE;
}

/** `decodeARMFrameInvocation(label, length, cte, cap, call, buffer)`. */
export function decodeARMFrameInvocation(k: Kernel, invLabel: number, length: number, cte: number, w0: number, w1: number,
  call: boolean, buffer: number): Exception {
  switch (invLabel) {
    case LABEL.ARMPageMap:
      return decodePageMap(k, length, cte, w0, w1, buffer);
    case LABEL.ARMPageUnmap:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return performPageInvocationUnmap(k, w0, w1, cte);
    case LABEL.ARMPageClean_Data:
    case LABEL.ARMPageInvalidate_Data:
    case LABEL.ARMPageCleanInvalidate_Data:
    case LABEL.ARMPageUnify_Instruction:
      return decodePageFlush(k, length, w0, w1, buffer);
    case LABEL.ARMPageGetAddress:
      setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
      return performPageGetAddress(k, A.genericFrameCapGetCapFBasePtr(w0), call);
    default:
      return syscallError(k, ERROR_CODE.IllegalOperation);
  }
}
