/**
 * Reply-cap invariants (l4v `Invariants_AI.thy`, non-MCS): `valid_reply_caps`,
 * `valid_reply_masters`, and the reply part of `valid_mdb` (`reply_caps_mdb`,
 * `reply_masters_mdb`). A thread's master reply cap stays in its own reply slot; a caller's
 * reply cap exists only while the caller waits for the reply, at most one at a time, and is
 * a CDT child of the caller's master reply cap.
 *
 * @module
 */
import { TCB_SLOT } from '../../spec/state/object.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { slotKey } from '../../spec/state/cslot.js';
import { indexOf, showObject, showSlotKey, type SlotCap, type StateIndex } from './state-index.js';
import { violation, type Invariant, type Violation } from './types.js';

const cache = new WeakMap<StateIndex, readonly SlotCap[]>();

// The reply caps of a state (few: one master per thread, one per pending call), found once.
function replyCaps(ix: StateIndex): readonly SlotCap[] {
  const hit = cache.get(ix);
  if (hit !== undefined) return hit;
  const found = ix.caps.filter((c) => c.cap.kind === 'ReplyCap');
  cache.set(ix, found);
  return found;
}

/**
 * `valid_reply_caps`: the thread a (non-master) reply cap names is `BlockedOnReply`
 * (`has_reply_cap t ⟶ st_tcb_at awaiting_reply t`), and no thread has two such caps
 * (`unique_reply_caps`).
 */
export const validReplyCaps: Invariant = {
  name: 'valid_reply_caps',
  family: 'reply',
  summary: 'a reply cap names a thread that is BlockedOnReply; at most one reply cap per thread',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    const seen = new Map<number, number>();
    for (const c of replyCaps(ix)) {
      if (c.cap.kind !== 'ReplyCap' || c.cap.isMaster) continue;
      const t = c.cap.tcb;
      const o = s.kheap.get(t);
      if (o?.kind === 'TCB' && o.state.kind !== 'BlockedOnReply') {
        out.push(violation('valid_reply_caps', showSlotKey(ix, c.key), `reply cap to thread 0x${t.toString(16)}, which is ${o.state.kind}`));
      }
      const other = seen.get(t);
      if (other !== undefined) out.push(violation('valid_reply_caps', showSlotKey(ix, c.key), `a second reply cap to thread 0x${t.toString(16)} (the first in ${showSlotKey(ix, other)})`));
      else seen.set(t, c.key);
    }
    return out;
  },
};

/** `valid_reply_masters`: a master reply cap to t lies only in t's own reply slot (index 2). */
export const validReplyMasters: Invariant = {
  name: 'valid_reply_masters',
  family: 'reply',
  summary: 'a master reply cap lies only in the reply slot of its own thread',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    return replyCaps(ix)
      .filter((c) => c.cap.kind === 'ReplyCap' && c.cap.isMaster && !(c.slot.obj === c.cap.tcb && c.slot.index === TCB_SLOT.Reply))
      .map((c) => violation('valid_reply_masters', showSlotKey(ix, c.key), `master reply cap to ${showObject(c.cap.kind === 'ReplyCap' ? c.cap.tcb : 0)} outside its reply slot`));
  },
};

/** `reply_caps_mdb`: every non-master reply cap to t has a CDT parent holding a master reply cap to t. */
export const replyCapsMdb: Invariant = {
  name: 'reply_caps_mdb',
  family: 'reply',
  summary: 'a reply cap is a CDT child of the master reply cap of its thread',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const c of replyCaps(ix)) {
      if (c.cap.kind !== 'ReplyCap' || c.cap.isMaster) continue;
      const parent = s.cdt.get(c.key);
      const pc = parent === undefined ? undefined : ix.capAt.get(slotKey(parent))?.cap;
      if (!(pc?.kind === 'ReplyCap' && pc.isMaster && pc.tcb === c.cap.tcb)) {
        out.push(violation('reply_caps_mdb', showSlotKey(ix, c.key), parent === undefined ? 'reply cap without a CDT parent' : `reply cap whose CDT parent holds ${pc?.kind ?? 'nothing'}, not the master reply cap of its thread`));
      }
    }
    return out;
  },
};

/**
 * `reply_masters_mdb`: a master reply cap to t has no CDT parent, and everything below it
 * is a non-master reply cap to t. Checked edge by edge through the ordered child lists
 * (`cdt_list`, which `valid_list` ties to the CDT): the children of every reply cap are
 * non-master reply caps to its thread, so by induction every descendant is.
 */
export const replyMastersMdb: Invariant = {
  name: 'reply_masters_mdb',
  family: 'reply',
  summary: 'a master reply cap has no CDT parent and only reply caps to its thread below it',
  check(s: KernelState): Violation[] {
    const ix = indexOf(s);
    const out: Violation[] = [];
    for (const c of replyCaps(ix)) {
      if (c.cap.kind !== 'ReplyCap') continue;
      const t = c.cap.tcb;
      if (c.cap.isMaster && s.cdt.has(c.key)) out.push(violation('reply_masters_mdb', showSlotKey(ix, c.key), 'master reply cap with a CDT parent'));
      for (const child of s.cdtList.get(c.key) ?? []) {
        const k = slotKey(child);
        const cc = ix.capAt.get(k)?.cap;
        if (!(cc?.kind === 'ReplyCap' && !cc.isMaster && cc.tcb === t)) {
          out.push(violation('reply_masters_mdb', showSlotKey(ix, k), `${cc?.kind ?? 'an empty slot'} below a reply cap to thread 0x${t.toString(16)}`));
        }
      }
    }
    return out;
  },
};
