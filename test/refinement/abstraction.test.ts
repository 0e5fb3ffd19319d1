import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../hardware/memory.js';
import { bootImpl } from '../../impl/boot.js';
import {
  capWords, cnodeCapNew, domainCapNew, endpointCapNew, irqControlCapNew, irqHandlerCapNew, notificationCapNew,
  replyCapNew, threadCapNew, untypedCapNew, zombieNew, ZOMBIE_TYPE_TCB,
} from '../../impl/object/cap.js';
import { asidPoolCapNew, genericFrameCapNew, pageDirectoryCapNew, pageTableCapNew } from '../../impl/object/arch-cap.js';
import { abstractState, ImplView } from '../../refinement/abstraction.js';
import { capFromWords } from '../../refinement/abstraction/cap-words.js';
import { MdbReader, wholeCdt } from '../../refinement/abstraction/mdb.js';
import { fullDifference } from '../../refinement/check/compare.js';
import { bootedSpec } from '../../refinement/check/spec-kernel.js';
import { formatDifference } from '../../refinement/diff.js';
import { ALL_RIGHTS, type Cap } from '../../spec/state/cap.js';

describe('abstraction of the booted implementation', () => {
  it('is the booted spec state', () => {
    const d = fullDifference(bootedSpec(), abstractState(bootImpl()));
    expect(d === undefined ? 'equal' : formatDifference(d)).toBe('equal');
  });

  it('answers per object, slot and CDT entry as the whole abstraction does', () => {
    const k = bootImpl();
    const whole = abstractState(k);
    const view = new ImplView(k);
    for (const [addr, obj] of whole.kheap) expect(view.object(addr)).toEqual(obj);
    for (const [child, parent] of whole.cdt) {
      expect(view.cdtParent(child)).toEqual(parent);
      expect(view.cdtChildren(parent.obj + 16 * parent.index)).toEqual(whole.cdtList.get(parent.obj + 16 * parent.index)?.toArray());
    }
    for (const key of whole.isOriginalCap) expect(view.isOriginal(key)).toBe(true);
    expect(view.globals().curThread).toBe(whole.curThread);
  });
});

describe('cap words', () => {
  const w = capWords();
  const TCB_T = 0x10001100; // a tcb_t pointer: object base 0x10001000 + 256
  const cases: [string, () => void, Cap][] = [
    ['null', () => { w.w0 = 0; w.w1 = 0; }, { kind: 'NullCap' }],
    ['untyped', () => untypedCapNew(w, 0x40 / 16, 1, 12, 0x10100000), { kind: 'UntypedCap', ptr: 0x10100000, sizeBits: 12, isDevice: true, freeIndex: 0x40 }],
    ['endpoint', () => endpointCapNew(w, 7, 1, 0, 1, 1, 0x10100010), { kind: 'EndpointCap', ptr: 0x10100010, badge: 7, rights: { read: true, write: true, grant: false, grantReply: true } }],
    ['notification', () => notificationCapNew(w, 0xfffffff, 0, 1, 0x10100020), { kind: 'NotificationCap', ptr: 0x10100020, badge: 0xfffffff, rights: { read: false, write: true, grant: false, grantReply: false } }],
    ['reply', () => replyCapNew(w, 1, 1, TCB_T), { kind: 'ReplyCap', tcb: 0x10001000, isMaster: true, rights: { read: false, write: true, grant: true, grantReply: false } }],
    ['cnode', () => cnodeCapNew(w, 12, 20, 5, 0x10010000), { kind: 'CNodeCap', ptr: 0x10010000, bits: 12, guard: { value: 5, size: 20 } }],
    ['thread', () => threadCapNew(w, TCB_T), { kind: 'ThreadCap', tcb: 0x10001000 }],
    ['irq control', () => irqControlCapNew(w), { kind: 'IRQControlCap' }],
    ['irq handler', () => irqHandlerCapNew(w, 159), { kind: 'IRQHandlerCap', irq: 159 }],
    ['domain', () => domainCapNew(w), { kind: 'DomainCap' }],
    ['zombie tcb', () => zombieNew(w, 5, ZOMBIE_TYPE_TCB, 0x10001000), { kind: 'Zombie', ptr: 0x10001000, number: 5, type: { kind: 'ZombieTCB' } }],
    ['zombie cnode', () => zombieNew(w, 17, 6, 0x10020000), { kind: 'Zombie', ptr: 0x10020000, number: 17, type: { kind: 'ZombieCNode', bits: 6 } }],
    ['small frame', () => genericFrameCapNew(w, 0, 0x10200000, 3, 0, 1, 0x18000), { kind: 'FrameCap', ptr: 0x10200000, size: 'ARMSmallPage', rights: 'VMReadWrite', isDevice: false, mapping: { asid: 1, vaddr: 0x18000 } }],
    ['section', () => genericFrameCapNew(w, 2, 0x10300000, 2, 1, 0, 0), { kind: 'FrameCap', ptr: 0x10300000, size: 'ARMSection', rights: 'VMReadOnly', isDevice: true, mapping: null }],
    ['page table', () => pageTableCapNew(w, 1, 1, 0x100000, 0x10004000), { kind: 'PageTableCap', ptr: 0x10004000, mapping: { asid: 1, vaddr: 0x100000 } }],
    ['page directory', () => pageDirectoryCapNew(w, 1, 1, 0x10008000), { kind: 'PageDirectoryCap', ptr: 0x10008000, asid: 1 }],
    ['asid pool', () => asidPoolCapNew(w, 1024, 0x10005000), { kind: 'ASIDPoolCap', ptr: 0x10005000, asidBase: 1024 }],
  ];
  it.each(cases)('%s reads back as the spec cap', (_name, build, expected) => {
    build();
    expect(capFromWords(w.w0, w.w1, 'test')).toEqual(expected);
  });

  it('rejects an unknown tag', () => {
    expect(() => capFromWords(0xd, 0, 'slot')).toThrow(/unknown cap tag/);
  });
});

describe('the CDT from MDB lists', () => {
  // CTEs at 0x10000000 + 16 i, written by hand: cap words, prev, next|revocable|firstBadged.
  function memoryWith(ctes: [Cap | [number, number], number, number, boolean, boolean][]): { mem: PhysicalMemory; addrs: number[] } {
    const mem = new PhysicalMemory({ ramBase: 0x10000000, ramSize: 0x100000 });
    const addrs = ctes.map((_c, i) => 0x10000000 + 16 * (i + 1));
    ctes.forEach(([words, prev, next, revocable, firstBadged], i) => {
      const a = addrs[i]!;
      const [w0, w1] = Array.isArray(words) ? words : [0, 0];
      mem.write32(a, w0);
      mem.write32(a + 4, w1);
      mem.write32(a + 8, prev === 0 ? 0 : addrs[prev - 1]!);
      mem.write32(a + 12, (next === 0 ? 0 : addrs[next - 1]!) | (revocable ? 2 : 0) | (firstBadged ? 1 : 0));
    });
    return { mem, addrs };
  }
  const w = capWords();
  const ut = (): [number, number] => { untypedCapNew(w, 0, 0, 12, 0x10100000); return [w.w0, w.w1]; };
  const ep = (badge: number): [number, number] => { endpointCapNew(w, badge, 1, 1, 1, 1, 0x10100000); return [w.w0, w.w1]; };

  it('follows runs of MDB children and badges', () => {
    // 1 untyped > 2 ep (original) > 3 copy; 4 ep badged 5 (original, first badged, a child of 2);
    // 5 copy of 4 (same badge): child of 4; 6 badged 6 first-badged: child of 2, not of 4.
    const { mem, addrs } = memoryWith([
      [ut(), 0, 2, true, false],
      [ep(0), 1, 3, true, false],
      [ep(0), 2, 4, false, false],
      [ep(5), 3, 5, true, true],
      [ep(5), 4, 6, false, false],
      [ep(6), 5, 0, true, true],
    ]);
    const cdt = wholeCdt(mem, addrs, (a) => addrs.includes(a));
    const a = (i: number): number => addrs[i - 1]!;
    expect([...cdt.parents].sort()).toEqual([[a(2), a(1)], [a(3), a(2)], [a(4), a(2)], [a(5), a(4)], [a(6), a(2)]].sort());
    expect(cdt.children.get(a(2))).toEqual([a(3), a(4), a(6)]);
    const r = new MdbReader(mem);
    expect(r.parent(a(6))).toBe(a(2));
    expect(r.parent(a(5))).toBe(a(4));
    expect(r.children(a(2))).toEqual([a(3), a(4), a(6)]);
    expect(r.children(a(1))).toEqual([a(2)]);
  });

  it('rejects broken links and a stale node in an empty slot', () => {
    const bad = memoryWith([[ut(), 0, 2, true, false], [ep(0), 0, 0, false, false]]);
    expect(() => wholeCdt(bad.mem, bad.addrs, () => true)).toThrow(/valid_dlist/);
    const stale = memoryWith([[ut(), 0, 0, true, false], [[0, 0], 1, 0, false, false]]);
    expect(() => wholeCdt(stale.mem, stale.addrs, () => true)).toThrow(/valid_nullcaps/);
  });
});

describe('an endpoint cap with all rights', () => {
  it('reads back with all rights', () => {
    const w = capWords();
    endpointCapNew(w, 0, 1, 1, 1, 1, 0x10100000);
    expect(capFromWords(w.w0, w.w1, 'x')).toEqual({ kind: 'EndpointCap', ptr: 0x10100000, badge: 0, rights: ALL_RIGHTS });
  });
});
