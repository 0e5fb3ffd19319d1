/**
 * An address space on the impl unit-test kernel (`test/impl/fixture.ts`): an ASID pool
 * registered for ASIDs 0..1023, a page directory assigned ASID 1 (also the root thread's
 * VSpace), a global page directory, and unmapped caps to a page table and one frame of each
 * size, in root CNode slots:
 *
 * | slot | cap |
 * |---|---|
 * | 30 | page directory, ASID 1 |
 * | 31 | ASID pool 0 |
 * | 32 | page table (unmapped) |
 * | 33 | small frame | 34 | large frame | 35 | section | 36 | supersection |
 * | 37 | ASID control |
 */
import * as A from '../../../../impl/object/arch-cap.js';
import * as C from '../../../../impl/object/cap.js';
import { cteInsert } from '../../../../impl/object/cte.js';
import { cteWriteMdb } from '../../../../impl/object/mdb.js';
import { TCB_VTABLE, tcbCte } from '../../../../impl/object/tcb-layout.js';
import type { Kernel } from '../../../../impl/kernel/kernel.js';
import { makeKernel, rootSlot } from '../../fixture.js';

/** Addresses and slots of the VM fixture. */
export const VM = {
  pool: 0x10070000,
  pd: 0x10080000,
  globalPD: 0x10084000,
  pt: 0x10090000,
  small: 0x100a0000,
  large: 0x100b0000,
  section: 0x10200000,
  superSection: 0x20000000,
  slot: { pd: 30, pool: 31, pt: 32, small: 33, large: 34, section: 35, superSection: 36, asidControl: 37 },
} as const;

function original(k: Kernel, slot: number, cap: C.CapWords): void {
  k.writeCap(rootSlot(slot), cap.w0, cap.w1);
  cteWriteMdb(k.mem, rootSlot(slot), 0, 0, 1, 1);
}

/** The fixture kernel with the VM objects above; the root thread runs on the PD. */
export function makeVMKernel(): Kernel {
  const k = makeKernel();
  const cap = C.capWords();
  k.armKSGlobalPD = VM.globalPD;
  k.armKSASIDTable[0] = VM.pool;
  k.mem.write32(VM.pool + 4, VM.pd);
  original(k, VM.slot.pd, A.pageDirectoryCapNew(cap, 1, 1, VM.pd));
  const pdCap = k.readCap(rootSlot(VM.slot.pd));
  cteInsert(k, pdCap.w0, pdCap.w1, rootSlot(VM.slot.pd), tcbCte(k.ksCurThread, TCB_VTABLE));
  original(k, VM.slot.pool, A.asidPoolCapNew(cap, 0, VM.pool));
  original(k, VM.slot.pt, A.pageTableCapNew(cap, 0, 0, 0, VM.pt));
  original(k, VM.slot.small, A.genericFrameCapNew(cap, A.ARM_SMALL_PAGE, VM.small, A.VM_READ_WRITE, 0, 0, 0));
  original(k, VM.slot.large, A.genericFrameCapNew(cap, A.ARM_LARGE_PAGE, VM.large, A.VM_READ_WRITE, 0, 0, 0));
  original(k, VM.slot.section, A.genericFrameCapNew(cap, A.ARM_SECTION, VM.section, A.VM_READ_WRITE, 0, 0, 0));
  original(k, VM.slot.superSection, A.genericFrameCapNew(cap, A.ARM_SUPER_SECTION, VM.superSection, A.VM_READ_WRITE, 0, 0, 0));
  original(k, VM.slot.asidControl, C.asidControlCapNew(cap));
  for (const [addr, kind, bits] of [[VM.pool, 'ASIDPool', 12], [VM.pd, 'PageDirectory', 14], [VM.globalPD, 'PageDirectory', 14],
    [VM.pt, 'PageTable', 10], [VM.small, 'Frame', 12], [VM.large, 'Frame', 16], [VM.section, 'Frame', 20]] as const) {
    k.ghost.add(addr, kind, bits);
  }
  return k;
}

/** seL4_CapRights word: read and write. */
export const RIGHTS_RW = 3;
/** seL4_CapRights word: read only. */
export const RIGHTS_RO = 2;
/** seL4_ARM_VMAttributes: cacheable and parity enabled (seL4_ARM_Default_VMAttributes). */
export const ATTR_DEFAULT = 3;
