/**
 * The root CNode and the bootinfo that describes it (manual §9.1 "Initial Thread's
 * Environment"; seL4 `create_root_cnode`, `write_slot`, `provide_cap`,
 * `populate_bi_frame`, `create_untypeds`, `bi_finalise` in `src/kernel/boot.c`).
 *
 * Slots 0–15 hold the caps with fixed places; from slot 16 on boot appends, in this order,
 * the page-table caps of the root task's image, the extra-bootinfo frame caps, the image's
 * frame caps and the untyped caps; the rest of the 4096 slots is empty.
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import { MAX_NUM_BOOTINFO_UNTYPED_CAPS, ROOT_CNODE_SIZE_BITS } from '../../abi/config.js';
import { WORD_BITS } from '../../hardware/word.js';
import {
  EMPTY_SLOT_REGION, INITIAL_CAP, NUM_INITIAL_CAPS, type BootInfo, type SlotRegion, type UntypedDesc,
} from '../../abi/bootinfo.js';
import type { Cap } from '../state/cap.js';
import { KernelPanic } from '../kernel/panic.js';
import type { ItAddressSpace } from './address-space.js';
import type { BootLayout } from './layout.js';

/** The root CNode's contents and the bootinfo describing them. */
export interface RootCNode {
  /** Non-null caps by slot. Every one of them is original (`write_slot` marks it revocable). */
  readonly slots: PMap<number, Cap>;
  /** The bootinfo record written into the bootinfo frame. */
  readonly bootInfo: BootInfo;
}

/** The root CNode cap: radix 12, a 20-bit guard of 0, so a CPtr resolves all 32 bits to slot CPtr. */
export function rootCNodeCap(cnode: number): Cap {
  return { kind: 'CNodeCap', ptr: cnode, bits: ROOT_CNODE_SIZE_BITS, guard: { value: 0, size: WORD_BITS - ROOT_CNODE_SIZE_BITS } };
}

/**
 * An untyped cap as boot provides it: the free index at the maximum, so that the first
 * Retype resets (zeroes) it, while the user sees all of it as free. `create_untypeds`
 * stops providing caps after the 230th.
 */
export function bootUntypedCap(ut: UntypedDesc): Cap {
  return { kind: 'UntypedCap', isDevice: ut.isDevice, ptr: ut.paddr, sizeBits: ut.sizeBits, freeIndex: 2 ** ut.sizeBits };
}

/** Appends `caps` from slot `start` on; returns their slot region. */
function provide(slots: Map<number, Cap>, start: number, caps: readonly Cap[]): SlotRegion {
  if (start + caps.length > 2 ** ROOT_CNODE_SIZE_BITS) throw new KernelPanic('boot: the root CNode is full');
  caps.forEach((c, i) => slots.set(start + i, c));
  return { start, end: start + caps.length };
}

/** Fills the root CNode for the rootserver objects, the address space and the untypeds of `layout`. */
export function rootCNode(layout: BootLayout, space: ItAddressSpace): RootCNode {
  const rs = layout.rootserver;
  const slots = new Map<number, Cap>([
    [INITIAL_CAP.CapInitThreadTCB, { kind: 'ThreadCap', tcb: rs.tcb }],
    [INITIAL_CAP.CapInitThreadCNode, rootCNodeCap(rs.cnode)],
    [INITIAL_CAP.CapInitThreadVSpace, space.pdCap],
    [INITIAL_CAP.CapIRQControl, { kind: 'IRQControlCap' }],
    [INITIAL_CAP.CapASIDControl, { kind: 'ASIDControlCap' }],
    [INITIAL_CAP.CapInitThreadASIDPool, space.asidPoolCap],
    [INITIAL_CAP.CapBootInfoFrame, space.bootInfoCap],
    [INITIAL_CAP.CapInitThreadIPCBuffer, space.ipcBufferCap],
    [INITIAL_CAP.CapDomain, { kind: 'DomainCap' }],
  ]);
  const userImagePaging = provide(slots, NUM_INITIAL_CAPS, space.pageTableCaps);
  const extraBI = provide(slots, userImagePaging.end, space.extraBICaps);
  const userImageFrames = provide(slots, extraBI.end, space.userImageCaps);
  const untypedList = layout.untypeds.slice(0, MAX_NUM_BOOTINFO_UNTYPED_CAPS);
  const untyped = provide(slots, userImageFrames.end, untypedList.map(bootUntypedCap));
  const bootInfo: BootInfo = {
    extraLen: layout.extraBISize,
    nodeID: 0,
    numNodes: 1,
    numIOPTLevels: 0,
    ipcBuffer: layout.vIPCBuffer,
    empty: { start: untyped.end, end: 2 ** ROOT_CNODE_SIZE_BITS },
    sharedFrames: EMPTY_SLOT_REGION,
    userImageFrames,
    userImagePaging,
    ioSpaceCaps: EMPTY_SLOT_REGION,
    extraBIPages: layout.extraBISize > 0 ? extraBI : EMPTY_SLOT_REGION,
    initThreadCNodeSizeBits: ROOT_CNODE_SIZE_BITS,
    initThreadDomain: 0,
    untyped,
    untypedList,
  };
  return { slots: PMap(slots), bootInfo };
}
