/**
 * The kernel build configuration sel4ts models: seL4 16.0.0, `ARM_verified` (classic
 * non-MCS, aarch32, one core, no hypervisor, fastpath on, 16 domains, i.MX6 Sabre Lite).
 * Values from `configs/ARM_verified.cmake` and the defaults of `config.cmake` in seL4/seL4.
 *
 * @module
 */

/** `CONFIG_ROOT_CNODE_SIZE_BITS`: radix of the root task's CNode. */
export const ROOT_CNODE_SIZE_BITS = 12;
/** `CONFIG_TIMER_TICK_MS`: modelled time per kernel tick. */
export const TIMER_TICK_MS = 2;
/** `CONFIG_TIME_SLICE`: ticks a thread runs before round robin moves on. */
export const TIME_SLICE = 5;
/** `CONFIG_NUM_PRIORITIES`. */
export const NUM_PRIORITIES = 256;
/** `seL4_MaxPrio`. */
export const MAX_PRIO = 255;
/** `CONFIG_NUM_DOMAINS`. */
export const NUM_DOMAINS = 16;
/** `CONFIG_NUM_DOMAIN_SCHEDULES`: entries of the runtime domain schedule. */
export const NUM_DOMAIN_SCHEDULES = 100;
/** `CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS`. */
export const MAX_NUM_BOOTINFO_UNTYPED_CAPS = 230;
/** `CONFIG_RESET_CHUNK_BITS`: untyped reset clears 2^8 bytes per preemption point. */
export const RESET_CHUNK_BITS = 8;
/** `CONFIG_MAX_NUM_WORK_UNITS_PER_PREEMPTION` (l4v `work_units_limit`). */
export const MAX_NUM_WORK_UNITS_PER_PREEMPTION = 100;
/** `CONFIG_RETYPE_FAN_OUT_LIMIT`: most objects one Retype may create. */
export const RETYPE_FAN_OUT_LIMIT = 256;
/** `maxIRQ` on the imx6 platform. */
export const MAX_IRQ = 159;
/** `seL4_BadgeBits`: badges are 28 bits wide. */
export const BADGE_BITS = 28;
/** `seL4_GuardBits`: CNode guards are at most 18 bits. */
export const GUARD_BITS = 18;
/** `seL4_MsgMaxLength`: message registers in a message. */
export const MSG_MAX_LENGTH = 120;
/** `seL4_MsgMaxExtraCaps`. */
export const MSG_MAX_EXTRA_CAPS = 3;
/** `seL4_SlotBits` (l4v `cte_level_bits`): a capability slot is 16 bytes. */
export const SLOT_BITS = 4;
/** `seL4_MinUntypedBits`. */
export const MIN_UNTYPED_BITS = 4;
/** `seL4_MaxUntypedBits`. */
export const MAX_UNTYPED_BITS = 29;
/** `seL4_TCBBits`: a TCB object is 512 bytes (no FPU, no debug). */
export const TCB_BITS = 9;
/** `seL4_EndpointBits`. */
export const ENDPOINT_BITS = 4;
/** `seL4_NotificationBits` (non-MCS). */
export const NOTIFICATION_BITS = 4;
/** `seL4_PageBits`: small pages and ASID pools. */
export const PAGE_BITS = 12;
/** `seL4_LargePageBits`. */
export const LARGE_PAGE_BITS = 16;
/** `seL4_SectionBits`. */
export const SECTION_BITS = 20;
/** `seL4_SuperSectionBits`. */
export const SUPER_SECTION_BITS = 24;
/** `seL4_PageTableBits`: 256 entries of 4 bytes. */
export const PAGE_TABLE_BITS = 10;
/** `seL4_PageDirBits`: 4096 entries of 4 bytes. */
export const PAGE_DIR_BITS = 14;
/** `seL4_ASIDPoolBits`. */
export const ASID_POOL_BITS = 12;
/** `seL4_NumASIDPoolsBits`: the ASID table has 128 pools. */
export const NUM_ASID_POOLS_BITS = 7;
/** `seL4_ASIDPoolIndexBits`: each pool has 1024 entries. */
export const ASID_POOL_INDEX_BITS = 10;
/** `seL4_IPCBufferSizeBits`: the IPC buffer is 512 bytes and 512-byte aligned. */
export const IPC_BUFFER_SIZE_BITS = 9;
/** `seL4_UserTop` = `pptrBase`: user mappings must lie below the kernel window. */
export const USER_TOP = 0xe0000000;
/** Slots in a TCB's own CNode (`tcbCNodeEntries`). */
export const TCB_CNODE_ENTRIES = 5;
