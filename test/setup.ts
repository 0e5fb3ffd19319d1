// Shared vitest set-up. Under mutation testing every run must use one seed, or a mutant
// "survives" merely because its run drew different inputs.
import fc from 'fast-check';

if (process.env['STRYKER_MUTATOR_WORKER'] !== undefined) {
  fc.configureGlobal({ seed: 0x5e14, endOnFailure: true });
}
