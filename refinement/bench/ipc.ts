/**
 * The IPC round trip, measured as sel4bench's `ipc` benchmark measures it: a client Calls a
 * server waiting in Recv on an endpoint, and the server answers with ReplyRecv; one sample is
 * the cost of that pair of kernel entries, averaged over a batch, after warm-up (see
 * `harness.ts`). Both threads share the root task's CSpace and have the same priority; the
 * server has an address space of its own (its own page directory and ASID), as in sel4bench's
 * different-address-space case, so every switch loads TTBR0 and the hardware ASID. Message
 * lengths 0, 4 (every word in a register) and 10 (six words through the IPC buffers).
 *
 * The two threads are set up by user programs on the machine (the root task retypes the
 * endpoint and starts the server, which blocks in Recv). The measured loop then enters the
 * kernel directly, with the registers a user stub would have set: r0 the endpoint, r1 the
 * message info, on the saved context of the current thread; so the number is the kernel's
 * cost, not the machine's. `ipc.roundtrip.machine.*` measures the same round trip through
 * the whole user-program path (ports, coroutines and trap conventions) for comparison.
 *
 * Metrics: `ipc.roundtrip.fastpath.ns` (impl with `KernelFastpath` on, length 0),
 * `ipc.roundtrip.slowpath.ns` (impl with it off), `ipc.roundtrip.spec.ns` (spec), the same
 * with `.len4` and `.len10` (which falls back from the fastpath at its first check);
 * `ipc.roundtrip.callFastOnly.ns` and `ipc.roundtrip.replyRecvFastOnly.ns` (one half on the
 * fastpath); `ipc.null.spuriousInterrupt.ns` (the floor: an entry that does nothing); and
 * `ipc.roundtrip.machine.{impl,spec}.ns`. Goals: the fastpath round trip <= 360 ns median and
 * >= 3x faster than the slowpath. `ipcComparison` (ipc-sel4.ts) sets them beside seL4's own
 * published cycles.
 *
 * @module
 */
import { MSG_INFO_REGISTER, CAP_REGISTER } from '../../hardware/registers.js';
import type { KernelEvent } from '../../hardware/events.js';
import { callKernel } from '../../spec/kernel/entry.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { withRegisters } from '../check/user-context.js';
import { ImplPort } from '../user/impl-port.js';
import { infoLabel, messageInfo } from '../user/libsel4.js';
import { invoke, tcbResume, tcbSetSpace } from '../user/libsel4-invocations.js';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { LABEL } from '../../abi/labels.js';
import type { UserCode } from '../../hardware/user.js';
import { RootTask } from '../user/root-task.js';
import { SpecPort } from '../user/spec-port.js';
import { bootSystem, type KernelKind, type UserSystem } from '../user/system.js';
import type { BenchSuite } from './harness.js';

const CALL: KernelEvent = { kind: 'Syscall', syscall: 'SysCall' };
const REPLY_RECV: KernelEvent = { kind: 'Syscall', syscall: 'SysReplyRecv' };
const SPURIOUS: KernelEvent = { kind: 'Interrupt' };

/** Message lengths measured, with the metric suffix of each. */
export const IPC_LENGTHS: readonly (readonly [number, string])[] = [[0, ''], [4, '.len4'], [10, '.len10']];

/** A client about to Call and a server blocked in Recv on the endpoint in root slot `ep`. */
export interface IpcPair {
  /** The booted system, stopped with the client current. */
  readonly sys: UserSystem;
  /** The endpoint's slot in the shared CNode. */
  readonly ep: number;
  /** The client thread (TCB object address). */
  readonly client: number;
  /** The server thread (TCB object address). */
  readonly server: number;
}

/**
 * Boots `kind` and runs the set-up programs: the root task (the client) retypes an endpoint
 * and starts a server at its own priority, which Recvs and then answers each Call with a
 * ReplyRecv of `length` words, forever. Stops when the server first blocks, unless `run`.
 * With `crossAS` the server gets its own page directory (a fresh ASID) before it starts.
 */
export function ipcPair(kind: KernelKind, length: number, run = false, crossAS = false): IpcPair {
  const sys = bootSystem(kind, { trace: false });
  let ep = 0;
  let server = 0;
  let serverWaiting = false;
  const reply = messageInfo(0, 0, 0, length);
  const words = Array.from({ length }, (_, i) => i);
  sys.machine.load(sys.rootThread, function* (u) {
    const root = yield* RootTask.start(u, (t, p) => sys.machine.load(t, p));
    ep = (yield* root.create('Endpoint')).slot;
    const spawned = yield* root.spawn(function* (l) {
      serverWaiting = true;
      yield* l.recv(ep);
      for (;;) yield* l.replyRecv(ep, reply, words);
    }, { priority: 255, resume: !crossAS });
    server = spawned.tcb;
    if (crossAS) yield* ownAddressSpace(root, spawned.slot);
    yield* root.sel4.yield();
    const call = messageInfo(0, 0, 0, length);
    for (;;) yield* root.sel4.call(ep, call, words);
  });
  if (!run) {
    const r = sys.machine.run({ until: () => serverWaiting });
    if (r.reason !== 'until' || r.thread !== sys.rootThread) throw new Error(`ipc bench set-up stopped: ${r.reason}`);
  }
  return { sys, ep, client: sys.rootThread, server };
}

// Gives the (not yet started) thread in `slot` a page directory of its own under a fresh ASID,
// then starts it: client and server then live in different address spaces, as in sel4bench.
function* ownAddressSpace(root: RootTask, slot: number): UserCode<void> {
  const pd = yield* root.create('PageDirectory');
  const assigned = infoLabel((yield* invoke(root.sel4, INITIAL_CAP.CapInitThreadASIDPool, LABEL.ARMASIDPoolAssign, [], [pd.slot])).info);
  if (assigned !== 0) throw new Error(`ASIDPool_Assign failed with error ${assigned}`);
  const err = yield* tcbSetSpace(root.sel4, slot, 0, INITIAL_CAP.CapInitThreadCNode, 0, pd.slot, 0);
  if (err !== 0) throw new Error(`TCB_SetSpace failed with error ${err}`);
  const resumed = yield* tcbResume(root.sel4, slot);
  if (resumed !== 0) throw new Error(`TCB_Resume failed with error ${resumed}`);
}

/**
 * `iterations` round trips on the impl kernel, entered directly; returns the client's last
 * badge. `callFast` and `replyRecvFast` set `KernelFastpath` for each half (default: off, the
 * slowpath; a length above 4 falls back from the fastpath anyway).
 */
export function implRoundTrips(pair: IpcPair, length: number, callFast = false, replyRecvFast = callFast): (iterations: number) => number {
  if (!(pair.sys.port instanceof ImplPort)) throw new Error('not an impl system');
  const k = pair.sys.port.kernel;
  const client = k.ksCurThread;
  const info = messageInfo(0, 0, 0, length);
  const ep = pair.ep;
  return (iterations) => {
    for (let i = 0; i < iterations; i++) {
      k.kernelFastpath = callFast;
      k.setRegister(client, CAP_REGISTER, ep);
      k.setRegister(client, MSG_INFO_REGISTER, info);
      k.callKernel(CALL);
      const server = k.ksCurThread;
      k.kernelFastpath = replyRecvFast;
      k.setRegister(server, CAP_REGISTER, ep);
      k.setRegister(server, MSG_INFO_REGISTER, info);
      k.callKernel(REPLY_RECV);
    }
    if (k.ksCurThread !== client) throw new Error('ipc bench: the client is not current after a round trip');
    return k.getRegister(client, CAP_REGISTER);
  };
}

/** `iterations` round trips on the spec, stepping its state directly. */
export function specRoundTrips(pair: IpcPair, length: number): (iterations: number) => KernelState {
  if (!(pair.sys.port instanceof SpecPort)) throw new Error('not a spec system');
  let s = pair.sys.port.state;
  const info = messageInfo(0, 0, 0, length);
  const regs: readonly (readonly [number, number])[] = [[CAP_REGISTER, pair.ep], [MSG_INFO_REGISTER, info]];
  return (iterations) => {
    for (let i = 0; i < iterations; i++) {
      s = callKernel(withRegisters(s, s.curThread, regs), CALL);
      s = callKernel(withRegisters(s, s.curThread, regs), REPLY_RECV);
    }
    if (s.curThread !== pair.client) throw new Error('ipc bench: the client is not current after a round trip');
    return s;
  };
}

/** `iterations` round trips of the user programs on the machine (two kernel entries each). */
export function machineRoundTrips(pair: IpcPair): (iterations: number) => number {
  const m = pair.sys.machine;
  return (iterations) => m.run({ maxTraps: 2 * iterations, maxInstructions: Infinity }).traps;
}

/**
 * `iterations` null entries on the impl kernel: a spurious interrupt (the trap, no active
 * line, `schedule` and `activateThread` with nothing to do), the floor under every entry, as
 * sel4bench's null syscall is on seL4.
 */
export function implNullEntries(pair: IpcPair): (iterations: number) => number {
  if (!(pair.sys.port instanceof ImplPort)) throw new Error('not an impl system');
  const k = pair.sys.port.kernel;
  return (iterations) => {
    for (let i = 0; i < iterations; i++) k.callKernel(SPURIOUS);
    return k.ksCurThread;
  };
}

/** The fastpath round-trip goal (half of seL4's ~0.72 µs on the Cortex-A9), in ns. */
export const FASTPATH_ROUNDTRIP_GOAL_NS = 360;
/** The fastpath must be at least this many times faster than the impl slowpath. */
export const FASTPATH_SPEEDUP_GOAL = 3;

/** The `ipc` suite (see the module comment). */
export const ipcSuite: BenchSuite = {
  name: 'ipc',
  run(ctx) {
    for (const [length, suffix] of IPC_LENGTHS) {
      const slow = ctx.measure(`roundtrip.slowpath${suffix}`, implRoundTrips(ipcPair('impl', length, false, true), length));
      ctx.measure(`roundtrip.fastpath${suffix}`, implRoundTrips(ipcPair('impl', length, false, true), length, true));
      if (length <= 4 && slow !== undefined) {
        ctx.goal(`roundtrip.fastpath${suffix}`, 'median', slow.median / FASTPATH_SPEEDUP_GOAL,
          `fastpath round trip (length ${length}) >= ${FASTPATH_SPEEDUP_GOAL}x faster than the impl slowpath`);
      }
      ctx.measure(`roundtrip.spec${suffix}`, specRoundTrips(ipcPair('spec', length, false, true), length));
    }
    ctx.goal('roundtrip.fastpath', 'median', FASTPATH_ROUNDTRIP_GOAL_NS, 'fastpath round trip <= 360 ns (half of seL4 on the Cortex-A9)');
    // One half on the fastpath, the other on the slowpath: the difference to the slowpath
    // round trip is what the fastpath saves on that half (a one-way time is not separable
    // without a timer read around each entry).
    ctx.measure('roundtrip.callFastOnly', implRoundTrips(ipcPair('impl', 0, false, true), 0, true, false));
    ctx.measure('roundtrip.replyRecvFastOnly', implRoundTrips(ipcPair('impl', 0, false, true), 0, false, true));
    ctx.measure('null.spuriousInterrupt', implNullEntries(ipcPair('impl', 0, false, true)));
    ctx.measure('roundtrip.machine.impl', machineRoundTrips(ipcPair('impl', 0, true)));
    ctx.measure('roundtrip.machine.spec', machineRoundTrips(ipcPair('spec', 0, true)));
  },
};
