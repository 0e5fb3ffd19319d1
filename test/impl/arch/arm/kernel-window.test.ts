import { describe, expect, it } from 'vitest';
import { DEFAULT_BOOT_PARAMS, INITIAL_CAP, PD_ASID_SLOT, SABRE_KERNEL_IMAGE } from '../../../../abi/bootinfo.js';
import { PPTR_VECTOR_TABLE, KDEV_BASE } from '../../../../abi/kernel-window.js';
import { translate } from '../../../../hardware/mmu.js';
import { bootImpl } from '../../../../impl/boot.js';
import * as A from '../../../../impl/object/arch-cap.js';

const K = bootImpl();
const ram = DEFAULT_BOOT_PARAMS.board.ramBase;
const rootPD = A.pageDirectoryCapGetCapPDBasePtr(K.mem.read32(rootVSpaceSlot()));

// The root CNode is the only CNode boot makes with more than one slot.
function rootVSpaceSlot(): number {
  for (const [addr, g] of K.ghost.entries()) if (g.kind === 'CapTable' && g.sizeBits > 4) return addr + 16 * INITIAL_CAP.CapInitThreadVSpace;
  throw new Error('no root CNode');
}

describe('map_kernel_window', () => {
  it('maps RAM from 0xe0000000 kernel-only and global, by supersections then sections', () => {
    for (const pd of [SABRE_KERNEL_IMAGE.globalPD, rootPD]) {
      const t = translate(K.mem, pd, 0xe0123456, 'write', true);
      expect([t.ok, t.paddr, t.global, t.pageBits]).toEqual([true, ram + 0x123456, true, 24]);
      expect(translate(K.mem, pd, 0xe0123456, 'read', false).ok).toBe(false);
      const s = translate(K.mem, pd, 0xff812345, 'read', true);
      expect([s.paddr, s.pageBits]).toEqual([ram + 0x1f812345, 20]);
    }
  });

  it('the global page table maps the vector page and the kernel devices', () => {
    const v = translate(K.mem, SABRE_KERNEL_IMAGE.globalPD, PPTR_VECTOR_TABLE + 8, 'execute', true);
    expect([v.ok, v.paddr]).toEqual([true, DEFAULT_BOOT_PARAMS.kernelImage.bootEnd + 8]);
    const d = translate(K.mem, rootPD, KDEV_BASE + 0x1004, 'write', true);
    expect([d.ok, d.paddr]).toEqual([true, 0x00a01004]);
    expect(K.ghost.get(SABRE_KERNEL_IMAGE.globalPT)?.kind).toBe('PageTable');
  });

  it('a new PD copies every kernel entry but the stored hardware ASID, and the root task runs on its PD', () => {
    expect(K.mem.read32(SABRE_KERNEL_IMAGE.globalPD + 4 * PD_ASID_SLOT)).not.toBe(0);
    expect(K.mem.read32(rootPD + 4 * PD_ASID_SLOT) >>> 24).toBe(K.cpu.asid);
    expect(K.cpu.translationTableBase).toBe(rootPD);
    expect(translate(K.mem, rootPD, 0x0, 'read').ok).toBe(false);
  });
});
