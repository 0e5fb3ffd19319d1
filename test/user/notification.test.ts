// sel4test-style notification behaviours (nbwait.c, binding.c), as user programs, on the
// spec and the impl kernel with identical traces.
import { describe, expect, test } from 'vitest';
import { messageInfo } from '../../refinement/user/libsel4.js';
import { tcbBindNotification, tcbResume } from '../../refinement/user/libsel4-invocations.js';
import { Logs, mint, rootProgram, runOnBoth } from './harness.js';



describe('notification behaviours on both kernels', () => {
  test('Poll on an idle notification returns badge 0 without blocking', () => {
    const logs = new Logs();
    const { spec } = runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ntfn = yield* root.create('Notification');
      log.push(`poll ${yield* root.sel4.poll(ntfn.slot)}`);
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['poll 0']);
    const poll = spec.sys.trace.at(-2);
    expect(poll?.event).toEqual({ kind: 'Syscall', syscall: 'SysNBRecv' });
    expect(poll?.to).toBe(spec.sys.rootThread);
  });

  test('Signal ORs badges; Wait on the signalled notification returns them without blocking and clears them', () => {
    const logs = new Logs();
    const { spec } = runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ntfn = yield* root.create('Notification');
      const a = yield* mint(root, ntfn.slot, 0x1);
      const b = yield* mint(root, ntfn.slot, 0x4);
      yield* root.sel4.signal(a);
      yield* root.sel4.signal(b);
      yield* root.sel4.signal(a);
      log.push(`wait ${yield* root.sel4.wait(ntfn.slot)}`);
      log.push(`poll ${yield* root.sel4.poll(ntfn.slot)}`);
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['wait 5', 'poll 0']);
    expect(spec.sys.trace.filter((e) => e.event.kind === 'Syscall').every((e) => e.to === spec.sys.rootThread)).toBe(true);
  });

  test('a thread waiting on a notification is woken by a Signal with the badge', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ntfn = yield* root.create('Notification');
      const badged = yield* mint(root, ntfn.slot, 0x2a);
      yield* root.spawn(function* (l) {
        log.push('waiter waits');
        log.push(`waiter got ${yield* l.wait(ntfn.slot)}`);
        yield* l.u.undefinedInstruction();
      }, { priority: 255 });
      yield* root.sel4.yield();
      log.push('root signals');
      yield* root.sel4.signal(badged);
      log.push('root after signal');
      yield* root.sel4.yield();
      yield* root.sel4.u.undefinedInstruction();
    }));
    // The woken waiter has the root task's priority: it queues behind it and runs at the Yield.
    expect(logs.agreed()).toEqual(['waiter waits', 'root signals', 'root after signal', 'waiter got 42']);
  });

  test('a thread bound to a notification, waiting on an endpoint, receives a signal as badge with a zero message', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const ntfn = yield* root.create('Notification');
      const badged = yield* mint(root, ntfn.slot, 0x11);
      const t = yield* root.spawn(function* (l) {
        const m = yield* l.recv(ep.slot);
        log.push(`bound thread: badge ${m.badge} info ${m.info}`);
        const n = yield* l.recv(ep.slot);
        log.push(`bound thread: mr0 ${n.mr[0]} badge ${n.badge}`);
        yield* l.u.undefinedInstruction();
      }, { priority: 100, resume: false });
      const err = yield* tcbBindNotification(root.sel4, t.slot, ntfn.slot);
      if (err !== 0) throw new Error(`BindNotification failed: ${err}`);
      if ((yield* tcbResume(root.sel4, t.slot)) !== 0) throw new Error('Resume failed');
      // The signal comes first and stays pending; the Send blocks the root task, and the bound
      // thread's Recv then finds the notification active before the queued sender.
      yield* root.sel4.signal(badged);
      yield* root.sel4.send(ep.slot, messageInfo(0, 0, 0, 1), [77]);
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['bound thread: badge 17 info 0', 'bound thread: mr0 77 badge 0']);
  });
});
