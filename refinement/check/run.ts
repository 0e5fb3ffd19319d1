/**
 * One lock-step run: boot the spec and the kernel under test, then for every action write the
 * same registers and IPC-buffer words on both, take the kernel entry on both, compare (only
 * what the spec step changed, plus a whole comparison every `fullEvery` steps and at the
 * end), check the invariants on the spec state, and count the outcome. The run stops at the
 * first failure.
 *
 * @module
 */
import type { KernelEvent } from '../../hardware/events.js';
import { eventName } from '../../hardware/events.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import type { Difference } from '../diff.js';
import { formatDifference } from '../diff.js';
import type { Action } from '../generators/action.js';
import { resolveAction, type ResolvedAction } from '../generators/resolve.js';
import { checkInvariants, DEFAULT_CONTEXT, type InvariantContext, type Violation } from '../invariants/index.js';
import { nameOutcome } from './coverage.js';
import { fullDifference, incrementalDifference } from './compare.js';
import { hardwareViewMismatch, touchCurrentAddressSpace } from './hardware-view.js';
import type { KernelInstance, KernelUnderTest } from './kernel-under-test.js';
import { ipcBufferAddress, withPendingIRQ, withRegisters, withUserWords, wordRuns } from './user-context.js';

/** What a spec kernel entry reports: the entry name and its result (`ok`, an error, ...). */
export interface StepOutcome {
  /** The invocation label, syscall or event name. */
  readonly entry: string;
  /** `ok`, an seL4 error name, `Preempted`, or what `nameOutcome` (coverage.ts) tells apart. */
  readonly result: string;
}

/** The reference: the spec's boot and its kernel entry with outcome. */
export interface SpecKernel {
  /** The booted state (immutable, so it may be shared by every run). */
  boot(): KernelState;
  /** One kernel entry. */
  step(s: KernelState, e: KernelEvent): { readonly state: KernelState; readonly outcome: StepOutcome };
}

/** How a run checks. */
export interface RunOptions {
  /** The reference spec. */
  readonly spec: SpecKernel;
  /** The kernel held to it. */
  readonly kernel: KernelUnderTest;
  /** Compare whole states every this many steps (and always after boot and at the end). */
  readonly fullEvery: number;
  /** Check invariants every this many steps (and always after boot and at the end). */
  readonly invariantsEvery: number;
  /** The board the invariants assume. */
  readonly context?: InvariantContext;
}

/**
 * What went wrong: the states differ; an invariant fails; a kernel panics; the
 * implementation's memory has no abstract reading (`abstraction`: a broken MDB list, an
 * unknown cap tag); the MMU or TLB disagrees with the spec's tables (`hardware
 * view`, see hardware-view.ts); the kernel and its fastpath-off twin end an entry in different
 * concrete states (`fastpath`, see fastpath-twin.ts); or a JS exception escaped a kernel.
 */
export type FailureKind = 'divergence' | 'invariant' | 'panic' | 'abstraction' | 'hardware view' | 'fastpath' | 'exception';

/** The first failure of a run. */
export interface RunFailure {
  /** Its kind. */
  readonly kind: FailureKind;
  /** Which side: the spec, the kernel under test, or both compared. */
  readonly side: 'spec' | 'kernel' | 'both';
  /** Index of the action it happened at (-1 = at boot). */
  readonly step: number;
  /** One line saying what went wrong (the first differing field, the violated invariant, the panic). */
  readonly message: string;
  /** The first difference, for divergences. */
  readonly difference?: Difference;
  /** The violations, for invariant failures. */
  readonly violations?: readonly Violation[];
  /** The spec state where it failed (for reports). */
  readonly specState?: KernelState;
  /** The kernel's abstract state where it failed (for reports). */
  readonly kernelState?: KernelState;
}

/** One executed step. */
export interface StepRecord {
  /** The action in seL4 terms. */
  readonly text: string;
  /** The spec's outcome (absent when the step failed before it). */
  readonly outcome?: StepOutcome;
  /** The syscall or event name of the entry. */
  readonly event: string;
}

/** The result of a run. */
export interface RunResult {
  /** The steps taken (including the failing one). */
  readonly steps: readonly StepRecord[];
  /** The failure, if any. */
  readonly failure?: RunFailure;
}

/** Whether `e` is a kernel panic (of either side) and of which kind. */
function panicKind(e: unknown): FailureKind {
  if (e instanceof Error && e.name === 'KernelPanic') return 'panic';
  if (e instanceof Error && e.name === 'FastpathMismatch') return 'fastpath';
  return 'exception';
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Writes a resolved action's registers, IPC-buffer words and pending line into a spec state. */
export function applyUserWrites(s: KernelState, r: ResolvedAction): KernelState {
  let out = withRegisters(s, s.curThread, r.registers);
  const buf = ipcBufferAddress(out);
  if (buf !== undefined) for (const [off, values] of wordRuns(r.ipcWords)) out = withUserWords(out, buf + off, values);
  if (r.pendingIRQ !== null) out = withPendingIRQ(out, r.pendingIRQ);
  return out;
}

/** What user space does before an entry, done to a kernel under test (see {@link applyUserWrites}). */
export function applyToKernel(k: KernelInstance, s: KernelState, r: ResolvedAction): void {
  for (let i = 0; i < r.registers.length; i++) k.setRegister(r.registers[i]![0], r.registers[i]![1]);
  const buf = ipcBufferAddress(s);
  if (buf !== undefined) for (const [off, values] of wordRuns(r.ipcWords)) k.writeWords(buf + off, values);
  if (r.pendingIRQ !== null) k.setPendingIRQ(r.pendingIRQ);
}

/** Observes each step of a run (for progress, coverage and printing). */
export interface RunObserver {
  /** Called after each step that completed on both sides. */
  onStep?(record: StepRecord, spec: KernelState): void;
}

/** Runs `actions` in lock-step; see the module comment. */
export function runTrace(actions: readonly Action[], opts: RunOptions, observer: RunObserver = {}): RunResult {
  const ctx = opts.context ?? DEFAULT_CONTEXT;
  const steps: StepRecord[] = [];
  let kernel: KernelInstance;
  try {
    kernel = opts.kernel.boot();
  } catch (e) {
    return { steps, failure: { kind: panicKind(e), side: 'kernel', step: -1, message: `boot: ${errorText(e)}` } };
  }
  let spec = opts.spec.boot();
  const bootFailure = wholeCheck(spec, kernel, -1, ctx, true, true) ?? hardwareFailure(spec, kernel, -1);
  if (bootFailure !== undefined) return { steps, failure: bootFailure };
  // Spec states since the last invariant check: a violation found later is traced back to
  // the first step whose state breaks it.
  let sinceCheck: { state: KernelState; step: number }[] = [];
  for (let i = 0; i < actions.length; i++) {
    const r = resolveAction(spec, actions[i]!);
    const record: { text: string; event: string; outcome?: StepOutcome } = { text: r.text, event: eventName(r.event) };
    steps.push(record);
    const before = applyUserWrites(spec, r);
    applyToKernel(kernel, spec, r);
    try {
      kernel.step(r.event);
    } catch (e) {
      return { steps, failure: { kind: panicKind(e), side: 'kernel', step: i, message: `${opts.kernel.name}: ${errorText(e)}` } };
    }
    let after: KernelState;
    try {
      const out = opts.spec.step(before, r.event);
      after = out.state;
      record.outcome = nameOutcome(before, r.event, out.outcome, after);
    } catch (e) {
      return { steps, failure: { kind: panicKind(e), side: 'spec', step: i, message: `spec: ${errorText(e)}` } };
    }
    const last = i === actions.length - 1;
    const full = last || (i + 1) % opts.fullEvery === 0;
    const threads = [before.curThread, after.curThread];
    let d: Difference | undefined;
    try {
      d = full ? undefined : incrementalDifference(before, after, kernel.view(), threads);
    } catch (e) {
      const kind = e instanceof Error && e.name === 'AbstractionError' ? 'abstraction' : panicKind(e);
      return { steps, failure: { kind, side: 'kernel', step: i, message: `abstraction: ${errorText(e)}` } };
    }
    if (d !== undefined) return { steps, failure: divergence(d, i, after, kernel) };
    sinceCheck.push({ state: after, step: i });
    const invariants = last || (i + 1) % opts.invariantsEvery === 0;
    const f = wholeCheck(after, kernel, i, ctx, full, invariants) ?? hardwareFailure(after, kernel, i);
    if (f !== undefined) return { steps, failure: f.kind === 'invariant' ? firstViolation(sinceCheck, ctx, f) : f };
    if (invariants) sinceCheck = [];
    spec = after;
    observer.onStep?.(record, spec);
  }
  return { steps };
}

// The hardware-view check after an entry; when it passes, the user resumes and touches its pages.
function hardwareFailure(spec: KernelState, kernel: KernelInstance, step: number): RunFailure | undefined {
  const hw = kernel.hardwareView?.();
  if (hw === undefined) return undefined;
  const message = hardwareViewMismatch(spec, hw);
  if (message !== undefined) return { kind: 'hardware view', side: 'both', step, message, specState: spec };
  touchCurrentAddressSpace(spec, hw);
  return undefined;
}

function divergence(d: Difference, step: number, spec: KernelState, kernel: KernelInstance): RunFailure {
  return {
    kind: 'divergence', side: 'both', step, message: formatDifference(d), difference: d,
    specState: spec, kernelState: safeAbstract(kernel),
  };
}

function safeAbstract(kernel: KernelInstance): KernelState | undefined {
  try {
    return kernel.abstract();
  } catch {
    return undefined;
  }
}

function wholeCheck(spec: KernelState, kernel: KernelInstance, step: number, ctx: InvariantContext, compare: boolean, invariants: boolean): RunFailure | undefined {
  if (compare) {
    let abs: KernelState;
    try {
      abs = kernel.abstract();
    } catch (e) {
      const kind = e instanceof Error && e.name === 'AbstractionError' ? 'abstraction' : panicKind(e);
      return { kind, side: 'kernel', step, message: `abstraction: ${errorText(e)}` };
    }
    const d = fullDifference(spec, abs);
    if (d !== undefined) return { kind: 'divergence', side: 'both', step, message: formatDifference(d), difference: d, specState: spec, kernelState: abs };
  }
  if (invariants) {
    const v = checkInvariants(spec, ctx);
    if (v.length > 0) return invariantFailure(v, step, spec);
  }
  return undefined;
}

function invariantFailure(v: readonly Violation[], step: number, spec: KernelState): RunFailure {
  const first = v[0]!;
  return {
    kind: 'invariant', side: 'spec', step, violations: v, specState: spec,
    message: `${first.invariant} violated at ${first.where}: ${first.message}${v.length > 1 ? ` (+${v.length - 1} more)` : ''}`,
  };
}

// The earliest state since the last check that breaks an invariant.
function firstViolation(states: readonly { state: KernelState; step: number }[], ctx: InvariantContext, found: RunFailure): RunFailure {
  for (const { state, step } of states) {
    const v = checkInvariants(state, ctx);
    if (v.length > 0) return invariantFailure(v, step, state);
  }
  return found;
}
