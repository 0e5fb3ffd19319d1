/**
 * The trap entry's choice between fastpath and slowpath (seL4 `src/arch/arm/32/traps.S`
 * `arm_swi_syscall`, `src/arch/arm/c_traps.c` `c_handle_fastpath_call`,
 * `c_handle_fastpath_reply_recv`).
 *
 * @module
 */
import type { Kernel } from '../kernel/kernel.js';
import type { Syscall } from '../../hardware/events.js';
import { fastpathCall } from './call.js';
import { fastpathReplyRecv } from './reply-recv.js';

/**
 * Tries the fastpath of `syscall` (only SysCall and SysReplyRecv have one): true when it
 * handled the entry completely, false when the full kernel entry must run instead.
 */
export function fastpath(k: Kernel, syscall: Syscall): boolean {
  if (syscall === 'SysCall') return fastpathCall(k);
  if (syscall === 'SysReplyRecv') return fastpathReplyRecv(k);
  return false;
}
