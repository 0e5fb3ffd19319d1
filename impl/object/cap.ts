/**
 * The C kernel's `cap_t` bitfields for aarch32 (seL4 `include/object/structures_32.bf` and
 * `include/arch/arm/arch/32/mode/object/structures.bf`, MCS/SMP/HYP/SMMU off): a cap is two
 * words, `w0` at the lower address. Getters take the word that holds the field; `*New`
 * builders fill a caller-owned {@link CapWords} (no allocation); setters return the new word.
 *
 * Pointers are physical addresses (DESIGN.md), stored exactly where seL4 stores its
 * kernel-window pointers. A thread or reply cap holds the `tcb_t` pointer (object base +
 * 256), as in C; a TCB Zombie holds the object base (its CTE array).
 *
 * @module
 */

/** Two words of a cap, a caller-owned buffer the `*New` builders fill (`cap_t`). */
export interface CapWords {
  /** Word 0 (lower address): holds the type tag. */
  w0: number;
  /** Word 1. */
  w1: number;
}

/** A fresh, zeroed (null) cap buffer; allocate once and reuse. */
export function capWords(): CapWords {
  return { w0: 0, w1: 0 };
}

// ---- type tags (`tagged_union cap capType`) ----

/** `cap_null_cap`. */
export const CAP_NULL = 0;
/** `cap_untyped_cap`. */
export const CAP_UNTYPED = 2;
/** `cap_endpoint_cap`. */
export const CAP_ENDPOINT = 4;
/** `cap_notification_cap`. */
export const CAP_NOTIFICATION = 6;
/** `cap_reply_cap`. */
export const CAP_REPLY = 8;
/** `cap_cnode_cap`. */
export const CAP_CNODE = 10;
/** `cap_thread_cap`. */
export const CAP_THREAD = 12;
/** `cap_small_frame_cap` (4 KiB frames). */
export const CAP_SMALL_FRAME = 1;
/** `cap_frame_cap` (64 KiB, 1 MiB, 16 MiB frames). */
export const CAP_FRAME = 3;
/** `cap_asid_pool_cap`. */
export const CAP_ASID_POOL = 5;
/** `cap_page_table_cap`. */
export const CAP_PAGE_TABLE = 7;
/** `cap_page_directory_cap`. */
export const CAP_PAGE_DIRECTORY = 9;
/** `cap_asid_control_cap`. */
export const CAP_ASID_CONTROL = 11;
/** `cap_irq_control_cap` (8-bit tag). */
export const CAP_IRQ_CONTROL = 0x0e;
/** `cap_irq_handler_cap` (8-bit tag). */
export const CAP_IRQ_HANDLER = 0x1e;
/** `cap_zombie_cap` (8-bit tag). */
export const CAP_ZOMBIE = 0x2e;
/** `cap_domain_cap` (8-bit tag). */
export const CAP_DOMAIN = 0x3e;
/** `cap_sgi_signal_cap` (8-bit tag, non-SMP only). */
export const CAP_SGI_SIGNAL = 0x3f;

const TAG4_MASK = 0xf;
const TAG8_MASK = 0xff;
const TAG8_PATTERN = 0xe; // w0[3:1] = 0b111 selects the 8-bit tag
const HIGH28 = 0xfffffff0;
const HIGH27 = 0xffffffe0;
const HIGH26 = 0xffffffc0;
const BADGE_MASK = 0x0fffffff;

/** `cap_get_capType`: the 4-bit tag, or the 8-bit tag when w0[3:1] = 0b111. */
export function capGetCapType(w0: number): number {
  return (w0 & TAG8_PATTERN) === TAG8_PATTERN ? w0 & TAG8_MASK : w0 & TAG4_MASK;
}

/** `isArchCap`: odd tags are ARM caps. */
export function isArchCap(w0: number): boolean {
  return (w0 & 1) === 1;
}

/** Writes `w0`, `w1` into `out` and returns it. */
export function setCapWords(out: CapWords, w0: number, w1: number): CapWords {
  out.w0 = w0 >>> 0;
  out.w1 = w1 >>> 0;
  return out;
}

/** `cap_null_cap_new`. */
export function nullCapNew(out: CapWords): CapWords {
  return setCapWords(out, CAP_NULL, 0);
}

// ---- untyped_cap: w1 = freeIndex[31:6] isDevice[5] blockSize[4:0]; w0 = ptr[31:4] ----

/** `cap_untyped_cap_new(capFreeIndex, capIsDevice, capBlockSize, capPtr)`; free index in 16-byte units. */
export function untypedCapNew(out: CapWords, freeIndex: number, isDevice: number, blockSize: number, ptr: number): CapWords {
  return setCapWords(out, (ptr & HIGH28) | CAP_UNTYPED,
    ((freeIndex & 0x3ffffff) << 6) | ((isDevice & 1) << 5) | (blockSize & 0x1f));
}
/** `capPtr` (w0). */
export function untypedCapGetCapPtr(w0: number): number {
  return (w0 & HIGH28) >>> 0;
}
/** `capFreeIndex` (w1), in 16-byte units (`MIN_SIZE_BITS` = 4). */
export function untypedCapGetCapFreeIndex(w1: number): number {
  return w1 >>> 6;
}
/** Sets `capFreeIndex` (w1). */
export function untypedCapSetCapFreeIndex(w1: number, v: number): number {
  return ((w1 & 0x3f) | ((v & 0x3ffffff) << 6)) >>> 0;
}
/** `capIsDevice` (w1). */
export function untypedCapGetCapIsDevice(w1: number): number {
  return (w1 >>> 5) & 1;
}
/** `capBlockSize` (w1). */
export function untypedCapGetCapBlockSize(w1: number): number {
  return w1 & 0x1f;
}

// ---- endpoint_cap: w1 = ptr[31:4] grantReply[3] grant[2] receive[1] send[0]; w0 = badge[31:4] ----

/** `cap_endpoint_cap_new(badge, canGrantReply, canGrant, canSend, canReceive, ptr)`. */
export function endpointCapNew(out: CapWords, badge: number, canGrantReply: number, canGrant: number,
  canSend: number, canReceive: number, ptr: number): CapWords {
  return setCapWords(out, ((badge & BADGE_MASK) << 4) | CAP_ENDPOINT,
    (ptr & HIGH28) | ((canGrantReply & 1) << 3) | ((canGrant & 1) << 2) | ((canReceive & 1) << 1) | (canSend & 1));
}
/** `capEPPtr` (w1). */
export function endpointCapGetCapEPPtr(w1: number): number {
  return (w1 & HIGH28) >>> 0;
}
/** `capEPBadge` (w0, 28 bits). */
export function endpointCapGetCapEPBadge(w0: number): number {
  return w0 >>> 4;
}
/** Sets `capEPBadge` (w0), keeping 28 bits. */
export function endpointCapSetCapEPBadge(w0: number, badge: number): number {
  return ((w0 & 0xf) | ((badge & BADGE_MASK) << 4)) >>> 0;
}
/** `capCanGrantReply` (w1). */
export function endpointCapGetCapCanGrantReply(w1: number): number {
  return (w1 >>> 3) & 1;
}
/** `capCanGrant` (w1). */
export function endpointCapGetCapCanGrant(w1: number): number {
  return (w1 >>> 2) & 1;
}
/** `capCanReceive` (w1). */
export function endpointCapGetCapCanReceive(w1: number): number {
  return (w1 >>> 1) & 1;
}
/** `capCanSend` (w1). */
export function endpointCapGetCapCanSend(w1: number): number {
  return w1 & 1;
}
/** Sets the four right bits of an endpoint cap's w1 (Write=send, Read=receive, Grant, GrantReply). */
export function endpointCapSetRights(w1: number, canGrantReply: number, canGrant: number, canReceive: number, canSend: number): number {
  return ((w1 & HIGH28) | ((canGrantReply & 1) << 3) | ((canGrant & 1) << 2) | ((canReceive & 1) << 1) | (canSend & 1)) >>> 0;
}

// ---- notification_cap: w1 = badge[31:4] receive[1] send[0]; w0 = ptr[31:4] ----

/** `cap_notification_cap_new(badge, canReceive, canSend, ptr)`. */
export function notificationCapNew(out: CapWords, badge: number, canReceive: number, canSend: number, ptr: number): CapWords {
  return setCapWords(out, (ptr & HIGH28) | CAP_NOTIFICATION,
    ((badge & BADGE_MASK) << 4) | ((canReceive & 1) << 1) | (canSend & 1));
}
/** `capNtfnPtr` (w0). */
export function notificationCapGetCapNtfnPtr(w0: number): number {
  return (w0 & HIGH28) >>> 0;
}
/** `capNtfnBadge` (w1, 28 bits). */
export function notificationCapGetCapNtfnBadge(w1: number): number {
  return w1 >>> 4;
}
/** Sets `capNtfnBadge` (w1), keeping 28 bits. */
export function notificationCapSetCapNtfnBadge(w1: number, badge: number): number {
  return ((w1 & 0xf) | ((badge & BADGE_MASK) << 4)) >>> 0;
}
/** `capNtfnCanReceive` (w1). */
export function notificationCapGetCapNtfnCanReceive(w1: number): number {
  return (w1 >>> 1) & 1;
}
/** `capNtfnCanSend` (w1). */
export function notificationCapGetCapNtfnCanSend(w1: number): number {
  return w1 & 1;
}
/** Sets the two right bits of a notification cap's w1. */
export function notificationCapSetRights(w1: number, canReceive: number, canSend: number): number {
  return ((w1 & 0xfffffffc) | ((canReceive & 1) << 1) | (canSend & 1)) >>> 0;
}

// ---- reply_cap: w0 = tcbPtr[31:6] canGrant[5] master[4]; w1 unused ----

/** `cap_reply_cap_new(capReplyCanGrant, capReplyMaster, capTCBPtr)`; the pointer is the `tcb_t`. */
export function replyCapNew(out: CapWords, canGrant: number, master: number, tcb: number): CapWords {
  return setCapWords(out, (tcb & HIGH26) | ((canGrant & 1) << 5) | ((master & 1) << 4) | CAP_REPLY, 0);
}
/** `capTCBPtr` (w0): the `tcb_t` pointer. */
export function replyCapGetCapTCBPtr(w0: number): number {
  return (w0 & HIGH26) >>> 0;
}
/** `capReplyCanGrant` (w0). */
export function replyCapGetCapReplyCanGrant(w0: number): number {
  return (w0 >>> 5) & 1;
}
/** Sets `capReplyCanGrant` (w0). */
export function replyCapSetCapReplyCanGrant(w0: number, v: number): number {
  return ((w0 & ~0x20) | ((v & 1) << 5)) >>> 0;
}
/** `capReplyMaster` (w0). */
export function replyCapGetCapReplyMaster(w0: number): number {
  return (w0 >>> 4) & 1;
}

// ---- cnode_cap: w1 = guardSize[27:23] radix[22:18] guard[17:0]; w0 = ptr[31:5] ----

/** `cap_cnode_cap_new(capCNodeRadix, capCNodeGuardSize, capCNodeGuard, capCNodePtr)`. */
export function cnodeCapNew(out: CapWords, radix: number, guardSize: number, guard: number, ptr: number): CapWords {
  return setCapWords(out, (ptr & HIGH27) | CAP_CNODE,
    ((guardSize & 0x1f) << 23) | ((radix & 0x1f) << 18) | (guard & 0x3ffff));
}
/** `capCNodePtr` (w0). */
export function cnodeCapGetCapCNodePtr(w0: number): number {
  return (w0 & HIGH27) >>> 0;
}
/** `capCNodeRadix` (w1). */
export function cnodeCapGetCapCNodeRadix(w1: number): number {
  return (w1 >>> 18) & 0x1f;
}
/** `capCNodeGuardSize` (w1). */
export function cnodeCapGetCapCNodeGuardSize(w1: number): number {
  return (w1 >>> 23) & 0x1f;
}
/** `capCNodeGuard` (w1, 18 bits). */
export function cnodeCapGetCapCNodeGuard(w1: number): number {
  return w1 & 0x3ffff;
}
/** Sets `capCNodeGuard` and `capCNodeGuardSize` (w1). */
export function cnodeCapSetGuard(w1: number, guardSize: number, guard: number): number {
  return ((w1 & 0xf07c0000) | ((guardSize & 0x1f) << 23) | (guard & 0x3ffff)) >>> 0;
}

// ---- thread_cap: w0 = tcbPtr[31:4] ----

/** `cap_thread_cap_new(capTCBPtr)`; the pointer is the `tcb_t` (object base + 256). */
export function threadCapNew(out: CapWords, tcb: number): CapWords {
  return setCapWords(out, (tcb & HIGH28) | CAP_THREAD, 0);
}
/** `capTCBPtr` (w0): the `tcb_t` pointer. */
export function threadCapGetCapTCBPtr(w0: number): number {
  return (w0 & HIGH28) >>> 0;
}

// ---- irq_control, irq_handler, domain, asid_control ----

/** `cap_irq_control_cap_new`. */
export function irqControlCapNew(out: CapWords): CapWords {
  return setCapWords(out, CAP_IRQ_CONTROL, 0);
}
/** `cap_irq_handler_cap_new(capIRQ)`: IRQ in w1[7:0]. */
export function irqHandlerCapNew(out: CapWords, irq: number): CapWords {
  return setCapWords(out, CAP_IRQ_HANDLER, irq & 0xff);
}
/** `capIRQ` (w1). */
export function irqHandlerCapGetCapIRQ(w1: number): number {
  return w1 & 0xff;
}
/** `cap_domain_cap_new`. */
export function domainCapNew(out: CapWords): CapWords {
  return setCapWords(out, CAP_DOMAIN, 0);
}
/** `cap_asid_control_cap_new`. */
export function asidControlCapNew(out: CapWords): CapWords {
  return setCapWords(out, CAP_ASID_CONTROL, 0);
}

// ---- zombie_cap: w1 = capZombieID; w0 = zombieType[13:8] ----

/** `ZombieType_ZombieTCB` = BIT(wordRadix). */
export const ZOMBIE_TYPE_TCB = 32;
/** `TCB_CNODE_RADIX`: a TCB Zombie covers 2^4 slots' worth of id bits (5 used). */
export const TCB_CNODE_RADIX = 4;

/** `cap_zombie_cap_new(capZombieID, capZombieType)`. */
export function zombieCapNewRaw(out: CapWords, id: number, type: number): CapWords {
  return setCapWords(out, ((type & 0x3f) << 8) | CAP_ZOMBIE, id);
}
/** `Zombie_new(number, type, ptr)`: the slot count goes in the low radix+1 bits of the id. */
export function zombieNew(out: CapWords, number: number, type: number, ptr: number): CapWords {
  const m = zombieIdMask(type);
  return zombieCapNewRaw(out, ((ptr & ~m) | (number & m)) >>> 0, type);
}
/** `capZombieType` (w0): 32 for a TCB, else the CNode radix. */
export function zombieCapGetCapZombieType(w0: number): number {
  return (w0 >>> 8) & 0x3f;
}
/** `cap_zombie_cap_get_capZombieBits`: 4 for a TCB, else the CNode radix. */
export function zombieCapGetCapZombieBits(w0: number): number {
  const type = zombieCapGetCapZombieType(w0);
  return type === ZOMBIE_TYPE_TCB ? TCB_CNODE_RADIX : type & 0x1f;
}
/** `cap_zombie_cap_get_capZombieNumber`: slots still to clear. */
export function zombieCapGetCapZombieNumber(w0: number, w1: number): number {
  return (w1 & zombieIdMask(zombieCapGetCapZombieType(w0))) >>> 0;
}
/** `cap_zombie_cap_get_capZombiePtr`: the CNode, or the TCB object base (its CTEs). */
export function zombieCapGetCapZombiePtr(w0: number, w1: number): number {
  return (w1 & ~zombieIdMask(zombieCapGetCapZombieType(w0))) >>> 0;
}
/** `cap_zombie_cap_set_capZombieNumber`: returns the new w1. */
export function zombieCapSetCapZombieNumber(w0: number, w1: number, n: number): number {
  const m = zombieIdMask(zombieCapGetCapZombieType(w0));
  return ((w1 & ~m) | (n & m)) >>> 0;
}
// MASK(radix + 1) of `Zombie_new` and the zombie getters.
function zombieIdMask(type: number): number {
  const bits = (type === ZOMBIE_TYPE_TCB ? TCB_CNODE_RADIX : type & 0x1f) + 1;
  return bits >= 32 ? 0xffffffff : (2 ** bits - 1);
}

// ---- sgi_signal_cap: w1 = target; w0 = irq[11:8] ----

/** `cap_sgi_signal_cap_new(capSGITarget, capSGIIRQ)`. */
export function sgiSignalCapNew(out: CapWords, target: number, irq: number): CapWords {
  return setCapWords(out, ((irq & 0xf) << 8) | CAP_SGI_SIGNAL, target);
}
/** `capSGIIRQ` (w0). */
export function sgiSignalCapGetCapSGIIRQ(w0: number): number {
  return (w0 >>> 8) & 0xf;
}
/** `capSGITarget` (w1). */
export function sgiSignalCapGetCapSGITarget(w1: number): number {
  return w1 >>> 0;
}
