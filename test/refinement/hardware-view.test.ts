// The hardware-view check: after boot the MMU walk agrees with the spec's tables and the TLB
// with the tables; it catches a descriptor changed behind the spec's back, a stale TLB entry
// a missing flush leaves, and a CPU left on a page directory that is gone; and the engine
// reports such a change as a 'hardware view' failure at the step that made it.
import { describe, expect, it } from 'vitest';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { bootImpl } from '../../impl/boot.js';
import type { Kernel } from '../../impl/kernel/kernel.js';
import { implKernelWith } from '../../refinement/abstraction.js';
import { hardwareViewMismatch, touchCurrentAddressSpace } from '../../refinement/check/hardware-view.js';
import type { HardwareView } from '../../refinement/check/kernel-under-test.js';
import { runTrace } from '../../refinement/check/run.js';
import { SPEC } from '../../refinement/check/spec-kernel.js';
import type { Action } from '../../refinement/generators/action.js';
import { bootSpec } from '../../spec/boot.js';
import type { CNode, KernelObject } from '../../spec/state/object.js';
import type { KernelState } from '../../spec/state/kernel-state.js';

const SPEC_BOOT = bootSpec();
const ROOT_CNODE = (() => {
  const t = SPEC_BOOT.kheap.get(SPEC_BOOT.curThread);
  if (t?.kind !== 'TCB' || t.caps[0].kind !== 'CNodeCap') throw new Error('no root CNode');
  return t.caps[0].ptr;
})();

// The IPC buffer's mapping: its virtual address, the page table holding it and the entry index.
function ipcBufferMapping(s: KernelState): { vaddr: number; pt: number; index: number } {
  const cap = (s.kheap.get(ROOT_CNODE) as CNode).slots.get(INITIAL_CAP.CapInitThreadIPCBuffer);
  if (cap?.kind !== 'FrameCap' || cap.mapping === null) throw new Error('no mapped IPC buffer cap');
  const t = s.kheap.get(s.curThread);
  const pd = t?.kind === 'TCB' && t.caps[1].kind === 'PageDirectoryCap' ? s.kheap.get(t.caps[1].ptr) : undefined;
  if (pd?.kind !== 'PageDirectory') throw new Error('no page directory');
  const pde = pd.entries.get(cap.mapping.vaddr >>> 20);
  if (pde?.kind !== 'PageTablePDE') throw new Error('IPC buffer not in a page table');
  return { vaddr: cap.mapping.vaddr, pt: pde.table, index: (cap.mapping.vaddr >>> 12) & 0xff };
}

const IPC = ipcBufferMapping(SPEC_BOOT);

function booted(): { k: Kernel; hw: HardwareView } {
  const k = bootImpl();
  return { k, hw: { memory: k.mem, tlb: k.tlb, cpu: k.cpu } };
}

// The spec state with the IPC buffer's page-table entry removed (an unmap's effect on the tables).
function withoutIpcEntry(s: KernelState): KernelState {
  const pt = s.kheap.get(IPC.pt) as Extract<KernelObject, { kind: 'PageTable' }>;
  return { ...s, kheap: s.kheap.set(IPC.pt, { ...pt, entries: pt.entries.delete(IPC.index) }) };
}

describe('hardware view after boot', () => {
  it('agrees with the spec, and touching the current address space fills the TLB with entries that agree', () => {
    const { hw } = booted();
    expect(hardwareViewMismatch(SPEC_BOOT, hw)).toBeUndefined();
    touchCurrentAddressSpace(SPEC_BOOT, hw);
    expect(hw.tlb?.entries().length).toBeGreaterThan(0);
    expect(hw.tlb?.entries().some((e) => e.vaddr === IPC.vaddr)).toBe(true);
    expect(hardwareViewMismatch(SPEC_BOOT, hw)).toBeUndefined();
  });
});

describe('hardware view catches', () => {
  it('(a) a descriptor changed behind the spec’s back: read-only AP bits on a read-write page', () => {
    const { hw } = booted();
    const addr = IPC.pt + 4 * IPC.index;
    const w = hw.memory.read32(addr);
    hw.memory.write32(addr, (w & ~(3 << 4)) | (2 << 4)); // AP[1:0] = 0b10: user read-only
    expect(hardwareViewMismatch(SPEC_BOOT, hw)).toMatch(new RegExp(`ASID 1 .* at 0x${IPC.vaddr.toString(16)}: .*user RW.*user R[ ,)]`));
  });

  it('(a) a descriptor cleared behind the spec’s back', () => {
    const { hw } = booted();
    hw.memory.write32(IPC.pt + 4 * IPC.index, 0);
    expect(hardwareViewMismatch(SPEC_BOOT, hw)).toMatch(/MMU walk gives a fault/);
  });

  it('(a) a user mapping written global (nG clear)', () => {
    const { hw } = booted();
    const addr = IPC.pt + 4 * IPC.index;
    hw.memory.write32(addr, hw.memory.read32(addr) & ~(1 << 11));
    expect(hardwareViewMismatch(SPEC_BOOT, hw)).toMatch(/global/);
  });

  it('(b) a stale TLB entry after an unmap that left out the flush, and not once it is flushed', () => {
    const { hw } = booted();
    touchCurrentAddressSpace(SPEC_BOOT, hw);
    // The unmap on both sides: the spec's table loses the entry, the kernel clears the PTE...
    const unmapped = withoutIpcEntry(SPEC_BOOT);
    hw.memory.write32(IPC.pt + 4 * IPC.index, 0);
    // ...but no TLB maintenance follows.
    expect(hardwareViewMismatch(unmapped, hw)).toMatch(new RegExp(`stale TLB entry \\(hw ASID \\d+\\) 0x${IPC.vaddr.toString(16)} .*no longer map it`));
    hw.tlb?.invalidateByAddress(hw.cpu?.asid ?? 0, IPC.vaddr);
    expect(hardwareViewMismatch(unmapped, hw)).toBeUndefined();
  });

  it('a CPU left running on a page directory that is gone', () => {
    const { hw } = booted();
    hw.cpu?.setTtbr0(0x10000000);
    expect(hardwareViewMismatch(SPEC_BOOT, hw)).toMatch(/TTBR0/);
  });
});

describe('the engine runs the hardware view after every entry', () => {
  const yields: Action[] = Array.from({ length: 4 }, () => ({ t: 'Plain', syscall: 'SysYield' }) as const);

  it('passes on the implementation kernel', () => {
    const k = implKernelWith('impl', () => bootImpl());
    expect(runTrace(yields, { spec: SPEC, kernel: k, fullEvery: 100, invariantsEvery: 100 }).failure).toBeUndefined();
  });

  it('reports a page-table entry changed after the second entry as a hardware-view failure there', () => {
    let steps = 0;
    const sneaky = implKernelWith('sneaky', () => bootImpl(), (k) => {
      if (++steps !== 2) return;
      const addr = IPC.pt + 4 * IPC.index;
      const pte = k.mem.read32(addr);
      k.mem.write32(addr, (pte & ~(3 << 4)) | (2 << 4));
    });
    const r = runTrace(yields, { spec: SPEC, kernel: sneaky, fullEvery: 100, invariantsEvery: 100 });
    expect(r.failure?.kind).toBe('hardware view');
    expect(r.failure?.step).toBe(1);
    expect(r.failure?.message).toMatch(/the MMU walk gives/);
  });
});
