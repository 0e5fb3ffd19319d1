// sel4test-style IPC behaviours (ipc.c, ipc_rights.c, scheduler.c SCHED0006), as user
// programs, on the spec and the impl kernel with identical traces.
import { describe, expect, test } from 'vitest';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { infoCapsUnwrapped, infoExtraCaps, infoLabel, infoLength, messageInfo } from '../../refinement/user/libsel4.js';
import { capRights } from '../../refinement/user/libsel4-invocations.js';
import { ROOT_DEPTH } from '../../refinement/user/root-task.js';
import { Logs, mint, rootProgram, runOnBoth } from './harness.js';

const CNODE = INITIAL_CAP.CapInitThreadCNode;


describe('IPC behaviours on both kernels', () => {
  test('a Call to a lower-priority server: a ready thread between the two priorities runs first', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      yield* root.spawn(function* (l) {
        log.push('server waits');
        let m = yield* l.recv(ep.slot);
        for (;;) {
          log.push(`server got ${m.mr[0]}`);
          m = yield* l.replyRecv(ep.slot, messageInfo(0, 0, 0, 1), [m.mr[0] * 2]);
        }
      }, { priority: 100, bufferIndex: 1 });
      yield* root.spawn(function* (l) {
        log.push('bystander runs');
        yield* l.u.undefinedInstruction();
      }, { priority: 200, bufferIndex: 2 });
      log.push('client calls');
      const r = yield* root.sel4.call(ep.slot, messageInfo(0, 0, 0, 1), [21]);
      log.push(`client got ${r.mr[0]}`);
      yield* root.sel4.u.undefinedInstruction();
    }));
    // The server at 100 and the bystander at 200 wait until the root task (255) blocks. The
    // Call makes the server runnable, but the scheduler's fast-fail rule picks the bystander
    // first (its priority is higher than the server's); the reply wakes the client at once.
    expect(logs.agreed()).toEqual(['client calls', 'bystander runs', 'server waits', 'server got 21', 'client got 42']);
  });

  test('NBSend with no receiver drops the message; a later NBRecv finds nothing (badge 0)', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const badged = yield* mint(root, ep.slot, 0x77);
      yield* root.sel4.nbSend(badged, messageInfo(5, 0, 0, 2), [1, 2]);
      log.push('nbsend returned');
      const m = yield* root.sel4.nbRecv(ep.slot);
      log.push(`nbrecv badge ${m.badge}`);
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['nbsend returned', 'nbrecv badge 0']);
  });

  test('Recv on an endpoint with a queued sender takes its message and badge at once, and the sender runs on', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const badged = yield* mint(root, ep.slot, 0x123);
      yield* root.spawn(function* (l) {
        log.push('sender sends');
        yield* l.send(badged, messageInfo(9, 0, 0, 6), [1, 2, 3, 4, 5, 6]);
        log.push('sender done');
        yield* l.u.undefinedInstruction();
      }, { priority: 255 });
      yield* root.sel4.yield(); // the sender, at the same priority, runs and blocks on the endpoint
      log.push('receiver receives');
      const m = yield* root.sel4.recv(ep.slot);
      const mrs = yield* root.sel4.getMRs(m, infoLength(m.info));
      log.push(`label ${infoLabel(m.info)} badge ${m.badge.toString(16)} mrs ${mrs.join(',')}`);
      yield* root.sel4.yield();
      log.push('receiver again');
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual([
      'sender sends', 'receiver receives', 'label 9 badge 123 mrs 1,2,3,4,5,6', 'sender done', 'receiver again',
    ]);
  });

  test('a Call through a Grant endpoint cap transfers a notification cap the server then signals', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const ntfn = yield* root.create('Notification');
      const badgedNtfn = yield* mint(root, ntfn.slot, 0x40);
      const received = root.allocSlot();
      yield* root.spawn(function* (l) {
        yield* l.setCapReceivePath(CNODE, received, ROOT_DEPTH);
        const m = yield* l.recv(ep.slot);
        log.push(`server: extraCaps ${infoExtraCaps(m.info)} unwrapped ${infoCapsUnwrapped(m.info)}`);
        yield* l.signal(received);
        yield* l.reply(messageInfo(0, 0, 0, 0));
        yield* l.u.undefinedInstruction();
      }, { priority: 100 });
      yield* root.sel4.setCap(0, badgedNtfn);
      yield* root.sel4.call(ep.slot, messageInfo(0, 0, 1, 0));
      log.push(`client: poll ${(yield* root.sel4.poll(ntfn.slot)).toString(16)}`);
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['server: extraCaps 1 unwrapped 0', 'client: poll 40']);
  });

  test('an endpoint cap sent over the same endpoint is unwrapped to its badge', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const badged = yield* mint(root, ep.slot, 0x99);
      yield* root.spawn(function* (l) {
        const m = yield* l.recv(ep.slot);
        log.push(`extraCaps ${infoExtraCaps(m.info)} unwrapped ${infoCapsUnwrapped(m.info)} badge0 ${(yield* l.getBadge(0)).toString(16)}`);
        yield* l.u.undefinedInstruction();
      }, { priority: 100 });
      yield* root.sel4.setCap(0, badged);
      yield* root.sel4.send(ep.slot, messageInfo(0, 0, 1, 0));
      yield* root.sel4.u.undefinedInstruction();
    }));
    expect(logs.agreed()).toEqual(['extraCaps 1 unwrapped 1 badge0 99']);
  });

  test('a Call on an endpoint cap with neither Grant nor GrantReply: the message arrives, the caller becomes inactive', () => {
    const logs = new Logs();
    runOnBoth((sys) => rootProgram(sys, function* (root) {
      const log = logs.of(sys);
      const ep = yield* root.create('Endpoint');
      const sendOnly = yield* mint(root, ep.slot, 0, capRights(false, false, false, true));
      yield* root.spawn(function* (l) {
        const m = yield* l.recv(ep.slot);
        log.push(`server got ${m.mr[0]}`);
        yield* l.reply(messageInfo(0, 0, 0, 0)); // no caller: nothing happens
        log.push('server replied');
        yield* l.u.undefinedInstruction();
      }, { priority: 100 });
      yield* root.sel4.call(sendOnly, messageInfo(0, 0, 0, 1), [5]);
      log.push('client resumed');
    }));
    expect(logs.agreed()).toEqual(['server got 5', 'server replied']);
  });
});
