// The spec's boot and the implementation's boot agree on the key facts, compared field by
// field without the abstraction function: the objects and where they are, the caps in the
// root CNode, the CDT of the root TCB's caps, the bootinfo bytes, the threads, IRQs, ASIDs
// and mappings, the user memory. Then Retypes from the booted states agree too.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ERROR_CODE } from '../../abi/errors.js';
import { LABEL } from '../../abi/labels.js';
import { bootParams, decodeBootInfo, DEFAULT_BOOT_PARAMS, INITIAL_CAP, type BootParams } from '../../abi/bootinfo.js';
import { OBJECT_TYPES } from '../../abi/objecttype.js';
import { boardWithRam, SABRE_LITE } from '../../hardware/board.js';
import { MSG_REGISTERS } from '../../hardware/registers.js';
import {
  pdeCoarseAddress, pdeIsSuperSection, pdeSectionAddress, pdeSuperSectionAddress, pdeType, PDE_TYPE_COARSE, PDE_TYPE_SECTION,
  pteSmallAddress, pteXN,
} from '../../hardware/descriptors.js';
import { bootImpl } from '../../impl/boot.js';
import { KERNEL_PD_INDEX } from '../../spec/arch/arm/vspace-acc.js';
import { EXCEPTION_NONE } from '../../impl/kernel/failures.js';
import type { Kernel } from '../../impl/kernel/kernel.js';
import { IRQ_TIMER } from '../../impl/kernel/statedata.js';
import * as A from '../../impl/object/arch-cap.js';
import * as C from '../../impl/object/cap.js';
import { cteGetPrev } from '../../impl/object/mdb.js';
import { TCB_OFFSET, tcbGet, TCB_DOMAIN, TCB_IPC_BUFFER, TCB_MCP, TCB_PRIORITY, TCB_TIME_SLICE } from '../../impl/object/tcb-layout.js';
import { decodeUntypedInvocation as implDecode } from '../../impl/object/untyped.js';
import { bootSpec } from '../../spec/boot.js';
import { getCap } from '../../spec/kernel/cspace-access.js';
import { decodeUntypedInvocation as specDecode, invokeUntyped } from '../../spec/object/untyped.js';
import type { Cap } from '../../spec/state/cap.js';
import { slotKey } from '../../spec/state/cslot.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { SyscallError } from '../../spec/state/exceptions.js';

const FRAME_BITS: Record<string, number> = { ARMSmallPage: 12, ARMLargePage: 16, ARMSection: 20, ARMSuperSection: 24 };

/** The key fields of a spec cap, as a string. */
function specCapKey(c: Cap): string {
  switch (c.kind) {
    case 'NullCap': return 'null';
    case 'UntypedCap': return `untyped ${c.ptr} ${c.sizeBits} ${c.isDevice} ${c.freeIndex}`;
    case 'EndpointCap': return `ep ${c.ptr} ${c.badge} ${+c.rights.write}${+c.rights.read}${+c.rights.grant}${+c.rights.grantReply}`;
    case 'NotificationCap': return `ntfn ${c.ptr} ${c.badge} ${+c.rights.write}${+c.rights.read}`;
    case 'CNodeCap': return `cnode ${c.ptr} ${c.bits} ${c.guard.size} ${c.guard.value}`;
    case 'ThreadCap': return `thread ${c.tcb}`;
    case 'PageDirectoryCap': return `pd ${c.ptr} ${c.asid ?? 0}`;
    case 'PageTableCap': return `pt ${c.ptr} ${c.mapping === null ? '-' : `${c.mapping.asid} ${c.mapping.vaddr}`}`;
    case 'FrameCap': return `frame ${c.ptr} ${FRAME_BITS[c.size]} ${c.isDevice} ${c.rights} ${c.mapping === null ? '-' : `${c.mapping.asid} ${c.mapping.vaddr}`}`;
    case 'ASIDPoolCap': return `pool ${c.ptr} ${c.asidBase}`;
    case 'ASIDControlCap': return 'asidcontrol';
    case 'IRQControlCap': return 'irqcontrol';
    case 'DomainCap': return 'domain';
    default: return `other ${c.kind}`;
  }
}

const VM_RIGHTS = ['VMNoAccess', 'VMKernelOnly', 'VMReadOnly', 'VMReadWrite'];

/** The same key fields read from a cap's words in the implementation. */
function implCapKey(w0: number, w1: number): string {
  switch (C.capGetCapType(w0)) {
    case C.CAP_NULL: return 'null';
    case C.CAP_UNTYPED:
      return `untyped ${C.untypedCapGetCapPtr(w0)} ${C.untypedCapGetCapBlockSize(w1)} ${C.untypedCapGetCapIsDevice(w1) === 1} ${C.untypedCapGetCapFreeIndex(w1) * 16}`;
    case C.CAP_ENDPOINT:
      return `ep ${C.endpointCapGetCapEPPtr(w1)} ${C.endpointCapGetCapEPBadge(w0)} ${C.endpointCapGetCapCanSend(w1)}${C.endpointCapGetCapCanReceive(w1)}${C.endpointCapGetCapCanGrant(w1)}${C.endpointCapGetCapCanGrantReply(w1)}`;
    case C.CAP_NOTIFICATION:
      return `ntfn ${C.notificationCapGetCapNtfnPtr(w0)} ${C.notificationCapGetCapNtfnBadge(w1)} ${C.notificationCapGetCapNtfnCanSend(w1)}${C.notificationCapGetCapNtfnCanReceive(w1)}`;
    case C.CAP_CNODE:
      return `cnode ${C.cnodeCapGetCapCNodePtr(w0)} ${C.cnodeCapGetCapCNodeRadix(w1)} ${C.cnodeCapGetCapCNodeGuardSize(w1)} ${C.cnodeCapGetCapCNodeGuard(w1)}`;
    case C.CAP_THREAD: return `thread ${C.threadCapGetCapTCBPtr(w0) - TCB_OFFSET}`;
    case C.CAP_PAGE_DIRECTORY: return `pd ${A.pageDirectoryCapGetCapPDBasePtr(w0)} ${A.pageDirectoryCapGetCapPDMappedASID(w1)}`;
    case C.CAP_PAGE_TABLE:
      return `pt ${A.pageTableCapGetCapPTBasePtr(w0)} ${A.pageTableCapGetCapPTIsMapped(w1) === 0 ? '-' : `${A.pageTableCapGetCapPTMappedASID(w1)} ${A.pageTableCapGetCapPTMappedAddress(w1)}`}`;
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME: {
      const asid = A.genericFrameCapGetCapFMappedASID(w0, w1);
      return `frame ${A.genericFrameCapGetCapFBasePtr(w0)} ${A.pageBitsForSize(A.genericFrameCapGetCapFSize(w0, w1))} ${A.genericFrameCapGetCapFIsDevice(w0) === 1} ${VM_RIGHTS[A.genericFrameCapGetCapFVMRights(w0, w1)]} ${asid === 0 ? '-' : `${asid} ${A.genericFrameCapGetCapFMappedAddress(w0, w1)}`}`;
    }
    case C.CAP_ASID_POOL: return `pool ${A.asidPoolCapGetCapASIDPool(w0)} ${A.asidPoolCapGetCapASIDBase(w1)}`;
    case C.CAP_ASID_CONTROL: return 'asidcontrol';
    case C.CAP_IRQ_CONTROL: return 'irqcontrol';
    case C.CAP_DOMAIN: return 'domain';
    default: return `other ${C.capGetCapType(w0)}`;
  }
}

/** The kind and size of every spec object, as the ghost table names them. */
function specObjects(s: KernelState): Map<number, string> {
  const out = new Map<number, string>();
  for (const [addr, o] of s.kheap) {
    switch (o.kind) {
      case 'CNode': out.set(addr, `CapTable ${o.bits + 4}`); break;
      case 'TCB': out.set(addr, 'TCB 9'); break;
      case 'Endpoint': out.set(addr, 'Endpoint 4'); break;
      case 'Notification': out.set(addr, 'Notification 4'); break;
      case 'PageDirectory': out.set(addr, 'PageDirectory 14'); break;
      case 'PageTable': out.set(addr, 'PageTable 10'); break;
      case 'ASIDPool': out.set(addr, 'ASIDPool 12'); break;
      case 'DataPage': out.set(addr, `Frame ${FRAME_BITS[o.size]} ${o.isDevice}`); break;
    }
  }
  return out;
}

function implObjects(k: Kernel): Map<number, string> {
  const out = new Map<number, string>();
  for (const [addr, g] of k.ghost.entries()) out.set(addr, g.kind === 'Frame' ? `Frame ${g.sizeBits} ${g.isDevice}` : `${g.kind} ${g.sizeBits}`);
  return out;
}

const sorted = (m: Map<number, string>): [number, string][] => [...m].sort((a, b) => a[0] - b[0]);

function bootBoth(p: BootParams): { s: KernelState; k: Kernel; cnode: number; tcb: number } {
  const s = bootSpec(p);
  const k = bootImpl(p);
  return { s, k, cnode: C.cnodeCapGetCapCNodePtr(k.mem.read32(k.ksCurThread - TCB_OFFSET)), tcb: s.curThread };
}

const BOOTS: [string, BootParams][] = [
  ['default', DEFAULT_BOOT_PARAMS],
  ['256 MiB board', bootParams({ board: boardWithRam(SABRE_LITE, 256 * 2 ** 20) })],
  ['DTB, large image with contents', bootParams({
    dtb: Uint8Array.from({ length: 9000 }, (_, i) => i & 0xff), userImageSize: 0x180000,
    userImageContents: Uint8Array.from({ length: 0x3000 }, (_, i) => (i * 13) & 0xff), userImageVaddr: 0x8000, entry: 0x8040,
  })],
];

describe('spec boot and impl boot agree', () => {
  for (const [name, p] of BOOTS) {
    describe(name, () => {
      const { s, k, cnode, tcb } = bootBoth(p);

      test('the same objects at the same addresses', () => {
        expect(sorted(implObjects(k))).toEqual(sorted(specObjects(s)));
      });

      test('the same caps in every root CNode slot and TCB slot', () => {
        for (let i = 0; i < 4096; i++) {
          const spec = specCapKey(getCap(s, { obj: cnode, index: i }));
          expect(`${i}: ${implCapKey(k.mem.read32(cnode + 16 * i), k.mem.read32(cnode + 16 * i + 4))}`).toBe(`${i}: ${spec}`);
        }
        for (const i of [0, 1, 4]) {
          const w = tcb + 16 * i;
          expect(implCapKey(k.mem.read32(w), k.mem.read32(w + 4))).toBe(specCapKey(getCap(s, { obj: tcb, index: i })));
        }
      });

      test('the same CDT parents (MDB predecessors)', () => {
        for (const [child, parent] of s.cdt) expect(cteGetPrev(k.mem, child)).toBe(slotKey(parent));
      });

      test('the same bootinfo and user memory', () => {
        for (const [frame, bytes] of s.machine.memory) expect(k.mem.readBytes(frame * 4096, 4096)).toEqual(bytes);
        const bi = decodeBootInfo(s.machine.memory.get(A.genericFrameCapGetCapFBasePtr(k.mem.read32(cnode + 16 * INITIAL_CAP.CapBootInfoFrame)) / 4096)!);
        expect(bi.untyped.end - bi.untyped.start).toBe(bi.untypedList.length);
      });

      test('the same threads, scheduler, IRQs and ASIDs', () => {
        expect(k.ksCurThread - TCB_OFFSET).toBe(s.curThread);
        expect(k.ksIdleThread - TCB_OFFSET).toBe(s.idleThread);
        for (const t of [s.curThread, s.idleThread]) {
          const o = s.kheap.get(t);
          if (o?.kind !== 'TCB') throw new Error('no TCB');
          const p2 = t + TCB_OFFSET;
          expect(o.context).toEqual(Array.from({ length: 20 }, (_, r) => k.getRegister(p2, r)));
          expect([o.priority, o.mcp, o.domain, o.timeSlice, o.ipcBuffer]).toEqual(
            [TCB_PRIORITY, TCB_MCP, TCB_DOMAIN, TCB_TIME_SLICE, TCB_IPC_BUFFER].map((f) => tcbGet(k.mem, p2, f)));
        }
        s.irqStates.forEach((st, irq) => {
          expect(k.intStateIRQTable[irq] === IRQ_TIMER).toBe(st === 'IRQTimer');
          expect(k.irq.isMasked(irq)).toBe(s.machine.irqMasks[irq]);
        });
        expect(k.intStateIRQNode).toBe(s.irqNode);
        expect(k.armKSASIDTable[0]).toBe(s.arch.asidTable.get(0));
        expect(k.armKSGlobalPD).toBe(s.arch.globalPD);
      });

      test('the same page-table and page-directory entries', () => {
        for (const [addr, o] of s.kheap) {
          if (o.kind === 'PageDirectory') {
            for (const [i, pde] of o.entries) {
              const w = k.mem.read32(addr + 4 * i);
              // User page tables below the kernel window; the window's sections and
              // supersections, and its one global page table, above it.
              if (pde.kind === 'PageTablePDE') {
                expect([pdeType(w), pdeCoarseAddress(w)]).toEqual([PDE_TYPE_COARSE, pde.table]);
              } else if (pde.kind === 'SectionPDE' || pde.kind === 'SuperSectionPDE') {
                expect(i).toBeGreaterThanOrEqual(KERNEL_PD_INDEX);
                expect(pdeType(w)).toBe(PDE_TYPE_SECTION);
                expect(pdeIsSuperSection(w)).toBe(pde.kind === 'SuperSectionPDE');
                const frame = pde.kind === 'SuperSectionPDE' ? pdeSuperSectionAddress(w) : pdeSectionAddress(w);
                expect(frame).toBe(pde.frame);
              } else {
                expect(pde.kind).toBe('PageTablePDE');
              }
            }
          }
          if (o.kind === 'PageTable') {
            for (let i = 0; i < 256; i++) {
              const w = k.mem.read32(addr + 4 * i);
              const pte = o.entries.get(i);
              if (pte === undefined) {
                expect(w).toBe(0);
              } else {
                expect(pte.kind === 'SmallPagePTE' && [pte.frame, pte.attributes.executeNever]).toEqual([pteSmallAddress(w), pteXN(w) === 1]);
              }
            }
          }
        }
      });
    });
  }
});

// ---- Retypes from the booted states ----

const BIG = 0x18000000;
const DEVICE_16M = 0x1000000;

function utSlotOf(s: KernelState, cnode: number, paddr: number): number {
  for (let i = 16; i < 4096; i++) {
    const c = getCap(s, { obj: cnode, index: i });
    if (c.kind === 'UntypedCap' && c.ptr === paddr) return i;
  }
  throw new Error('no untyped');
}

function specErrorWords(e: SyscallError): number[] {
  switch (e.kind) {
    case 'InvalidArgument': return [ERROR_CODE.InvalidArgument, e.index];
    case 'RangeError': return [ERROR_CODE.RangeError, e.min, e.max];
    case 'NotEnoughMemory': return [ERROR_CODE.NotEnoughMemory, e.bytes];
    case 'FailedLookup': return [ERROR_CODE.FailedLookup, +e.source];
    default: return [ERROR_CODE[e.kind]];
  }
}

function implErrorWords(k: Kernel): number[] {
  const e = k.currentSyscallError;
  switch (e.type) {
    case ERROR_CODE.InvalidArgument: return [e.type, e.invalidArgumentNumber];
    case ERROR_CODE.RangeError: return [e.type, e.rangeErrorMin, e.rangeErrorMax];
    case ERROR_CODE.NotEnoughMemory: return [e.type, e.memoryLeft];
    case ERROR_CODE.FailedLookup: return [e.type, e.failedLookupWasSource];
    default: return [e.type];
  }
}

let successes = 0;
describe('Retype after boot: spec and impl agree', () => {
  const { s: S0, cnode: CNODE } = bootBoth(DEFAULT_BOOT_PARAMS);
  const slots = [utSlotOf(S0, CNODE, BIG), utSlotOf(S0, CNODE, DEVICE_16M), utSlotOf(S0, CNODE, 0x10100000)];
  const firstFree = slots[0]! + 30;

  const retypeArb = fc.record({
    ut: fc.integer({ min: 0, max: slots.length - 1 }),
    type: fc.oneof(fc.integer({ min: 0, max: OBJECT_TYPES.length - 1 }), fc.constant(11)),
    size: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constant(32)),
    depth: fc.constantFrom(0, 0, 0, 32, 12),
    offset: fc.oneof(fc.integer({ min: firstFree, max: firstFree + 40 }), fc.integer({ min: 0, max: 4100 })),
    count: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 300 })),
  });

  test.prop([fc.array(retypeArb, { minLength: 1, maxLength: 6 })], { numRuns: 60 })(
    'outcomes, errors, caps and objects',
    (calls) => {
      let s = S0;
      const k = bootImpl();
      const buf = A.genericFrameCapGetCapFBasePtr(k.mem.read32(CNODE + 16 * INITIAL_CAP.CapInitThreadIPCBuffer));
      for (const c of calls) {
        const slot = slots[c.ut]!;
        const index = c.depth === 32 ? INITIAL_CAP.CapInitThreadCNode : 0;
        const args = [c.type, c.size, index, c.depth, c.offset, c.count];
        const ucap = getCap(s, { obj: CNODE, index: slot });
        if (ucap.kind !== 'UntypedCap') throw new Error('no untyped');
        const root = { obj: CNODE, index: INITIAL_CAP.CapInitThreadCNode };
        const d = specDecode(s, 'UntypedRetype', args, { obj: CNODE, index: slot }, ucap, [{ cap: getCap(s, root), slot: root }]);
        args.forEach((v, i) => {
          if (i < 4) k.setRegister(k.ksCurThread, MSG_REGISTERS[i]!, v);
          else k.mem.write32(buf + 4 * (i + 1), v);
        });
        k.currentExtraCaps[0] = CNODE + 16 * INITIAL_CAP.CapInitThreadCNode;
        k.currentExtraCaps[1] = 0;
        const at = CNODE + 16 * slot;
        const status = implDecode(k, LABEL.UntypedRetype, 6, at, k.mem.read32(at), k.mem.read32(at + 4), true, buf);
        if (!d.ok) {
          expect(status).not.toBe(EXCEPTION_NONE);
          expect(implErrorWords(k)).toEqual(specErrorWords(d.error));
          continue;
        }
        expect(status).toBe(EXCEPTION_NONE);
        s = invokeUntyped(s, d.value).state;
        successes++;
        for (const dest of [slot, ...d.value.slots.map((x) => x.index)]) {
          const a = CNODE + 16 * dest;
          expect(implCapKey(k.mem.read32(a), k.mem.read32(a + 4))).toBe(specCapKey(getCap(s, { obj: CNODE, index: dest })));
        }
      }
      expect(sorted(implObjects(k))).toEqual(sorted(specObjects(s)));
    },
  );

  test('the runs above included successful Retypes', () => {
    expect(successes).toBeGreaterThan(10);
  });
});
