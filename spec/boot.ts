/**
 * The state the root task starts in (manual §9 "System Bootstrapping"; seL4 `init_kernel`
 * and `try_init_kernel` in `src/arch/arm/kernel/boot.c`, `src/kernel/boot.c`). l4v's
 * `Init_A` is only a dummy state, so this follows the C boot code, step by step:
 *
 * - free memory is what the kernel's device-tree RAM leaves after the kernel image, the DTB,
 *   the root task image and the aarch32 mode-reserved section (`layout.ts`);
 * - the root task's objects are cut from the top of the highest free region: root CNode,
 *   page directory, ASID pool, IPC buffer, bootinfo (and extra bootinfo) frames, page tables,
 *   TCB;
 * - the root CNode gets the initial caps in slots 0–15 and then, from slot 16, the page-table
 *   caps, the extra-bootinfo and image frame caps, and the untypeds (`root-cnode.ts`), all of
 *   them original caps without a CDT parent;
 * - the root task's page directory (ASID 1, in ASID pool 0) maps its image, IPC buffer and
 *   bootinfo frames (`address-space.ts`);
 * - the root TCB gets copies of the CNode and PD caps and a derived, unmapped copy of the IPC
 *   buffer cap, each a CDT child of the slot it was copied from, and a master reply cap;
 * - the idle thread, the IRQ node, the global page directory and the global page table
 *   live in the kernel image; `map_kernel_window` fills the global page directory and
 *   page table with the kernel window (`boot/kernel-window.ts`), which the root task's
 *   page directory copies; every IRQ is inactive and masked except the kernel timer's;
 * - `init_kernel` ends with `schedule` switching from the idle thread to the root task
 *   (which also gives ASID 1 its hardware ASID) and `activateThread`: afterwards the root
 *   task is the current thread and no thread is queued.
 *
 * @module
 */
import { Map as PMap, Set as PSet } from 'immutable';
import { NUM_DOMAIN_SCHEDULES } from '../abi/config.js';
import {
  BOOTINFO_HEADER_BYTES, BOOTINFO_HEADER_FDT, DEFAULT_BOOT_PARAMS, DSCHED_MAX_DURATION, INITIAL_CAP,
  encodeBootInfo, type BootParams,
} from '../abi/bootinfo.js';
import { ChildList } from './state/child-list.js';
import { slotKey, type CSlot } from './state/cslot.js';
import type { DomainScheduleEntry, IRQState, KernelState } from './state/kernel-state.js';
import { TCB_SLOT, type KernelObject } from './state/object.js';
import { activateThread, schedule } from './kernel/schedule.js';
import { copyGlobalMappings } from './object/untyped/retype-region.js';
import { itAddressSpace } from './boot/address-space.js';
import { mapKernelWindow } from './boot/kernel-window.js';
import { bootLayout } from './boot/layout.js';
import { rootCNode, rootCNodeCap } from './boot/root-cnode.js';
import { idleTCB, rootTCB } from './boot/threads.js';

const FRAME_SIZE = 4096;

/** `memory` with `bytes` stored from physical address `paddr` on (all-zero frames stay absent). */
export function storeBytes(memory: PMap<number, Uint8Array>, paddr: number, bytes: Uint8Array): PMap<number, Uint8Array> {
  return memory.withMutations((m) => {
    for (let off = 0; off < bytes.length;) {
      const n = Math.floor((paddr + off) / FRAME_SIZE);
      const at = (paddr + off) % FRAME_SIZE;
      const len = Math.min(FRAME_SIZE - at, bytes.length - off);
      const frame = m.get(n)?.slice() ?? new Uint8Array(FRAME_SIZE);
      frame.set(bytes.subarray(off, off + len), at);
      if (frame.some((b) => b !== 0)) m.set(n, frame);
      else m.delete(n);
      off += len;
    }
  });
}

/** The extra bootinfo: an FDT chunk header `{id 6, len}` followed by the device tree. */
function extraBootInfo(dtb: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(BOOTINFO_HEADER_BYTES + dtb.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, BOOTINFO_HEADER_FDT, true);
  view.setUint32(4, bytes.length, true);
  bytes.set(dtb, BOOTINFO_HEADER_BYTES);
  return bytes;
}

/** The domain schedule after boot: domain 0 for the longest time, then end markers. */
function initialDomainSchedule(): DomainScheduleEntry[] {
  return Array.from({ length: NUM_DOMAIN_SCHEDULES }, (_, i) => ({ domain: 0, duration: i === 0 ? DSCHED_MAX_DURATION : 0n }));
}

/**
 * Boots the spec kernel: the state right after `init_kernel`, with the root task about to
 * run. `params` (default: the Sabre Lite, a 32 KiB root task, no DTB) are the same the
 * implementation's boot takes. @see seL4 init_kernel
 */
export function bootSpec(params: BootParams = DEFAULT_BOOT_PARAMS): KernelState {
  const layout = bootLayout(params);
  const rs = layout.rootserver;
  const space = itAddressSpace(params, layout);
  const cnode = rootCNode(layout, space);
  const cnodeSlot = (index: number): CSlot => ({ obj: rs.cnode, index });
  const tcbSlot = (index: number): CSlot => ({ obj: rs.tcb, index });
  const image = params.kernelImage;
  const board = params.board;
  const window = mapKernelWindow(params);

  const root = rootTCB({
    tcb: rs.tcb,
    cspaceRoot: rootCNodeCap(rs.cnode),
    vspaceRoot: space.pdCap,
    ipcBufferFrame: space.ipcBufferDerivedCap,
    ipcBuffer: layout.vIPCBuffer,
    bootInfo: layout.vBootInfo,
    entry: params.userImage.entry,
  });
  const irqNodes = Array.from({ length: board.maxIRQ + 1 }, (_, irq): readonly [number, KernelObject] => (
    [image.irqNode + 16 * irq, { kind: 'CNode', bits: 0, slots: PMap() }]));
  const kheap = PMap<number, KernelObject>([
    [rs.cnode, { kind: 'CNode', bits: cnode.bootInfo.initThreadCNodeSizeBits, slots: cnode.slots }],
    [rs.tcb, root],
    [image.idleThread, idleTCB(image)],
    [image.globalPD, { kind: 'PageDirectory', entries: window.pdEntries }],
    [image.globalPT, { kind: 'PageTable', entries: window.ptEntries }],
    ...irqNodes,
    ...space.objects,
  ]);

  // The root TCB's three copied caps are CDT children of the root CNode slots they came
  // from (`cteInsert`); every other cap boot writes is original and has no parent.
  const copies: readonly (readonly [CSlot, CSlot])[] = [
    [tcbSlot(TCB_SLOT.CTable), cnodeSlot(INITIAL_CAP.CapInitThreadCNode)],
    [tcbSlot(TCB_SLOT.VTable), cnodeSlot(INITIAL_CAP.CapInitThreadVSpace)],
    [tcbSlot(TCB_SLOT.IPCBuffer), cnodeSlot(INITIAL_CAP.CapInitThreadIPCBuffer)],
  ];
  const originals = [...cnode.slots.keys()].map((i) => slotKey(cnodeSlot(i)));

  let memory = storeBytes(PMap(), rs.bootInfo, encodeBootInfo(cnode.bootInfo));
  if (params.dtb !== null && rs.extraBI !== null) memory = storeBytes(memory, rs.extraBI, extraBootInfo(params.dtb.bytes));
  if (params.userImage.contents !== undefined) {
    memory = storeBytes(memory, params.userImage.paddr, params.userImage.contents.subarray(0, params.userImage.size));
  }
  const timer = board.kernelTimer.irq;
  const irqStates = Array.from({ length: board.maxIRQ + 1 }, (_, irq): IRQState => (irq === timer ? 'IRQTimer' : 'IRQInactive'));

  const s: KernelState = {
    kheap,
    cdt: PMap(copies.map(([child, parent]) => [slotKey(child), parent])),
    cdtList: PMap(copies.map(([child, parent]) => [slotKey(parent), ChildList.of([child])])),
    isOriginalCap: PSet([...originals, slotKey(tcbSlot(TCB_SLOT.Reply))]),
    curThread: image.idleThread,
    idleThread: image.idleThread,
    schedulerAction: { kind: 'SwitchToThread', tcb: rs.tcb },
    readyQueues: PMap(),
    curDomain: 0,
    domainTime: DSCHED_MAX_DURATION,
    domainList: initialDomainSchedule(),
    domainIndex: 0,
    domainStartIndex: 0,
    machine: { memory, irqMasks: irqStates.map((st) => st === 'IRQInactive'), irqPending: [] },
    irqNode: image.irqNode,
    irqStates,
    arch: {
      asidTable: PMap([[0, rs.asidPool]]),
      hwASIDTable: PMap(),
      nextASID: 0,
      asidMap: PMap(),
      globalPD: image.globalPD,
      globalPTs: [image.globalPT],
    },
    workUnitsCompleted: 0,
  };
  // `init_core_state` left the idle thread current with a switch to the root task pending;
  // `init_kernel` ends with `schedule` and `activateThread`.
  return activateThread(schedule(copyGlobalMappings(s, rs.vspace)));
}
