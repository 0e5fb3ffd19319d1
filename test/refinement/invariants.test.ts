import { describe, expect, it } from 'vitest';
import { Map as PMap } from 'immutable';
import { MAX_IRQ } from '../../abi/config.js';
import { ALL_RIGHTS, NULL_CAP, type Cap } from '../../spec/state/cap.js';
import { ChildList } from '../../spec/state/child-list.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { CNode, TCB } from '../../spec/state/object.js';
import { allInvariants, checkInvariants, invariantNamed, DEFAULT_CONTEXT } from '../../refinement/invariants/index.js';
import { EP1, EP2, NTFN, TCB_ADDR, UT, goodState, key, slot, withRootCap } from './fixtures.js';

function violationsOf(name: string, s: KernelState): string[] {
  const inv = invariantNamed(name);
  if (inv === undefined) throw new Error(`no invariant ${name}`);
  return inv.check(s, DEFAULT_CONTEXT).map((v) => `${v.where}: ${v.message}`);
}

// The fixture with its IRQ node: one empty one-slot CNode per IRQ (valid_irq_node).
function withIrqNode(s: KernelState): KernelState {
  let kheap = s.kheap;
  for (let irq = 0; irq <= MAX_IRQ; irq++) kheap = kheap.set(s.irqNode + 16 * irq, { kind: 'CNode', bits: 0, slots: PMap<number, Cap>() });
  return { ...s, kheap };
}

const GOOD = withIrqNode(goodState());
// The thread, IPC, scheduler and IRQ invariants have their broken states in invariants-threads.test.ts,
// the virtual-memory ones in invariants-vspace.test.ts.
const SLICE1 = allInvariants.filter((i) => !['threads', 'sched', 'reply', 'irq', 'vspace'].includes(i.family) && i.name !== 'valid_global_refs');

describe('invariants on a good state', () => {
  it.each(allInvariants.map((i) => i.name))('%s holds', (name) => {
    expect(violationsOf(name, GOOD)).toEqual([]);
  });

  it('every invariant has a distinct name and a family', () => {
    const names = allInvariants.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    expect(checkInvariants(GOOD)).toEqual([]);
  });
});

// Each case breaks the good state in one way and names the invariant and the text that must
// appear in its report (the object or slot at fault).
const broken: [string, string, () => KernelState][] = [
  ['valid_objs', 'object 0x10000000', () => withRootCap(GOOD, 9, { kind: 'EndpointCap', ptr: NTFN, badge: 0, rights: ALL_RIGHTS })],
  ['valid_objs', 'object 0x10001000', () => {
    const t = GOOD.kheap.get(TCB_ADDR) as TCB;
    return { ...GOOD, kheap: GOOD.kheap.set(TCB_ADDR, { ...t, caps: [t.caps[0], t.caps[1], NULL_CAP, t.caps[3], t.caps[4]] }) };
  }],
  ['valid_objs', 'object 0x10100010', () => ({ ...GOOD, kheap: GOOD.kheap.set(EP2, { kind: 'Endpoint', state: { kind: 'SendEP', queue: [] } }) })],
  ['pspace_aligned', 'object 0x10100008', () => ({ ...GOOD, kheap: GOOD.kheap.set(0x10100008, { kind: 'Endpoint', state: { kind: 'IdleEP' } }) })],
  ['pspace_distinct', 'object 0x10000010', () => ({ ...GOOD, kheap: GOOD.kheap.set(0x10000010, { kind: 'Endpoint', state: { kind: 'IdleEP' } }) })],
  ['pspace_in_kernel_window', 'object 0x1000', () => ({ ...GOOD, kheap: GOOD.kheap.set(0x1000, { kind: 'Endpoint', state: { kind: 'IdleEP' } }) })],
  ['mdb_cte_at', 'slot 0x10000000[10]', () => ({ ...GOOD, cdt: GOOD.cdt.set(key(10), slot(3)) })],
  ['no_mloop', 'slot 0x10000000[', () => ({ ...GOOD, cdt: GOOD.cdt.set(key(3), slot(6)) })],
  ['descendants_inc', 'slot 0x10000000[7]', () => ({ ...GOOD, cdt: GOOD.cdt.set(key(7), slot(3)), cdtList: GOOD.cdtList.set(key(3), ChildList.of([slot(7), slot(8), slot(5), slot(4)])) })],
  ['untyped_mdb', 'slot 0x10000000[5]', () => ({ ...GOOD, cdt: GOOD.cdt.delete(key(5)), cdtList: GOOD.cdtList.set(key(3), ChildList.of([slot(8), slot(4)])) })],
  ['untyped_inc', 'slot 0x10000000[9]', () => withRootCap(GOOD, 9, { kind: 'UntypedCap', isDevice: false, ptr: UT + 0x800, sizeBits: 6, freeIndex: 0 })],
  ['untyped_inc', 'slot 0x10000000[9]', () => {
    const s = withRootCap(GOOD, 9, { kind: 'UntypedCap', isDevice: false, ptr: UT + 0x800, sizeBits: 6, freeIndex: 0 });
    return { ...s, cdt: s.cdt.set(key(9), slot(3)), cdtList: s.cdtList.set(key(3), ChildList.of([slot(9), slot(8), slot(5), slot(4)])), isOriginalCap: s.isOriginalCap.add(key(9)) };
  }],
  ['untyped_free_index', 'slot 0x10000000[3]', () => withRootCap(GOOD, 3, { kind: 'UntypedCap', isDevice: false, ptr: UT, sizeBits: 12, freeIndex: 0x20 })],
  ['valid_nullcaps', 'slot 0x10000000[10]', () => ({ ...GOOD, isOriginalCap: GOOD.isOriginalCap.add(key(10)) })],
  ['ut_revocable', 'slot 0x10000000[3]', () => ({ ...GOOD, isOriginalCap: GOOD.isOriginalCap.delete(key(3)) })],
  ['irq_revocable', 'slot 0x10000000[7]', () => ({ ...GOOD, isOriginalCap: GOOD.isOriginalCap.delete(key(7)) })],
  ['reply_master_revocable', 'slot 0x10001000[2]', () => ({ ...GOOD, isOriginalCap: GOOD.isOriginalCap.delete(key(2, TCB_ADDR)) })],
  ['valid_list', 'slot 0x10000000[3]', () => ({ ...GOOD, cdtList: GOOD.cdtList.set(key(3), ChildList.of([slot(5), slot(4)])) })],
  ['valid_list', 'slot 0x10000000[4]', () => ({ ...GOOD, cdtList: GOOD.cdtList.set(key(4), ChildList.of([slot(6), slot(6)])) })],
  ['if_unsafe_then_cap', 'slot 0x10000400[0]', () => {
    const orphan: CNode = { kind: 'CNode', bits: 2, slots: PMap<number, Cap>([[0, { kind: 'DomainCap' }]]) };
    return { ...GOOD, kheap: GOOD.kheap.set(0x10000400, orphan) };
  }],
  ['zombies_final', 'slot 0x10000000[9]', () => withRootCap(GOOD, 9, { kind: 'Zombie', ptr: TCB_ADDR, type: { kind: 'ZombieTCB' }, number: 5 })],
  ['cap_refs_in_kernel_window', 'slot 0x10000000[9]', () => withRootCap(GOOD, 9, { kind: 'EndpointCap', ptr: 0x1000, badge: 0, rights: ALL_RIGHTS })],
  ['cap_refs_respects_device_region', 'slot 0x10000000[9]', () => withRootCap(GOOD, 9, { kind: 'UntypedCap', isDevice: true, ptr: 0x20000000, sizeBits: 12, freeIndex: 0 })],
];

describe('invariants on broken states', () => {
  it.each(broken)('%s reports %s', (name, where, make) => {
    const found = violationsOf(name, make());
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((v) => v.includes(where))).toBe(true);
  });

  it('covers every invariant with at least one broken state', () => {
    const tested = new Set(broken.map(([n]) => n));
    for (const inv of SLICE1) expect(tested.has(inv.name), inv.name).toBe(true);
  });

  it('reports a throwing check as a violation instead of throwing', () => {
    const cursed = { ...GOOD, cdt: null } as unknown as KernelState;
    expect(checkInvariants(cursed).some((v) => v.message.startsWith('check threw'))).toBe(true);
  });

  it('valid_objs checks frame caps against the page kind and device flag', () => {
    const frame: Cap = { kind: 'FrameCap', isDevice: false, ptr: EP1, rights: 'VMReadWrite', size: 'ARMSmallPage', mapping: null };
    expect(violationsOf('valid_objs', withRootCap(GOOD, 9, frame)).join()).toMatch(/frame there/);
  });
});
