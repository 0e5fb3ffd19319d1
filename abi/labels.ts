/**
 * Invocation labels of seL4 16.0.0 for aarch32, non-MCS (the message label, bits [31:12]
 * of the message info). Generated in seL4 from `object-api.xml`, then the aarch32 and the
 * arm files; l4v `InvocationLabels.lhs` gives the same numbering.
 *
 * @module
 */

/** Every invocation label, by its number. */
export const INVOCATION_LABELS = [
  'InvalidInvocation',
  'UntypedRetype',
  'TCBReadRegisters', 'TCBWriteRegisters', 'TCBCopyRegisters', 'TCBConfigure',
  'TCBSetPriority', 'TCBSetMCPriority', 'TCBSetSchedParams', 'TCBSetIPCBuffer', 'TCBSetSpace',
  'TCBSuspend', 'TCBResume', 'TCBBindNotification', 'TCBUnbindNotification', 'TCBSetTLSBase',
  'TCBSetFlags',
  'CNodeRevoke', 'CNodeDelete', 'CNodeCancelBadgedSends', 'CNodeCopy', 'CNodeMint',
  'CNodeMove', 'CNodeMutate', 'CNodeRotate', 'CNodeSaveCaller',
  'IRQIssueIRQHandler', 'IRQAckIRQ', 'IRQSetIRQHandler', 'IRQClearIRQHandler',
  'DomainSetSet', 'DomainScheduleConfigure', 'DomainScheduleSetStart',
  'ARMPDClean_Data', 'ARMPDInvalidate_Data', 'ARMPDCleanInvalidate_Data',
  'ARMPDUnify_Instruction',
  'ARMPageTableMap', 'ARMPageTableUnmap',
  'ARMPageMap', 'ARMPageUnmap', 'ARMPageClean_Data', 'ARMPageInvalidate_Data',
  'ARMPageCleanInvalidate_Data', 'ARMPageUnify_Instruction', 'ARMPageGetAddress',
  'ARMASIDControlMakePool', 'ARMASIDPoolAssign',
  'ARMIRQIssueIRQHandlerTrigger', 'ARMIRQIssueSGISignal',
] as const;

/** The name of an invocation label. */
export type InvocationLabel = (typeof INVOCATION_LABELS)[number];

/** The number of each invocation label. */
export const LABEL: Readonly<Record<InvocationLabel, number>> = Object.fromEntries(
  INVOCATION_LABELS.map((name, i) => [name, i]),
) as Record<InvocationLabel, number>;

/**
 * Decodes a message label; a number past the last label is `InvalidInvocation`
 * (l4v `invocation_type`).
 */
export function invocationLabel(n: number): InvocationLabel {
  return INVOCATION_LABELS[n] ?? 'InvalidInvocation';
}
