/**
 * fast-check arbitraries of {@link Action}s: mostly well-formed invocations built from
 * choices resolved against the caps the current thread holds, some near misses (off-by-one
 * sizes, wrong depths, full slots, wrong cap kinds, short messages), some raw random words,
 * interrupts, faults, IPC between the threads the generators bring to life, and the mix of
 * all of them. The CNode and Retype arbitraries are here; those of the other objects are in
 * `tcb.ts`, `irq.ts`, `domain.ts`, `ipc.ts`, `fault.ts`.
 *
 * @module
 */
import fc from 'fast-check';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import {
  CNODE_LABELS, DOMAIN_LABELS, IRQ_LABELS, TCB_LABELS, VM_LABELS, type Action, type CNodeAction, type CNodeLabel, type IPCAction,
  type InterruptAction, type NodeChoice, type PlainSyscallAction, type RawAction, type RetypeAction, type SlotChoice,
} from './action.js';
import { invokeSyscall, kArb as k, noExtraCaps, pendingIRQ, shortBy, TIMER_IRQ, optionalRun, word } from './choices.js';
import { domainAction } from './domain.js';
import { faultAction } from './fault.js';
import { ipcAction, ipcActionOf } from './ipc.js';
import { irqAction, sgiAction, userIRQAction } from './irq.js';
import { switchAction } from './switch.js';
import { vmAction, vmLabelWeights, vmSetup } from './vm.js';
import { rendezvousAction } from './rendezvous.js';
import { fastpathAction } from './fastpath.js';
import { AIM_CELLS, aimAction } from './aim.js';
import { tcbAction } from './tcb.js';

/** A depth: mostly exact, sometimes off by one, 0, above 32 or random. */
const depth: fc.Arbitrary<'exact' | number> = fc.oneof(
  { weight: 13, arbitrary: fc.constant('exact' as const) },
  { weight: 1, arbitrary: fc.constantFrom(0, 31, 33, 1, 12, 64, 255) },
  { weight: 1, arbitrary: fc.nat({ max: 40 }) },
);

/** Slot choices: mostly `mostly`, sometimes the opposite (a near miss) or a raw index. */
function slot(mostly: SlotChoice['how'], also: SlotChoice['how'] | null = null, rarely: SlotChoice['how'] | null = null): fc.Arbitrary<SlotChoice> {
  const other = mostly === 'empty' ? 'full' : 'empty';
  return fc.record({
    how: fc.oneof(
      { weight: 16, arbitrary: fc.constant(mostly) },
      { weight: also === null ? 0 : 10, arbitrary: fc.constant(also ?? mostly) },
      { weight: rarely === null ? 0 : 4, arbitrary: fc.constant(rarely ?? mostly) },
      { weight: 2, arbitrary: fc.constant(other) },
      { weight: 1, arbitrary: fc.constant('raw' as const) },
    ),
    k: fc.oneof({ weight: 6, arbitrary: k }, { weight: 1, arbitrary: word }),
    depth,
  });
}

/** A CNode to use as a root: mostly the root CNode, sometimes another, rarely not a CNode. */
const nodeChoice: fc.Arbitrary<NodeChoice> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ how: 'root' as const }) },
  { weight: 4, arbitrary: k.map((n) => ({ how: 'cnode' as const, k: n })) },
  { weight: 1, arbitrary: k.map((n) => ({ how: 'other' as const, k: n })) },
);

/** The cap a CNode label is sent to: mostly a CNode cap, rarely an untyped cap or nothing. */
const invokedNode: fc.Arbitrary<CNodeAction['node']> = fc.oneof(
  { weight: 20, arbitrary: nodeChoice.filter((n) => n.how !== 'other') },
  { weight: 1, arbitrary: k.map((n) => ({ how: 'untyped' as const, k: n })) },
  { weight: 2, arbitrary: k.map((n) => ({ how: 'null' as const, k: n })) },
  { weight: 1, arbitrary: k.map((n) => ({ how: 'foreign' as const, k: n })) },
);

/** Rights words: all, read-write, single rights, none, random. */
const rights = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0xf, 0x3, 0x1, 0x2, 0x7, 0x0, 0xb) },
  { weight: 1, arbitrary: word },
);

/** Cap data: small badges, zero, guards (guard size in bits 7:3), random. */
const capData = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 0x3ffff }), fc.nat({ max: 31 })).map(([g, size]) => ((g << 8) | (size << 3)) >>> 0) },
  { weight: 1, arbitrary: word },
);

/**
 * Where each label's destination slot is mostly: empty for the copies, full for the rest;
 * then a second choice: the cap with the most children to revoke (one preemption point per
 * child), the cap of the largest CNode to delete (a final CNode cap is emptied slot by slot,
 * with a preemption point each), endpoint caps for CancelBadgedSends.
 */
const DEST_MOSTLY: Record<CNodeLabel, readonly [SlotChoice['how'], SlotChoice['how'] | null]> = {
  CNodeRevoke: ['most-children', 'full'], CNodeDelete: ['largest-cnode', 'full'], CNodeCancelBadgedSends: ['endpoint', 'full'],
  CNodeCopy: ['empty', null], CNodeMint: ['empty', null], CNodeMove: ['empty', null], CNodeMutate: ['empty', null],
  CNodeRotate: ['empty', null], CNodeSaveCaller: ['empty', null],
};

/** Copy and Mint sometimes copy the cap with the most children (an untyped with children: `RevokeFirst`). */
const SRC_ALSO: Partial<Record<CNodeLabel, SlotChoice['how']>> = { CNodeCopy: 'most-children', CNodeMint: 'most-children' };

/** Revoke and Delete raise the timer line more often, to be preempted. */
const preemptible = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.constant(TIMER_IRQ) },
);

/** A CNode invocation of `label`. */
export function cnodeAction(label: CNodeLabel): fc.Arbitrary<CNodeAction> {
  return fc.record({
    t: fc.constant('CNode' as const),
    syscall: invokeSyscall,
    label: fc.constant(label),
    node: invokedNode,
    dest: slot(...DEST_MOSTLY[label]),
    srcRoot: nodeChoice,
    // A badged endpoint or notification as the source: Mint and Mutate must refuse to re-badge it.
    src: slot('full', SRC_ALSO[label] ?? null, 'badged'),
    pivotRoot: nodeChoice,
    pivot: slot('full'),
    rights,
    data: capData,
    data2: capData,
    shortBy,
    noExtraCaps,
    pendingIRQ: label === 'CNodeRevoke' || label === 'CNodeDelete' ? preemptible : pendingIRQ,
  });
}

/** Size words meaning nothing for the type (ignored), or too big (`RangeError`). */
const ignoredSize = fc.oneof({ weight: 8, arbitrary: fc.nat({ max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(29, 31, 32, 0xffffffff) });

/** CapTable radixes: small and large (a large CNode's deletion reaches preemption points), and edges. */
const cnodeSize = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }) },
  { weight: 6, arbitrary: fc.integer({ min: 7, max: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 25, 26, 28, 32) },
);

/** Untyped sizes: from the minimum up, and edges (too small, the maximum and beyond). */
const untypedSize = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 4, max: 12 }) },
  { weight: 2, arbitrary: fc.integer({ min: 13, max: 22 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 3, 29, 30, 32, 0xffffffff) },
);

const typed = (type: number, size: fc.Arbitrary<number>): fc.Arbitrary<{ type: number; sizeBits: number }> =>
  size.map((sizeBits) => ({ type, sizeBits }));

/** An object type with a size word that suits it (mostly), including invalid types. */
const typeAndSize = fc.oneof(
  { weight: 6, arbitrary: typed(OBJECT_TYPE_NUMBER.Endpoint, ignoredSize) },
  { weight: 4, arbitrary: typed(OBJECT_TYPE_NUMBER.Notification, ignoredSize) },
  { weight: 9, arbitrary: typed(OBJECT_TYPE_NUMBER.CapTable, cnodeSize) },
  { weight: 4, arbitrary: typed(OBJECT_TYPE_NUMBER.Untyped, untypedSize) },
  { weight: 5, arbitrary: typed(OBJECT_TYPE_NUMBER.TCB, ignoredSize) },
  { weight: 1, arbitrary: typed(OBJECT_TYPE_NUMBER.SmallPage, ignoredSize) },
  { weight: 3, arbitrary: fc.record({ type: fc.integer({ min: 0, max: 10 }), sizeBits: fc.oneof(fc.nat({ max: 12 }), untypedSize) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.oneof(fc.integer({ min: 11, max: 40 }), word), sizeBits: ignoredSize }) },
);

/** Object counts: mostly a few, sometimes many, edges 0, 256, 257 and random. */
const objectCount = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 3, arbitrary: fc.integer({ min: 5, max: 256 }) },
  { weight: 4, arbitrary: fc.integer({ min: 100, max: 256 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 256, 257, 4096) },
  { weight: 1, arbitrary: word },
);

/** An `UntypedRetype` invocation. */
export const retypeAction: fc.Arbitrary<RetypeAction> = fc.record({
  t: fc.constant('Retype' as const),
  typeAndSize,
  syscall: invokeSyscall,
  untyped: fc.oneof(
    { weight: 26, arbitrary: k.map((n) => ({ how: 'ram' as const, k: n })) },
    { weight: 4, arbitrary: k.map((n) => ({ how: 'untyped' as const, k: n })) },
    { weight: 1, arbitrary: k.map((n) => ({ how: 'cnode' as const, k: n })) },
    { weight: 2, arbitrary: k.map((n) => ({ how: 'null' as const, k: n })) },
    { weight: 1, arbitrary: k.map((n) => ({ how: 'foreign' as const, k: n })) },
  ),
  root: nodeChoice,
  node: fc.oneof(
    { weight: 10, arbitrary: fc.constant({ how: 'self' as const }) },
    { weight: 4, arbitrary: fc.record({ how: fc.constant('cnode' as const), k, depth }) },
    { weight: 1, arbitrary: fc.record({ how: fc.constant('other' as const), k, depth }) },
  ),
  offset: fc.oneof(
    { weight: 16, arbitrary: k.map((n) => ({ how: 'empty' as const, k: n })) },
    { weight: 2, arbitrary: k.map((n) => ({ how: 'full' as const, k: n })) },
    { weight: 1, arbitrary: fc.oneof(fc.nat({ max: 5000 }), word).map((n) => ({ how: 'raw' as const, k: n })) },
  ),
  count: objectCount,
  shortBy,
  noExtraCaps,
  pendingIRQ,
}).map(({ typeAndSize: ts, ...rest }) => ({ ...rest, type: ts.type, sizeBits: ts.sizeBits }));

/**
 * A Retype that makes the objects threads and IPC need: TCBs, endpoints, notifications and
 * frames for IPC buffers, a few at a time, from an untyped ready to hold them, into empty
 * root slots, with nothing pending to preempt it.
 */
export const makeObjectsAction: fc.Arbitrary<RetypeAction> = fc.record({
  t: fc.constant('Retype' as const),
  syscall: fc.constant('SysCall' as const),
  untyped: k.map((n) => ({ how: 'ready' as const, k: n })),
  type: fc.constantFrom(
    OBJECT_TYPE_NUMBER.TCB, OBJECT_TYPE_NUMBER.TCB, OBJECT_TYPE_NUMBER.TCB, OBJECT_TYPE_NUMBER.Endpoint, OBJECT_TYPE_NUMBER.Endpoint,
    OBJECT_TYPE_NUMBER.Endpoint, OBJECT_TYPE_NUMBER.Notification, OBJECT_TYPE_NUMBER.Notification, OBJECT_TYPE_NUMBER.SmallPage,
  ),
  sizeBits: fc.constant(0),
  root: fc.constant({ how: 'root' as const }),
  node: fc.constant({ how: 'self' as const }),
  offset: k.map((n) => ({ how: 'empty' as const, k: n })),
  count: fc.integer({ min: 1, max: 3 }),
  shortBy: fc.constant(0),
  noExtraCaps: fc.constant(false),
  pendingIRQ: fc.constant(null),
});

/** Raw register contents sent to a cap this slice models (or anywhere, non-blocking). */
export const rawAction: fc.Arbitrary<RawAction> = fc.record({
  t: fc.constant('Raw' as const),
  syscall: invokeSyscall,
  cptr: fc.record({ how: fc.constantFrom('modelled' as const, 'modelled' as const, 'raw' as const), k: word }),
  info: fc.oneof(
    word,
    fc.tuple(fc.integer({ min: 0, max: 60 }), fc.nat({ max: 8 }), fc.nat({ max: 3 })).map(([l, len, c]) => ((l << 12) | (c << 7) | len) >>> 0),
  ),
  mrs: fc.array(fc.oneof(word, fc.nat({ max: 64 })), { minLength: 8, maxLength: 8 }),
  caps: fc.array(fc.nat({ max: 4095 }), { minLength: 3, maxLength: 3 }),
});

/** An interrupt, with the timer, another line or nothing pending. */
export const interruptAction: fc.Arbitrary<InterruptAction> = fc.record({
  t: fc.constant('Interrupt' as const),
  line: fc.oneof(fc.constant(TIMER_IRQ), fc.constant(null), fc.nat({ max: 159 })),
});

/** Yield or Reply (the root task has no caller, so Reply does nothing). */
export const plainAction: fc.Arbitrary<PlainSyscallAction> = fc.record({
  t: fc.constant('Plain' as const),
  syscall: fc.constantFrom('SysYield' as const, 'SysReply' as const),
});

/** The weights of the action mix (relative; 0 leaves a kind out). */
export interface ActionWeights {
  /** Per CNode label. */
  readonly cnode: number;
  /** UntypedRetype. */
  readonly retype: number;
  /** Retypes that make TCBs, endpoints, notifications and frames for the threads and IPC. */
  readonly make: number;
  /** Raw words. */
  readonly raw: number;
  /** Interrupts. */
  readonly interrupt: number;
  /** Yield and Reply. */
  readonly plain: number;
  /** Faults on purpose. */
  readonly fault: number;
  /** Per TCB label. */
  readonly tcb: number;
  /** Per IRQ label, and SGI signals. */
  readonly irq: number;
  /** Per domain label. */
  readonly domain: number;
  /** IPC system calls. */
  readonly ipc: number;
  /** Interrupts on lines handed to user level. */
  readonly userIRQ: number;
  /** Switches: the current thread serves, yields, or brings another thread to life. */
  readonly switch: number;
  /** VM invocations, all labels together. */
  readonly vm: number;
  /** IPC chosen from the state to meet a partner: replies, served and called threads, faults to handlers, badged queues and signals. */
  readonly rendezvous: number;
  /** IPC aimed at the fastpath: Calls and ReplyRecvs that hit it or fail one chosen check, and the steps toward them. */
  readonly fastpath: number;
  /** Actions aimed at one coverage cell each (notification and saved-reply IPC, cap faults, faults delivered or not), and the steps toward them. */
  readonly aim: number;
}

/** The default mix. */
export const DEFAULT_WEIGHTS: ActionWeights = {
  cnode: 6.5, retype: 12, make: 9, raw: 2, interrupt: 2, plain: 2, fault: 8, tcb: 3, irq: 5.5, domain: 5, ipc: 8, userIRQ: 14, switch: 15, vm: 60, rendezvous: 16, fastpath: 40, aim: 12,
};

/** An arbitrary action from the given mix (weights are relative; 0 leaves a kind out). */
export function actionArb(weights: ActionWeights = DEFAULT_WEIGHTS): fc.Arbitrary<Action> {
  const scale = 10;
  const parts: fc.WeightedArbitrary<Action>[] = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<Action>): void => {
    const w = Math.round(weight * scale);
    if (w > 0) parts.push({ weight: w, arbitrary });
  };
  for (const label of CNODE_LABELS) add(weights.cnode * labelWeight(label), cnodeAction(label));
  add(weights.retype, retypeAction);
  add(weights.make, makeObjectsAction);
  add(weights.raw, rawAction);
  add(weights.interrupt, interruptAction);
  add(weights.plain, plainAction);
  add(weights.fault, faultAction);
  for (const label of TCB_LABELS) add(weights.tcb * TCB_WEIGHT[label], tcbAction(label));
  for (const label of IRQ_LABELS) add(weights.irq, irqAction(label));
  add(weights.irq, sgiAction);
  for (const label of DOMAIN_LABELS) add(weights.domain, domainAction(label));
  add(weights.ipc, ipcAction);
  add(weights.userIRQ, userIRQAction);
  add(weights.switch, switchAction);
  const vm = vmLabelWeights();
  const vmTotal = vm.reduce((t, [, w]) => t + w, 0);
  for (const [label, w] of vm) add((weights.vm * w) / vmTotal, vmAction(label));
  add(weights.rendezvous, rendezvousAction);
  add(weights.fastpath, fastpathAction);
  add(weights.aim, aimAction);
  return fc.oneof(...parts);
}

// Configure, SetPriority and Resume bring threads to life, so they come more often.
const TCB_WEIGHT: Record<(typeof TCB_LABELS)[number], number> = {
  TCBReadRegisters: 1.5, TCBWriteRegisters: 1.5, TCBCopyRegisters: 1, TCBConfigure: 3, TCBSetPriority: 2.5, TCBSetMCPriority: 1.4,
  TCBSetSchedParams: 1.2, TCBSetIPCBuffer: 1.8, TCBSetSpace: 1.2, TCBSuspend: 1.4, TCBResume: 3, TCBBindNotification: 2,
  TCBUnbindNotification: 2.5, TCBSetTLSBase: 1.4, TCBSetFlags: 1.4,
};

// Copy and Mint build the material the others act on, so they come more often; Revoke and
// Delete need more tries to meet a preemption point.
function labelWeight(label: CNodeLabel): number {
  switch (label) {
    case 'CNodeCopy':
    case 'CNodeMint':
      return 2;
    case 'CNodeRevoke':
    case 'CNodeDelete':
      return 2.6;
    case 'CNodeSaveCaller':
    case 'CNodeCancelBadgedSends':
      return 1.6;
    default:
      return 1.3;
  }
}

/**
 * A trace of `action`s, up to `maxSteps` long; with `setup`, it starts with a few switches
 * that bring threads to life (make, configure, resume, raise to the root task's priority:
 * one step each), so that threads other than the root task act from early on, and a few
 * frame mappings (each makes its frame, and a page table for small pages, first), so that
 * the VM labels find mapped frames to act on, sometimes an ASID pool, spare page tables, a user line that signals a notification, or a
 * large CNode deleted with the timer pending; and in some traces a run of timer ticks (more
 * than a time slice), which random interrupts almost never line up on one thread.
 */
export function traceOf(action: fc.Arbitrary<Action>, maxSteps: number, setup: boolean): fc.Arbitrary<Action[]> {
  const body = fc.array(action, { minLength: 1, maxLength: maxSteps, size: 'max' });
  const most = Math.min(9, Math.floor(maxSteps / 5));
  if (!setup || most === 0) return body;
  const bringUp = fc.record({ t: fc.constant('Switch' as const), from: fc.constant(3), k: k });
  const threads = optionalRun<Action>(1, 4, fc.array(bringUp, { minLength: Math.min(4, most), maxLength: most }));
  // Address-space material for the VM draws: mapped frames, a pool, spare tables, a deleted pool's address space (vm.ts).
  const vm = vmSetup(most);
  // A line handed to user level with a notification to signal (issue, make a notification, set it).
  const line = k.map((n): Action => ({ t: 'UserIRQ', k: n * 4 + 1 }));
  const lines = optionalRun(2, 1, fc.array(line, { minLength: 3, maxLength: 3 }));
  // Now and then a CNode of 256 slots made and deleted with the timer pending: emptying it
  // meets a preemption point past the work-unit limit (a random Delete rarely finds a large
  // CNode whose cap is final).
  const bigCNode: RetypeAction = {
    t: 'Retype', syscall: 'SysCall', untyped: { how: 'ready', k: 0 }, type: OBJECT_TYPE_NUMBER.CapTable, sizeBits: 8, root: { how: 'root' },
    node: { how: 'self' }, offset: { how: 'empty', k: 0 }, count: 1, shortBy: 0, noExtraCaps: false, pendingIRQ: null,
  };
  const deleteIt = cnodeAction('CNodeDelete').map((a): Action => ({
    ...a, syscall: 'SysCall', node: { how: 'root' }, dest: { how: 'largest-cnode', k: 0, depth: 'exact' }, shortBy: 0, noExtraCaps: false, pendingIRQ: TIMER_IRQ,
  }));
  const preempted = optionalRun(7, 1, deleteIt.map((d) => [bigCNode, d]));
  // Now and then a run of timer ticks somewhere in the body: one thread's time slice runs out.
  const tick: Action = { t: 'Interrupt', line: TIMER_IRQ };
  const ticks = optionalRun(3, 1, fc.integer({ min: 5, max: 7 }).map((n) => Array.from({ length: n }, () => tick)));
  // Most traces have a run of actions aimed at one cell, and many a run of fastpath actions,
  // somewhere in the body: the steps toward a cell (another thread running, a handler given)
  // or toward a fastpath check (a server waiting, a page directory made and assigned, a
  // priority lowered) then add up to the entry they prepare. Every aimed action of a trace
  // aims at the same cell.
  const aims = optionalRun(1, 3, fc.array(aimAction, { minLength: 5, maxLength: 5 }));
  const fastpath = optionalRun(1, 1, fc.array(fastpathAction, { minLength: 8, maxLength: 8 }));
  const aimed = fc.tuple(body, aims, fastpath, fc.constantFrom(...AIM_CELLS), fc.nat(), fc.nat()).map(([b, run, fp, cell, at, at2]) =>
    insertAt(insertAt(b, run, at), fp, at2).map((x): Action => (x.t === 'Aim' ? { ...x, cell } : x)));
  return fc.tuple(threads, vm, lines, preempted, aimed, ticks, fc.nat()).map(([a, m, l, d, b, t, at]) =>
    [...a, ...m, ...l, ...d, ...insertAt(b, t, at)].slice(0, maxSteps));
}

// `run` inserted into `body` at `at` (modulo the body's length + 1).
function insertAt(body: readonly Action[], run: readonly Action[], at: number): Action[] {
  const i = at % (body.length + 1);
  return [...body.slice(0, i), ...run, ...body.slice(i)];
}

/** Entry names `--entry` accepts besides the labels. */
export const FOCUS_EVENTS = [
  'Interrupt', 'SysYield', 'SysReply', 'UnknownSyscall', 'UserLevelFault', 'VMFaultEvent', 'SysRecv', 'SysNBRecv', 'SysReplyRecv',
  'SysCall', 'SysSend', 'SysNBSend', 'raw', 'HWASIDReuse',
] as const;

/**
 * The action mix focused on one entry (a label, a syscall or an event name): mostly that
 * entry, plus enough Retype, Copy and Mint to give it material (and, for the objects of
 * threads and IPC, threads brought to life). Undefined for an unknown name.
 */
export function focusedActionArb(entry: string): fc.Arbitrary<Action> | undefined {
  const setup: fc.WeightedArbitrary<Action>[] = [
    { weight: 4, arbitrary: retypeAction },
    { weight: 3, arbitrary: makeObjectsAction },
    { weight: 2, arbitrary: cnodeAction('CNodeCopy') },
    { weight: 2, arbitrary: cnodeAction('CNodeMint') },
    { weight: 1, arbitrary: interruptAction },
  ];
  for (const label of ['TCBConfigure', 'TCBResume', 'TCBSetPriority'] as const) setup.push({ weight: 1, arbitrary: tcbAction(label) });
  const focus = (a: fc.Arbitrary<Action>, weight = 12): fc.Arbitrary<Action> => fc.oneof({ weight, arbitrary: a }, ...setup);
  if ((CNODE_LABELS as readonly string[]).includes(entry)) return focus(cnodeAction(entry as CNodeLabel));
  const object = objectFocus(entry);
  if (object !== undefined) return focus(object);
  const viaIPC = (syscall: IPCAction['syscall'], others: fc.Arbitrary<Action>): fc.Arbitrary<Action> =>
    focus(fc.oneof(ipcActionOf(syscall), others));
  switch (entry) {
    case 'UntypedRetype':
      return focus(retypeAction);
    case 'Interrupt':
      return focus(fc.oneof(interruptAction, userIRQAction));
    case 'SysYield':
      return focus(plainAction.map((a) => ({ ...a, syscall: entry })));
    case 'SysReply':
      return viaIPC(entry, plainAction.map((a) => ({ ...a, syscall: entry })));
    case 'raw':
      return focus(rawAction);
    case 'SysCall':
    case 'SysSend':
    case 'SysNBSend': {
      const invocations = actionArb().map((a) => ('syscall' in a && (a.t === 'CNode' || a.t === 'Retype' || a.t === 'Raw' || a.t === 'Object') ? { ...a, syscall: entry } : a));
      return fc.oneof(invocations, ipcActionOf(entry));
    }
    case 'SysRecv':
    case 'SysNBRecv':
    case 'SysReplyRecv':
      return viaIPC(entry, faultAction.map((a) => ({ ...a, what: entry })));
    case 'UnknownSyscall':
    case 'UserLevelFault':
      return focus(faultAction.map((a) => ({ ...a, what: entry })), 4);
    case 'VMFaultEvent':
      return focus(faultAction.map((a) => ({ ...a, what: a.word & 1 ? ('VMFaultData' as const) : ('VMFaultInstruction' as const) })), 4);
    default:
      return undefined;
  }
}

// The arbitrary of a TCB, IRQ, domain or VM label.
function objectFocus(entry: string): fc.Arbitrary<Action> | undefined {
  const tcb = TCB_LABELS.find((l) => l === entry);
  if (tcb !== undefined) return tcbAction(tcb);
  const irq = IRQ_LABELS.find((l) => l === entry);
  if (irq !== undefined) return irqAction(irq);
  const domain = DOMAIN_LABELS.find((l) => l === entry);
  if (domain !== undefined) return domainAction(domain);
  const vm = VM_LABELS.find((l) => l === entry);
  if (vm !== undefined) return vmAction(vm);
  return undefined;
}
