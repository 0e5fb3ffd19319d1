/**
 * Untyped invocations (seL4 `src/object/untyped.c`: `decodeUntypedInvocation`,
 * `resetUntypedCap`, `invokeUntyped_Retype`; l4v `decode_untyped_invocation`,
 * `reset_untyped_cap`, `invoke_untyped`; manual §2.4).
 *
 * The untyped cap's free index counts 16-byte units from the start of its region. An
 * untyped with no MDB children is reset before a retype: its memory is zeroed in
 * 2^`RESET_CHUNK_BITS`-byte chunks from the top, the free index following, with a preemption
 * point per chunk.
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import {
  MAX_NUM_WORK_UNITS_PER_PREEMPTION, MAX_UNTYPED_BITS, MIN_UNTYPED_BITS, RESET_CHUNK_BITS, RETYPE_FAN_OUT_LIMIT,
} from '../../abi/config.js';
import { ERROR_CODE } from '../../abi/errors.js';
import { LABEL } from '../../abi/labels.js';
import { EXCEPTION_NONE, EXCEPTION_SYSCALL_ERROR, type Exception } from '../kernel/failures.js';
import { lookupTargetSlot, setLookupFault } from '../kernel/cspace.js';
import { getSyscallArg, syscallError } from '../kernel/message.js';
import { preemptionPoint } from '../kernel/preemption.js';
import { setThreadState } from '../kernel/thread.js';
import {
  CAP_CNODE, capGetCapType, cnodeCapGetCapCNodePtr, cnodeCapGetCapCNodeRadix,
  untypedCapGetCapBlockSize, untypedCapGetCapFreeIndex, untypedCapGetCapIsDevice, untypedCapGetCapPtr,
  untypedCapSetCapFreeIndex,
} from './cap.js';
import { ensureEmptySlot, ensureNoChildren } from './cte.js';
import { CTE_CAP_W1, CTE_SIZE } from './mdb.js';
import { lookupFaultMissingCapabilityW0 } from './structures.js';
import { THREAD_STATE_RESTART } from './tcb-layout.js';
import {
  SEL4_CAP_TABLE_OBJECT, SEL4_OBJECT_TYPE_COUNT, SEL4_UNTYPED_OBJECT, archIsFrameType, createNewObjects, getObjectSize,
} from './untyped/create-object.js';

const WORD_BITS = 32;
const MIN_SIZE_BITS = 4; // free index unit: 16 bytes

/** `alignUp(baseValue, alignment)`. */
function alignUp(baseValue: number, alignment: number): number {
  const size = 2 ** alignment;
  return Math.ceil(baseValue / size) * size;
}

// An error with one argument number (InvalidArgument).
function invalidArgument(k: Kernel, n: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.InvalidArgument;
  k.currentSyscallError.invalidArgumentNumber = n;
  return EXCEPTION_SYSCALL_ERROR;
}

// RangeError min..max.
function rangeError(k: Kernel, min: number, max: number): Exception {
  k.currentSyscallError.type = ERROR_CODE.RangeError;
  k.currentSyscallError.rangeErrorMin = min;
  k.currentSyscallError.rangeErrorMax = max;
  return EXCEPTION_SYSCALL_ERROR;
}

/**
 * `decodeUntypedInvocation(invLabel, length, slot, cap, call, buffer)`: checks a Retype in
 * the C kernel's order (label; 6 MRs and an extra cap; type; size; CNode and untyped
 * minimum sizes; destination CNode; offset; count; empty slots; free memory; device rules),
 * then sets the caller to Restart and performs it.
 */
export function decodeUntypedInvocation(k: Kernel, invLabel: number, length: number, slot: number,
  w0: number, w1: number, call: boolean, buffer: number): Exception {
  void call;
  if (invLabel !== LABEL.UntypedRetype) return syscallError(k, ERROR_CODE.IllegalOperation);
  const rootSlot = k.currentExtraCaps[0]!;
  if (length < 6 || rootSlot === 0) return syscallError(k, ERROR_CODE.TruncatedMessage);

  const newType = getSyscallArg(k, 0, buffer);
  const userObjSize = getSyscallArg(k, 1, buffer);
  const nodeIndex = getSyscallArg(k, 2, buffer);
  const nodeDepth = getSyscallArg(k, 3, buffer);
  const nodeOffset = getSyscallArg(k, 4, buffer);
  const nodeWindow = getSyscallArg(k, 5, buffer);

  if (newType >= SEL4_OBJECT_TYPE_COUNT) return invalidArgument(k, 0);
  const objectSize = getObjectSize(newType, userObjSize);
  if (userObjSize >= WORD_BITS || objectSize > MAX_UNTYPED_BITS) return rangeError(k, 0, MAX_UNTYPED_BITS);
  if (newType === SEL4_CAP_TABLE_OBJECT && userObjSize === 0) return invalidArgument(k, 1);
  if (newType === SEL4_UNTYPED_OBJECT && userObjSize < MIN_UNTYPED_BITS) return invalidArgument(k, 1);

  // The destination CNode: the root cap itself at depth 0, else the cap a lookup reaches.
  let node0 = k.mem.read32(rootSlot);
  let node1 = k.mem.read32(rootSlot + CTE_CAP_W1);
  if (nodeDepth !== 0) {
    const status = lookupTargetSlot(k, node0, node1, nodeIndex, nodeDepth);
    if (status !== EXCEPTION_NONE) return status;
    node0 = k.mem.read32(k.retSlot);
    node1 = k.mem.read32(k.retSlot + CTE_CAP_W1);
  }
  if (capGetCapType(node0) !== CAP_CNODE) {
    k.currentSyscallError.type = ERROR_CODE.FailedLookup;
    k.currentSyscallError.failedLookupWasSource = 0;
    setLookupFault(k, lookupFaultMissingCapabilityW0(nodeDepth), 0);
    return EXCEPTION_SYSCALL_ERROR;
  }

  const nodeSize = 2 ** cnodeCapGetCapCNodeRadix(node1);
  if (nodeOffset > nodeSize - 1) return rangeError(k, 0, nodeSize - 1);
  if (nodeWindow < 1 || nodeWindow > RETYPE_FAN_OUT_LIMIT) return rangeError(k, 1, RETYPE_FAN_OUT_LIMIT);
  if (nodeWindow > nodeSize - nodeOffset) return rangeError(k, 1, nodeSize - nodeOffset);

  const destCNode = cnodeCapGetCapCNodePtr(node0);
  for (let i = nodeOffset; i < nodeOffset + nodeWindow; i++) {
    const status = ensureEmptySlot(k, destCNode + i * CTE_SIZE);
    if (status !== EXCEPTION_NONE) return status;
  }

  // With no children the untyped is reset, so it counts as empty.
  let freeIndex: number;
  let reset: boolean;
  if (ensureNoChildren(k, slot) !== EXCEPTION_NONE) {
    freeIndex = untypedCapGetCapFreeIndex(w1);
    reset = false;
  } else {
    freeIndex = 0;
    reset = true;
  }
  const regionBase = untypedCapGetCapPtr(w0);
  const freeRef = regionBase + freeIndex * 2 ** MIN_SIZE_BITS;
  const untypedFreeBytes = 2 ** untypedCapGetCapBlockSize(w1) - freeIndex * 2 ** MIN_SIZE_BITS;
  if ((untypedFreeBytes >>> objectSize) < nodeWindow) {
    k.currentSyscallError.type = ERROR_CODE.NotEnoughMemory;
    k.currentSyscallError.memoryLeft = untypedFreeBytes;
    return EXCEPTION_SYSCALL_ERROR;
  }
  const deviceMemory = untypedCapGetCapIsDevice(w1) === 1;
  if (deviceMemory && !archIsFrameType(newType) && newType !== SEL4_UNTYPED_OBJECT) return invalidArgument(k, 1);

  const alignedFreeRef = alignUp(freeRef, objectSize);
  setThreadState(k, k.ksCurThread, THREAD_STATE_RESTART);
  return invokeUntypedRetype(k, slot, reset, alignedFreeRef, newType, userObjSize, destCNode, nodeOffset, nodeWindow, deviceMemory);
}

/**
 * `resetUntypedCap(srcSlot)`: zeroes the untyped's used memory and sets its free index to 0.
 * Device memory and untypeds smaller than a chunk go in one step (device memory is not
 * touched). Otherwise the used part is cleared chunk by chunk from the top, each chunk
 * followed by a free-index update and a preemption point. The chunks until the next point at
 * which `preemptionPoint` consults the interrupt controller are cleared in one
 * `clearMemory`, with the work units they count added at once: memory, free index and
 * `ksWorkUnitsCompleted` end exactly as after the chunk-by-chunk loop.
 */
export function resetUntypedCap(k: Kernel, srcSlot: number): Exception {
  const mem = k.mem;
  const w1 = mem.read32(srcSlot + CTE_CAP_W1);
  const blockSize = untypedCapGetCapBlockSize(w1);
  const regionBase = untypedCapGetCapPtr(mem.read32(srcSlot));
  const chunk = 2 ** RESET_CHUNK_BITS;
  let offset = untypedCapGetCapFreeIndex(w1) * 2 ** MIN_SIZE_BITS;
  const deviceMemory = untypedCapGetCapIsDevice(w1) === 1;
  if (offset === 0) return EXCEPTION_NONE;

  k.ghost.removeRange(regionBase, blockSize); // GHOSTUPD gs_clear_region
  if (deviceMemory || blockSize < RESET_CHUNK_BITS) {
    if (!deviceMemory) mem.zeroRange(regionBase, 2 ** blockSize);
    mem.write32(srcSlot + CTE_CAP_W1, untypedCapSetCapFreeIndex(w1, 0));
    return EXCEPTION_NONE;
  }
  for (offset = Math.floor((offset - 1) / chunk) * chunk; offset >= 0;) {
    const chunksLeft = offset / chunk + 1;
    const n = Math.min(chunksLeft, MAX_NUM_WORK_UNITS_PER_PREEMPTION - k.ksWorkUnitsCompleted);
    const low = offset - (n - 1) * chunk;
    mem.zeroRange(regionBase + low, n * chunk);
    mem.write32(srcSlot + CTE_CAP_W1, untypedCapSetCapFreeIndex(w1, low / 2 ** MIN_SIZE_BITS));
    k.ksWorkUnitsCompleted += n - 1;
    const status = preemptionPoint(k);
    if (status !== EXCEPTION_NONE) return status;
    offset = low - chunk;
  }
  return EXCEPTION_NONE;
}

/**
 * `invokeUntyped_Retype`: resets the untyped if asked (returning if preempted), advances its
 * free index past the new objects, and creates them with their caps.
 */
export function invokeUntypedRetype(k: Kernel, srcSlot: number, reset: boolean, retypeBase: number,
  newType: number, userSize: number, destCNode: number, destOffset: number, destLength: number,
  deviceMemory: boolean): Exception {
  const mem = k.mem;
  const regionBase = untypedCapGetCapPtr(mem.read32(srcSlot));
  if (reset) {
    const status = resetUntypedCap(k, srcSlot);
    if (status !== EXCEPTION_NONE) return status;
  }
  const totalObjectSize = destLength * 2 ** getObjectSize(newType, userSize);
  const freeRef = retypeBase + totalObjectSize;
  const w1 = mem.read32(srcSlot + CTE_CAP_W1);
  mem.write32(srcSlot + CTE_CAP_W1, untypedCapSetCapFreeIndex(w1, (freeRef - regionBase) / 2 ** MIN_SIZE_BITS));
  createNewObjects(k, newType, srcSlot, destCNode, destOffset, destLength, retypeBase, userSize, deviceMemory);
  return EXCEPTION_NONE;
}
