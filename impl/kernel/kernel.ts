/**
 * The implementation kernel: the C kernel's global variables as fields, kernel objects in
 * {@link PhysicalMemory} at their physical addresses, and {@link Kernel.callKernel}, the one
 * entry point (seL4 `src/api/syscall.c` `handle*` entries, l4v `callKernel`).
 *
 * A fresh `new Kernel(memory)` has empty globals; boot (`impl/boot.ts`) fills them:
 * - `ksCurThread`, `ksIdleThread` (`tcb_t` pointers = TCB object base + 256),
 *   `ksSchedulerAction` (default ResumeCurrentThread),
 * - `ksCurDomain`, the domain schedule (`setDomainScheduleEntry`, `ksDomScheduleIdx`,
 *   `ksDomScheduleStart`) and `setDomainTime`,
 * - `intStateIRQNode` (IRQ i's handler CTE at `intStateIRQNode + 16 * i`) and
 *   `intStateIRQTable` (with `setIRQState` for the timer IRQ, which also unmasks it),
 * - `armKSASIDTable`, `armKSHWASIDTable`, `armKSNextASID`, `armKSGlobalPD`, `armKSGlobalPT`,
 * - the `ghost` table for every object it creates,
 * - and the objects themselves, in memory (caps with `writeCap`/`insertNewCap`, TCB fields
 *   with the `tcb-layout.ts` accessors).
 *
 * Registers: the arguments of a system call are in the current thread's saved context in its
 * TCB (`setRegister(k.ksCurThread, r, v)` before `callKernel`), as the C kernel sees them after
 * its trap entry saved them; results are read back the same way.
 *
 * Interrupts: `irq` is the machine's GICv2 model. The kernel masks/unmasks lines in it
 * (`maskInterrupt`), asks it for the pending line at preemption points (`isIRQPending` =
 * `hasPendingEnabled`) and at interrupt entry (`getActiveIRQ` = GICC_IAR via `acknowledge`),
 * and ends each handled line (`ackInterrupt` = EOI). A test makes an IRQ pending with
 * `k.irq.setPending(n)` (or a device drives the line).
 *
 * MMU: `cpu` holds what the kernel writes to TTBR0 and CONTEXTIDR (`setCurrentPD`,
 * `setHardwareASID`) and `tlb` is the TLB its maintenance operations (`invalidateLocalTLB*`)
 * act on. A machine that runs user code passes its own, so that user accesses see the kernel's
 * address-space switches and flushes.
 *
 * @module
 */
import type { PhysicalMemory } from '../../hardware/memory.js';
import { InterruptController } from '../../hardware/irq.js';
import { Cpu } from '../../hardware/cpu.js';
import { Tlb } from '../../hardware/tlb.js';
import type { KernelEvent } from '../../hardware/events.js';
import { MAX_IRQ, NUM_DOMAINS, NUM_DOMAIN_SCHEDULES } from '../../abi/config.js';
import { L2_BITMAP_SIZE, NUM_READY_QUEUES, SCHEDULER_ACTION_RESUME_CURRENT_THREAD } from './statedata.js';
import { GhostTable } from './ghost.js';
import { SyscallError } from './failures.js';
import { capWords, type CapWords } from '../object/cap.js';
import { cteReadCap, cteWriteCap } from '../object/mdb.js';
import { getRegister, setRegister } from '../object/tcb-layout.js';
import { handleEvent } from './syscall.js';
import { LOOP_BOUND } from './panic.js';
import { FastpathCounters } from '../fastpath/counters.js';

/** Build options of the implementation kernel (seL4's `config.cmake` switches it models). */
export interface KernelOptions {
  /** `KernelFastpath`: Call and ReplyRecv try the IPC fastpath first (default on, as in seL4). */
  readonly fastpath?: boolean;
}

export {
  SCHEDULER_ACTION_RESUME_CURRENT_THREAD, SCHEDULER_ACTION_CHOOSE_NEW_THREAD, NUM_READY_QUEUES,
  L2_BITMAP_SIZE, IRQ_INACTIVE, IRQ_SIGNAL, IRQ_TIMER, IRQ_RESERVED,
} from './statedata.js';

/** The kernel timer the kernel re-arms after each tick (`resetTimer`); optional. */
export interface KernelTimer {
  /** Acknowledges the tick at the timer and arms the next (`resetTimer`). */
  resetTimer(): void;
}

const ASID_TABLE_ENTRIES = 128;
const HW_ASID_TABLE_ENTRIES = 256;
const EXTRA_CAPS = 3;
// Byte offsets of the global arrays in the kernel's one buffer: the word arrays, then the bytes.
const AT_READY_HEAD = 0;
const AT_READY_TAIL = AT_READY_HEAD + 4 * NUM_READY_QUEUES;
const AT_L1_BITMAP = AT_READY_TAIL + 4 * NUM_READY_QUEUES;
const AT_L2_BITMAP = AT_L1_BITMAP + 4 * NUM_DOMAINS;
const AT_DOM_SCHEDULE = AT_L2_BITMAP + 4 * NUM_DOMAINS * L2_BITMAP_SIZE;
const AT_ASID_TABLE = AT_DOM_SCHEDULE + 4 * 2 * NUM_DOMAIN_SCHEDULES;
const AT_HW_ASID_TABLE = AT_ASID_TABLE + 4 * ASID_TABLE_ENTRIES;
const AT_EXTRA_CAPS = AT_HW_ASID_TABLE + 4 * HW_ASID_TABLE_ENTRIES;
const AT_IRQ_TABLE = AT_EXTRA_CAPS + 4 * EXTRA_CAPS;
const ARRAY_BYTES = AT_IRQ_TABLE + MAX_IRQ + 1;

/** The optimized kernel: C globals as fields, objects in physical memory. */
export class Kernel {
  /** Physical memory holding every kernel object. */
  readonly mem: PhysicalMemory;
  /** The interrupt controller (GICv2 model): masks, pending lines, acknowledge/EOI. */
  readonly irq: InterruptController;
  /** The kernel timer device, if one is attached (`resetTimer` after each tick). */
  kernelTimer: KernelTimer | null = null;
  /** The CPU whose TTBR0 and CONTEXTIDR.ASID the kernel sets on a context switch. */
  readonly cpu: Cpu;
  /** The TLB the kernel's invalidate operations act on. */
  readonly tlb: Tlb;

  // ---- scheduler (`src/model/statedata.c`) ----
  /** `ksCurThread`: `tcb_t` pointer of the running thread. */
  ksCurThread = 0;
  /** `ksIdleThread`: `tcb_t` pointer of the idle thread. */
  ksIdleThread = 0;
  /** `ksSchedulerAction`: 0 = ResumeCurrentThread, 1 = ChooseNewThread, else a `tcb_t` pointer. */
  ksSchedulerAction = SCHEDULER_ACTION_RESUME_CURRENT_THREAD;
  /** `ksReadyQueues[i].head`, i = domain × 256 + priority. */
  readonly ksReadyQueuesHead: Uint32Array;
  /** `ksReadyQueues[i].end`. */
  readonly ksReadyQueuesTail: Uint32Array;
  /** `ksReadyQueuesL1Bitmap[domain]`. */
  readonly ksReadyQueuesL1Bitmap: Uint32Array;
  /** `ksReadyQueuesL2Bitmap[domain][i]` at `domain * L2_BITMAP_SIZE + i`. */
  readonly ksReadyQueuesL2Bitmap: Uint32Array;
  /** `ksCurDomain`. */
  ksCurDomain = 0;
  /** `ksDomainTime` (a 64-bit `ticks_t`), high word. */
  ksDomainTimeHi = 0;
  /** `ksDomainTime`, low word. */
  ksDomainTimeLo = 0;
  /**
   * `ksDomSchedule` (64-bit entries: domain in the top 8 bits, duration in the low 56):
   * entry i's low word at `2i`, high word at `2i + 1`. An all-zero entry is the end marker.
   */
  readonly ksDomSchedule: Uint32Array;
  /** `ksDomScheduleIdx`. */
  ksDomScheduleIdx = 0;
  /** `ksDomScheduleStart`. */
  ksDomScheduleStart = 0;
  /** `ksWorkUnitsCompleted`. */
  ksWorkUnitsCompleted = 0;

  // ---- interrupts ----
  /** `intStateIRQTable[irq]`: IRQ_INACTIVE, IRQ_SIGNAL, IRQ_TIMER or IRQ_RESERVED. */
  readonly intStateIRQTable: Uint8Array;
  /** `intStateIRQNode`: physical address of IRQ 0's handler CTE (IRQ i at + 16 i). */
  intStateIRQNode = 0;
  /** `active_irq`: the line acknowledged at the GIC and not yet ended (1023 = none). */
  activeIRQ = 1023;

  // ---- ARM (`include/arch/arm/arch/32/mode/model/statedata.h`) ----
  /** `armKSASIDTable[i]`: ASID pool address for ASIDs with high bits i, or 0. */
  readonly armKSASIDTable: Uint32Array;
  /** `armKSHWASIDTable[hw]`: the ASID holding hardware ASID hw, or 0. */
  readonly armKSHWASIDTable: Uint32Array;
  /** `armKSNextASID`: next hardware ASID to hand out. */
  armKSNextASID = 0;
  /** `armKSGlobalPD`: physical address of the kernel's global page directory. */
  armKSGlobalPD = 0;
  /** `armKSGlobalPT`: physical address of the page table of the kernel window's last MiB. */
  armKSGlobalPT = 0;

  // ---- configuration and counters ----
  /** `KernelFastpath` (seL4 `CONFIG_FASTPATH`): whether SysCall and SysReplyRecv try the fastpath. */
  kernelFastpath: boolean;
  /** How often each fastpath ran and why it fell back (not kernel state; never abstracted). */
  readonly fastpathCounters = new FastpathCounters();
  /**
   * Iterations of memory-linked loops this entry may still run (`loopStep`; not C state, never
   * abstracted): reset to `LOOP_BOUND` at each entry, so that a corrupted list panics instead
   * of spinning.
   */
  loopBudget = LOOP_BOUND;

  // ---- ghost ----
  /** Ghost (proof-only) object table: kind and size per object base address. */
  readonly ghost = new GhostTable();

  // ---- error globals (`current_*`) and per-invocation scratch ----
  /** `current_syscall_error`. */
  readonly currentSyscallError = new SyscallError();
  /** `current_lookup_fault` word 0. */
  currentLookupFaultW0 = 0;
  /** `current_lookup_fault` word 1. */
  currentLookupFaultW1 = 0;
  /** `current_fault` word 0. */
  currentFaultW0 = 0;
  /** `current_fault` word 1. */
  currentFaultW1 = 0;
  /** `current_extra_caps.excaprefs`: CTE addresses of the extra caps (0 = none). */
  readonly currentExtraCaps: Uint32Array;
  /** Slot result of the last lookup (`lookupSlot_ret_t.slot`); read right after the call. */
  retSlot = 0;
  /** `bitsRemaining` result of the last `resolveAddressBits`. */
  retBitsRemaining = 0;
  /** `success` result of the last `finaliseSlot` (its cleanup info is in `capRet2`). */
  retSuccess = false;
  /** Scratch cap results (C's returned `cap_t` structs); reused by kernel functions. */
  readonly capRet: CapWords = capWords();
  /** Second scratch cap, for functions that build two caps (Rotate, Mint). */
  readonly capRet2: CapWords = capWords();

  /**
   * An empty kernel over `memory`; `irq` defaults to a fresh GIC with lines 0..maxIRQ, `cpu`
   * and `tlb` to a fresh CPU and an empty TLB; `options` as in {@link KernelOptions}.
   */
  constructor(memory: PhysicalMemory, irq: InterruptController = new InterruptController(MAX_IRQ),
    cpu: Cpu = new Cpu(), tlb: Tlb = new Tlb(), options: KernelOptions = {}) {
    this.kernelFastpath = options.fastpath ?? true;
    // The global arrays are views of one buffer: one allocation instead of nine.
    const buf = new ArrayBuffer(ARRAY_BYTES);
    this.ksReadyQueuesHead = new Uint32Array(buf, AT_READY_HEAD, NUM_READY_QUEUES);
    this.ksReadyQueuesTail = new Uint32Array(buf, AT_READY_TAIL, NUM_READY_QUEUES);
    this.ksReadyQueuesL1Bitmap = new Uint32Array(buf, AT_L1_BITMAP, NUM_DOMAINS);
    this.ksReadyQueuesL2Bitmap = new Uint32Array(buf, AT_L2_BITMAP, NUM_DOMAINS * L2_BITMAP_SIZE);
    this.ksDomSchedule = new Uint32Array(buf, AT_DOM_SCHEDULE, NUM_DOMAIN_SCHEDULES * 2);
    this.armKSASIDTable = new Uint32Array(buf, AT_ASID_TABLE, ASID_TABLE_ENTRIES);
    this.armKSHWASIDTable = new Uint32Array(buf, AT_HW_ASID_TABLE, HW_ASID_TABLE_ENTRIES);
    this.currentExtraCaps = new Uint32Array(buf, AT_EXTRA_CAPS, EXTRA_CAPS);
    this.intStateIRQTable = new Uint8Array(buf, AT_IRQ_TABLE, MAX_IRQ + 1);
    this.mem = memory;
    this.irq = irq;
    this.cpu = cpu;
    this.tlb = tlb;
  }

  /**
   * The kernel entry (l4v `callKernel`): handles `event` against the current thread's saved
   * registers, then schedules and activates the next thread. Throws only `KernelPanic`.
   */
  callKernel(event: KernelEvent): void {
    this.loopBudget = LOOP_BOUND;
    handleEvent(this, event);
  }

  /** Saved user register `reg` (a `Reg` index) of the thread whose `tcb_t` is at `tcb`. */
  getRegister(tcb: number, reg: number): number {
    return getRegister(this.mem, tcb, reg);
  }

  /** Sets saved user register `reg` of the thread whose `tcb_t` is at `tcb`. */
  setRegister(tcb: number, reg: number, v: number): void {
    setRegister(this.mem, tcb, reg, v);
  }

  /** Reads the cap in the CTE at `cte` into `out` (a fresh buffer by default). */
  readCap(cte: number, out: CapWords = capWords()): CapWords {
    return cteReadCap(this.mem, cte, out);
  }

  /** Writes cap words into the CTE at `cte`, leaving its MDB node as it is. */
  writeCap(cte: number, w0: number, w1: number): void {
    cteWriteCap(this.mem, cte, w0, w1);
  }

  /** `ksDomainTime`, the 64-bit tick count, exactly (a bigint: durations reach 2^56 − 1). */
  get ksDomainTime(): bigint {
    return (BigInt(this.ksDomainTimeHi) << 32n) | BigInt(this.ksDomainTimeLo);
  }

  /** Sets `ksDomainTime` to `ticks` (below 2^64). */
  setDomainTime(ticks: bigint): void {
    this.ksDomainTimeHi = Number((ticks >> 32n) & 0xffffffffn);
    this.ksDomainTimeLo = Number(ticks & 0xffffffffn);
  }

  /** Sets domain-schedule entry `i` to (domain, duration); the duration has 56 bits. */
  setDomainScheduleEntry(i: number, domain: number, duration: bigint): void {
    this.ksDomSchedule[2 * i] = Number(duration & 0xffffffffn);
    this.ksDomSchedule[2 * i + 1] = ((domain & 0xff) << 24 | Number((duration >> 32n) & 0xffffffn)) >>> 0;
  }

  /** `dschedule_domain(ksDomSchedule[i])`. */
  domainScheduleDomain(i: number): number {
    return (this.ksDomSchedule[2 * i + 1] ?? 0) >>> 24;
  }

  /** `dschedule_duration(ksDomSchedule[i])`, exactly. */
  domainScheduleDuration(i: number): bigint {
    return (BigInt((this.ksDomSchedule[2 * i + 1] ?? 0) & 0xffffff) << 32n) | BigInt(this.ksDomSchedule[2 * i] ?? 0);
  }
}
