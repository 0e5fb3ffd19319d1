/**
 * Writing boot caps into the root CNode (seL4 `src/kernel/boot.c`: `write_slot`,
 * `provide_cap`, `create_root_cnode`, `create_domain_cap`).
 *
 * @module
 */
import { ROOT_CNODE_SIZE_BITS } from '../../abi/config.js';
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { WORD_BITS } from '../../hardware/word.js';
import type { Kernel } from '../kernel/kernel.js';
import { KernelPanic } from '../kernel/panic.js';
import { cnodeCapNew, domainCapNew } from '../object/cap.js';
import { CTE_SIZE, cteWriteCap, cteWriteMdb } from '../object/mdb.js';
import type { NdksBoot } from './freemem.js';

/** `SLOT_PTR(cnode, pos)`: the CTE of slot `pos`. */
export function slotPtr(cnode: number, pos: number): number {
  return cnode + pos * CTE_SIZE;
}

/** `write_slot`: stores a cap with a null MDB node marked revocable and first-badged (an original cap). */
export function writeSlot(k: Kernel, slot: number, w0: number, w1: number): void {
  cteWriteCap(k.mem, slot, w0, w1);
  cteWriteMdb(k.mem, slot, 0, 0, 1, 1);
}

/** `provide_cap`: writes the cap into the next free dynamic slot of the root CNode. */
export function provideCap(k: Kernel, nb: NdksBoot, cnode: number, w0: number, w1: number): void {
  if (nb.slotPosCur >= 1 << ROOT_CNODE_SIZE_BITS) throw new KernelPanic('provide_cap: the root CNode is full');
  writeSlot(k, slotPtr(cnode, nb.slotPosCur), w0, w1);
  nb.slotPosCur++;
}

/**
 * `create_root_cnode`: the root CNode cap (radix 12, guard size 20, guard 0), written into
 * its own slot 2; the cap words go to `k.capRet`.
 */
export function createRootCNode(k: Kernel, cnode: number): void {
  const cap = cnodeCapNew(k.capRet, ROOT_CNODE_SIZE_BITS, WORD_BITS - ROOT_CNODE_SIZE_BITS, 0, cnode);
  writeSlot(k, slotPtr(cnode, INITIAL_CAP.CapInitThreadCNode), cap.w0, cap.w1);
}

/** `create_domain_cap`: the domain cap in slot 11. */
export function createDomainCap(k: Kernel, cnode: number): void {
  const cap = domainCapNew(k.capRet2);
  writeSlot(k, slotPtr(cnode, INITIAL_CAP.CapDomain), cap.w0, cap.w1);
}
