/**
 * Cap finalisation (seL4 `finaliseCap` in `src/object/objecttype.c` and `Arch_finaliseCap` in
 * `src/arch/arm/32/object/objecttype.c`; l4v `finalise_cap`, `arch_finalise_cap`): what the
 * deletion of a cap does to its object. A final CNode or thread cap turns into a Zombie that
 * `finaliseSlot` then reduces slot by slot. Results: remainder in `k.capRet`, cleanup info in
 * `k.capRet2` (set last, after every nested deletion).
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import * as C from './cap.js';
import * as A from './arch-cap.js';
import { KernelPanic } from '../kernel/panic.js';
import { cancelAllIPC, cancelAllSignals, suspend, unbindMaybeNotification, unbindNotification } from './ipc-cancel.js';
import { deletingIRQHandler } from './interrupt.js';
import { TCB_CNODE_ENTRIES, tcbObjectBase } from './tcb-layout.js';
import { deleteASID, deleteASIDPool } from '../kernel/vspace.js';
import { unmapPage, unmapPageTable } from '../arch/arm/vspace.js';

function result(k: Kernel, r0: number, r1: number, c0: number, c1: number): void {
  C.setCapWords(k.capRet, r0, r1);
  C.setCapWords(k.capRet2, c0, c1);
}

/** `finaliseCap(cap, final, exposed)` for every cap type; see `finaliseCap` in objecttype.ts. */
export function finaliseCapOfType(k: Kernel, w0: number, w1: number, final: boolean, exposed: boolean): void {
  if (C.isArchCap(w0)) {
    archFinaliseCap(k, w0, w1, final);
    result(k, C.CAP_NULL, 0, C.CAP_NULL, 0);
    return;
  }
  switch (C.capGetCapType(w0)) {
    case C.CAP_ENDPOINT:
      if (final) cancelAllIPC(k, C.endpointCapGetCapEPPtr(w1));
      result(k, C.CAP_NULL, 0, C.CAP_NULL, 0);
      return;
    case C.CAP_NOTIFICATION:
      if (final) {
        const ntfn = C.notificationCapGetCapNtfnPtr(w0);
        unbindMaybeNotification(k, ntfn);
        cancelAllSignals(k, ntfn);
      }
      result(k, C.CAP_NULL, 0, C.CAP_NULL, 0);
      return;
    case C.CAP_REPLY:
    case C.CAP_NULL:
    case C.CAP_DOMAIN:
      result(k, C.CAP_NULL, 0, C.CAP_NULL, 0);
      return;
    default:
      break;
  }
  if (exposed) throw new KernelPanic('finaliseCap: failed to finalise immediately.');
  finaliseLongRunning(k, w0, w1, final);
}

// The caps whose finalisation may take long (CNode, thread, Zombie) and IRQ handlers.
function finaliseLongRunning(k: Kernel, w0: number, w1: number, final: boolean): void {
  switch (C.capGetCapType(w0)) {
    case C.CAP_CNODE:
      if (final) {
        const radix = C.cnodeCapGetCapCNodeRadix(w1);
        C.zombieNew(k.capRet, 2 ** radix, radix, C.cnodeCapGetCapCNodePtr(w0));
        C.nullCapNew(k.capRet2);
        return;
      }
      break;
    case C.CAP_THREAD:
      if (final) {
        const tcb = C.threadCapGetCapTCBPtr(w0);
        unbindNotification(k, tcb);
        suspend(k, tcb);
        C.zombieNew(k.capRet, TCB_CNODE_ENTRIES, C.ZOMBIE_TYPE_TCB, tcbObjectBase(tcb));
        C.nullCapNew(k.capRet2);
        return;
      }
      break;
    case C.CAP_ZOMBIE:
      result(k, w0, w1, C.CAP_NULL, 0);
      return;
    case C.CAP_IRQ_HANDLER:
      if (final) {
        deletingIRQHandler(k, C.irqHandlerCapGetCapIRQ(w1));
        result(k, C.CAP_NULL, 0, w0, w1);
        return;
      }
      break;
    default:
      break;
  }
  result(k, C.CAP_NULL, 0, C.CAP_NULL, 0);
}

// `Arch_finaliseCap`: ASIDs are released, page tables and frames unmapped (with their TLB flushes).
function archFinaliseCap(k: Kernel, w0: number, w1: number, final: boolean): void {
  switch (C.capGetCapType(w0)) {
    case C.CAP_ASID_POOL:
      if (final) deleteASIDPool(k, A.asidPoolCapGetCapASIDBase(w1), A.asidPoolCapGetCapASIDPool(w0));
      return;
    case C.CAP_PAGE_DIRECTORY:
      if (final && A.pageDirectoryCapGetCapPDIsMapped(w0)) {
        deleteASID(k, A.pageDirectoryCapGetCapPDMappedASID(w1), A.pageDirectoryCapGetCapPDBasePtr(w0));
      }
      return;
    case C.CAP_PAGE_TABLE:
      if (final && A.pageTableCapGetCapPTIsMapped(w1)) {
        unmapPageTable(k, A.pageTableCapGetCapPTMappedASID(w1), A.pageTableCapGetCapPTMappedAddress(w1), A.pageTableCapGetCapPTBasePtr(w0));
      }
      return;
    case C.CAP_SMALL_FRAME:
    case C.CAP_FRAME: {
      // Every mapped frame cap is unmapped, final or not: each cap names its own mapping.
      const asid = A.genericFrameCapGetCapFMappedASID(w0, w1);
      if (asid !== 0) {
        unmapPage(k, A.genericFrameCapGetCapFSize(w0, w1), asid, A.genericFrameCapGetCapFMappedAddress(w0, w1),
          A.genericFrameCapGetCapFBasePtr(w0));
      }
      return;
    }
    default:
      return;
  }
}
