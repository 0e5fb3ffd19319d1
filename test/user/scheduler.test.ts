// sel4test-style scheduling behaviours (scheduler.c, faults.c), as user programs, on the spec
// and the impl kernel with identical traces.
import { describe, expect, test } from 'vitest';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { ALL_RIGHTS_WORD, cnodeCopy, tcbResume, tcbSuspend } from '../../refinement/user/libsel4-invocations.js';
import { Logs, rootProgram, runOnBoth } from './harness.js';

describe('scheduling behaviours on both kernels', () => {
  test('Yield: threads of equal priority take turns; a resumed thread joins its queue at the head', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      for (const [name, index] of [['A', 1], ['B', 2]] as const) {
        yield* root.spawn(function* (l) {
          for (let i = 0; i < 3; i++) {
            log.push(`${name}${i}`);
            yield* l.yield();
          }
          yield* l.u.undefinedInstruction();
        }, { priority: 255, bufferIndex: index });
      }
      for (let i = 0; i < 3; i++) {
        log.push(`R${i}`);
        yield* root.sel4.yield();
      }
      yield* root.sel4.u.undefinedInstruction();
    }));
    // `restart` enqueues at the head (tcbSchedEnqueue) before possibleSwitchTo, so B, resumed
    // last, is ahead of A when the root task first yields.
    expect(logs.agreed()).toEqual(['R0', 'B0', 'A0', 'R1', 'B1', 'A1', 'R2', 'B2', 'A2']);
  });

  test('Yield with no other thread of that priority returns to the caller at once', () => {
    const logs = new Logs();
    const { spec } = runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      yield* root.spawn(function* () {
        log.push('low runs');
      }, { priority: 10 });
      yield* root.sel4.yield();
      log.push('root after yield');
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['root after yield', 'low runs']);
    expect(spec.result.reason).toBe('exit'); // the low thread's program returned
  });

  test('a thread that suspends itself stops; resumed, it restarts at its Suspend call and stops again', () => {
    const logs = new Logs();
    const { spec } = runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const self = root.allocSlot();
      const t = yield* root.spawn(function* (l) {
        log.push('thread suspends');
        yield* tcbSuspend(l, self);
        log.push('thread resumed');
        yield* l.u.undefinedInstruction();
      }, { priority: 255 });
      // The thread's own TCB cap, in a slot it names.
      yield* cnodeCopy(root.sel4, INITIAL_CAP.CapInitThreadCNode, self, 32, INITIAL_CAP.CapInitThreadCNode, t.slot, 32, ALL_RIGHTS_WORD);
      yield* root.sel4.yield();
      log.push('root yields again');
      yield* root.sel4.yield();
      log.push('root resumes it');
      yield* tcbResume(root.sel4, t.slot);
      yield* root.sel4.yield();
      log.push('root done');
      yield* root.sel4.u.undefinedInstruction();
    }));
    // The Suspend ran with the thread in Restart (set before every invocation), so `suspend`
    // did not move its restart PC past the svc: Resume re-executes the Suspend.
    expect(logs.agreed()).toEqual(['thread suspends', 'root yields again', 'root resumes it', 'root done']);
    const suspends = spec.sys.trace.filter((e) => e.event.kind === 'Syscall' && e.event.syscall === 'SysCall' && e.from !== spec.sys.rootThread);
    expect(suspends).toHaveLength(2);
    expect(suspends[0]?.from).toBe(suspends[1]?.from);
  });

  test('a fault with no handler leaves the thread inactive; the others run on', () => {
    const logs = new Logs();
    const { spec } = runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      yield* root.spawn(function* (l) {
        log.push('faulter runs');
        yield* l.u.load32(0x50000000); // nothing mapped there, and no fault handler
        log.push('faulter continued');
      }, { priority: 255 });
      yield* root.sel4.yield();
      log.push('root runs on');
      yield* root.sel4.yield();
      log.push('root still alone');
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['faulter runs', 'root runs on', 'root still alone']);
    const fault = spec.sys.trace.find((e) => e.event.kind === 'VMFault');
    expect(fault?.to).toBe(spec.sys.rootThread);
  });
});
