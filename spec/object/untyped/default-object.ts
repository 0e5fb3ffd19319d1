/**
 * What a freshly retyped object and its first cap look like (l4v `Retype_A.thy`
 * `default_cap`, `default_object`, `obj_bits_api`; `ARM/Arch_Structs_A.thy`
 * `arch_default_cap`, `default_arch_object`; `Structures_A.thy` `default_tcb`; manual §2.4
 * "Kernel Memory Allocation").
 *
 * @module
 */
import { Map as PMap } from 'immutable';
import { match } from 'ts-pattern';
import {
  ENDPOINT_BITS, LARGE_PAGE_BITS, NOTIFICATION_BITS, PAGE_BITS, PAGE_DIR_BITS, PAGE_TABLE_BITS, SECTION_BITS,
  SLOT_BITS, SUPER_SECTION_BITS, TCB_BITS, TIME_SLICE,
} from '../../../abi/config.js';
import type { ObjectType } from '../../../abi/objecttype.js';
import { INITIAL_CPSR, N_CONTEXT_REGISTERS, Reg } from '../../../hardware/registers.js';
import { ALL_RIGHTS, NULL_CAP, type Cap, type VMPageSize } from '../../state/cap.js';
import type { KernelObject, TCB } from '../../state/object.js';
import { INACTIVE } from '../../state/thread.js';

/** The frame size each frame object type makes. */
const FRAME_SIZE: Partial<Record<ObjectType, VMPageSize>> = {
  SmallPage: 'ARMSmallPage',
  LargePage: 'ARMLargePage',
  Section: 'ARMSection',
  SuperSection: 'ARMSuperSection',
};

/** Whether `type` is one of the four frame types (l4v `is_frame_type`). */
export function isFrameType(type: ObjectType): boolean {
  return FRAME_SIZE[type] !== undefined;
}

/**
 * log2 of the bytes one object of `type` takes, given the user's size argument: the
 * argument itself for untypeds, slots × 16 bytes for CNodes, fixed otherwise.
 * @see l4v obj_bits_api
 */
export function objBitsAPI(type: ObjectType, userSize: number): number {
  return match(type)
    .with('Untyped', () => userSize)
    .with('CapTable', () => userSize + SLOT_BITS)
    .with('TCB', () => TCB_BITS)
    .with('Endpoint', () => ENDPOINT_BITS)
    .with('Notification', () => NOTIFICATION_BITS)
    .with('PageDirectory', () => PAGE_DIR_BITS)
    .with('PageTable', () => PAGE_TABLE_BITS)
    .with('SmallPage', () => PAGE_BITS)
    .with('LargePage', () => LARGE_PAGE_BITS)
    .with('Section', () => SECTION_BITS)
    .with('SuperSection', () => SUPER_SECTION_BITS)
    .exhaustive();
}

/**
 * The register context of a new thread: all zero but CPSR, which starts in user mode with
 * FIQs and asynchronous aborts masked (0x150). @see l4v new_context
 */
export function newContext(): number[] {
  const context = new Array<number>(N_CONTEXT_REGISTERS).fill(0);
  context[Reg.CPSR] = INITIAL_CPSR;
  return context;
}

/**
 * A new TCB: inactive, priority and MCP 0, in domain `domain`, a full time slice, no caps,
 * no fault handler, no IPC buffer. @see l4v default_tcb
 */
export function defaultTCB(domain: number): TCB {
  return {
    kind: 'TCB',
    caps: [NULL_CAP, NULL_CAP, NULL_CAP, NULL_CAP, NULL_CAP],
    state: INACTIVE,
    fault: null,
    faultHandler: 0,
    ipcBuffer: 0,
    boundNotification: null,
    priority: 0,
    mcp: 0,
    domain,
    timeSlice: TIME_SLICE,
    flags: 0,
    context: newContext(),
  };
}

/**
 * The object retype creates for `type` (untypeds are not objects: they get only a cap). A
 * CNode of `userSize` radix with every slot empty, an idle endpoint or notification, empty
 * page tables and directories, a data page (device or not). New TCBs take the current
 * domain `domain`. @see l4v default_object
 */
export function defaultObject(type: Exclude<ObjectType, 'Untyped'>, isDevice: boolean, userSize: number, domain: number): KernelObject {
  return match(type)
    .with('CapTable', (): KernelObject => ({ kind: 'CNode', bits: userSize, slots: PMap() }))
    .with('TCB', (): KernelObject => defaultTCB(domain))
    .with('Endpoint', (): KernelObject => ({ kind: 'Endpoint', state: { kind: 'IdleEP' } }))
    .with('Notification', (): KernelObject => ({ kind: 'Notification', state: { kind: 'IdleNtfn' }, boundTCB: null }))
    .with('PageTable', (): KernelObject => ({ kind: 'PageTable', entries: PMap() }))
    .with('PageDirectory', (): KernelObject => ({ kind: 'PageDirectory', entries: PMap() }))
    .with('SmallPage', 'LargePage', 'Section', 'SuperSection', (t): KernelObject => (
      { kind: 'DataPage', isDevice, size: FRAME_SIZE[t]! }))
    .exhaustive();
}

/**
 * The original cap to a new object at `ptr`: full rights on endpoints, Read and Write on
 * notifications, an unguarded CNode cap, an untyped with nothing allocated, read-write
 * unmapped frames, unmapped page tables and directories. @see l4v default_cap
 */
export function defaultCap(type: ObjectType, ptr: number, userSize: number, isDevice: boolean): Cap {
  return match(type)
    .with('CapTable', (): Cap => ({ kind: 'CNodeCap', ptr, bits: userSize, guard: { value: 0, size: 0 } }))
    .with('Untyped', (): Cap => ({ kind: 'UntypedCap', isDevice, ptr, sizeBits: userSize, freeIndex: 0 }))
    .with('TCB', (): Cap => ({ kind: 'ThreadCap', tcb: ptr }))
    .with('Endpoint', (): Cap => ({ kind: 'EndpointCap', ptr, badge: 0, rights: ALL_RIGHTS }))
    .with('Notification', (): Cap => ({
      kind: 'NotificationCap', ptr, badge: 0, rights: { read: true, write: true, grant: false, grantReply: false },
    }))
    .with('PageTable', (): Cap => ({ kind: 'PageTableCap', ptr, mapping: null }))
    .with('PageDirectory', (): Cap => ({ kind: 'PageDirectoryCap', ptr, asid: null }))
    .with('SmallPage', 'LargePage', 'Section', 'SuperSection', (t): Cap => ({
      kind: 'FrameCap', isDevice, ptr, rights: 'VMReadWrite', size: FRAME_SIZE[t]!, mapping: null,
    }))
    .exhaustive();
}
