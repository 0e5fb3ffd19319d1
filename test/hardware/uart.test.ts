import { describe, expect, test } from 'vitest';
import { InterruptController } from '../../hardware/irq.js';
import { PhysicalMemory } from '../../hardware/memory.js';
import { UART2 } from '../../hardware/board.js';
import {
  UCR1, UCR1_RRDYEN, UCR1_UARTEN, UCR2, UCR2_RXEN, UCR2_SRST, UCR2_TXEN, UCR4, UCR4_DREN, UFCR,
  URXD, URXD_CHARRDY, USR1, USR1_RRDY, USR1_TRDY, USR2, USR2_RDR, USR2_TXFE, UTS, UTS_RXEMPTY, UTXD,
  Uart,
} from '../../hardware/uart.js';

function setup() {
  const irq = new InterruptController();
  const uart = new Uart(irq, UART2.irq);
  irq.unmask(UART2.irq);
  return { irq, uart };
}

describe('Uart', () => {
  test('bytes written to UTXD come out, in order, to the buffer and the sink', () => {
    const { uart } = setup();
    const sunk: number[] = [];
    uart.setSink((b) => sunk.push(b));
    expect(uart.read32(USR2) & USR2_TXFE).not.toBe(0); // seL4's putchar polls this
    expect(uart.read32(USR1) & USR1_TRDY).not.toBe(0);
    for (const b of [0x68, 0x69, 0x0a, 0x1ff]) uart.write32(UTXD, b);
    expect(Array.from(uart.outputBytes())).toEqual([0x68, 0x69, 0x0a, 0xff]);
    expect(sunk).toEqual([0x68, 0x69, 0x0a, 0xff]);
    expect(uart.takeOutput()).toBe('hi\n\ufffd'); // a lone 0xff is not UTF-8
    expect(uart.outputBytes().length).toBe(0);
  });

  test('bytes fed in are read from URXD with CHARRDY, and the status bits follow', () => {
    const { uart } = setup();
    expect(uart.read32(URXD)).toBe(0);
    expect(uart.read32(UTS) & UTS_RXEMPTY).not.toBe(0);
    uart.feed('ok');
    expect(uart.read32(USR2) & USR2_RDR).toBe(USR2_RDR);
    expect(uart.read32(UTS) & UTS_RXEMPTY).toBe(0);
    expect(uart.read32(URXD)).toBe(URXD_CHARRDY | 0x6f);
    expect(uart.read32(URXD)).toBe(URXD_CHARRDY | 0x6b);
    expect(uart.read32(USR2) & USR2_RDR).toBe(0);
    expect(uart.read32(URXD)).toBe(0);
  });

  test('the RX interrupt is raised while enabled and data waits, and cleared by reading it', () => {
    const { irq, uart } = setup();
    uart.feed([1, 2]);
    expect(irq.isPending(UART2.irq)).toBe(false); // no interrupt enabled yet
    uart.write32(UFCR, (uart.read32(UFCR) & ~0x3f) | 1); // RXTL = 1, as libplatsupport sets it
    uart.write32(UCR1, uart.read32(UCR1) | UCR1_RRDYEN);
    expect(uart.read32(USR1) & USR1_RRDY).toBe(USR1_RRDY);
    expect(irq.isPending(UART2.irq)).toBe(true);
    expect(irq.acknowledge()).toBe(UART2.irq);
    uart.read32(URXD);
    expect(irq.isPending(UART2.irq)).toBe(true); // one byte still waits
    uart.read32(URXD);
    expect(irq.isPending(UART2.irq)).toBe(false); // level line dropped with the data
    irq.endOfInterrupt(UART2.irq);
    expect(irq.hasPendingEnabled()).toBe(false);
    uart.write32(UCR1, uart.read32(UCR1) & ~UCR1_RRDYEN);
    uart.write32(UCR4, uart.read32(UCR4) | UCR4_DREN); // the other RX source
    uart.feed('z');
    expect(irq.acknowledge()).toBe(UART2.irq);
  });

  test('a disabled receiver or transmitter neither shows input nor sends output; SRST flushes input', () => {
    const { uart } = setup();
    uart.write32(UCR2, uart.read32(UCR2) & ~(UCR2_RXEN | UCR2_TXEN));
    uart.feed('a');
    uart.write32(UTXD, 0x41);
    expect(uart.read32(URXD)).toBe(0);
    expect(uart.outputBytes().length).toBe(0);
    uart.write32(UCR2, uart.read32(UCR2) | UCR2_RXEN | UCR2_TXEN);
    expect(uart.pendingInput).toBe(1);
    uart.write32(UCR2, uart.read32(UCR2) & ~UCR2_SRST); // software reset (active low)
    expect(uart.read32(UCR2) & UCR2_SRST).toBe(UCR2_SRST); // done at once
    expect(uart.pendingInput).toBe(0);
    uart.write32(UCR1, 0);
    uart.write32(UTXD, 0x41);
    expect(uart.outputBytes().length).toBe(0);
    uart.write32(UCR1, UCR1_UARTEN);
  });

  test('a driver reaches it through physical memory at the console address', () => {
    const { uart } = setup();
    const mem = new PhysicalMemory();
    mem.addDevice(UART2.base, UART2.size, uart);
    mem.write8(UART2.base + UTXD, 0x21);
    uart.feed('q');
    expect(mem.read32(UART2.base + URXD)).toBe(URXD_CHARRDY | 0x71);
    expect(uart.takeOutput()).toBe('!');
    expect(mem.read32(UART2.base + UCR2) & UCR2_SRST).toBe(UCR2_SRST);
  });
});
