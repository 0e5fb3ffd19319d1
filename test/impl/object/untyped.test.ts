// seL4_Untyped_Retype on the implementation (impl/object/untyped.ts, create-object.ts), from a
// booted kernel: objects in memory in seL4's layouts, caps in slot order, the MDB order
// insertNewCap gives, the ghost table, every error in seL4's order with its fields, reset
// with preemption, device untypeds.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ERROR_CODE } from '../../../abi/errors.js';
import { LABEL } from '../../../abi/labels.js';
import { decodeBootInfo, INITIAL_CAP, type BootInfo } from '../../../abi/bootinfo.js';
import { OBJECT_TYPES, OBJECT_TYPE_NUMBER, type ObjectType } from '../../../abi/objecttype.js';
import { MSG_REGISTERS, Reg } from '../../../hardware/registers.js';
import { bootImpl } from '../../../impl/boot.js';
import { EXCEPTION_NONE, EXCEPTION_PREEMPTED, EXCEPTION_SYSCALL_ERROR, type Exception } from '../../../impl/kernel/failures.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import * as C from '../../../impl/object/cap.js';
import { genericFrameCapGetCapFBasePtr } from '../../../impl/object/arch-cap.js';
import { cteGetFirstBadged, cteGetNext, cteGetPrev, cteGetRevocable } from '../../../impl/object/mdb.js';
import { TCB_DOMAIN, TCB_OFFSET, TCB_TIME_SLICE, tcbGet, tcbGetState } from '../../../impl/object/tcb-layout.js';
import { decodeUntypedInvocation, resetUntypedCap } from '../../../impl/object/untyped.js';
import { getObjectSize } from '../../../impl/object/untyped/create-object.js';

const K0 = bootImpl();
const CNODE = C.cnodeCapGetCapCNodePtr(K0.mem.read32(K0.ksCurThread - TCB_OFFSET)); // the root TCB's CSpace root
const slotPtr = (i: number): number => CNODE + 16 * i;
const baseOf = (k: Kernel, i: number): number => genericFrameCapGetCapFBasePtr(k.mem.read32(slotPtr(i)));
const BI: BootInfo = decodeBootInfo(K0.mem.readBytes(baseOf(K0, INITIAL_CAP.CapBootInfoFrame), 4096));
const IPC_BUF = baseOf(K0, INITIAL_CAP.CapInitThreadIPCBuffer);
const FIRST_FREE = BI.empty.start;

function untypedIndex(pred: (bits: number, isDevice: boolean, paddr: number) => boolean): number {
  const i = BI.untypedList.findIndex((u) => pred(u.sizeBits, u.isDevice, u.paddr));
  if (i < 0) throw new Error('no such untyped');
  return BI.untyped.start + i;
}
const RAM_UT = untypedIndex((b, d, p) => !d && b === 20 && p === 0x10100000);
const BIG_UT = untypedIndex((b, d, p) => !d && b === 27 && p === 0x18000000);
const DEV_UT = untypedIndex((b, d) => d && b === 24);

interface RetypeArgs { type: number; size: number; index: number; depth: number; offset: number; count: number }
const ARGS: RetypeArgs = { type: OBJECT_TYPE_NUMBER.Endpoint, size: 0, index: 0, depth: 0, offset: FIRST_FREE, count: 1 };

interface Options { label?: number; length?: number; extra?: number }

/** Writes the Retype arguments as a user would (MR0..3 in registers, MR4.. in the IPC buffer) and decodes. */
function retypeCall(k: Kernel, ut: number, args: Partial<RetypeArgs> = {}, opts: Options = {}): Exception {
  const a = { ...ARGS, ...args };
  const words = [a.type, a.size, a.index, a.depth, a.offset, a.count];
  words.forEach((v, i) => {
    if (i < 4) k.setRegister(k.ksCurThread, MSG_REGISTERS[i]!, v);
    else k.mem.write32(IPC_BUF + 4 * (i + 1), v >>> 0);
  });
  k.currentExtraCaps[0] = opts.extra ?? slotPtr(INITIAL_CAP.CapInitThreadCNode);
  k.currentExtraCaps[1] = 0;
  const slot = slotPtr(ut);
  return decodeUntypedInvocation(k, opts.label ?? LABEL.UntypedRetype, opts.length ?? 6, slot,
    k.mem.read32(slot), k.mem.read32(slot + 4), true, IPC_BUF);
}

function retype(k: Kernel, ut: number, args: Partial<RetypeArgs>): void {
  const status = retypeCall(k, ut, args);
  if (status !== EXCEPTION_NONE) throw new Error(`retype failed: error ${k.currentSyscallError.type}`);
}

const freeIndexBytes = (k: Kernel, ut: number): number => C.untypedCapGetCapFreeIndex(k.mem.read32(slotPtr(ut) + 4)) * 16;
const capType = (k: Kernel, i: number): number => C.capGetCapType(k.mem.read32(slotPtr(i)));

const typeSize: Record<ObjectType, number> = {
  Untyped: 12, TCB: 0, Endpoint: 0, Notification: 0, CapTable: 3, PageDirectory: 0, SmallPage: 0,
  LargePage: 0, Section: 0, SuperSection: 0, PageTable: 0,
};
const ghostKind: Record<ObjectType, string | undefined> = {
  Untyped: undefined, TCB: 'TCB', Endpoint: 'Endpoint', Notification: 'Notification', CapTable: 'CapTable',
  PageDirectory: 'PageDirectory', SmallPage: 'Frame', LargePage: 'Frame', Section: 'Frame', SuperSection: 'Frame', PageTable: 'PageTable',
};

describe('Retype in memory', () => {
  for (const type of OBJECT_TYPES) {
    test(`three ${type} objects: placement, caps, MDB order, ghost`, () => {
      const k = bootImpl();
      const base = 0x18000000;
      const userSize = typeSize[type];
      const bits = getObjectSize(OBJECT_TYPE_NUMBER[type], userSize);
      retype(k, BIG_UT, { type: OBJECT_TYPE_NUMBER[type], size: userSize, count: 3 });
      expect(freeIndexBytes(k, BIG_UT)).toBe(3 * 2 ** bits);
      for (let i = 0; i < 3; i++) {
        const s = slotPtr(FIRST_FREE + i);
        expect(C.capGetCapType(k.mem.read32(s))).not.toBe(C.CAP_NULL);
        expect(cteGetRevocable(k.mem, s)).toBe(1);
        expect(cteGetFirstBadged(k.mem, s)).toBe(1);
        const g = k.ghost.get(base + i * 2 ** bits);
        expect(g?.kind).toBe(ghostKind[type]);
        if (g !== undefined) expect(g.sizeBits).toBe(bits);
      }
      // insertNewCap links each new cap right after the untyped: newest first.
      const ut = slotPtr(BIG_UT);
      expect(cteGetNext(k.mem, ut)).toBe(slotPtr(FIRST_FREE + 2));
      expect(cteGetNext(k.mem, slotPtr(FIRST_FREE + 2))).toBe(slotPtr(FIRST_FREE + 1));
      expect(cteGetNext(k.mem, slotPtr(FIRST_FREE + 1))).toBe(slotPtr(FIRST_FREE));
      expect(cteGetPrev(k.mem, slotPtr(FIRST_FREE + 2))).toBe(ut);
      expect(cteGetNext(k.mem, slotPtr(FIRST_FREE))).toBe(0);
    });
  }

  test('cap words of each type', () => {
    const k = bootImpl();
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.TCB, count: 1 });
    expect(C.threadCapGetCapTCBPtr(k.mem.read32(slotPtr(FIRST_FREE)))).toBe(0x10100000 + TCB_OFFSET);
    const tcb = 0x10100000 + TCB_OFFSET;
    expect(k.getRegister(tcb, Reg.CPSR)).toBe(0x150);
    expect(tcbGet(k.mem, tcb, TCB_TIME_SLICE)).toBe(5);
    expect(tcbGet(k.mem, tcb, TCB_DOMAIN)).toBe(0);
    expect(tcbGetState(k.mem, tcb)).toBe(0);
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.Endpoint, offset: FIRST_FREE + 1 });
    const ep = k.readCap(slotPtr(FIRST_FREE + 1));
    expect([C.endpointCapGetCapEPPtr(ep.w1), ep.w1 & 0xf, C.endpointCapGetCapEPBadge(ep.w0)]).toEqual([0x10100200, 0xf, 0]);
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.Notification, offset: FIRST_FREE + 2 });
    const nt = k.readCap(slotPtr(FIRST_FREE + 2));
    expect([C.notificationCapGetCapNtfnPtr(nt.w0), nt.w1]).toEqual([0x10100210, 3]);
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.CapTable, size: 4, offset: FIRST_FREE + 3 });
    const cn = k.readCap(slotPtr(FIRST_FREE + 3));
    expect([C.cnodeCapGetCapCNodePtr(cn.w0), C.cnodeCapGetCapCNodeRadix(cn.w1), C.cnodeCapGetCapCNodeGuardSize(cn.w1)]).toEqual([0x10100300, 4, 0]);
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.Untyped, size: 10, offset: FIRST_FREE + 4 });
    const ut = k.readCap(slotPtr(FIRST_FREE + 4));
    expect([C.untypedCapGetCapPtr(ut.w0), C.untypedCapGetCapBlockSize(ut.w1), C.untypedCapGetCapFreeIndex(ut.w1), C.untypedCapGetCapIsDevice(ut.w1)])
      .toEqual([0x10100400, 10, 0, 0]);
    expect(freeIndexBytes(k, RAM_UT)).toBe(0x800);
  });

  test('a new page directory copies the kernel entries of the global PD except PD_ASID_SLOT', () => {
    const k = bootImpl();
    k.mem.write32(k.armKSGlobalPD + 4 * 0xe00, 0x10000c0e);
    k.mem.write32(k.armKSGlobalPD + 4 * 0xff0, 0x2f000c0e);
    k.mem.write32(k.armKSGlobalPD + 4 * 0x100, 0x12345);
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.PageDirectory });
    expect(k.mem.read32(0x10100000 + 4 * 0xe00)).toBe(0x10000c0e);
    expect(k.mem.read32(0x10100000 + 4 * 0xff0)).toBe(0);
    expect(k.mem.read32(0x10100000 + 4 * 0x100)).toBe(0);
  });

  test('fan-out 256 into a CNode reached by a 32-bit lookup', () => {
    const k = bootImpl();
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.CapTable, size: 8 });
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.Endpoint, index: FIRST_FREE, depth: 32, offset: 0, count: 256 });
    expect(C.endpointCapGetCapEPPtr(k.mem.read32(0x10100000 + 16 * 255 + 4))).toBe(0x10100000 + 4096 + 255 * 16);
  });

  test('reset zeroes a RAM untyped; a device untyped keeps its memory', () => {
    const k = bootImpl();
    k.mem.write32(0x10100ff0, 0xdeadbeef);
    k.mem.write32(0x10180000, 1);
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.SmallPage });
    expect(k.mem.read32(0x10100ff0)).toBe(0);
    expect(k.mem.read32(0x10180000)).toBe(0);
    const dev = untypedIndex((_b, d, p) => d && p === 0x30000000);
    k.mem.write32(0x30000010, 0x55);
    retype(k, dev, { type: OBJECT_TYPE_NUMBER.SmallPage, offset: FIRST_FREE + 1 });
    expect(k.mem.read32(0x30000010)).toBe(0x55);
    expect(k.ghost.get(0x30000000)).toEqual({ kind: 'Frame', sizeBits: 12, isDevice: true });
  });

  test('a reset forgets the ghost objects of the region', () => {
    const k = bootImpl();
    k.ghost.add(0x10100040, 'Endpoint', 4);
    retype(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.TCB });
    expect(k.ghost.get(0x10100040)).toBeUndefined();
  });
});

describe('errors, in seL4 order', () => {
  type Expect = Partial<Record<'type' | 'invalidArgumentNumber' | 'rangeErrorMin' | 'rangeErrorMax' | 'memoryLeft' | 'failedLookupWasSource', number>>;
  const cases: [string, Partial<RetypeArgs>, Expect, Options?][] = [
    ['wrong label', { type: 99 }, { type: ERROR_CODE.IllegalOperation }, { label: LABEL.CNodeCopy }],
    ['too few words', { type: 99 }, { type: ERROR_CODE.TruncatedMessage }, { length: 5 }],
    ['unknown type', { type: 11, size: 40 }, { type: ERROR_CODE.InvalidArgument, invalidArgumentNumber: 0 }],
    ['size word ≥ 32', { type: OBJECT_TYPE_NUMBER.TCB, size: 32 }, { type: ERROR_CODE.RangeError, rangeErrorMin: 0, rangeErrorMax: 29 }],
    ['untyped over 2^29', { type: OBJECT_TYPE_NUMBER.Untyped, size: 30 }, { type: ERROR_CODE.RangeError, rangeErrorMin: 0, rangeErrorMax: 29 }],
    ['CNode of radix 0', { type: OBJECT_TYPE_NUMBER.CapTable, size: 0, offset: 5000 }, { type: ERROR_CODE.InvalidArgument, invalidArgumentNumber: 1 }],
    ['untyped under 16 bytes', { type: OBJECT_TYPE_NUMBER.Untyped, size: 3, depth: 40 }, { type: ERROR_CODE.InvalidArgument, invalidArgumentNumber: 1 }],
    ['depth over 32', { depth: 33, offset: 5000 }, { type: ERROR_CODE.RangeError, rangeErrorMin: 1, rangeErrorMax: 32 }],
    ['guard mismatch', { depth: 12 }, { type: ERROR_CODE.FailedLookup, failedLookupWasSource: 0 }],
    ['destination not a CNode', { index: INITIAL_CAP.CapIRQControl, depth: 32, offset: 5000 }, { type: ERROR_CODE.FailedLookup, failedLookupWasSource: 0 }],
    ['offset past the CNode', { offset: 4096, count: 0 }, { type: ERROR_CODE.RangeError, rangeErrorMin: 0, rangeErrorMax: 4095 }],
    ['count 0', { count: 0 }, { type: ERROR_CODE.RangeError, rangeErrorMin: 1, rangeErrorMax: 256 }],
    ['count over 256', { count: 257 }, { type: ERROR_CODE.RangeError, rangeErrorMin: 1, rangeErrorMax: 256 }],
    ['window past the end', { offset: 4000, count: 97 }, { type: ERROR_CODE.RangeError, rangeErrorMin: 1, rangeErrorMax: 96 }],
    ['occupied slot', { offset: 10, type: OBJECT_TYPE_NUMBER.Untyped, size: 29 }, { type: ERROR_CODE.DeleteFirst }],
    ['not enough memory', { type: OBJECT_TYPE_NUMBER.Untyped, size: 21 }, { type: ERROR_CODE.NotEnoughMemory, memoryLeft: 2 ** 20 }],
  ];
  for (const [name, args, expected, opts] of cases) {
    test(name, () => {
      const k = bootImpl();
      expect(retypeCall(k, RAM_UT, args, opts)).toBe(EXCEPTION_SYSCALL_ERROR);
      expect(k.currentSyscallError).toMatchObject(expected);
    });
  }

  test('no extra cap: TruncatedMessage', () => {
    const k = bootImpl();
    expect(retypeCall(k, RAM_UT, {}, { extra: 0 })).toBe(EXCEPTION_SYSCALL_ERROR);
    expect(k.currentSyscallError.type).toBe(ERROR_CODE.TruncatedMessage);
  });

  test('lookup faults: guard mismatch, missing capability', () => {
    const k = bootImpl();
    retypeCall(k, RAM_UT, { depth: 12 });
    expect(k.currentLookupFaultW0 & 3).toBe(3);
    retypeCall(k, RAM_UT, { index: INITIAL_CAP.CapIRQControl, depth: 32, offset: 5000 });
    expect(k.currentLookupFaultW0).toBe((32 << 2) | 1);
    retypeCall(k, RAM_UT, {}, { extra: slotPtr(INITIAL_CAP.CapDomain) });
    expect(k.currentLookupFaultW0).toBe(1);
  });

  test('device untyped: kernel objects refused, after the memory check', () => {
    const k = bootImpl();
    for (const t of ['TCB', 'Endpoint', 'Notification', 'CapTable', 'PageDirectory', 'PageTable'] as const) {
      expect(retypeCall(k, DEV_UT, { type: OBJECT_TYPE_NUMBER[t], size: typeSize[t] })).toBe(EXCEPTION_SYSCALL_ERROR);
      expect(k.currentSyscallError).toMatchObject({ type: ERROR_CODE.InvalidArgument, invalidArgumentNumber: 1 });
    }
    retype(k, DEV_UT, { type: OBJECT_TYPE_NUMBER.Section, count: 15 });
    expect(retypeCall(k, DEV_UT, { type: OBJECT_TYPE_NUMBER.CapTable, size: 15, offset: FIRST_FREE + 15, count: 3 })).toBe(EXCEPTION_SYSCALL_ERROR);
    expect(k.currentSyscallError).toMatchObject({ type: ERROR_CODE.NotEnoughMemory, memoryLeft: 2 ** 20 });
  });
});

describe('reset with preemption', () => {
  test('a preempted reset resumes at the chunk it reached', () => {
    const clean = bootImpl();
    retype(clean, RAM_UT, { type: OBJECT_TYPE_NUMBER.LargePage, count: 2 });
    const k = bootImpl();
    k.irq.setPending(29);
    let rounds = 0;
    for (;;) {
      const status = retypeCall(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.LargePage, count: 2 });
      if (status === EXCEPTION_NONE) break;
      expect(status).toBe(EXCEPTION_PREEMPTED);
      rounds++;
      expect(freeIndexBytes(k, RAM_UT)).toBe(2 ** 20 - rounds * 100 * 256);
      expect(capType(k, FIRST_FREE)).toBe(C.CAP_NULL);
    }
    expect(rounds).toBe(40);
    for (let i = 0; i < 2; i++) expect(k.readCap(slotPtr(FIRST_FREE + i))).toEqual(clean.readCap(slotPtr(FIRST_FREE + i)));
    expect(freeIndexBytes(k, RAM_UT)).toBe(freeIndexBytes(clean, RAM_UT));
  });

  test.prop([fc.integer({ min: 1, max: 2 ** 16 }), fc.integer({ min: 0, max: 99 }), fc.boolean()])(
    'batched chunks end as the C loop: free index, work units, preemption',
    (freeUnits, units, pending) => {
      const k = bootImpl();
      const slot = slotPtr(RAM_UT);
      k.mem.write32(slot + 4, C.untypedCapSetCapFreeIndex(k.mem.read32(slot + 4), freeUnits));
      k.ksWorkUnitsCompleted = units;
      if (pending) k.irq.setPending(29);
      // The C loop, one chunk at a time.
      let w = units;
      let expectFree = 0;
      let expectPreempt = false;
      for (let off = Math.floor((freeUnits * 16 - 1) / 256) * 256; off >= 0; off -= 256) {
        expectFree = off;
        w++;
        if (w >= 100) {
          w = 0;
          if (pending) {
            expectPreempt = true;
            break;
          }
        }
      }
      const status = resetUntypedCap(k, slot);
      expect(status === EXCEPTION_PREEMPTED).toBe(expectPreempt);
      expect(freeIndexBytes(k, RAM_UT)).toBe(expectFree);
      expect(k.ksWorkUnitsCompleted).toBe(w);
    },
  );
});

describe('through callKernel, as the root task calls it', () => {
  // A Call of Retype with the CPtrs of the boot CSpace (CPtr n = slot n), as libsel4 packs it.
  function call(k: Kernel, ut: number, args: Partial<RetypeArgs>): { label: number; mrs: number[] } {
    const a = { ...ARGS, ...args };
    const t = k.ksCurThread;
    [a.type, a.size, a.index, a.depth, a.offset, a.count].forEach((v, i) => {
      if (i < 4) k.setRegister(t, MSG_REGISTERS[i]!, v);
      else k.mem.write32(IPC_BUF + 4 * (i + 1), v);
    });
    k.mem.write32(IPC_BUF + 4 * 122, INITIAL_CAP.CapInitThreadCNode);
    k.setRegister(t, Reg.R0, ut);
    k.setRegister(t, Reg.R1, (LABEL.UntypedRetype << 12) | (1 << 7) | 6);
    k.callKernel({ kind: 'Syscall', syscall: 'SysCall' });
    const info = k.getRegister(t, Reg.R1);
    return { label: info >>> 12, mrs: MSG_REGISTERS.slice(0, info & 0x7f).map((r) => k.getRegister(t, r)) };
  }

  test('success replies with label 0; errors with their code and MRs', () => {
    const k = bootImpl();
    expect(call(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.TCB, count: 2 })).toEqual({ label: 0, mrs: [] });
    expect(capType(k, FIRST_FREE + 1)).toBe(C.CAP_THREAD);
    expect(call(k, RAM_UT, { count: 300, offset: FIRST_FREE + 2 })).toEqual({ label: ERROR_CODE.RangeError, mrs: [1, 256] });
    expect(call(k, RAM_UT, { offset: FIRST_FREE })).toEqual({ label: ERROR_CODE.DeleteFirst, mrs: [] });
    expect(call(k, RAM_UT, { depth: 12 })).toEqual({ label: ERROR_CODE.FailedLookup, mrs: [0, 4, 12, 0] });
  });

  test('a preempted Retype handles the interrupt and restarts the call', () => {
    const k = bootImpl();
    k.irq.setPending(29);
    const t = k.ksCurThread;
    call(k, RAM_UT, { type: OBJECT_TYPE_NUMBER.Endpoint });
    expect(tcbGetState(k.mem, t)).toBe(1); // Running again, at the trapping instruction
    expect(capType(k, FIRST_FREE)).toBe(C.CAP_NULL);
    expect(freeIndexBytes(k, RAM_UT)).toBe(2 ** 20 - 100 * 256);
    k.setRegister(t, Reg.R1, (LABEL.UntypedRetype << 12) | (1 << 7) | 6);
    k.callKernel({ kind: 'Syscall', syscall: 'SysCall' });
    expect(capType(k, FIRST_FREE)).toBe(C.CAP_ENDPOINT);
    expect(k.getRegister(t, Reg.R1) >>> 12).toBe(0);
  });
});
