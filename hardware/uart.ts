/**
 * The i.MX6 UART (the sabre console is UART2), modelled at the registers a driver uses:
 * URXD, UTXD, the control registers UCR1..UCR4 and UFCR, and the status registers USR1, USR2
 * and UTS, at their offsets in the i.MX6 reference manual (the same offsets seL4's
 * `src/drivers/serial/imx.c` and libplatsupport's imx serial driver name).
 *
 * Simplifications, and why they are safe for drivers:
 * - Transmission is instantaneous: a byte written to UTXD goes straight to the output, so the
 *   transmitter is always ready and empty (TRDY, TXFE, TXDC, TXEMPTY always set).
 * - Input bytes wait in an unbounded queue (the line plus the 32-byte RX FIFO), shown to the
 *   driver only while the UART and its receiver are enabled; a software reset (UCR2.SRST
 *   written 0) drops them, as it flushes the FIFO, and completes at once.
 * - Baud rate, parity, escape detection and modem lines are stored but have no effect.
 * - At power-on the UART is as U-Boot leaves the console: enabled, 8N1, no interrupts.
 *
 * @module
 */
import type { InterruptController } from './irq.js';
import type { MemoryMappedDevice } from './memory.js';

/** Receiver register (read pops a byte). */
export const URXD = 0x00;
/** Transmitter register. */
export const UTXD = 0x40;
/** Control register 1. */
export const UCR1 = 0x80;
/** Control register 2. */
export const UCR2 = 0x84;
/** Control register 3. */
export const UCR3 = 0x88;
/** Control register 4. */
export const UCR4 = 0x8c;
/** FIFO control register. */
export const UFCR = 0x90;
/** Status register 1. */
export const USR1 = 0x94;
/** Status register 2. */
export const USR2 = 0x98;
/** BRM incremental register. */
export const UBIR = 0xa4;
/** BRM modulator register. */
export const UBMR = 0xa8;
/** Baud rate count register. */
export const UBRC = 0xac;
/** Test register (FIFO full/empty flags). */
export const UTS = 0xb4;

/** URXD: a valid character is in bits [7:0]. */
export const URXD_CHARRDY = 1 << 15;
/** UCR1: UART enable. */
export const UCR1_UARTEN = 1 << 0;
/** UCR1: transmitter-empty interrupt enable. */
export const UCR1_TXMPTYEN = 1 << 6;
/** UCR1: receiver-ready interrupt enable. */
export const UCR1_RRDYEN = 1 << 9;
/** UCR1: transmitter-ready interrupt enable. */
export const UCR1_TRDYEN = 1 << 13;
/** UCR2: software reset, active low (reads 1 once the reset is over). */
export const UCR2_SRST = 1 << 0;
/** UCR2: receiver enable. */
export const UCR2_RXEN = 1 << 1;
/** UCR2: transmitter enable. */
export const UCR2_TXEN = 1 << 2;
/** UCR4: receive-data-ready interrupt enable. */
export const UCR4_DREN = 1 << 0;
/** UCR4: transmit-complete interrupt enable. */
export const UCR4_TCEN = 1 << 3;
/** UFCR: receiver trigger level, bits [5:0]. */
export const UFCR_RXTL_MASK = 0x3f;
/** USR1: receiver ready (at least RXTL bytes waiting). */
export const USR1_RRDY = 1 << 9;
/** USR1: transmitter ready (TX FIFO below its trigger level). */
export const USR1_TRDY = 1 << 13;
/** USR2: receive data ready (at least one byte waiting). */
export const USR2_RDR = 1 << 0;
/** USR2: transmission complete. */
export const USR2_TXDC = 1 << 3;
/** USR2: transmit FIFO empty. */
export const USR2_TXFE = 1 << 14;
/** UTS: receive FIFO full. */
export const UTS_RXFULL = 1 << 3;
/** UTS: receive FIFO empty. */
export const UTS_RXEMPTY = 1 << 5;
/** UTS: transmit FIFO empty. */
export const UTS_TXEMPTY = 1 << 6;

/** Depth of the hardware RX FIFO (for the RXFULL flag). */
export const UART_RX_FIFO_DEPTH = 32;

// Registers 0x80..0xb4 kept as plain storage, indexed by (offset - UCR1) / 4.
const CTRL_WORDS = (UTS - UCR1) / 4 + 1;
// Reset values from the reference manual, then the bootloader's console set-up.
const UCR1_BOOT = UCR1_UARTEN;
const UCR2_BOOT = UCR2_SRST | UCR2_RXEN | UCR2_TXEN | (1 << 5) /* WS: 8 bits */ | (1 << 14); /* IRTS */
const UCR3_RESET = 0x0700;
const UCR4_RESET = 0x8000;
const UFCR_RESET = 0x0801;
const UESC_RESET = 0x2b;

/** Receives each transmitted byte (e.g. `b => process.stdout.write(Uint8Array.of(b))`). */
export type UartSink = (byte: number) => void;

/** The console UART. */
export class Uart implements MemoryMappedDevice {
  private readonly ctrl = new Uint32Array(CTRL_WORDS);
  private input: number[] = [];
  private inputHead = 0;
  private readonly output: number[] = [];
  private sink: UartSink | undefined;

  /** A UART raising `line` on `irq`, in the state the bootloader leaves it. */
  constructor(private readonly irq: InterruptController, private readonly line: number) {
    this.resetRegisters();
  }

  private reg(offset: number): number {
    return this.ctrl[(offset - UCR1) >>> 2] ?? 0;
  }

  private resetRegisters(): void {
    this.ctrl.fill(0);
    this.ctrl[(UCR1 - UCR1) >>> 2] = UCR1_BOOT;
    this.ctrl[(UCR2 - UCR1) >>> 2] = UCR2_BOOT;
    this.ctrl[(UCR3 - UCR1) >>> 2] = UCR3_RESET;
    this.ctrl[(UCR4 - UCR1) >>> 2] = UCR4_RESET;
    this.ctrl[(UFCR - UCR1) >>> 2] = UFCR_RESET;
    this.ctrl[(0x9c - UCR1) >>> 2] = UESC_RESET;
  }

  private enabled(bit: number): boolean {
    return (this.reg(UCR1) & UCR1_UARTEN) !== 0 && (this.reg(UCR2) & bit) !== 0;
  }

  // Bytes the receiver shows: none while it is disabled.
  private rxCount(): number {
    return this.enabled(UCR2_RXEN) ? this.input.length - this.inputHead : 0;
  }

  private usr1(): number {
    const threshold = Math.max(this.reg(UFCR) & UFCR_RXTL_MASK, 1);
    return USR1_TRDY | (this.rxCount() >= threshold ? USR1_RRDY : 0);
  }

  private usr2(): number {
    return USR2_TXFE | USR2_TXDC | (this.rxCount() > 0 ? USR2_RDR : 0);
  }

  private updateLine(): void {
    const ucr1 = this.reg(UCR1);
    const ucr4 = this.reg(UCR4);
    const sr1 = this.usr1();
    const sr2 = this.usr2();
    const asserted = (ucr1 & UCR1_UARTEN) !== 0 && (
      ((ucr1 & UCR1_RRDYEN) !== 0 && (sr1 & USR1_RRDY) !== 0) ||
      ((ucr1 & UCR1_TRDYEN) !== 0) || ((ucr1 & UCR1_TXMPTYEN) !== 0) ||
      ((ucr4 & UCR4_DREN) !== 0 && (sr2 & USR2_RDR) !== 0) || ((ucr4 & UCR4_TCEN) !== 0));
    this.irq.setLine(this.line, asserted);
  }

  /** Reads a register; URXD pops the next byte (CHARRDY set), or reads 0 when none waits. */
  read32(offset: number): number {
    switch (offset) {
      case URXD: {
        if (this.rxCount() === 0) return 0;
        const byte = this.input[this.inputHead++] ?? 0;
        if (this.inputHead === this.input.length) {
          this.input = [];
          this.inputHead = 0;
        }
        this.updateLine();
        return URXD_CHARRDY | byte;
      }
      case USR1: return this.usr1();
      case USR2: return this.usr2();
      case UTS: {
        const n = this.rxCount();
        return UTS_TXEMPTY | (n === 0 ? UTS_RXEMPTY : 0) | (n >= UART_RX_FIFO_DEPTH ? UTS_RXFULL : 0);
      }
      default:
        return offset >= UCR1 && offset < UTS ? this.reg(offset) : 0;
    }
  }

  /** Writes a register; UTXD transmits, UCR2 with SRST clear resets the UART. */
  write32(offset: number, value: number): void {
    if (offset === UTXD) {
      if (this.enabled(UCR2_TXEN)) this.transmit(value & 0xff);
    } else if (offset === UCR2 && (value & UCR2_SRST) === 0) {
      // Software reset: flushes the FIFOs and the baud-rate registers but not the control
      // registers; it completes at once, so SRST reads back 1.
      this.ctrl[(UCR2 - UCR1) >>> 2] = value | UCR2_SRST;
      for (const r of [UBIR, UBMR, UBRC]) this.ctrl[(r - UCR1) >>> 2] = 0;
      this.input = [];
      this.inputHead = 0;
    } else if (offset >= UCR1 && offset < UTS && offset !== USR1 && offset !== USR2) {
      this.ctrl[(offset - UCR1) >>> 2] = value;
    }
    this.updateLine();
  }

  private transmit(byte: number): void {
    this.output.push(byte);
    this.sink?.(byte);
  }

  /** Queues bytes arriving on the line (a string is sent as UTF-8). */
  feed(data: string | ArrayLike<number>): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (let i = 0; i < bytes.length; i++) this.input.push((bytes[i] ?? 0) & 0xff);
    this.updateLine();
  }

  /** Feeds everything `stream` emits (e.g. `process.stdin`); returns a function that stops it. */
  connectInput(stream: NodeJS.ReadableStream): () => void {
    const onData = (chunk: string | Buffer): void => this.feed(chunk);
    stream.on('data', onData);
    return () => void stream.removeListener('data', onData);
  }

  /** Forwards every transmitted byte to `sink` as well as to the output buffer (or stops). */
  setSink(sink: UartSink | undefined): void {
    this.sink = sink;
  }

  /** Bytes queued on the line and not yet read by the driver. */
  get pendingInput(): number {
    return this.input.length - this.inputHead;
  }

  /** The bytes transmitted since the last {@link takeOutput}. */
  outputBytes(): Uint8Array {
    return Uint8Array.from(this.output);
  }

  /** Drains the transmitted bytes, decoded as UTF-8. */
  takeOutput(): string {
    const text = new TextDecoder().decode(Uint8Array.from(this.output));
    this.output.length = 0;
    return text;
  }
}
