/**
 * The root task's address space, built in memory (seL4 `src/arch/arm/32/kernel/vspace.c`:
 * `create_it_address_space`, `create_it_page_table_cap`, `map_it_pt_cap`,
 * `create_it_frame_cap`, `create_mapped_it_frame_cap`, `map_it_frame_cap`,
 * `write_it_asid_pool`; `src/kernel/boot.c`: `create_it_asid_pool`,
 * `create_frames_of_region`, `create_bi_frame_cap`, `create_ipcbuf_frame_cap`).
 *
 * @module
 */
import { PAGE_BITS, PAGE_DIR_BITS, PAGE_TABLE_BITS, ASID_POOL_BITS } from '../../abi/config.js';
import { BOOTINFO_OFFSET, INITIAL_CAP, IT_ASID } from '../../abi/bootinfo.js';
import {
  AP_USER_READ_WRITE, PDE_COARSE_ADDRESS_MASK, PTE_SMALL_ADDRESS_MASK, encodePde, encodePte,
} from '../../hardware/descriptors.js';
import type { Kernel } from '../kernel/kernel.js';
import {
  ARM_SMALL_PAGE, ASID_LOW_BITS, VM_READ_WRITE, asidPoolCapNew, genericFrameCapNew, pageDirectoryCapNew,
  pageTableCapNew,
} from '../object/arch-cap.js';
import { asidControlCapNew } from '../object/cap.js';
import { copyGlobalMappings } from '../object/untyped/create-object.js';
import { biSetSlotRegion } from './bootinfo.js';
import { itAllocPaging, type NdksBoot, type Rootserver } from './freemem.js';
import { provideCap, slotPtr, writeSlot } from './slots.js';

const SECTION_BITS = 20;

// The descriptor bits besides the address, built once: `pde_pde_coarse_new(pt, P = 1, domain 0)`
// as `map_it_pt_cap` writes it, and `pte_pte_small_new` as `map_it_frame_cap` calls it (not
// global, unshared, TEX 0b101 and B (outer and inner write-back), user read-write,
// execute-never unless executable).
const IT_PT_PDE = encodePde({ kind: 'Coarse', address: 0, p: 1, domain: 0 });
const IT_FRAME_PTE_EXEC = itFramePteBits(0);
const IT_FRAME_PTE_NOEXEC = itFramePteBits(1);

function itFramePteBits(xn: number): number {
  return encodePte({ kind: 'Small', address: 0, apx: 0, ap: AP_USER_READ_WRITE, xn, nG: 1, tex: 5, c: 0, b: 1, s: 0 });
}

/** The PDE `map_it_pt_cap` writes for the page table at `pt`. */
function itPTPde(pt: number): number {
  return ((pt & PDE_COARSE_ADDRESS_MASK) | IT_PT_PDE) >>> 0;
}

/** The PTE `map_it_frame_cap` writes for the 4 KiB frame at `frame`. */
function itFramePte(frame: number, executable: boolean): number {
  return ((frame & PTE_SMALL_ADDRESS_MASK) | (executable ? IT_FRAME_PTE_EXEC : IT_FRAME_PTE_NOEXEC)) >>> 0;
}

/** `create_it_page_table_cap` + `map_it_pt_cap`: a page table mapped at `vptr` with ASID 1. */
function createItPageTableCap(k: Kernel, pd: number, pt: number, vptr: number): void {
  pageTableCapNew(k.capRet, 1, IT_ASID, vptr, pt);
  k.mem.write32(pd + 4 * (vptr >>> SECTION_BITS), itPTPde(pt));
  k.ghost.add(pt, 'PageTable', PAGE_TABLE_BITS);
}

/**
 * `create_it_address_space`: the root PD (global mappings copied, ASID 1, in slot 3) and a
 * page table per MiB of `[vStart, vEnd)`, each provided as a cap.
 */
export function createItAddressSpace(k: Kernel, nb: NdksBoot, rs: Rootserver, vStart: number, vEnd: number): void {
  copyGlobalMappings(k, rs.vspace);
  k.ghost.add(rs.vspace, 'PageDirectory', PAGE_DIR_BITS);
  const pdCap = pageDirectoryCapNew(k.capRet, IT_ASID, 1, rs.vspace);
  const slotPosBefore = nb.slotPosCur;
  writeSlot(k, slotPtr(rs.cnode, INITIAL_CAP.CapInitThreadVSpace), pdCap.w0, pdCap.w1);
  const step = 1 << SECTION_BITS;
  for (let vptr = Math.floor(vStart / step) * step; vptr < vEnd; vptr += step) {
    createItPageTableCap(k, rs.vspace, itAllocPaging(rs), vptr);
    provideCap(k, nb, rs.cnode, k.capRet.w0, k.capRet.w1);
  }
  biSetSlotRegion(k, nb, BOOTINFO_OFFSET.userImagePaging, slotPosBefore, nb.slotPosCur);
}

/**
 * `create_mapped_it_frame_cap`: a 4 KiB frame cap at `vptr` with ASID 1 (into `k.capRet`),
 * and its PTE in the page table the PD entry for `vptr` points at.
 */
export function createMappedItFrameCap(k: Kernel, pd: number, frame: number, vptr: number, executable: boolean): void {
  genericFrameCapNew(k.capRet, ARM_SMALL_PAGE, frame, VM_READ_WRITE, 0, IT_ASID, vptr);
  const pde = k.mem.read32(pd + 4 * (vptr >>> SECTION_BITS));
  const pt = (pde & 0xfffffc00) >>> 0;
  k.mem.write32(pt + 4 * ((vptr >>> PAGE_BITS) & 0xff), itFramePte(frame, executable));
  k.ghost.add(frame, 'Frame', PAGE_BITS, false);
}

/**
 * `create_frames_of_region` (mapped): one frame cap per page of `[start, end)`, mapped at
 * `paddr - pvOffset`; returns the first slot (the region ends at `nb.slotPosCur`).
 */
export function createFramesOfRegion(k: Kernel, nb: NdksBoot, rs: Rootserver, start: number, end: number, pvOffset: number): number {
  const slotPosBefore = nb.slotPosCur;
  for (let f = start; f < end; f += 1 << PAGE_BITS) {
    createMappedItFrameCap(k, rs.vspace, f, f - pvOffset, true);
    provideCap(k, nb, rs.cnode, k.capRet.w0, k.capRet.w1);
  }
  return slotPosBefore;
}

/** `create_bi_frame_cap`: the bootinfo frame, mapped (not executable), in slot 9. */
export function createBIFrameCap(k: Kernel, rs: Rootserver, vptr: number): void {
  createMappedItFrameCap(k, rs.vspace, rs.bootInfo, vptr, false);
  writeSlot(k, slotPtr(rs.cnode, INITIAL_CAP.CapBootInfoFrame), k.capRet.w0, k.capRet.w1);
}

/** `create_ipcbuf_frame_cap`: the IPC buffer frame, cleared, mapped (not executable), in slot 10. */
export function createIPCBufFrameCap(k: Kernel, rs: Rootserver, vptr: number): void {
  k.mem.zeroRange(rs.ipcBuf, 1 << PAGE_BITS);
  createMappedItFrameCap(k, rs.vspace, rs.ipcBuf, vptr, false);
  writeSlot(k, slotPtr(rs.cnode, INITIAL_CAP.CapInitThreadIPCBuffer), k.capRet.w0, k.capRet.w1);
}

/**
 * `create_it_asid_pool` + `write_it_asid_pool`: ASID pool 0 (slot 6) with the root PD at
 * ASID 1, registered in `armKSASIDTable`; the ASID control cap (slot 5).
 */
export function createItASIDPool(k: Kernel, rs: Rootserver): void {
  const ap = asidPoolCapNew(k.capRet, (IT_ASID >>> ASID_LOW_BITS) << ASID_LOW_BITS, rs.asidPool);
  writeSlot(k, slotPtr(rs.cnode, INITIAL_CAP.CapInitThreadASIDPool), ap.w0, ap.w1);
  const ac = asidControlCapNew(k.capRet2);
  writeSlot(k, slotPtr(rs.cnode, INITIAL_CAP.CapASIDControl), ac.w0, ac.w1);
  k.mem.write32(rs.asidPool + 4 * (IT_ASID & ((1 << ASID_LOW_BITS) - 1)), rs.vspace);
  k.armKSASIDTable[IT_ASID >>> ASID_LOW_BITS] = rs.asidPool;
  k.ghost.add(rs.asidPool, 'ASIDPool', ASID_POOL_BITS);
}
