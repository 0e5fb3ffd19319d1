/**
 * Hardware ASIDs of ARMv7 (l4v `ARM/ArchVSpace_A.thy` `load_hw_asid`, `store_hw_asid`,
 * `invalidate_asid`, `invalidate_hw_asid_entry`, `invalidate_asid_entry`,
 * `find_free_hw_asid`, `get_hw_asid`, `arm_context_switch`; manual §7.1.1 "ASIDs").
 *
 * seL4's ASIDs are 17 bits wide but the TLB tags entries with an 8-bit hardware ASID. The
 * kernel hands hardware ASIDs out lazily, when an address space is switched to, and takes
 * one back round robin (from `arm_next_asid`) when all 256 are in use. The TLB flushes this
 * needs have no trace in the abstract state; the tables (`arm_hwasid_table`,
 * `arm_asid_map`, `arm_next_asid`) do.
 *
 * @module
 */
import type { KernelState } from '../../state/kernel-state.js';
import { KernelPanic } from '../../kernel/panic.js';
import { findPDForASID } from './vspace-acc.js';

/** Number of hardware ASIDs (8 bits). */
export const HW_ASIDS = 256;

/** A state and the hardware ASID an operation chose. */
export interface WithHWASID {
  /** The state afterwards. */
  readonly state: KernelState;
  /** The hardware ASID. */
  readonly hwASID: number;
}

function setArch(s: KernelState, arch: Partial<KernelState['arch']>): KernelState {
  return { ...s, arch: { ...s.arch, ...arch } };
}

/** The hardware ASID an ASID holds, if any. @see l4v load_hw_asid */
export function loadHWASID(s: KernelState, asid: number): number | undefined {
  return s.arch.asidMap.get(asid)?.hwASID;
}

/** Forgets the hardware ASID of an ASID. @see l4v invalidate_asid */
export function invalidateASID(s: KernelState, asid: number): KernelState {
  return setArch(s, { asidMap: s.arch.asidMap.delete(asid) });
}

/** Frees a hardware ASID. @see l4v invalidate_hw_asid_entry */
export function invalidateHWASIDEntry(s: KernelState, hwASID: number): KernelState {
  return setArch(s, { hwASIDTable: s.arch.hwASIDTable.delete(hwASID) });
}

/** Breaks the link between an ASID and its hardware ASID both ways. @see l4v invalidate_asid_entry */
export function invalidateASIDEntry(s: KernelState, asid: number): KernelState {
  const hw = loadHWASID(s, asid);
  const s1 = hw === undefined ? s : invalidateHWASIDEntry(s, hw);
  return invalidateASID(s1, asid);
}

/**
 * A free hardware ASID, searching from `arm_next_asid` upwards and wrapping round; the
 * search does not move `arm_next_asid`. When all 256 are in use, the one at `arm_next_asid`
 * is taken back from its ASID (whose TLB entries the kernel flushes) and `arm_next_asid`
 * moves on by one. @see l4v find_free_hw_asid
 */
export function findFreeHWASID(s: KernelState): WithHWASID {
  const next = s.arch.nextASID;
  for (let i = 0; i < HW_ASIDS; i++) {
    const a = (next + i) % HW_ASIDS;
    if (!s.arch.hwASIDTable.has(a)) return { state: s, hwASID: a };
  }
  const victim = s.arch.hwASIDTable.get(next);
  if (victim === undefined) throw new KernelPanic('find_free_hw_asid: no victim');
  const s1 = invalidateHWASIDEntry(invalidateASID(s, victim), next);
  return { state: setArch(s1, { nextASID: (next + 1) % HW_ASIDS }), hwASID: next };
}

/** Records that an ASID (which must name a page directory) uses a hardware ASID. @see l4v store_hw_asid */
export function storeHWASID(s: KernelState, asid: number, hwASID: number): KernelState {
  const pd = findPDForASID(s, asid);
  if (!pd.ok) throw new KernelPanic('store_hw_asid: ASID without page directory');
  return setArch(s, {
    asidMap: s.arch.asidMap.set(asid, { hwASID, pd: pd.value }),
    hwASIDTable: s.arch.hwASIDTable.set(hwASID, asid),
  });
}

/** The hardware ASID of an ASID, allocating one if it has none. @see l4v get_hw_asid */
export function getHWASID(s: KernelState, asid: number): WithHWASID {
  const hw = loadHWASID(s, asid);
  if (hw !== undefined) return { state: s, hwASID: hw };
  const free = findFreeHWASID(s);
  return { state: storeHWASID(free.state, asid, free.hwASID), hwASID: free.hwASID };
}

/**
 * Switches the MMU to a page directory and its ASID: only the hardware ASID it may
 * allocate shows in the abstract state (TTBR0 and CONTEXTIDR are machine registers).
 * @see l4v arm_context_switch
 */
export function armContextSwitch(s: KernelState, asid: number): KernelState {
  return getHWASID(s, asid).state;
}
