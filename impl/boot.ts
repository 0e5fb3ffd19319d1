/**
 * Booting the implementation kernel: seL4's `init_kernel` / `try_init_kernel`
 * (`src/arch/arm/kernel/boot.c`) run against a fresh {@link Kernel} over the board's
 * physical memory, step by step in the C order. The result is the state the root task
 * starts in, with every object in memory at the address seL4 gives it.
 *
 * What the elfloader leaves in memory before the kernel starts (the DTB and the root task's
 * image) is written first. `map_kernel_window` fills the global page directory and page
 * table (the kernel device frames are also reserved, as `map_kernel_devices` reserves them),
 * and the kernel switches to them (`activate_kernel_vspace`).
 *
 * @module
 */
import { PAGE_BITS, PAGE_DIR_BITS, PAGE_TABLE_BITS, ROOT_CNODE_SIZE_BITS, SLOT_BITS, USER_TOP } from '../abi/config.js';
import {
  BOOT_INFO_FRAME_BITS, BOOTINFO_HEADER_BYTES, BOOTINFO_HEADER_FDT, BOOTINFO_OFFSET, DEFAULT_BOOT_PARAMS,
  EMPTY_SLOT_REGION, INITIAL_CAP, type BootParams,
} from '../abi/bootinfo.js';
import type { Cpu } from '../hardware/cpu.js';
import { InterruptController } from '../hardware/irq.js';
import type { Tlb } from '../hardware/tlb.js';
import { PhysicalMemory } from '../hardware/memory.js';
import { Kernel } from './kernel/kernel.js';
import { KernelPanic } from './kernel/panic.js';
import { IRQ_INACTIVE, IRQ_TIMER } from './kernel/statedata.js';
import { activateThread, schedule } from './kernel/thread.js';
import { irqControlCapNew } from './object/cap.js';
import { setIRQState } from './object/interrupt.js';
import { biFinalise, biSetSlotRegion, populateBIFrame } from './boot/bootinfo.js';
import { archInitFreemem, calculateExtraBISizeBits, NdksBoot, reserveRegion, Rootserver } from './boot/freemem.js';
import { createDomainCap, createRootCNode, slotPtr, writeSlot } from './boot/slots.js';
import { createIdleThread, createInitialThread, initCoreState } from './boot/threads.js';
import { createUntypeds } from './boot/untypeds.js';
import { activateKernelVSpace, mapKernelWindow } from './boot/kernel-window.js';
import {
  createBIFrameCap, createFramesOfRegion, createIPCBufFrameCap, createItAddressSpace, createItASIDPool,
} from './boot/vspace.js';

/** The hardware a boot runs on; by default a fresh memory and interrupt controller for the board. */
export interface BootHardware {
  /** Physical memory (e.g. a `Machine`'s); default: the board's RAM, nothing allocated. */
  readonly memory?: PhysicalMemory;
  /** The interrupt controller (e.g. a `Machine`'s); default: a fresh GIC with lines 0..maxIRQ. */
  readonly irq?: InterruptController;
  /** The CPU whose TTBR0/ASID the kernel sets (e.g. a `Machine`'s); default: a fresh one. */
  readonly cpu?: Cpu;
  /** The TLB the kernel flushes (e.g. a `Machine`'s); default: a fresh, empty one. */
  readonly tlb?: Tlb;
}

/**
 * `map_kernel_devices`, the reservation part: every kernel device frame not available to
 * users is kept out of the device untypeds (the mappings are in `mapKernelWindow`).
 */
function mapKernelDevices(nb: NdksBoot, params: BootParams): void {
  for (const d of params.board.kernelDevices) reserveRegion(nb, d.base, d.base + (1 << PAGE_BITS));
}

/** What the elfloader put in memory: the DTB and the root task's image. */
function loadImages(k: Kernel, params: BootParams): void {
  if (params.dtb !== null) k.mem.writeBytes(params.dtb.paddr, params.dtb.bytes);
  const contents = params.userImage.contents;
  if (contents !== undefined) k.mem.writeBytes(params.userImage.paddr, contents.subarray(0, params.userImage.size));
}

/** `init_irqs`: every IRQ inactive (masked), the kernel timer's IRQ in use (unmasked); the IRQ control cap. */
function initIRQs(k: Kernel, params: BootParams, cnode: number): void {
  for (let i = 0; i <= params.board.maxIRQ; i++) setIRQState(k, IRQ_INACTIVE, i);
  setIRQState(k, IRQ_TIMER, params.board.kernelTimer.irq);
  const cap = irqControlCapNew(k.capRet);
  writeSlot(k, slotPtr(cnode, INITIAL_CAP.CapIRQControl), cap.w0, cap.w1);
}

/** The interrupt node: one CTE per IRQ in the kernel image (recorded as one-slot CNodes, ghost). */
function initIRQNode(k: Kernel, params: BootParams): void {
  k.intStateIRQNode = params.kernelImage.irqNode;
  k.ghost.addRun(params.kernelImage.irqNode, params.board.maxIRQ + 1, 'CapTable', SLOT_BITS);
}

/** `try_init_kernel`: builds everything the root task starts with, in the C order. */
export function tryInitKernel(k: Kernel, params: BootParams): void {
  const ui = params.userImage;
  const pvOffset = ui.paddr - ui.vaddr;
  const uiVEnd = ui.paddr + ui.size - pvOffset;
  const ipcBufVptr = uiVEnd;
  const biFrameVptr = ipcBufVptr + (1 << PAGE_BITS);
  const extraBIFrameVptr = biFrameVptr + (1 << BOOT_INFO_FRAME_BITS);
  const nb = new NdksBoot();
  const rs = new Rootserver();

  k.armKSGlobalPD = params.kernelImage.globalPD;
  k.armKSGlobalPT = params.kernelImage.globalPT;
  k.ghost.add(params.kernelImage.globalPD, 'PageDirectory', PAGE_DIR_BITS);
  k.ghost.add(params.kernelImage.globalPT, 'PageTable', PAGE_TABLE_BITS);
  mapKernelWindow(k, params);
  mapKernelDevices(nb, params);
  activateKernelVSpace(k);
  initIRQNode(k, params);
  loadImages(k, params);

  let extraBISize = 0;
  let dtbStart = 0;
  let dtbEnd = 0;
  if (params.dtb !== null && params.dtb.bytes.length > 0) {
    extraBISize += BOOTINFO_HEADER_BYTES + params.dtb.bytes.length;
    dtbStart = params.dtb.paddr;
    dtbEnd = dtbStart + params.dtb.bytes.length;
  }
  const extraBIBits = calculateExtraBISizeBits(extraBISize);
  const itVStart = ui.vaddr;
  const itVEnd = extraBIFrameVptr + (extraBIBits > 0 ? 2 ** extraBIBits : 0);
  if (itVEnd >= USER_TOP) throw new KernelPanic('boot: the root task image reaches the kernel window');

  archInitFreemem(k.mem, nb, rs, params, dtbStart, dtbEnd, itVStart, itVEnd, extraBIBits);
  createRootCNode(k, rs.cnode);
  k.ghost.add(rs.cnode, 'CapTable', ROOT_CNODE_SIZE_BITS + SLOT_BITS);
  createDomainCap(k, rs.cnode);
  initIRQs(k, params, rs.cnode);
  populateBIFrame(k, nb, rs.bootInfo, ipcBufVptr, rs.extraBI, extraBISize, extraBIBits);
  if (params.dtb !== null && extraBISize > 0) {
    k.mem.write32(rs.extraBI, BOOTINFO_HEADER_FDT);
    k.mem.write32(rs.extraBI + 4, extraBISize);
    k.mem.writeBytes(rs.extraBI + BOOTINFO_HEADER_BYTES, k.mem.readBytes(dtbStart, dtbEnd - dtbStart));
  }
  biSetSlotRegion(k, nb, BOOTINFO_OFFSET.ioSpaceCaps, EMPTY_SLOT_REGION.start, EMPTY_SLOT_REGION.end);

  createItAddressSpace(k, nb, rs, itVStart, itVEnd);
  createBIFrameCap(k, rs, biFrameVptr);
  if (extraBISize > 0) {
    const first = createFramesOfRegion(k, nb, rs, rs.extraBI, rs.extraBI + extraBISize, rs.extraBI - extraBIFrameVptr);
    biSetSlotRegion(k, nb, BOOTINFO_OFFSET.extraBIPages, first, nb.slotPosCur);
  }
  createIPCBufFrameCap(k, rs, ipcBufVptr);
  const firstFrame = createFramesOfRegion(k, nb, rs, ui.paddr, ui.paddr + ui.size, pvOffset);
  biSetSlotRegion(k, nb, BOOTINFO_OFFSET.userImageFrames, firstFrame, nb.slotPosCur);
  createItASIDPool(k, rs);

  createIdleThread(k, params.kernelImage);
  const initial = createInitialThread(k, rs, ui.entry, biFrameVptr, ipcBufVptr);
  initCoreState(k, initial);
  createUntypeds(k, nb, rs.cnode, params.kernelImage);
  biSetSlotRegion(k, nb, BOOTINFO_OFFSET.sharedFrames, EMPTY_SLOT_REGION.start, EMPTY_SLOT_REGION.end);
  biFinalise(k, nb);
}

/**
 * Boots the implementation kernel (`init_kernel`): a fresh {@link Kernel} over the board's
 * memory, everything built by {@link tryInitKernel}, then `schedule` switches from the idle
 * thread to the root task and `activateThread` readies it. The same `params` give the
 * spec's `bootSpec` state.
 */
export function bootImpl(params: BootParams = DEFAULT_BOOT_PARAMS, hw: BootHardware = {}): Kernel {
  const board = params.board;
  const memory = hw.memory ?? new PhysicalMemory({ ramBase: board.ramBase, ramSize: board.ramSize });
  const k = new Kernel(memory, hw.irq ?? new InterruptController(board.maxIRQ), hw.cpu, hw.tlb);
  tryInitKernel(k, params);
  schedule(k);
  activateThread(k);
  return k;
}
