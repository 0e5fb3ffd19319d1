/**
 * `sel4ts boot`: boots the spec and prints what the root task starts with: its initial
 * slots, its untypeds and the bootinfo summary; and whether the implementation's boot
 * abstracts to the same state.
 *
 * @module
 */
import { decodeBootInfo, type SlotRegion } from '../../abi/bootinfo.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { abstractState } from '../abstraction.js';
import { bootImpl } from '../../impl/boot.js';
import { fullDifference } from '../check/compare.js';
import { bootedSpec } from '../check/spec-kernel.js';
import { formatDifference } from '../diff.js';
import { describeCap } from './text.js';

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function region(r: SlotRegion): string {
  return r.start === r.end ? 'none' : `${hex(r.start)}..${hex(r.end - 1)} (${r.end - r.start})`;
}

function bytesAt(s: KernelState, paddr: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const frame = s.machine.memory.get(Math.floor((paddr + i) / 4096));
    out[i] = frame?.[(paddr + i) % 4096] ?? 0;
  }
  return out;
}

/** The boot report as lines. */
export function bootReport(s: KernelState): string[] {
  const tcb = s.kheap.get(s.curThread);
  if (tcb?.kind !== 'TCB' || tcb.caps[0].kind !== 'CNodeCap') return ['the current thread has no CSpace'];
  const root = s.kheap.get(tcb.caps[0].ptr);
  if (root?.kind !== 'CNode') return ['no root CNode'];
  const lines = [`root task TCB ${hex(s.curThread)}, root CNode ${hex(tcb.caps[0].ptr)} (radix ${root.bits})`, '', 'initial slots:'];
  for (let i = 0; i < 16; i++) lines.push(`  ${String(i).padStart(2)}  ${describeCap(root.slots.get(i) ?? { kind: 'NullCap' })}`);
  const biCap = root.slots.get(9);
  if (biCap?.kind !== 'FrameCap') return [...lines, '', 'no bootinfo frame in slot 9'];
  const bi = decodeBootInfo(bytesAt(s, biCap.ptr, 4096));
  lines.push(
    '', 'bootinfo:',
    `  IPC buffer at ${hex(bi.ipcBuffer)}, CNode radix ${bi.initThreadCNodeSizeBits}, domain ${bi.initThreadDomain}, extraLen ${bi.extraLen}`,
    `  userImagePaging ${region(bi.userImagePaging)}, userImageFrames ${region(bi.userImageFrames)}, extraBIPages ${region(bi.extraBIPages)}`,
    `  untyped ${region(bi.untyped)}, empty ${region(bi.empty)}`,
    '', `untypeds (${bi.untypedList.length}):`,
  );
  let ram = 0;
  let device = 0;
  bi.untypedList.forEach((u, i) => {
    if (u.isDevice) device += 2 ** u.sizeBits;
    else ram += 2 ** u.sizeBits;
    lines.push(`  slot ${hex(bi.untyped.start + i)}  ${hex(u.paddr).padStart(10)}  2^${String(u.sizeBits).padEnd(2)}${u.isDevice ? '  device' : ''}`);
  });
  lines.push(`  total: ${(ram / 2 ** 20).toFixed(2)} MiB RAM, ${(device / 2 ** 20).toFixed(2)} MiB device memory`);
  return lines;
}

/** Runs the command; returns the exit status. */
export function bootCommand(): number {
  const s = bootedSpec();
  const lines = bootReport(s);
  const d = fullDifference(s, abstractState(bootImpl()));
  lines.push('', d === undefined ? 'impl boot: abstracts to the same state' : `impl boot differs: ${formatDifference(d)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return d === undefined ? 0 : 1;
}
