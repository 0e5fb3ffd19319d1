// The rendezvous action: IPC chosen from the state so that it meets a partner. Each scenario
// starts from the booted spec, brings a second thread up at the root task's priority with the
// switch action, and then checks that the choices complete what they are meant to.
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import type { Action, RendezvousAction, RendezvousPattern } from '../../refinement/generators/action.js';
import { rendezvousAction, waitingCaller } from '../../refinement/generators/rendezvous.js';
import { resolveAction } from '../../refinement/generators/resolve.js';
import type { Notification } from '../../spec/state/object.js';
import { BOOT, ROOT_TCB, step, tcb, twoThreads } from './two-threads.js';

const rdv = (first: RendezvousPattern, k = 2, more: Partial<RendezvousAction> = {}): RendezvousAction => ({
  t: 'Rendezvous', first, k, label: 0, mrs: [5, 6], word: 3, word2: 1, ...more,
});

describe('rendezvous', () => {
  it('waits, is called, and replies to the caller', () => {
    let { s, child } = twoThreads();
    let r = step(s, rdv('await'));
    expect(r.text).toMatch(/^Recv\(ep@0x[0-9a-f]+\) \(waiting for a partner\)$/);
    s = r.s;
    expect(s.curThread).toBe(child);
    r = step(s, rdv('call', 2, { mrs: [7, 8, 9] }));
    expect(r.text).toMatch(/^Call\(ep@.*\(a receiver waits\)$/);
    s = r.s;
    expect(s.curThread).toBe(ROOT_TCB);
    expect(tcb(s, child).state.kind).toBe('BlockedOnReply');
    expect(waitingCaller(s)).toBe(child);
    r = step(s, rdv('serve', 2));
    expect(r.text).toMatch(/^Reply\(label=0x0, mrs=\[0x5 0x6\]\) \(to tcb/);
    expect(tcb(r.s, child).state.kind).toBe('Running');
  });

  it('saves the caller\'s reply cap and replies through it later', () => {
    let { s, child } = twoThreads();
    s = step(s, rdv('await')).s;
    s = step(s, rdv('call', 2)).s;
    expect(waitingCaller(s)).toBe(child);
    let r = step(s, rdv('reply', 5));
    expect(r.text).toMatch(/^CNodeSaveCaller\(root, 0x[0-9a-f]+\/32\)/);
    s = r.s;
    expect(waitingCaller(s)).toBeUndefined();
    expect(tcb(s, child).state.kind).toBe('BlockedOnReply');
    r = step(s, rdv('reply', 1));
    expect(r.text).toMatch(/^Call\(reply@0x[0-9a-f]+, .*\(a saved reply cap\)$/);
    expect(tcb(r.s, child).state.kind).toBe('Running');
  });

  it('serves a thread queued to send, and cancels the sends of one badge only', () => {
    let { s, child } = twoThreads();
    s = step(s, { t: 'Plain', syscall: 'SysYield' }).s;
    expect(s.curThread).toBe(child);
    const q = step(s, rdv('queue', 3));
    expect(q.text).toMatch(/^Send\(ep@.*\(queues, badge 0x0\)$/);
    s = q.s;
    expect(tcb(s, child).state).toMatchObject({ kind: 'BlockedOnSend', badge: 0 });
    // No badged cap yet: the cancel mints one, then cancels its badge's sends, not the child's.
    const minted = step(s, rdv('cancel', 4));
    expect(minted.text).toMatch(/^CNodeMint\(.*\(a badged cap\)$/);
    const cancelled = step(minted.s, rdv('cancel', 4));
    expect(cancelled.text).toMatch(/^CNodeCancelBadgedSends\(root, 0x[0-9a-f]+\/32\) \(badge 0x[0-9a-f]+, queued 0x0\)$/);
    expect(tcb(cancelled.s, child).state.kind).toBe('BlockedOnSend');
    const served = step(minted.s, rdv('serve', 1));
    expect(served.text).toMatch(/^Recv\(ep@.*\(a sender waits\)$/);
    expect(tcb(served.s, child).state.kind).toBe('Running');
  });

  it('gives a thread a fault handler, waits on it, and receives the thread\'s prefetch abort', () => {
    let { s, child } = twoThreads();
    let r = step(s, rdv('handler'));
    expect(r.text).toMatch(/^TCBSetSpace\(tcb@.*\(a fault handler\)$/);
    s = r.s;
    r = step(s, rdv('await', 1));
    expect(r.text).toMatch(/waiting for a partner/);
    s = r.s;
    expect(s.curThread).toBe(child);
    // k = 1: the second fault of the list, an instruction fault.
    r = step(s, rdv('fault', 1, { word: 0x4000 }));
    expect(r.text).toMatch(/^VMFault\(Instruction, 0x4000, .*\(to its handler\)$/);
    s = r.s;
    expect(tcb(s, child)).toMatchObject({ state: { kind: 'BlockedOnReply' }, fault: { kind: 'VMFault', instructionFault: true } });
    expect(s.curThread).toBe(ROOT_TCB);
    expect(waitingCaller(s)).toBe(child);
  });

  it('signals a notification nobody waits on through caps of different badges, so the badges are ORed', () => {
    let { s } = twoThreads();
    s = step(s, rdv('signal')).s; // makes a notification
    let r = step(s, rdv('signal', 2, { word: 3, word2: 1 }));
    expect(r.text).toMatch(/^CNodeMint\(.*badge=0x8\) \(a badged cap\)$/);
    s = r.s;
    r = step(s, rdv('signal', 2));
    expect(r.text).toMatch(/^Signal\(ntfn@0x[0-9a-f]+\) \(badge 0x8\)$/);
    s = r.s;
    r = step(s, rdv('signal', 2));
    expect(r.text).toMatch(/^Signal\(ntfn@0x[0-9a-f]+\) \(badge 0x0 onto 0x8\)$/);
    const ntfns = [...r.s.kheap.values()].filter((o): o is Notification => o.kind === 'Notification');
    expect(ntfns.map((n) => n.state)).toContainEqual({ kind: 'ActiveNtfn', badge: 8 });
  });

  it('signals a notification a thread waits on', () => {
    let { s, child } = twoThreads();
    s = step(s, rdv('signal')).s; // makes a notification
    const wait: Action = { t: 'IPC', syscall: 'SysRecv', cap: { how: 'notification', k: 0 }, label: 0, mrs: [], caps: [], receiveSlot: null, evenIfStuck: false };
    s = step(s, wait).s;
    expect(tcb(s, ROOT_TCB).state.kind).toBe('BlockedOnNotification');
    expect(s.curThread).toBe(child);
    const r = step(s, rdv('signal', 3));
    expect(r.text).toMatch(/^Signal\(ntfn@0x[0-9a-f]+\) \(badge 0x0, wakes a waiter\)$/);
    expect(tcb(r.s, ROOT_TCB).state.kind).toBe('Running');
  });

  it('makes an endpoint and a notification to meet on, and never makes the root task fault', () => {
    let r = step(BOOT, rdv('fault'));
    expect(r.text).toMatch(/type=Endpoint.*none to act on yet/);
    r = step(r.s, rdv('signal'));
    expect(r.text).toMatch(/type=Notification.*none to act on yet/);
    const { s } = twoThreads();
    const root = resolveAction(s, rdv('fault', 4));
    expect(root.event).toEqual({ kind: 'Syscall', syscall: 'SysRecv' });
    expect(root.text).toMatch(/waiting for a partner/);
  });

  test.prop([rendezvousAction], { numRuns: 100 })('resolves to an entry of the current thread from any state of a scenario', (a) => {
    const { s } = twoThreads();
    const r = resolveAction(s, a);
    for (const [reg, v] of r.registers) expect(reg >= 0 && v >>> 0 === v).toBe(true);
    for (const [w] of r.ipcWords) expect((w >= 5 && w <= 120) || (w >= 122 && w <= 127)).toBe(true);
  });
});
