/**
 * Resolves a {@link CapChoice} against the current thread's CSpace: which root-CNode slot it
 * names (its CPtr, as the root CNode resolves all 32 bits: CPtr n is slot n), with a fallback
 * to a broader choice when the state has no cap of the kind asked for, and how it prints.
 *
 * @module
 */
import type { Cap, CapKind } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { CapChoice } from './action.js';
import { kth, kthEmpty, rootSlotsOfKind, rootSlotsWhere, type CSpaceView } from './cspace.js';
import { isHandlerCap, rootTask, signalsNotification, tcbAt } from './threads.js';

/** A chosen cap: its CPtr, the cap found there (NullCap for an empty slot or a raw CPtr) and its printed name. */
export interface ChosenCap {
  /** The CPtr. */
  readonly cptr: number;
  /** The cap in that slot. */
  readonly cap: Cap;
  /** `tcb@0x40`, `root`, `empty@0x3a`, `raw@0x12345`. */
  readonly name: string;
}

type How = CapChoice['how'];

// Where a choice falls back to when the state has nothing of its kind.
const FALLBACK: Partial<Record<How, How>> = {
  'root-tcb': 'tcb', 'root-cnode': 'cnode', 'root-pd': 'pd', 'root-buffer': 'frame', 'irq-control': 'any', domain: 'any',
  // A thread chosen as "another" or "a child" is never the current thread or the root task
  // by fallback (suspending or reconfiguring those ends the run's progress): an empty slot.
  'other-tcb': 'empty', 'self-tcb': 'empty', 'child-tcb': 'empty', 'inactive-tcb': 'child-tcb', 'bound-tcb': 'child-tcb', tcb: 'any',
  handler: 'endpoint', 'send-partner': 'endpoint', 'recv-partner': 'endpoint', endpoint: 'any',
  bindable: 'notification', notification: 'any', frame: 'any', 'device-frame': 'frame', pd: 'any',
  'signal-handler': 'irq-handler', 'irq-handler': 'any', sgi: 'any', reply: 'any', cnode: 'any', untyped: 'any',
  any: 'empty',
};

const FIXED_SLOT: Partial<Record<How, readonly [number, CapKind]>> = {
  'root-tcb': [1, 'ThreadCap'], 'root-cnode': [2, 'CNodeCap'], 'root-pd': [3, 'PageDirectoryCap'],
  'irq-control': [4, 'IRQControlCap'], 'root-buffer': [10, 'FrameCap'], domain: [11, 'DomainCap'],
};

/** Resolves `c`; see the module comment. */
export function chooseCap(s: KernelState, v: CSpaceView, c: CapChoice): ChosenCap {
  let how: How | undefined = c.how;
  while (how !== undefined) {
    const cptr = pick(s, v, how, c.k);
    if (cptr !== undefined) return chosen(v, cptr, how);
    how = FALLBACK[how];
  }
  return chosen(v, kthEmpty(v.root!, c.k), 'empty');
}

function chosen(v: CSpaceView, cptr: number, how: How): ChosenCap {
  const cap = v.root!.slots.get(cptr) ?? { kind: 'NullCap' as const };
  return { cptr, cap, name: how === 'raw' ? `raw@${hex(cptr)}` : capName(cap, cptr) };
}

/** A cap's printed name: `root`, `tcb@0x40`, `ep@0x41`, `empty@0x3a`. */
export function capName(cap: Cap, cptr: number): string {
  if (cap.kind === 'NullCap') return `empty@${hex(cptr)}`;
  if (cptr === 2 && cap.kind === 'CNodeCap') return 'root';
  return `${SHORT[cap.kind] ?? cap.kind.replace(/Cap$/, '').toLowerCase()}@${hex(cptr)}`;
}

const SHORT: Partial<Record<CapKind, string>> = {
  ThreadCap: 'tcb', EndpointCap: 'ep', NotificationCap: 'ntfn', ReplyCap: 'reply', IRQHandlerCap: 'irq', IRQControlCap: 'irqctl',
  PageDirectoryCap: 'pd', FrameCap: 'frame', SGISignalCap: 'sgi', UntypedCap: 'untyped', CNodeCap: 'cnode', DomainCap: 'domain',
};

function hex(w: number): string {
  return `0x${(w >>> 0).toString(16)}`;
}

// The slot `how` names, or undefined when the state has none of its kind.
function pick(s: KernelState, v: CSpaceView, how: How, k: number): number | undefined {
  const fixed = FIXED_SLOT[how];
  if (fixed !== undefined) return v.root!.slots.get(fixed[0])?.kind === fixed[1] ? fixed[0] : kth(rootSlotsOfKind(v, [fixed[1]]), k);
  const where = (pred: (c: Cap) => boolean): number | undefined => kth(rootSlotsWhere(v, pred), k);
  const cur = s.curThread;
  switch (how) {
    case 'tcb':
      return where((c) => c.kind === 'ThreadCap');
    case 'other-tcb':
      return where((c) => c.kind === 'ThreadCap' && c.tcb !== cur);
    case 'self-tcb':
      return where((c) => c.kind === 'ThreadCap' && c.tcb === cur);
    case 'child-tcb': {
      const root = rootTask(v);
      return where((c) => c.kind === 'ThreadCap' && c.tcb !== cur && c.tcb !== root);
    }
    case 'inactive-tcb': {
      // Configured ones first (they have a CSpace), so that Resume starts threads that can act.
      const inactive = (c: Cap): boolean => c.kind === 'ThreadCap' && tcbAt(s, c.tcb)?.state.kind === 'Inactive';
      return where((c) => inactive(c) && c.kind === 'ThreadCap' && tcbAt(s, c.tcb)?.caps[0].kind === 'CNodeCap') ?? where(inactive);
    }
    case 'bound-tcb':
      return where((c) => c.kind === 'ThreadCap' && (tcbAt(s, c.tcb)?.boundNotification ?? null) !== null);
    case 'endpoint':
      return where((c) => c.kind === 'EndpointCap');
    case 'handler':
      return where(isHandlerCap);
    case 'send-partner':
      return where((c) => c.kind === 'EndpointCap' && c.rights.write && endpointState(s, c.ptr) === 'RecvEP');
    case 'recv-partner':
      return where((c) => (c.kind === 'EndpointCap' && c.rights.read && endpointState(s, c.ptr) === 'SendEP')
        || (c.kind === 'NotificationCap' && c.rights.read && notificationState(s, c.ptr) === 'ActiveNtfn'));
    case 'notification':
      return where((c) => c.kind === 'NotificationCap');
    case 'bindable':
      return where((c) => c.kind === 'NotificationCap' && c.rights.read && isBindable(s, c.ptr));
    case 'frame':
      return where((c) => c.kind === 'FrameCap' && !c.isDevice && c.size === 'ARMSmallPage');
    case 'device-frame':
      return where((c) => c.kind === 'FrameCap' && c.isDevice);
    case 'pd':
      return where((c) => c.kind === 'PageDirectoryCap');
    case 'irq-handler':
      return where((c) => c.kind === 'IRQHandlerCap');
    case 'signal-handler':
      return where((c) => c.kind === 'IRQHandlerCap' && signalsNotification(s, c.irq));
    case 'sgi':
      return where((c) => c.kind === 'SGISignalCap');
    case 'reply':
      return where((c) => c.kind === 'ReplyCap');
    case 'cnode':
      return where((c) => c.kind === 'CNodeCap');
    case 'untyped':
      return where((c) => c.kind === 'UntypedCap');
    case 'any':
      return kth(v.live, k);
    case 'empty':
      return kthEmpty(v.root!, k);
    case 'raw':
      return k >>> 0;
    default:
      return undefined;
  }
}

function endpointState(s: KernelState, ptr: number): string | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Endpoint' ? o.state.kind : undefined;
}

function notificationState(s: KernelState, ptr: number): string | undefined {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Notification' ? o.state.kind : undefined;
}

function isBindable(s: KernelState, ptr: number): boolean {
  const o = s.kheap.get(ptr);
  return o?.kind === 'Notification' && o.boundTCB === null && o.state.kind !== 'WaitingNtfn';
}
