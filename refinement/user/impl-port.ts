/**
 * The implementation kernel plugged into a {@link Machine}: the same trap path seL4's aarch32
 * vectors take (`c_handle_syscall` and friends in `src/arch/arm/c_traps.c`). On entry the
 * CPU's user registers are saved into the current TCB's `tcbContext`; the kernel runs; on
 * return the (possibly new) current thread's registers are restored.
 *
 * The kernel runs on the machine's own CPU and TLB: its context switches write TTBR0 and the
 * hardware ASID of that CPU (`setVMRoot`, `armv_contextSwitch`) and its flushes invalidate
 * that TLB, so user memory, which goes through the machine's MMU and TLB over the same
 * physical memory the kernel's objects live in, sees exactly what the kernel left, stale
 * entries included.
 *
 * Threads are named by their TCB object's base address (the spec's name for them), so one
 * program binding works on either kernel.
 *
 * @module
 */
import { DEFAULT_BOOT_PARAMS, type BootParams } from '../../abi/bootinfo.js';
import type { KernelEvent } from '../../hardware/events.js';
import type { Machine } from '../../hardware/machine.js';
import { N_CONTEXT_REGISTERS } from '../../hardware/registers.js';
import type { KernelPort } from '../../hardware/user.js';
import { bootImpl } from '../../impl/boot.js';
import type { Kernel } from '../../impl/kernel/kernel.js';
import { TCB_OFFSET } from '../../impl/object/tcb-layout.js';

/** The impl kernel behind the {@link KernelPort} interface. */
export class ImplPort implements KernelPort {
  /** The booted kernel; its memory and interrupt controller are the machine's. */
  readonly kernel: Kernel;
  private readonly machine: Machine;

  /**
   * Boots the impl kernel on `machine`'s memory, interrupt controller, CPU and TLB (with `params`,
   * default the sabre boot), attaches the machine's kernel timer, connects the port to the
   * machine and loads the root task's registers into the CPU.
   */
  constructor(machine: Machine, params: BootParams = DEFAULT_BOOT_PARAMS) {
    this.machine = machine;
    this.kernel = bootImpl(params, { memory: machine.memory, irq: machine.irq, cpu: machine.cpu, tlb: machine.tlb });
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

  // The current thread's registers into the CPU (TTBR0 and the ASID are already the kernel's).
  private restore(): void {
    const k = this.kernel;
    const regs = this.machine.cpu.regs;
    const mem = k.mem;
    const tcb = k.ksCurThread;
    for (let r = 0; r < N_CONTEXT_REGISTERS; r++) regs[r] = mem.read32(tcb + 4 * r);
  }
}
