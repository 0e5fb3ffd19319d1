// The implementation's boot (impl/boot.ts, impl/boot/*): everything read back from physical
// memory and the kernel's globals: the cap words of slots 0–15 and the dynamic slots, the MDB
// links cteInsert made, the bootinfo frame's bytes, the TCBs, IRQ table and GIC masks, the ASID
// pool, the PDE and PTE words of the root task's mappings, the ghost table.
import { describe, expect, test } from 'vitest';
import { MAX_IRQ, NUM_DOMAIN_SCHEDULES } from '../../abi/config.js';
import {
  BOOTINFO_OFFSET, bootParams, decodeBootInfo, INITIAL_CAP, SABRE_KERNEL_IMAGE, type BootInfo,
} from '../../abi/bootinfo.js';
import { pdeCoarseAddress, pdeType, PDE_TYPE_COARSE, pteSmallAddress, pteXN, pteType, PTE_TYPE_SMALL, pteAccessPermissions } from '../../hardware/descriptors.js';
import { Reg } from '../../hardware/registers.js';
import { bootImpl } from '../../impl/boot.js';
import type { Kernel } from '../../impl/kernel/kernel.js';
import { IRQ_INACTIVE, IRQ_TIMER } from '../../impl/kernel/statedata.js';
import * as A from '../../impl/object/arch-cap.js';
import * as C from '../../impl/object/cap.js';
import { cteGetFirstBadged, cteGetNext, cteGetPrev, cteGetRevocable } from '../../impl/object/mdb.js';
import {
  TCB_DOMAIN, TCB_IPC_BUFFER, TCB_MCP, TCB_OFFSET, TCB_PRIORITY, TCB_TIME_SLICE, THREAD_STATE_IDLE, THREAD_STATE_RUNNING,
  tcbCte, tcbGet, tcbGetState,
} from '../../impl/object/tcb-layout.js';

const K = bootImpl();
const ROOT_TCB = K.ksCurThread;
const CNODE = C.cnodeCapGetCapCNodePtr(K.mem.read32(tcbCte(ROOT_TCB, 0)));
const slot = (i: number): number => CNODE + 16 * i;
const w0 = (k: Kernel, i: number): number => k.mem.read32(slot(i));
const w1 = (k: Kernel, i: number): number => k.mem.read32(slot(i) + 4);
const bootInfoOf = (k: Kernel): BootInfo => decodeBootInfo(k.mem.readBytes(A.genericFrameCapGetCapFBasePtr(w0(k, INITIAL_CAP.CapBootInfoFrame)), 4096));
const BI = bootInfoOf(K);

describe('the default sabre boot, in memory', () => {
  test('the rootserver objects are where seL4 puts them', () => {
    expect(CNODE).toBe(0x2fee0000);
    expect(ROOT_TCB).toBe(0x2fef7400 + TCB_OFFSET);
    expect(A.pageDirectoryCapGetCapPDBasePtr(w0(K, 3))).toBe(0x2fef0000);
    expect(A.asidPoolCapGetCapASIDPool(w0(K, 6))).toBe(0x2fef4000);
    expect(A.genericFrameCapGetCapFBasePtr(w0(K, 10))).toBe(0x2fef5000);
    expect(A.genericFrameCapGetCapFBasePtr(w0(K, 9))).toBe(0x2fef6000);
    expect(A.pageTableCapGetCapPTBasePtr(w0(K, 16))).toBe(0x2fef7000);
  });

  test('slots 0–15: types and fields', () => {
    const types = Array.from({ length: 16 }, (_, i) => C.capGetCapType(w0(K, i)));
    expect(types).toEqual([
      C.CAP_NULL, C.CAP_THREAD, C.CAP_CNODE, C.CAP_PAGE_DIRECTORY, C.CAP_IRQ_CONTROL, C.CAP_ASID_CONTROL, C.CAP_ASID_POOL,
      C.CAP_NULL, C.CAP_NULL, C.CAP_SMALL_FRAME, C.CAP_SMALL_FRAME, C.CAP_DOMAIN, C.CAP_NULL, C.CAP_NULL, C.CAP_NULL, C.CAP_NULL,
    ]);
    expect(C.threadCapGetCapTCBPtr(w0(K, 1))).toBe(ROOT_TCB);
    expect([C.cnodeCapGetCapCNodeRadix(w1(K, 2)), C.cnodeCapGetCapCNodeGuardSize(w1(K, 2)), C.cnodeCapGetCapCNodeGuard(w1(K, 2))]).toEqual([12, 20, 0]);
    expect([A.pageDirectoryCapGetCapPDIsMapped(w0(K, 3)), A.pageDirectoryCapGetCapPDMappedASID(w1(K, 3))]).toEqual([1, 1]);
    expect(A.asidPoolCapGetCapASIDBase(w1(K, 6))).toBe(0);
    for (const [i, vaddr] of [[9, 0x19000], [10, 0x18000]] as const) {
      expect(A.genericFrameCapGetCapFMappedASID(w0(K, i), w1(K, i))).toBe(1);
      expect(A.genericFrameCapGetCapFMappedAddress(w0(K, i), w1(K, i))).toBe(vaddr);
      expect(A.genericFrameCapGetCapFVMRights(w0(K, i), w1(K, i))).toBe(A.VM_READ_WRITE);
      expect(A.genericFrameCapGetCapFIsDevice(w0(K, i))).toBe(0);
    }
  });

  test('boot caps are original (revocable, first badged) and unlinked, but for the TCB copies', () => {
    for (let i = 1; i < BI.empty.start; i++) {
      if (C.capGetCapType(w0(K, i)) === C.CAP_NULL) continue;
      expect([cteGetRevocable(K.mem, slot(i)), cteGetFirstBadged(K.mem, slot(i))]).toEqual([1, 1]);
      if (![2, 3, 10].includes(i)) expect([cteGetPrev(K.mem, slot(i)), cteGetNext(K.mem, slot(i))]).toEqual([0, 0]);
    }
    for (const [cte, src] of [[0, 2], [1, 3], [4, 10]] as const) {
      const c = tcbCte(ROOT_TCB, cte);
      expect(cteGetNext(K.mem, slot(src))).toBe(c);
      expect(cteGetPrev(K.mem, c)).toBe(slot(src));
      expect(cteGetNext(K.mem, c)).toBe(0);
      expect([cteGetRevocable(K.mem, c), cteGetFirstBadged(K.mem, c)]).toEqual([0, 0]);
    }
    expect(K.readCap(tcbCte(ROOT_TCB, 0))).toEqual(K.readCap(slot(2)));
    expect(K.readCap(tcbCte(ROOT_TCB, 1))).toEqual(K.readCap(slot(3)));
    const ipc = K.readCap(tcbCte(ROOT_TCB, 4));
    expect(A.genericFrameCapGetCapFMappedASID(ipc.w0, ipc.w1)).toBe(0);
    expect(A.genericFrameCapGetCapFBasePtr(ipc.w0)).toBe(0x2fef5000);
    const reply = K.readCap(tcbCte(ROOT_TCB, 2));
    expect([C.capGetCapType(reply.w0), C.replyCapGetCapReplyMaster(reply.w0), C.replyCapGetCapReplyCanGrant(reply.w0), C.replyCapGetCapTCBPtr(reply.w0)])
      .toEqual([C.CAP_REPLY, 1, 1, ROOT_TCB]);
    expect([cteGetRevocable(K.mem, tcbCte(ROOT_TCB, 2)), cteGetFirstBadged(K.mem, tcbCte(ROOT_TCB, 2))]).toEqual([1, 1]);
  });

  test('dynamic slots: page table, image frames, untypeds; bootinfo describes them', () => {
    expect(BI.userImagePaging).toEqual({ start: 16, end: 17 });
    expect([A.pageTableCapGetCapPTIsMapped(w1(K, 16)), A.pageTableCapGetCapPTMappedASID(w1(K, 16)), A.pageTableCapGetCapPTMappedAddress(w1(K, 16))]).toEqual([1, 1, 0]);
    expect(BI.userImageFrames).toEqual({ start: 17, end: 25 });
    for (let i = 0; i < 8; i++) {
      expect(A.genericFrameCapGetCapFBasePtr(w0(K, 17 + i))).toBe(0x1002c000 + i * 4096);
      expect(A.genericFrameCapGetCapFMappedAddress(w0(K, 17 + i), w1(K, 17 + i))).toBe(0x10000 + i * 4096);
    }
    expect(BI.untyped.start).toBe(25);
    BI.untypedList.forEach((u, i) => {
      const s = 25 + i;
      expect(C.capGetCapType(w0(K, s))).toBe(C.CAP_UNTYPED);
      expect(C.untypedCapGetCapPtr(w0(K, s))).toBe(u.paddr);
      expect(C.untypedCapGetCapBlockSize(w1(K, s))).toBe(u.sizeBits);
      expect(C.untypedCapGetCapIsDevice(w1(K, s))).toBe(u.isDevice ? 1 : 0);
      expect(C.untypedCapGetCapFreeIndex(w1(K, s))).toBe(2 ** (u.sizeBits - 4));
    });
    expect(BI.empty).toEqual({ start: BI.untyped.end, end: 4096 });
    expect(C.capGetCapType(w0(K, BI.empty.start))).toBe(C.CAP_NULL);
  });

  test('the bootinfo fields', () => {
    const bi = A.genericFrameCapGetCapFBasePtr(w0(K, 9));
    expect(K.mem.read32(bi + BOOTINFO_OFFSET.numNodes)).toBe(1);
    expect(K.mem.read32(bi + BOOTINFO_OFFSET.ipcBuffer)).toBe(0x18000);
    expect(K.mem.read32(bi + BOOTINFO_OFFSET.initThreadCNodeSizeBits)).toBe(12);
    expect(BI).toMatchObject({
      extraLen: 0, nodeID: 0, numIOPTLevels: 0, initThreadDomain: 0,
      sharedFrames: { start: 0, end: 0 }, ioSpaceCaps: { start: 0, end: 0 }, extraBIPages: { start: 0, end: 0 },
    });
    expect(BI.untypedList[0]).toEqual({ paddr: 0, sizeBits: 23, isDevice: true });
    expect(BI.untypedList.filter((u) => !u.isDevice)[0]).toEqual({ paddr: 0x10000000, sizeBits: 16, isDevice: false });
    const sorted = [...BI.untypedList].sort((a, b) => a.paddr - b.paddr);
    sorted.forEach((u, i) => {
      expect(u.paddr % 2 ** u.sizeBits).toBe(0);
      const next = sorted[i + 1];
      if (next !== undefined) expect(u.paddr + 2 ** u.sizeBits).toBeLessThanOrEqual(next.paddr);
    });
  });

  test('the root TCB and the idle thread', () => {
    const m = K.mem;
    expect(tcbGetState(m, ROOT_TCB)).toBe(THREAD_STATE_RUNNING);
    expect([tcbGet(m, ROOT_TCB, TCB_PRIORITY), tcbGet(m, ROOT_TCB, TCB_MCP), tcbGet(m, ROOT_TCB, TCB_DOMAIN), tcbGet(m, ROOT_TCB, TCB_TIME_SLICE)]).toEqual([255, 255, 0, 5]);
    expect(tcbGet(m, ROOT_TCB, TCB_IPC_BUFFER)).toBe(0x18000);
    expect([K.getRegister(ROOT_TCB, Reg.R0), K.getRegister(ROOT_TCB, Reg.NextIP), K.getRegister(ROOT_TCB, Reg.CPSR)]).toEqual([0x19000, 0x10000, 0x150]);
    expect(K.ksIdleThread).toBe(SABRE_KERNEL_IMAGE.idleThread + TCB_OFFSET);
    expect(tcbGetState(m, K.ksIdleThread)).toBe(THREAD_STATE_IDLE);
    expect([K.getRegister(K.ksIdleThread, Reg.CPSR), K.getRegister(K.ksIdleThread, Reg.NextIP)]).toEqual([0x15f, SABRE_KERNEL_IMAGE.idleThreadEntry]);
    expect(K.ksSchedulerAction).toBe(0);
    expect(K.ksCurDomain).toBe(0);
    expect([K.ksDomainTimeHi, K.ksDomainTimeLo]).toEqual([0x00ffffff, 0xffffffff]);
    expect([K.ksDomSchedule[0], K.ksDomSchedule[1]]).toEqual([0xffffffff, 0x00ffffff]);
    expect(K.ksDomSchedule.slice(2, 2 * NUM_DOMAIN_SCHEDULES).every((x) => x === 0)).toBe(true);
  });

  test('IRQs and the IRQ node', () => {
    for (let irq = 0; irq <= MAX_IRQ; irq++) {
      expect(K.intStateIRQTable[irq]).toBe(irq === 29 ? IRQ_TIMER : IRQ_INACTIVE);
      expect(K.irq.isMasked(irq)).toBe(irq !== 29);
      expect(K.mem.read32(K.intStateIRQNode + 16 * irq)).toBe(0);
    }
    expect(K.intStateIRQNode).toBe(SABRE_KERNEL_IMAGE.irqNode);
    expect(C.capGetCapType(w0(K, INITIAL_CAP.CapIRQControl))).toBe(C.CAP_IRQ_CONTROL);
  });

  test('ASID pool 0 holds the root PD at ASID 1; the PD and page table map the root task', () => {
    expect(K.armKSASIDTable[0]).toBe(0x2fef4000);
    expect(K.mem.read32(0x2fef4000 + 4)).toBe(0x2fef0000);
    expect(K.armKSGlobalPD).toBe(SABRE_KERNEL_IMAGE.globalPD);
    const pde = K.mem.read32(0x2fef0000);
    expect(pdeType(pde)).toBe(PDE_TYPE_COARSE);
    expect(pdeCoarseAddress(pde)).toBe(0x2fef7000);
    expect((pde >>> 9) & 1).toBe(1);
    const pte = (vaddr: number): number => K.mem.read32(0x2fef7000 + 4 * ((vaddr >>> 12) & 0xff));
    for (const [vaddr, paddr, xn] of [[0x10000, 0x1002c000, 0], [0x17000, 0x10033000, 0], [0x18000, 0x2fef5000, 1], [0x19000, 0x2fef6000, 1]] as const) {
      expect(pteType(pte(vaddr)) & 2).toBe(PTE_TYPE_SMALL);
      expect(pteSmallAddress(pte(vaddr))).toBe(paddr);
      expect(pteXN(pte(vaddr))).toBe(xn);
      expect(pteAccessPermissions(pte(vaddr)) & 3).toBe(3);
    }
    expect(pte(0x1a000)).toBe(0);
    expect(K.mem.read32(0x2fef0000 + 4)).toBe(0);
  });

  test('the ghost table names every object boot made', () => {
    const expectGhost: [number, string, number][] = [
      [0x2fee0000, 'CapTable', 16], [0x2fef0000, 'PageDirectory', 14], [0x2fef4000, 'ASIDPool', 12], [0x2fef5000, 'Frame', 12],
      [0x2fef6000, 'Frame', 12], [0x2fef7000, 'PageTable', 10], [0x2fef7400, 'TCB', 9], [SABRE_KERNEL_IMAGE.idleThread, 'TCB', 9],
      [SABRE_KERNEL_IMAGE.globalPD, 'PageDirectory', 14], [SABRE_KERNEL_IMAGE.globalPT, 'PageTable', 10], [0x1002c000, 'Frame', 12], [SABRE_KERNEL_IMAGE.irqNode + 16 * 159, 'CapTable', 4],
    ];
    for (const [addr, kind, bits] of expectGhost) expect(K.ghost.get(addr)).toMatchObject({ kind, sizeBits: bits });
    expect(K.ghost.size).toBe(7 + 3 + 8 + 160);
  });
});

describe('a boot with a DTB and an image', () => {
  const dtb = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + 1) & 0xff);
  const p = bootParams({ dtb, userImageContents: new Uint8Array([1, 2, 3, 4]) });
  const k = bootImpl(p);
  const bi = bootInfoOf(k);

  test('extra bootinfo: FDT header and blob, two frames mapped after the bootinfo frame', () => {
    expect(bi.extraLen).toBe(5008);
    expect(bi.extraBIPages).toEqual({ start: 17, end: 19 });
    const extra = A.genericFrameCapGetCapFBasePtr(w0(k, 17));
    expect(A.genericFrameCapGetCapFMappedAddress(w0(k, 17), w1(k, 17))).toBe(0x1a000);
    expect(A.genericFrameCapGetCapFBasePtr(w0(k, 18))).toBe(extra + 4096);
    expect([k.mem.read32(extra), k.mem.read32(extra + 4)]).toEqual([6, 5008]);
    expect(k.mem.readBytes(extra + 8, 5000)).toEqual(dtb);
    expect(k.mem.readBytes(p.userImage.paddr, 5)).toEqual(new Uint8Array([1, 2, 3, 4, 0]));
    expect(bi.userImageFrames.start).toBe(19);
  });
});
