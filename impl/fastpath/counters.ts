/**
 * Counters of the IPC fastpath: how often `fastpath_call` and `fastpath_reply_recv` ran to
 * the end, and, for every check that sends a system call to the slowpath, how often it did.
 * seL4 keeps no such counters (its benchmark build only marks an entry `is_fastpath`); they
 * are not kernel state and the abstraction never reads them.
 *
 * A check is named after what it tests; each path lists its checks in the order seL4's
 * `src/fastpath/fastpath.c` makes them.
 *
 * @module
 */

/** `fastpath_mi_check`: the message is longer than the four message registers. */
export const FP_MSG_INFO = 0;
/** `fastpath_mi_check`: the message carries extra caps. */
export const FP_EXTRA_CAPS = 1;
/** The current thread has a pending fault (`tcbFault` not NullFault). */
export const FP_FAULT = 2;
/** `lookup_fp` did not find an endpoint cap (a failed lookup reads as a null cap). */
export const FP_EP_CAP = 3;
/** The endpoint cap lacks CanSend (Call) or CanReceive (ReplyRecv). */
export const FP_EP_RIGHTS = 4;
/** ReplyRecv: the bound notification is Active. */
export const FP_BOUND_NTFN = 5;
/** Call: no receiver waits; ReplyRecv: a sender waits. */
export const FP_EP_STATE = 6;
/** ReplyRecv: the caller slot holds no non-master reply cap. */
export const FP_REPLY_CAP = 7;
/** ReplyRecv: the caller has a pending fault (the reply is a fault reply). */
export const FP_CALLER_FAULT = 8;
/** The destination's VSpace root is not a mapped page-directory cap. */
export const FP_VSPACE = 9;
/** The destination may not run at once (priority / highest-priority rule). */
export const FP_PRIORITY = 10;
/** Call: the endpoint cap has neither CanGrant nor CanGrantReply. */
export const FP_GRANT = 11;
/** The destination's page directory has no valid stored hardware ASID. */
export const FP_HW_ASID = 12;
/** The destination is not in the current domain. */
export const FP_DOMAIN = 13;
/** Number of check kinds. */
export const FP_CHECKS = 14;

/** The name of each check kind, by index. */
export const FASTPATH_CHECK_NAMES: readonly string[] = [
  'msgInfo', 'extraCaps', 'fault', 'epCap', 'epRights', 'boundNtfn', 'epState', 'replyCap',
  'callerFault', 'vspace', 'priority', 'grant', 'hwASID', 'domain',
];

/** The checks of `fastpath_call`, in seL4's order. */
export const CALL_CHECKS: readonly number[] = [
  FP_MSG_INFO, FP_EXTRA_CAPS, FP_FAULT, FP_EP_CAP, FP_EP_RIGHTS, FP_EP_STATE, FP_VSPACE,
  FP_PRIORITY, FP_GRANT, FP_HW_ASID, FP_DOMAIN,
];

/** The checks of `fastpath_reply_recv` (non-MCS), in seL4's order. */
export const REPLY_RECV_CHECKS: readonly number[] = [
  FP_MSG_INFO, FP_EXTRA_CAPS, FP_FAULT, FP_EP_CAP, FP_EP_RIGHTS, FP_BOUND_NTFN, FP_EP_STATE,
  FP_REPLY_CAP, FP_CALLER_FAULT, FP_VSPACE, FP_PRIORITY, FP_HW_ASID, FP_DOMAIN,
];

/** One path's counts as plain data: completions and fallbacks per check name. */
export interface FastpathPathCounts {
  /** Entries the fastpath completed. */
  readonly hit: number;
  /** Entries each check sent to the slowpath, by check name (every check of the path listed). */
  readonly fallback: Readonly<Record<string, number>>;
}

/** Both paths' counts as plain data. */
export interface FastpathCounts {
  /** `fastpath_call` (SysCall). */
  readonly SysCall: FastpathPathCounts;
  /** `fastpath_reply_recv` (SysReplyRecv). */
  readonly SysReplyRecv: FastpathPathCounts;
}

function pathCounts(hit: number, fallbacks: Float64Array, checks: readonly number[]): FastpathPathCounts {
  const fallback: Record<string, number> = {};
  for (const c of checks) fallback[FASTPATH_CHECK_NAMES[c]!] = fallbacks[c]!;
  return { hit, fallback };
}

/** The live counters a kernel bumps on each fastpath attempt (plain numbers: no allocation). */
export class FastpathCounters {
  /** Completed `fastpath_call`s. */
  callHits = 0;
  /** Completed `fastpath_reply_recv`s. */
  replyRecvHits = 0;
  /** `fastpath_call` fallbacks, indexed by check (`FP_*`). */
  readonly callFallbacks = new Float64Array(FP_CHECKS);
  /** `fastpath_reply_recv` fallbacks, indexed by check (`FP_*`). */
  readonly replyRecvFallbacks = new Float64Array(FP_CHECKS);

  /** Sets every count to zero. */
  reset(): void {
    this.callHits = 0;
    this.replyRecvHits = 0;
    this.callFallbacks.fill(0);
    this.replyRecvFallbacks.fill(0);
  }

  /** The counts as plain data, every check of each path named. */
  snapshot(): FastpathCounts {
    return {
      SysCall: pathCounts(this.callHits, this.callFallbacks, CALL_CHECKS),
      SysReplyRecv: pathCounts(this.replyRecvHits, this.replyRecvFallbacks, REPLY_RECV_CHECKS),
    };
  }
}

/** Adds `b` into a running total `a` (a fresh object; for summing over many kernels). */
export function addFastpathCounts(a: FastpathCounts | undefined, b: FastpathCounts): FastpathCounts {
  if (a === undefined) return b;
  const add = (x: FastpathPathCounts, y: FastpathPathCounts): FastpathPathCounts => {
    const fallback: Record<string, number> = {};
    for (const name of Object.keys(y.fallback)) fallback[name] = (x.fallback[name] ?? 0) + (y.fallback[name] ?? 0);
    return { hit: x.hit + y.hit, fallback };
  };
  return { SysCall: add(a.SysCall, b.SysCall), SysReplyRecv: add(a.SysReplyRecv, b.SysReplyRecv) };
}
