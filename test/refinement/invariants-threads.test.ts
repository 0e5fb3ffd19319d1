// The thread, IPC, reply, scheduler and IRQ invariants hold on the booted spec state and on a
// state with IPC in flight (threads retyped from an untyped after boot, then blocked on an
// endpoint and a notification, waiting for a reply, queued), and each one reports a state
// broken in the way it forbids.
import { describe, expect, it } from 'vitest';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { bootSpec } from '../../spec/boot.js';
import { masterReplyCap } from '../../spec/boot/threads.js';
import { getCap } from '../../spec/kernel/cspace-access.js';
import { getTCB, setObject } from '../../spec/kernel/kheap.js';
import { decodeUntypedInvocation, invokeUntyped } from '../../spec/object/untyped.js';
import { NULL_CAP, type Cap } from '../../spec/state/cap.js';
import { ChildList } from '../../spec/state/child-list.js';
import { slotKey, type CSlot } from '../../spec/state/cslot.js';
import { readyQueueKey, type KernelState } from '../../spec/state/kernel-state.js';
import type { CNode, TCB } from '../../spec/state/object.js';
import type { ThreadState } from '../../spec/state/thread.js';
import { allInvariants, checkInvariants, DEFAULT_CONTEXT, invariantNamed } from '../../refinement/invariants/index.js';

const FAMILIES = new Set(['threads', 'sched', 'reply', 'irq']);
const OURS = allInvariants.filter((i) => FAMILIES.has(i.family) || i.name === 'valid_global_refs');
const TYPE = { TCB: 1, Endpoint: 2, Notification: 3 } as const;

function violationsOf(name: string, s: KernelState): string[] {
  const inv = invariantNamed(name);
  if (inv === undefined) throw new Error(`no invariant ${name}`);
  return inv.check(s, DEFAULT_CONTEXT).map((v) => `${v.where}: ${v.message}`);
}

const BOOT = bootSpec();
const ROOT_TCB = BOOT.curThread;
const CNODE = (getTCB(BOOT, ROOT_TCB).caps[0] as Extract<Cap, { kind: 'CNodeCap' }>).ptr;
const at = (index: number): CSlot => ({ obj: CNODE, index });

// A RAM untyped of 64 KiB or more (boot leaves none with children: retype resets it), and the first run of empty slots after the last cap.
function untypedSlot(s: KernelState): number {
  const cn = s.kheap.get(CNODE) as CNode;
  const found = [...cn.slots.entries()].find(([, c]) => c.kind === 'UntypedCap' && !c.isDevice && c.sizeBits >= 16);
  if (found === undefined) throw new Error('no free RAM untyped after boot');
  return found[0];
}
const UT_SLOT = untypedSlot(BOOT);
const FIRST_FREE = Math.max(...(BOOT.kheap.get(CNODE) as CNode).slots.keySeq().toArray()) + 1;

// Untyped_Retype of `count` objects of `type` into the root CNode at `offset`.
function retype(s: KernelState, type: number, offset: number, count: number): KernelState {
  const ut = at(UT_SLOT);
  const root = at(INITIAL_CAP.CapInitThreadCNode);
  const ucap = getCap(s, ut);
  if (ucap.kind !== 'UntypedCap') throw new Error('no untyped');
  const d = decodeUntypedInvocation(s, 'UntypedRetype', [type, 0, 0, 0, offset, count], ut, ucap, [{ cap: getCap(s, root), slot: root }]);
  if (!d.ok) throw new Error(`retype failed: ${JSON.stringify(d)}`);
  return invokeUntyped(s, d.value).state;
}

function withTCB(s: KernelState, t: number, f: (tcb: TCB) => TCB): KernelState {
  return setObject(s, t, f(getTCB(s, t)));
}

function objAt(s: KernelState, index: number): number {
  const c = getCap(s, at(index));
  if (c.kind === 'ThreadCap') return c.tcb;
  if (c.kind === 'EndpointCap' || c.kind === 'NotificationCap') return c.ptr;
  throw new Error(`slot ${index} holds ${c.kind}`);
}

// Five fresh threads T[0..4], an endpoint and a notification; then, as IPC would leave
// them: T0 and T1 blocked sending on the endpoint (T0 a call), T2 waiting on its bound
// notification, T3 waiting for the root task's reply (the reply cap in the root TCB's
// caller slot, a CDT child of T3's master reply cap), T4 runnable in its ready queue.
function ipcState(): { s: KernelState; T: number[]; EP: number; NTFN: number } {
  let s = retype(BOOT, TYPE.TCB, FIRST_FREE, 5);
  s = retype(s, TYPE.Endpoint, FIRST_FREE + 5, 1);
  s = retype(s, TYPE.Notification, FIRST_FREE + 6, 1);
  const T = [0, 1, 2, 3, 4].map((i) => objAt(s, FIRST_FREE + i));
  const EP = objAt(s, FIRST_FREE + 5);
  const NTFN = objAt(s, FIRST_FREE + 6);
  const running = (t: number, st: ThreadState) => (tcb: TCB): TCB => ({ ...tcb, state: st, caps: [tcb.caps[0], tcb.caps[1], masterReplyCap(t), tcb.caps[3], tcb.caps[4]] });
  const send: ThreadState = { kind: 'BlockedOnSend', ep: EP, badge: 0, canGrant: true, canGrantReply: true, isCall: true };
  s = withTCB(s, T[0]!, running(T[0]!, send));
  s = withTCB(s, T[1]!, running(T[1]!, { ...send, isCall: false }));
  s = withTCB(s, T[2]!, (tcb) => ({ ...running(T[2]!, { kind: 'BlockedOnNotification', ntfn: NTFN })(tcb), boundNotification: NTFN }));
  s = withTCB(s, T[3]!, running(T[3]!, { kind: 'BlockedOnReply' }));
  s = withTCB(s, T[4]!, (tcb) => ({ ...running(T[4]!, { kind: 'Running' })(tcb), priority: 7 }));
  s = setObject(s, EP, { kind: 'Endpoint', state: { kind: 'SendEP', queue: [T[0]!, T[1]!] } });
  s = setObject(s, NTFN, { kind: 'Notification', state: { kind: 'WaitingNtfn', queue: [T[2]!] }, boundTCB: T[2]! });
  const caller: Cap = { kind: 'ReplyCap', tcb: T[3]!, isMaster: false, rights: { read: false, write: true, grant: true, grantReply: false } };
  s = withTCB(s, ROOT_TCB, (tcb) => ({ ...tcb, caps: [tcb.caps[0], tcb.caps[1], tcb.caps[2], caller, tcb.caps[4]] }));
  const master: CSlot = { obj: T[3]!, index: 2 };
  const callerSlot: CSlot = { obj: ROOT_TCB, index: 3 };
  const originals = T.map((t) => slotKey({ obj: t, index: 2 }));
  s = {
    ...s,
    cdt: s.cdt.set(slotKey(callerSlot), master),
    cdtList: s.cdtList.set(slotKey(master), ChildList.of([callerSlot])),
    isOriginalCap: s.isOriginalCap.union(originals),
    readyQueues: s.readyQueues.set(readyQueueKey(0, 7), [T[4]!]),
  };
  return { s, T, EP, NTFN };
}

const { s: IPC, T, EP, NTFN } = ipcState();

describe('thread, IPC, scheduler and IRQ invariants on valid states', () => {
  it('every invariant holds after boot', () => {
    expect(checkInvariants(BOOT)).toEqual([]);
  });

  it('every invariant holds with IPC in flight', () => {
    expect(checkInvariants(IPC).map((v) => `${v.invariant} ${v.where}: ${v.message}`)).toEqual([]);
  });

  it('the IPC state has the shapes the invariants are about', () => {
    expect(IPC.kheap.get(EP)).toMatchObject({ state: { kind: 'SendEP' } });
    expect(IPC.kheap.get(NTFN)).toMatchObject({ boundTCB: T[2] });
    expect(getTCB(IPC, ROOT_TCB).caps[3]).toMatchObject({ kind: 'ReplyCap', tcb: T[3] });
  });
});

const t = (i: number): number => T[i]!;
const hex = (x: number): string => `0x${x.toString(16)}`;
const setState = (s: KernelState, th: number, st: ThreadState): KernelState => withTCB(s, th, (tcb) => ({ ...tcb, state: st }));
const withSched = (s: KernelState, a: KernelState['schedulerAction']): KernelState => ({ ...s, schedulerAction: a });
const rootSlotCap = (s: KernelState, i: number, c: Cap): KernelState => {
  const cn = s.kheap.get(CNODE) as CNode;
  return setObject(s, CNODE, { ...cn, slots: cn.slots.set(i, c) });
};
const callerCap = (th: number): Cap => ({ kind: 'ReplyCap', tcb: th, isMaster: false, rights: { read: false, write: true, grant: true, grantReply: false } });

// Each case breaks a valid state in one way: the invariant, text its report must contain,
// and the broken state.
const broken: [string, string, () => KernelState][] = [
  ['cur_tcb', hex(EP), () => ({ ...IPC, curThread: EP })],
  ['ct_running_or_ct_idle', hex(ROOT_TCB), () => setState(IPC, ROOT_TCB, { kind: 'Restart' })],
  ['ct_running_or_ct_idle', hex(ROOT_TCB), () => setState(IPC, ROOT_TCB, { kind: 'BlockedOnReply' })],
  ['valid_idle', 'the idle thread is in Inactive', () => setState(IPC, IPC.idleThread, { kind: 'Inactive' })],
  ['valid_idle', 'bound notification', () => withTCB(IPC, IPC.idleThread, (tcb) => ({ ...tcb, boundNotification: NTFN }))],
  ['only_idle', hex(t(4)), () => setState(IPC, t(4), { kind: 'IdleThreadState' })],
  // A thread blocked on the endpoint but missing from its queue.
  ['sym_refs', `thread ${hex(t(3))}`, () => setState(IPC, t(3), { kind: 'BlockedOnSend', ep: EP, badge: 0, canGrant: false, canGrantReply: false, isCall: false })],
  // A queued thread whose state does not name the endpoint.
  ['sym_refs', `thread ${hex(t(1))}`, () => setState(IPC, t(1), { kind: 'Running' })],
  // Receiving on an endpoint that holds senders.
  ['sym_refs', 'no EPRecv queue', () => setState(IPC, t(1), { kind: 'BlockedOnReceive', ep: EP, canGrant: false })],
  // One thread in two queues: the notification's queue too.
  ['sym_refs', `thread ${hex(t(0))}`, () => setObject(IPC, NTFN, { kind: 'Notification', state: { kind: 'WaitingNtfn', queue: [t(0)] }, boundTCB: null })],
  // Bound one way only, each way.
  ['sym_refs', 'not bound back', () => withTCB(IPC, t(4), (tcb) => ({ ...tcb, boundNotification: NTFN }))],
  ['sym_refs', 'not bound back', () => withTCB(IPC, t(2), (tcb) => ({ ...tcb, boundNotification: null, state: { kind: 'Inactive' } }))],
  ['if_live_then_nonz_cap', hex(t(4)), () => rootSlotCap(IPC, FIRST_FREE + 4, NULL_CAP)],
  ['if_live_then_nonz_cap', hex(EP), () => rootSlotCap(IPC, FIRST_FREE + 5, { kind: 'Zombie', ptr: EP, type: { kind: 'ZombieTCB' }, number: 0 })],
  ['valid_reply_caps', 'Running', () => setState(IPC, t(3), { kind: 'Running' })],
  ['valid_reply_caps', 'a second reply cap', () => withTCB(IPC, t(4), (tcb) => ({ ...tcb, caps: [tcb.caps[0], tcb.caps[1], tcb.caps[2], callerCap(t(3)), tcb.caps[4]] }))],
  ['valid_reply_masters', 'outside its reply slot', () => rootSlotCap(IPC, FIRST_FREE + 10, masterReplyCap(t(0)))],
  ['reply_caps_mdb', 'without a CDT parent', () => ({ ...IPC, cdt: IPC.cdt.delete(slotKey({ obj: ROOT_TCB, index: 3 })) })],
  ['reply_caps_mdb', 'not the master reply cap', () => ({ ...IPC, cdt: IPC.cdt.set(slotKey({ obj: ROOT_TCB, index: 3 }), { obj: t(0), index: 2 }) })],
  ['reply_masters_mdb', 'with a CDT parent', () => ({ ...IPC, cdt: IPC.cdt.set(slotKey({ obj: t(0), index: 2 }), { obj: t(1), index: 2 }) })],
  ['reply_masters_mdb', 'below a reply cap', () => ({ ...IPC, cdtList: IPC.cdtList.set(slotKey({ obj: t(0), index: 2 }), ChildList.of([at(FIRST_FREE + 5)])) })],
  ['valid_queues', 'BlockedOnReply', () => ({ ...IPC, readyQueues: IPC.readyQueues.set(readyQueueKey(0, 0), [t(3)]) })],
  ['valid_queues', 'priority 7', () => ({ ...IPC, readyQueues: IPC.readyQueues.delete(readyQueueKey(0, 7)).set(readyQueueKey(0, 8), [t(4)]) })],
  ['valid_queues', 'twice', () => ({ ...IPC, readyQueues: IPC.readyQueues.set(readyQueueKey(0, 7), [t(4), t(4)]) })],
  ['valid_queues', 'not a TCB', () => ({ ...IPC, readyQueues: IPC.readyQueues.set(readyQueueKey(0, 7), [t(4), EP]) })],
  ['ct_not_in_q', hex(ROOT_TCB), () => ({ ...IPC, readyQueues: IPC.readyQueues.set(readyQueueKey(0, 255), [ROOT_TCB]) })],
  ['valid_blocked', hex(t(4)), () => ({ ...IPC, readyQueues: IPC.readyQueues.delete(readyQueueKey(0, 7)) })],
  ['valid_sched_action', 'is_activatable', () => setState(IPC, ROOT_TCB, { kind: 'Inactive' })],
  ['valid_sched_action', 'weak_valid_sched_action', () => withSched(IPC, { kind: 'SwitchToThread', tcb: t(3) })],
  ['valid_sched_action', 'switch_in_cur_domain', () => withSched(withTCB(IPC, t(4), (tcb) => ({ ...tcb, domain: 1 })), { kind: 'SwitchToThread', tcb: t(4) })],
  ['ct_in_cur_domain', hex(ROOT_TCB), () => ({ ...IPC, curDomain: 2 })],
  ['valid_idle_etcb', hex(IPC.idleThread), () => withTCB(IPC, IPC.idleThread, (tcb) => ({ ...tcb, domain: 3 }))],
  ['valid_domain_list', 'end marker', () => ({ ...IPC, domainList: [{ domain: 0, duration: 5n }, { domain: 1, duration: 5n }] })],
  ['valid_domain_list', 'duration 0', () => ({ ...IPC, domainList: [{ domain: 1, duration: 0n }, { domain: 0, duration: 0n }] })],
  ['valid_domain_list', 'index', () => ({ ...IPC, domainIndex: IPC.domainList.length - 1 })],
  ['valid_irq_node', 'IRQ 3', () => ({ ...IPC, kheap: IPC.kheap.delete(IPC.irqNode + 3 * 16) })],
  ['valid_irq_handlers', 'IRQ 40', () => rootSlotCap(IPC, FIRST_FREE + 10, { kind: 'IRQHandlerCap', irq: 40 })],
  ['valid_irq_states', 'IRQ 41', () => ({ ...IPC, machine: { ...IPC.machine, irqMasks: IPC.machine.irqMasks.map((m, i) => (i === 41 ? false : m)) } })],
  ['valid_global_refs', `slot ${hex(CNODE)}[${FIRST_FREE + 10}]`, () => rootSlotCap(IPC, FIRST_FREE + 10, { kind: 'ThreadCap', tcb: IPC.idleThread })],
  ['valid_global_refs', 'the IRQ node', () => rootSlotCap(IPC, FIRST_FREE + 10, { kind: 'CNodeCap', ptr: IPC.irqNode + 16 * 5, bits: 0, guard: { value: 0, size: 0 } })],
];

describe('thread, IPC, scheduler and IRQ invariants on broken states', () => {
  it.each(broken)('%s reports %s', (name, where, make) => {
    const found = violationsOf(name, make());
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((v) => v.includes(where)), found.join('\n')).toBe(true);
  });

  it('covers every invariant of these families with a broken state', () => {
    const tested = new Set(broken.map(([n]) => n));
    for (const inv of OURS) expect(tested.has(inv.name), inv.name).toBe(true);
  });

  it('an endpoint holding the same thread twice is not mistaken for one the thread is missing from', () => {
    const s = setObject(IPC, EP, { kind: 'Endpoint', state: { kind: 'SendEP', queue: [t(0), t(1), t(0)] } });
    expect(violationsOf('sym_refs', s)).toEqual([]);
    expect(violationsOf('valid_objs', s).join()).toMatch(/duplicates/);
  });

  it('valid_sched_action and ct_not_in_q accept a pending switch or choice', () => {
    const switching = withSched(IPC, { kind: 'SwitchToThread', tcb: t(4) });
    const queuedCt = { ...IPC, readyQueues: IPC.readyQueues.set(readyQueueKey(0, 255), [ROOT_TCB]) };
    expect(violationsOf('valid_sched_action', switching)).toEqual([]);
    expect(violationsOf('valid_blocked', { ...switching, readyQueues: IPC.readyQueues.clear() })).toEqual([]);
    expect(violationsOf('ct_not_in_q', withSched(queuedCt, { kind: 'ChooseNewThread' }))).toEqual([]);
  });

  it('a reply cap moved into a CNode is accepted while its thread waits for the reply', () => {
    // CNode_SaveCaller moves the caller's reply cap into a CNode slot.
    const moved = withTCB(rootSlotCap(IPC, FIRST_FREE + 10, callerCap(t(3))), ROOT_TCB, (tcb) => ({ ...tcb, caps: [tcb.caps[0], tcb.caps[1], tcb.caps[2], NULL_CAP, tcb.caps[4]] }));
    const master: CSlot = { obj: t(3), index: 2 };
    const s = { ...moved, cdt: moved.cdt.delete(slotKey({ obj: ROOT_TCB, index: 3 })).set(slotKey(at(FIRST_FREE + 10)), master), cdtList: moved.cdtList.set(slotKey(master), ChildList.of([at(FIRST_FREE + 10)])) };
    expect(checkInvariants(s).map((v) => v.invariant)).toEqual([]);
  });
});
