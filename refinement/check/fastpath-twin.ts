/**
 * The fastpath twin check: the implementation kernel (fastpath on) runs beside a second one
 * booted alike with the fastpath off; both get the same register and memory writes and the
 * same events, and after every entry their concrete states must be equal: every word of
 * physical memory and every kernel global. This is stronger than the abstract comparison with
 * the spec: it says the fastpath changes nothing but speed, word for word (seL4's rule, "the
 * fastpath must match a particular execution of the slowpath").
 *
 * Two things are left out of "every word", because seL4's fastpath and slowpath themselves
 * leave them different and nothing reads them:
 * - the `blockingObject` bits of `tcbState` word 0 of a thread whose state has no blocking
 *   object (Running, Restart, Inactive, BlockedOnReply, Idle): the fastpath writes the whole
 *   word (`thread_state_ptr_set_tsType_np`) where the slowpath's `setThreadState` changes only
 *   the type and leaves the stale pointer;
 * - the per-entry scratch globals (`current_syscall_error`, `current_lookup_fault`,
 *   `current_fault`, `current_extra_caps`, returned slots and caps): C globals that each
 *   slowpath entry sets before it reads them and the fastpath never touches.
 *
 * A difference is a `fastpath` failure naming the first differing address (and the object
 * holding it) or global.
 *
 * @module
 */
import { DEFAULT_BOOT_PARAMS, type BootParams } from '../../abi/bootinfo.js';
import type { KernelEvent } from '../../hardware/events.js';
import type { PhysicalMemory } from '../../hardware/memory.js';
import { bootImpl } from '../../impl/boot.js';
import type { Kernel } from '../../impl/kernel/kernel.js';
import { addFastpathCounts, type FastpathCounts } from '../../impl/fastpath/counters.js';
import {
  TCB_OFFSET, TCB_STATE_W0, THREAD_STATE_BLOCKED_ON_NOTIFICATION, THREAD_STATE_BLOCKED_ON_RECEIVE,
  THREAD_STATE_BLOCKED_ON_SEND,
} from '../../impl/object/tcb-layout.js';
import { implKernelWith } from '../abstraction.js';
import type { AbstractView, HardwareView, KernelInstance, KernelUnderTest } from './kernel-under-test.js';

/** Thrown by a twin instance's step when the two kernels' states differ (failure kind `fastpath`). */
export class FastpathMismatch extends Error {
  /** Builds the error from the one-line description of the first difference. */
  constructor(message: string) {
    super(message);
    this.name = 'FastpathMismatch';
  }
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

// Whether a state word-0 difference at `addr` is only in the stale blocking-object bits.
function staleBlockingObject(k: Kernel, addr: number, a: number, b: number): boolean {
  const base = (addr & ~0x1ff) >>> 0;
  if (addr - base !== TCB_OFFSET + TCB_STATE_W0 || k.ghost.get(base)?.kind !== 'TCB') return false;
  const ts = a & 0xf;
  if ((b & 0xf) !== ts) return false;
  return ts !== THREAD_STATE_BLOCKED_ON_RECEIVE && ts !== THREAD_STATE_BLOCKED_ON_SEND && ts !== THREAD_STATE_BLOCKED_ON_NOTIFICATION;
}

// The object holding `addr`, for the message (a scan of the ghost table, only on a mismatch).
function objectAt(k: Kernel, addr: number): string {
  for (const [base, o] of k.ghost.entries()) {
    if (addr >= base && addr < base + 2 ** o.sizeBits) return ` (${o.kind} ${hex(base)} + ${hex(addr - base)})`;
  }
  return '';
}

// The first differing word of two memories, walking both frame lists in address order.
function memoryMismatch(k: Kernel, on: PhysicalMemory, off: PhysicalMemory): string | undefined {
  const a = on.frames();
  const b = off.frames();
  let x = a.next();
  let y = b.next();
  const zeros = new Uint32Array(1024);
  while (!x.done || !y.done) {
    let base: number;
    let fa: Uint32Array;
    let fb: Uint32Array;
    if (!x.done && (y.done || x.value[0] < y.value[0])) {
      [base, fa] = x.value;
      fb = zeros;
      x = a.next();
    } else if (!y.done && (x.done || y.value[0] < x.value[0])) {
      [base, fb] = y.value;
      fa = zeros;
      y = b.next();
    } else {
      [base, fa] = x.value!;
      fb = y.value![1];
      x = a.next();
      y = b.next();
    }
    for (let i = 0; i < 1024; i++) {
      const wa = fa[i]!;
      const wb = fb[i]!;
      if (wa === wb) continue;
      const addr = base + 4 * i;
      if (staleBlockingObject(k, addr, wa, wb)) continue;
      return `memory at ${hex(addr)}${objectAt(k, addr)}: fastpath on ${hex(wa)}, off ${hex(wb)}`;
    }
  }
  return undefined;
}

function arrayMismatch(name: string, a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return `${name}[${i}]: fastpath on ${hex(a[i]!)}, off ${hex(b[i]!)}`;
  }
  return undefined;
}

// The first differing kernel global (scratch globals excepted, see the module comment).
function globalsMismatch(a: Kernel, b: Kernel): string | undefined {
  const words: readonly (readonly [string, number, number])[] = [
    ['ksCurThread', a.ksCurThread, b.ksCurThread],
    ['ksIdleThread', a.ksIdleThread, b.ksIdleThread],
    ['ksSchedulerAction', a.ksSchedulerAction, b.ksSchedulerAction],
    ['ksCurDomain', a.ksCurDomain, b.ksCurDomain],
    ['ksDomainTimeHi', a.ksDomainTimeHi, b.ksDomainTimeHi],
    ['ksDomainTimeLo', a.ksDomainTimeLo, b.ksDomainTimeLo],
    ['ksDomScheduleIdx', a.ksDomScheduleIdx, b.ksDomScheduleIdx],
    ['ksDomScheduleStart', a.ksDomScheduleStart, b.ksDomScheduleStart],
    ['ksWorkUnitsCompleted', a.ksWorkUnitsCompleted, b.ksWorkUnitsCompleted],
    ['intStateIRQNode', a.intStateIRQNode, b.intStateIRQNode],
    ['activeIRQ', a.activeIRQ, b.activeIRQ],
    ['armKSNextASID', a.armKSNextASID, b.armKSNextASID],
    ['armKSGlobalPD', a.armKSGlobalPD, b.armKSGlobalPD],
    ['armKSGlobalPT', a.armKSGlobalPT, b.armKSGlobalPT],
    ['TTBR0', a.cpu.ttbr0, b.cpu.ttbr0],
    ['CONTEXTIDR.ASID', a.cpu.asid, b.cpu.asid],
    ['ghost objects', a.ghost.size, b.ghost.size],
  ];
  for (const [name, x, y] of words) if (x !== y) return `${name}: fastpath on ${hex(x)}, off ${hex(y)}`;
  const irqA = a.irq.maxIRQ;
  for (let i = 0; i <= irqA; i++) {
    if (a.irq.isMasked(i) !== b.irq.isMasked(i)) return `IRQ ${i} mask: fastpath on ${a.irq.isMasked(i)}, off ${b.irq.isMasked(i)}`;
    if (a.irq.isPending(i) !== b.irq.isPending(i)) return `IRQ ${i} pending: fastpath on ${a.irq.isPending(i)}, off ${b.irq.isPending(i)}`;
  }
  return arrayMismatch('ksReadyQueues.head', a.ksReadyQueuesHead, b.ksReadyQueuesHead)
    ?? arrayMismatch('ksReadyQueues.end', a.ksReadyQueuesTail, b.ksReadyQueuesTail)
    ?? arrayMismatch('ksReadyQueuesL1Bitmap', a.ksReadyQueuesL1Bitmap, b.ksReadyQueuesL1Bitmap)
    ?? arrayMismatch('ksReadyQueuesL2Bitmap', a.ksReadyQueuesL2Bitmap, b.ksReadyQueuesL2Bitmap)
    ?? arrayMismatch('ksDomSchedule', a.ksDomSchedule, b.ksDomSchedule)
    ?? arrayMismatch('intStateIRQTable', a.intStateIRQTable, b.intStateIRQTable)
    ?? arrayMismatch('armKSASIDTable', a.armKSASIDTable, b.armKSASIDTable)
    ?? arrayMismatch('armKSHWASIDTable', a.armKSHWASIDTable, b.armKSHWASIDTable);
}

/**
 * The first difference between the concrete states of `on` (fastpath on) and `off`, as one
 * line, or undefined when they are equal (see the module comment for what is left out).
 */
export function fastpathTwinMismatch(on: Kernel, off: Kernel): string | undefined {
  return globalsMismatch(on, off) ?? memoryMismatch(on, on.mem, off.mem);
}

/** A kernel instance that steps a fastpath-off twin beside the kernel and compares after each entry. */
class FastpathTwinInstance implements KernelInstance {
  constructor(private readonly inner: KernelInstance, readonly kernel: Kernel, readonly twin: Kernel) {}

  setRegister(reg: number, value: number): void {
    this.inner.setRegister(reg, value);
    this.twin.setRegister(this.twin.ksCurThread, reg, value);
  }

  writeWords(paddr: number, values: readonly number[]): void {
    this.inner.writeWords(paddr, values);
    for (let i = 0; i < values.length; i++) this.twin.mem.write32(paddr + 4 * i, values[i]!);
  }

  setPendingIRQ(irq: number): void {
    this.inner.setPendingIRQ(irq);
    this.twin.irq.setPending(irq);
  }

  step(e: KernelEvent): void {
    this.inner.step(e);
    try {
      this.twin.callKernel(e);
    } catch (err) {
      const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new FastpathMismatch(`the fastpath-off twin failed where the kernel did not: ${text}`);
    }
    const m = fastpathTwinMismatch(this.kernel, this.twin);
    if (m !== undefined) throw new FastpathMismatch(m);
  }

  abstract(): ReturnType<KernelInstance['abstract']> {
    return this.inner.abstract();
  }

  view(): AbstractView {
    return this.inner.view();
  }

  hardwareView(): HardwareView | undefined {
    return this.inner.hardwareView?.();
  }
}

/** The implementation kernel with its fastpath-off twin, and the fastpath counts of its runs. */
export interface FastpathTwinKernel extends KernelUnderTest {
  /** Fastpath hits and fallbacks summed over every instance booted so far (shrinking runs included). */
  fastpathCounts(): FastpathCounts | undefined;
}

/**
 * The implementation kernel booted with `params` (fastpath on), checked against a twin with
 * the fastpath off after every entry; a difference throws {@link FastpathMismatch}.
 * `afterStep` runs on the fastpath-on kernel after each of its entries, before the comparison
 * (tests inject faults with it).
 */
export function implKernelWithFastpathTwin(params: BootParams = DEFAULT_BOOT_PARAMS, name = 'impl',
  afterStep: (k: Kernel, e: KernelEvent) => void = () => {}): FastpathTwinKernel {
  let done: FastpathCounts | undefined;
  let live: Kernel | undefined;
  return {
    name,
    boot: () => {
      if (live !== undefined) done = addFastpathCounts(done, live.fastpathCounters.snapshot());
      const k = bootImpl(params);
      k.kernelFastpath = true;
      const twin = bootImpl(params);
      twin.kernelFastpath = false;
      live = k;
      return new FastpathTwinInstance(implKernelWith(name, () => k, afterStep).boot(), k, twin);
    },
    fastpathCounts: () => (live === undefined ? done : addFastpathCounts(done, live.fastpathCounters.snapshot())),
  };
}

/** The fastpath counts of a kernel under test, if it is a {@link FastpathTwinKernel}. */
export function fastpathCountsOf(k: KernelUnderTest): FastpathCounts | undefined {
  return 'fastpathCounts' in k && typeof k.fastpathCounts === 'function' ? (k as FastpathTwinKernel).fastpathCounts() : undefined;
}

/** Every `path.check` fallback reason (and each path's hit) seen fewer than once. */
export function fastpathGaps(c: FastpathCounts | undefined): string[] {
  if (c === undefined) return [];
  const gaps: string[] = [];
  for (const [path, p] of Object.entries(c)) {
    if (p.hit === 0) gaps.push(`${path}: hit`);
    for (const [check, n] of Object.entries(p.fallback)) if (n === 0) gaps.push(`${path}: ${check}`);
  }
  return gaps;
}
