/**
 * The i.MX6 Sabre Lite memory map and interrupt numbers, as seL4's imx6 platform describes the
 * board (the platform of the verified ARM configuration).
 *
 * Sources (seL4/seL4 at 16.0.0-dev, commit 1326364b):
 * - `tools/dts/sabre.dts`: device addresses (the SoC buses use identity `ranges`, so the
 *   addresses in the tree are physical) and interrupt specifiers. A GIC specifier
 *   `<type n flags>` is SPI `n` (type 0, interrupt ID n + 32) or PPI `n` (type 1, ID n + 16).
 * - `src/plat/imx6/overlay-sabre.dts`: the RAM node seL4 uses, and the kernel devices
 *   (`serial1`, the GIC, the L2 cache controller, the private timer at 0xa00600).
 * - `src/plat/imx6/config.cmake`: `MAX_IRQ 159`, `TIMER_FREQUENCY 498000000`, GICv2, and the
 *   Arm private timer (`drivers/timer/arm_priv.h`) as the kernel timer when not MCS.
 * - `tools/hardware.yml`: the twd-timer's interrupt 0 is `KERNEL_TIMER_IRQ`; the UART is
 *   `user: true` (the kernel maps it only with `CONFIG_PRINTING`, off in the verified config).
 * - seL4/util_libs `libplatsupport/plat_include/imx6/platsupport/plat/{serial,timer,
 *   epit_constants}.h`: UART2 is the sabre default console (IRQ 59); the ipg clock feeding the
 *   EPIT is 528 / 4 / 2 = 66 MHz; the timeout timer is the EPIT at 0x20d4000 (EPIT2).
 *
 * @module
 */
import { IMX6_RAM_BASE, IMX6_RAM_SIZE } from './memory.js';

/** A physical address range of a device, as a device-tree `reg` entry gives it. */
export interface PhysicalRegion {
  /** Physical base address. */
  readonly base: number;
  /** Size in bytes. */
  readonly size: number;
}

/** A device with a register window and one interrupt line. */
export interface BoardDevice extends PhysicalRegion {
  /** GIC interrupt ID (SPI n is ID n + 32). */
  readonly irq: number;
}

/**
 * RAM seL4 describes for the sabre (`overlay-sabre.dts`: `reg = <0x10000000 0x1ff00000>`).
 * The board carries 1 GiB ({@link IMX6_RAM_SIZE}), but seL4 clamps memory to what fits its
 * kernel window (0xe0000000..0xfff00000), so the kernel only ever hands out these 511 MiB as
 * RAM; the rest of the fitted RAM is outside the kernel's memory and is not RAM untypeds.
 */
export const SABRE_SEL4_RAM_SIZE = 0x1ff00000;

/** Cortex-A9 MPCore private region: Snoop Control Unit (`scu`, first page of the region). */
export const ARM_MP_SCU_BASE = 0x00a00000;
/** GICv2 CPU interface (`interrupt-controller@a01000`, second `reg` entry). */
export const GIC_CPU_INTERFACE: PhysicalRegion = { base: 0x00a00100, size: 0x100 };
/** Cortex-A9 global timer (`timer@a00200`, used by seL4 only in MCS builds; PPI 11). */
export const ARM_GLOBAL_TIMER: BoardDevice = { base: 0x00a00200, size: 0x20, irq: 27 };
/** Cortex-A9 private timer (`timer@a00600`, "arm,cortex-a9-twd-timer"; PPI 13 = ID 29). */
export const ARM_PRIV_TIMER: BoardDevice = { base: 0x00a00600, size: 0x20, irq: 29 };
/** GICv2 distributor (`interrupt-controller@a01000`, first `reg` entry). */
export const GIC_DISTRIBUTOR: PhysicalRegion = { base: 0x00a01000, size: 0x1000 };
/** PL310 L2 cache controller (`l2-cache@a02000`; SPI 92). */
export const L2_CACHE_CONTROLLER: BoardDevice = { base: 0x00a02000, size: 0x1000, irq: 124 };

/** UART1 (`serial0`, `serial@2020000`; SPI 26). */
export const UART1: BoardDevice = { base: 0x02020000, size: 0x4000, irq: 58 };
/** UART2, the sabre console (`serial1` = `stdout-path`, `serial@21e8000`; SPI 27). */
export const UART2: BoardDevice = { base: 0x021e8000, size: 0x4000, irq: 59 };
/** General Purpose Timer (`gpt@2098000`; SPI 55). */
export const GPT: BoardDevice = { base: 0x02098000, size: 0x4000, irq: 87 };
/** EPIT1 (`epit@20d0000`; SPI 56). */
export const EPIT1: BoardDevice = { base: 0x020d0000, size: 0x4000, irq: 88 };
/** EPIT2 (`epit@20d4000`; SPI 57), libplatsupport's timeout timer on imx6. */
export const EPIT2: BoardDevice = { base: 0x020d4000, size: 0x4000, irq: 89 };

/** Largest interrupt ID (`MAX_IRQ` in `src/plat/imx6/config.cmake`). */
export const IMX6_MAX_IRQ = 159;

/** Arm private timer input clock (`TIMER_FREQUENCY` in `src/plat/imx6/config.cmake`). */
export const ARM_PRIV_TIMER_HZ = 498_000_000;

/** EPIT `ipg_clk` (libplatsupport imx6 `IPG_FREQ`: PLL2 528 MHz / 4 / 2). */
export const IMX6_IPG_CLK_HZ = 66_000_000;

/** EPIT `ipg_clk_32k`, the low-frequency reference clock. */
export const IMX6_CLK_32K_HZ = 32_768;

/** A board description: where RAM and the modelled devices are and which lines they use. */
export interface BoardConfig {
  /** Name for reports. */
  readonly name: string;
  /** Physical base of RAM. */
  readonly ramBase: number;
  /** Bytes of RAM fitted (what physical memory holds). */
  readonly ramSize: number;
  /**
   * Bytes of RAM from `ramBase` that seL4's device tree gives the kernel; the kernel uses
   * `min(ramSize, kernelRamLimit)` (see {@link kernelRamSize}).
   */
  readonly kernelRamLimit: number;
  /** Largest valid interrupt ID (`maxIRQ`). */
  readonly maxIRQ: number;
  /** The kernel's preemption timer: the Arm private timer (`KERNEL_TIMER_IRQ`). */
  readonly kernelTimer: BoardDevice;
  /** Input clock of the kernel timer, in Hz. */
  readonly kernelTimerHz: number;
  /** The console UART, a user-level device. */
  readonly uart: BoardDevice;
  /** The user-level timer (an EPIT) a user timer driver programs. */
  readonly userTimer: BoardDevice;
  /** `ipg_clk` of the user timer, in Hz. */
  readonly userTimerHz: number;
  /** Device regions the kernel keeps for itself (never in device untypeds). */
  readonly kernelDevices: readonly PhysicalRegion[];
}

/**
 * The default machine: the Sabre Lite, 1 GiB fitted, of which the kernel uses what seL4's
 * device tree gives it. A smaller machine is `boardWithRam(SABRE_LITE, 256 * 2 ** 20)`.
 */
export const SABRE_LITE: BoardConfig = {
  name: 'imx6-sabre-lite',
  ramBase: IMX6_RAM_BASE,
  ramSize: IMX6_RAM_SIZE,
  kernelRamLimit: SABRE_SEL4_RAM_SIZE,
  maxIRQ: IMX6_MAX_IRQ,
  kernelTimer: ARM_PRIV_TIMER,
  kernelTimerHz: ARM_PRIV_TIMER_HZ,
  uart: UART2,
  userTimer: EPIT2,
  userTimerHz: IMX6_IPG_CLK_HZ,
  // seL4,kernel-devices minus serial1 (user: true): the A9 private page holds the SCU, GIC
  // CPU interface and the timers; the distributor and the L2 controller have their own pages.
  kernelDevices: [
    { base: ARM_MP_SCU_BASE, size: 0x1000 },
    { base: GIC_DISTRIBUTOR.base, size: GIC_DISTRIBUTOR.size },
    { base: L2_CACHE_CONTROLLER.base, size: L2_CACHE_CONTROLLER.size },
  ],
};

/** `board` with `ramSize` bytes of RAM fitted at the same base (e.g. 256 MiB for quick runs). */
export function boardWithRam(board: BoardConfig, ramSize: number): BoardConfig {
  return { ...board, ramSize };
}

/** Bytes of RAM the kernel describes as memory on `board` (the rest is not given out as RAM). */
export function kernelRamSize(board: BoardConfig): number {
  return Math.min(board.ramSize, board.kernelRamLimit);
}
