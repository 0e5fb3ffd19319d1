/**
 * The implementation kernel plugged into a {@link Machine}: the same trap path seL4's aarch32
 * vectors take (`c_handle_syscall` and friends in `src/arch/arm/c_traps.c`). On entry the
 * CPU's user registers are saved into the current TCB's `tcbContext`; the kernel runs; on
 * return the (possibly new) current thread's registers are restored, and TTBR0 and the
 * hardware ASID are set as `setVMRoot` / `armv_contextSwitch` leave them.
 *
 * The impl does not write TTBR0 or CONTEXTIDR itself (those writes leave no trace in kernel
 * state), so the port reads them back from what the impl's context switch did record: the
 * thread's VSpace root cap, the ASID table, and the hardware ASID stored in the page
 * directory's `PD_ASID_SLOT` entry. User memory goes through the machine's MMU and TLB over
 * the same physical memory the kernel's objects live in.
 *
 * Threads are named by their TCB object's base address (the spec's name for them), so one
 * program binding works on either kernel.
 *
 * @module
 */
import { DEFAULT_BOOT_PARAMS, PD_ASID_SLOT, type BootParams } from '../../abi/bootinfo.js';
import type { KernelEvent } from '../../hardware/events.js';
import type { Machine } from '../../hardware/machine.js';
import { N_CONTEXT_REGISTERS } from '../../hardware/registers.js';
import type { KernelPort } from '../../hardware/user.js';
import { bootImpl } from '../../impl/boot.js';
import type { Kernel } from '../../impl/kernel/kernel.js';
import { findPDForASID } from '../../impl/kernel/vspace.js';
import {
  pageDirectoryCapGetCapPDBasePtr, pageDirectoryCapGetCapPDIsMapped, pageDirectoryCapGetCapPDMappedASID,
} from '../../impl/object/arch-cap.js';
import { CAP_PAGE_DIRECTORY, capGetCapType } from '../../impl/object/cap.js';
import { TCB_OFFSET, TCB_VTABLE, tcbCte } from '../../impl/object/tcb-layout.js';

/** The impl kernel behind the {@link KernelPort} interface. */
export class ImplPort implements KernelPort {
  /** The booted kernel; its memory and interrupt controller are the machine's. */
  readonly kernel: Kernel;
  private readonly machine: Machine;

  /**
   * Boots the impl kernel on `machine`'s memory and interrupt controller (with `params`,
   * default the sabre boot), attaches the machine's kernel timer, connects the port to the
   * machine and loads the root task's registers into the CPU.
   */
  constructor(machine: Machine, params: BootParams = DEFAULT_BOOT_PARAMS) {
    this.machine = machine;
    this.kernel = bootImpl(params, { memory: machine.memory, irq: machine.irq });
    this.kernel.kernelTimer = machine.kernelTimer;
    machine.connect(this);
    this.restore();
  }

  /** Saves the user registers into the current TCB, enters the kernel, restores the next thread. */
  enter(event: KernelEvent): void {
    const k = this.kernel;
    const regs = this.machine.cpu.regs;
    const mem = k.mem;
    const tcb = k.ksCurThread;
    for (let r = 0; r < N_CONTEXT_REGISTERS; r++) mem.write32(tcb + 4 * r, regs[r] ?? 0);
    k.callKernel(event);
    this.restore();
  }

  /** The current thread's TCB object address, or undefined when the idle thread runs. */
  currentThread(): number | undefined {
    const k = this.kernel;
    return k.ksCurThread === k.ksIdleThread ? undefined : k.ksCurThread - TCB_OFFSET;
  }

  // The current thread's registers, page directory and hardware ASID into the CPU.
  private restore(): void {
    const k = this.kernel;
    const cpu = this.machine.cpu;
    const mem = k.mem;
    const tcb = k.ksCurThread;
    const regs = cpu.regs;
    for (let r = 0; r < N_CONTEXT_REGISTERS; r++) regs[r] = mem.read32(tcb + 4 * r);
    const root = this.vmRoot(tcb);
    if (root === 0) {
      // setVMRoot's fallback: the global page directory, the hardware ASID left as it was.
      cpu.setTtbr0(k.armKSGlobalPD);
      return;
    }
    cpu.setTtbr0(root);
    cpu.setAsid(mem.read32(root + 4 * PD_ASID_SLOT) >>> 24);
  }

  // The page directory `setVMRoot(tcb)` switches to, or 0 for the global one.
  private vmRoot(tcb: number): number {
    const k = this.kernel;
    const slot = tcbCte(tcb, TCB_VTABLE);
    const w0 = k.mem.read32(slot);
    if (capGetCapType(w0) !== CAP_PAGE_DIRECTORY || !pageDirectoryCapGetCapPDIsMapped(w0)) return 0;
    const pd = findPDForASID(k, pageDirectoryCapGetCapPDMappedASID(k.mem.read32(slot + 4)));
    return pd !== 0 && pd === pageDirectoryCapGetCapPDBasePtr(w0) ? pd : 0;
  }
}
