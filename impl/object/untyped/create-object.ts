/**
 * Creating kernel objects in memory that retype hands out (seL4 `src/object/objecttype.c`
 * `createObject`, `createNewObjects`, `getObjectSize`; `src/arch/arm/32/object/objecttype.c`
 * `Arch_createObject`, `Arch_getObjectSize`, `Arch_isFrameType`;
 * `src/arch/arm/32/kernel/vspace.c` `copyGlobalMappings`).
 *
 * As in C, the memory of a new object is already zero (the untyped was reset before it was
 * handed out), so only the non-zero parts are written: a TCB's CPSR, time slice and domain;
 * a page directory's copy of the kernel mappings. The ghost table records each object.
 *
 * @module
 */
import {
  ENDPOINT_BITS, NOTIFICATION_BITS, PAGE_DIR_BITS, PAGE_TABLE_BITS, SLOT_BITS, TCB_BITS, TIME_SLICE, USER_TOP,
} from '../../../abi/config.js';
import { PD_ASID_SLOT } from '../../../abi/bootinfo.js';
import { INITIAL_CPSR, Reg } from '../../../hardware/registers.js';
import type { Kernel } from '../../kernel/kernel.js';
import { KernelPanic } from '../../kernel/panic.js';
import {
  ARM_LARGE_PAGE, ARM_SECTION, ARM_SMALL_PAGE, ARM_SUPER_SECTION, ASID_INVALID, VM_READ_WRITE, genericFrameCapNew,
  pageBitsForSize, pageDirectoryCapNew, pageTableCapNew,
} from '../arch-cap.js';
import {
  cnodeCapNew, endpointCapNew, notificationCapNew, threadCapNew, untypedCapNew, type CapWords,
} from '../cap.js';
import { insertNewCap } from '../cte.js';
import { CTE_SIZE } from '../mdb.js';
import { TCB_DOMAIN, TCB_OFFSET, TCB_TIME_SLICE, setRegister, tcbSet } from '../tcb-layout.js';

/** `seL4_UntypedObject`. */
export const SEL4_UNTYPED_OBJECT = 0;
/** `seL4_TCBObject`. */
export const SEL4_TCB_OBJECT = 1;
/** `seL4_EndpointObject`. */
export const SEL4_ENDPOINT_OBJECT = 2;
/** `seL4_NotificationObject`. */
export const SEL4_NOTIFICATION_OBJECT = 3;
/** `seL4_CapTableObject`. */
export const SEL4_CAP_TABLE_OBJECT = 4;
/** `seL4_ARM_PageDirectoryObject`. */
export const SEL4_ARM_PAGE_DIRECTORY_OBJECT = 5;
/** `seL4_ARM_SmallPageObject`. */
export const SEL4_ARM_SMALL_PAGE_OBJECT = 6;
/** `seL4_ARM_LargePageObject`. */
export const SEL4_ARM_LARGE_PAGE_OBJECT = 7;
/** `seL4_ARM_SectionObject`. */
export const SEL4_ARM_SECTION_OBJECT = 8;
/** `seL4_ARM_SuperSectionObject`. */
export const SEL4_ARM_SUPER_SECTION_OBJECT = 9;
/** `seL4_ARM_PageTableObject`. */
export const SEL4_ARM_PAGE_TABLE_OBJECT = 10;
/** `seL4_ObjectTypeCount`. */
export const SEL4_OBJECT_TYPE_COUNT = 11;

/** `Arch_isFrameType`: the four frame object types. */
export function archIsFrameType(type: number): boolean {
  return type >= SEL4_ARM_SMALL_PAGE_OBJECT && type <= SEL4_ARM_SUPER_SECTION_OBJECT;
}

// The frame size (`vm_page_size_t`) of a frame object type.
function frameSizeOf(type: number): number {
  switch (type) {
    case SEL4_ARM_SMALL_PAGE_OBJECT: return ARM_SMALL_PAGE;
    case SEL4_ARM_LARGE_PAGE_OBJECT: return ARM_LARGE_PAGE;
    case SEL4_ARM_SECTION_OBJECT: return ARM_SECTION;
    default: return ARM_SUPER_SECTION;
  }
}

/**
 * `getObjectSize(type, userObjSize)`: log2 bytes of one object. Only called with a valid
 * type; may exceed 32 for absurd sizes (the caller range-checks).
 */
export function getObjectSize(type: number, userObjSize: number): number {
  switch (type) {
    case SEL4_UNTYPED_OBJECT: return userObjSize;
    case SEL4_TCB_OBJECT: return TCB_BITS;
    case SEL4_ENDPOINT_OBJECT: return ENDPOINT_BITS;
    case SEL4_NOTIFICATION_OBJECT: return NOTIFICATION_BITS;
    case SEL4_CAP_TABLE_OBJECT: return userObjSize + SLOT_BITS;
    case SEL4_ARM_PAGE_DIRECTORY_OBJECT: return PAGE_DIR_BITS;
    case SEL4_ARM_PAGE_TABLE_OBJECT: return PAGE_TABLE_BITS;
    default:
      if (archIsFrameType(type)) return pageBitsForSize(frameSizeOf(type));
      throw new KernelPanic('getObjectSize: invalid object type');
  }
}

/** First PD index of the kernel window (`PPTR_BASE >> ARMSectionBits`). */
const KERNEL_PD_INDEX = USER_TOP >>> 20;
const PD_ENTRIES = 2 ** (PAGE_DIR_BITS - 2);
// The global PD's kernel-window entries, read in one pass before the new PD is written in a
// second: alternating word by word between the two frames costs more in the memory model.
const globalWindow = new Uint32Array(PD_ENTRIES - KERNEL_PD_INDEX);

/**
 * `copyGlobalMappings(newPD)`: copies the kernel window's entries of `armKSGlobalPD` into a
 * new page directory, all but the entry that stores hardware ASIDs (`PD_ASID_SLOT`).
 */
export function copyGlobalMappings(k: Kernel, newPD: number): void {
  const mem = k.mem;
  const globalPD = k.armKSGlobalPD;
  for (let i = KERNEL_PD_INDEX; i < PD_ENTRIES; i++) globalWindow[i - KERNEL_PD_INDEX] = mem.read32(globalPD + 4 * i);
  for (let i = KERNEL_PD_INDEX; i < PD_ENTRIES; i++) {
    if (i !== PD_ASID_SLOT) mem.write32(newPD + 4 * i, globalWindow[i - KERNEL_PD_INDEX]!);
  }
}

/** `Arch_initContext`: a new thread's context is zero but CPSR (`CPSR_USER` = 0x150). */
export function archInitContext(k: Kernel, tcb: number): void {
  setRegister(k.mem, tcb, Reg.CPSR, INITIAL_CPSR);
}

// `Arch_createObject`: frames (nothing to write: the memory is zero), page tables, page directories.
function archCreateObject(k: Kernel, out: CapWords, type: number, regionBase: number, isDevice: boolean): CapWords {
  if (archIsFrameType(type)) {
    const sz = frameSizeOf(type);
    k.ghost.add(regionBase, 'Frame', pageBitsForSize(sz), isDevice);
    return genericFrameCapNew(out, sz, regionBase, VM_READ_WRITE, isDevice ? 1 : 0, ASID_INVALID, 0);
  }
  if (type === SEL4_ARM_PAGE_TABLE_OBJECT) {
    k.ghost.add(regionBase, 'PageTable', PAGE_TABLE_BITS);
    return pageTableCapNew(out, 0, ASID_INVALID, 0, regionBase);
  }
  if (type === SEL4_ARM_PAGE_DIRECTORY_OBJECT) {
    copyGlobalMappings(k, regionBase);
    k.ghost.add(regionBase, 'PageDirectory', PAGE_DIR_BITS);
    return pageDirectoryCapNew(out, ASID_INVALID, 0, regionBase);
  }
  throw new KernelPanic('Arch_createObject got an API type or invalid object type');
}

/**
 * `createObject(t, regionBase, userSize, deviceMemory)`: initialises one object at
 * `regionBase` and builds its original cap in `out`.
 */
export function createObject(k: Kernel, out: CapWords, type: number, regionBase: number, userSize: number, isDevice: boolean): CapWords {
  switch (type) {
    case SEL4_TCB_OBJECT: {
      const tcb = regionBase + TCB_OFFSET;
      archInitContext(k, tcb);
      tcbSet(k.mem, tcb, TCB_TIME_SLICE, TIME_SLICE);
      tcbSet(k.mem, tcb, TCB_DOMAIN, k.ksCurDomain);
      k.ghost.add(regionBase, 'TCB', TCB_BITS);
      return threadCapNew(out, tcb);
    }
    case SEL4_ENDPOINT_OBJECT:
      k.ghost.add(regionBase, 'Endpoint', ENDPOINT_BITS);
      return endpointCapNew(out, 0, 1, 1, 1, 1, regionBase);
    case SEL4_NOTIFICATION_OBJECT:
      k.ghost.add(regionBase, 'Notification', NOTIFICATION_BITS);
      return notificationCapNew(out, 0, 1, 1, regionBase);
    case SEL4_CAP_TABLE_OBJECT:
      k.ghost.add(regionBase, 'CapTable', userSize + SLOT_BITS);
      return cnodeCapNew(out, userSize, 0, 0, regionBase);
    case SEL4_UNTYPED_OBJECT:
      return untypedCapNew(out, 0, isDevice ? 1 : 0, userSize, regionBase);
    default:
      return archCreateObject(k, out, type, regionBase, isDevice);
  }
}

/**
 * `createNewObjects`: creates `destLength` objects packed from `regionBase` and inserts each
 * cap into `destCNode[destOffset + i]` as the newest MDB child of `parent`.
 */
export function createNewObjects(
  k: Kernel, type: number, parent: number, destCNode: number, destOffset: number, destLength: number,
  regionBase: number, userSize: number, isDevice: boolean,
): void {
  const objectSize = getObjectSize(type, userSize);
  const out = k.capRet;
  for (let i = 0; i < destLength; i++) {
    const cap = createObject(k, out, type, regionBase + i * 2 ** objectSize, userSize, isDevice);
    insertNewCap(k, parent, destCNode + (destOffset + i) * CTE_SIZE, cap.w0, cap.w1);
  }
}
