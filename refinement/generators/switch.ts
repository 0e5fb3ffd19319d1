/**
 * The action that lets other threads run ({@link SwitchAction}): the current thread serves
 * and schedules as a root server would. Generated threads mostly share the root task's CSpace,
 * so whichever thread is current, the same choices name the same caps; this action is what
 * makes them current often enough for their faults, receives and replies to be exercised.
 *
 * @module
 */
import fc from 'fast-check';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { SwitchAction } from './action.js';
import { kArb, weighted } from './choices.js';
import { kth, kthEmpty, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { hex, invoke, IPC_RECEIVE, messageWrites, yieldInstead, type ResolvedAction } from './message.js';
import { makeObject } from './resolve.js';
import { savedReplyCaps } from './rendezvous.js';
import { ROOT_IPC_BUFFER } from './tcb.js';
import { canAct, tcbAt } from './threads.js';

/** At most this many threads are made by switches (other actions make more). */
const MAX_THREADS = 4;

/** A switch: mostly from the yield step on, sometimes serving first or bringing a thread to life. */
export const switchAction: fc.Arbitrary<SwitchAction> = fc.record({
  t: fc.constant('Switch' as const),
  from: weighted<number>([3, fc.constant(0)], [2, fc.constant(1)], [6, fc.constant(2)], [2, fc.constant(3)], [1, fc.constantFrom(4, 5, 6, 7)]),
  k: kArb,
});

type Step = (s: KernelState, v: CSpaceView, k: number) => ResolvedAction | undefined;

// Serving steps, then scheduling steps; a switch tries them from its `from` on, wrapping
// around once through the scheduling steps.
const SERVE: readonly Step[] = [reply, receive];
const SCHEDULE: readonly Step[] = [yieldToPeer, raise, intoDomain, resume, configure, make];

/** Resolves `a` for the current thread (running, its CSpace the root CNode). */
export function resolveSwitch(s: KernelState, v: CSpaceView, a: SwitchAction): ResolvedAction {
  const steps = [...SERVE, ...SCHEDULE];
  const start = Math.min(a.from, steps.length - 1);
  for (let i = start; i < steps.length; i++) {
    const r = steps[i]!(s, v, a.k);
    if (r !== undefined) return r;
  }
  for (let i = SERVE.length; i < Math.max(start, SERVE.length); i++) {
    const r = steps[i]!(s, v, a.k);
    if (r !== undefined) return r;
  }
  return yieldInstead('no other thread to run');
}

// The TCB addresses of the thread caps in the root CNode, with their CPtrs.
function threads(s: KernelState, v: CSpaceView, pred: (t: number) => boolean): { cptr: number; tcb: number }[] {
  const seen = new Set<number>();
  const out: { cptr: number; tcb: number }[] = [];
  for (const i of rootSlotsWhere(v, (c) => c.kind === 'ThreadCap')) {
    const c = v.root!.slots.get(i)!;
    if (c.kind !== 'ThreadCap' || seen.has(c.tcb) || c.tcb === s.curThread || !pred(c.tcb)) continue;
    seen.add(c.tcb);
    out.push({ cptr: i, tcb: c.tcb });
  }
  return out;
}

// A thread waits for the current thread's reply.
function pendingCaller(s: KernelState): boolean {
  const caller = tcbAt(s, s.curThread)?.caps[3];
  return caller?.kind === 'ReplyCap' && !caller.isMaster && tcbAt(s, caller.tcb)?.state.kind === 'BlockedOnReply';
}

// Reply with label 0 (a faulted thread restarts), k % 3 words: through a reply cap saved in
// the root CNode when there is one (Send, NBSend or Call on it), else to the caller; now and
// then the caller's reply cap is saved first, to be replied through later.
function reply(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  const mrs = [k, k >>> 8].slice(0, k % 3);
  const saved = kth(savedReplyCaps(s, v), k);
  if (saved !== undefined) {
    const syscall = (['SysSend', 'SysCall', 'SysNBSend'] as const)[k % 3]!;
    return { event: { kind: 'Syscall', syscall }, ...messageWrites(syscall, saved, { label: 0, mrs, caps: [] }), pendingIRQ: null, text: `${syscall.slice(3)}(reply@${hex(saved)}) (serving, a saved reply cap)` };
  }
  if (!pendingCaller(s)) return undefined;
  if (k % 4 === 3) {
    const dest = kthEmpty(v.root!, k);
    return invoke('SysCall', 2, { label: 'CNodeSaveCaller', mrs: [dest, 32], caps: [] }, 0, false, null, `CNodeSaveCaller(root, ${hex(dest)}/32) (serving later)`);
  }
  const w = messageWrites('SysReply', 0, { label: 0, mrs, caps: [] });
  return { event: { kind: 'Syscall', syscall: 'SysReply' }, ...w, pendingIRQ: null, text: `Reply(label=0x0, mrs=[${mrs.map(hex).join(' ')}]) (serving)` };
}

// Receive from a thread blocked sending on an endpoint (replying first if a caller waits).
function receive(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  const senders = rootSlotsWhere(v, (c) => {
    if (c.kind !== 'EndpointCap' || !c.rights.read) return false;
    const ep = s.kheap.get(c.ptr);
    return ep?.kind === 'Endpoint' && ep.state.kind === 'SendEP';
  });
  const cptr = kth(senders, k);
  if (cptr === undefined) return reply(s, v, k);
  const syscall = pendingCaller(s) ? 'SysReplyRecv' : 'SysRecv';
  const w = messageWrites(syscall, cptr, { label: 0, mrs: [], caps: [] });
  const slot = kthEmpty(v.root!, k);
  return {
    event: { kind: 'Syscall', syscall }, registers: w.registers, pendingIRQ: null,
    ipcWords: [...w.ipcWords, [IPC_RECEIVE[0], 2], [IPC_RECEIVE[1], slot], [IPC_RECEIVE[2], 32]],
    text: `${syscall.replace(/^Sys/, '')}(ep@${hex(cptr)}, recvSlot=${hex(slot)}) (serving)`,
  };
}

// The current thread's priority and domain.
function own(s: KernelState): { prio: number; dom: number } {
  const t = tcbAt(s, s.curThread);
  return { prio: t?.priority ?? 0, dom: s.curDomain };
}

// Whether thread `t` waits in a ready queue of the current domain.
function ready(s: KernelState, t: number): boolean {
  const tcb = tcbAt(s, t);
  if (tcb === undefined || tcb.domain !== s.curDomain) return false;
  return s.readyQueues.get(tcb.domain * 256 + tcb.priority)?.includes(t) ?? false;
}

function runnable(s: KernelState, t: number): boolean {
  const k = tcbAt(s, t)?.state.kind;
  return k === 'Running' || k === 'Restart';
}

// Yield to a ready thread of at least the current thread's priority that can act.
function yieldToPeer(s: KernelState, v: CSpaceView): ResolvedAction | undefined {
  const { prio } = own(s);
  const peer = threads(s, v, (t) => canAct(s, t) && ready(s, t) && (tcbAt(s, t)?.priority ?? 0) >= prio)[0];
  if (peer === undefined) return undefined;
  return { ...yieldInstead(''), text: `Yield() (to tcb@${hex(peer.cptr)})` };
}

// Raise a ready thread of lower priority to the current thread's, with the root task's authority.
function raise(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  const { prio } = own(s);
  const t = kth(threads(s, v, (t) => canAct(s, t) && ready(s, t) && (tcbAt(s, t)?.priority ?? 0) < prio), k);
  if (t === undefined) return undefined;
  return invoke('SysCall', t.cptr, { label: 'TCBSetPriority', mrs: [prio], caps: [1] }, 0, false, null,
    `TCBSetPriority(tcb@${hex(t.cptr)}, prio=${prio}, authority=tcb@0x1) (to let it run)`);
}

// Move a runnable thread of another domain into the current one.
function intoDomain(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  const { dom } = own(s);
  const t = kth(threads(s, v, (t) => canAct(s, t) && runnable(s, t) && tcbAt(s, t)?.domain !== dom), k);
  const domainCap = rootSlotsWhere(v, (c) => c.kind === 'DomainCap')[0];
  if (t === undefined || domainCap === undefined) return undefined;
  return invoke('SysCall', domainCap, { label: 'DomainSetSet', mrs: [dom], caps: [t.cptr] }, 0, false, null,
    `DomainSetSet(domain@${hex(domainCap)}, domain=${dom}, tcb=tcb@${hex(t.cptr)}) (to let it run)`);
}

// Resume a configured thread that is not running.
function resume(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  const t = kth(threads(s, v, (t) => canAct(s, t) && tcbAt(s, t)?.state.kind === 'Inactive'), k);
  if (t === undefined) return undefined;
  return invoke('SysCall', t.cptr, { label: 'TCBResume', mrs: [], caps: [] }, 0, false, null, `TCBResume(tcb@${hex(t.cptr)}) (to let it run)`);
}

// Configure a thread that cannot act yet as the root task runs: its CNode, page directory and
// IPC buffer; a fault handler (a usable one if there is, for odd k none).
function configure(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  const t = kth(threads(s, v, (t) => !canAct(s, t) && tcbAt(s, t)?.state.kind === 'Inactive'), k);
  if (t === undefined) return undefined;
  const handlers = rootSlotsWhere(v, (c) => c.kind === 'EndpointCap' && c.rights.write && (c.rights.grant || c.rights.grantReply));
  if (k % 2 === 0 && handlers.length === 0) return makeObject(s, v, OBJECT_TYPE_NUMBER.Endpoint, k);
  const faultEP = k % 2 === 0 ? kth(handlers, k >>> 1)! : 0;
  return invoke('SysCall', t.cptr, { label: 'TCBConfigure', mrs: [faultEP, 0, 0, ROOT_IPC_BUFFER], caps: [2, 3, 10] }, 0, false, null,
    `TCBConfigure(tcb@${hex(t.cptr)}, faultEP=${hex(faultEP)}, buffer=${hex(ROOT_IPC_BUFFER)}, cspace=root, vspace=pd@0x3, bufferFrame=frame@0xa) (to let it run)`);
}

// Make a thread, while there are few.
function make(s: KernelState, v: CSpaceView, k: number): ResolvedAction | undefined {
  if (threads(s, v, () => true).length >= MAX_THREADS) return undefined;
  return makeObject(s, v, OBJECT_TYPE_NUMBER.TCB, k);
}
