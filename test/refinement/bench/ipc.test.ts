import { describe, expect, test } from 'vitest';
import { implRoundTrips, ipcPair, machineRoundTrips, specRoundTrips } from '../../../refinement/bench/ipc.js';
import { SpecPort } from '../../../refinement/user/spec-port.js';

describe('the IPC round-trip benchmark set-up', () => {
  test.each([[0], [4], [10]])('length %i: the client is current again after each round trip, with the server\'s reply', (length) => {
    const impl = ipcPair('impl', length);
    const spec = ipcPair('spec', length);
    expect(impl.client).toBe(spec.client);
    expect(impl.server).toBe(spec.server);
    implRoundTrips(impl, length)(3);
    const s = specRoundTrips(spec, length)(3);
    // The reply's message info (label 0, `length` words) in r1 of the client on both kernels.
    const t = s.kheap.get(spec.client);
    expect(t?.kind === 'TCB' ? t.context[1] : undefined).toBe(length);
    if (!(impl.sys.port instanceof SpecPort)) expect(impl.sys.port.kernel.getRegister(impl.sys.port.kernel.ksCurThread, 1)).toBe(length);
  });

  test('the machine round trip takes two kernel entries per iteration', () => {
    expect(machineRoundTrips(ipcPair('impl', 0, true))(50)).toBe(100);
  });
});
