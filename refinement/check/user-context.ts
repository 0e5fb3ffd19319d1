/**
 * What user space does to a spec state between kernel entries, as the engine drives it: write
 * the current thread's registers and IPC buffer, and raise an interrupt line. (l4v's
 * `do_user_op` and the interrupt oracle, reduced to the writes the checker makes.)
 *
 * @module
 */
import { PAGE_BITS_FOR_SIZE, type VMPageSize } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
// Through `setObject`, so the spec's final-cap count follows the heap (a direct heap write
// would make the next delete recount every cap).
import { setObject, tcbWith } from '../../spec/kernel/kheap.js';
import { storeWords } from '../../spec/kernel/user-memory.js';

/** `s` with saved register `reg` of thread `tcb` set to `value`. */
export function withRegister(s: KernelState, tcb: number, reg: number, value: number): KernelState {
  const t = s.kheap.get(tcb);
  if (t?.kind !== 'TCB') return s;
  const context = t.context.slice();
  context[reg] = value >>> 0;
  return setObject(s, tcb, { ...t, context });
}

/** `s` with several saved registers of thread `tcb` set (`[register, value]` pairs), in one update. */
export function withRegisters(s: KernelState, tcb: number, values: readonly (readonly [number, number])[]): KernelState {
  const t = s.kheap.get(tcb);
  if (t?.kind !== 'TCB' || values.length === 0) return s;
  const context = t.context.slice();
  // Indexed, not destructured: array destructuring runs the iterator protocol, and this runs
  // before every checked entry.
  for (let i = 0; i < values.length; i++) {
    const pair = values[i]!;
    context[pair[0]] = pair[1] >>> 0;
  }
  return setObject(s, tcb, tcbWith(t, 'context', context));
}

/** `s` with consecutive words of user memory from physical address `paddr` on set to `values`. */
export function withUserWords(s: KernelState, paddr: number, values: readonly number[]): KernelState {
  return storeWords(s, paddr, values);
}

/**
 * Groups `[word offset, value]` writes into runs of consecutive words, each as
 * `[byte offset, values]`, so that each touched frame is copied once.
 */
export function wordRuns(writes: readonly (readonly [number, number])[]): readonly (readonly [number, readonly number[]])[] {
  // Each action's writes are grouped once: both kernels ask, and the bench repeats actions.
  let runs = runsOf.get(writes);
  if (runs === undefined) {
    runs = groupRuns(writes);
    runsOf.set(writes, runs);
  }
  return runs;
}

const runsOf = new WeakMap<readonly (readonly [number, number])[], readonly (readonly [number, readonly number[]])[]>();

function groupRuns(writes: readonly (readonly [number, number])[]): [number, number[]][] {
  const sorted = [...writes].sort((a, b) => a[0] - b[0]);
  const runs: [number, number[]][] = [];
  for (const [w, v] of sorted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] / 4 + last[1].length === w) last[1].push(v >>> 0);
    else runs.push([w * 4, [v >>> 0]]);
  }
  return runs;
}

/** `s` with interrupt line `irq` pending (the pending set stays sorted and duplicate-free). */
export function withPendingIRQ(s: KernelState, irq: number): KernelState {
  if (s.machine.irqPending.includes(irq)) return s;
  const irqPending = [...s.machine.irqPending, irq].sort((a, b) => a - b);
  return { ...s, machine: { ...s.machine, irqPending } };
}

// Bytes of a frame of each size (read, not computed: this runs before every checked entry).
const FRAME_BYTES: Readonly<Record<VMPageSize, number>> = {
  ARMSmallPage: 2 ** PAGE_BITS_FOR_SIZE.ARMSmallPage,
  ARMLargePage: 2 ** PAGE_BITS_FOR_SIZE.ARMLargePage,
  ARMSection: 2 ** PAGE_BITS_FOR_SIZE.ARMSection,
  ARMSuperSection: 2 ** PAGE_BITS_FOR_SIZE.ARMSuperSection,
};

/**
 * The physical address of the current thread's IPC buffer (the frame cap in its TCB slot 4
 * plus the buffer's offset in the frame, as l4v `lookup_ipc_buffer` finds it), or undefined
 * when it has none.
 */
export function ipcBufferAddress(s: KernelState): number | undefined {
  const t = s.kheap.get(s.curThread);
  if (t?.kind !== 'TCB') return undefined;
  const frame = t.caps[4];
  if (frame.kind !== 'FrameCap') return undefined;
  return frame.ptr + (t.ipcBuffer % FRAME_BYTES[frame.size]);
}
