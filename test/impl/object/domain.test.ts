import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../abi/labels.js';
import { ERROR_CODE as E } from '../../../abi/errors.js';
import { NUM_DOMAIN_SCHEDULES, NUM_DOMAINS, NUM_PRIORITIES, TIME_SLICE } from '../../../abi/config.js';
import { DSCHED_MAX_DURATION } from '../../../abi/bootinfo.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import { tcbSchedEnqueue } from '../../../impl/kernel/thread.js';
import {
  TCB_DOMAIN, TCB_TIME_SLICE, THREAD_STATE_RESTART, THREAD_STATE_RUNNING, tcbGet, tcbGetQueued, tcbSetStateType,
} from '../../../impl/object/tcb-layout.js';
import { FX, SLOT, invoke, makeKernel, makeOtherThread, type Reply, type UserMessage } from '../fixture.js';

const DC = SLOT.domain;
const lo = (d: bigint): number => Number(d & 0xffffffffn);
const hi = (d: bigint): number => Number(d >> 32n);
const configure = (index: number, domain: number, duration: bigint, more: Partial<UserMessage> = {}): UserMessage => ({
  label: LABEL.DomainScheduleConfigure, mrs: [index, domain, lo(duration), hi(duration)], ...more,
});
const setStart = (index: number): UserMessage => ({ label: LABEL.DomainScheduleSetStart, mrs: [index] });

function expectError(r: Reply, label: number, mrs: number[] = []): void {
  expect(r.label).toBe(label);
  expect(r.mrs).toEqual(mrs);
}

function ok(k: Kernel, cptr: number, m: UserMessage): void {
  const r = invoke(k, cptr, m);
  expect(r.label).toBe(0);
  expect(r.length).toBe(0);
}

function tick(k: Kernel): void {
  k.irq.setPending(FX.timerIRQ);
  k.callKernel({ kind: 'Interrupt' });
}

describe('DomainSetSet', () => {
  it('moves the current thread to another domain: queued there, and the idle thread runs', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    ok(k, DC, { label: LABEL.DomainSetSet, mrs: [3], caps: [SLOT.tcb] });
    expect(tcbGet(k.mem, root, TCB_DOMAIN)).toBe(3);
    expect(k.ksReadyQueuesHead[3 * NUM_PRIORITIES + 255]).toBe(root);
    expect(k.ksCurThread).toBe(k.ksIdleThread);
  });

  it('a queued thread changes queue; a blocked one only changes domain', () => {
    const k = makeKernel();
    const t = makeOtherThread(k, 10);
    tcbSetStateType(k.mem, t, THREAD_STATE_RESTART);
    tcbSchedEnqueue(k, t);
    ok(k, DC, { label: LABEL.DomainSetSet, mrs: [NUM_DOMAINS - 1], caps: [20] });
    expect(tcbGet(k.mem, t, TCB_DOMAIN)).toBe(NUM_DOMAINS - 1);
    expect(k.ksReadyQueuesHead[10]).toBe(0);
    expect(k.ksReadyQueuesHead[(NUM_DOMAINS - 1) * NUM_PRIORITIES + 10]).toBe(t);
    const k2 = makeKernel();
    const b = makeOtherThread(k2, 10);
    ok(k2, DC, { label: LABEL.DomainSetSet, mrs: [2], caps: [20] });
    expect(tcbGet(k2.mem, b, TCB_DOMAIN)).toBe(2);
    expect(tcbGetQueued(k2.mem, b)).toBe(0);
  });

  it('errors in order: TruncatedMessage, InvalidArgument 0, TruncatedMessage, InvalidArgument 1', () => {
    const k = makeKernel();
    expectError(invoke(k, DC, { label: LABEL.DomainSetSet, caps: [SLOT.tcb] }), E.TruncatedMessage);
    expectError(invoke(k, DC, { label: LABEL.DomainSetSet, mrs: [NUM_DOMAINS] }), E.InvalidArgument, [0]);
    expectError(invoke(k, DC, { label: LABEL.DomainSetSet, mrs: [0xffffffff], caps: [SLOT.tcb] }), E.InvalidArgument, [0]);
    expectError(invoke(k, DC, { label: LABEL.DomainSetSet, mrs: [1] }), E.TruncatedMessage);
    expectError(invoke(k, DC, { label: LABEL.DomainSetSet, mrs: [1], caps: [SLOT.cnode] }), E.InvalidArgument, [1]);
    expect(tcbGet(k.mem, k.ksCurThread, TCB_DOMAIN)).toBe(0);
  });

  it('a foreign label is IllegalOperation', () => {
    const k = makeKernel();
    expectError(invoke(k, DC, { label: LABEL.TCBSuspend }), E.IllegalOperation);
  });
});

describe('DomainScheduleConfigure', () => {
  it('writes dschedule_make(domain, duration) from MR1 and MR2 (low) / MR3 (high)', () => {
    const k = makeKernel();
    const d = (1n << 40n) + 5n;
    ok(k, DC, configure(1, 3, d));
    expect(k.domainScheduleDomain(1)).toBe(3);
    expect(k.domainScheduleDuration(1)).toBe(d);
    ok(k, DC, configure(NUM_DOMAIN_SCHEDULES - 2, NUM_DOMAINS - 1, DSCHED_MAX_DURATION));
    expect(k.domainScheduleDomain(NUM_DOMAIN_SCHEDULES - 2)).toBe(NUM_DOMAINS - 1);
    expect(k.domainScheduleDuration(NUM_DOMAIN_SCHEDULES - 2)).toBe(DSCHED_MAX_DURATION);
    ok(k, DC, configure(1, 0, 0n));
    expect(k.ksDomSchedule[2]).toBe(0);
    expect(k.ksDomSchedule[3]).toBe(0);
  });

  it('errors in order', () => {
    const k = makeKernel();
    expectError(invoke(k, DC, configure(1, 3, 7n, { mrs: [1, 3, 7] })), E.TruncatedMessage);
    expectError(invoke(k, DC, configure(NUM_DOMAIN_SCHEDULES - 1, NUM_DOMAINS, 1n << 60n)), E.RangeError, [0, NUM_DOMAIN_SCHEDULES - 2]);
    expectError(invoke(k, DC, configure(1, NUM_DOMAINS, 1n << 60n)), E.RangeError, [0, NUM_DOMAINS - 1]);
    expectError(invoke(k, DC, configure(1, 0xffffffff, 7n)), E.RangeError, [0, NUM_DOMAINS - 1]);
    expectError(invoke(k, DC, configure(1, 2, DSCHED_MAX_DURATION + 1n)), E.InvalidArgument, [2]);
    expectError(invoke(k, DC, configure(1, 2, 0n)), E.InvalidArgument, [1]);
    expectError(invoke(k, DC, configure(0, 0, 0n)), E.InvalidArgument, [2]);
    expect(k.ksDomSchedule.slice(2).every((w) => w === 0)).toBe(true);
  });
});

describe('DomainScheduleSetStart and the domain schedule', () => {
  it('ends the current domain at once and restarts the schedule at the new start', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    ok(k, DC, configure(1, 2, 10n));
    ok(k, DC, configure(2, 4, 20n));
    ok(k, DC, setStart(1));
    expect(k.ksDomScheduleStart).toBe(1);
    expect(k.ksDomScheduleIdx).toBe(1);
    expect(k.ksCurDomain).toBe(2);
    expect(k.ksDomainTime).toBe(10n);
    expect(k.ksCurThread).toBe(k.ksIdleThread);
    expect(k.ksReadyQueuesHead[255]).toBe(root);
  });

  it('errors: TruncatedMessage, RangeError 0 (len - 1), InvalidArgument 0 on an end marker', () => {
    const k = makeKernel();
    expectError(invoke(k, DC, { label: LABEL.DomainScheduleSetStart }), E.TruncatedMessage);
    expectError(invoke(k, DC, setStart(NUM_DOMAIN_SCHEDULES)), E.RangeError, [0, NUM_DOMAIN_SCHEDULES - 1]);
    expectError(invoke(k, DC, setStart(NUM_DOMAIN_SCHEDULES - 1)), E.InvalidArgument, [0]);
    expect(k.ksDomScheduleStart).toBe(0);
  });

  it('timer ticks run each entry for its duration, wrapping to the start at an end marker', () => {
    const k = makeKernel();
    ok(k, DC, configure(0, 0, 2n));
    ok(k, DC, configure(1, 1, 3n));
    k.setDomainTime(2n);
    const seen: [number, bigint][] = [];
    for (let i = 0; i < 7; i++) {
      tick(k);
      seen.push([k.ksCurDomain, k.ksDomainTime]);
    }
    expect(seen).toEqual([[0, 1n], [1, 3n], [1, 2n], [1, 1n], [0, 2n], [0, 1n], [1, 3n]]);
    expect(k.ksDomScheduleIdx).toBe(1);
  });
});

describe('timer tick: round robin', () => {
  it('the running thread loses the CPU to an equal-priority thread after TIME_SLICE ticks', () => {
    const k = makeKernel();
    const root = k.ksCurThread;
    const t = makeOtherThread(k, 255);
    tcbSetStateType(k.mem, t, THREAD_STATE_RUNNING);
    tcbSchedEnqueue(k, t);
    for (let i = 1; i < TIME_SLICE; i++) {
      tick(k);
      expect(k.ksCurThread).toBe(root);
      expect(tcbGet(k.mem, root, TCB_TIME_SLICE)).toBe(TIME_SLICE - i);
    }
    tick(k);
    expect(k.ksCurThread).toBe(t);
    expect(tcbGet(k.mem, root, TCB_TIME_SLICE)).toBe(TIME_SLICE);
    expect(k.ksReadyQueuesHead[255]).toBe(root);
  });
});
