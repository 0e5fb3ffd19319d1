/**
 * The idle thread and the root task's thread (seL4 `src/kernel/boot.c`:
 * `create_idle_thread`, `create_initial_thread`, `init_core_state`;
 * `src/arch/arm/32/kernel/thread.c` `Arch_configureIdleThread`).
 *
 * @module
 */
import { MAX_PRIO, NUM_DOMAIN_SCHEDULES, TCB_BITS, TIME_SLICE } from '../../abi/config.js';
import { CPSR_IDLE_THREAD, INITIAL_CAP, type KernelImage } from '../../abi/bootinfo.js';
import { CAP_REGISTER, NEXT_IP_REGISTER, Reg } from '../../hardware/registers.js';
import type { Kernel } from '../kernel/kernel.js';
import { KernelPanic } from '../kernel/panic.js';
import { setThreadState } from '../kernel/thread.js';
import { EXCEPTION_NONE } from '../kernel/failures.js';
import { threadCapNew } from '../object/cap.js';
import { cteInsert, setupReplyMaster } from '../object/cte.js';
import { cteCapW0, cteCapW1 } from '../object/mdb.js';
import { deriveCap } from '../object/objecttype.js';
import {
  TCB_BUFFER, TCB_CTABLE, TCB_DOMAIN, TCB_IPC_BUFFER, TCB_MCP, TCB_OFFSET, TCB_PRIORITY, TCB_TIME_SLICE, TCB_VTABLE,
  THREAD_STATE_IDLE, THREAD_STATE_RUNNING, setRegister, tcbCte, tcbSet,
} from '../object/tcb-layout.js';
import { archInitContext } from '../object/untyped/create-object.js';
import type { Rootserver } from './freemem.js';
import { slotPtr, writeSlot } from './slots.js';

/**
 * `create_idle_thread`: the idle TCB in the kernel image, configured to run the idle loop in
 * system mode (`Arch_configureIdleThread`) in `IdleThreadState`.
 */
export function createIdleThread(k: Kernel, image: KernelImage): void {
  const tcb = image.idleThread + TCB_OFFSET;
  k.ksIdleThread = tcb;
  setRegister(k.mem, tcb, Reg.CPSR, CPSR_IDLE_THREAD);
  setRegister(k.mem, tcb, Reg.NextIP, image.idleThreadEntry);
  setThreadState(k, tcb, THREAD_STATE_IDLE);
  k.ghost.add(image.idleThread, 'TCB', TCB_BITS);
}

/**
 * `create_initial_thread`: the root TCB gets a full time slice, a user context, copies of the
 * root CNode and PD caps and a derived copy of the IPC buffer cap (each inserted after its
 * source in the MDB), its IPC buffer address, the bootinfo address in r0 and the entry
 * point as NextIP, priority and MCP 255 in domain 0, a master reply cap, state Running, and
 * its thread cap in slot 1. Returns the `tcb_t` pointer.
 */
export function createInitialThread(k: Kernel, rs: Rootserver, entry: number, biFrameVptr: number, ipcBufVptr: number): number {
  const mem = k.mem;
  const tcb = rs.tcb + TCB_OFFSET;
  tcbSet(mem, tcb, TCB_TIME_SLICE, TIME_SLICE);
  archInitContext(k, tcb);

  const ipcSlot = slotPtr(rs.cnode, INITIAL_CAP.CapInitThreadIPCBuffer);
  if (deriveCap(k, ipcSlot, cteCapW0(mem, ipcSlot), cteCapW1(mem, ipcSlot)) !== EXCEPTION_NONE) {
    throw new KernelPanic('create_initial_thread: failed to derive a copy of the IPC buffer cap');
  }
  const ipc0 = k.capRet.w0;
  const ipc1 = k.capRet.w1;
  const cnodeSlot = slotPtr(rs.cnode, INITIAL_CAP.CapInitThreadCNode);
  cteInsert(k, cteCapW0(mem, cnodeSlot), cteCapW1(mem, cnodeSlot), cnodeSlot, tcbCte(tcb, TCB_CTABLE));
  const pdSlot = slotPtr(rs.cnode, INITIAL_CAP.CapInitThreadVSpace);
  cteInsert(k, cteCapW0(mem, pdSlot), cteCapW1(mem, pdSlot), pdSlot, tcbCte(tcb, TCB_VTABLE));
  cteInsert(k, ipc0, ipc1, ipcSlot, tcbCte(tcb, TCB_BUFFER));
  tcbSet(mem, tcb, TCB_IPC_BUFFER, ipcBufVptr);

  setRegister(mem, tcb, CAP_REGISTER, biFrameVptr);
  setRegister(mem, tcb, NEXT_IP_REGISTER, entry);

  tcbSet(mem, tcb, TCB_PRIORITY, MAX_PRIO);
  tcbSet(mem, tcb, TCB_MCP, MAX_PRIO);
  tcbSet(mem, tcb, TCB_DOMAIN, 0);
  setupReplyMaster(k, tcb);
  setThreadState(k, tcb, THREAD_STATE_RUNNING);

  const cap = threadCapNew(k.capRet, tcb);
  writeSlot(k, slotPtr(rs.cnode, INITIAL_CAP.CapInitThreadTCB), cap.w0, cap.w1);
  k.ghost.add(rs.tcb, 'TCB', TCB_BITS);
  return tcb;
}

/**
 * `init_core_state(initial)`: the scheduler will switch to the root task; until then the
 * idle thread is current. Domain 0 runs for the longest time, and the domain schedule is
 * that one entry followed by end markers.
 */
export function initCoreState(k: Kernel, initial: number): void {
  k.ksSchedulerAction = initial;
  k.ksCurThread = k.ksIdleThread;
  k.ksCurDomain = 0;
  // DSCHED_MAX_DURATION = 2^56 - 1: the low 56 bits of the 64-bit ticks all set.
  k.ksDomainTimeHi = 0x00ffffff;
  k.ksDomainTimeLo = 0xffffffff;
  k.ksDomSchedule.fill(0, 0, 2 * NUM_DOMAIN_SCHEDULES);
  k.ksDomSchedule[0] = 0xffffffff;
  k.ksDomSchedule[1] = 0x00ffffff;
}
