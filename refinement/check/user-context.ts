/**
 * What user space does to a spec state between kernel entries, as the engine drives it: write
 * the current thread's registers and IPC buffer, and raise an interrupt line. (l4v's
 * `do_user_op` and the interrupt oracle, reduced to the writes the checker makes.)
 *
 * @module
 */
import { PAGE_BITS_FOR_SIZE } from '../../spec/state/cap.js';
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
  for (const [reg, v] of values) context[reg] = v >>> 0;
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
export function wordRuns(writes: readonly (readonly [number, number])[]): [number, number[]][] {
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
  const bits = PAGE_BITS_FOR_SIZE[frame.size];
  return frame.ptr + (t.ipcBuffer % 2 ** bits);
}
