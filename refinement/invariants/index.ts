/**
 * Every invariant the checks assert on a spec state, by name (see proofs-notes/ for what
 * each says and leaves out).
 *
 * @module
 */
import type { KernelState } from '../../spec/state/kernel-state.js';
import { descendantsInc, irqRevocable, mdbCteAt, noMloop, replyMasterRevocable, utRevocable, validList, validNullcaps } from './cdt.js';
import { pspaceAligned, pspaceDistinct, pspaceInKernelWindow } from './pspace.js';
import { capRefsInKernelWindow, capRefsRespectsDeviceRegion, ifUnsafeThenCap, zombiesFinal } from './refs.js';
import { DEFAULT_CONTEXT, type Invariant, type InvariantContext, type Violation } from './types.js';
import { untypedFreeIndex, untypedInc, untypedMdb } from './untyped.js';
import { validObjs } from './valid-objs.js';
import { validGlobalRefs } from './global-refs.js';
import { validIrqHandlers, validIrqNode, validIrqStates } from './irq.js';
import { ctNotInQ, validBlocked, validQueues } from './ready-queues.js';
import { replyCapsMdb, replyMastersMdb, validReplyCaps, validReplyMasters } from './reply.js';
import { ctInCurDomain, validDomainList, validIdleEtcb, validSchedAction } from './schedule.js';
import { symRefs } from './sym-refs.js';
import { ctRunningOrIdle, curTcb, ifLiveThenNonzCap, onlyIdle, validIdle } from './threads.js';
import { equalKernelMappings, validArchState, validAsidMap, validGlobalObjs, validKernelMappings, validVspaceObjs, wellformedVspaceObjs } from './vspace.js';
import { tableCapMappings, uniqueTableCaps, uniqueTableRefs, validTableCaps, validVsLookup } from './vspace-caps.js';

/** All invariants, in the order reports list them. */
export const allInvariants: readonly Invariant[] = [
  validObjs,
  pspaceAligned,
  pspaceDistinct,
  pspaceInKernelWindow,
  mdbCteAt,
  noMloop,
  descendantsInc,
  untypedMdb,
  untypedInc,
  untypedFreeIndex,
  validNullcaps,
  utRevocable,
  irqRevocable,
  replyMasterRevocable,
  validList,
  ifUnsafeThenCap,
  zombiesFinal,
  capRefsInKernelWindow,
  capRefsRespectsDeviceRegion,
  validGlobalRefs,
  curTcb,
  ctRunningOrIdle,
  validIdle,
  onlyIdle,
  symRefs,
  ifLiveThenNonzCap,
  replyCapsMdb,
  replyMastersMdb,
  validReplyCaps,
  validReplyMasters,
  validQueues,
  ctNotInQ,
  validBlocked,
  validSchedAction,
  ctInCurDomain,
  validIdleEtcb,
  validDomainList,
  validIrqNode,
  validIrqHandlers,
  validIrqStates,
  wellformedVspaceObjs,
  validVspaceObjs,
  validArchState,
  validAsidMap,
  validGlobalObjs,
  validKernelMappings,
  equalKernelMappings,
  validVsLookup,
  validTableCaps,
  uniqueTableCaps,
  uniqueTableRefs,
  tableCapMappings,
];

/** The invariant of a given name. */
export function invariantNamed(name: string): Invariant | undefined {
  return allInvariants.find((i) => i.name === name);
}

/**
 * The violations of `invariants` (all by default) in `s`; empty when every one holds.
 * A check that throws (on a state too broken to walk) is itself reported as a violation.
 */
export function checkInvariants(
  s: KernelState,
  ctx: InvariantContext = DEFAULT_CONTEXT,
  invariants: readonly Invariant[] = allInvariants,
): Violation[] {
  const out: Violation[] = [];
  for (const inv of invariants) {
    try {
      out.push(...inv.check(s, ctx));
    } catch (e) {
      out.push({ invariant: inv.name, where: 'state', message: `check threw: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return out;
}

export type { Invariant, InvariantContext, Violation } from './types.js';
export { DEFAULT_CONTEXT } from './types.js';
