/**
 * Mapping pages, measured as sel4bench's `page_mapping` benchmark measures it: the frames and
 * the page tables that will hold them are made first (Untyped_Retype, PageTable_Map), then
 * one sample is the cost of mapping 1 page, or 2048 pages one after the other, into the root
 * task's address space with ARMPageMap. As in the `ipc` suite, the root task's programs set
 * everything up on the machine, and the measured loop then enters the kernel directly with
 * the registers libsel4's `seL4_ARM_Page_Map` would have set (r0 the frame, r1 the message
 * info, r2–r4 vaddr, rights, attributes; the page directory as the extra cap, already in the
 * IPC buffer), so the number is the kernel's cost.
 *
 * sel4bench maps fresh frames each run and revokes them afterwards, untimed. Here every
 * sample must start from the same state, so after its maps the impl loop puts back what each
 * map changed, the frame cap's two words and the page-table entry, by three word writes
 * outside the kernel (`vspace.map.reset` measures that, included in the map figures; the
 * table is clean, so no TLB entry needs to go). The spec needs no reset: each sample starts
 * from the same immutable state.
 *
 * A TLB-miss user load closes the suite: translate and read through the machine's TLB and
 * MMU over the 2048 mapped pages; the TLB is direct-mapped with fewer slots than that, and
 * consecutive pages share each slot in turn, so every access misses, walks and fills.
 *
 * Metrics: `vspace.map.{1,2048}.{ns,spec.ns}`, `vspace.map.reset.ns`,
 * `vspace.ipc.roundtrip.fastpath.ns` (the yardstick, measured in the same run),
 * `vspace.tlbMissLoad.ns` and `vspace.tlbHitLoad.ns`. {@link vspaceComparison} sets the ratio
 * of one map to the IPC round trip beside seL4's on the Sabre Lite.
 *
 * @module
 */
import { INITIAL_CAP } from '../../abi/bootinfo.js';
import { RETYPE_FAN_OUT_LIMIT, SLOT_BITS } from '../../abi/config.js';
import { LABEL } from '../../abi/labels.js';
import { OBJECT_TYPE_NUMBER } from '../../abi/objecttype.js';
import type { KernelEvent } from '../../hardware/events.js';
import { MSG_INFO_REGISTER, CAP_REGISTER, Reg } from '../../hardware/registers.js';
import { lookupPTSlot } from '../../impl/arch/arm/vspace.js';
import { pageDirectoryCapGetCapPDBasePtr } from '../../impl/object/arch-cap.js';
import { cnodeCapGetCapCNodePtr } from '../../impl/object/cap.js';
import { TCB_CTABLE } from '../../impl/object/tcb-layout.js';
import { callKernel } from '../../spec/kernel/entry.js';
import type { KernelState } from '../../spec/state/kernel-state.js';
import { withRegisters } from '../check/user-context.js';
import { ImplPort } from '../user/impl-port.js';
import { infoLabel, messageInfo } from '../user/libsel4.js';
import { ALL_RIGHTS_WORD, invoke, untypedRetype } from '../user/libsel4-invocations.js';
import { RootTask } from '../user/root-task.js';
import { SpecPort } from '../user/spec-port.js';
import { bootSystem, type KernelKind, type UserSystem } from '../user/system.js';
import type { BenchSuite, SampleOptions, Stats } from './harness.js';
import { implRoundTrips, ipcPair } from './ipc.js';

const CALL: KernelEvent = { kind: 'Syscall', syscall: 'SysCall' };

/** Where the mapped pages start: the first of the page tables made for them covers it. */
export const MAP_VBASE = 0x40000000;
/** `seL4_ARM_Default_VMAttributes` (cacheable, parity enabled). */
const DEFAULT_VM_ATTRIBUTES = 3;
const PAGES_PER_TABLE = 256;
const PAGE_SIZE = 0x1000;

/** A root task with `pages` unmapped frames and the page tables to map them, stopped and current. */
export interface MapSetup {
  /** The booted system. */
  readonly sys: UserSystem;
  /** The slot of the first frame cap; frame `i` is in slot `firstFrame + i`. */
  readonly firstFrame: number;
  /** How many frames there are. */
  readonly pages: number;
}

/** The virtual address frame `i` is mapped at. */
export function pageVaddr(i: number): number {
  return MAP_VBASE + i * PAGE_SIZE;
}

function check(what: string, err: number): void {
  if (err !== 0) throw new Error(`vspace bench set-up: ${what} failed with error ${err}`);
}

/**
 * Boots `kind`; the root task maps page tables over `pages` pages from {@link MAP_VBASE},
 * retypes `pages` small frames and leaves its page directory in the IPC buffer's first
 * extra-cap word, then stops.
 */
export function mapSetup(kind: KernelKind, pages: number): MapSetup {
  const sys = bootSystem(kind, { trace: false });
  let firstFrame = 0;
  let ready = false;
  sys.machine.load(sys.rootThread, function* (u) {
    const root = yield* RootTask.start(u, (t, p) => sys.machine.load(t, p));
    for (let t = 0; t * PAGES_PER_TABLE < pages; t++) {
      const pt = yield* root.create('PageTable');
      const reply = yield* invoke(root.sel4, pt.slot, LABEL.ARMPageTableMap,
        [pageVaddr(t * PAGES_PER_TABLE), DEFAULT_VM_ATTRIBUTES], [INITIAL_CAP.CapInitThreadVSpace]);
      check('PageTable_Map', infoLabel(reply.info));
    }
    firstFrame = root.allocSlot();
    for (let i = 1; i < pages; i++) root.allocSlot();
    for (let done = 0; done < pages; done += RETYPE_FAN_OUT_LIMIT) {
      check('Untyped_Retype', yield* untypedRetype(root.sel4, root.bootInfo.untyped.slot, OBJECT_TYPE_NUMBER.SmallPage, 0,
        INITIAL_CAP.CapInitThreadCNode, 0, 0, firstFrame + done, Math.min(RETYPE_FAN_OUT_LIMIT, pages - done)));
    }
    yield* root.sel4.setCap(0, INITIAL_CAP.CapInitThreadVSpace);
    ready = true;
    for (;;) yield* root.sel4.yield();
  });
  const r = sys.machine.run({ until: () => ready });
  if (r.reason !== 'until' || r.thread !== sys.rootThread) throw new Error(`vspace bench set-up stopped: ${r.reason}`);
  return { sys, firstFrame, pages };
}

const MAP_INFO = messageInfo(LABEL.ARMPageMap, 0, 1, 3);

/**
 * On the impl kernel: one operation maps frames `0..count-1` of `setup`, then puts back the
 * frame caps and page-table entries as they were. Checks the first map succeeds.
 */
export function implMaps(setup: MapSetup, count: number): (iterations: number) => number {
  const { k, ctes, saved, ptes } = implResetData(setup, count);
  const thread = k.ksCurThread;
  const first = setup.firstFrame;
  return (iterations) => {
    for (let it = 0; it < iterations; it++) {
      for (let i = 0; i < count; i++) {
        k.setRegister(thread, CAP_REGISTER, first + i);
        k.setRegister(thread, MSG_INFO_REGISTER, MAP_INFO);
        k.setRegister(thread, Reg.R2, MAP_VBASE + i * PAGE_SIZE);
        k.setRegister(thread, Reg.R3, ALL_RIGHTS_WORD);
        k.setRegister(thread, Reg.R4, DEFAULT_VM_ATTRIBUTES);
        k.callKernel(CALL);
      }
      resetMaps(k.mem, ctes, saved, ptes, count);
    }
    return k.getRegister(thread, MSG_INFO_REGISTER);
  };
}

/** Only the reset {@link implMaps} does after its maps (three word writes per page). */
export function implResets(setup: MapSetup, count: number): (iterations: number) => number {
  const { k, ctes, saved, ptes } = implResetData(setup, count);
  return (iterations) => {
    for (let it = 0; it < iterations; it++) resetMaps(k.mem, ctes, saved, ptes, count);
    return ptes.length;
  };
}

interface Words { read32(a: number): number; write32(a: number, v: number): void }

function resetMaps(mem: Words, ctes: Uint32Array, saved: Uint32Array, ptes: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    mem.write32(ctes[i]!, saved[2 * i]!);
    mem.write32(ctes[i]! + 4, saved[2 * i + 1]!);
    mem.write32(ptes[i]!, 0);
  }
}

// The CTE of each frame cap, its two cap words while unmapped, and its page-table entry.
function implResetData(setup: MapSetup, count: number): { k: ImplPort['kernel']; ctes: Uint32Array; saved: Uint32Array; ptes: Uint32Array } {
  if (!(setup.sys.port instanceof ImplPort)) throw new Error('not an impl system');
  const k = setup.sys.port.kernel;
  const cnode = cnodeCapGetCapCNodePtr(k.mem.read32(setup.sys.rootThread + (TCB_CTABLE << SLOT_BITS)));
  const cte = (slot: number): number => cnode + (slot << SLOT_BITS);
  const pd = pageDirectoryCapGetCapPDBasePtr(k.mem.read32(cte(INITIAL_CAP.CapInitThreadVSpace)));
  const ctes = new Uint32Array(count);
  const saved = new Uint32Array(2 * count);
  const ptes = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    ctes[i] = cte(setup.firstFrame + i);
    saved[2 * i] = k.mem.read32(ctes[i]!);
    saved[2 * i + 1] = k.mem.read32(ctes[i]! + 4);
    ptes[i] = lookupPTSlot(k, pd, pageVaddr(i));
    if (ptes[i] === 0 || k.mem.read32(ptes[i]!) !== 0) throw new Error(`vspace bench: no clean page-table entry for page ${i}`);
  }
  return { k, ctes, saved, ptes };
}

/** Maps frames `0..count-1` once on the impl kernel and leaves them mapped; throws on an error. */
export function implMapAll(setup: MapSetup, count: number): void {
  if (!(setup.sys.port instanceof ImplPort)) throw new Error('not an impl system');
  const k = setup.sys.port.kernel;
  const thread = k.ksCurThread;
  for (let i = 0; i < count; i++) {
    k.setRegister(thread, CAP_REGISTER, setup.firstFrame + i);
    k.setRegister(thread, MSG_INFO_REGISTER, MAP_INFO);
    k.setRegister(thread, Reg.R2, pageVaddr(i));
    k.setRegister(thread, Reg.R3, ALL_RIGHTS_WORD);
    k.setRegister(thread, Reg.R4, DEFAULT_VM_ATTRIBUTES);
    k.callKernel(CALL);
    check(`ARMPageMap of page ${i}`, infoLabel(k.getRegister(thread, MSG_INFO_REGISTER)));
  }
}

/** On the spec: one operation maps frames `0..count-1`, starting each time from the set-up state. */
export function specMaps(setup: MapSetup, count: number): (iterations: number) => KernelState {
  if (!(setup.sys.port instanceof SpecPort)) throw new Error('not a spec system');
  const s0 = setup.sys.port.state;
  const regs = Array.from({ length: count }, (_, i): readonly (readonly [number, number])[] => [
    [CAP_REGISTER, setup.firstFrame + i], [MSG_INFO_REGISTER, MAP_INFO], [Reg.R2, pageVaddr(i)],
    [Reg.R3, ALL_RIGHTS_WORD], [Reg.R4, DEFAULT_VM_ATTRIBUTES]]);
  const once = (): KernelState => {
    let s = s0;
    for (const r of regs) s = callKernel(withRegisters(s, s.curThread, r), CALL);
    return s;
  };
  const last = once();
  const t = last.kheap.get(last.curThread);
  check('spec ARMPageMap', t?.kind === 'TCB' ? infoLabel(t.context[MSG_INFO_REGISTER] ?? 0) : -1);
  return (iterations) => {
    let s = s0;
    for (let it = 0; it < iterations; it++) s = once();
    return s;
  };
}

/**
 * User loads through the machine's TLB and MMU over the `count` pages `setup` has mapped
 * (page by page, so each access misses when `count` exceeds the TLB's slots), or over the
 * first `count` pages again and again (hits, for `count` at most a few).
 */
export function tlbLoads(setup: MapSetup, count: number): (iterations: number) => number {
  if (!(setup.sys.port instanceof ImplPort)) throw new Error('not an impl system');
  const k = setup.sys.port.kernel;
  const mem = setup.sys.machine.memory;
  const tlb = setup.sys.machine.tlb;
  const ttbr0 = k.cpu.ttbr0 & 0xffffe000;
  const asid = k.cpu.asid;
  let page = 0;
  return (iterations) => {
    let sum = 0;
    for (let i = 0; i < iterations; i++) {
      const paddr = tlb.translate(mem, ttbr0, asid, MAP_VBASE + page * PAGE_SIZE + ((i & 63) << 2), 'read');
      if (paddr < 0) throw new Error('vspace bench: a user load faulted');
      sum = (sum + mem.read32(paddr)) | 0;
      page = page + 1 === count ? 0 : page + 1;
    }
    return sum;
  };
}

/** seL4's cycles on the Sabre Lite (Cortex-A9, 1 GHz: cycles = ns), sel4bench 2026-06-26 means. */
export const SEL4_SABRE_MAP = { map1: 1547, map2048: 1_400_000, ipcRoundTrip: 368 + 352 } as const;

/**
 * The comparison as Markdown table lines: each map figure, per page, and as a multiple of the
 * fastpath IPC round trip, beside seL4's on the Sabre Lite. Empty unless the round trip and
 * a map figure were measured.
 */
export function vspaceComparison(metrics: ReadonlyMap<string, Stats>, pages = 2048): string[] {
  const rt = metrics.get('vspace.ipc.roundtrip.fastpath.ns')?.median;
  if (rt === undefined) return [];
  const out = ['| case | sel4ts median (ns) | per page / IPC round trip | seL4 Sabre Lite (cycles) | seL4 per page / IPC round trip |',
    '|---|---:|---:|---:|---:|'];
  const row = (what: string, metric: string, n: number, sel4: number): void => {
    const m = metrics.get(metric)?.median;
    if (m === undefined) return;
    out.push(`| ${what} | ${m.toFixed(0)} | ${(m / n / rt).toFixed(2)} | ${sel4} | ${(sel4 / n / SEL4_SABRE_MAP.ipcRoundTrip).toFixed(2)} |`);
  };
  row('map 1 page', 'vspace.map.1.ns', 1, SEL4_SABRE_MAP.map1);
  row(`map ${pages} pages`, `vspace.map.${pages}.ns`, pages, SEL4_SABRE_MAP.map2048 * pages / 2048);
  out.push(`| IPC round trip (fastpath, length 0) | ${rt.toFixed(0)} | 1.00 | ${SEL4_SABRE_MAP.ipcRoundTrip} | 1.00 |`);
  return out.length > 3 ? out : [];
}

/** Options of {@link makeVspaceSuite}. */
export interface VspaceSuiteOptions {
  /** Pages of the big mapping (default 2048, as sel4bench); a multiple of 256 keeps tables full. */
  readonly pages?: number;
  /** Sampling of every metric (default the harness's; the spec's big mapping takes 15 samples). */
  readonly sampling?: SampleOptions;
  /** Print the comparison with seL4 to stderr at the end (default true). */
  readonly print?: boolean;
}

/** The `vspace` suite over `options` (see the module comment). */
export function makeVspaceSuite(options: VspaceSuiteOptions = {}): BenchSuite {
  const pages = options.pages ?? 2048;
  const sampling = options.sampling ?? {};
  return {
    name: 'vspace',
    run(ctx) {
      const metrics = new Map<string, Stats>();
      const keep = (name: string, stats: Stats | undefined): void => {
        if (stats !== undefined) metrics.set(`vspace.${name}.ns`, stats);
      };
      const impl = mapSetup('impl', pages);
      keep('map.1', ctx.measure('map.1', implMaps(impl, 1), sampling));
      keep(`map.${pages}`, ctx.measure(`map.${pages}`, implMaps(impl, pages), sampling));
      ctx.measure('map.reset', implResets(impl, 1), sampling);
      const spec = mapSetup('spec', pages);
      ctx.measure('map.1.spec', specMaps(spec, 1), sampling);
      ctx.measure(`map.${pages}.spec`, specMaps(spec, pages), { samples: 15, ...sampling });
      keep('ipc.roundtrip.fastpath', ctx.measure('ipc.roundtrip.fastpath', implRoundTrips(ipcPair('impl', 0, false, true), 0, true), sampling));
      implMapAll(impl, pages);
      ctx.measure('tlbMissLoad', tlbLoads(impl, pages), sampling);
      ctx.measure('tlbHitLoad', tlbLoads(impl, 1), sampling);
      const lines = vspaceComparison(metrics, pages);
      if ((options.print ?? true) && lines.length > 0) process.stderr.write(`\nPage mapping beside seL4:\n${lines.join('\n')}\n`);
    },
  };
}

/** The `vspace` suite: metric names `vspace.<name>.ns`. */
export const vspaceSuite: BenchSuite = makeVspaceSuite();
