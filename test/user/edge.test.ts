// Less travelled paths, as user programs, on the spec and the impl kernel with identical
// traces: timer round robin, cancelling a blocked send, cancelling badged sends, a cap
// fault delivered to a handler, reading and writing another thread's registers.
import { describe, expect, test } from 'vitest';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { LABEL } from '../../abi/labels.js';
import { infoLabel, infoLength, messageInfo } from '../../refinement/user/libsel4.js';
import {
  invoke, tcbReadRegisters, tcbResume, tcbSetPriority, tcbSuspend, tcbWriteRegisters,
} from '../../refinement/user/libsel4-invocations.js';
import { ROOT_DEPTH } from '../../refinement/user/root-task.js';
import { Logs, mint, rootProgram, runOnBoth } from './harness.js';

const CNODE = INITIAL_CAP.CapInitThreadCNode;


describe('edge paths on both kernels', () => {
  test('timer ticks share the CPU between two busy threads of equal priority, a time slice (5 ticks) each', () => {
    const logs = new Logs();
    let finished = 0;
    const { spec } = runOnBoth((sys) => {
      finished = 0;
      rootProgram(sys, function* (root) {
        const log = logs.of(sys);
        for (const [name, index] of [['A', 1], ['B', 2]] as const) {
          yield* root.spawn(function* (l) {
            for (let i = 0; i < 4; i++) {
              yield* l.u.work(6_000_000);
              log.push(`${name}${i}`);
            }
            finished++;
            yield* l.u.undefinedInstruction();
          }, { priority: 254, bufferIndex: index });
        }
        yield* tcbSuspend(root.sel4, INITIAL_CAP.CapInitThreadTCB);
      });
    }, { until: () => finished === 2 }, { machine: { startKernelTimer: true } });
    // 10 ms slices from B (resumed last, so at the head of the queue): B0 at 6, A0 at 16,
    // B1 and B2 at 22 and 28, A1 and A2 at 32 and 38, B3 at 44; then A alone.
    expect(logs.agreed()).toEqual(['B0', 'A0', 'B1', 'B2', 'A1', 'A2', 'B3', 'A3']);
    expect(spec.sys.trace.filter((e) => e.event.kind === 'Interrupt').length).toBeGreaterThan(20);
  });

  test('suspending a thread blocked in Send takes it off the endpoint queue', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const badged = yield* mint(root, ep.slot, 3);
      const t = yield* root.spawn(function* (l) {
        yield* l.send(badged, messageInfo(0, 0, 0, 1), [1]);
        log.push('sender resumed');
        yield* l.u.undefinedInstruction();
      }, { priority: 255 });
      yield* root.sel4.yield();
      yield* tcbSuspend(root.sel4, t.slot);
      log.push(`nbrecv badge ${(yield* root.sel4.nbRecv(ep.slot)).badge}`);
      yield* tcbResume(root.sel4, t.slot); // restarts the Send
      yield* root.sel4.yield();
      const m = yield* root.sel4.recv(ep.slot);
      log.push(`recv badge ${m.badge} mr0 ${m.mr[0]}`);
      yield* root.sel4.yield();
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['nbrecv badge 0', 'recv badge 3 mr0 1', 'sender resumed']);
  });

  test('CancelBadgedSends restarts the senders with that badge only', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const b1 = yield* mint(root, ep.slot, 1);
      const b2 = yield* mint(root, ep.slot, 2);
      for (const [cap, index] of [[b1, 1], [b2, 2], [b1, 3]] as const) {
        yield* root.spawn(function* (l) {
          yield* l.send(cap, messageInfo(0, 0, 0, 1), [index]);
          log.push(`sender ${index} done`);
          yield* l.u.undefinedInstruction();
        }, { priority: 255, bufferIndex: index });
      }
      yield* root.sel4.yield(); // all three block in Send
      const err = infoLabel((yield* invoke(root.sel4, CNODE, LABEL.CNodeCancelBadgedSends, [b1, ROOT_DEPTH])).info);
      log.push(`cancel ${err}`);
      const m = yield* root.sel4.recv(ep.slot);
      log.push(`recv badge ${m.badge} mr0 ${m.mr[0]}`);
      yield* root.sel4.yield();
      yield* root.sel4.u.undefinedInstruction();
    }));
    // The cancelled senders restart their Send and queue again behind sender 2.
    expect(logs.agreed()).toEqual(['cancel 0', 'recv badge 2 mr0 2', 'sender 2 done']);
  });

  test('a Call whose CPtr fails the root CNode\'s guard is a cap fault delivered to the fault handler', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      yield* root.spawn(function* (l) {
        yield* l.call(0x80000000, messageInfo(0, 0, 0, 0));
        log.push('caller restarted');
        yield* l.u.undefinedInstruction();
      }, { priority: 100, faultEP: ep.slot });
      const m = yield* root.sel4.recv(ep.slot);
      log.push(`label ${infoLabel(m.info)} mrs ${(yield* root.sel4.getMRs(m, infoLength(m.info))).join(',')}`);
      yield* root.sel4.u.undefinedInstruction();
    }));
    // CapFault: IP, address, in receive phase, GuardMismatch (3 + 1), bits left 32, then the
    // guard as the CNode cap holds it (0: seL4 reports the cap's guard, not the CPtr's bits)
    // and the guard size 20.
    expect(logs.agreed()).toEqual([`label 1 mrs ${0x11100},${0x80000000},0,4,32,0,20`]);
  });

  test('a receiver woken by a higher-priority sender waits; ReadRegisters with suspend, then WriteRegisters with resume', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const t = yield* root.spawn(function* (l) {
        l.u.regs[6] = 0x66;
        yield* l.recv(ep.slot);
        log.push(`woken with r6 ${(l.u.regs[6] ?? 0).toString(16)}`);
        yield* l.u.undefinedInstruction();
      }, { priority: 100 });
      yield* tcbSetPriority(root.sel4, t.slot, INITIAL_CAP.CapInitThreadTCB, 200);
      yield* root.sel4.send(ep.slot, messageInfo(0, 0, 0, 0)); // nobody waits yet: the root task blocks
      const r = yield* tcbReadRegisters(root.sel4, t.slot, true, 0, 19);
      log.push(`read ${r.error} pc ${(r.regs[0] ?? 0).toString(16)} r6 ${(r.regs[14] ?? 0).toString(16)}`);
      const regs = r.regs.slice();
      regs[14] = 0x77;
      regs[0] = (regs[0] ?? 0) + 4;
      log.push(`write ${yield* tcbWriteRegisters(root.sel4, t.slot, true, 0, 19, regs)}`);
      yield* root.sel4.u.undefinedInstruction();
    }));
    // Suspending a Running thread moves its restart PC past its svc (updateRestartPC), so
    // ReadRegisters reports pc 0x11104; the written r6 is what the thread sees when it runs.
    expect(logs.agreed()).toEqual(['read 0 pc 11104 r6 66', 'write 0', 'woken with r6 77']);
  });
});
