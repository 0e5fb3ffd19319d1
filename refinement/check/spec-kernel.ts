/**
 * The reference the engine holds every kernel to: the spec's boot (computed once: a spec
 * state is immutable, so every run may start from the same value) and its kernel entry.
 *
 * @module
 */
import { bootSpec } from '../../spec/boot.js';
import { callKernel, callKernelWithOutcome } from '../../spec/kernel/entry.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { KernelUnderTest } from './kernel-under-test.js';
import type { SpecKernel } from './run.js';
import { specKernelUnderTest, type SpecStep } from './spec-instance.js';

let booted: KernelState | undefined;

/** The booted spec state (booted on first use). */
export function bootedSpec(): KernelState {
  booted ??= bootSpec();
  return booted;
}

/** The spec as the reference of a check. */
export const SPEC: SpecKernel = {
  boot: bootedSpec,
  step: callKernelWithOutcome,
};

/** The spec as a kernel under test (a check of the engine: it must never diverge). */
export function specAsKernel(step: SpecStep = callKernel, name = 'spec'): KernelUnderTest {
  return specKernelUnderTest(name, bootedSpec, step);
}
