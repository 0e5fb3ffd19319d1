/**
 * Reading seL4's two-word `cap_t` (aarch32, `structures_32.bf` and the ARM `structures.bf`,
 * MCS/SMP/HYP off) into a spec `Cap`. Written from seL4's layouts, not from impl/'s
 * accessors, so that a field the implementation puts in the wrong bits reads back wrong.
 *
 * Thread and reply caps hold the `tcb_t` pointer (object base + 256) as in C; the spec names
 * a TCB by its object base, so the abstraction subtracts the offset.
 *
 * @module
 */
import { TCB_OFFSET } from '../../impl/object/tcb-layout.js';
import type { Cap, CapRights, VMPageSize, VMRights } from '../../spec/state/cap.js';

/** An abstraction failure: memory holds something that is no valid abstract state. */
export class AbstractionError extends Error {
  /** Creates the error with a message naming the address and what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = 'AbstractionError';
  }
}

const FRAME_SIZES: readonly VMPageSize[] = ['ARMSmallPage', 'ARMLargePage', 'ARMSection', 'ARMSuperSection'];
const VM_RIGHTS: readonly (VMRights | undefined)[] = [undefined, 'VMKernelOnly', 'VMReadOnly', 'VMReadWrite'];

// Bits hi..lo of the word, as an unsigned number (shifts: this runs for every cap decoded).
function bits(w: number, hi: number, lo: number): number {
  const width = hi - lo + 1;
  const v = w >>> lo;
  return width >= 32 ? v : v & ((1 << width) - 1);
}

function flag(w: number, n: number): boolean {
  return ((w >>> n) & 1) === 1;
}

function rights(read: boolean, write: boolean, grant: boolean, grantReply: boolean): CapRights {
  return { read, write, grant, grantReply };
}

/** The cap type tag: 4 bits, or 8 bits when w0[3:1] = 0b111. */
export function capTag(w0: number): number {
  return (w0 & 0xe) === 0xe ? w0 & 0xff : w0 & 0xf;
}

function vmRights(code: number, where: Where): VMRights {
  const r = VM_RIGHTS[code];
  if (r === undefined) throw new AbstractionError(`${whereText(where)}: frame cap with VM rights ${code} (VMNoAccess)`);
  return r;
}

function frameMapping(asid: number, vaddr: number): { asid: number; vaddr: number } | null {
  return asid === 0 ? null : { asid, vaddr };
}

/**
 * Names the slot in errors: the text itself, or a CTE's address (made into `CTE 0x…` only
 * when an error needs it, as a cap is decoded far more often than one is wrong).
 */
export type Where = string | number;

function whereText(where: Where): string {
  return typeof where === 'number' ? `CTE 0x${where.toString(16)}` : where;
}

/** The cap in the two words; `where` names the slot in errors. */
export function capFromWords(w0: number, w1: number, where: Where): Cap {
  switch (capTag(w0)) {
    case 0x0:
      return { kind: 'NullCap' };
    case 0x2:
      return { kind: 'UntypedCap', ptr: bits(w0, 31, 4) * 16, isDevice: flag(w1, 5), sizeBits: bits(w1, 4, 0), freeIndex: bits(w1, 31, 6) * 16 };
    case 0x4:
      return { kind: 'EndpointCap', ptr: bits(w1, 31, 4) * 16, badge: bits(w0, 31, 4), rights: rights(flag(w1, 1), flag(w1, 0), flag(w1, 2), flag(w1, 3)) };
    case 0x6:
      return { kind: 'NotificationCap', ptr: bits(w0, 31, 4) * 16, badge: bits(w1, 31, 4), rights: rights(flag(w1, 1), flag(w1, 0), false, false) };
    case 0x8:
      return { kind: 'ReplyCap', tcb: bits(w0, 31, 6) * 64 - TCB_OFFSET, isMaster: flag(w0, 4), rights: rights(false, true, flag(w0, 5), false) };
    case 0xa:
      return { kind: 'CNodeCap', ptr: bits(w0, 31, 5) * 32, bits: bits(w1, 22, 18), guard: { value: bits(w1, 17, 0), size: bits(w1, 27, 23) } };
    case 0xc:
      return { kind: 'ThreadCap', tcb: bits(w0, 31, 4) * 16 - TCB_OFFSET };
    case 0x0e:
      return { kind: 'IRQControlCap' };
    case 0x1e:
      return { kind: 'IRQHandlerCap', irq: bits(w1, 7, 0) };
    case 0x2e:
      return zombie(w0, w1);
    case 0x3e:
      return { kind: 'DomainCap' };
    case 0x3f:
      return { kind: 'SGISignalCap', irq: bits(w0, 11, 8), target: w1 >>> 0 };
    case 0x1: {
      const asid = bits(w0, 30, 24) * 1024 + bits(w1, 31, 22);
      return {
        kind: 'FrameCap', isDevice: flag(w0, 31), ptr: bits(w0, 23, 4) * 2 ** 12, size: 'ARMSmallPage',
        rights: vmRights(bits(w1, 21, 20), where), mapping: frameMapping(asid, bits(w1, 19, 0) * 2 ** 12),
      };
    }
    case 0x3: {
      const asid = bits(w0, 28, 22) * 1024 + bits(w1, 29, 20);
      const size = FRAME_SIZES[bits(w1, 31, 30)]!;
      if (size === 'ARMSmallPage') throw new AbstractionError(`${whereText(where)}: frame cap (not small) of size 4 KiB`);
      return {
        kind: 'FrameCap', isDevice: flag(w0, 29), ptr: bits(w0, 21, 4) * 2 ** 14, size,
        rights: vmRights(bits(w1, 19, 18), where), mapping: frameMapping(asid, bits(w1, 17, 0) * 2 ** 14),
      };
    }
    case 0x5:
      return { kind: 'ASIDPoolCap', ptr: bits(w0, 31, 4) * 16, asidBase: bits(w1, 16, 0) };
    case 0x7:
      return { kind: 'PageTableCap', ptr: bits(w0, 31, 10) * 1024, mapping: flag(w1, 29) ? { asid: bits(w1, 28, 12), vaddr: bits(w1, 11, 0) * 2 ** 20 } : null };
    case 0x9:
      return { kind: 'PageDirectoryCap', ptr: bits(w0, 31, 14) * 2 ** 14, asid: flag(w0, 4) ? bits(w1, 16, 0) : null };
    case 0xb:
      return { kind: 'ASIDControlCap' };
    default:
      throw new AbstractionError(`${whereText(where)}: unknown cap tag 0x${capTag(w0).toString(16)} (words 0x${(w0 >>> 0).toString(16)} 0x${(w1 >>> 0).toString(16)})`);
  }
}

// A Zombie: type 32 is a TCB, else the CNode radix; the id holds the pointer with the slot
// count in its low radix + 1 bits (a TCB counts as radix 4).
function zombie(w0: number, w1: number): Cap {
  const type = bits(w0, 13, 8);
  const radix = type === 32 ? 4 : type & 0x1f;
  const m = 2 ** (radix + 1);
  const id = w1 >>> 0;
  const number = id % m;
  const ptr = id - number;
  return { kind: 'Zombie', ptr, number, type: type === 32 ? { kind: 'ZombieTCB' } : { kind: 'ZombieCNode', bits: radix } };
}
