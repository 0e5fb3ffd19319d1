/**
 * ARMv7-A short-descriptor translation-table formats (ARM ARM B3.5), as seL4 lays them out
 * in `include/arch/arm/arch/32/mode/object/structures.bf` (`pde_*` and `pte_*` blocks).
 *
 * Two views of the same bits: allocation-free field accessors over a raw word (for the MMU
 * walk and impl/ hot paths), and decoded records with encode/decode (for spec/, tests and
 * printing). Field names follow seL4's bitfield names in TypeScript casing.
 *
 * @module
 */
import type { Word } from './word.js';

// --- Sizes.

/** log2 of a small page (`ARMSmallPage`, 4 KiB). */
export const SMALL_PAGE_BITS = 12;
/** log2 of a large page (`ARMLargePage`, 64 KiB). */
export const LARGE_PAGE_BITS = 16;
/** log2 of a section (`ARMSection`, 1 MiB). */
export const SECTION_BITS = 20;
/** log2 of a supersection (`ARMSuperSection`, 16 MiB). */
export const SUPERSECTION_BITS = 24;
/** Index bits of a first-level table (`PD_INDEX_BITS`): 4096 entries. */
export const PD_INDEX_BITS = 12;
/** Index bits of a second-level (coarse) table (`PT_INDEX_BITS`): 256 entries. */
export const PT_INDEX_BITS = 8;
/** log2 of the bytes of a first-level table (`seL4_PageDirBits`, 16 KiB). */
export const PD_SIZE_BITS = 14;
/** log2 of the bytes of a coarse table (`seL4_PageTableBits`, 1 KiB). */
export const PT_SIZE_BITS = 10;

// --- First-level descriptors (`pde_t`). Bits [1:0] give the type, as seL4's `pdeType` tag.

/** `pde_invalid`: a translation fault. seL4 stores the hardware ASID in one such entry. */
export const PDE_TYPE_FAULT = 0;
/** `pde_coarse`: points at a 256-entry second-level table. */
export const PDE_TYPE_COARSE = 1;
/** `pde_section`: a section, or a supersection when bit 18 is set. */
export const PDE_TYPE_SECTION = 2;
/** `pde_reserved`: faults on a core without the PXN extension (the Cortex-A9). */
export const PDE_TYPE_RESERVED = 3;

/** Coarse table base, bits [31:10]. */
export const PDE_COARSE_ADDRESS_MASK = 0xfffffc00;
/** Section base, bits [31:20]. */
export const PDE_SECTION_ADDRESS_MASK = 0xfff00000;
/** Supersection base, bits [31:24] (bits [23:20] and [8:5] extend the PA; unused here). */
export const PDE_SUPERSECTION_ADDRESS_MASK = 0xff000000;
/** B (bufferable), section/supersection. */
export const PDE_B_BIT = 2;
/** C (cacheable), section/supersection. */
export const PDE_C_BIT = 3;
/** XN (execute never), section/supersection. */
export const PDE_XN_BIT = 4;
/** Domain, bits [8:5], coarse and section (not supersection: those are domain 0). */
export const PDE_DOMAIN_SHIFT = 5;
/** P (ECC enable, IMPLEMENTATION DEFINED), bit 9: seL4's "parity enabled". */
export const PDE_P_BIT = 9;
/** AP[1:0], bits [11:10], section/supersection. */
export const PDE_AP_SHIFT = 10;
/** TEX[2:0], bits [14:12], section/supersection. */
export const PDE_TEX_SHIFT = 12;
/** AP[2] (APX), bit 15, section/supersection. */
export const PDE_APX_BIT = 15;
/** S (shareable), bit 16, section/supersection. */
export const PDE_S_BIT = 16;
/** nG (not global: the TLB entry is tagged with the ASID), bit 17. */
export const PDE_NG_BIT = 17;
/** Set in a section-type entry to make it a supersection (seL4's `size` field). */
export const PDE_SUPERSECTION_BIT = 18;
/** `stored_asid_valid`, bit 23 of seL4's invalid PDE in `PD_ASID_SLOT`. */
export const PDE_STORED_ASID_VALID_BIT = 23;
/** `stored_hw_asid`, bits [31:24] of seL4's invalid PDE in `PD_ASID_SLOT`. */
export const PDE_STORED_HW_ASID_SHIFT = 24;

// --- Second-level descriptors (`pte_t`). Bits [1:0]: 00 fault, 01 large page, 1x small page.

/** A translation fault. */
export const PTE_TYPE_FAULT = 0;
/** A 64 KiB large page (seL4's `pte_large`, `reserved` bit 0 set). */
export const PTE_TYPE_LARGE = 1;
/** A 4 KiB small page (seL4's `pte_small`; bit 0 is its XN). */
export const PTE_TYPE_SMALL = 2;

/** Small page base, bits [31:12]. */
export const PTE_SMALL_ADDRESS_MASK = 0xfffff000;
/** Large page base, bits [31:16]. */
export const PTE_LARGE_ADDRESS_MASK = 0xffff0000;
/** XN of a small page, bit 0. */
export const PTE_SMALL_XN_BIT = 0;
/** Set for a small page (seL4's `pteSize`), bit 1. */
export const PTE_SMALL_BIT = 1;
/** B (bufferable), bit 2. */
export const PTE_B_BIT = 2;
/** C (cacheable), bit 3. */
export const PTE_C_BIT = 3;
/** AP[1:0], bits [5:4]. */
export const PTE_AP_SHIFT = 4;
/** TEX[2:0] of a small page, bits [8:6]. */
export const PTE_SMALL_TEX_SHIFT = 6;
/** AP[2] (APX), bit 9. */
export const PTE_APX_BIT = 9;
/** S (shareable), bit 10. */
export const PTE_S_BIT = 10;
/** nG (not global), bit 11. */
export const PTE_NG_BIT = 11;
/** TEX[2:0] of a large page, bits [14:12]. */
export const PTE_LARGE_TEX_SHIFT = 12;
/** XN of a large page, bit 15. */
export const PTE_LARGE_XN_BIT = 15;

// --- Access permissions: AP[2:0] = APX:AP[1:0], with SCTLR.AFE = 0 (no access flag), every
// domain a client (ARM ARM B3.7.1, table B3-8).

/** No access at any privilege. */
export const AP_NO_ACCESS = 0b000;
/** Privileged read/write, no user access (`VMKernelOnly`). */
export const AP_KERNEL_ONLY = 0b001;
/** Privileged read/write, user read-only (`VMReadOnly`). */
export const AP_USER_READ_ONLY = 0b010;
/** Read/write at every privilege (`VMReadWrite`). */
export const AP_USER_READ_WRITE = 0b011;
/** Reserved; the model treats it as no access (the architecture makes it UNPREDICTABLE). */
export const AP_RESERVED = 0b100;
/** Privileged read-only, no user access. */
export const AP_KERNEL_READ_ONLY = 0b101;
/** Read-only at every privilege (deprecated encoding). */
export const AP_READ_ONLY_DEPRECATED = 0b110;
/** Read-only at every privilege. */
export const AP_READ_ONLY = 0b111;

/** seL4's `vm_rights_t` (`VMNoAccess`..`VMReadWrite`). */
export type VMRights = 'VMNoAccess' | 'VMKernelOnly' | 'VMReadOnly' | 'VMReadWrite';

/** seL4 `APFromVMRights` (short descriptors): the AP[1:0] a mapping gets; seL4 sets APX = 0. */
export function apFromVMRights(rights: VMRights): number {
  switch (rights) {
    case 'VMNoAccess':
      return 0;
    case 'VMKernelOnly':
      return 1;
    case 'VMReadOnly':
      return 2;
    case 'VMReadWrite':
      return 3;
  }
}

// --- Field accessors over raw words: no allocation, for the walk and impl/.

/** The type of a first-level descriptor (`PDE_TYPE_*`). */
export function pdeType(pde: Word): number {
  return pde & 3;
}
/** Whether a section-type first-level descriptor is a supersection. */
export function pdeIsSuperSection(pde: Word): boolean {
  return ((pde >>> PDE_SUPERSECTION_BIT) & 1) !== 0;
}
/** The physical base of the table a coarse first-level descriptor points at. */
export function pdeCoarseAddress(pde: Word): Word {
  return (pde & PDE_COARSE_ADDRESS_MASK) >>> 0;
}
/** The physical base of a section. */
export function pdeSectionAddress(pde: Word): Word {
  return (pde & PDE_SECTION_ADDRESS_MASK) >>> 0;
}
/** The physical base of a supersection. */
export function pdeSuperSectionAddress(pde: Word): Word {
  return (pde & PDE_SUPERSECTION_ADDRESS_MASK) >>> 0;
}
/** The domain field (coarse and section descriptors). */
export function pdeDomain(pde: Word): number {
  return (pde >>> PDE_DOMAIN_SHIFT) & 0xf;
}
/** AP[2:0] of a section or supersection. */
export function pdeAccessPermissions(pde: Word): number {
  return (((pde >>> PDE_APX_BIT) & 1) << 2) | ((pde >>> PDE_AP_SHIFT) & 3);
}
/** XN of a section or supersection. */
export function pdeXN(pde: Word): number {
  return (pde >>> PDE_XN_BIT) & 1;
}
/** nG of a section or supersection. */
export function pdeNG(pde: Word): number {
  return (pde >>> PDE_NG_BIT) & 1;
}

/** The type of a second-level descriptor (`PTE_TYPE_*`; both small encodings give SMALL). */
export function pteType(pte: Word): number {
  return (pte & (1 << PTE_SMALL_BIT)) !== 0 ? PTE_TYPE_SMALL : pte & 1;
}
/** The physical base of a small page. */
export function pteSmallAddress(pte: Word): Word {
  return (pte & PTE_SMALL_ADDRESS_MASK) >>> 0;
}
/** The physical base of a large page. */
export function pteLargeAddress(pte: Word): Word {
  return (pte & PTE_LARGE_ADDRESS_MASK) >>> 0;
}
/** AP[2:0] of a small or large page (same bits in both). */
export function pteAccessPermissions(pte: Word): number {
  return (((pte >>> PTE_APX_BIT) & 1) << 2) | ((pte >>> PTE_AP_SHIFT) & 3);
}
/** XN of a small or large page (bit 0 or bit 15 by type). */
export function pteXN(pte: Word): number {
  return pteType(pte) === PTE_TYPE_SMALL ? pte & 1 : (pte >>> PTE_LARGE_XN_BIT) & 1;
}
/** nG of a small or large page. */
export function pteNG(pte: Word): number {
  return (pte >>> PTE_NG_BIT) & 1;
}

// --- Decoded records, for spec/, tests and printing. Bits seL4 leaves as padding (NS, the
// supersection PA extension, SBZ bits) are not represented and encode as 0.

/** The attributes every mapping descriptor carries (seL4 field names, each a 0/1 or small int). */
export interface MappingAttributes {
  /** AP[2]. */ readonly apx: number;
  /** AP[1:0]. */ readonly ap: number;
  /** Execute never. */ readonly xn: number;
  /** Not global. */ readonly nG: number;
  /** TEX[2:0]. */ readonly tex: number;
  /** Cacheable. */ readonly c: number;
  /** Bufferable. */ readonly b: number;
  /** Shareable. */ readonly s: number;
}

/** seL4 `pde_invalid`: a translation fault; seL4 keeps the hardware ASID in one of them. */
export interface PdeInvalid {
  /** Variant tag. */ readonly kind: 'Invalid';
  /** `stored_hw_asid`. */ readonly storedHwAsid: number;
  /** `stored_asid_valid`. */ readonly storedAsidValid: number;
}
/** seL4 `pde_coarse`: a pointer to a second-level table. */
export interface PdeCoarse {
  /** Variant tag. */ readonly kind: 'Coarse';
  /** Physical base of the table. */ readonly address: Word;
  /** `P` (ECC enable). */ readonly p: number;
  /** Domain. */ readonly domain: number;
}
/** seL4 `pde_section` with `size` = 0: a 1 MiB section. */
export interface PdeSection extends MappingAttributes {
  /** Variant tag. */ readonly kind: 'Section';
  /** Physical base. */ readonly address: Word;
  /** `P` (ECC enable). */ readonly p: number;
  /** Domain. */ readonly domain: number;
}
/** seL4 `pde_section` with `size` = 1: a 16 MiB supersection (domain 0). */
export interface PdeSuperSection extends MappingAttributes {
  /** Variant tag. */ readonly kind: 'SuperSection';
  /** Physical base. */ readonly address: Word;
  /** `P` (ECC enable). */ readonly p: number;
}
/** seL4 `pde_reserved`: type 0b11, a translation fault on the Cortex-A9. */
export interface PdeReserved {
  /** Variant tag. */ readonly kind: 'Reserved';
}
/** A decoded first-level descriptor (seL4 `pde_t`; section and supersection split). */
export type Pde = PdeInvalid | PdeCoarse | PdeSection | PdeSuperSection | PdeReserved;

/** The all-zero (type 0b00) second-level entry: a translation fault. */
export interface PteInvalid {
  /** Variant tag. */ readonly kind: 'Invalid';
}
/** seL4 `pte_large`: a 64 KiB page. */
export interface PteLarge extends MappingAttributes {
  /** Variant tag. */ readonly kind: 'Large';
  /** Physical base. */ readonly address: Word;
}
/** seL4 `pte_small`: a 4 KiB page. */
export interface PteSmall extends MappingAttributes {
  /** Variant tag. */ readonly kind: 'Small';
  /** Physical base. */ readonly address: Word;
}
/** A decoded second-level descriptor (seL4 `pte_t`, plus the fault entry). */
export type Pte = PteInvalid | PteLarge | PteSmall;

// Where each mapping attribute sits, per descriptor kind: [apx, ap, nG, tex, xn, s] bit
// positions. C and B are bits 3 and 2 in every kind.
type Layout = readonly [number, number, number, number, number, number];
const SECTION_LAYOUT: Layout =
  [PDE_APX_BIT, PDE_AP_SHIFT, PDE_NG_BIT, PDE_TEX_SHIFT, PDE_XN_BIT, PDE_S_BIT];
const SMALL_LAYOUT: Layout =
  [PTE_APX_BIT, PTE_AP_SHIFT, PTE_NG_BIT, PTE_SMALL_TEX_SHIFT, PTE_SMALL_XN_BIT, PTE_S_BIT];
const LARGE_LAYOUT: Layout =
  [PTE_APX_BIT, PTE_AP_SHIFT, PTE_NG_BIT, PTE_LARGE_TEX_SHIFT, PTE_LARGE_XN_BIT, PTE_S_BIT];

function bit(w: Word, n: number): number {
  return (w >>> n) & 1;
}

function decodeAttributes(w: Word, [apx, ap, nG, tex, xn, s]: Layout): MappingAttributes {
  return {
    apx: bit(w, apx), ap: (w >>> ap) & 3, xn: bit(w, xn), nG: bit(w, nG),
    tex: (w >>> tex) & 7, c: bit(w, PDE_C_BIT), b: bit(w, PDE_B_BIT), s: bit(w, s),
  };
}

function encodeAttributes(a: MappingAttributes, [apx, ap, nG, tex, xn, s]: Layout): Word {
  return ((a.apx & 1) << apx) | ((a.ap & 3) << ap) | ((a.nG & 1) << nG) | ((a.tex & 7) << tex) |
    ((a.xn & 1) << xn) | ((a.s & 1) << s) | ((a.c & 1) << PDE_C_BIT) | ((a.b & 1) << PDE_B_BIT);
}

/** Decodes a first-level descriptor word. */
export function decodePde(w: Word): Pde {
  const p = bit(w, PDE_P_BIT);
  switch (pdeType(w)) {
    case PDE_TYPE_FAULT:
      return {
        kind: 'Invalid',
        storedHwAsid: w >>> PDE_STORED_HW_ASID_SHIFT,
        storedAsidValid: bit(w, PDE_STORED_ASID_VALID_BIT),
      };
    case PDE_TYPE_COARSE:
      return { kind: 'Coarse', address: pdeCoarseAddress(w), p, domain: pdeDomain(w) };
    case PDE_TYPE_SECTION:
      return pdeIsSuperSection(w)
        ? { kind: 'SuperSection', address: pdeSuperSectionAddress(w), p,
            ...decodeAttributes(w, SECTION_LAYOUT) }
        : { kind: 'Section', address: pdeSectionAddress(w), p, domain: pdeDomain(w),
            ...decodeAttributes(w, SECTION_LAYOUT) };
    default:
      return { kind: 'Reserved' };
  }
}

/** Encodes a first-level descriptor (seL4 `pde_pde_*_new`); addresses are masked to size. */
export function encodePde(pde: Pde): Word {
  switch (pde.kind) {
    case 'Invalid':
      return (((pde.storedHwAsid & 0xff) << PDE_STORED_HW_ASID_SHIFT) |
        ((pde.storedAsidValid & 1) << PDE_STORED_ASID_VALID_BIT)) >>> 0;
    case 'Coarse':
      return ((pde.address & PDE_COARSE_ADDRESS_MASK) | ((pde.p & 1) << PDE_P_BIT) |
        ((pde.domain & 0xf) << PDE_DOMAIN_SHIFT) | PDE_TYPE_COARSE) >>> 0;
    case 'Section':
      return ((pde.address & PDE_SECTION_ADDRESS_MASK) | ((pde.domain & 0xf) << PDE_DOMAIN_SHIFT) |
        ((pde.p & 1) << PDE_P_BIT) | encodeAttributes(pde, SECTION_LAYOUT) | PDE_TYPE_SECTION) >>> 0;
    case 'SuperSection':
      return ((pde.address & PDE_SUPERSECTION_ADDRESS_MASK) | (1 << PDE_SUPERSECTION_BIT) |
        ((pde.p & 1) << PDE_P_BIT) | encodeAttributes(pde, SECTION_LAYOUT) | PDE_TYPE_SECTION) >>> 0;
    case 'Reserved':
      return PDE_TYPE_RESERVED;
  }
}

/** Decodes a second-level descriptor word. */
export function decodePte(w: Word): Pte {
  switch (pteType(w)) {
    case PTE_TYPE_FAULT:
      return { kind: 'Invalid' };
    case PTE_TYPE_LARGE:
      return { kind: 'Large', address: pteLargeAddress(w), ...decodeAttributes(w, LARGE_LAYOUT) };
    default:
      return { kind: 'Small', address: pteSmallAddress(w), ...decodeAttributes(w, SMALL_LAYOUT) };
  }
}

/** Encodes a second-level descriptor (seL4 `pte_pte_small_new` / `pte_pte_large_new`). */
export function encodePte(pte: Pte): Word {
  switch (pte.kind) {
    case 'Invalid':
      return 0;
    case 'Small':
      return ((pte.address & PTE_SMALL_ADDRESS_MASK) | (1 << PTE_SMALL_BIT) |
        encodeAttributes(pte, SMALL_LAYOUT)) >>> 0;
    case 'Large':
      return ((pte.address & PTE_LARGE_ADDRESS_MASK) | PTE_TYPE_LARGE |
        encodeAttributes(pte, LARGE_LAYOUT)) >>> 0;
  }
}
