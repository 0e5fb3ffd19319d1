/**
 * The generators of the refinement check: fast-check arbitraries of environment actions
 * (`generators/arbitraries.ts` and, per object, `tcb.ts`, `irq.ts`, `domain.ts`, `ipc.ts`,
 * `fault.ts`), the action alphabet (`generators/action.ts`), and their resolution against
 * the current state into register and IPC-buffer words printed in seL4 terms
 * (`generators/resolve.ts`, `resolve-object.ts`, `resolve-ipc.ts`, `resolve-event.ts`; caps
 * chosen in `cap-choice.ts`, threads and lines looked at in `threads.ts`).
 *
 * @module
 */
export type {
  Action, CapChoice, CNodeAction, CNodeLabel, FaultAction, InterruptAction, InvokeSyscall, IPCAction, MessageWord, NodeChoice,
  ObjectAction, ObjectLabel, PlainSyscallAction, RawAction, RetypeAction, SlotChoice, UserIRQAction,
} from './generators/action.js';
export { CNODE_LABELS, DOMAIN_LABELS, IRQ_LABELS, SLICE_LABELS, TCB_LABELS } from './generators/action.js';
export { actionArb, cnodeAction, DEFAULT_WEIGHTS, FOCUS_EVENTS, focusedActionArb, retypeAction, type ActionWeights } from './generators/arbitraries.js';
export { resolveAction, rightsText, type ResolvedAction } from './generators/resolve.js';
