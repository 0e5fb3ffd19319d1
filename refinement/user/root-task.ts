/**
 * What a small root task does first, as sel4test's driver and the usual seL4 tutorials do:
 * read `seL4_BootInfo` from the bootinfo frame (its address arrives in r0), keep a cursor of
 * free slots of the root CNode, retype objects from one RAM untyped, and start threads in
 * its own CSpace and VSpace.
 *
 * The root task knows where retype puts its objects (from the untyped's physical address and
 * the alignment rule of `retype_region`), which is how it names a new thread to the machine
 * when it binds that thread's program: on a real system it would instead point the thread's
 * PC at code in its image.
 *
 * @module
 */
import { BOOTINFO_OFFSET, INITIAL_CAP, UNTYPED_DESC_BYTES } from '../../abi/bootinfo.js';
import {
  ENDPOINT_BITS, NOTIFICATION_BITS, PAGE_BITS, PAGE_DIR_BITS, PAGE_TABLE_BITS, SLOT_BITS, TCB_BITS,
} from '../../abi/config.js';
import { OBJECT_TYPE_NUMBER, type ObjectType } from '../../abi/objecttype.js';
import { INITIAL_CPSR, Reg } from '../../hardware/registers.js';
import type { UserCode, UserProgram, UserThread } from '../../hardware/user.js';
import { Sel4, WORD_BITS } from './libsel4.js';
import {
  tcbConfigure, tcbResume, tcbSetSchedParams, tcbWriteRegisters, untypedRetype,
} from './libsel4-invocations.js';

/** The parts of `seL4_BootInfo` a root task here uses. */
export interface RootBootInfo {
  /** `ipcBuffer`: the root task's IPC buffer address. */
  readonly ipcBuffer: number;
  /** `empty`: the first and past-the-last free slot. */
  readonly empty: { readonly start: number; readonly end: number };
  /** `userImageFrames`: the frame caps of the image, in address order. */
  readonly userImageFrames: { readonly start: number; readonly end: number };
  /** The largest non-device untyped: its slot, physical address and size. */
  readonly untyped: { readonly slot: number; readonly paddr: number; readonly sizeBits: number };
}

/** Reads the boot info at `bi` (what the kernel passed in r0) through user memory. */
export function* readBootInfo(u: UserThread, bi: number): UserCode<RootBootInfo> {
  const word = (offset: number): UserCode<number> => u.load32(bi + offset);
  const ipcBuffer = yield* word(BOOTINFO_OFFSET.ipcBuffer);
  const empty = { start: yield* word(BOOTINFO_OFFSET.empty), end: yield* word(BOOTINFO_OFFSET.empty + 4) };
  const frames = { start: yield* word(BOOTINFO_OFFSET.userImageFrames), end: yield* word(BOOTINFO_OFFSET.userImageFrames + 4) };
  const first = yield* word(BOOTINFO_OFFSET.untyped);
  const last = yield* word(BOOTINFO_OFFSET.untyped + 4);
  let untyped = { slot: 0, paddr: 0, sizeBits: 0 };
  for (let i = 0; i < last - first; i++) {
    const at = BOOTINFO_OFFSET.untypedList + i * UNTYPED_DESC_BYTES;
    const paddr = yield* word(at);
    const sizeAndDevice = yield* word(at + 4);
    const sizeBits = sizeAndDevice & 0xff;
    const isDevice = ((sizeAndDevice >>> 8) & 0xff) !== 0;
    if (!isDevice && sizeBits > untyped.sizeBits) untyped = { slot: first + i, paddr, sizeBits };
  }
  return { ipcBuffer, empty, userImageFrames: frames, untyped };
}

/** log2 of an object's size (`Arch_getObjectSize` / `getObjectSize`), for the types used here. */
export function objectSizeBits(type: ObjectType, sizeBits: number): number {
  switch (type) {
    case 'Untyped': return sizeBits;
    case 'TCB': return TCB_BITS;
    case 'Endpoint': return ENDPOINT_BITS;
    case 'Notification': return NOTIFICATION_BITS;
    case 'CapTable': return sizeBits + SLOT_BITS;
    case 'SmallPage': return PAGE_BITS;
    case 'LargePage': return 16;
    case 'Section': return 20;
    case 'SuperSection': return 24;
    case 'PageTable': return PAGE_TABLE_BITS;
    case 'PageDirectory': return PAGE_DIR_BITS;
  }
}

/** How {@link RootTask.spawn} sets up a thread. */
export interface ThreadOptions {
  /** Priority (and MCP); default 254, one below the root task. */
  readonly priority?: number;
  /** The fault handler CPtr in the root CNode (0: none). */
  readonly faultEP?: number;
  /** Which 512-byte IPC buffer of the last image page the thread gets (1..7; 0 is never used). */
  readonly bufferIndex?: number;
  /** Start running at once (TCB_Resume); default true. */
  readonly resume?: boolean;
}

/** A spawned thread: its TCB cap slot, TCB address and IPC buffer address. */
export interface Spawned {
  /** Slot of its TCB cap in the root CNode. */
  readonly slot: number;
  /** Its TCB object address (the machine's name for the thread). */
  readonly tcb: number;
  /** Its IPC buffer's virtual address. */
  readonly ipcBuffer: number;
}

/** The root task's allocator and thread factory. */
export class RootTask {
  /** libsel4 of the root thread. */
  readonly sel4: Sel4;
  /** What boot info told it. */
  readonly bootInfo: RootBootInfo;
  private nextSlot: number;
  private untypedTop: number;

  /**
   * The root task over `bootInfo`; `load` binds a program to a thread (the machine's
   * `load`), the stand-in for pointing a thread's PC at code in the image.
   */
  constructor(u: UserThread, bootInfo: RootBootInfo, private readonly load: (tcb: number, program: UserProgram) => void) {
    this.sel4 = new Sel4(u, bootInfo.ipcBuffer);
    this.bootInfo = bootInfo;
    this.nextSlot = bootInfo.empty.start;
    this.untypedTop = bootInfo.untyped.paddr;
  }

  /** Reads boot info (at the address the root task found in r0 when it started) and makes a root task. */
  static *start(u: UserThread, load: (tcb: number, program: UserProgram) => void): UserCode<RootTask> {
    const bi = u.regs[Reg.R0] ?? 0;
    return new RootTask(u, yield* readBootInfo(u, bi), load);
  }

  /** A free slot of the root CNode. */
  allocSlot(): number {
    return this.nextSlot++;
  }

  /**
   * Retypes one object of `type` from the big untyped into a fresh slot; returns the slot and
   * the object's address. Throws (in the program) if the kernel refuses.
   */
  *create(type: ObjectType, sizeBits = 0): UserCode<{ readonly slot: number; readonly addr: number }> {
    const slot = this.allocSlot();
    const err = yield* untypedRetype(this.sel4, this.bootInfo.untyped.slot, OBJECT_TYPE_NUMBER[type], sizeBits,
      INITIAL_CAP.CapInitThreadCNode, 0, 0, slot, 1);
    if (err !== 0) throw new Error(`Untyped_Retype ${type} failed with error ${err}`);
    const size = 2 ** objectSizeBits(type, sizeBits);
    const addr = Math.ceil(this.untypedTop / size) * size;
    this.untypedTop = addr + size;
    return { slot, addr };
  }

  /** The frame cap and address of IPC buffer `index` (512 bytes each in the last image page). */
  bufferOf(index: number): { readonly frame: number; readonly vaddr: number } {
    // Boot maps the root task's IPC buffer on the page right after its image.
    return { frame: this.bootInfo.userImageFrames.end - 1, vaddr: this.bootInfo.ipcBuffer - 2 ** PAGE_BITS + 512 * index };
  }

  /**
   * Creates a thread in the root task's CSpace and VSpace running `program` (given libsel4
   * for its own IPC buffer), at `options.priority`, and starts it.
   */
  *spawn(program: (l: Sel4) => UserCode<void>, options: ThreadOptions = {}): UserCode<Spawned> {
    const l = this.sel4;
    const { slot, addr } = yield* this.create('TCB');
    const buffer = this.bufferOf(options.bufferIndex ?? 1);
    const check = (what: string, err: number): void => {
      if (err !== 0) throw new Error(`${what} failed with error ${err}`);
    };
    check('TCB_Configure', yield* tcbConfigure(l, slot, options.faultEP ?? 0, INITIAL_CAP.CapInitThreadCNode, 0,
      INITIAL_CAP.CapInitThreadVSpace, 0, buffer.vaddr, buffer.frame));
    const prio = options.priority ?? 254;
    check('TCB_SetSchedParams', yield* tcbSetSchedParams(l, slot, INITIAL_CAP.CapInitThreadTCB, prio, prio));
    this.load(addr, (u) => program(new Sel4(u, buffer.vaddr)));
    // pc, sp, cpsr: the thread starts at a made-up entry in the image with its own stack.
    check('TCB_WriteRegisters', yield* tcbWriteRegisters(l, slot, false, 0, 3, [0x11000 + 0x100 * (options.bufferIndex ?? 1), 0x17000, INITIAL_CPSR]));
    if (options.resume ?? true) check('TCB_Resume', yield* tcbResume(l, slot));
    return { slot, tcb: addr, ipcBuffer: buffer.vaddr };
  }
}

/** The depth that names a root-CNode slot by its index (`seL4_WordBits`). */
export const ROOT_DEPTH = WORD_BITS;
