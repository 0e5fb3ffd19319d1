/**
 * Plain-text pieces of the CLI's output: caps, the coverage matrix, gaps.
 *
 * @module
 */
import type { Cap } from '../../spec/state/cap.js';
import { rightsText } from '../generators/resolve.js';
import type { Coverage, CoverageGap } from '../check/coverage.js';

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function rightsWord(r: { read: boolean; write: boolean; grant: boolean; grantReply: boolean }): number {
  return (r.write ? 1 : 0) | (r.read ? 2 : 0) | (r.grant ? 4 : 0) | (r.grantReply ? 8 : 0);
}

/** A cap on one line, in seL4 terms. */
export function describeCap(c: Cap): string {
  switch (c.kind) {
    case 'NullCap':
      return 'null';
    case 'UntypedCap':
      return `Untyped ${hex(c.ptr)} 2^${c.sizeBits}${c.isDevice ? ' device' : ''} free@${hex(c.freeIndex)}`;
    case 'EndpointCap':
    case 'NotificationCap':
      return `${c.kind.replace(/Cap$/, '')} ${hex(c.ptr)} badge=${c.badge} rights=${rightsText(rightsWord(c.rights))}`;
    case 'ReplyCap':
      return `Reply tcb=${hex(c.tcb)}${c.isMaster ? ' master' : ''}${c.rights.grant ? ' grant' : ''}`;
    case 'CNodeCap':
      return `CNode ${hex(c.ptr)} radix=${c.bits} guard=${hex(c.guard.value)}/${c.guard.size}`;
    case 'ThreadCap':
      return `TCB ${hex(c.tcb)}`;
    case 'IRQHandlerCap':
      return `IRQHandler ${c.irq}`;
    case 'Zombie':
      return `Zombie ${hex(c.ptr)} ${c.type.kind === 'ZombieTCB' ? 'tcb' : `radix ${c.type.bits}`} n=${c.number}`;
    case 'ASIDPoolCap':
      return `ASIDPool ${hex(c.ptr)} base=${c.asidBase}`;
    case 'FrameCap':
      return `Frame ${hex(c.ptr)} ${c.size.replace(/^ARM/, '')} ${c.rights}${c.isDevice ? ' device' : ''}${c.mapping === null ? '' : ` mapped asid=${c.mapping.asid} @${hex(c.mapping.vaddr)}`}`;
    case 'PageTableCap':
      return `PageTable ${hex(c.ptr)}${c.mapping === null ? '' : ` mapped asid=${c.mapping.asid} @${hex(c.mapping.vaddr)}`}`;
    case 'PageDirectoryCap':
      return `PageDirectory ${hex(c.ptr)}${c.asid === null ? '' : ` asid=${c.asid}`}`;
    case 'SGISignalCap':
      return `SGISignal irq=${c.irq} target=${c.target}`;
    default:
      return c.kind.replace(/Cap$/, '');
  }
}

/** The coverage matrix, one entry per line: `CNodeMint  ok 120, DeleteFirst 14`. */
export function coverageText(c: Coverage): string[] {
  const entries = [...c.keys()].sort();
  const width = Math.max(0, ...entries.map((e) => e.length));
  return entries.map((e) => {
    const row = [...c.get(e)!].sort(([a], [b]) => (a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b)));
    return `  ${e.padEnd(width)}  ${row.map(([o, n]) => `${o} ${n}`).join(', ')}`;
  });
}

/** The gaps, grouped by entry. */
export function gapsText(gaps: readonly CoverageGap[], min: number): string[] {
  if (gaps.length === 0) return [`coverage gaps: none (every outcome expected of each label, system call and event seen at least ${min} times)`];
  const by = new Map<string, string[]>();
  for (const g of gaps) by.set(g.entry, [...(by.get(g.entry) ?? []), `${g.outcome} (${g.count})`]);
  return [`coverage gaps (expected outcomes seen fewer than ${min} times):`, ...[...by].map(([e, os]) => `  ${e}: ${os.join(', ')}`)];
}
