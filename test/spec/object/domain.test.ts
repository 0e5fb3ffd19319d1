import { describe, expect, test } from 'vitest';
import { NUM_DOMAIN_SCHEDULES, NUM_DOMAINS, TIME_SLICE } from '../../../abi/config.js';
import { DSCHED_MAX_DURATION } from '../../../abi/bootinfo.js';
import { ERROR_CODE as E } from '../../../abi/errors.js';
import { NULL_CAP } from '../../../spec/state/cap.js';
import type { DomainScheduleEntry, KernelState } from '../../../spec/state/kernel-state.js';
import type { ThreadState } from '../../../spec/state/thread.js';
import type { TCB } from '../../../spec/state/object.js';
import { setCap } from '../../../spec/kernel/cspace-access.js';
import { getTCB, insertObject } from '../../../spec/kernel/kheap.js';
import { tcbSchedAction, tcbSchedEnqueue } from '../../../spec/kernel/ready-queues.js';
import { parseTimeArg } from '../../../spec/object/domain.js';
import { A, invoke, makeState, reply, rootSlot, SLOT, step, TIMER_IRQ, type Message } from '../fixture.js';

const DC = SLOT.domain;
const T1 = 0x10060000;
const END: DomainScheduleEntry = { domain: 0, duration: 0n };

/** The fixture with a full-length domain schedule: entry 0 = (0, 100), the rest end markers. */
function makeDomState(): KernelState {
  const s = makeState();
  const domainList = Array.from({ length: NUM_DOMAIN_SCHEDULES }, (_, i) => (i === 0 ? { domain: 0, duration: 100n } : END));
  return { ...s, domainList };
}
const s0 = makeDomState();

/** Adds thread T1 (priority `prio`, state `st`, domain 0) with its thread cap in root slot 40. */
function withThread(s: KernelState, prio: number, st: ThreadState): KernelState {
  const t: TCB = { ...getTCB(s, A.rootTCB), caps: [NULL_CAP, NULL_CAP, NULL_CAP, NULL_CAP, NULL_CAP], priority: prio, state: st };
  return setCap(insertObject(s, T1, t), rootSlot(40), { kind: 'ThreadCap', tcb: T1 });
}

function expectError(s: KernelState, m: Message, label: number, mrs: number[], name: string): void {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe(name);
  expect(reply(state)).toMatchObject({ label, mrs });
  expect(state.domainList).toEqual(s.domainList);
  expect(state.domainStartIndex).toBe(s.domainStartIndex);
  expect(state.readyQueues.equals(s.readyQueues)).toBe(true);
}

function expectOk(s: KernelState, m: Message): KernelState {
  const { state, outcome } = invoke(s, m);
  expect(outcome.result).toBe('ok');
  expect(reply(state, A.rootTCB)).toMatchObject({ label: 0, length: 0 });
  return state;
}

const lo = (d: bigint): number => Number(d & 0xffffffffn);
const hi = (d: bigint): number => Number(d >> 32n);
const configure = (index: number, domain: number, duration: bigint, more: Partial<Message> = {}): Message => ({
  cptr: DC, label: 'DomainScheduleConfigure', mrs: [index, domain, lo(duration), hi(duration)], ...more,
});
const setStart = (index: number): Message => ({ cptr: DC, label: 'DomainScheduleSetStart', mrs: [index] });

describe('DomainSetSet', () => {
  test('moves the current thread to another domain: queued there, and the idle thread runs', () => {
    const s = expectOk(s0, { cptr: DC, label: 'DomainSetSet', mrs: [3], extraCaps: [SLOT.tcb] });
    expect(getTCB(s, A.rootTCB).domain).toBe(3);
    expect(s.readyQueues.get(3 * 256 + 255)).toEqual([A.rootTCB]);
    expect(s.curThread).toBe(A.idleTCB);
  });

  test('a queued thread changes queue; a blocked one only changes domain', () => {
    const queued = tcbSchedAction(withThread(s0, 10, { kind: 'Restart' }), tcbSchedEnqueue, T1);
    const s = expectOk(queued, { cptr: DC, label: 'DomainSetSet', mrs: [NUM_DOMAINS - 1], extraCaps: [40] });
    expect(getTCB(s, T1).domain).toBe(NUM_DOMAINS - 1);
    expect(s.readyQueues.get(10)).toBeUndefined();
    expect(s.readyQueues.get((NUM_DOMAINS - 1) * 256 + 10)).toEqual([T1]);
    expect(s.curThread).toBe(A.rootTCB);
    const blocked = withThread(s0, 10, { kind: 'Inactive' });
    const s2 = expectOk(blocked, { cptr: DC, label: 'DomainSetSet', mrs: [2], extraCaps: [40] });
    expect(getTCB(s2, T1).domain).toBe(2);
    expect(s2.readyQueues.equals(blocked.readyQueues)).toBe(true);
  });

  test('errors in order: TruncatedMessage, InvalidArgument 0, TruncatedMessage, InvalidArgument 1', () => {
    expectError(s0, { cptr: DC, label: 'DomainSetSet', extraCaps: [SLOT.tcb] }, E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, { cptr: DC, label: 'DomainSetSet', mrs: [NUM_DOMAINS] }, E.InvalidArgument, [0], 'InvalidArgument');
    expectError(s0, { cptr: DC, label: 'DomainSetSet', mrs: [0xffffffff], extraCaps: [SLOT.tcb] }, E.InvalidArgument, [0], 'InvalidArgument');
    expectError(s0, { cptr: DC, label: 'DomainSetSet', mrs: [1] }, E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, { cptr: DC, label: 'DomainSetSet', mrs: [1], extraCaps: [SLOT.cnode] }, E.InvalidArgument, [1], 'InvalidArgument');
  });

  test('a label the domain cap does not know: IllegalOperation', () => {
    expectError(s0, { cptr: DC, label: 'TCBSuspend' }, E.IllegalOperation, [], 'IllegalOperation');
  });
});

describe('DomainScheduleConfigure', () => {
  test('sets an entry; the duration is MR2 (low word) and MR3 (high word)', () => {
    const d = (1n << 40n) + 5n;
    const s = expectOk(s0, configure(1, 3, d));
    expect(s.domainList[1]).toEqual({ domain: 3, duration: d });
    expect(parseTimeArg(2, [0, 0, lo(d), hi(d)])).toBe(d);
    const s2 = expectOk(s, configure(NUM_DOMAIN_SCHEDULES - 2, NUM_DOMAINS - 1, DSCHED_MAX_DURATION));
    expect(s2.domainList[NUM_DOMAIN_SCHEDULES - 2]).toEqual({ domain: NUM_DOMAINS - 1, duration: DSCHED_MAX_DURATION });
    const s3 = expectOk(s2, configure(1, 0, 0n));
    expect(s3.domainList[1]).toEqual(END);
  });

  test('errors in order', () => {
    expectError(s0, configure(1, 3, 7n, { mrs: [1, 3, 7] }), E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, configure(NUM_DOMAIN_SCHEDULES - 1, NUM_DOMAINS, 1n << 60n), E.RangeError, [0, NUM_DOMAIN_SCHEDULES - 2], 'RangeError');
    expectError(s0, configure(1, NUM_DOMAINS, 1n << 60n), E.RangeError, [0, NUM_DOMAINS - 1], 'RangeError');
    expectError(s0, configure(1, 0xffffffff, 7n), E.RangeError, [0, NUM_DOMAINS - 1], 'RangeError');
    expectError(s0, configure(1, 2, DSCHED_MAX_DURATION + 1n), E.InvalidArgument, [2], 'InvalidArgument');
    expectError(s0, configure(1, 2, 0n), E.InvalidArgument, [1], 'InvalidArgument');
    expectError(s0, configure(0, 0, 0n), E.InvalidArgument, [2], 'InvalidArgument');
  });
});

describe('DomainScheduleSetStart and the domain schedule', () => {
  test('ends the current domain at once and restarts the schedule at the new start', () => {
    const s1 = expectOk(expectOk(s0, configure(1, 2, 10n)), configure(2, 4, 20n));
    const s = expectOk(s1, setStart(1));
    expect(s.domainStartIndex).toBe(1);
    expect(s.domainIndex).toBe(1);
    expect(s.curDomain).toBe(2);
    expect(s.domainTime).toBe(10n);
    expect(s.curThread).toBe(A.idleTCB);
    expect(s.readyQueues.get(255)).toEqual([A.rootTCB]);
  });

  test('errors: TruncatedMessage, RangeError 0 (len - 1), InvalidArgument 0 on an end marker', () => {
    expectError(s0, { cptr: DC, label: 'DomainScheduleSetStart' }, E.TruncatedMessage, [], 'TruncatedMessage');
    expectError(s0, setStart(NUM_DOMAIN_SCHEDULES), E.RangeError, [0, NUM_DOMAIN_SCHEDULES - 1], 'RangeError');
    expectError(s0, setStart(NUM_DOMAIN_SCHEDULES - 1), E.InvalidArgument, [0], 'InvalidArgument');
  });

  test('timer ticks run each entry for its duration, wrapping to the start at an end marker', () => {
    let s = expectOk(expectOk(s0, configure(0, 0, 2n)), configure(1, 1, 3n));
    s = { ...s, domainTime: 2n };
    const tick = (x: KernelState): KernelState => step({ ...x, machine: { ...x.machine, irqPending: [TIMER_IRQ] } }, { kind: 'Interrupt' }).state;
    const seen: [number, bigint][] = [];
    for (let i = 0; i < 7; i++) {
      s = tick(s);
      seen.push([s.curDomain, s.domainTime]);
    }
    expect(seen).toEqual([[0, 1n], [1, 3n], [1, 2n], [1, 1n], [0, 2n], [0, 1n], [1, 3n]]);
    expect(s.domainIndex).toBe(1);
  });
});

describe('timer tick: round robin', () => {
  test('the running thread loses the CPU to an equal-priority thread after TIME_SLICE ticks', () => {
    let s = tcbSchedAction(withThread(s0, 255, { kind: 'Running' }), tcbSchedEnqueue, T1);
    s = { ...s, domainTime: 1000n };
    const tick = (x: KernelState): KernelState => step({ ...x, machine: { ...x.machine, irqPending: [TIMER_IRQ] } }, { kind: 'Interrupt' }).state;
    for (let i = 1; i < TIME_SLICE; i++) {
      s = tick(s);
      expect(s.curThread).toBe(A.rootTCB);
      expect(getTCB(s, A.rootTCB).timeSlice).toBe(TIME_SLICE - i);
    }
    s = tick(s);
    expect(s.curThread).toBe(T1);
    expect(getTCB(s, A.rootTCB).timeSlice).toBe(TIME_SLICE);
    expect(s.readyQueues.get(255)).toEqual([A.rootTCB]);
  });
});
