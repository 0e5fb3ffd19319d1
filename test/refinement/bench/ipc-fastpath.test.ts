import { describe, expect, test } from 'vitest';
import { implNullEntries, implRoundTrips, ipcPair } from '../../../refinement/bench/ipc.js';
import { ipcComparison } from '../../../refinement/bench/ipc-sel4.js';
import { ImplPort } from '../../../refinement/user/impl-port.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';

function kernelOf(p: ReturnType<typeof ipcPair>): Kernel {
  if (!(p.sys.port instanceof ImplPort)) throw new Error('not impl');
  return p.sys.port.kernel;
}

describe('the IPC benchmark with the fastpath, client and server in different address spaces', () => {
  test.each([[0, 10], [4, 10], [10, 0]])('length %i: %i fastpath round trips of 10', (length, hits) => {
    const p = ipcPair('impl', length, false, true);
    const k = kernelOf(p);
    k.fastpathCounters.reset();
    implRoundTrips(p, length, true)(10);
    const c = k.fastpathCounters.snapshot();
    expect(c.SysCall.hit).toBe(hits);
    expect(c.SysReplyRecv.hit).toBe(hits);
    if (length > 4) expect(c.SysCall.fallback['msgInfo']).toBe(10);
  });

  test('the server runs on its own page directory and hardware ASID', () => {
    const p = ipcPair('impl', 0, false, true);
    const k = kernelOf(p);
    const clientRoot = k.cpu.ttbr0;
    k.setRegister(k.ksCurThread, 0, p.ep);
    k.setRegister(k.ksCurThread, 1, 0);
    k.callKernel({ kind: 'Syscall', syscall: 'SysCall' });
    expect(k.cpu.ttbr0).not.toBe(clientRoot);
    expect(k.fastpathCounters.callHits).toBe(1);
  });

  test('fastpath and slowpath leave the client the same reply', () => {
    const fast = ipcPair('impl', 4, false, true);
    const slow = ipcPair('impl', 4, false, true);
    implRoundTrips(fast, 4, true)(5);
    implRoundTrips(slow, 4, false)(5);
    const a = kernelOf(fast);
    const b = kernelOf(slow);
    for (let r = 0; r < 6; r++) expect(a.getRegister(a.ksCurThread, r)).toBe(b.getRegister(b.ksCurThread, r));
    expect(implNullEntries(fast)(3)).toBe(a.ksCurThread);
  });

  test('the seL4 comparison table lists the measured rows', () => {
    const stats = { min: 1, median: 1440, mean: 1, max: 1, n: 1 };
    const slow = { ...stats, median: 5400 };
    const rows = ipcComparison(new Map([['ipc.roundtrip.fastpath.ns', stats], ['ipc.roundtrip.slowpath.ns', slow]]));
    expect(rows).toHaveLength(5);
    expect(rows[2]).toContain('| 1440 | 720');
    expect(rows[4]).toContain('3.75x');
  });
});
