/**
 * The two threads that exist after boot (manual §9.1; seL4 `create_initial_thread`,
 * `create_idle_thread`, `Arch_configureIdleThread`, `setupReplyMaster` in
 * `src/kernel/boot.c`, `src/arch/arm/32/kernel/thread.c`, `src/kernel/thread.c`).
 *
 * @module
 */
import { MAX_PRIO, TIME_SLICE } from '../../abi/config.js';
import { CPSR_IDLE_THREAD, type KernelImage } from '../../abi/bootinfo.js';
import { Reg } from '../../hardware/registers.js';
import { NULL_CAP, type Cap } from '../state/cap.js';
import type { TCB } from '../state/object.js';
import { RUNNING } from '../state/thread.js';
import { defaultTCB, newContext } from '../object/untyped/default-object.js';

/** The master reply cap `setupReplyMaster` puts in a thread's reply slot (Write and Grant). */
export function masterReplyCap(tcb: number): Cap {
  return { kind: 'ReplyCap', tcb, isMaster: true, rights: { read: false, write: true, grant: true, grantReply: false } };
}

/** What the root TCB starts with besides its caps. */
export interface RootThreadSetup {
  /** The TCB object's address. */
  readonly tcb: number;
  /** Copy of the root CNode cap (TCB slot 0). */
  readonly cspaceRoot: Cap;
  /** Copy of the PD cap (TCB slot 1). */
  readonly vspaceRoot: Cap;
  /** The IPC buffer frame cap, derived (unmapped) (TCB slot 4). */
  readonly ipcBufferFrame: Cap;
  /** Virtual address of the IPC buffer (`tcbIPCBuffer`). */
  readonly ipcBuffer: number;
  /** Virtual address of the bootinfo frame, passed in r0. */
  readonly bootInfo: number;
  /** The image's entry point, the first NextIP. */
  readonly entry: number;
}

/**
 * The root task's TCB: running, priority and MCP 255, domain 0, a full time slice, its
 * CSpace and VSpace roots, master reply cap and IPC buffer frame in its cap slots, the
 * bootinfo address in r0 and the entry point in NextIP.
 */
export function rootTCB(setup: RootThreadSetup): TCB {
  const context = newContext();
  context[Reg.R0] = setup.bootInfo;
  context[Reg.NextIP] = setup.entry;
  return {
    kind: 'TCB',
    caps: [setup.cspaceRoot, setup.vspaceRoot, masterReplyCap(setup.tcb), NULL_CAP, setup.ipcBufferFrame],
    state: RUNNING,
    fault: null,
    faultHandler: 0,
    ipcBuffer: setup.ipcBuffer,
    boundNotification: null,
    priority: MAX_PRIO,
    mcp: MAX_PRIO,
    domain: 0,
    timeSlice: TIME_SLICE,
    flags: 0,
    context,
  };
}

/**
 * The idle thread: a TCB in the kernel image (zero-initialised `.bss`), in
 * `IdleThreadState`, running the kernel's idle loop in system mode. Its time slice stays 0
 * as in the C kernel (l4v's dummy initial state gives it a full one; it is never read).
 */
export function idleTCB(image: KernelImage): TCB {
  const context = newContext();
  context[Reg.CPSR] = CPSR_IDLE_THREAD;
  context[Reg.NextIP] = image.idleThreadEntry;
  // C zeroes the idle thread in .bss: no time slice, not the default of a new thread.
  return { ...defaultTCB(0), state: { kind: 'IdleThreadState' }, timeSlice: 0, context };
}
