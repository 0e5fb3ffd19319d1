import { describe, expect, test } from 'vitest';
import { Reg } from '../../../hardware/registers.js';
import type { Cap } from '../../../spec/state/cap.js';
import { setCap } from '../../../spec/kernel/cspace-access.js';
import { getExtraCPtrs, getMRs, lookupIPCBuffer, replyFromKernel, setMRs } from '../../../spec/kernel/message.js';
import { loadWord, storeWord, storeWords } from '../../../spec/kernel/user-memory.js';
import { A, ipcBufferPaddr, makeState, reply, withRegs } from '../fixture.js';

const s0 = withRegs(makeState(), { [Reg.R2]: 10, [Reg.R3]: 11, [Reg.R4]: 12, [Reg.R5]: 13 });
const buf = ipcBufferPaddr();
const s1 = storeWords(s0, buf + 4 * 5, [14, 15, 16]);
const info = (length: number, extraCaps = 0) => ({ label: 0, capsUnwrapped: 0, extraCaps, length });
const frameCap = (rights: 'VMReadWrite' | 'VMReadOnly' | 'VMKernelOnly'): Cap => ({
  kind: 'FrameCap', isDevice: false, ptr: A.ipcFrame, rights, size: 'ARMSmallPage', mapping: null,
});

describe('message registers', () => {
  test('MR0..MR3 are r2..r5, MR4.. are IPC buffer words 5..', () => {
    expect(getMRs(s1, A.rootTCB, buf, info(2))).toEqual([10, 11]);
    expect(getMRs(s1, A.rootTCB, buf, info(7))).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(getMRs(s1, A.rootTCB, null, info(7))).toEqual([10, 11, 12, 13]);
    expect(getMRs(s1, A.rootTCB, buf, info(9))).toEqual([10, 11, 12, 13, 14, 15, 16, 0, 0]);
  });

  test('set_mrs writes registers, then the buffer, and returns the length written', () => {
    const r = setMRs(s0, A.rootTCB, buf, [1, 2, 3, 4, 5, 6]);
    expect(r.length).toBe(6);
    expect(getMRs(r.state, A.rootTCB, buf, info(6))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(setMRs(s0, A.rootTCB, null, [1, 2, 3, 4, 5, 6]).length).toBe(4);
    expect(setMRs(s0, A.rootTCB, buf, new Array<number>(130).fill(1)).length).toBe(120);
  });

  test('the extra caps CPtrs are buffer words 122..', () => {
    const s = storeWords(s0, buf + 4 * 122, [7, 8, 9]);
    expect(getExtraCPtrs(s, buf, info(0, 2))).toEqual([7, 8]);
    expect(getExtraCPtrs(s, null, info(0, 3))).toEqual([]);
  });

  test('reply_from_kernel: label, length, MRs and badge 0', () => {
    const s = replyFromKernel(withRegs(s0, { [Reg.R0]: 99 }), A.rootTCB, [6, [1, 4, 32, 0, 24]]);
    expect(reply(s)).toEqual({ label: 6, length: 5, mrs: [1, 4, 32, 0, 24], badge: 0 });
  });
});

describe('lookup_ipc_buffer', () => {
  test('the frame in TCB slot 4 plus the page offset of the buffer address', () => {
    expect(lookupIPCBuffer(s0, true, A.rootTCB)).toBe(A.ipcFrame);
  });
  test('a receiver needs read-write, a sender read-only or read-write', () => {
    const ro = setCap(s0, { obj: A.rootTCB, index: 4 }, frameCap('VMReadOnly'));
    expect(lookupIPCBuffer(ro, true, A.rootTCB)).toBeNull();
    expect(lookupIPCBuffer(ro, false, A.rootTCB)).toBe(A.ipcFrame);
    const ko = setCap(s0, { obj: A.rootTCB, index: 4 }, frameCap('VMKernelOnly'));
    expect(lookupIPCBuffer(ko, false, A.rootTCB)).toBeNull();
    expect(lookupIPCBuffer(setCap(s0, { obj: A.rootTCB, index: 4 }, { kind: 'NullCap' }), false, A.rootTCB)).toBeNull();
  });
});

describe('user memory', () => {
  test('little-endian words, absent frames read zero, all-zero frames are dropped', () => {
    const s = storeWord(s0, 0x10050004, 0x11223344);
    expect(loadWord(s.machine, 0x10050004)).toBe(0x11223344);
    expect(s.machine.memory.get(0x10050)?.[4]).toBe(0x44);
    expect(loadWord(s.machine, 0x10060000)).toBe(0);
    expect(storeWord(s, 0x10050004, 0).machine.memory.has(0x10050)).toBe(false);
    expect(storeWord(s0, 0x10050004, 0)).toBe(s0);
    expect(() => loadWord(s.machine, 0x10050002)).toThrow('unaligned');
  });
});
