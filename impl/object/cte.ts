/**
 * Inserting, moving and swapping caps in the MDB, and the MDB queries (seL4
 * `src/object/cnode.c`: `cteInsert`, `cteMove`, `cteSwap`, `capSwapForDelete`,
 * `insertNewCap`, `setupReplyMaster`, `isMDBParentOf`, `ensureNoChildren`, `ensureEmptySlot`,
 * `isFinalCapability`, `slotCapLongRunningDelete`; l4v `cap_insert`, `cap_move`, `cap_swap`).
 *
 * The MDB list keeps a parent's descendants right after it. A new cap goes right after its
 * source: as the first child when the source is its parent, else as the next sibling
 * (the order of l4v's deterministic `cdt_list`).
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import { KernelPanic } from '../kernel/panic.js';
import {
  CAP_ENDPOINT, CAP_NOTIFICATION, CAP_NULL, CAP_CNODE, CAP_THREAD, CAP_UNTYPED, CAP_ZOMBIE, CAP_SGI_SIGNAL,
  capGetCapType, endpointCapGetCapEPBadge, notificationCapGetCapNtfnBadge, replyCapNew,
  untypedCapGetCapBlockSize, untypedCapGetCapPtr, untypedCapSetCapFreeIndex,
} from './cap.js';
import {
  CTE_CAP_W1, CTE_MDB_W0, CTE_MDB_W1, cteClear, cteGetFirstBadged, cteGetNext, cteGetPrev, cteGetRevocable,
  cteSetNext, cteSetPrev, cteWriteCap, cteWriteMdb,
} from './mdb.js';
import { isCapRevocable, sameObjectAs, sameRegionAs } from './objecttype.js';
import { TCB_REPLY, tcbCte } from './tcb-layout.js';

/** `MAX_FREE_INDEX(bits)`: an untyped's free index when it is full (16-byte units). */
export function maxFreeIndex(blockSize: number): number {
  return 1 << (blockSize - 4);
}

/** `setUntypedCapAsFull`: copying an untyped onto its own region marks the source as full. */
export function setUntypedCapAsFull(k: Kernel, s0: number, s1: number, n0: number, n1: number, srcSlot: number): void {
  if (capGetCapType(s0) === CAP_UNTYPED && capGetCapType(n0) === CAP_UNTYPED &&
      untypedCapGetCapPtr(s0) === untypedCapGetCapPtr(n0) &&
      untypedCapGetCapBlockSize(n1) === untypedCapGetCapBlockSize(s1)) {
    k.mem.write32(srcSlot + CTE_CAP_W1, untypedCapSetCapFreeIndex(s1, maxFreeIndex(untypedCapGetCapBlockSize(s1))));
  }
}

/** `cteInsert(newCap, srcSlot, destSlot)`: puts the cap in the empty slot right after its source in the MDB. */
export function cteInsert(k: Kernel, n0: number, n1: number, srcSlot: number, destSlot: number): void {
  const mem = k.mem;
  const s0 = mem.read32(srcSlot);
  const s1 = mem.read32(srcSlot + CTE_CAP_W1);
  const srcNext = cteGetNext(mem, srcSlot);
  const revocable = isCapRevocable(n0, n1, s0, s1) ? 1 : 0;
  if (capGetCapType(mem.read32(destSlot)) !== CAP_NULL) throw new KernelPanic('cteInsert to non-empty destination');
  if (cteGetNext(mem, destSlot) !== 0 || cteGetPrev(mem, destSlot) !== 0) {
    throw new KernelPanic('cteInsert: mdb entry must be empty');
  }
  setUntypedCapAsFull(k, s0, s1, n0, n1, srcSlot);
  cteWriteCap(mem, destSlot, n0, n1);
  cteWriteMdb(mem, destSlot, srcSlot, srcNext, revocable, revocable);
  cteSetNext(mem, srcSlot, destSlot);
  if (srcNext !== 0) cteSetPrev(mem, srcNext, destSlot);
}

/** `cteMove(newCap, srcSlot, destSlot)`: moves the cap and its MDB position to the empty slot. */
export function cteMove(k: Kernel, n0: number, n1: number, srcSlot: number, destSlot: number): void {
  const mem = k.mem;
  if (capGetCapType(mem.read32(destSlot)) !== CAP_NULL) throw new KernelPanic('cteMove to non-empty destination');
  if (cteGetNext(mem, destSlot) !== 0 || cteGetPrev(mem, destSlot) !== 0) {
    throw new KernelPanic('cteMove: mdb entry must be empty');
  }
  const m0 = mem.read32(srcSlot + CTE_MDB_W0);
  const m1 = mem.read32(srcSlot + CTE_MDB_W1);
  cteWriteCap(mem, destSlot, n0, n1);
  cteWriteCap(mem, srcSlot, CAP_NULL, 0);
  mem.write32(destSlot + CTE_MDB_W0, m0);
  mem.write32(destSlot + CTE_MDB_W1, m1);
  mem.write32(srcSlot + CTE_MDB_W0, 0);
  mem.write32(srcSlot + CTE_MDB_W1, 0);
  const prev = cteGetPrev(mem, destSlot);
  if (prev !== 0) cteSetNext(mem, prev, destSlot);
  const next = cteGetNext(mem, destSlot);
  if (next !== 0) cteSetPrev(mem, next, destSlot);
}

/** `cteSwap(cap1, slot1, cap2, slot2)`: exchanges two caps and their MDB positions. */
export function cteSwap(k: Kernel, c10: number, c11: number, slot1: number, c20: number, c21: number, slot2: number): void {
  const mem = k.mem;
  cteWriteCap(mem, slot1, c20, c21);
  cteWriteCap(mem, slot2, c10, c11);
  const a0 = mem.read32(slot1 + CTE_MDB_W0);
  const a1 = mem.read32(slot1 + CTE_MDB_W1);
  let prev = cteGetPrev(mem, slot1);
  if (prev !== 0) cteSetNext(mem, prev, slot2);
  let next = cteGetNext(mem, slot1);
  if (next !== 0) cteSetPrev(mem, next, slot2);
  const b0 = mem.read32(slot2 + CTE_MDB_W0);
  const b1 = mem.read32(slot2 + CTE_MDB_W1);
  mem.write32(slot1 + CTE_MDB_W0, b0);
  mem.write32(slot1 + CTE_MDB_W1, b1);
  mem.write32(slot2 + CTE_MDB_W0, a0);
  mem.write32(slot2 + CTE_MDB_W1, a1);
  prev = cteGetPrev(mem, slot1);
  if (prev !== 0) cteSetNext(mem, prev, slot1);
  next = cteGetNext(mem, slot1);
  if (next !== 0) cteSetPrev(mem, next, slot1);
}

/** `capSwapForDelete(slot1, slot2)`: swaps the caps of two distinct slots. */
export function capSwapForDelete(k: Kernel, slot1: number, slot2: number): void {
  if (slot1 === slot2) return;
  const mem = k.mem;
  cteSwap(k, mem.read32(slot1), mem.read32(slot1 + CTE_CAP_W1), slot1,
    mem.read32(slot2), mem.read32(slot2 + CTE_CAP_W1), slot2);
}

/** `insertNewCap(parent, slot, cap)`: a freshly created object's cap, revocable, as the parent's first child. */
export function insertNewCap(k: Kernel, parent: number, slot: number, w0: number, w1: number): void {
  const mem = k.mem;
  const next = cteGetNext(mem, parent);
  cteWriteCap(mem, slot, w0, w1);
  cteWriteMdb(mem, slot, parent, next, 1, 1);
  if (next !== 0) cteSetPrev(mem, next, slot);
  cteSetNext(mem, parent, slot);
}

/** `setupReplyMaster(thread)`: puts a master reply cap (revocable, first badged) in an empty tcbReply slot. */
export function setupReplyMaster(k: Kernel, tcb: number): void {
  const slot = tcbCte(tcb, TCB_REPLY);
  if (capGetCapType(k.mem.read32(slot)) !== CAP_NULL) return;
  const cap = replyCapNew(k.capRet, 1, 1, tcb);
  cteClear(k.mem, slot);
  cteWriteCap(k.mem, slot, cap.w0, cap.w1);
  cteWriteMdb(k.mem, slot, 0, 0, 1, 1);
}

/** `isMDBParentOf(a, b)`: whether the cap in `b` is a child of the one in `a` (b follows a in the MDB). */
export function isMDBParentOf(k: Kernel, a: number, b: number): boolean {
  const mem = k.mem;
  if (!cteGetRevocable(mem, a)) return false;
  const a0 = mem.read32(a);
  const a1 = mem.read32(a + CTE_CAP_W1);
  const b0 = mem.read32(b);
  const b1 = mem.read32(b + CTE_CAP_W1);
  if (!sameRegionAs(a0, a1, b0, b1)) return false;
  const bFirstBadged = cteGetFirstBadged(mem, b);
  switch (capGetCapType(a0)) {
    case CAP_SGI_SIGNAL:
      return !bFirstBadged;
    case CAP_ENDPOINT: {
      const badge = endpointCapGetCapEPBadge(a0);
      return badge === 0 || (badge === endpointCapGetCapEPBadge(b0) && !bFirstBadged);
    }
    case CAP_NOTIFICATION: {
      const badge = notificationCapGetCapNtfnBadge(a1);
      return badge === 0 || (badge === notificationCapGetCapNtfnBadge(b1) && !bFirstBadged);
    }
    default:
      return true;
  }
}

/** `ensureNoChildren(slot)`: RevokeFirst if the next MDB entry is a child of the slot's cap. */
export function ensureNoChildren(k: Kernel, slot: number): Exception {
  const next = cteGetNext(k.mem, slot);
  if (next !== 0 && isMDBParentOf(k, slot, next)) {
    k.currentSyscallError.type = ERROR_CODE.RevokeFirst;
    return EXCEPTION_SYSCALL_ERROR;
  }
  return EXCEPTION_NONE;
}

/** `ensureEmptySlot(slot)`: DeleteFirst unless the slot holds the null cap. */
export function ensureEmptySlot(k: Kernel, slot: number): Exception {
  if (capGetCapType(k.mem.read32(slot)) !== CAP_NULL) {
    k.currentSyscallError.type = ERROR_CODE.DeleteFirst;
    return EXCEPTION_SYSCALL_ERROR;
  }
  return EXCEPTION_NONE;
}

/** `isFinalCapability(cte)`: no MDB neighbour names the same object. */
export function isFinalCapability(k: Kernel, cte: number): boolean {
  const mem = k.mem;
  const c0 = mem.read32(cte);
  const c1 = mem.read32(cte + CTE_CAP_W1);
  const prev = cteGetPrev(mem, cte);
  if (prev !== 0 && sameObjectAs(mem.read32(prev), mem.read32(prev + CTE_CAP_W1), c0, c1)) return false;
  const next = cteGetNext(mem, cte);
  if (next === 0) return true;
  return !sameObjectAs(c0, c1, mem.read32(next), mem.read32(next + CTE_CAP_W1));
}

/** `slotCapLongRunningDelete(slot)`: the final cap of a thread, CNode or Zombie. */
export function slotCapLongRunningDelete(k: Kernel, slot: number): boolean {
  const type = capGetCapType(k.mem.read32(slot));
  if (type === CAP_NULL || !isFinalCapability(k, slot)) return false;
  return type === CAP_THREAD || type === CAP_ZOMBIE || type === CAP_CNODE;
}
