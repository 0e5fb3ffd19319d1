import { describe, expect, test } from 'vitest';
import { ALL_RIGHTS, type CapRights } from '../../../../spec/state/cap.js';
import type { KernelState } from '../../../../spec/state/kernel-state.js';
import { cdtParent } from '../../../../spec/kernel/cdt.js';
import { getCap, setCap } from '../../../../spec/kernel/cspace-access.js';
import { insertObject } from '../../../../spec/kernel/kheap.js';
import { storeWord } from '../../../../spec/kernel/user-memory.js';
import { A, rootSlot, SLOT } from '../../fixture.js';
import { bufWord, makeIPCState, receiveSlot, received, sys, T, WORD, write } from '../ipc-fixture.js';

const SEND = 40;
const BADGED = 41;
const OTHER_EP = 0x10020020;
const DEST = 45;
const RW: CapRights = { read: true, write: true, grant: false, grantReply: false };

/** Root holds a sending cap with `rights` and a badged cap to the same endpoint; two waits, offering slot 45. */
function setUp(rights: CapRights = ALL_RIGHTS, s0: KernelState = makeIPCState()): KernelState {
  let s = setCap(s0, rootSlot(SEND), { kind: 'EndpointCap', ptr: A.ep, badge: 0, rights });
  s = setCap(s, rootSlot(BADGED), { kind: 'EndpointCap', ptr: A.ep, badge: 0x99, rights: RW });
  s = receiveSlot(s, T.two, SLOT.cnode, DEST, 32);
  return sys(s, T.two, 'SysRecv', { cptr: SLOT.ep }).state;
}

function send(s: KernelState, extraCaps: readonly number[], syscall: 'SysSend' | 'SysCall' = 'SysSend'): KernelState {
  return sys(s, A.rootTCB, syscall, { cptr: SEND, label: 1, mrs: [7], extraCaps }).state;
}

describe('transfer_caps', () => {
  test('with Grant, an extra cap is derived into the receive slot as a CDT child of its source', () => {
    const s = send(setUp(), [SLOT.ntfn]);
    expect(getCap(s, rootSlot(DEST))).toEqual(getCap(s, rootSlot(SLOT.ntfn)));
    expect(cdtParent(s, rootSlot(DEST))).toEqual(rootSlot(SLOT.ntfn));
    expect(received(s, T.two)).toMatchObject({ label: 1, length: 1, extraCaps: 1, capsUnwrapped: 0, mrs: [7] });
  });

  test('without Grant no cap goes, but the message does', () => {
    const s = send(setUp({ ...ALL_RIGHTS, grant: false }), [SLOT.ntfn]);
    expect(getCap(s, rootSlot(DEST)).kind).toBe('NullCap');
    expect(received(s, T.two)).toMatchObject({ extraCaps: 0, mrs: [7] });
  });

  test('a cap to the endpoint the message goes through is unwrapped to its badge', () => {
    const s = send(setUp(), [BADGED]);
    expect(received(s, T.two)).toMatchObject({ extraCaps: 1, capsUnwrapped: 0b1 });
    expect(bufWord(s, T.two, WORD.capsOrBadges)).toBe(0x99);
    expect(getCap(s, rootSlot(DEST)).kind).toBe('NullCap');
  });

  test('one receive slot: the second cap needing a slot ends the transfer; unwrapping needs none', () => {
    const s = send(setUp(), [SLOT.ntfn, BADGED, SLOT.cnodeB]);
    expect(received(s, T.two)).toMatchObject({ extraCaps: 2, capsUnwrapped: 0b10 });
    expect(bufWord(s, T.two, WORD.capsOrBadges + 1)).toBe(0x99);
    expect(getCap(s, rootSlot(DEST)).kind).toBe('NotificationCap');
  });

  test('a cap to another endpoint is transferred, not unwrapped', () => {
    let s0 = insertObject(makeIPCState(), OTHER_EP, { kind: 'Endpoint', state: { kind: 'IdleEP' } });
    s0 = setCap(s0, rootSlot(42), { kind: 'EndpointCap', ptr: OTHER_EP, badge: 3, rights: RW });
    const s = send(setUp(ALL_RIGHTS, s0), [42]);
    expect(received(s, T.two)).toMatchObject({ extraCaps: 1, capsUnwrapped: 0 });
    expect(getCap(s, rootSlot(DEST))).toMatchObject({ kind: 'EndpointCap', ptr: OTHER_EP, badge: 3 });
  });

  test('an occupied or unreachable receive slot takes nothing', () => {
    const full = setCap(setUp(), rootSlot(DEST), { kind: 'DomainCap' });
    expect(received(send(full, [SLOT.ntfn]), T.two).extraCaps).toBe(0);
    const badDepth = receiveSlot(setUp(), T.two, SLOT.cnode, DEST, 0);
    expect(received(send(badDepth, [SLOT.ntfn]), T.two).extraCaps).toBe(0);
    const badRoot = receiveSlot(setUp(), T.two, 0x1000, DEST, 32);
    expect(received(send(badRoot, [SLOT.ntfn]), T.two).extraCaps).toBe(0);
  });

  test('a cap that derives to nothing ends the transfer (IRQ control)', () => {
    const s = send(setUp(), [SLOT.irqControl, SLOT.ntfn]);
    expect(received(s, T.two).extraCaps).toBe(0);
    expect(getCap(s, rootSlot(DEST)).kind).toBe('NullCap');
  });

  test('an extra cap whose lookup fails when the receiver arrives drops them all, without a fault', () => {
    // The sender queues with good CPtrs; its buffer then changes while it waits.
    let s = setCap(makeIPCState(), rootSlot(SEND), { kind: 'EndpointCap', ptr: A.ep, badge: 0, rights: ALL_RIGHTS });
    s = setCap(s, rootSlot(BADGED), { kind: 'EndpointCap', ptr: A.ep, badge: 0x99, rights: RW });
    s = send(s, [BADGED, SLOT.ntfn]);
    s = storeWord(s, A.ipcFrame + 4 * (WORD.capsOrBadges + 1), 0x1000);
    s = sys(receiveSlot(s, T.two, SLOT.cnode, DEST, 32), T.two, 'SysRecv', { cptr: SLOT.ep }).state;
    expect(received(s, T.two)).toMatchObject({ extraCaps: 0, capsUnwrapped: 0, mrs: [7] });
    expect(bufWord(s, T.two, WORD.capsOrBadges)).toBe(0);
    expect(getCap(s, rootSlot(DEST)).kind).toBe('NullCap');
  });

  test('a receiver without an IPC buffer receives no caps', () => {
    const s0 = setCap(setUp(), { obj: T.two, index: 4 }, { kind: 'NullCap' });
    expect(received(send(s0, [BADGED]), T.two).extraCaps).toBe(0);
  });

  test('a reply transfers caps only through a reply cap with Grant', () => {
    const replyWith = (receiverRights: CapRights): KernelState => {
      let s = setCap(setUp(ALL_RIGHTS, makeIPCState()), rootSlot(43), { kind: 'EndpointCap', ptr: A.ep, badge: 0, rights: receiverRights });
      s = sys(s, T.two, 'SysRecv', { cptr: 43 }).state;
      s = receiveSlot(send(s, [], 'SysCall'), A.rootTCB, SLOT.cnode, 46, 32);
      return sys(write(s, T.two, { cptr: 0 }), T.two, 'SysReply', { cptr: 0, extraCaps: [SLOT.ntfn] }).state;
    };
    const granted = replyWith(ALL_RIGHTS);
    expect(received(granted, A.rootTCB).extraCaps).toBe(1);
    expect(getCap(granted, rootSlot(46)).kind).toBe('NotificationCap');
    const plain = replyWith(RW);
    expect(received(plain, A.rootTCB).extraCaps).toBe(0);
    expect(getCap(plain, rootSlot(46)).kind).toBe('NullCap');
  });
});
