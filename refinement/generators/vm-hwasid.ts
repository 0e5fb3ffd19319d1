/**
 * The hardware-ASID scenario: ARMv7 tags TLB entries with one of 256 hardware ASIDs, which
 * seL4 hands out lazily (`getHWASID`, from `armv_contextSwitch`) and, once all are in use,
 * takes back round robin (`findFreeHWASID`), flushing the TLB entries of the one it takes.
 * Ordinary traces make a handful of address spaces, so the take-back never happens there.
 * This trace makes 256 page directories at once (one Retype), assigns each an ASID from the
 * root task's pool, and gets each a hardware ASID through the cheapest kernel entry that
 * does: the root task configures itself (`TCBConfigure` on the current thread, which also
 * sets its IPC buffer and so asks for a reschedule; the scheduler switches to it again and
 * `setVMRoot` loads the new directory). The 256th new directory takes back the root task's
 * own hardware ASID, whose TLB entries the previous steps filled: a kernel that skipped the
 * flush leaves them tagged for the wrong address space, which the hardware-view check sees.
 * Then the trace goes on with ordinary actions on a kernel whose hardware ASIDs are all taken.
 *
 * @module
 */
import fc from 'fast-check';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { TCB_SLOT } from '../../spec/state/object.js';
import type { Action, VMAction } from './action.js';
import { kth, type CSpaceView } from './cspace.js';
import { hex, invoke, type ResolvedAction } from './message.js';
import { makeObject } from './resolve.js';
import { livePDs, slots } from './vm-state.js';

/** The `--entry` name of the scenario. */
export const HWASID_SCENARIO = 'HWASIDReuse';

/** Steps of the directed part: one Retype, 256 Assigns, 256 Configures, and a few to spare. */
export const SPREAD_STEPS = 520;

/**
 * How often the scenario's trace is compared whole and its invariants checked: with 258
 * address spaces a whole comparison costs a third of a second, so it runs at a few points
 * (the hardware view is still checked after every entry).
 */
export const HWASID_SCENARIO_CHECKS = { fullEvery: 256, invariantsEvery: 256 } as const;

/** How many page directories one Retype makes (seL4's fan-out limit). */
const BATCH = 256;

/**
 * One step of the scenario: the current thread configures itself onto an assigned directory
 * that has no hardware ASID yet; else an unassigned directory is assigned; else a batch of
 * directories is made.
 */
export function spreadStep(s: KernelState, v: CSpaceView, a: VMAction): ResolvedAction {
  const waiting = livePDs(s, v).filter((p) => !s.arch.asidMap.has(p.cap.asid!) && p.cap.ptr !== currentPD(v));
  const next = kth(waiting, a.k);
  if (next !== undefined) return configureSelf(s, v, next.cptr);
  const unassigned = kth(slots(v, 'PageDirectoryCap', (c) => c.asid === null), a.k);
  const pool = slots(v, 'ASIDPoolCap')[0];
  if (unassigned !== undefined && pool !== undefined) {
    return invoke('SysCall', pool.cptr, { label: 'ARMASIDPoolAssign', mrs: [], caps: [unassigned.cptr] }, 0, false, null,
      `ARMASIDPoolAssign(pool@${hex(pool.cptr)}, pd=pd@${hex(unassigned.cptr)}) (address space ${s.arch.asidMap.size + 1})`);
  }
  return makeObject(s, v, OBJECT_TYPE_NUMBER.PageDirectory, a.k, 0, BATCH);
}

// The directory the current thread runs on (its TCB's VSpace slot).
function currentPD(v: CSpaceView): number {
  const c = v.tcb.caps[TCB_SLOT.VTable];
  return c.kind === 'PageDirectoryCap' ? c.ptr : -1;
}

// TCBConfigure of the current thread (root slot 1): the same CSpace, IPC buffer and frame, the new VSpace.
function configureSelf(s: KernelState, v: CSpaceView, pd: number): ResolvedAction {
  const buffer = v.tcb.ipcBuffer;
  const frame = kth(slots(v, 'FrameCap', (c) => c.ptr === bufferFrame(v)), 0)?.cptr ?? 10;
  return invoke('SysCall', 1, { label: 'TCBConfigure', mrs: [0, 0, 0, buffer], caps: [2, pd, frame] }, 0, false, null,
    `TCBConfigure(self, faultEP=0x0, cspaceData=0x0, vspaceData=0x0, buffer=${hex(buffer)}, cspace=root, vspace=pd@${hex(pd)}, bufferFrame=frame@${hex(frame)}) (hardware ASIDs in use: ${s.arch.hwASIDTable.size})`);
}

function bufferFrame(v: CSpaceView): number {
  const c = v.tcb.caps[TCB_SLOT.IPCBuffer];
  return c.kind === 'FrameCap' ? c.ptr : -1;
}

/**
 * The scenario's traces: {@link SPREAD_STEPS} directed steps, then `tail` actions of the
 * ordinary mix. Not shrunk by fast-check (every directed step is needed to reach the 257th
 * address space; the minimising pass after it tries a few drops).
 */
export function hwasidScenario(action: fc.Arbitrary<Action>, tail: number): fc.Arbitrary<Action[]> {
  const step = fc.nat({ max: 1 << 16 }).map((k): Action => ({
    t: 'VM', syscall: 'SysCall', label: 'ARMASIDPoolAssign', cap: 'good', size: 0, pd: 'unassigned', vaddr: 'arena', range: 'ok',
    rights: 3, attr: 0, k, word: 0, shortBy: 0, noExtraCaps: false, spread: true,
  }));
  const spread = fc.array(step, { minLength: SPREAD_STEPS, maxLength: SPREAD_STEPS });
  return fc.noShrink(fc.tuple(spread, fc.array(action, { minLength: tail, maxLength: tail })).map(([a, b]) => [...a, ...b]));
}
