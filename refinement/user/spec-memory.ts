/**
 * User memory as the spec sees it: a user access is translated through the spec's own page
 * directory and page table objects of the current thread's address space, and lands in the
 * spec state's copy-on-write frames (`machine.memory`). Device addresses, which the spec
 * does not hold, go to the machine's devices.
 *
 * The translation follows the hardware walk of `hardware/mmu.ts` (short descriptors,
 * TTBCR.N = 0, domain 0 everywhere as seL4 writes it), and a fault carries the FSR the
 * hardware would report for the descriptors the spec's objects stand for, so the kernel sees
 * the same VM fault event on either side. The address space is the one `set_vm_root` chooses:
 * the thread's page directory if its VSpace cap is assigned an ASID that still names it,
 * else the global page directory.
 *
 * @module
 */
import { AP_KERNEL_ONLY, AP_USER_READ_ONLY, AP_USER_READ_WRITE, SECTION_BITS, SMALL_PAGE_BITS } from '../../hardware/descriptors.js';
import type { PhysicalMemory } from '../../hardware/memory.js';
import {
  FS_PERMISSION_PAGE, FS_PERMISSION_SECTION, FS_TRANSLATION_PAGE, FS_TRANSLATION_SECTION, accessPermission,
  encodeFsr, permissionsOf, type Access,
} from '../../hardware/mmu.js';
import type { AccessSize, UserMemoryPort, VMFaultInfo } from '../../hardware/user.js';
import { findPDForASID } from '../../spec/kernel/vm-root.js';
import type { VMRights } from '../../spec/state/cap.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { TCB_SLOT, type VMAttributes } from '../../spec/state/object.js';

const FRAME_BITS = 12;
const FRAME_SIZE = 1 << FRAME_BITS;

// AP[2:0] seL4 writes for each mapping right (`APFromVMRights`).
const AP_OF: Readonly<Record<VMRights, number>> = {
  VMKernelOnly: AP_KERNEL_ONLY,
  VMReadOnly: AP_USER_READ_ONLY,
  VMReadWrite: AP_USER_READ_WRITE,
};

/** Where an access lands: a physical address, or the fault status (FS[4:0]) it raises. */
export type Walk = { readonly ok: true; readonly paddr: number } | { readonly ok: false; readonly status: number };

function fault(status: number): Walk {
  return { ok: false, status };
}

function mapped(paddr: number, bits: number, vaddr: number, rights: VMRights, attrs: VMAttributes,
  level: 1 | 2, access: Access): Walk {
  const perms = permissionsOf(AP_OF[rights], attrs.executeNever ? 1 : 0);
  if ((perms & accessPermission(access, false)) === 0) return fault(level === 1 ? FS_PERMISSION_SECTION : FS_PERMISSION_PAGE);
  return { ok: true, paddr: paddr + (vaddr & ((1 << bits) - 1)) };
}

/** The page directory `set_vm_root` would run the current thread on. */
export function currentPageDirectory(s: KernelState): number {
  const t = s.kheap.get(s.curThread);
  if (t?.kind !== 'TCB') return s.arch.globalPD;
  const root = t.caps[TCB_SLOT.VTable];
  if (root.kind !== 'PageDirectoryCap' || root.asid === null || root.asid === 0) return s.arch.globalPD;
  const pd = findPDForASID(s, root.asid);
  return pd.ok && pd.value === root.ptr ? root.ptr : s.arch.globalPD;
}

/** Walks the spec's tables for one user access at `vaddr`. */
export function walkSpec(s: KernelState, vaddr: number, access: Access): Walk {
  const va = vaddr >>> 0;
  const pd = s.kheap.get(currentPageDirectory(s));
  if (pd?.kind !== 'PageDirectory') return fault(FS_TRANSLATION_SECTION);
  const pde = pd.entries.get(va >>> SECTION_BITS);
  if (pde === undefined) return fault(FS_TRANSLATION_SECTION);
  switch (pde.kind) {
    case 'InvalidPDE':
      return fault(FS_TRANSLATION_SECTION);
    case 'SectionPDE':
      return mapped(pde.frame, 20, va, pde.rights, pde.attributes, 1, access);
    case 'SuperSectionPDE':
      return mapped(pde.frame, 24, va, pde.rights, pde.attributes, 1, access);
    case 'PageTablePDE': {
      const pt = s.kheap.get(pde.table);
      const pte = pt?.kind === 'PageTable' ? pt.entries.get((va >>> SMALL_PAGE_BITS) & 0xff) : undefined;
      if (pte === undefined || pte.kind === 'InvalidPTE') return fault(FS_TRANSLATION_PAGE);
      return mapped(pte.frame, pte.kind === 'SmallPagePTE' ? 12 : 16, va, pte.rights, pte.attributes, 2, access);
    }
    default: {
      const _exhaustive: never = pde;
      return _exhaustive;
    }
  }
}

/** Reads `size` bytes little endian at physical `paddr` from the spec's frames. */
export function readSpecBytes(s: KernelState, paddr: number, size: AccessSize): number {
  const frame = s.machine.memory.get(Math.floor(paddr / FRAME_SIZE));
  if (frame === undefined) return 0;
  const o = paddr % FRAME_SIZE;
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = (v << 8) | (frame[o + i] ?? 0);
  return v >>> 0;
}

/** `s` with the low `size` bytes of `value` stored little endian at physical `paddr` (copy on write). */
export function writeSpecBytes(s: KernelState, paddr: number, size: AccessSize, value: number): KernelState {
  const n = Math.floor(paddr / FRAME_SIZE);
  const old = s.machine.memory.get(n);
  const o = paddr % FRAME_SIZE;
  if (old === undefined && value === 0) return s;
  const frame = old === undefined ? new Uint8Array(FRAME_SIZE) : old.slice();
  for (let i = 0; i < size; i++) frame[o + i] = (value >>> (8 * i)) & 0xff;
  const memory = frame.every((b) => b === 0) ? s.machine.memory.delete(n) : s.machine.memory.set(n, frame);
  return { ...s, machine: { ...s.machine, memory } };
}

/** Where a {@link SpecUserMemory} finds the state it reads and writes. */
export interface SpecStateHolder {
  /** The spec state user memory is read from. */
  readonly state: KernelState;
  /** Replaces the state after a user store. */
  setState(s: KernelState): void;
}

/** A {@link UserMemoryPort} over a spec state (see the module comment). */
export class SpecUserMemory implements UserMemoryPort {
  /**
   * User memory of the state `holder` keeps; addresses outside RAM reach `devices` (the
   * machine's physical memory, whose device regions the spec leaves to the hardware).
   */
  constructor(private readonly holder: SpecStateHolder, private readonly devices: PhysicalMemory) {}

  private translate(vaddr: number, size: AccessSize, access: Access): number | VMFaultInfo {
    if ((vaddr & (size - 1)) !== 0) {
      return { kind: 'VMFault', type: 'Data', address: vaddr >>> 0, fsr: encodeFsr(1, 0, access === 'write') };
    }
    const w = walkSpec(this.holder.state, vaddr, access);
    if (w.ok) return w.paddr;
    return access === 'execute'
      ? { kind: 'VMFault', type: 'Instruction', address: vaddr >>> 0, fsr: encodeFsr(w.status, 0, false) }
      : { kind: 'VMFault', type: 'Data', address: vaddr >>> 0, fsr: encodeFsr(w.status, 0, access === 'write') };
  }

  /** A user load or fetch through the spec's tables. */
  load(vaddr: number, size: AccessSize, access: 'read' | 'execute'): number | VMFaultInfo {
    const p = this.translate(vaddr, size, access);
    if (typeof p !== 'number') return p;
    if (!this.devices.isRam(p) && this.devices.deviceAt(p) !== undefined) {
      return size === 4 ? this.devices.read32(p) : size === 2 ? this.devices.read16(p) : this.devices.read8(p);
    }
    return readSpecBytes(this.holder.state, p, size);
  }

  /** A user store through the spec's tables. */
  store(vaddr: number, size: AccessSize, value: number): VMFaultInfo | undefined {
    const p = this.translate(vaddr, size, 'write');
    if (typeof p !== 'number') return p;
    if (!this.devices.isRam(p) && this.devices.deviceAt(p) !== undefined) {
      if (size === 4) this.devices.write32(p, value);
      else if (size === 2) this.devices.write16(p, value);
      else this.devices.write8(p, value);
      return undefined;
    }
    this.holder.setState(writeSpecBytes(this.holder.state, p, size, value));
    return undefined;
  }
}
