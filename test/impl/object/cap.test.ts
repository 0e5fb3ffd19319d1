import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import * as C from '../../../impl/object/cap.js';
import * as A from '../../../impl/object/arch-cap.js';

const word = fc.integer({ min: 0, max: 0xffffffff });
const bit = fc.integer({ min: 0, max: 1 });
const aligned = (bits: number) => word.map((w) => (w - (w % 2 ** bits)) >>> 0);
const out = C.capWords();

describe('cap tags', () => {
  test('every cap type decodes to its own tag', () => {
    const tags = [C.CAP_NULL, C.CAP_UNTYPED, C.CAP_ENDPOINT, C.CAP_NOTIFICATION, C.CAP_REPLY, C.CAP_CNODE,
      C.CAP_THREAD, C.CAP_SMALL_FRAME, C.CAP_FRAME, C.CAP_ASID_POOL, C.CAP_PAGE_TABLE, C.CAP_PAGE_DIRECTORY,
      C.CAP_ASID_CONTROL, C.CAP_IRQ_CONTROL, C.CAP_IRQ_HANDLER, C.CAP_ZOMBIE, C.CAP_DOMAIN, C.CAP_SGI_SIGNAL];
    for (const t of tags) expect(C.capGetCapType((0xabcd0000 & ~0xff) | t)).toBe(t);
  });
  test('odd tags are arch caps', () => {
    expect(C.isArchCap(C.CAP_SGI_SIGNAL)).toBe(true);
    expect(C.isArchCap(C.CAP_IRQ_CONTROL)).toBe(false);
    expect(C.isArchCap(C.CAP_FRAME)).toBe(true);
  });
});

describe('cap bitfields round-trip', () => {
  test.prop([word, bit, fc.integer({ min: 0, max: 31 }), aligned(4)])('untyped', (fi, dev, bits, ptr) => {
    const c = C.untypedCapNew(out, fi, dev, bits, ptr);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_UNTYPED);
    expect(C.untypedCapGetCapFreeIndex(c.w1)).toBe(fi & 0x3ffffff);
    expect(C.untypedCapGetCapIsDevice(c.w1)).toBe(dev);
    expect(C.untypedCapGetCapBlockSize(c.w1)).toBe(bits);
    expect(C.untypedCapGetCapPtr(c.w0)).toBe(ptr);
    const w1 = C.untypedCapSetCapFreeIndex(c.w1, 5);
    expect(C.untypedCapGetCapFreeIndex(w1)).toBe(5);
    expect(C.untypedCapGetCapBlockSize(w1)).toBe(bits);
  });
  test.prop([word, bit, bit, bit, bit, aligned(4)])('endpoint', (badge, gr, g, s, r, ptr) => {
    const c = C.endpointCapNew(out, badge, gr, g, s, r, ptr);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_ENDPOINT);
    expect(C.endpointCapGetCapEPBadge(c.w0)).toBe(badge & 0xfffffff);
    expect([C.endpointCapGetCapCanGrantReply(c.w1), C.endpointCapGetCapCanGrant(c.w1),
      C.endpointCapGetCapCanSend(c.w1), C.endpointCapGetCapCanReceive(c.w1)]).toEqual([gr, g, s, r]);
    expect(C.endpointCapGetCapEPPtr(c.w1)).toBe(ptr);
  });
  test.prop([word, bit, bit, aligned(4)])('notification', (badge, r, s, ptr) => {
    const c = C.notificationCapNew(out, badge, r, s, ptr);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_NOTIFICATION);
    expect(C.notificationCapGetCapNtfnBadge(c.w1)).toBe(badge & 0xfffffff);
    expect(C.notificationCapGetCapNtfnCanReceive(c.w1)).toBe(r);
    expect(C.notificationCapGetCapNtfnCanSend(c.w1)).toBe(s);
    expect(C.notificationCapGetCapNtfnPtr(c.w0)).toBe(ptr);
  });
  test.prop([bit, bit, aligned(9)])('reply', (g, m, tcbBase) => {
    const tcb = (tcbBase + 256) >>> 0;
    const c = C.replyCapNew(out, g, m, tcb);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_REPLY);
    expect(C.replyCapGetCapReplyCanGrant(c.w0)).toBe(g);
    expect(C.replyCapGetCapReplyMaster(c.w0)).toBe(m);
    expect(C.replyCapGetCapTCBPtr(c.w0)).toBe(tcb);
  });
  test.prop([fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 0x3ffff }), aligned(5)])(
    'cnode', (radix, gs, guard, ptr) => {
      const c = C.cnodeCapNew(out, radix, gs, guard, ptr);
      expect(C.capGetCapType(c.w0)).toBe(C.CAP_CNODE);
      expect(C.cnodeCapGetCapCNodeRadix(c.w1)).toBe(radix);
      expect(C.cnodeCapGetCapCNodeGuardSize(c.w1)).toBe(gs);
      expect(C.cnodeCapGetCapCNodeGuard(c.w1)).toBe(guard);
      expect(C.cnodeCapGetCapCNodePtr(c.w0)).toBe(ptr);
      const w1 = C.cnodeCapSetGuard(c.w1, 3, 5);
      expect([C.cnodeCapGetCapCNodeRadix(w1), C.cnodeCapGetCapCNodeGuardSize(w1), C.cnodeCapGetCapCNodeGuard(w1)]).toEqual([radix, 3, 5]);
    });
  test.prop([aligned(9)])('thread', (base) => {
    const c = C.threadCapNew(out, base + 256);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_THREAD);
    expect(C.threadCapGetCapTCBPtr(c.w0)).toBe((base + 256) >>> 0);
  });
  test.prop([fc.integer({ min: 0, max: 255 })])('irq handler', (irq) => {
    const c = C.irqHandlerCapNew(out, irq);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_IRQ_HANDLER);
    expect(C.irqHandlerCapGetCapIRQ(c.w1)).toBe(irq);
  });
  test.prop([fc.integer({ min: 1, max: 20 }), word])('zombie (CNode)', (radix, n) => {
    const ptr = 0x10000000;
    const number = n % (2 ** radix + 1);
    const c = C.zombieNew(out, number, radix, ptr);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_ZOMBIE);
    expect(C.zombieCapGetCapZombieType(c.w0)).toBe(radix);
    expect(C.zombieCapGetCapZombieNumber(c.w0, c.w1)).toBe(number);
    expect(C.zombieCapGetCapZombiePtr(c.w0, c.w1)).toBe(ptr);
    expect(C.zombieCapGetCapZombieNumber(c.w0, C.zombieCapSetCapZombieNumber(c.w0, c.w1, 1))).toBe(1);
  });
  test.prop([aligned(9), fc.integer({ min: 0, max: 5 })])('zombie (TCB)', (base, n) => {
    const c = C.zombieNew(out, n, C.ZOMBIE_TYPE_TCB, base);
    expect(C.zombieCapGetCapZombieBits(c.w0)).toBe(4);
    expect(C.zombieCapGetCapZombieNumber(c.w0, c.w1)).toBe(n);
    expect(C.zombieCapGetCapZombiePtr(c.w0, c.w1)).toBe(base);
  });
  test.prop([fc.integer({ min: 0, max: 15 }), word])('sgi signal', (irq, target) => {
    const c = C.sgiSignalCapNew(out, target, irq);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_SGI_SIGNAL);
    expect(C.sgiSignalCapGetCapSGIIRQ(c.w0)).toBe(irq);
    expect(C.sgiSignalCapGetCapSGITarget(c.w1)).toBe(target);
  });
});

describe('arch cap bitfields round-trip', () => {
  const asid = fc.integer({ min: 0, max: 2 ** 17 - 1 });
  const rights = fc.integer({ min: 0, max: 3 });
  test.prop([fc.integer({ min: 0, max: 3 }), rights, bit, asid, word])('frames', (sz, r, dev, a, v) => {
    const bits = A.pageBitsForSize(sz);
    const base = (0x40000000 + 2 ** bits * 3) >>> 0;
    const vaddr = (v - (v % 2 ** bits)) >>> 0;
    const c = A.genericFrameCapNew(out, sz, base, r, dev, a, vaddr);
    expect(C.capGetCapType(c.w0)).toBe(sz === 0 ? C.CAP_SMALL_FRAME : C.CAP_FRAME);
    expect(A.genericFrameCapGetCapFSize(c.w0, c.w1)).toBe(sz);
    expect(A.genericFrameCapGetCapFBasePtr(c.w0)).toBe(base);
    expect(A.genericFrameCapGetCapFVMRights(c.w0, c.w1)).toBe(r);
    expect(A.genericFrameCapGetCapFIsDevice(c.w0)).toBe(dev);
    expect(A.genericFrameCapGetCapFMappedASID(c.w0, c.w1)).toBe(a);
    expect(A.genericFrameCapGetCapFMappedAddress(c.w0, c.w1)).toBe(vaddr);
    const d = A.genericFrameCapClearMappedASID(C.capWords(), c.w0, c.w1);
    expect(A.genericFrameCapGetCapFMappedASID(d.w0, d.w1)).toBe(0);
    expect(A.genericFrameCapGetCapFBasePtr(d.w0)).toBe(base);
    const w1 = A.genericFrameCapSetCapFVMRights(c.w0, c.w1, 2);
    expect(A.genericFrameCapGetCapFVMRights(c.w0, w1)).toBe(2);
    expect(A.genericFrameCapGetCapFSize(c.w0, w1)).toBe(sz);
  });
  test.prop([bit, asid, aligned(20), aligned(10)])('page table', (m, a, vaddr, base) => {
    const c = A.pageTableCapNew(out, m, a, vaddr, base);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_PAGE_TABLE);
    expect(A.pageTableCapGetCapPTIsMapped(c.w1)).toBe(m);
    expect(A.pageTableCapGetCapPTMappedASID(c.w1)).toBe(a);
    expect(A.pageTableCapGetCapPTMappedAddress(c.w1)).toBe(vaddr);
    expect(A.pageTableCapGetCapPTBasePtr(c.w0)).toBe(base);
  });
  test.prop([asid, bit, aligned(14)])('page directory', (a, m, base) => {
    const c = A.pageDirectoryCapNew(out, a, m, base);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_PAGE_DIRECTORY);
    expect(A.pageDirectoryCapGetCapPDMappedASID(c.w1)).toBe(a);
    expect(A.pageDirectoryCapGetCapPDIsMapped(c.w0)).toBe(m);
    expect(A.pageDirectoryCapGetCapPDBasePtr(c.w0)).toBe(base);
  });
  test.prop([asid, aligned(12)])('asid pool', (a, pool) => {
    const c = A.asidPoolCapNew(out, a, pool);
    expect(C.capGetCapType(c.w0)).toBe(C.CAP_ASID_POOL);
    expect(A.asidPoolCapGetCapASIDBase(c.w1)).toBe(a);
    expect(A.asidPoolCapGetCapASIDPool(c.w0)).toBe(pool);
  });
});
