/**
 * libsel4's object invocation stubs (generated in seL4 by `syscall_stub_gen.py` from the
 * interface XML): the invoked cap in r0, the label and counts in the message info, cap
 * arguments as extra caps in `caps_or_badges`, the other arguments packed into message
 * registers in declaration order (SEL4-API.md §2, "Argument marshalling"). Every stub is a
 * Call and returns the reply's label, the `seL4_Error` (0 = `seL4_NoError`).
 *
 * @module
 */
import { LABEL } from '../../abi/labels.js';
import type { UserCode } from '../../hardware/user.js';
import { infoLabel, messageInfo, type Message, type Sel4 } from './libsel4.js';

/** `seL4_AllRights` as a `seL4_CapRights_t` word (Write, Read, Grant, GrantReply). */
export const ALL_RIGHTS_WORD = 0xf;

/** Builds a `seL4_CapRights_t` word (`seL4_CapRights_new(grantReply, grant, read, write)`). */
export function capRights(grantReply: boolean, grant: boolean, read: boolean, write: boolean): number {
  return (grantReply ? 8 : 0) | (grant ? 4 : 0) | (read ? 2 : 0) | (write ? 1 : 0);
}

/** A Call of `service` with `label`, message words `args` and extra caps `caps`; returns the reply. */
export function* invoke(l: Sel4, service: number, label: number, args: readonly number[], caps: readonly number[] = []): UserCode<Message> {
  for (let i = 0; i < caps.length; i++) yield* l.setCap(i, caps[i] ?? 0);
  return yield* l.call(service, messageInfo(label, 0, caps.length, args.length), args);
}

function* invokeError(l: Sel4, service: number, label: number, args: readonly number[], caps: readonly number[] = []): UserCode<number> {
  return infoLabel((yield* invoke(l, service, label, args, caps)).info);
}

/** `seL4_Untyped_Retype`. */
export function* untypedRetype(l: Sel4, service: number, type: number, sizeBits: number, root: number, nodeIndex: number,
  nodeDepth: number, nodeOffset: number, numObjects: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.UntypedRetype, [type, sizeBits, nodeIndex, nodeDepth, nodeOffset, numObjects], [root]);
}

/** `seL4_CNode_Copy`. */
export function* cnodeCopy(l: Sel4, service: number, destIndex: number, destDepth: number, srcRoot: number, srcIndex: number,
  srcDepth: number, rights: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.CNodeCopy, [destIndex, destDepth & 0xff, srcIndex, srcDepth & 0xff, rights], [srcRoot]);
}

/** `seL4_CNode_Mint`. */
export function* cnodeMint(l: Sel4, service: number, destIndex: number, destDepth: number, srcRoot: number, srcIndex: number,
  srcDepth: number, rights: number, badge: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.CNodeMint,
    [destIndex, destDepth & 0xff, srcIndex, srcDepth & 0xff, rights, badge], [srcRoot]);
}

/** `seL4_CNode_Move`. */
export function* cnodeMove(l: Sel4, service: number, destIndex: number, destDepth: number, srcRoot: number, srcIndex: number,
  srcDepth: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.CNodeMove, [destIndex, destDepth & 0xff, srcIndex, srcDepth & 0xff], [srcRoot]);
}

/** `seL4_CNode_Delete`. */
export function* cnodeDelete(l: Sel4, service: number, index: number, depth: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.CNodeDelete, [index, depth & 0xff]);
}

/** `seL4_CNode_Revoke`. */
export function* cnodeRevoke(l: Sel4, service: number, index: number, depth: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.CNodeRevoke, [index, depth & 0xff]);
}

/** `seL4_CNode_SaveCaller`. */
export function* cnodeSaveCaller(l: Sel4, service: number, index: number, depth: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.CNodeSaveCaller, [index, depth & 0xff]);
}

/** `seL4_TCB_Configure` (non-MCS). */
export function* tcbConfigure(l: Sel4, service: number, faultEP: number, cspaceRoot: number, cspaceRootData: number,
  vspaceRoot: number, vspaceRootData: number, buffer: number, bufferFrame: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBConfigure, [faultEP, cspaceRootData, vspaceRootData, buffer],
    [cspaceRoot, vspaceRoot, bufferFrame]);
}

/** `seL4_TCB_SetSpace` (non-MCS). */
export function* tcbSetSpace(l: Sel4, service: number, faultEP: number, cspaceRoot: number, cspaceRootData: number,
  vspaceRoot: number, vspaceRootData: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBSetSpace, [faultEP, cspaceRootData, vspaceRootData], [cspaceRoot, vspaceRoot]);
}

/** `seL4_TCB_SetIPCBuffer`. */
export function* tcbSetIPCBuffer(l: Sel4, service: number, buffer: number, bufferFrame: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBSetIPCBuffer, [buffer], [bufferFrame]);
}

/** `seL4_TCB_SetPriority`. */
export function* tcbSetPriority(l: Sel4, service: number, authority: number, priority: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBSetPriority, [priority], [authority]);
}

/** `seL4_TCB_SetMCPriority`. */
export function* tcbSetMCPriority(l: Sel4, service: number, authority: number, mcp: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBSetMCPriority, [mcp], [authority]);
}

/** `seL4_TCB_SetSchedParams` (non-MCS). */
export function* tcbSetSchedParams(l: Sel4, service: number, authority: number, mcp: number, priority: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBSetSchedParams, [mcp, priority], [authority]);
}

/**
 * `seL4_TCB_WriteRegisters`: `regs` in `seL4_UserContext` order (pc, sp, cpsr, r0, r1,
 * r8–r12, r2–r7, r14, tpidrurw, tpidruro), the first `count` of them.
 */
export function* tcbWriteRegisters(l: Sel4, service: number, resumeTarget: boolean, archFlags: number, count: number,
  regs: readonly number[]): UserCode<number> {
  const args = [(resumeTarget ? 1 : 0) | ((archFlags & 0xff) << 8), count];
  for (let i = 0; i < 19; i++) args.push(regs[i] ?? 0);
  return yield* invokeError(l, service, LABEL.TCBWriteRegisters, args);
}

/** `seL4_TCB_ReadRegisters`: the error and the first `count` registers in `seL4_UserContext` order. */
export function* tcbReadRegisters(l: Sel4, service: number, suspendSource: boolean, archFlags: number,
  count: number): UserCode<{ readonly error: number; readonly regs: number[] }> {
  const m = yield* invoke(l, service, LABEL.TCBReadRegisters, [(suspendSource ? 1 : 0) | ((archFlags & 0xff) << 8), count]);
  const error = infoLabel(m.info);
  return { error, regs: error === 0 ? yield* l.getMRs(m, count) : [] };
}

/** `seL4_TCB_Resume`. */
export function* tcbResume(l: Sel4, service: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBResume, []);
}

/** `seL4_TCB_Suspend`. */
export function* tcbSuspend(l: Sel4, service: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBSuspend, []);
}

/** `seL4_TCB_BindNotification`. */
export function* tcbBindNotification(l: Sel4, service: number, notification: number): UserCode<number> {
  return yield* invokeError(l, service, LABEL.TCBBindNotification, [], [notification]);
}
