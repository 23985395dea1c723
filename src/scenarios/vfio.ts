// VFIO-PCI scenarios: processes that mmap BARs of one device and touch them, and threads that
// revoke and re-enable the device's memory, with the properties of kernel.md section 9 as
// visible steps and coverage witnesses. One model per (design, scenario).
import {
  Cell, atomic, check, defineModel, kfunc, reach, type Gen, type Model, type PropertyResult, type RwSem, type Shared, type SharedObject,
  type TraceEvent, type Violation,
} from '../engine/index.js';
import {
  ARCHES, IS_ALIGNED, IS_ERR_VALUE, MAP_FIXED, MAP_SHARED, PROT_READ, PROT_WRITE, __vm_munmap, hex, mm_alloc, present_leaves,
  size_order, user_access, vm_mmap_pgoff, walk, walk_path,
  type Arch, type mm_struct, type pt_entry, type walk_hit, type file, type vm_area_struct,
} from '../linux/index.js';
import {
  VFIO_PCI_ACTIONS, bar_pfn_at, describe_state, vfio_device_open, vfio_pci_bar_pgoff, vfio_pci_bars_accessible,
  vfio_pci_core_device_alloc, type pci_bar, type vfio_design, type vfio_pci_action, type vfio_pci_core_device,
  type vfio_pci_tracepoints, type vfio_pci_variant,
} from '../drivers/vfio-pci/index.js';

const KiB = 1024;
const GiB = 1024 * 1024 * KiB;

/**
 * x86_64 with two entries per table below the PGD: PMD leaves of 2 pages, PUD leaves of 4, so that
 * faults of every order cost a few steps. The structure (levels, locks, alignment rules) is
 * x86_64's; only the sizes shrink.
 */
export const SCALED_X86_64: Arch = {
  ...ARCHES.x86_64,
  name: 'x86_64-scaled',
  pmd_size: 2 * 4 * KiB,
  pud_size: 4 * 4 * KiB,
  pgdir_size: 8 * 4 * KiB,
};

/** A free, 1 GiB aligned address; mappings are placed at whole GiB strides from it. */
const VA = 0x7f0000000000;
/** The first BAR's physical base: aligned to any leaf size. */
const BAR_BASE_PFN = 0x100000;

export interface map_spec {
  /** MAP_FIXED address */
  readonly va: number;
  readonly pages: number;
  /** BAR index (default 0) and the first page of the BAR mapped (default 0) */
  readonly bar?: number;
  readonly offset?: number;
}

/** What a process does, in order. Touches of a mapping whose mmap failed are skipped. */
export type user_op =
  | { readonly mmap: number }
  | { readonly munmap: number }
  /**
   * A load. `expect: 'sigbus'`: the device is revoked now (the ops awaited it), so the access must
   * not reach the BAR; `expect: 'reached'`: it is enabled again, so the access must succeed.
   */
  | { readonly touch: number; readonly page?: number; readonly expect?: 'sigbus' | 'reached' }
  | { readonly await: string }
  | { readonly signal: string };

/** What a device thread does; each action signals an event of its own name when it returns. */
export type device_op = { readonly do: vfio_pci_action } | { readonly await: string } | { readonly signal: string };

export interface vfio_scenario {
  readonly name: string;
  readonly description: string;
  readonly arch: 'x86_64' | 'scaled';
  /** memory BARs: index and pages */
  readonly bars: readonly { readonly index: number; readonly pages: number }[];
  /** processes: each opens its own fd of the device and has its own mm */
  readonly procs: readonly { readonly maps: readonly map_spec[]; readonly ops: readonly user_op[] }[];
  readonly device: readonly { readonly name: string; readonly ops: readonly device_op[] }[];
  /** check the BAR mappings at every revocation, memory_lock still held (the `revoked` tracepoint) */
  readonly zapper_check?: boolean;
  /** count mmap(2) calls in flight, for the witness 'zap inside the mmap window' */
  readonly window?: boolean;
  /**
   * A thread that walks i_mmap under i_mmap_rwsem (read), as the zap does, and checks that i_mmap
   * does not change meanwhile and that no present BAR entry lies outside the VMAs it sees.
   */
  readonly rmap_walker?: boolean;
  readonly witnesses: readonly string[];
}

export interface vfio_proc {
  readonly name: string;
  readonly mm: mm_struct;
  readonly file: file;
}

export interface vfio_world {
  readonly scenario: vfio_scenario;
  readonly vdev: vfio_pci_core_device;
  readonly procs: readonly vfio_proc[];
  readonly events: ReadonlyMap<string, Cell<boolean>>;
  /** per process: mmap(2) calls in flight (per process, so that processes do not conflict on it) */
  readonly window: readonly Cell<number>[] | null;
  /** the page-table entries on the walk of every mapped page of every process */
  readonly watched: readonly SharedObject[];
}

/** Thread names: `user` (or `user0`, `user1`, ...) and the device threads' own. */
function user_name(s: vfio_scenario, p: number): string {
  return s.procs.length === 1 ? 'user' : `user${p}`;
}

function arch_of(s: vfio_scenario): Arch {
  return s.arch === 'scaled' ? SCALED_X86_64 : ARCHES.x86_64;
}

function bars_of(s: vfio_scenario): pci_bar[] {
  let pfn = BAR_BASE_PFN;
  return s.bars.map((b) => {
    const bar = { index: b.index, start_pfn: pfn, pages: b.pages, mmap_supported: true };
    pfn += 2 ** 18; // the next BAR, 1 GiB on
    return bar;
  });
}

function bar_of_pfn(vdev: vfio_pci_core_device, pfn: number): pci_bar | undefined {
  return vdev.bars.find((b) => pfn >= b.start_pfn && pfn < b.start_pfn + b.pages);
}

function map_pgoff(arch: Arch, m: map_spec): number {
  return vfio_pci_bar_pgoff(arch, m.bar ?? 0, m.offset ?? 0);
}

/** The mapping (of this process) that covers va. */
function map_at(arch: Arch, maps: readonly map_spec[], va: number): map_spec | undefined {
  return maps.find((m) => va >= m.va && va < m.va + m.pages * arch.page_size);
}

/** The PFN that va of mapping m must map (PFN linearity). */
function expected_pfn(vdev: vfio_pci_core_device, m: map_spec, va: number): number {
  const arch = vdev.arch;
  const bar = vdev.bars.find((b) => b.index === (m.bar ?? 0))!;
  return bar_pfn_at(arch, bar.start_pfn, { vm_start: m.va, vm_end: m.va + m.pages * arch.page_size, vm_pgoff: map_pgoff(arch, m) }, va);
}

interface leaf_fact {
  readonly proc: number;
  readonly level: 'pte' | 'pmd' | 'pud';
  readonly start: number;
  readonly end: number;
  /** the PFN at start */
  readonly pfn: number;
}

/** A failing property and what is wrong, or null. */
type finding = { readonly property: string; readonly message: string } | null;

/**
 * The three state properties over the given leaves: no present leaf of a BAR while the device
 * is inaccessible; every leaf inside a VMA of its mm that is in the device inode's i_mmap;
 * PFN linearity, and huge leaves aligned and inside their VMA.
 */
function judge(w: vfio_world, leaves: readonly leaf_fact[]): finding {
  const { vdev, scenario } = w;
  const arch = vdev.arch;
  const s = vdev.state.value;
  const linked = vdev.inode.i_mmap.value;
  for (const l of leaves) {
    const who = w.procs[l.proc].name;
    if (bar_of_pfn(vdev, l.pfn) && !vfio_pci_bars_accessible(s)) {
      return { property: 'no stale device mapping', message: `${who} has a present ${l.level} entry at ${hex(l.start)} for PFN ${hex(l.pfn)} while the device is ${describe_state(s)}` };
    }
  }
  const unlinked = linked_finding(w, leaves, linked);
  if (unlinked) return unlinked;
  for (const l of leaves) {
    const maps = scenario.procs[l.proc].maps;
    const m = map_at(arch, maps, l.start);
    const bad = !m ? 'lies in no mapping'
      : l.end > m.va + m.pages * arch.page_size ? 'ends beyond its VMA'
        : l.pfn !== expected_pfn(vdev, m, l.start) ? 'maps the wrong PFN'
          : !IS_ALIGNED(l.pfn, 2 ** size_order(arch, l.end - l.start)) ? 'has an unaligned PFN' : null;
    if (bad) return { property: 'PFN linearity and leaf shape', message: `the ${l.level} leaf of ${w.procs[l.proc].name} at ${hex(l.start)} (PFN ${hex(l.pfn)}) ${bad}` };
  }
  return null;
}

/** Every leaf must lie inside a VMA of its mm in the device inode's i_mmap (`linked`). */
function linked_finding(w: vfio_world, leaves: readonly leaf_fact[], linked: readonly vm_area_struct[]): finding {
  for (const l of leaves) {
    const mm = w.procs[l.proc].mm;
    if (!linked.some((v) => v.vm_mm === mm && v.vm_start <= l.start && l.end <= v.vm_end)) {
      return { property: 'leaves only in linked VMAs', message: `${w.procs[l.proc].name} has a present ${l.level} entry at ${hex(l.start)} outside every VMA in ${w.vdev.inode.name}'s i_mmap` };
    }
  }
  return null;
}

/** Leaves on the watched walks (inside a step that reads them). */
function watched_leaves(w: vfio_world): leaf_fact[] {
  const arch = w.vdev.arch;
  const out: leaf_fact[] = [];
  w.procs.forEach((p, i) => {
    const seen = new Set<number>();
    for (const m of w.scenario.procs[i].maps) {
      for (let k = 0; k < m.pages; k++) {
        const h: walk_hit | null = walk(p.mm, m.va + k * arch.page_size);
        if (!h || seen.has(h.base)) continue;
        seen.add(h.base);
        out.push({ proc: i, level: h.level, start: h.base, end: h.base + p.mm.pgtables.span(h.level), pfn: h.leaf.pfn });
      }
    }
  });
  return out;
}

// The `revoked` tracepoint's property check: memory_lock held for write, the BARs inaccessible.
const check_revoked_bars = kfunc('check: no BAR entry while revoked', function* (w: vfio_world): Gen {
  const reads = [w.vdev.state, w.vdev.inode.i_mmap, ...w.watched];
  const f = yield* atomic({ reads }, 'read every BAR mapping', () => judge(w, watched_leaves(w)));
  if (f) yield* check(reads, f.property, () => f.message);
});

const NOTE_WINDOW = 'note: mmap in flight?';
const WINDOW_CELL = 'mmaps in flight';

// The `zapped` tracepoint's coverage: was an mmap(2) in flight?
const note_window = kfunc(NOTE_WINDOW, function* (w: vfio_world): Gen {
  const cells = w.window!;
  if (yield* atomic({ reads: cells }, 'mmaps in flight', () => cells.some((c) => c.value > 0))) reach('zap inside the mmap window');
});

function* user_mmap(w: vfio_world, p: number, i: number): Gen<boolean> {
  const proc = w.procs[p];
  const m = w.scenario.procs[p].maps[i];
  const arch = w.vdev.arch;
  if (w.window) yield* w.window[p].update((n) => n + 1);
  const addr = yield* vm_mmap_pgoff(proc.mm, proc.file, m.va, m.pages * arch.page_size, PROT_READ | PROT_WRITE,
    MAP_SHARED | MAP_FIXED, map_pgoff(arch, m));
  if (w.window) yield* w.window[p].update((n) => n - 1);
  if (IS_ERR_VALUE(addr)) reach('mmap failed');
  return !IS_ERR_VALUE(addr);
}

function* user_touch(w: vfio_world, p: number, op: Extract<user_op, { touch: number }>): Gen {
  const m = w.scenario.procs[p].maps[op.touch];
  const va = m.va + (op.page ?? 0) * w.vdev.arch.page_size;
  const r = yield* user_access(w.procs[p].mm, va);
  const who = w.procs[p].name;
  if (r.kind === 'sigbus') reach('SIGBUS');
  if (r.kind === 'reached') reach(`${r.hit.level.toUpperCase()} leaf reached`);
  if (op.expect === 'sigbus' && r.kind === 'reached' && bar_of_pfn(w.vdev, r.hit.pfn)) {
    const state = w.vdev.state;
    yield* check([state], 'no stale device mapping', () =>
      `${who}'s touch at ${hex(va)} reached PFN ${hex(r.hit.pfn)} of the revoked BAR (device ${describe_state(state.value)})`);
  }
  if (op.expect !== 'reached') return;
  if (r.kind === 'reached' && r.faults > 0) reach('refill after re-enable');
  if (r.kind !== 'reached') {
    yield* check([w.vdev.state], 'fault succeeds after re-enable', () => `${who}'s touch at ${hex(va)} after the re-enable ended in ${r.kind}`);
  }
}

function* user_thread(w: vfio_world, p: number): Gen {
  const proc = w.procs[p];
  const ops = w.scenario.procs[p].ops;
  const arch = w.vdev.arch;
  const mapped: boolean[] = [];
  for (const op of ops) {
    if ('mmap' in op) mapped[op.mmap] = yield* user_mmap(w, p, op.mmap);
    else if ('munmap' in op) {
      const m = w.scenario.procs[p].maps[op.munmap];
      yield* __vm_munmap(proc.mm, m.va, m.pages * arch.page_size, true);
      mapped[op.munmap] = false;
    } else if ('touch' in op) {
      if (mapped[op.touch]) yield* user_touch(w, p, op);
    } else if ('await' in op) yield* w.events.get(op.await)!.until(done, `wait for ${op.await}`);
    else yield* w.events.get(op.signal)!.write(true);
  }
}

const done = (v: boolean): boolean => v;

function* device_thread(w: vfio_world, d: number): Gen {
  for (const op of w.scenario.device[d].ops) {
    if ('do' in op) {
      yield* VFIO_PCI_ACTIONS[op.do].run(w.vdev);
      yield* w.events.get(op.do)!.write(true);
    } else if ('await' in op) yield* w.events.get(op.await)!.until(done, `wait for ${op.await}`);
    else yield* w.events.get(op.signal)!.write(true);
  }
}

// An rmap walker (like rmap_walk_file and the zap): under i_mmap_rwsem (read) i_mmap must not
// change, and the VMAs it lists must hold every present entry of the device.
const rmap_walker = kfunc('rmap walk', function* (w: vfio_world): Gen {
  const mapping = w.vdev.inode;
  yield* mapping.i_mmap_rwsem.readLock();
  const reads = [mapping.i_mmap, ...w.watched];
  const [before, f] = yield* atomic({ reads }, 'i_mmap and the page tables', () =>
    [mapping.i_mmap.value, linked_finding(w, watched_leaves(w), mapping.i_mmap.value)] as const);
  if (f) yield* check(reads, f.property, () => f.message);
  yield* check([mapping.i_mmap], 'i_mmap discipline', () =>
    mapping.i_mmap.value === before || 'i_mmap changed while i_mmap_rwsem was held for read');
  yield* mapping.i_mmap_rwsem.readUnlock();
});

/** The names of the events a scenario's threads signal and await. */
function event_names(s: vfio_scenario): string[] {
  const names = new Set<string>();
  for (const d of s.device) for (const op of d.ops) names.add('do' in op ? op.do : 'await' in op ? op.await : op.signal);
  for (const p of s.procs) for (const op of p.ops) if ('await' in op) names.add(op.await); else if ('signal' in op) names.add(op.signal);
  return [...names];
}

/** A plain picture of the state, for explanations: locks, device, VMAs and leaves. */
export interface vfio_snapshot {
  readonly device: string;
  readonly accessible: boolean;
  /** name: as a sentence says it; object: the engine object's name */
  readonly locks: readonly { readonly name: string; readonly object: string; readonly writer: number; readonly readers: readonly number[] }[];
  readonly procs: readonly {
    readonly name: string;
    readonly vmas: readonly { readonly start: number; readonly end: number; readonly in_tree: boolean; readonly linked: boolean }[];
    readonly leaves: readonly { readonly level: string; readonly start: number; readonly pfn: number; readonly bar: boolean }[];
  }[];
}

function lock_state(name: string, sem: RwSem): vfio_snapshot['locks'][number] {
  const readers: number[] = [];
  sem.readers.forEach((n, tid) => { if (n > 0) readers.push(tid); });
  return { name, object: sem.name, writer: sem.writer, readers };
}

function snapshot(w: vfio_world): vfio_snapshot {
  const linked = w.vdev.inode.i_mmap.value;
  const vmas_of = (mm: mm_struct): vm_area_struct[] => {
    const all = new Set([...mm.mm_mt.value, ...linked.filter((v) => v.vm_mm === mm)]);
    return [...all].sort((a, b) => a.vm_start - b.vm_start);
  };
  return {
    device: describe_state(w.vdev.state.value),
    accessible: vfio_pci_bars_accessible(w.vdev.state.value),
    locks: [
      lock_state('memory_lock', w.vdev.memory_lock),
      lock_state('i_mmap_rwsem', w.vdev.inode.i_mmap_rwsem),
      ...w.procs.map((p) => lock_state(`${p.name}'s mmap_lock`, p.mm.mmap_lock)),
    ],
    procs: w.procs.map((p) => ({
      name: p.name,
      vmas: vmas_of(p.mm).map((v) => ({ start: v.vm_start, end: v.vm_end, in_tree: p.mm.mm_mt.value.includes(v), linked: linked.includes(v) })),
      leaves: present_leaves(p.mm).map((l) => ({ level: l.level, start: l.start, pfn: l.pfn, bar: !!bar_of_pfn(w.vdev, l.pfn) })),
    })),
  };
}

/** The coverage instrumentation of the scenarios, which CPU-column tables leave out. */
export function hides_from_columns(e: TraceEvent): boolean {
  return e.object.endsWith(WINDOW_CELL) || e.frames.includes(NOTE_WINDOW);
}

/** Frames CPU-column tables keep in a chain: the mm calls the designs turn on. */
export function column_landmark(frame: string): boolean {
  return frame === 'unmap_mapping_range' || frame === 'do_remap_pfn_range';
}

/** The model of one design in one scenario. */
export function vfio_model(design: vfio_design, scenario: vfio_scenario): Model<vfio_world> {
  const arch = arch_of(scenario);
  const variant: vfio_pci_variant = design.variant(arch);
  const bars = bars_of(scenario);
  const events = event_names(scenario);
  return defineModel<vfio_world>({
    name: `${design.name}/${scenario.name}`,
    description: `${design.summary}; ${scenario.description}`,
    setup: () => {
      const trace: vfio_pci_tracepoints = {};
      const vdev = vfio_pci_core_device_alloc({ arch, bars, variant, trace });
      const procs = scenario.procs.map((_, p) => {
        const name = user_name(scenario, p);
        const mm = mm_alloc({ name: `${name}.mm`, arch, kernel: design.kernel });
        return { name, mm, file: vfio_device_open(vdev, `${name}.fd`) };
      });
      const watched = new Set<Shared<pt_entry>>();
      procs.forEach((p, i) => {
        for (const m of scenario.procs[i].maps) for (let k = 0; k < m.pages; k++) for (const e of walk_path(p.mm, m.va + k * arch.page_size)) watched.add(e);
      });
      const w: vfio_world = {
        scenario, vdev, procs,
        events: new Map(events.map((e) => [e, new Cell(`${e} done`, false)])),
        window: scenario.window ? procs.map((p) => new Cell(`${p.name}: ${WINDOW_CELL}`, 0)) : null,
        watched: [...watched],
      };
      if (scenario.zapper_check) trace.revoked = () => check_revoked_bars(w);
      if (scenario.window) trace.zapped = () => note_window(w);
      return w;
    },
    threads: (w) => {
      const t: Record<string, Gen> = {};
      scenario.procs.forEach((_, p) => { t[user_name(scenario, p)] = user_thread(w, p); });
      scenario.device.forEach((d, i) => { t[d.name] = device_thread(w, i); });
      if (scenario.rmap_walker) t['rmap-walker'] = rmap_walker(w);
      return t;
    },
    finals: {
      'no stale device mapping': (w) => final_finding(w, 'no stale device mapping'),
      'leaves only in linked VMAs': (w) => final_finding(w, 'leaves only in linked VMAs'),
      'PFN linearity and leaf shape': (w) => final_finding(w, 'PFN linearity and leaf shape'),
    },
    witnesses: scenario.witnesses,
    snapshot,
  });
}

/** Every present leaf of every process, judged at the end. */
function final_finding(w: vfio_world, property: string): PropertyResult {
  const leaves: leaf_fact[] = [];
  w.procs.forEach((p, i) => {
    for (const l of present_leaves(p.mm)) leaves.push({ proc: i, level: l.level, start: l.start, end: l.end, pfn: l.pfn });
  });
  const f = judge(w, leaves);
  return !f || f.property !== property || f.message;
}

/**
 * One sentence on what is wrong when the counterexample ends: for a deadlock who holds and waits
 * for what; otherwise which VMA holds which entries in which device state.
 */
export function explain(v: Violation, snap: vfio_snapshot, threads: readonly string[]): string {
  if (v.kind === 'deadlock' && v.blocked) {
    const held = (tid: number) => snap.locks.filter((l) => l.writer === tid || l.readers.includes(tid))
      .map((l) => `${l.name} (${l.writer === tid ? 'write' : 'read'})`);
    const parts = v.blocked.map((b) => {
      const tid = threads.indexOf(b.thread);
      const h = held(tid);
      const wanted = snap.locks.find((l) => l.object === b.waitsFor)?.name ?? b.waitsFor;
      return `${b.thread} holds ${h.length ? h.join(' and ') : 'nothing'} and waits for ${wanted}`;
    });
    return `Deadlock: ${parts.join('; ')}.`;
  }
  if (v.kind === 'lock-order-cycle') return `${v.message}.`;
  const stale = snap.procs.flatMap((p) => p.leaves.filter((l) => l.bar).map((l) => ({ p, l })));
  if (stale.length && !snap.accessible) {
    const { p, l } = stale[0];
    const vma = p.vmas.find((m) => m.start <= l.start && l.start < m.end);
    const where = !vma ? 'outside every VMA'
      : `in VMA ${hex(vma.start)}-${hex(vma.end)}, which is ${vma.linked ? 'in' : 'not in'} the device inode's i_mmap${vma.in_tree ? '' : ' and not in the VMA tree'},`;
    const more = stale.length > 1 ? ` (and ${stale.length - 1} more)` : '';
    return `At the end ${p.name} still has a present ${l.level} entry for BAR PFN ${hex(l.pfn)} at ${hex(l.start)}${more} ${where} while the device is ${snap.device}: a touch reaches a device that does not decode it.`;
  }
  return `${v.message}.`;
}

// ---- the scenario catalogue ----

/** The address of mapping n (n GiB above VA) plus some pages. */
const at = (n: number, pages = 0) => VA + n * GiB + pages * 4 * KiB;

const off: device_op = { do: 'command-mem-off' };

/** The smallest scenario that can show the race: one mmap of BAR0, a lasting revocation, a touch after it. */
const race: vfio_scenario = {
  name: 'race',
  description: 'one process mmaps a 1-page BAR0 while a PCI_COMMAND write clears MEM, then touches the BAR after the write returned: it must get SIGBUS',
  arch: 'x86_64',
  bars: [{ index: 0, pages: 1 }],
  procs: [{ maps: [{ va: at(0), pages: 1 }], ops: [{ mmap: 0 }, { await: 'command-mem-off' }, { touch: 0, expect: 'sigbus' }] }],
  device: [{ name: 'revoke', ops: [off] }],
  window: true,
  witnesses: ['zap found the VMA', 'zap inside the mmap window', 'SIGBUS'],
};

/** A touch racing the revocation as well, and the zapper's own check. */
const fault_race: vfio_scenario = {
  name: 'fault-race',
  description: 'one process mmaps BAR0 and touches it while a PCI_COMMAND write clears MEM, then touches it after the write (SIGBUS); the zapper checks the BAR mappings before up_write',
  arch: 'x86_64',
  bars: [{ index: 0, pages: 1 }],
  procs: [{ maps: [{ va: at(0), pages: 1 }], ops: [{ mmap: 0 }, { touch: 0 }, { await: 'command-mem-off' }, { touch: 0, expect: 'sigbus' }] }],
  device: [{ name: 'revoke', ops: [off] }],
  zapper_check: true,
  witnesses: ['entry installed', 'zap found the VMA', 'SIGBUS'],
};

const LASTING: readonly [vfio_pci_action, vfio_pci_action][] = [['command-mem-off', 'command-mem-on'], ['d3hot', 'd0'], ['low-power-entry', 'low-power-exit']];

/** A lasting revocation, a touch while revoked (SIGBUS), the re-enable, and a touch that must refill. */
function reenable(revoke: vfio_pci_action, enable: vfio_pci_action): vfio_scenario {
  return {
    name: revoke === 'command-mem-off' ? 'reenable' : `reenable-${revoke}`,
    description: `${VFIO_PCI_ACTIONS[revoke].what} while a process mmaps and touches BAR0, a touch that must SIGBUS, then ${VFIO_PCI_ACTIONS[enable].what} and a touch that must succeed`,
    arch: 'x86_64',
    bars: [{ index: 0, pages: 1 }],
    procs: [{
      maps: [{ va: at(0), pages: 1 }],
      ops: [{ mmap: 0 }, { touch: 0 }, { await: revoke }, { touch: 0, expect: 'sigbus' }, { signal: 'touched' }, { await: enable },
        { touch: 0, expect: 'reached' }],
    }],
    device: [{ name: 'revoke', ops: [{ do: revoke }, { await: 'touched' }, { do: enable }] }],
    zapper_check: true,
    witnesses: ['entry installed', 'zap found the VMA', 'SIGBUS', 'refill after re-enable'],
  };
}

/** A transient revocation (zap, reset, unlock): the device is inaccessible only inside it. */
function transient(action: vfio_pci_action): vfio_scenario {
  return {
    name: `transient-${action}`,
    description: `${VFIO_PCI_ACTIONS[action].what} while a process mmaps and touches BAR0; after it a touch must refill`,
    arch: 'x86_64',
    bars: [{ index: 0, pages: 1 }],
    procs: [{ maps: [{ va: at(0), pages: 1 }], ops: [{ mmap: 0 }, { touch: 0 }, { await: action }, { touch: 0, expect: 'reached' }] }],
    device: [{ name: 'reset', ops: [{ do: action }] }],
    zapper_check: true,
    witnesses: ['entry installed', 'zap found the VMA', 'refill after re-enable',
      ...(action === 'hot-reset' ? ['hot reset found memory_lock busy'] : [])],
  };
}

/** No revocation: an rmap walk (as the zap's) racing an mmap must see every present entry. */
const rmap_walk: vfio_scenario = {
  name: 'rmap-walk',
  description: 'one process mmaps BAR0 and touches it while an rmap walker, as a zap would, lists i_mmap under i_mmap_rwsem and looks for BAR entries outside the VMAs it lists; nothing is revoked',
  arch: 'x86_64',
  bars: [{ index: 0, pages: 1 }],
  procs: [{ maps: [{ va: at(0), pages: 1 }], ops: [{ mmap: 0 }, { touch: 0 }] }],
  device: [],
  rmap_walker: true,
  witnesses: ['PTE leaf reached'],
};

const munmap_race: vfio_scenario = {
  name: 'munmap-race',
  description: 'one process mmaps, touches and munmaps BAR0 while a PCI_COMMAND write clears MEM, and an rmap walker checks i_mmap under its lock',
  arch: 'x86_64',
  bars: [{ index: 0, pages: 1 }],
  procs: [{ maps: [{ va: at(0), pages: 1 }], ops: [{ mmap: 0 }, { touch: 0 }, { munmap: 0 }] }],
  device: [{ name: 'revoke', ops: [off] }],
  zapper_check: true,
  rmap_walker: true,
  witnesses: ['entry installed', 'zap found the VMA'],
};

/** Two processes: the zap must reach the VMAs of both mms through the one device inode. */
const two_procs: vfio_scenario = {
  name: 'two-procs',
  description: 'two processes, each with its own fd, mmap a 2-page BAR0 (one whole, one its second page) and touch it while a PCI_COMMAND write clears MEM, then touch it after the write (SIGBUS)',
  arch: 'x86_64',
  bars: [{ index: 0, pages: 2 }],
  procs: [
    { maps: [{ va: at(0), pages: 2 }], ops: [{ mmap: 0 }, { touch: 0, page: 1 }, { await: 'command-mem-off' }, { touch: 0, expect: 'sigbus' }] },
    { maps: [{ va: at(1), pages: 1, offset: 1 }], ops: [{ mmap: 0 }, { touch: 0 }, { await: 'command-mem-off' }, { touch: 0, expect: 'sigbus' }] },
  ],
  device: [{ name: 'revoke', ops: [off] }],
  zapper_check: true,
  window: true,
  witnesses: ['entry installed', 'zap found the VMA', 'zap inside the mmap window', 'SIGBUS'],
};

/**
 * Scaled pages: a 4-page BAR0 mapped three times, congruent to its BAR offset modulo the PUD size,
 * only modulo the PMD size, and neither: the first touches fault a PUD, a PMD and a PTE leaf. A
 * lasting revocation, touches that SIGBUS, the re-enable, and touches that refill.
 */
const orders: vfio_scenario = {
  name: 'orders',
  description: 'on x86_64-scaled (2-page PMD, 4-page PUD) one process maps a 4-page BAR0 PUD-, PMD- and page-aligned and touches each mapping around a PCI_COMMAND write clearing MEM and one setting it',
  arch: 'scaled',
  bars: [{ index: 0, pages: 4 }],
  procs: [{
    maps: [{ va: at(0), pages: 4 }, { va: at(1, 2), pages: 4 }, { va: at(2, 1), pages: 2 }],
    ops: [{ mmap: 0 }, { mmap: 1 }, { mmap: 2 }, { touch: 0 }, { touch: 1 }, { touch: 2 }, { await: 'command-mem-off' },
      { touch: 0, expect: 'sigbus' }, { signal: 'touched' }, { await: 'command-mem-on' },
      { touch: 0, expect: 'reached' }, { touch: 1, expect: 'reached' }, { touch: 2, expect: 'reached' }],
  }],
  device: [{ name: 'revoke', ops: [off, { await: 'touched' }, { do: 'command-mem-on' }] }],
  zapper_check: true,
  witnesses: ['entry installed', 'zap found the VMA', 'SIGBUS', 'refill after re-enable', 'PUD leaf reached', 'PMD leaf reached', 'PTE leaf reached'],
};

/** What two processes do in `large` and `stress`: map 4 pages PUD- or PMD-aligned, touch around a revocation and a re-enable. */
function large_procs(touch_first: boolean): vfio_scenario['procs'] {
  return [0, 1].map((p) => ({
    maps: [{ va: at(p, 2 * p), pages: 4 }],
    ops: [{ mmap: 0 }, ...(touch_first ? [{ touch: 0 }] : []), { await: 'command-mem-off' }, { touch: 0, expect: 'sigbus' as const },
      { signal: `touched${p}` }, { await: 'command-mem-on' }, { touch: 0, expect: 'reached' as const }],
  }));
}

/** Two processes, faults of two orders, a lasting revocation and its re-enable, and an FLR racing the refills. */
const large: vfio_scenario = {
  name: 'large',
  description: 'on x86_64-scaled two processes map a 4-page BAR0 (PUD- and PMD-aligned); a PCI_COMMAND write clears MEM (their touches SIGBUS), one sets it, and an FLR races their refilling touches',
  arch: 'scaled',
  bars: [{ index: 0, pages: 4 }],
  procs: large_procs(false),
  device: [{ name: 'revoke', ops: [off, { await: 'touched0' }, { await: 'touched1' }, { do: 'command-mem-on' }, { do: 'flr' }] }],
  zapper_check: true,
  witnesses: ['zap found the VMA', 'SIGBUS', 'refill after re-enable', 'PUD leaf reached', 'PMD leaf reached'],
};

/** `large` with every thread racing every other: touches before the revocation, the FLR from its own thread. Minutes. */
const stress: vfio_scenario = {
  name: 'stress',
  description: 'large, with the processes also touching before the revocation and the FLR coming from its own thread at any time',
  arch: 'scaled',
  bars: [{ index: 0, pages: 4 }],
  procs: large_procs(true),
  device: [
    { name: 'revoke', ops: [off, { await: 'touched0' }, { await: 'touched1' }, { do: 'command-mem-on' }] },
    { name: 'reset', ops: [{ do: 'flr' }] },
  ],
  zapper_check: true,
  window: true,
  witnesses: ['entry installed', 'zap found the VMA', 'zap inside the mmap window', 'SIGBUS', 'refill after re-enable', 'PUD leaf reached', 'PMD leaf reached'],
};

/** Every scenario, the smallest first (the default of `mmcheck check <design>` and of compare). */
export const VFIO_SCENARIOS: readonly vfio_scenario[] = [
  race, fault_race, ...LASTING.map(([revoke, enable]) => reenable(revoke, enable)),
  ...(['flr', 'device-reset', 'hot-reset'] as const).map(transient),
  rmap_walk, munmap_race, two_procs, orders, large, stress,
];

export function find_scenario(name: string): vfio_scenario | undefined {
  return VFIO_SCENARIOS.find((s) => s.name === name);
}

// ---- growing scenarios: the cost-growth benchmark (bench/growth.ts) ----

/** What grows, one step at a time: see growth_scenario(). */
export type growth_axis = 'threads' | 'mappings' | 'pages' | 'orders';

/** The orders axis: the leaf levels faulted at step n (from 1), one mapping each, then all three. */
export const GROWTH_ORDERS: readonly (readonly ('pte' | 'pmd' | 'pud')[])[] = [['pte'], ['pmd'], ['pud'], ['pte', 'pmd', 'pud']];

/** On x86_64-scaled, a mapping of the 4-page BAR0 congruent to it only modulo a page, a PMD, a PUD (as in `orders`). */
const ORDER_MAPS: Readonly<Record<'pte' | 'pmd' | 'pud', map_spec>> = {
  pte: { va: at(2, 1), pages: 2 },
  pmd: { va: at(1, 2), pages: 4 },
  pud: { va: at(0), pages: 4 },
};

/** The device threads the threads axis adds after the lasting revocation, in turn. */
const GROWTH_RESETS: readonly vfio_pci_action[] = ['flr', 'device-reset', 'hot-reset'];

/** One process mmaps and touches each mapping (its first page), waits for the revocation, then each touch must SIGBUS. */
function racing_proc(maps: readonly map_spec[]): vfio_scenario['procs'][number] {
  return {
    maps,
    ops: [...maps.flatMap((_, i) => [{ mmap: i }, { touch: i }]), { await: 'command-mem-off' },
      ...maps.map((_, i) => ({ touch: i, expect: 'sigbus' as const }))],
  };
}

/**
 * Step n of a scenario family that grows along one axis, with the properties of the fixed
 * scenarios (zapper check, SIGBUS after the revocation) and a lasting revocation racing:
 * - threads (n >= 2): n threads, ceil(n/2) processes each mapping and touching a 1-page BAR0
 *   through its own mm and fd, then `revoke` and, from n = 4 on, an FLR, a device reset, a hot reset;
 * - mappings (n >= 1): one process maps the 1-page BAR0 n times and touches each mapping;
 * - pages (n >= 1): one process maps an n-page BAR0 whole, one page off PMD alignment so that
 *   faults take PTE leaves at every size, and touches its first page: only the page tables and the
 *   zapped range grow;
 * - orders (1 <= n <= 4): on x86_64-scaled, faults of the orders GROWTH_ORDERS[n - 1], and after
 *   the SIGBUS touches a re-enable and touches that must refill.
 */
export function growth_scenario(axis: growth_axis, n: number): vfio_scenario {
  const base = { name: `growth-${axis}-${n}`, arch: 'x86_64' as const, zapper_check: true, witnesses: ['entry installed', 'zap found the VMA', 'SIGBUS'] };
  const revoke = { name: 'revoke', ops: [off] };
  const at_least = (min: number) => {
    if (!Number.isInteger(n) || n < min) throw new RangeError(`growth_scenario: ${axis} needs a whole size of at least ${min}, not ${n}`);
  };
  switch (axis) {
    case 'threads': {
      at_least(2);
      const procs = Math.ceil(n / 2);
      const resets = Array.from({ length: Math.floor(n / 2) - 1 }, (_, i) => GROWTH_RESETS[i % GROWTH_RESETS.length]);
      return {
        ...base,
        description: `${procs === 1 ? 'one process mmaps and touches' : `${procs} processes, each with its own fd, mmap and touch`} a 1-page BAR0 while a PCI_COMMAND write clears MEM${resets.length ? ` (${resets.join(', ')} racing too)` : ''}; then the touches must SIGBUS`,
        bars: [{ index: 0, pages: 1 }],
        procs: Array.from({ length: procs }, (_, p) => racing_proc([{ va: at(p), pages: 1 }])),
        // thread names must differ: the second FLR thread is flr-2
        device: [revoke, ...resets.map((a, i) => ({ name: i < GROWTH_RESETS.length ? a : `${a}-${Math.floor(i / GROWTH_RESETS.length) + 1}`, ops: [{ do: a }] }))],
      };
    }
    case 'mappings':
      at_least(1);
      return {
        ...base,
        description: `one process mmaps a 1-page BAR0 ${n} times and touches each mapping while a PCI_COMMAND write clears MEM; then each touch must SIGBUS`,
        bars: [{ index: 0, pages: 1 }],
        procs: [racing_proc(Array.from({ length: n }, (_, i) => ({ va: at(i), pages: 1 })))],
        device: [revoke],
      };
    case 'pages':
      at_least(1);
      return {
        ...base,
        description: `one process mmaps a ${n}-page BAR0 whole (PTE leaves only) and touches its first page while a PCI_COMMAND write clears MEM; then the touch must SIGBUS`,
        bars: [{ index: 0, pages: n }],
        procs: [racing_proc([{ va: at(0, 1), pages: n }])],
        device: [revoke],
      };
    case 'orders': {
      if (!GROWTH_ORDERS[n - 1]) throw new RangeError(`growth_scenario: orders has steps 1 to ${GROWTH_ORDERS.length}, not ${n}`);
      const orders = GROWTH_ORDERS[n - 1];
      const proc = racing_proc(orders.map((o) => ORDER_MAPS[o]));
      // populate-hook fills at mmap with PTEs: its huge leaves come from the faults after a re-enable
      return {
        ...base,
        name: `growth-orders-${orders.join('+')}`,
        description: `on x86_64-scaled one process maps a 4-page BAR0 for ${orders.join(', ')} leaves and touches it while a PCI_COMMAND write clears MEM (SIGBUS), then one sets it and the touches must refill`,
        arch: 'scaled',
        bars: [{ index: 0, pages: 4 }],
        procs: [{ ...proc, ops: [...proc.ops, { signal: 'touched' }, { await: 'command-mem-on' }, ...orders.map((_, i) => ({ touch: i, expect: 'reached' as const }))] }],
        device: [{ name: 'revoke', ops: [off, { await: 'touched' }, { do: 'command-mem-on' }] }],
        witnesses: [...base.witnesses, 'refill after re-enable', ...orders.map((o) => `${o.toUpperCase()} leaf reached`)],
      };
    }
  }
}
