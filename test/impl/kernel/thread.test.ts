import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import * as C from '../../../impl/object/cap.js';
import {
  THREAD_STATE_INACTIVE, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, TCB_TIME_SLICE, tcbGet, tcbGetQueued, tcbGetState, tcbSetStateType,
} from '../../../impl/object/tcb-layout.js';
import {
  getHighestPrio, possibleSwitchTo, schedule, tcbSchedAppend, tcbSchedDequeue, tcbSchedEnqueue, timerTick,
} from '../../../impl/kernel/thread.js';
import { SCHEDULER_ACTION_CHOOSE_NEW_THREAD } from '../../../impl/kernel/statedata.js';
import { FX, SLOT, allFixtureSlots, cnode2Slot, invoke, makeKernel, makeOtherThread, mdbProblems, rootSlot } from '../fixture.js';

describe('ready queues and bitmap', () => {
  it('enqueue puts at the head, append at the tail, dequeue unlinks and clears the bitmap', () => {
    const k = makeKernel();
    const a = makeOtherThread(k, 100, 0x10020400, 20);
    const b = makeOtherThread(k, 100, 0x10020600, 21);
    const c = makeOtherThread(k, 7, 0x10020800, 22);
    tcbSchedEnqueue(k, a);
    tcbSchedEnqueue(k, b);
    tcbSchedAppend(k, c);
    expect(k.ksReadyQueuesHead[100]).toBe(b);
    expect(k.ksReadyQueuesTail[100]).toBe(a);
    expect(getHighestPrio(k, 0)).toBe(100);
    tcbSchedDequeue(k, b);
    tcbSchedDequeue(k, a);
    expect(k.ksReadyQueuesHead[100]).toBe(0);
    expect(getHighestPrio(k, 0)).toBe(7);
    expect(tcbGetQueued(k.mem, a)).toBe(0);
    tcbSchedDequeue(k, c);
    expect(k.ksReadyQueuesL1Bitmap[0]).toBe(0);
    expect(k.ksReadyQueuesL2Bitmap.every((w) => w === 0)).toBe(true);
  });
});

describe('schedule', () => {
  it('a higher-priority woken thread does not preempt via fast-fail when the current is higher', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    const t = makeOtherThread(k, 10);
    tcbSetStateType(k.mem, t, THREAD_STATE_RUNNING);
    possibleSwitchTo(k, t);
    expect(k.ksSchedulerAction).toBe(t);
    schedule(k);
    // candidate prio 10 < current 255 and not highest (root now queued at 255): choose: root again
    expect(k.ksCurThread).toBe(root);
    expect(tcbGetQueued(k.mem, t)).toBe(1);
  });
  it('choosing a new thread when the current one stops picks the highest ready thread', () => {
    const k = makeKernel();
    const t = makeOtherThread(k, 10);
    tcbSetStateType(k.mem, t, THREAD_STATE_RESTART);
    tcbSchedEnqueue(k, t);
    k.callKernel({ kind: 'UnknownSyscall', number: 1 }); // root double-faults
    expect(k.ksCurThread).toBe(t);
    expect(tcbGetState(k.mem, t)).toBe(THREAD_STATE_RUNNING); // activateThread restarted it
    expect(tcbGetQueued(k.mem, t)).toBe(0);
  });
  it('the time slice runs out after five ticks and the thread goes to the back of its queue', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    for (let i = 0; i < 4; i++) timerTick(k);
    expect(tcbGet(k.mem, root, TCB_TIME_SLICE)).toBe(1);
    timerTick(k);
    expect(tcbGet(k.mem, root, TCB_TIME_SLICE)).toBe(5);
    expect(k.ksSchedulerAction).toBe(SCHEDULER_ACTION_CHOOSE_NEW_THREAD);
    schedule(k);
    expect(k.ksCurThread).toBe(root);
  });
  it('the domain schedule advances when the domain time runs out', () => {
    const k = makeKernel();
    k.setDomainScheduleEntry(0, 0, 1n);
    k.setDomainScheduleEntry(1, 3, 2n);
    k.setDomainTime(1n);
    timerTick(k);
    schedule(k);
    expect(k.ksCurDomain).toBe(3);
    expect(k.ksDomainTime).toBe(2n);
    expect(k.ksDomScheduleIdx).toBe(1);
    expect(k.ksCurThread).toBe(k.ksIdleThread);
    k.setDomainTime(0n);
    k.ksSchedulerAction = SCHEDULER_ACTION_CHOOSE_NEW_THREAD;
    schedule(k); // end marker at 2: back to the start
    expect(k.ksDomScheduleIdx).toBe(0);
    expect(k.ksCurDomain).toBe(0);
  });
});

describe('deleting a thread cap', () => {
  it('the final thread cap becomes a Zombie that deletes the TCB slots, then disappears', () => {
    const k = makeKernel();
    const t = makeOtherThread(k, 10);
    tcbSetStateType(k.mem, t, THREAD_STATE_RUNNING);
    tcbSchedEnqueue(k, t);
    expect(invoke(k, SLOT.cnode, { label: LABEL.CNodeDelete, mrs: [20, 32] }).label).toBe(0);
    expect(C.capGetCapType(k.mem.read32(rootSlot(20)))).toBe(C.CAP_NULL);
    expect(tcbGetState(k.mem, t)).toBe(THREAD_STATE_INACTIVE);
    expect(tcbGetQueued(k.mem, t)).toBe(0);
    expect(C.capGetCapType(k.mem.read32(FX.otherTCBObject))).toBe(C.CAP_NULL);
    expect(mdbProblems(k, [...allFixtureSlots(), ...[0, 1, 2, 3, 4].map((i) => FX.otherTCBObject + 16 * i)])).toEqual([]);
    expect(cnode2Slot(0)).toBe(FX.cnode2);
  });
  it('deleting the CSpace root of a thread leaves the thread alone', () => {
    const k = makeKernel();
    makeOtherThread(k, 10);
    expect(invoke(k, SLOT.cnode, { label: LABEL.CNodeRevoke, mrs: [SLOT.cnode2, 32] }).label).toBe(0);
    expect(C.capGetCapType(k.mem.read32(FX.otherTCBObject))).toBe(C.CAP_NULL);
  });
});
