// The virtual-memory invariants hold on the booted spec state (root task address space, ASID
// pool 0, the kernel window in the global page directory and its copy in the root's), and
// each one reports a state broken in the way it forbids.
import { describe, expect, it } from 'vitest';
import { Map as PMap } from 'immutable';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { allInvariants, invariantNamed, DEFAULT_CONTEXT } from '../../refinement/invariants/index.js';
import { bootSpec } from '../../spec/boot.js';
import type { Cap } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { CNode, KernelObject, PDE } from '../../spec/state/object.js';

const VSPACE = allInvariants.filter((i) => i.family === 'vspace');
const BOOT = bootSpec();

function violationsOf(name: string, s: KernelState): string[] {
  const inv = invariantNamed(name);
  if (inv === undefined) throw new Error(`no invariant ${name}`);
  return inv.check(s, DEFAULT_CONTEXT).map((v) => `${v.where}: ${v.message}`);
}

type PD = Extract<KernelObject, { kind: 'PageDirectory' }>;
type PT = Extract<KernelObject, { kind: 'PageTable' }>;

const ROOT_CNODE = (() => {
  const t = BOOT.kheap.get(BOOT.curThread);
  if (t?.kind !== 'TCB' || t.caps[0].kind !== 'CNodeCap') throw new Error('no root CNode');
  return t.caps[0].ptr;
})();
const rootCap = (i: number): Cap => (BOOT.kheap.get(ROOT_CNODE) as CNode).slots.get(i) ?? { kind: 'NullCap' };
const ROOT_PD = (rootCap(INITIAL_CAP.CapInitThreadVSpace) as Extract<Cap, { kind: 'PageDirectoryCap' }>).ptr;
const ROOT_PT_INDEX = (BOOT.kheap.get(ROOT_PD) as PD).entries.findKey((e, i) => i < 0xe00 && e.kind === 'PageTablePDE')!;
const ROOT_PT = ((BOOT.kheap.get(ROOT_PD) as PD).entries.get(ROOT_PT_INDEX) as Extract<PDE, { kind: 'PageTablePDE' }>).table;
const GLOBAL_PD = BOOT.arch.globalPD;
const FREE_SLOT = Math.max(...(BOOT.kheap.get(ROOT_CNODE) as CNode).slots.keySeq().toArray()) + 1;
// A page-table-sized hole in the kernel window no object uses (below the first object boot places).
const FREE_PT = Math.min(...BOOT.kheap.keySeq().toArray()) - 0x400;

function withObject(s: KernelState, addr: number, o: KernelObject): KernelState {
  return { ...s, kheap: s.kheap.set(addr, o) };
}
function withPD(s: KernelState, addr: number, f: (e: PD['entries']) => PD['entries']): KernelState {
  const pd = s.kheap.get(addr) as PD;
  return withObject(s, addr, { ...pd, entries: f(pd.entries) });
}
function withRootCaps(s: KernelState, caps: readonly [number, Cap][]): KernelState {
  const cn = s.kheap.get(ROOT_CNODE) as CNode;
  let slots = cn.slots;
  for (const [i, c] of caps) slots = slots.set(i, c);
  return withObject(s, ROOT_CNODE, { ...cn, slots });
}
const frame = (size: 'ARMSection' | 'ARMSuperSection', frameAddr: number): PDE => ({
  kind: size === 'ARMSection' ? 'SectionPDE' : 'SuperSectionPDE', frame: frameAddr,
  attributes: { cacheable: true, parityEnabled: false, executeNever: true }, rights: 'VMReadWrite',
});

describe('VM invariants on the booted state', () => {
  it.each(VSPACE.map((i) => i.name))('%s holds', (name) => {
    expect(violationsOf(name, BOOT)).toEqual([]);
  });

  it('the booted state has the objects the cases below break', () => {
    expect(BOOT.kheap.get(GLOBAL_PD)?.kind).toBe('PageDirectory');
    expect(BOOT.kheap.get(ROOT_PT)?.kind).toBe('PageTable');
    expect(BOOT.kheap.has(FREE_PT)).toBe(false);
    expect(rootCap(INITIAL_CAP.CapBootInfoFrame).kind).toBe('FrameCap');
  });
});

// Each case breaks the booted state in one way: the invariant and text its report must hold.
const broken: [string, string, () => KernelState][] = [
  ['wellformed_vspace_objs', 'entry 17 of the 16-entry mapping at 16', () =>
    withPD(BOOT, ROOT_PD, (e) => e.set(16, frame('ARMSuperSection', 0x20000000)))],
  ['wellformed_vspace_objs', 'not aligned', () => withPD(BOOT, ROOT_PD, (e) => e.set(5, frame('ARMSection', 0x20080000)))],
  ['valid_vspace_objs', `PT 0x${ROOT_PT.toString(16)}`, () => {
    const pt = BOOT.kheap.get(ROOT_PT) as PT;
    return withObject(BOOT, ROOT_PT, { ...pt, entries: pt.entries.set(255, { kind: 'SmallPagePTE', frame: ROOT_CNODE, attributes: { cacheable: true, parityEnabled: false, executeNever: true }, rights: 'VMReadOnly' }) });
  }],
  ['valid_vspace_objs', 'no 1 MiB frame', () => withPD(BOOT, ROOT_PD, (e) => e.set(5, frame('ARMSection', 0x20000000)))],
  ['valid_arch_state', 'hw ASID 9', () => ({ ...BOOT, arch: { ...BOOT.arch, hwASIDTable: BOOT.arch.hwASIDTable.set(9, 1) } })],
  ['valid_arch_state', 'arm_global_pd', () => ({ ...BOOT, arch: { ...BOOT.arch, globalPD: ROOT_CNODE } })],
  ['valid_asid_map', 'ASID 2', () => ({
    ...BOOT, arch: { ...BOOT.arch, asidMap: BOOT.arch.asidMap.set(2, { hwASID: 7, pd: ROOT_PD }), hwASIDTable: BOOT.arch.hwASIDTable.set(7, 2) },
  })],
  ['valid_global_objs', 'user slot 5', () => withPD(BOOT, GLOBAL_PD, (e) => e.set(5, frame('ARMSection', 0x20000000)))],
  ['valid_kernel_mappings', `PD 0x${ROOT_PD.toString(16)}[${ROOT_PT_INDEX + 1}]`, () =>
    withPD(BOOT, ROOT_PD, (e) => e.set(ROOT_PT_INDEX + 1, { kind: 'PageTablePDE', table: BOOT.arch.globalPTs[0]!, parityEnabled: true }))],
  ['equal_kernel_mappings', `PD 0x${ROOT_PD.toString(16)}[3584]`, () => withPD(BOOT, ROOT_PD, (e) => e.delete(0xe00))],
  ['valid_vs_lookup', 'no ARMSmallPage frame cap', () => {
    const c = rootCap(INITIAL_CAP.CapBootInfoFrame) as Extract<Cap, { kind: 'FrameCap' }>;
    return withRootCaps(BOOT, [[INITIAL_CAP.CapBootInfoFrame, { ...c, mapping: null }]]);
  }],
  ['valid_vs_lookup', 'with ASID 2', () => {
    const pool = BOOT.arch.asidTable.get(0)!;
    const p = BOOT.kheap.get(pool) as Extract<KernelObject, { kind: 'ASIDPool' }>;
    return withObject(BOOT, pool, { ...p, entries: p.entries.set(2, ROOT_PD) });
  }],
  ['valid_table_caps', 'the page table is not empty', () => withRootCaps(BOOT, [[FREE_SLOT, { kind: 'PageTableCap', ptr: ROOT_PT, mapping: null }]])],
  ['unique_table_caps', 'beside another', () => withRootCaps(withObject(BOOT, FREE_PT, { kind: 'PageTable', entries: PMap() }), [
    [FREE_SLOT, { kind: 'PageTableCap', ptr: FREE_PT, mapping: null }],
    [FREE_SLOT + 1, { kind: 'PageTableCap', ptr: FREE_PT, mapping: null }],
  ])],
  ['unique_table_refs', 'records ASID 2', () => withRootCaps(BOOT, [[FREE_SLOT, { kind: 'PageDirectoryCap', ptr: ROOT_PD, asid: 2 }]])],
  ['table_cap_mappings', 'records ASID 1 0x', () => {
    const slot = [...(BOOT.kheap.get(ROOT_CNODE) as CNode).slots.entries()].find(([, c]) => c.kind === 'PageTableCap' && c.ptr === ROOT_PT)![0];
    const c = rootCap(slot) as Extract<Cap, { kind: 'PageTableCap' }>;
    return withRootCaps(BOOT, [[slot, { ...c, mapping: { asid: 1, vaddr: c.mapping!.vaddr + 0x100000 } }]]);
  }],
];

describe('VM invariants on broken states', () => {
  it.each(broken)('%s reports %s', (name, where, make) => {
    const found = violationsOf(name, make());
    expect(found.length, `${name} found nothing`).toBeGreaterThan(0);
    expect(found.some((v) => v.includes(where)), found.join('\n')).toBe(true);
  });

  it('covers every VM invariant with at least one broken state', () => {
    const tested = new Set(broken.map(([n]) => n));
    for (const inv of VSPACE) expect(tested.has(inv.name), inv.name).toBe(true);
  });
});
