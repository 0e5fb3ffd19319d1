/**
 * Arbitraries of the sixteen TCB invocations, packed as libsel4 packs them (SEL4-API.md §2):
 * mostly good arguments, so that generated threads come to life and run as the root task
 * does (CSpace = the root CNode, VSpace = the root page directory, IPC buffer = the root
 * task's IPC-buffer frame at 0x18000, priorities within the authority's MCP, a fault handler
 * naming an endpoint with Write and Grant), and near misses that reach each error: the
 * current thread as target (`IllegalOperation` for Read/WriteRegisters), a count out of
 * range, a missing or wrong extra cap, a priority above the MCP, a misaligned buffer, a
 * device frame, a page directory without an ASID, a notification already bound.
 *
 * @module
 */
import fc from 'fast-check';
import type { CapChoice, MessageWord, ObjectAction, TCB_LABELS } from './action.js';
import { capChoice, objectAction, rawCPtr, weighted, word } from './choices.js';

/** A TCB invocation label. */
export type TCBLabel = (typeof TCB_LABELS)[number];

/** The root task's IPC-buffer address (the page after its image). */
export const ROOT_IPC_BUFFER = 0x18000;

/** The thread invoked: mostly one the generators made, sometimes another or the current one, rarely no TCB. */
const target = capChoice([8, 'child-tcb'], [3, 'other-tcb'], [1, 'self-tcb'], [1, 'empty'], [2, 'cnode']);

/** Priorities: the top (the root task's), just below, any, the bottom; above 255 or random (`RangeError`). */
const priority = weighted<number>(
  [5, fc.constant(255)], [2, fc.constant(254)], [4, fc.nat({ max: 255 })], [1, fc.constant(0)],
  [1, fc.constantFrom(256, 1000)], [1, word],
);

/** The authority whose MCP bounds a priority: mostly the root task (MCP 255), sometimes a thread it made (MCP 0 until raised). */
const authority = capChoice([8, 'root-tcb'], [3, 'tcb'], [1, 'empty'], [1, 'cnode']);

/** A fault-endpoint CPtr: a usable handler mostly; an endpoint without Grant, CPtr 0, a notification, a failing CPtr. */
const faultEP = weighted<MessageWord>(
  [6, capChoice([1, 'handler'])], [2, capChoice([1, 'endpoint'])], [2, fc.constant(0)], [1, capChoice([1, 'notification'])], [1, rawCPtr],
);

/** CSpace root: the root CNode (so the generators' choices keep naming the same slots), rarely another CNode or no CNode. */
const cspace = capChoice([14, 'root-cnode'], [2, 'cnode'], [1, 'endpoint'], [1, 'empty']);

/** CSpace cap data: none mostly; the root CNode's own guard (size 20) or a guard that breaks it. */
const cspaceData = weighted<number>([14, fc.constant(0)], [1, fc.constant(20 << 3)], [1, fc.nat({ max: 0x3ffffff })]);

/** VSpace root: the root page directory, sometimes a page directory without an ASID, rarely a CNode. */
const vspace = capChoice([14, 'root-pd'], [3, 'pd'], [1, 'cnode']);

/** VSpace cap data (ignored for page directories). */
const vspaceData = weighted<number>([14, fc.constant(0)], [1, word]);

/** IPC-buffer address: the root task's, none (0), another aligned one, misaligned (`AlignmentError`), random. */
const bufferAddress = weighted<number>(
  [10, fc.constant(ROOT_IPC_BUFFER)], [2, fc.constant(0)], [1, fc.constant(ROOT_IPC_BUFFER + 0x200)],
  [3, fc.constant(ROOT_IPC_BUFFER + 4)], [1, word],
);

/** IPC-buffer frame: the root task's, another RAM frame, a device frame, no frame. */
const bufferFrame = capChoice([10, 'root-buffer'], [4, 'frame'], [1, 'device-frame'], [1, 'endpoint'], [1, 'empty']);

/** A TCB as source of CopyRegisters or thread of other invocations' extra caps. */
const otherThread = capChoice([8, 'other-tcb'], [2, 'tcb'], [1, 'cnode'], [1, 'empty']);

/** ReadRegisters/WriteRegisters counts: 1..19, and the edges outside. */
const count = weighted<number>([6, fc.integer({ min: 1, max: 19 })], [2, fc.constantFrom(0, 20, 1000)], [1, word]);

const flagWord = (set: number): fc.Arbitrary<number> => weighted<number>([5, fc.constant(0)], [4, fc.constant(set)], [1, word]);

const none = fc.constant([] as const);
const tuple = <T>(...parts: fc.Arbitrary<T>[]): fc.Arbitrary<readonly T[]> => fc.tuple(...parts);

/** WriteRegisters: resume flag, count, then the registers (mostly as many as the count, sometimes fewer: `TruncatedMessage`). */
const writeRegisters: fc.Arbitrary<readonly MessageWord[]> = fc
  .record({ flags: flagWord(1), regs: fc.array(word, { minLength: 0, maxLength: 19 }), miss: weighted<number>([10, fc.constant(0)], [1, fc.integer({ min: 1, max: 3 })], [1, fc.constant(1000)]) })
  .map(({ flags, regs, miss }) => [flags, regs.length + miss, ...regs]);

/** The arbitrary of one TCB label's invocations. */
export function tcbAction(label: TCBLabel): fc.Arbitrary<ObjectAction> {
  switch (label) {
    case 'TCBReadRegisters':
      return objectAction(label, target, tuple(flagWord(1), count), none);
    case 'TCBWriteRegisters':
      return objectAction(label, target, writeRegisters, none);
    case 'TCBCopyRegisters':
      return objectAction(label, target, tuple(weighted<number>([8, fc.nat({ max: 15 })], [1, word])), tuple(otherThread));
    case 'TCBConfigure':
      return objectAction(
        label, capChoice([6, 'inactive-tcb'], [4, 'child-tcb'], [1, 'other-tcb'], [1, 'self-tcb'], [1, 'empty']),
        tuple(faultEP, cspaceData, vspaceData, bufferAddress), tuple(cspace, vspace, bufferFrame),
      );
    case 'TCBSetPriority':
      return objectAction(label, capChoice([8, 'child-tcb'], [2, 'self-tcb'], [1, 'other-tcb'], [1, 'empty'], [1, 'cnode']), tuple(priority), tuple(authority));
    // The MCP of the current thread is lowered rarely: the root task's MCP is what lets it
    // raise the threads it makes.
    case 'TCBSetMCPriority':
      return objectAction(label, capChoice([10, 'child-tcb'], [1, 'other-tcb'], [1, 'empty'], [1, 'cnode']), tuple(priority), tuple(authority));
    case 'TCBSetSchedParams':
      return objectAction(label, capChoice([10, 'child-tcb'], [1, 'other-tcb'], [1, 'empty'], [1, 'cnode']), tuple(priority, priority), tuple(authority));
    case 'TCBSetIPCBuffer':
      return objectAction(label, target, tuple(bufferAddress), tuple(bufferFrame));
    case 'TCBSetSpace':
      return objectAction(label, target, tuple(faultEP, cspaceData, vspaceData), tuple(cspace, vspace));
    case 'TCBSuspend':
      return objectAction(label, capChoice([10, 'child-tcb'], [1, 'other-tcb'], [1, 'empty'], [1, 'cnode']), none, none);
    case 'TCBResume':
      return objectAction(label, capChoice([10, 'inactive-tcb'], [4, 'child-tcb'], [1, 'self-tcb'], [1, 'empty'], [1, 'cnode']), none, none);
    case 'TCBBindNotification':
      // A thread bound already (bound first when there is none) must be refused: `IllegalOperation`;
      // now and then no notification cap at all (`TruncatedMessage`).
      return objectAction(label, capChoice([6, 'child-tcb'], [3, 'self-tcb'], [5, 'bound-tcb'], [1, 'other-tcb'], [1, 'empty']), none,
        weighted<readonly CapChoice[]>([8, tuple(capChoice([8, 'bindable'], [3, 'notification'], [1, 'endpoint'], [1, 'empty']))], [1, none]));
    case 'TCBUnbindNotification':
      return objectAction(label, capChoice([8, 'bound-tcb'], [3, 'child-tcb'], [2, 'self-tcb'], [1, 'empty'], [1, 'cnode']), none, none);
    case 'TCBSetTLSBase':
      return objectAction(label, target, tuple(word), none);
    case 'TCBSetFlags':
      return objectAction(label, target, tuple(weighted<number>([3, fc.constant(0)], [2, word]), weighted<number>([3, fc.constant(0)], [1, fc.constant(1)], [2, word])), none);
  }
}
