/**
 * The generators of the refinement check: fast-check arbitraries of environment actions
 * (`generators/arbitraries.ts`), the action alphabet (`generators/action.ts`), and their
 * resolution against the current state into register and IPC-buffer words printed in seL4
 * terms (`generators/resolve.ts`).
 *
 * @module
 */
export type { Action, CNodeAction, CNodeLabel, FaultAction, InterruptAction, InvokeSyscall, NodeChoice, PlainSyscallAction, RawAction, RetypeAction, SlotChoice } from './generators/action.js';
export { CNODE_LABELS, SLICE_LABELS } from './generators/action.js';
export { actionArb, cnodeAction, DEFAULT_WEIGHTS, FOCUS_EVENTS, focusedActionArb, retypeAction, type ActionWeights } from './generators/arbitraries.js';
export { resolveAction, rightsText, type ResolvedAction } from './generators/resolve.js';
