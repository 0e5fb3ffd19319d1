/**
 * The MMU: the ARMv7-A short-descriptor translation table walk (ARM ARM B3.5) from TTBR0,
 * with the access-permission and execute-never checks (B3.7) and the fault status a data or
 * prefetch abort reports (B3.13, DFSR/IFSR short-descriptor format).
 *
 * The machine is configured as seL4 configures a Cortex-A9: TTBCR.N = 0 (TTBR0 translates
 * every address), SCTLR.AFE = 0 (AP[2:0] permission model, no access flag), every domain a
 * client (so domain faults never occur), no PXN and no LPAE. A table walk that reads outside
 * RAM is a synchronous external abort on the walk (never a JS exception): seL4 never builds
 * such a table, but the walk must not throw whatever the tables hold. The DFSR domain field
 * holds the first-level descriptor's domain where the architecture defines it (second-level
 * faults, section permission faults) and 0 where it is UNKNOWN (first-level translation
 * faults) or absent (supersections, and the IFSR, which has no domain field).
 *
 * Allocation: {@link translate} and {@link walk} fill a caller-supplied {@link Translation},
 * which hot paths (the TLB, the user model) keep and reuse; the success path then allocates
 * nothing. Callers that want a fresh result omit it. A `Translation` is overwritten by the
 * next walk into it: copy the fields you keep.
 *
 * @module
 */
import {
  LARGE_PAGE_BITS, PDE_TYPE_COARSE, PDE_TYPE_SECTION, PTE_TYPE_FAULT, PTE_TYPE_SMALL,
  SECTION_BITS, SMALL_PAGE_BITS, SUPERSECTION_BITS, pdeAccessPermissions, pdeCoarseAddress,
  pdeDomain, pdeIsSuperSection, pdeNG, pdeSectionAddress, pdeSuperSectionAddress, pdeXN,
  pteAccessPermissions, pteLargeAddress, pteNG, pteSmallAddress, pteType, pteXN,
} from './descriptors.js';
import type { KernelEvent } from './events.js';
import type { PhysicalMemory } from './memory.js';

/** What an access does: a data load, a data store, or an instruction fetch. */
export type Access = 'read' | 'write' | 'execute';

/** TTBR0 bits [31:14]: the first-level table base when TTBCR.N = 0; the low bits are attributes. */
export const TTBR_BASE_MASK = 0xffffc000;

// --- Permissions, as the TLB caches them: one bit per (privilege, access kind).

/** Permission bit: user-mode (PL0) read. */
export const PERM_USER_READ = 1 << 0;
/** Permission bit: user-mode write. */
export const PERM_USER_WRITE = 1 << 1;
/** Permission bit: user-mode instruction fetch. */
export const PERM_USER_EXECUTE = 1 << 2;
/** Permission bit: privileged (PL1) read; the privileged bits are the user bits shifted by 3. */
export const PERM_PRIV_READ = 1 << 3;
/** Permission bit: privileged write. */
export const PERM_PRIV_WRITE = 1 << 4;
/** Permission bit: privileged instruction fetch. */
export const PERM_PRIV_EXECUTE = 1 << 5;

const PRIV_RW = PERM_PRIV_READ | PERM_PRIV_WRITE;
const USER_RW = PERM_USER_READ | PERM_USER_WRITE;
// Read/write rights of each AP[2:0] value before XN (ARM ARM table "VMSAv7 MMU access
// permissions", SCTLR.AFE = 0), indexed by AP[2:0].
const AP_RW: readonly number[] = [
  0, //                               AP_NO_ACCESS
  PRIV_RW, //                         AP_KERNEL_ONLY (VMKernelOnly)
  PRIV_RW | PERM_USER_READ, //        AP_USER_READ_ONLY (VMReadOnly)
  PRIV_RW | USER_RW, //               AP_USER_READ_WRITE (VMReadWrite)
  0, //                               AP_RESERVED: UNPREDICTABLE, modelled as no access
  PERM_PRIV_READ, //                  AP_KERNEL_READ_ONLY
  PERM_PRIV_READ | PERM_USER_READ, // AP_READ_ONLY_DEPRECATED
  PERM_PRIV_READ | PERM_USER_READ, // AP_READ_ONLY
];

/**
 * The `PERM_*` bits an AP[2:0] value and an XN bit grant. Instructions are fetched only where
 * XN is clear and read permission exists at the current privilege (ARM ARM, "The Execute
 * Never (XN) attribute and instruction prefetching").
 */
export function permissionsOf(ap: number, xn: number): number {
  const rw = AP_RW[ap & 7] ?? 0;
  if (xn !== 0) return rw;
  const userX = (rw & PERM_USER_READ) !== 0 ? PERM_USER_EXECUTE : 0;
  const privX = (rw & PERM_PRIV_READ) !== 0 ? PERM_PRIV_EXECUTE : 0;
  return rw | userX | privX;
}

/** The `PERM_*` bit an access needs at a privilege level. */
export function accessPermission(access: Access, privileged: boolean): number {
  const user =
    access === 'read' ? PERM_USER_READ : access === 'write' ? PERM_USER_WRITE : PERM_USER_EXECUTE;
  return privileged ? user << 3 : user;
}

// --- Fault status: FS[4:0] values and the short-descriptor DFSR/IFSR layout.

/** FS: translation fault on a first-level descriptor (section). */
export const FS_TRANSLATION_SECTION = 0b00101;
/** FS: translation fault on a second-level descriptor (page). */
export const FS_TRANSLATION_PAGE = 0b00111;
/** FS: permission fault on a section or supersection. */
export const FS_PERMISSION_SECTION = 0b01101;
/** FS: permission fault on a small or large page. */
export const FS_PERMISSION_PAGE = 0b01111;
/** FS: synchronous external abort on the first-level table walk. */
export const FS_EXTERNAL_WALK_FIRST = 0b01100;
/** FS: synchronous external abort on the second-level table walk. */
export const FS_EXTERNAL_WALK_SECOND = 0b01110;
/** FSR bits [3:0] hold FS[3:0]. */
export const FSR_FS_LOW_MASK = 0xf;
/** DFSR bits [7:4]: the domain (IFSR has no domain field). */
export const FSR_DOMAIN_SHIFT = 4;
/** FSR bit 10 holds FS[4]. */
export const FSR_FS4_BIT = 10;
/** DFSR bit 11: WnR, set when a store aborted (IFSR has no WnR). */
export const FSR_WNR_BIT = 11;
/** seL4's abstract spec passes the FSR masked to 14 bits (l4v `handle_vm_fault`). */
export const SEL4_FSR_MASK = 0x3fff;

/** Builds an FSR value from FS[4:0], the domain and WnR. */
export function encodeFsr(fs: number, domain: number, wnr: boolean): number {
  return (((fs >>> 4) & 1) << FSR_FS4_BIT) | (fs & FSR_FS_LOW_MASK) |
    ((domain & 0xf) << FSR_DOMAIN_SHIFT) | (wnr ? 1 << FSR_WNR_BIT : 0);
}

/** FS[4:0] of an FSR value. */
export function fsrStatus(fsr: number): number {
  return (((fsr >>> FSR_FS4_BIT) & 1) << 4) | (fsr & FSR_FS_LOW_MASK);
}

/** The outcome of one translation, filled in place (see the module comment on reuse). */
export class Translation {
  /** The virtual address translated. */
  vaddr = 0;
  /** Whether the walk found a mapping (false: translation fault or external abort). */
  mapped = false;
  /** Whether the access may proceed: mapped and permitted. */
  ok = false;
  /** The physical address of `vaddr` (valid when `mapped`). */
  paddr = 0;
  /** Virtual base of the mapping containing `vaddr`. */
  vbase = 0;
  /** Physical base of that mapping. */
  pbase = 0;
  /** log2 of the mapping size: 12, 16, 20 or 24 (0 when not mapped). */
  pageBits = 0;
  /** 1 for a section or supersection, 2 for a small or large page. */
  level = 0;
  /** AP[2:0] of the mapping. */
  ap = 0;
  /** XN of the mapping. */
  xn = 0;
  /** The `PERM_*` bits the mapping grants. */
  permissions = 0;
  /** Whether the mapping is global (nG clear): its TLB entry matches every ASID. */
  global = false;
  /** The domain of the first-level descriptor (0 for supersections and L1 faults). */
  domain = 0;
  /** The descriptor word that mapped `vaddr` (the PDE for sections, else the PTE). */
  descriptor = 0;
  /** FS[4:0] of the fault (0 when `ok`). */
  status = 0;
  /** The FSR an abort would load into DFSR or IFSR (0 when `ok`). */
  fsr = 0;
  /** The fault address: DFAR for data, the fetch address (seL4 reports the PC) for prefetch. */
  far = 0;
  /** Whether the access was an instruction fetch (a prefetch abort, IFSR). */
  instruction = false;

  /** Bytes in the mapping (0 when not mapped). */
  get pageSize(): number {
    return this.mapped ? 2 ** this.pageBits : 0;
  }
}

function walkFault(out: Translation, status: number, domain: number): boolean {
  out.mapped = false;
  out.pageBits = 0;
  out.level = 0;
  out.permissions = 0;
  out.status = status;
  out.domain = domain;
  return false;
}

function walkMapped(out: Translation, pbase: number, pageBits: number, level: number, ap: number,
  xn: number, nG: number, domain: number, descriptor: number): boolean {
  const offset = out.vaddr & ((1 << pageBits) - 1);
  out.mapped = true;
  out.pbase = pbase;
  out.vbase = (out.vaddr - offset) >>> 0;
  out.paddr = pbase + offset;
  out.pageBits = pageBits;
  out.level = level;
  out.ap = ap;
  out.xn = xn;
  out.permissions = permissionsOf(ap, xn);
  out.global = nG === 0;
  out.domain = domain;
  out.descriptor = descriptor;
  out.status = 0;
  return true;
}

/**
 * Walks the tables at `ttbr0` for `vaddr` into `out`, without a permission check. Returns
 * whether a mapping was found; otherwise `out.status` is the translation or external fault.
 */
export function walk(mem: PhysicalMemory, ttbr0: number, vaddr: number, out: Translation): boolean {
  const va = vaddr >>> 0;
  out.vaddr = va;
  out.ok = false;
  const pdeAddr = ((ttbr0 & TTBR_BASE_MASK) | ((va >>> SECTION_BITS) << 2)) >>> 0;
  if (!mem.isRam(pdeAddr)) return walkFault(out, FS_EXTERNAL_WALK_FIRST, 0);
  const pde = mem.read32(pdeAddr);
  switch (pde & 3) {
    case PDE_TYPE_COARSE: {
      // The domain comes from the first-level entry even when the second level faults.
      const domain = pdeDomain(pde);
      const pteAddr = (pdeCoarseAddress(pde) | (((va >>> SMALL_PAGE_BITS) & 0xff) << 2)) >>> 0;
      if (!mem.isRam(pteAddr)) return walkFault(out, FS_EXTERNAL_WALK_SECOND, domain);
      const pte = mem.read32(pteAddr);
      const type = pteType(pte);
      if (type === PTE_TYPE_FAULT) return walkFault(out, FS_TRANSLATION_PAGE, domain);
      const small = type === PTE_TYPE_SMALL;
      return walkMapped(out, small ? pteSmallAddress(pte) : pteLargeAddress(pte),
        small ? SMALL_PAGE_BITS : LARGE_PAGE_BITS, 2, pteAccessPermissions(pte), pteXN(pte),
        pteNG(pte), domain, pte);
    }
    case PDE_TYPE_SECTION:
      // Supersections have no domain field: the architecture puts them in domain 0.
      return pdeIsSuperSection(pde)
        ? walkMapped(out, pdeSuperSectionAddress(pde), SUPERSECTION_BITS, 1,
          pdeAccessPermissions(pde), pdeXN(pde), pdeNG(pde), 0, pde)
        : walkMapped(out, pdeSectionAddress(pde), SECTION_BITS, 1,
          pdeAccessPermissions(pde), pdeXN(pde), pdeNG(pde), pdeDomain(pde), pde);
    default:
      // Fault (0b00) and, on a core without PXN, the reserved encoding (0b11).
      return walkFault(out, FS_TRANSLATION_SECTION, 0);
  }
}

/**
 * Completes a walk result for one access: sets `ok`, and on a fault `status`, `fsr`, `far`
 * and `instruction` as the abort would report them. Returns `ok`.
 */
export function checkAccess(t: Translation, access: Access, privileged: boolean): boolean {
  const instruction = access === 'execute';
  t.instruction = instruction;
  t.far = t.vaddr;
  if (t.mapped) {
    if ((t.permissions & accessPermission(access, privileged)) !== 0) {
      t.ok = true;
      t.status = 0;
      t.fsr = 0;
      return true;
    }
    t.status = t.level === 1 ? FS_PERMISSION_SECTION : FS_PERMISSION_PAGE;
  }
  t.ok = false;
  // IFSR has neither a domain field nor WnR.
  t.fsr = instruction
    ? encodeFsr(t.status, 0, false)
    : encodeFsr(t.status, t.domain, access === 'write');
  return false;
}

/**
 * Translates `vaddr` for one access through the tables at `ttbr0` (a hardware walk, no TLB):
 * the result says where the access goes, or the fault it raises. Fills and returns `out`.
 */
export function translate(mem: PhysicalMemory, ttbr0: number, vaddr: number, access: Access,
  privileged = false, out: Translation = new Translation()): Translation {
  walk(mem, ttbr0, vaddr, out);
  checkAccess(out, access, privileged);
  return out;
}

/** The `VMFault` kernel event a faulting translation raises (seL4 `handleVMFaultEvent`). */
export function vmFaultEvent(t: Translation): KernelEvent {
  return {
    kind: 'VMFault',
    type: t.instruction ? 'Instruction' : 'Data',
    address: t.far,
    fsr: t.fsr & SEL4_FSR_MASK,
  };
}
