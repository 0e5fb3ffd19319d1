// seL4_Untyped_Retype on the spec (spec/object/untyped.ts), from the booted state: placement
// and alignment of every object type, fan-out, free index, caps in slot order and their CDT
// order, every error in seL4's order, reset with preemption, device untypeds.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Map as PMap } from 'immutable';
import { MAX_NUM_WORK_UNITS_PER_PREEMPTION, RESET_CHUNK_BITS } from '../../../abi/config.js';
import { decodeBootInfo, DEFAULT_BOOT_PARAMS, INITIAL_CAP, type BootInfo } from '../../../abi/bootinfo.js';
import { OBJECT_TYPES, OBJECT_TYPE_NUMBER, type ObjectType } from '../../../abi/objecttype.js';
import type { InvocationLabel } from '../../../abi/labels.js';
import { bootSpec } from '../../../spec/boot.js';
import { bootLayout } from '../../../spec/boot/layout.js';
import { cdtChildren, cdtParent } from '../../../spec/kernel/cdt.js';
import { getCap, isOriginal, setCap } from '../../../spec/kernel/cspace-access.js';
import { preemptionPoint } from '../../../spec/kernel/preemption.js';
import { decodeUntypedInvocation, invokeUntyped, resetUntypedCap } from '../../../spec/object/untyped.js';
import { objBitsAPI } from '../../../spec/object/untyped/default-object.js';
import type { Cap, CapOf } from '../../../spec/state/cap.js';
import type { CSlot } from '../../../spec/state/cslot.js';
import type { SyscallError } from '../../../spec/state/exceptions.js';
import type { KernelState } from '../../../spec/state/kernel-state.js';

const S0 = bootSpec();
const LAYOUT = bootLayout(DEFAULT_BOOT_PARAMS);
const CNODE = LAYOUT.rootserver.cnode;
const BI: BootInfo = decodeBootInfo(S0.machine.memory.get(LAYOUT.rootserver.bootInfo / 4096)!);
const FIRST_FREE = BI.empty.start;

const slot = (index: number): CSlot => ({ obj: CNODE, index });

/** Slot of the first boot untyped matching `pred`. */
function untypedSlot(pred: (bits: number, isDevice: boolean, paddr: number) => boolean): CSlot {
  const i = BI.untypedList.findIndex((u) => pred(u.sizeBits, u.isDevice, u.paddr));
  if (i < 0) throw new Error('no such untyped');
  return slot(BI.untyped.start + i);
}

/** A 1 MiB RAM untyped at 0x10100000, a 128 MiB one at 0x18000000, a 16 MiB device untyped at 0x1000000. */
const RAM_UT = untypedSlot((b, d, p) => !d && b === 20 && p === 0x10100000);
const BIG_UT = untypedSlot((b, d, p) => !d && b === 27 && p === 0x18000000);
const DEV_UT = untypedSlot((b, d) => d && b === 24);

interface RetypeArgs {
  type: number; size: number; index: number; depth: number; offset: number; count: number;
}
const ARGS: RetypeArgs = { type: OBJECT_TYPE_NUMBER.Endpoint, size: 0, index: 0, depth: 0, offset: FIRST_FREE, count: 1 };
const words = (a: RetypeArgs): number[] => [a.type, a.size, a.index, a.depth, a.offset, a.count];
const rootExtra = (s: KernelState) => [{ cap: getCap(s, slot(INITIAL_CAP.CapInitThreadCNode)), slot: slot(INITIAL_CAP.CapInitThreadCNode) }];

function untypedAt(s: KernelState, at: CSlot): CapOf<'UntypedCap'> {
  const c = getCap(s, at);
  if (c.kind !== 'UntypedCap') throw new Error('not an untyped');
  return c;
}

function decode(s: KernelState, at: CSlot, args: Partial<RetypeArgs> = {}, opts: {
  label?: InvocationLabel; words?: number[]; extra?: { cap: Cap; slot: CSlot }[];
} = {}) {
  return decodeUntypedInvocation(s, opts.label ?? 'UntypedRetype', opts.words ?? words({ ...ARGS, ...args }),
    at, untypedAt(s, at), opts.extra ?? rootExtra(s));
}

/** Decodes and performs a Retype that must succeed and complete. */
function retype(s: KernelState, at: CSlot, args: Partial<RetypeArgs>): KernelState {
  const d = decode(s, at, args);
  if (!d.ok) throw new Error(`decode failed: ${JSON.stringify(d.error)}`);
  const r = invokeUntyped(s, d.value);
  expect(r.preempted).toBe(false);
  return r.state;
}

function errorOf(s: KernelState, at: CSlot, args: Partial<RetypeArgs>, opts = {}): SyscallError {
  const d = decode(s, at, args, opts);
  if (d.ok) throw new Error('decode succeeded');
  return d.error;
}

const typeSize: Record<ObjectType, number> = {
  Untyped: 12, TCB: 0, Endpoint: 0, Notification: 0, CapTable: 3, PageDirectory: 0, SmallPage: 0,
  LargePage: 0, Section: 0, SuperSection: 0, PageTable: 0,
};

describe('Retype places objects as seL4 does', () => {
  for (const type of OBJECT_TYPES) {
    test(`three ${type} objects from a fresh RAM untyped`, () => {
      const ut = untypedAt(S0, BIG_UT);
      const userSize = typeSize[type];
      const bits = objBitsAPI(type, userSize);
      const s = retype(S0, BIG_UT, { type: OBJECT_TYPE_NUMBER[type], size: userSize, count: 3 });
      // The first Retype resets the untyped: objects are packed from its base.
      expect(untypedAt(s, BIG_UT).freeIndex).toBe(3 * 2 ** bits);
      const caps = [0, 1, 2].map((i) => getCap(s, slot(FIRST_FREE + i)));
      caps.forEach((c, i) => {
        expect(c.kind).not.toBe('NullCap');
        expect('ptr' in c ? c.ptr : 'tcb' in c ? c.tcb : -1).toBe(ut.ptr + i * 2 ** bits);
        expect(cdtParent(s, slot(FIRST_FREE + i))).toEqual(BIG_UT);
        expect(isOriginal(s, slot(FIRST_FREE + i))).toBe(true);
      });
      // det_ext: each new cap goes to the front of the untyped's child list.
      expect(cdtChildren(s, BIG_UT)).toEqual([slot(FIRST_FREE + 2), slot(FIRST_FREE + 1), slot(FIRST_FREE)]);
      for (let i = 0; i < 3; i++) {
        const obj = s.kheap.get(ut.ptr + i * 2 ** bits);
        if (type === 'Untyped') expect(obj).toBeUndefined();
        else expect(obj).toBeDefined();
      }
    });
  }

  test('default objects and caps', () => {
    const s = retype(S0, RAM_UT, { type: OBJECT_TYPE_NUMBER.TCB, count: 1 });
    const tcb = s.kheap.get(untypedAt(S0, RAM_UT).ptr);
    expect(tcb).toMatchObject({ kind: 'TCB', state: { kind: 'Inactive' }, priority: 0, mcp: 0, domain: 0, timeSlice: 5, ipcBuffer: 0 });
    expect(tcb?.kind === 'TCB' && tcb.context[16]).toBe(0x150);
    const s2 = retype(S0, RAM_UT, { type: OBJECT_TYPE_NUMBER.Notification, count: 1 });
    expect(getCap(s2, slot(FIRST_FREE))).toMatchObject({ kind: 'NotificationCap', badge: 0, rights: { read: true, write: true, grant: false, grantReply: false } });
    const s3 = retype(S0, RAM_UT, { type: OBJECT_TYPE_NUMBER.CapTable, size: 4, count: 1 });
    expect(getCap(s3, slot(FIRST_FREE))).toEqual({ kind: 'CNodeCap', ptr: 0x10100000, bits: 4, guard: { value: 0, size: 0 } });
    const s4 = retype(S0, RAM_UT, { type: OBJECT_TYPE_NUMBER.Untyped, size: 10, count: 1 });
    expect(getCap(s4, slot(FIRST_FREE))).toEqual({ kind: 'UntypedCap', isDevice: false, ptr: 0x10100000, sizeBits: 10, freeIndex: 0 });
  });

  test('a new TCB takes the current domain', () => {
    const s = retype({ ...S0, curDomain: 3 }, RAM_UT, { type: OBJECT_TYPE_NUMBER.TCB });
    expect(s.kheap.get(0x10100000)).toMatchObject({ domain: 3 });
  });

  test('a later Retype aligns up from the free index and keeps earlier children', () => {
    const s1 = retype(S0, RAM_UT, { type: OBJECT_TYPE_NUMBER.Endpoint, count: 1 });
    const s2 = retype(s1, RAM_UT, { type: OBJECT_TYPE_NUMBER.TCB, offset: FIRST_FREE + 1, count: 2 });
    expect(getCap(s2, slot(FIRST_FREE + 1))).toEqual({ kind: 'ThreadCap', tcb: 0x10100200 });
    expect(getCap(s2, slot(FIRST_FREE + 2))).toEqual({ kind: 'ThreadCap', tcb: 0x10100400 });
    expect(untypedAt(s2, RAM_UT).freeIndex).toBe(0x600);
    expect(s2.kheap.get(0x10100000)?.kind).toBe('Endpoint');
    expect(cdtChildren(s2, RAM_UT)).toEqual([slot(FIRST_FREE + 2), slot(FIRST_FREE + 1), slot(FIRST_FREE)]);
  });

  test('fan-out: 256 objects at once, into a CNode found by lookup', () => {
    const s1 = retype(S0, RAM_UT, { type: OBJECT_TYPE_NUMBER.CapTable, size: 8, count: 1 });
    // The new CNode (radix 8, no guard) sits in slot FIRST_FREE; a 32-bit lookup names it.
    const s2 = retype(s1, RAM_UT, { type: OBJECT_TYPE_NUMBER.Endpoint, index: FIRST_FREE, depth: 32, offset: 0, count: 256 });
    const sub = 0x10100000;
    expect(getCap(s2, { obj: sub, index: 255 })).toMatchObject({ kind: 'EndpointCap', ptr: sub + 4096 + 255 * 16 });
    expect(cdtChildren(s2, RAM_UT).length).toBe(257);
  });

  test('page directories get the global mappings; frames start zeroed', () => {
    const withKernelPDE = {
      ...S0,
      kheap: S0.kheap.set(S0.arch.globalPD, {
        kind: 'PageDirectory' as const,
        entries: PMap([[0xe00, { kind: 'InvalidPDE' as const }], [0x123, { kind: 'InvalidPDE' as const }]]),
      }),
    };
    const s = retype(withKernelPDE, RAM_UT, { type: OBJECT_TYPE_NUMBER.PageDirectory });
    const pd = s.kheap.get(0x10100000);
    expect(pd?.kind === 'PageDirectory' && [...pd.entries.keys()]).toEqual([0xe00]);
  });

  test('reset zeroes the memory of a RAM untyped and removes the objects in it', () => {
    const dirty = { ...S0, machine: { ...S0.machine, memory: S0.machine.memory.set(0x10100000 / 4096 + 3, new Uint8Array(4096).fill(7)) } };
    const s = retype(dirty, RAM_UT, { type: OBJECT_TYPE_NUMBER.SmallPage });
    expect(s.machine.memory.has(0x10100000 / 4096 + 3)).toBe(false);
  });
});

describe('device untypeds', () => {
  test('only frames and untypeds', () => {
    for (const type of ['TCB', 'Endpoint', 'Notification', 'CapTable', 'PageDirectory', 'PageTable'] as const) {
      expect(errorOf(S0, DEV_UT, { type: OBJECT_TYPE_NUMBER[type], size: typeSize[type] })).toEqual({ kind: 'InvalidArgument', index: 1 });
    }
    const s = retype(S0, DEV_UT, { type: OBJECT_TYPE_NUMBER.Section, count: 2 });
    expect(getCap(s, slot(FIRST_FREE + 1))).toMatchObject({ kind: 'FrameCap', isDevice: true, size: 'ARMSection', ptr: 0x1100000 });
    expect(s.kheap.get(0x1100000)).toEqual({ kind: 'DataPage', isDevice: true, size: 'ARMSection' });
    const s2 = retype(S0, DEV_UT, { type: OBJECT_TYPE_NUMBER.Untyped, size: 20 });
    expect(getCap(s2, slot(FIRST_FREE))).toMatchObject({ kind: 'UntypedCap', isDevice: true, sizeBits: 20 });
  });

  test('a device reset is one step, whatever is pending', () => {
    const pending = { ...S0, machine: { ...S0.machine, irqPending: [29] }, workUnitsCompleted: 99 };
    const r = resetUntypedCap(pending, DEV_UT);
    expect(r.preempted).toBe(false);
    expect(untypedAt(r.state, DEV_UT).freeIndex).toBe(0);
    expect(r.state.workUnitsCompleted).toBe(99);
  });
});

describe('errors, in seL4 order', () => {
  const at = RAM_UT;
  const cases: [string, Partial<RetypeArgs>, SyscallError, object?][] = [
    ['wrong label before anything', { type: 99 }, { kind: 'IllegalOperation' }, { label: 'CNodeCopy' }],
    ['too few words', { type: 99 }, { kind: 'TruncatedMessage' }, { words: [99, 0, 0, 0, 0] }],
    ['no extra cap', { type: 99 }, { kind: 'TruncatedMessage' }, { extra: [] }],
    ['unknown type before size', { type: 11, size: 40 }, { kind: 'InvalidArgument', index: 0 }],
    ['huge type word', { type: 0xffffffff }, { kind: 'InvalidArgument', index: 0 }],
    ['size word ≥ 32 even for a fixed-size type', { type: OBJECT_TYPE_NUMBER.TCB, size: 32 }, { kind: 'RangeError', min: 0, max: 29 }],
    ['untyped over 2^29', { type: OBJECT_TYPE_NUMBER.Untyped, size: 30 }, { kind: 'RangeError', min: 0, max: 29 }],
    ['CNode over 2^29 bytes', { type: OBJECT_TYPE_NUMBER.CapTable, size: 26 }, { kind: 'RangeError', min: 0, max: 29 }],
    ['CNode of radix 0', { type: OBJECT_TYPE_NUMBER.CapTable, size: 0, offset: 5000 }, { kind: 'InvalidArgument', index: 1 }],
    ['untyped under 16 bytes', { type: OBJECT_TYPE_NUMBER.Untyped, size: 3, depth: 40 }, { kind: 'InvalidArgument', index: 1 }],
    ['depth over 32 (lookup)', { depth: 33, offset: 5000 }, { kind: 'RangeError', min: 1, max: 32 }],
    ['guard mismatch (lookup)', { depth: 12 }, { kind: 'FailedLookup', source: false, failure: { kind: 'GuardMismatch', bitsLeft: 12, guardFound: 0, guardSize: 20 } }],
    ['destination not a CNode', { index: INITIAL_CAP.CapIRQControl, depth: 32, offset: 5000 }, { kind: 'FailedLookup', source: false, failure: { kind: 'MissingCapability', bitsLeft: 32 } }],
    ['offset past the CNode', { offset: 4096, count: 0 }, { kind: 'RangeError', min: 0, max: 4095 }],
    ['count 0', { count: 0 }, { kind: 'RangeError', min: 1, max: 256 }],
    ['count over the fan-out limit', { count: 257 }, { kind: 'RangeError', min: 1, max: 256 }],
    ['window past the end of the CNode', { offset: 4000, count: 97 }, { kind: 'RangeError', min: 1, max: 96 }],
    ['occupied destination slot', { offset: 10, count: 1, type: OBJECT_TYPE_NUMBER.Untyped, size: 29 }, { kind: 'DeleteFirst' }],
    ['not enough memory (free bytes of a reset untyped)', { type: OBJECT_TYPE_NUMBER.Untyped, size: 21 }, { kind: 'NotEnoughMemory', bytes: 2 ** 20 }],
  ];
  for (const [name, args, expected, opts] of cases) {
    test(name, () => {
      expect(errorOf(S0, at, args, opts)).toEqual(expected);
    });
  }

  test('depth 0 with a root that is no CNode cap: MissingCapability 0', () => {
    const extra = [{ cap: getCap(S0, slot(INITIAL_CAP.CapDomain)), slot: slot(INITIAL_CAP.CapDomain) }];
    expect(errorOf(S0, at, {}, { extra })).toEqual({ kind: 'FailedLookup', source: false, failure: { kind: 'MissingCapability', bitsLeft: 0 } });
  });

  test('NotEnoughMemory before the device check, with the bytes left after earlier objects', () => {
    const s = retype(S0, DEV_UT, { type: OBJECT_TYPE_NUMBER.Section, count: 15 });
    expect(errorOf(s, DEV_UT, { type: OBJECT_TYPE_NUMBER.TCB, offset: FIRST_FREE + 15, count: 2 })).toEqual({ kind: 'InvalidArgument', index: 1 });
    expect(errorOf(s, DEV_UT, { type: OBJECT_TYPE_NUMBER.Section, offset: FIRST_FREE + 15, count: 2 })).toEqual({ kind: 'NotEnoughMemory', bytes: 2 ** 20 });
    // Three 512 KiB CNodes do not fit the MiB left: memory is checked before the device rule.
    expect(errorOf(s, DEV_UT, { type: OBJECT_TYPE_NUMBER.CapTable, size: 15, offset: FIRST_FREE + 15, count: 3 })).toEqual({ kind: 'NotEnoughMemory', bytes: 2 ** 20 });
  });
});

describe('reset with preemption', () => {
  const pendingTimer = (s: KernelState): KernelState => ({ ...s, machine: { ...s.machine, irqPending: [29] } });

  test('a preempted reset resumes where it stopped and ends as an uninterrupted one', () => {
    const clean = retype(S0, RAM_UT, { type: OBJECT_TYPE_NUMBER.LargePage, count: 2 });
    let s = pendingTimer(S0);
    let rounds = 0;
    for (;;) {
      const d = decode(s, RAM_UT, { type: OBJECT_TYPE_NUMBER.LargePage, count: 2 });
      expect(d.ok && d.value.reset).toBe(true);
      if (!d.ok) return;
      const r = invokeUntyped(s, d.value);
      s = r.state;
      if (!r.preempted) break;
      rounds++;
      // 100 chunks of 256 bytes per interruption, from the top down.
      expect(untypedAt(s, RAM_UT).freeIndex).toBe(2 ** 20 - rounds * 100 * 256);
      expect(getCap(s, slot(FIRST_FREE)).kind).toBe('NullCap');
    }
    expect(rounds).toBe(Math.floor(4096 / 100));
    expect({ ...s, machine: { ...s.machine, irqPending: [] }, workUnitsCompleted: 0 })
      .toEqual({ ...clean, workUnitsCompleted: 0 });
  });

  test('a masked pending line does not preempt', () => {
    const s = { ...S0, machine: { ...S0.machine, irqPending: [40] } };
    expect(resetUntypedCap(s, RAM_UT).preempted).toBe(false);
  });

  // The chunk loop of l4v's reset_untyped_cap, one chunk at a time, with the spec's own
  // preemption point: the reference the closed form in spec/object/untyped.ts must match.
  function resetByChunks(s: KernelState, at: CSlot): { state: KernelState; preempted: boolean } {
    const cap = untypedAt(s, at);
    const chunk = 2 ** RESET_CHUNK_BITS;
    let st = s;
    for (let i = Math.ceil(cap.freeIndex / chunk) - 1; i >= 0; i--) {
      st = setCap(st, at, { ...cap, freeIndex: i * chunk });
      const p = preemptionPoint(st);
      st = p.state;
      if (p.preempted) return { state: st, preempted: true };
    }
    return { state: setCap(st, at, { ...cap, freeIndex: 0 }), preempted: false };
  }

  test.prop([
    fc.integer({ min: 1, max: 2 ** 17 }), fc.integer({ min: 0, max: MAX_NUM_WORK_UNITS_PER_PREEMPTION - 1 }), fc.boolean(),
  ])('the reset matches the chunk-by-chunk loop (free index, work units, preemption)', (freeIndex, units, pending) => {
    const base = setCap(S0, RAM_UT, { ...untypedAt(S0, RAM_UT), freeIndex });
    const s = { ...base, workUnitsCompleted: units, machine: { ...base.machine, irqPending: pending ? [29] : [] } };
    const ref = resetByChunks(s, RAM_UT);
    const got = resetUntypedCap(s, RAM_UT);
    expect(got.preempted).toBe(ref.preempted);
    expect(untypedAt(got.state, RAM_UT).freeIndex).toBe(untypedAt(ref.state, RAM_UT).freeIndex);
    expect(got.state.workUnitsCompleted).toBe(ref.state.workUnitsCompleted);
  });
});

describe('properties', () => {
  test.prop([
    fc.constantFrom(...OBJECT_TYPES), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 1, max: 8 }),
    fc.array(fc.constantFrom(...OBJECT_TYPES), { maxLength: 3 }),
  ])('after any sequence of Retypes objects are aligned, disjoint, inside the untyped and below its free index', (type, size, count, before) => {
    let s = S0;
    let offset = FIRST_FREE;
    for (const t of [...before, type]) {
      const userSize = t === 'Untyped' ? Math.max(4, size) : t === 'CapTable' ? Math.max(1, size % 10) : size;
      const d = decode(s, RAM_UT, { type: OBJECT_TYPE_NUMBER[t], size: userSize, offset, count });
      if (!d.ok) continue;
      s = invokeUntyped(s, d.value).state;
      offset += count;
    }
    const ut = untypedAt(s, RAM_UT);
    const regions = cdtChildren(s, RAM_UT).map((c) => {
      const cap = getCap(s, c);
      const ptr = 'ptr' in cap ? cap.ptr : cap.kind === 'ThreadCap' ? cap.tcb : -1;
      const bits = cap.kind === 'UntypedCap' ? cap.sizeBits : cap.kind === 'CNodeCap' ? cap.bits + 4
        : cap.kind === 'ThreadCap' ? 9 : cap.kind === 'FrameCap' ? { ARMSmallPage: 12, ARMLargePage: 16, ARMSection: 20, ARMSuperSection: 24 }[cap.size]
          : cap.kind === 'PageTableCap' ? 10 : cap.kind === 'PageDirectoryCap' ? 14 : 4;
      return { ptr, bits };
    }).sort((a, b) => a.ptr - b.ptr);
    for (const [i, r] of regions.entries()) {
      expect(r.ptr % 2 ** r.bits).toBe(0);
      expect(r.ptr).toBeGreaterThanOrEqual(ut.ptr);
      expect(r.ptr + 2 ** r.bits).toBeLessThanOrEqual(ut.ptr + ut.freeIndex);
      const next = regions[i + 1];
      if (next !== undefined) expect(r.ptr + 2 ** r.bits).toBeLessThanOrEqual(next.ptr);
    }
  });
});
