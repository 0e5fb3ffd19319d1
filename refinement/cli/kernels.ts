/**
 * The kernels `sel4ts check` and `sel4ts replay` can hold to the spec, by name.
 *
 * @module
 */
import { implKernelWith } from '../abstraction.js';
import { bootImpl } from '../../impl/boot.js';
import { implKernelWithFastpathTwin } from '../check/fastpath-twin.js';
import type { KernelUnderTest } from '../check/kernel-under-test.js';
import { specAsKernel } from '../check/spec-kernel.js';

/** Kernel names and what each is. */
export const KERNELS: Readonly<Record<string, string>> = {
  impl: 'the implementation kernel (impl/), abstracted from its memory, with a fastpath-off twin compared word for word',
  'impl-nofastpath': 'the implementation kernel with KernelFastpath off (no twin)',
  spec: 'a second spec instance (a check of the checker: it must never diverge)',
};

/** The kernel under test of a name, or throws an Error listing the names. */
export function kernelNamed(name: string): KernelUnderTest {
  switch (name) {
    case 'impl':
      return implKernelWithFastpathTwin();
    case 'impl-nofastpath':
      return implKernelWith('impl-nofastpath', () => {
        const k = bootImpl();
        k.kernelFastpath = false;
        return k;
      });
    case 'spec':
      return specAsKernel();
    default:
      throw new Error(`unknown kernel '${name}' (known: ${Object.keys(KERNELS).join(', ')})`);
  }
}
