import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import { Map as PMap } from 'immutable';
import { Reg } from '../../hardware/registers.js';
import { messageInfoFromWord } from '../../abi/message-info.js';
import { LABEL } from '../../abi/labels.js';
import type { CNodeAction } from '../../refinement/generators/action.js';
import { actionArb } from '../../refinement/generators/arbitraries.js';
import { indexWord, kthEmpty } from '../../refinement/generators/cspace.js';
import { resolveAction, rightsText } from '../../refinement/generators/resolve.js';
import { bootedSpec } from '../../refinement/check/spec-kernel.js';
import type { Cap } from '../../spec/state/cap.js';
import type { TCB } from '../../spec/state/object.js';

const BOOT = bootedSpec();

const mint: CNodeAction = {
  t: 'CNode', syscall: 'SysCall', label: 'CNodeMint', node: { how: 'root' },
  dest: { how: 'raw', k: 0x20, depth: 'exact' }, srcRoot: { how: 'root' }, src: { how: 'raw', k: 0x5, depth: 'exact' },
  pivotRoot: { how: 'root' }, pivot: { how: 'full', k: 0, depth: 'exact' },
  rights: 3, data: 7, data2: 0, shortBy: 0, noExtraCaps: false, pendingIRQ: null,
};

describe('resolving actions', () => {
  it('prints a Mint in seL4 terms and lays out its message as libsel4 does', () => {
    const r = resolveAction(BOOT, mint);
    expect(r.text).toBe('CNodeMint(root, dest=0x20/32, src=0x5/32, rights=RW, badge=7)');
    expect(r.event).toEqual({ kind: 'Syscall', syscall: 'SysCall' });
    const regs = new Map(r.registers);
    expect(regs.get(Reg.R0)).toBe(2);
    expect(messageInfoFromWord(regs.get(Reg.R1)!)).toEqual({ label: LABEL.CNodeMint, capsUnwrapped: 0, extraCaps: 1, length: 6 });
    expect([Reg.R2, Reg.R3, Reg.R4, Reg.R5].map((x) => regs.get(x))).toEqual([0x20, 32, 0x5, 32]);
    expect(new Map(r.ipcWords)).toEqual(new Map([[5, 3], [6, 7], [122, 2]]));
  });

  it('marks near misses in the text', () => {
    const r = resolveAction(BOOT, { ...mint, syscall: 'SysSend', shortBy: 2, pendingIRQ: 29 });
    expect(r.text).toBe('Send:CNodeMint(root, dest=0x20/32, src=0x5/32, rights=RW, badge=7) [4 MRs, IRQ 29 pending]');
    expect(r.pendingIRQ).toBe(29);
  });

  it('issues only interrupts while the current thread is not running', () => {
    const t = BOOT.kheap.get(BOOT.curThread) as TCB;
    const stopped = { ...BOOT, kheap: BOOT.kheap.set(BOOT.curThread, { ...t, state: { kind: 'Inactive' as const } }) };
    const r = resolveAction(stopped, mint);
    expect(r.event).toEqual({ kind: 'Interrupt' });
    expect(r.text).toMatch(/not running/);
  });

  test.prop([actionArb()], { numRuns: 300 })('every action resolves to an entry the current thread may make', (a) => {
    const r = resolveAction(BOOT, a);
    expect(r.text.length).toBeGreaterThan(0);
    for (const [reg, v] of r.registers) {
      expect(reg).toBeGreaterThanOrEqual(0);
      expect(v >>> 0).toBe(v);
    }
    for (const [w] of r.ipcWords) expect(w === 0 || (w >= 5 && w <= 8) || (w >= 122 && w <= 124)).toBe(true);
  });
});

describe('CSpace helpers', () => {
  const cnode = (used: number[], bits = 4) => ({ kind: 'CNode' as const, bits, slots: PMap<number, Cap>(used.map((i) => [i, { kind: 'DomainCap' }])) });

  it('finds empty slots and runs of them', () => {
    const c = cnode([0, 1, 2, 5, 6, 9]);
    const empties = [3, 4, 7, 8, 10, 11, 12, 13, 14, 15];
    expect(Array.from({ length: 10 }, (_, k) => kthEmpty(c, k))).toEqual(empties);
    expect(kthEmpty(c, 10)).toBe(3);
    // runs of 3 start at 10..13 only
    expect(Array.from({ length: 4 }, (_, k) => kthEmpty(c, k, 3))).toEqual([10, 11, 12, 13]);
  });

  it('names slots of guarded CNodes with their guard', () => {
    const cap: Cap = { kind: 'CNodeCap', ptr: 0x10000000, bits: 4, guard: { value: 5, size: 3 } };
    expect(indexWord(cap, 2)).toBe((5 << 4) | 2);
  });

  it('prints rights', () => {
    expect([0xf, 3, 1, 0, 4].map(rightsText)).toEqual(['RWG+GR', 'RW', 'W', 'none', 'G']);
  });
});
