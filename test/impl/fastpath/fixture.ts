/**
 * Client/server pairs for fastpath tests, on the impl unit-test kernel (`../fixture.ts`): two
 * threads in different address spaces (page directories with ASIDs 1 and 2 and hardware ASIDs
 * 1 and 2 stored), a third thread for priority tests, a badged endpoint cap with all rights.
 *
 * Every scenario is built twice, once per `KernelFastpath` setting, so that a test can take
 * the same entry on both and compare the concrete states.
 */
import type { Syscall } from '../../../hardware/events.js';
import type { Kernel } from '../../../impl/kernel/kernel.js';
import * as A from '../../../impl/object/arch-cap.js';
import * as C from '../../../impl/object/cap.js';
import { cteInsert } from '../../../impl/object/cte.js';
import { storedHWASIDWord } from '../../../impl/arch/arm/asid.js';
import { PD_ASID_SLOT } from '../../../abi/bootinfo.js';
import { TCB_VTABLE, THREAD_STATE_INACTIVE, tcbCte, tcbSetStateType } from '../../../impl/object/tcb-layout.js';
import { FX, SLOT, invokeAs, makeIPCThread, makeKernel, rootSlot, runAs, type UserMessage } from '../fixture.js';

/** Addresses and slots of the pair. */
export const FP = {
  pool: 0x10208000,
  clientPD: 0x10200000,
  serverPD: 0x10204000,
  globalPD: 0x1020c000,
  /** Root slot of an endpoint cap with badge 0x55 and all rights. */
  badgedEp: 40,
  /** Root slot of the second endpoint cap used by the tweaks. */
  spareEp: 41,
  badge: 0x55,
} as const;

/** A built scenario: the kernel and its threads. */
export interface Pair {
  /** The kernel. */
  readonly k: Kernel;
  /** The client (ASID 1, priority 100). */
  readonly client: number;
  /** The server (ASID 2, priority 100). */
  readonly server: number;
  /** A third thread (ASID 1, priority 120, Inactive, in no queue). */
  readonly other: number;
}

function giveVSpace(k: Kernel, tcb: number, pd: number, asid: number): void {
  const cap = A.pageDirectoryCapNew(C.capWords(), asid, 1, pd);
  k.writeCap(tcbCte(tcb, TCB_VTABLE), cap.w0, cap.w1);
}

/** An endpoint cap to the fixture endpoint with `badge` and rights [grantReply, grant, receive, send], in root slot `slot`. */
export function mintEp(k: Kernel, slot: number, badge: number, rights: readonly [number, number, number, number]): void {
  const cap = C.endpointCapNew(C.capWords(), badge, rights[0], rights[1], rights[3], rights[2], FX.endpoint);
  cteInsert(k, cap.w0, cap.w1, rootSlot(SLOT.ep), rootSlot(slot));
}

/** The kernel with the three threads, the server current (nobody blocked yet). */
export function makePair(fastpath: boolean): Pair {
  const k = makeKernel();
  k.kernelFastpath = fastpath;
  tcbSetStateType(k.mem, k.ksCurThread, THREAD_STATE_INACTIVE);
  k.armKSGlobalPD = FP.globalPD;
  k.armKSASIDTable[0] = FP.pool;
  k.mem.write32(FP.pool + 4 * 1, FP.clientPD);
  k.mem.write32(FP.pool + 4 * 2, FP.serverPD);
  k.mem.write32(FP.clientPD + 4 * PD_ASID_SLOT, storedHWASIDWord(1));
  k.mem.write32(FP.serverPD + 4 * PD_ASID_SLOT, storedHWASIDWord(2));
  k.armKSHWASIDTable[1] = 1;
  k.armKSHWASIDTable[2] = 2;
  k.armKSNextASID = 3;
  k.ghost.add(FP.pool, 'ASIDPool', 12);
  for (const pd of [FP.clientPD, FP.serverPD, FP.globalPD]) k.ghost.add(pd, 'PageDirectory', 14);
  const client = makeIPCThread(k, 100, 0x10020600, 21, 0x10031000);
  const server = makeIPCThread(k, 100, 0x10020800, 22, 0x10032000);
  const other = makeIPCThread(k, 120, 0x10020a00, 23, 0x10033000);
  giveVSpace(k, client, FP.clientPD, 1);
  giveVSpace(k, server, FP.serverPD, 2);
  giveVSpace(k, other, FP.clientPD, 1);
  mintEp(k, FP.badgedEp, FP.badge, [1, 1, 1, 1]);
  runAs(k, server);
  return { k, client, server, other };
}

/** The server waits on the endpoint (a slowpath Recv) and the client is current, about to Call. */
export function serverWaiting(fastpath: boolean): Pair {
  const p = makePair(fastpath);
  invokeAs(p.k, SLOT.ep, { label: 0 }, 'SysRecv');
  runAs(p.k, p.client);
  return p;
}

/**
 * The client has Called the server (through the slowpath on both kernels, so that the states
 * are equal) and the server is current with a reply cap in its caller slot.
 */
export function serverReplying(fastpath: boolean): Pair {
  const p = serverWaiting(fastpath);
  const was = p.k.kernelFastpath;
  p.k.kernelFastpath = false;
  invokeAs(p.k, FP.badgedEp, { label: 7, mrs: [1, 2] }, 'SysCall');
  p.k.kernelFastpath = was;
  if (p.k.ksCurThread !== p.server) throw new Error('serverReplying: the server did not get the call');
  return p;
}

/** Both kernels of a scenario, after `tweak`, and the entry taken on both. */
export interface Twin {
  /** Fastpath on. */
  readonly on: Pair;
  /** Fastpath off. */
  readonly off: Pair;
}

/** Builds `scenario` twice, applies `tweak` to each, and makes the current thread of both enter `syscall` with `msg` on `cptr`. */
export function twin(scenario: (fastpath: boolean) => Pair, tweak: (p: Pair) => void, cptr: number, msg: UserMessage, syscall: Syscall): Twin {
  const on = scenario(true);
  const off = scenario(false);
  for (const p of [on, off]) {
    tweak(p);
    p.k.fastpathCounters.reset();
    invokeAs(p.k, cptr, msg, syscall);
  }
  return { on, off };
}
