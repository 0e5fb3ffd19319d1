/**
 * The TLB: cached translations tagged with an 8-bit hardware ASID, or global, and the
 * ARMv7 maintenance operations seL4 issues (ARM ARM B4.2.2): TLBIALL, TLBIASID, TLBIMVA and
 * TLBIMVAA (seL4 `invalidateLocalTLB`, `invalidateLocalTLB_ASID`, `invalidateLocalTLB_VAASID`).
 *
 * Structure: a direct-mapped array of `size` slots in typed arrays. A slot caches the
 * translation of one 4 KiB virtual page (for a larger mapping it also remembers the whole
 * mapping, which the invalidate-by-address operations use); its key packs the page number and
 * a tag (the ASID, or {@link GLOBAL_TAG} for a global entry) into one int, so a hit is one
 * index computation and one integer compare: no Map, no string, no allocation.
 *
 * Semantics as on hardware: a hit uses the cached translation even if the tables changed
 * since (that is what the invalidate operations are for); permissions are checked against the
 * cached entry, so a permission fault can come from the TLB. Replacement is deterministic (a
 * new fill evicts whatever held its slot), which the architecture allows and keeps runs
 * replayable.
 *
 * @module
 */
import { SMALL_PAGE_BITS } from './descriptors.js';
import type { PhysicalMemory } from './memory.js';
import { type Access, Translation, accessPermission, checkAccess, walk } from './mmu.js';

/** {@link Tlb.lookup} result: no entry for the address. */
export const TLB_MISS = -1;
/** {@link Tlb.lookup} / {@link Tlb.translate} result: a fault, described in `tlb.result`. */
export const TLB_FAULT = -2;
/** Default number of slots (the Cortex-A9 main TLB holds 128 to 512 entries). */
export const TLB_DEFAULT_SIZE = 256;
/** Number of hardware ASIDs (8 bits, CONTEXTIDR.ASID). */
export const HW_ASID_COUNT = 256;
/** The key tag of a global entry: above every hardware ASID. */
export const GLOBAL_TAG = HW_ASID_COUNT;

const TAG_BITS = 9; // holds an ASID (0..255) or GLOBAL_TAG
const TAG_MASK = (1 << TAG_BITS) - 1;
const INVALID_KEY = -1;
const INFO_PERMISSIONS = 0x3f; // the PERM_* bits
const INFO_GLOBAL = 1 << 6;
const INFO_PAGE_LEVEL = 1 << 7; // mapped by a second-level descriptor (for the fault status)
const PAGE_OFFSET_MASK = (1 << SMALL_PAGE_BITS) - 1;
const HASH_MULTIPLIER = 0x9e3779b1;

/** One live TLB slot, as {@link Tlb.entries} reports it. */
export interface TlbEntry {
  /** The slot index. */
  readonly slot: number;
  /** The ASID whose walk filled the entry. */
  readonly asid: number;
  /** Whether the entry matches every ASID (nG clear). */
  readonly global: boolean;
  /** The 4 KiB virtual page the slot translates. */
  readonly vaddr: number;
  /** The physical page it translates to. */
  readonly paddr: number;
  /** Virtual base of the whole mapping. */
  readonly vbase: number;
  /** Physical base of the whole mapping. */
  readonly pbase: number;
  /** log2 of the mapping size. */
  readonly pageBits: number;
  /** 1 for a section or supersection, 2 for a page. */
  readonly level: number;
  /** The `PERM_*` bits granted. */
  readonly permissions: number;
  /** The domain recorded for permission-fault status. */
  readonly domain: number;
}

/** A live entry that disagrees with a fresh walk (see {@link Tlb.staleEntries}). */
export interface StaleTlbEntry {
  /** The cached entry. */
  readonly entry: TlbEntry;
  /** `no-vspace`: its ASID has no tables; `unmapped`: the walk faults; `changed`: it differs. */
  readonly reason: 'no-vspace' | 'unmapped' | 'changed';
}

/** Construction options of {@link Tlb}. */
export interface TlbOptions {
  /** Number of slots, a power of two (default {@link TLB_DEFAULT_SIZE}). */
  readonly size?: number;
}

/** A hardware-ASID-tagged TLB; see the module comment. */
export class Tlb {
  /** Number of slots. */
  readonly size: number;
  /**
   * The last walk or fault: after {@link TLB_FAULT} it holds the fault (`fsr`, `far`,
   * `instruction`); after a miss that filled, the walk. A hit leaves it untouched.
   */
  readonly result = new Translation();
  private readonly mask: number;
  private readonly key: Int32Array;
  private readonly frame: Uint32Array;
  private readonly info: Uint8Array;
  private readonly domain: Uint8Array;
  private readonly apXn: Uint8Array; // AP[2:0] | XN << 3, to describe a permission fault
  private readonly descriptor: Uint32Array;
  private readonly fillAsid: Uint16Array;
  private readonly vbase: Uint32Array;
  private readonly pbase: Uint32Array;
  private readonly pageBits: Uint8Array;
  private readonly globalHash: number;

  /** Creates an empty TLB. */
  constructor(options: TlbOptions = {}) {
    const size = options.size ?? TLB_DEFAULT_SIZE;
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) {
      throw new RangeError(`TLB size ${size} must be a power of two`);
    }
    this.size = size;
    this.mask = size - 1;
    // One buffer holds every per-slot array: one allocation instead of ten. The 32-bit
    // arrays come first, then the 16-bit one, then the bytes, so each view is aligned.
    const buf = new ArrayBuffer(size * (5 * 4 + 2 + 4));
    this.key = new Int32Array(buf, 0, size).fill(INVALID_KEY);
    this.frame = new Uint32Array(buf, size * 4, size);
    this.descriptor = new Uint32Array(buf, size * 8, size);
    this.vbase = new Uint32Array(buf, size * 12, size);
    this.pbase = new Uint32Array(buf, size * 16, size);
    this.fillAsid = new Uint16Array(buf, size * 20, size);
    this.info = new Uint8Array(buf, size * 22, size);
    this.domain = new Uint8Array(buf, size * 23, size);
    this.apXn = new Uint8Array(buf, size * 24, size);
    this.pageBits = new Uint8Array(buf, size * 25, size);
    this.globalHash = Math.imul(GLOBAL_TAG, HASH_MULTIPLIER) >>> 23;
  }

  /**
   * Translates `vaddr` for `asid` (the 8-bit hardware ASID, 0..255) through the TLB, walking
   * the tables at `ttbr0` and filling on a miss. Returns the physical address, or
   * {@link TLB_FAULT} with the fault in `result`.
   */
  translate(mem: PhysicalMemory, ttbr0: number, asid: number, vaddr: number, access: Access,
    privileged = false): number {
    const vpn = vaddr >>> SMALL_PAGE_BITS;
    let i = (vpn ^ (Math.imul(asid, HASH_MULTIPLIER) >>> 23)) & this.mask;
    if (this.key[i] !== ((vpn << TAG_BITS) | asid)) {
      i = (vpn ^ this.globalHash) & this.mask;
      if (this.key[i] !== ((vpn << TAG_BITS) | GLOBAL_TAG)) {
        if (!walk(mem, ttbr0, vaddr, this.result)) {
          checkAccess(this.result, access, privileged);
          return TLB_FAULT;
        }
        i = this.fill(asid, this.result);
      }
    }
    if ((this.info[i]! & accessPermission(access, privileged)) === 0) {
      return this.permissionFault(i, vaddr, access, privileged);
    }
    return this.frame[i]! + (vaddr & PAGE_OFFSET_MASK);
  }

  /**
   * Looks `vaddr` up for `asid` without walking: the physical address on a permitted hit,
   * {@link TLB_MISS}, or {@link TLB_FAULT} when the cached entry forbids the access.
   */
  lookup(asid: number, vaddr: number, access: Access, privileged = false): number {
    const i = this.find(asid, vaddr >>> SMALL_PAGE_BITS);
    if (i < 0) return TLB_MISS;
    if ((this.info[i]! & accessPermission(access, privileged)) === 0) {
      return this.permissionFault(i, vaddr, access, privileged);
    }
    return this.frame[i]! + (vaddr & PAGE_OFFSET_MASK);
  }

  /**
   * Caches a mapped walk result (of `t.vaddr`) for `asid`, evicting the slot's previous entry;
   * a global mapping is cached for every ASID. Returns the slot.
   */
  fill(asid: number, t: Translation): number {
    if (!t.mapped) throw new RangeError('Tlb.fill: only a mapped translation can be cached');
    const vpn = t.vaddr >>> SMALL_PAGE_BITS;
    const tag = t.global ? GLOBAL_TAG : asid & (HW_ASID_COUNT - 1);
    const i = t.global ? (vpn ^ this.globalHash) & this.mask
      : (vpn ^ (Math.imul(tag, HASH_MULTIPLIER) >>> 23)) & this.mask;
    this.key[i] = (vpn << TAG_BITS) | tag;
    this.frame[i] = t.paddr - (t.vaddr & PAGE_OFFSET_MASK);
    this.info[i] = t.permissions | (t.global ? INFO_GLOBAL : 0) | (t.level === 2 ? INFO_PAGE_LEVEL : 0);
    this.domain[i] = t.domain;
    this.apXn[i] = t.ap | (t.xn << 3);
    this.descriptor[i] = t.descriptor;
    this.fillAsid[i] = asid & (HW_ASID_COUNT - 1);
    this.vbase[i] = t.vbase;
    this.pbase[i] = t.pbase;
    this.pageBits[i] = t.pageBits;
    return i;
  }

  /** TLBIALL: invalidates every entry. */
  invalidateAll(): void {
    this.key.fill(INVALID_KEY);
  }

  /** TLBIASID: invalidates the non-global entries of `asid`; global entries stay. */
  invalidateByAsid(asid: number): void {
    for (let i = 0; i < this.size; i++) {
      const k = this.key[i]!;
      if (k !== INVALID_KEY && (k & TAG_MASK) === asid) this.key[i] = INVALID_KEY;
    }
  }

  /**
   * TLBIMVA: invalidates every entry whose mapping contains `mva` and that is either global
   * or tagged `asid` (for a large mapping, every slot caching a page of it).
   */
  invalidateByAddress(asid: number, mva: number): void {
    for (let i = 0; i < this.size; i++) {
      const k = this.key[i]!;
      if (k === INVALID_KEY || !this.covers(i, mva)) continue;
      const tag = k & TAG_MASK;
      if (tag === GLOBAL_TAG || tag === asid) this.key[i] = INVALID_KEY;
    }
  }

  /** TLBIMVAA: invalidates every entry whose mapping contains `mva`, whatever its ASID. */
  invalidateByMvaAllAsids(mva: number): void {
    for (let i = 0; i < this.size; i++) {
      if (this.key[i] !== INVALID_KEY && this.covers(i, mva)) this.key[i] = INVALID_KEY;
    }
  }

  /** The live entries, in slot order. */
  entries(): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (let i = 0; i < this.size; i++) if (this.key[i] !== INVALID_KEY) out.push(this.entryAt(i));
    return out;
  }

  /**
   * Every live entry that disagrees with a fresh walk of the tables its ASID now uses
   * (`ttbrForAsid`; `undefined` means the ASID has no address space). A global entry is
   * judged against the tables of the ASID that filled it, and not judged if that ASID has
   * none. Empty means "every live TLB entry still agrees with the tables".
   */
  staleEntries(mem: PhysicalMemory, ttbrForAsid: (asid: number) => number | undefined): StaleTlbEntry[] {
    const stale: StaleTlbEntry[] = [];
    const fresh = new Translation();
    for (const entry of this.entries()) {
      const ttbr = ttbrForAsid(entry.asid);
      if (ttbr === undefined) {
        if (!entry.global) stale.push({ entry, reason: 'no-vspace' });
      } else if (!walk(mem, ttbr, entry.vaddr, fresh)) {
        stale.push({ entry, reason: 'unmapped' });
      } else if (fresh.paddr !== entry.paddr || fresh.vbase !== entry.vbase ||
        fresh.pbase !== entry.pbase || fresh.pageBits !== entry.pageBits ||
        fresh.level !== entry.level || fresh.permissions !== entry.permissions ||
        fresh.global !== entry.global || fresh.domain !== entry.domain) {
        stale.push({ entry, reason: 'changed' });
      }
    }
    return stale;
  }

  // The slot caching page `vpn` for `asid` (its own entry first, then a global one), or -1.
  private find(asid: number, vpn: number): number {
    const i = (vpn ^ (Math.imul(asid, HASH_MULTIPLIER) >>> 23)) & this.mask;
    if (this.key[i] === ((vpn << TAG_BITS) | asid)) return i;
    const g = (vpn ^ this.globalHash) & this.mask;
    return this.key[g] === ((vpn << TAG_BITS) | GLOBAL_TAG) ? g : -1;
  }

  private covers(i: number, mva: number): boolean {
    return (((mva >>> 0) - this.vbase[i]!) >>> 0) < 2 ** this.pageBits[i]!;
  }

  private entryAt(i: number): TlbEntry {
    const k = this.key[i]!;
    const info = this.info[i]!;
    return {
      slot: i,
      asid: this.fillAsid[i]!,
      global: (k & TAG_MASK) === GLOBAL_TAG,
      vaddr: ((k >>> TAG_BITS) << SMALL_PAGE_BITS) >>> 0,
      paddr: this.frame[i]!,
      vbase: this.vbase[i]!,
      pbase: this.pbase[i]!,
      pageBits: this.pageBits[i]!,
      level: (info & INFO_PAGE_LEVEL) !== 0 ? 2 : 1,
      permissions: info & INFO_PERMISSIONS,
      domain: this.domain[i]!,
    };
  }

  // Describes slot `i` in `result` as the walk would have, then records the permission fault.
  private permissionFault(i: number, vaddr: number, access: Access, privileged: boolean): number {
    const r = this.result;
    const info = this.info[i]!;
    const va = vaddr >>> 0;
    r.vaddr = va;
    r.mapped = true;
    r.vbase = this.vbase[i]!;
    r.pbase = this.pbase[i]!;
    r.pageBits = this.pageBits[i]!;
    r.paddr = this.frame[i]! + (va & PAGE_OFFSET_MASK);
    r.level = (info & INFO_PAGE_LEVEL) !== 0 ? 2 : 1;
    r.permissions = info & INFO_PERMISSIONS;
    r.global = (info & INFO_GLOBAL) !== 0;
    r.domain = this.domain[i]!;
    r.ap = this.apXn[i]! & 7;
    r.xn = this.apXn[i]! >>> 3;
    r.descriptor = this.descriptor[i]!;
    checkAccess(r, access, privileged);
    return TLB_FAULT;
  }
}
