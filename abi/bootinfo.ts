/**
 * What the kernel hands the root task at boot (manual §9 "System Bootstrapping";
 * libsel4 `bootinfo_types.h`): the fixed slots of the root CNode, the `seL4_BootInfo`
 * structure in the bootinfo frame, and the boot parameters both boots of sel4ts take
 * (`bootSpec` and `bootImpl`): the board, where the kernel image and its globals sit, and
 * the root task's image as seL4's elfloader places it.
 *
 * @module
 */
import { SABRE_LITE, type BoardConfig } from '../hardware/board.js';
import { MAX_NUM_BOOTINFO_UNTYPED_CAPS, PAGE_BITS, USER_TOP } from './config.js';

/** The caps with fixed slots in the root CNode (`seL4_RootCNodeCapSlots`). */
export const INITIAL_CAP = {
  /** `seL4_CapNull`: always empty. */
  CapNull: 0,
  /** `seL4_CapInitThreadTCB`: the root task's TCB. */
  CapInitThreadTCB: 1,
  /** `seL4_CapInitThreadCNode`: the root CNode itself. */
  CapInitThreadCNode: 2,
  /** `seL4_CapInitThreadVSpace` (`seL4_CapInitThreadPD`): the root page directory. */
  CapInitThreadVSpace: 3,
  /** `seL4_CapIRQControl`. */
  CapIRQControl: 4,
  /** `seL4_CapASIDControl`. */
  CapASIDControl: 5,
  /** `seL4_CapInitThreadASIDPool`: ASID pool 0. */
  CapInitThreadASIDPool: 6,
  /** `seL4_CapIOPortControl`: null on Arm. */
  CapIOPortControl: 7,
  /** `seL4_CapIOSpace`: null (no IOMMU). */
  CapIOSpace: 8,
  /** `seL4_CapBootInfoFrame`: the bootinfo frame. */
  CapBootInfoFrame: 9,
  /** `seL4_CapInitThreadIPCBuffer`: the root task's IPC buffer frame. */
  CapInitThreadIPCBuffer: 10,
  /** `seL4_CapDomain`: the domain cap. */
  CapDomain: 11,
  /** `seL4_CapSMMUSIDControl`: null (no SMMU). */
  CapSMMUSIDControl: 12,
  /** `seL4_CapSMMUCBControl`: null (no SMMU). */
  CapSMMUCBControl: 13,
  /** `seL4_CapInitThreadSC`: null (MCS only). */
  CapInitThreadSC: 14,
  /** `seL4_CapSMC`: null (SMC calls not allowed). */
  CapSMC: 15,
} as const;

/** `seL4_NumInitialCaps`: the first slot the kernel fills dynamically. */
export const NUM_INITIAL_CAPS = 16;

/** `IT_ASID`: the root task's ASID (pool 0, entry 1; ASID 0 is never handed out). */
export const IT_ASID = 1;

/** `seL4_BootInfoFrameBits`: the bootinfo frame is one small page. */
export const BOOT_INFO_FRAME_BITS = PAGE_BITS;

/** `SEL4_BOOTINFO_HEADER_PADDING`: id of an extra-bootinfo padding chunk. */
export const BOOTINFO_HEADER_PADDING = 0;
/** `SEL4_BOOTINFO_HEADER_FDT`: id of the extra-bootinfo chunk holding the device tree. */
export const BOOTINFO_HEADER_FDT = 6;
/** `sizeof(seL4_BootInfoHeader)`: `{id, len}`, two words. */
export const BOOTINFO_HEADER_BYTES = 8;

/** A range of root-CNode slots, `end` exclusive (`seL4_SlotRegion`). */
export interface SlotRegion {
  /** First slot of the region. */
  readonly start: number;
  /** First slot after the region. */
  readonly end: number;
}

/** The empty slot region `{0, 0}` (`S_REG_EMPTY`). */
export const EMPTY_SLOT_REGION: SlotRegion = { start: 0, end: 0 };

/** One entry of `untypedList` (`seL4_UntypedDesc`, 8 bytes). */
export interface UntypedDesc {
  /** Physical address of the untyped. */
  readonly paddr: number;
  /** log2 of its size in bytes. */
  readonly sizeBits: number;
  /** Whether it is device memory. */
  readonly isDevice: boolean;
}

/** The `seL4_BootInfo` structure (aarch32, non-MCS). */
export interface BootInfo {
  /** Bytes of extra bootinfo after the bootinfo frame (0: none). */
  readonly extraLen: number;
  /** `nodeID`: 0 on a uniprocessor. */
  readonly nodeID: number;
  /** `numNodes`: 1 on a uniprocessor. */
  readonly numNodes: number;
  /** `numIOPTLevels`: 0 without IOMMU. */
  readonly numIOPTLevels: number;
  /** Virtual address of the root task's IPC buffer. */
  readonly ipcBuffer: number;
  /** The empty slots of the root CNode. */
  readonly empty: SlotRegion;
  /** Shared-frame caps (none on Arm). */
  readonly sharedFrames: SlotRegion;
  /** Frame caps of the user image, one per 4 KiB page in address order. */
  readonly userImageFrames: SlotRegion;
  /** Page-table caps covering the user image. */
  readonly userImagePaging: SlotRegion;
  /** IOSpace caps (none). */
  readonly ioSpaceCaps: SlotRegion;
  /** Frame caps of the extra bootinfo pages. */
  readonly extraBIPages: SlotRegion;
  /** Radix of the root CNode (12). */
  readonly initThreadCNodeSizeBits: number;
  /** The root task's domain (0). */
  readonly initThreadDomain: number;
  /** Untyped caps. */
  readonly untyped: SlotRegion;
  /** `untypedList[i]` describes the cap in slot `untyped.start + i`. */
  readonly untypedList: readonly UntypedDesc[];
}

/** Byte offset of each field of `seL4_BootInfo` (all fields are words on aarch32). */
export const BOOTINFO_OFFSET = {
  /** `extraLen`. */
  extraLen: 0,
  /** `nodeID`. */
  nodeID: 4,
  /** `numNodes`. */
  numNodes: 8,
  /** `numIOPTLevels`. */
  numIOPTLevels: 12,
  /** `ipcBuffer`. */
  ipcBuffer: 16,
  /** `empty` (a slot region: start, then end). */
  empty: 20,
  /** `sharedFrames`. */
  sharedFrames: 28,
  /** `userImageFrames`. */
  userImageFrames: 36,
  /** `userImagePaging`. */
  userImagePaging: 44,
  /** `ioSpaceCaps`. */
  ioSpaceCaps: 52,
  /** `extraBIPages`. */
  extraBIPages: 60,
  /** `initThreadCNodeSizeBits`. */
  initThreadCNodeSizeBits: 68,
  /** `initThreadDomain`. */
  initThreadDomain: 72,
  /** `untyped`. */
  untyped: 76,
  /** `untypedList[0]`. */
  untypedList: 84,
} as const;

/** `sizeof(seL4_UntypedDesc)`: paddr (word), sizeBits (u8), isDevice (u8), 2 bytes padding. */
export const UNTYPED_DESC_BYTES = 8;
/** Offset of `sizeBits` within an `seL4_UntypedDesc`. */
export const UNTYPED_DESC_SIZE_BITS = 4;
/** Offset of `isDevice` within an `seL4_UntypedDesc`. */
export const UNTYPED_DESC_IS_DEVICE = 5;

/** `sizeof(seL4_BootInfo)`: 84 + 230 × 8 = 1924 bytes, within one 4 KiB frame. */
export const BOOTINFO_BYTES = BOOTINFO_OFFSET.untypedList + MAX_NUM_BOOTINFO_UNTYPED_CAPS * UNTYPED_DESC_BYTES;

const SLOT_REGION_FIELDS = [
  'empty', 'sharedFrames', 'userImageFrames', 'userImagePaging', 'ioSpaceCaps', 'extraBIPages', 'untyped',
] as const;
const WORD_FIELDS = [
  'extraLen', 'nodeID', 'numNodes', 'numIOPTLevels', 'ipcBuffer', 'initThreadCNodeSizeBits', 'initThreadDomain',
] as const;

/**
 * The bytes of the bootinfo frame holding `bi` (little endian; the rest of the frame is
 * zero, as `populate_bi_frame` clears it first). At most 230 untyped descriptors fit.
 */
export function encodeBootInfo(bi: BootInfo): Uint8Array {
  const bytes = new Uint8Array(2 ** BOOT_INFO_FRAME_BITS);
  const view = new DataView(bytes.buffer);
  for (const f of WORD_FIELDS) view.setUint32(BOOTINFO_OFFSET[f], bi[f] >>> 0, true);
  for (const f of SLOT_REGION_FIELDS) {
    view.setUint32(BOOTINFO_OFFSET[f], bi[f].start >>> 0, true);
    view.setUint32(BOOTINFO_OFFSET[f] + 4, bi[f].end >>> 0, true);
  }
  bi.untypedList.slice(0, MAX_NUM_BOOTINFO_UNTYPED_CAPS).forEach((ut, i) => {
    const at = BOOTINFO_OFFSET.untypedList + i * UNTYPED_DESC_BYTES;
    view.setUint32(at, ut.paddr >>> 0, true);
    view.setUint8(at + UNTYPED_DESC_SIZE_BITS, ut.sizeBits);
    view.setUint8(at + UNTYPED_DESC_IS_DEVICE, ut.isDevice ? 1 : 0);
  });
  return bytes;
}

/**
 * Reads a `seL4_BootInfo` back from the bytes of a bootinfo frame (at least
 * {@link BOOTINFO_BYTES} long), as the root task's libsel4 would. The untyped list has one
 * entry per slot of the `untyped` region (at most 230).
 */
export function decodeBootInfo(bytes: Uint8Array): BootInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (at: number): number => view.getUint32(at, true);
  const region = (at: number): SlotRegion => ({ start: word(at), end: word(at + 4) });
  const untyped = region(BOOTINFO_OFFSET.untyped);
  const count = Math.min(Math.max(untyped.end - untyped.start, 0), MAX_NUM_BOOTINFO_UNTYPED_CAPS);
  const untypedList: UntypedDesc[] = [];
  for (let i = 0; i < count; i++) {
    const at = BOOTINFO_OFFSET.untypedList + i * UNTYPED_DESC_BYTES;
    untypedList.push({
      paddr: word(at),
      sizeBits: view.getUint8(at + UNTYPED_DESC_SIZE_BITS),
      isDevice: view.getUint8(at + UNTYPED_DESC_IS_DEVICE) !== 0,
    });
  }
  return {
    extraLen: word(BOOTINFO_OFFSET.extraLen),
    nodeID: word(BOOTINFO_OFFSET.nodeID),
    numNodes: word(BOOTINFO_OFFSET.numNodes),
    numIOPTLevels: word(BOOTINFO_OFFSET.numIOPTLevels),
    ipcBuffer: word(BOOTINFO_OFFSET.ipcBuffer),
    empty: region(BOOTINFO_OFFSET.empty),
    sharedFrames: region(BOOTINFO_OFFSET.sharedFrames),
    userImageFrames: region(BOOTINFO_OFFSET.userImageFrames),
    userImagePaging: region(BOOTINFO_OFFSET.userImagePaging),
    ioSpaceCaps: region(BOOTINFO_OFFSET.ioSpaceCaps),
    extraBIPages: region(BOOTINFO_OFFSET.extraBIPages),
    initThreadCNodeSizeBits: word(BOOTINFO_OFFSET.initThreadCNodeSizeBits),
    initThreadDomain: word(BOOTINFO_OFFSET.initThreadDomain),
    untyped,
    untypedList,
  };
}

// ---- the kernel window and the kernel image ----

/** `PPTR_BASE`: start of the kernel window, where physical RAM from `physBase` is mapped. */
export const PPTR_BASE = USER_TOP;
/** `PPTR_TOP`: end of the kernel window (the last MiB holds the vector page and devices). */
export const PPTR_TOP = 0xfff00000;
/** `CONFIG_PADDR_USER_DEVICE_TOP`: device untypeds reach the top of the 32-bit address space. */
export const PADDR_USER_DEVICE_TOP = 2 ** 32;
/** `PD_ASID_SLOT`: the page-directory entry the C kernel uses to store a hardware ASID. */
export const PD_ASID_SLOT = 0xff000000 >>> 20;
/** `CPSR_IDLETHREAD` (`PMASK_FIRQ | PMODE_SYSTEM | PMASK_ASYNC_ABORT`): the idle thread's CPSR. */
export const CPSR_IDLE_THREAD = 0x15f;
/** `DSCHED_MAX_DURATION`: 2^56 − 1 ticks, the duration of boot's single domain-schedule entry. */
export const DSCHED_MAX_DURATION = (1n << 56n) - 1n;

/**
 * Where the kernel ELF sits in physical memory and where its statically allocated objects
 * are (the kernel's globals in `.bss`). Every address is physical except
 * {@link KernelImage.idleThreadEntry}.
 */
export interface KernelImage {
  /** `KERNEL_ELF_PADDR_BASE`: first byte of the image. */
  readonly start: number;
  /** `ki_boot_end`: end of the `.boot` sections, reused as untyped memory after boot. */
  readonly bootEnd: number;
  /** `ki_end` (`KERNEL_ELF_TOP`): first byte after the image, page aligned. */
  readonly end: number;
  /** `armKSGlobalPD`: the page directory holding only the kernel mappings (16 KiB aligned). */
  readonly globalPD: number;
  /** `armKSGlobalPT`: the page table of the last MiB (vector page, kernel devices). */
  readonly globalPT: number;
  /** `intStateIRQNode`: 2^8 CTEs (4 KiB aligned), one per IRQ. */
  readonly irqNode: number;
  /** `ksIdleThreadTCB`: the idle thread's 512-byte TCB object. */
  readonly idleThread: number;
  /** `&idle_thread`: the kernel-virtual address the idle thread runs (its NextIP). */
  readonly idleThreadEntry: number;
}

/**
 * A plausible layout of a sabre `ARM_verified` kernel image (seL4's `common_arm.lds`):
 * loaded at the start of RAM; `.boot` padded to 64 KiB; `.text`/`.rodata`/`.data` taking
 * 80 KiB after it; `.bss` with the global PD, the IRQ node, the global PT, the idle TCB,
 * the kernel stack and the 4 KiB abort stack; the image ends at 176 KiB. The exact figures
 * of a real build differ by a few pages; nothing here depends on them beyond the layout.
 */
export const SABRE_KERNEL_IMAGE: KernelImage = {
  start: 0x10000000,
  bootEnd: 0x10010000,
  end: 0x1002c000,
  globalPD: 0x10024000,
  irqNode: 0x10028000,
  globalPT: 0x10029000,
  idleThread: 0x10029400,
  idleThreadEntry: 0xe0011c40,
};

/** The root task's ELF image as the elfloader placed it. */
export interface UserImage {
  /** Physical start (page aligned): right after the kernel image (and the DTB, if any). */
  readonly paddr: number;
  /** Virtual start (page aligned): the lowest address the ELF is linked at. */
  readonly vaddr: number;
  /** Bytes (a multiple of 4 KiB): one frame cap per page. */
  readonly size: number;
  /** The entry point (virtual), the root task's first NextIP. */
  readonly entry: number;
  /** Initial contents from `vaddr` on (absent bytes are zero). */
  readonly contents?: Uint8Array;
}

/** A device-tree blob the elfloader passes on; the kernel copies it into extra bootinfo. */
export interface DeviceTreeBlob {
  /** Physical start (page aligned): right after the kernel image. */
  readonly paddr: number;
  /** The blob's bytes (its length is the `dtb_size` the kernel receives). */
  readonly bytes: Uint8Array;
}

/** Everything `bootSpec` and `bootImpl` take: the same parameters give the same boot. */
export interface BootParams {
  /** The board: RAM, the kernel's devices (reserved), the kernel timer IRQ, `maxIRQ`. */
  readonly board: BoardConfig;
  /** The kernel image and its globals. */
  readonly kernelImage: KernelImage;
  /** The root task's image. */
  readonly userImage: UserImage;
  /** The device tree the elfloader passes, or null (no extra bootinfo). */
  readonly dtb: DeviceTreeBlob | null;
}

/** Default virtual start of the root task (the usual aarch32 static-ELF text address). */
export const DEFAULT_USER_IMAGE_VADDR = 0x10000;
/** Default size of the root task image: 8 pages. */
export const DEFAULT_USER_IMAGE_SIZE = 0x8000;

/** Options of {@link bootParams}; anything left out takes the sabre default. */
export interface BootParamsOptions {
  /** The board (default {@link SABRE_LITE}). */
  readonly board?: BoardConfig;
  /** The kernel image (default {@link SABRE_KERNEL_IMAGE}). */
  readonly kernelImage?: KernelImage;
  /** Root task image size in bytes, rounded up to pages (default 32 KiB). */
  readonly userImageSize?: number;
  /** Root task virtual start (default 0x10000). */
  readonly userImageVaddr?: number;
  /** Root task entry point (default: its virtual start). */
  readonly entry?: number;
  /** Root task image contents. */
  readonly userImageContents?: Uint8Array;
  /** A device-tree blob to pass as extra bootinfo (default none). */
  readonly dtb?: Uint8Array;
}

/**
 * Boot parameters placed as seL4's elfloader places them (`load_images`): the DTB (if any)
 * at the first page after the kernel image, then the root task image at the next page.
 */
export function bootParams(options: BootParamsOptions = {}): BootParams {
  const kernelImage = options.kernelImage ?? SABRE_KERNEL_IMAGE;
  const pageUp = (x: number): number => Math.ceil(x / 2 ** PAGE_BITS) * 2 ** PAGE_BITS;
  const dtbBytes = options.dtb;
  const dtb = dtbBytes === undefined || dtbBytes.length === 0 ? null : { paddr: pageUp(kernelImage.end), bytes: dtbBytes };
  const vaddr = options.userImageVaddr ?? DEFAULT_USER_IMAGE_VADDR;
  const userImage: UserImage = {
    paddr: dtb === null ? pageUp(kernelImage.end) : pageUp(dtb.paddr + dtb.bytes.length),
    vaddr,
    size: pageUp(options.userImageSize ?? DEFAULT_USER_IMAGE_SIZE),
    entry: options.entry ?? vaddr,
    ...(options.userImageContents === undefined ? {} : { contents: options.userImageContents }),
  };
  return { board: options.board ?? SABRE_LITE, kernelImage, userImage, dtb };
}

/** The default boot: the Sabre Lite, no DTB, a 32 KiB root task at 0x10000. */
export const DEFAULT_BOOT_PARAMS: BootParams = bootParams();
