/**
 * Capabilities of classic seL4 on 32-bit Arm (l4v `cap` and `arch_cap`,
 * `Structures_A.thy` and `ARM/Arch_Structs_A.thy`; manual §3 "Capability Spaces").
 *
 * Object references are physical addresses of the object's first byte (DESIGN.md: l4v keys
 * its heap by kernel-window pointers, which differ from these by a constant).
 *
 * @module
 */
import { match, P } from 'ts-pattern';

/** Access rights of endpoint, notification and reply caps (l4v `cap_rights`). */
export interface CapRights {
  /** `AllowRead`: may receive (Recv, Wait, Poll). */
  readonly read: boolean;
  /** `AllowWrite`: may send (Send, Call, Signal). */
  readonly write: boolean;
  /** `AllowGrant`: may transfer caps. */
  readonly grant: boolean;
  /** `AllowGrantReply`: a Call produces a reply cap even without Grant. */
  readonly grantReply: boolean;
}

/** All four rights (`seL4_AllRights`). */
export const ALL_RIGHTS: CapRights = { read: true, write: true, grant: true, grantReply: true };
/** No rights. */
export const NO_RIGHTS: CapRights = { read: false, write: false, grant: false, grantReply: false };

/** Rights of a mapping (l4v `vm_rights`); `VMNoAccess` never reaches a cap. */
export type VMRights = 'VMKernelOnly' | 'VMReadOnly' | 'VMReadWrite';

/** Frame sizes (l4v `vmpage_size`): 4 KiB, 64 KiB, 1 MiB, 16 MiB. */
export type VMPageSize = 'ARMSmallPage' | 'ARMLargePage' | 'ARMSection' | 'ARMSuperSection';

/** A CNode guard: `size` bits whose value is `value` (l4v keeps it as a bit list). */
export interface Guard {
  /** The guard bits as a number (at most 18 significant bits are ever stored). */
  readonly value: number;
  /** The number of guard bits (0..31). */
  readonly size: number;
}

/** What a Zombie stands for: a TCB, or a CNode of `bits` radix (l4v `zombie_type`). */
export type ZombieType = { readonly kind: 'ZombieTCB' } | { readonly kind: 'ZombieCNode'; readonly bits: number };

/** The (ASID, virtual address) a frame or page table is mapped at. */
export interface Mapping {
  /** The ASID of the address space. */
  readonly asid: number;
  /** The virtual address of the mapping. */
  readonly vaddr: number;
}

/**
 * A capability. `kind` names the cap as the manual and l4v do; the arch caps of ARM are
 * flattened into the same union (l4v wraps them in `ArchObjectCap`).
 */
export type Cap =
  | { readonly kind: 'NullCap' }
  | {
      readonly kind: 'UntypedCap';
      readonly isDevice: boolean;
      readonly ptr: number;
      readonly sizeBits: number;
      /** Bytes from `ptr` already handed out (l4v counts bytes; C counts 16-byte units). */
      readonly freeIndex: number;
    }
  | { readonly kind: 'EndpointCap'; readonly ptr: number; readonly badge: number; readonly rights: CapRights }
  | { readonly kind: 'NotificationCap'; readonly ptr: number; readonly badge: number; readonly rights: CapRights }
  | { readonly kind: 'ReplyCap'; readonly tcb: number; readonly isMaster: boolean; readonly rights: CapRights }
  | { readonly kind: 'CNodeCap'; readonly ptr: number; readonly bits: number; readonly guard: Guard }
  | { readonly kind: 'ThreadCap'; readonly tcb: number }
  | { readonly kind: 'DomainCap' }
  | { readonly kind: 'IRQControlCap' }
  | { readonly kind: 'IRQHandlerCap'; readonly irq: number }
  | { readonly kind: 'Zombie'; readonly ptr: number; readonly type: ZombieType; readonly number: number }
  | { readonly kind: 'ASIDControlCap' }
  | { readonly kind: 'ASIDPoolCap'; readonly ptr: number; readonly asidBase: number }
  | {
      readonly kind: 'FrameCap';
      readonly isDevice: boolean;
      readonly ptr: number;
      readonly rights: VMRights;
      readonly size: VMPageSize;
      readonly mapping: Mapping | null;
    }
  | { readonly kind: 'PageTableCap'; readonly ptr: number; readonly mapping: Mapping | null }
  | { readonly kind: 'PageDirectoryCap'; readonly ptr: number; readonly asid: number | null }
  | { readonly kind: 'SGISignalCap'; readonly irq: number; readonly target: number };

/** The kind of a cap. */
export type CapKind = Cap['kind'];

/** The cap of a given kind. */
export type CapOf<K extends CapKind> = Extract<Cap, { kind: K }>;

/** The null cap (an empty slot). */
export const NULL_CAP: Cap = { kind: 'NullCap' };

/** Whether `c` is of kind `k`, narrowing it. */
export function isCap<K extends CapKind>(c: Cap, k: K): c is CapOf<K> {
  return c.kind === k;
}

/** Whether a cap is one of ARM's arch caps (l4v `is_arch_cap`). */
export function isArchCap(c: Cap): boolean {
  return match(c)
    .with({
      kind: P.union('ASIDControlCap', 'ASIDPoolCap', 'FrameCap', 'PageTableCap', 'PageDirectoryCap', 'SGISignalCap'),
    }, () => true)
    .with({
      kind: P.union(
        'NullCap', 'UntypedCap', 'EndpointCap', 'NotificationCap', 'ReplyCap', 'CNodeCap', 'ThreadCap', 'DomainCap',
        'IRQControlCap', 'IRQHandlerCap', 'Zombie',
      ),
    }, () => false)
    .exhaustive();
}

/** log2 of the bytes of each frame size (l4v `pageBitsForSize`). */
export const PAGE_BITS_FOR_SIZE: Readonly<Record<VMPageSize, number>> = {
  ARMSmallPage: 12,
  ARMLargePage: 16,
  ARMSection: 20,
  ARMSuperSection: 24,
};
