// The analysis: for each policy and layout, where the mappings land, how they line up with the
// physical address, and what a full touch costs; the bound from `best`.
import { IS_ERR_VALUE, mod, type Arch, type KernelVersion } from '../linux/index.js';
import { VFIO_PCI_OFFSET_SHIFT } from '../drivers/vfio-pci/index.js';
import { isDeepStrictEqual } from 'node:util';
import { count_analytic, type counts, type level_counts } from './analytic.js';
import { count_simulated } from './simulate.js';
import { huge_leaf_fits, largest_fitting_leaf, region_bar, type mapping, type region } from './device.js';
import { EMPTY_LAYOUT, default_layout, type layout_spec } from './layout.js';
import { POLICIES, POLICY_NAMES, type PolicyName } from './policy.js';
import { AlignInputError, format_size, hex } from './sizes.js';
import { build_world, type align_setup, type world } from './world.js';

export type Method = 'simulate' | 'analytic' | 'auto';

export interface align_options {
  /** default: all */
  readonly policies?: readonly PolicyName[];
  /** default: the realistic default layout of the arch; `best` always uses the empty layout */
  readonly layouts?: readonly layout_spec[];
  readonly method?: Method;
  /** auto simulates a run whose analytic fault count is at most this */
  readonly auto_limit?: number;
}

/** auto simulates up to this many faults per policy and layout (a tenth of a second or so). */
export const AUTO_SIMULATE_LIMIT = 1000;

export interface congruence {
  readonly level: 'pmd' | 'pud';
  readonly size: number;
  /** (va - pa) mod size: 0 when va ≡ pa */
  readonly offset: number;
}

export interface map_result {
  readonly offset: number;
  readonly length: number;
  /** the physical address of the first byte */
  readonly pa: number;
  /** where it was mapped, or null with the error mmap returned */
  readonly addr: number | null;
  readonly error: number | null;
  readonly congruence: readonly congruence[];
  /** free address space between the mapping and its neighbour on the allocator's side */
  readonly padding: number;
  /** padding ≥ the largest leaf its physical range can hold: aligning for that leaf needs less */
  readonly over_aligned: boolean;
  /** its leaves once touched (null when a mapping failed) */
  readonly leaves: level_counts | null;
}

export interface policy_run {
  readonly policy: PolicyName;
  readonly layout: string;
  readonly method: 'simulate' | 'analytic';
  readonly maps: readonly map_result[];
  /** null when a mapping failed */
  readonly counts: counts | null;
  /** simulated runs: whether the analytic count agreed exactly */
  readonly analytic_agrees: boolean | null;
  readonly padding: number;
  /** faults beyond the bound */
  readonly gap: number | null;
}

export interface align_report {
  readonly arch: Arch;
  readonly kernel: KernelVersion;
  readonly region: region;
  readonly maps: readonly mapping[];
  readonly layouts: readonly string[];
  readonly best: policy_run;
  /** per policy (best aside), per layout, in the order asked */
  readonly runs: readonly policy_run[];
}

/** 2^VFIO_PCI_OFFSET_SHIFT: a region's offsets must stay below the region index bits of the fd offset. */
const VFIO_REGION_MAX = 2 ** VFIO_PCI_OFFSET_SHIFT;

/** Checks the input against the arch; throws AlignInputError with one line for the user. */
export function check_setup(s: align_setup): void {
  const page = s.arch.page_size;
  const where = (what: string, n: number) => `${what} ${hex(n)} (${format_size(n)})`;
  if (s.region.size <= 0) throw new AlignInputError('the region size must be positive');
  if (s.region.size > VFIO_REGION_MAX) throw new AlignInputError(`a VFIO region holds at most ${format_size(VFIO_REGION_MAX)} (the offset bits below the region index)`);
  region_bar(s.arch, s.region);
  if (!s.maps.length) throw new AlignInputError('no mapping to analyse');
  for (const m of s.maps) {
    if (m.offset % page) throw new AlignInputError(`${where('offset', m.offset)} is not a multiple of the ${format_size(page)} page size of ${s.arch.name}`);
    if (m.offset >= s.region.size) throw new AlignInputError(`${where('offset', m.offset)} is not inside the ${format_size(s.region.size)} region`);
    if (m.length <= 0) throw new AlignInputError('a mapping length must be positive');
    if (m.offset + m.length > s.region.size) {
      throw new AlignInputError(`the mapping ${hex(m.offset)}+${format_size(m.length)} ends beyond the ${format_size(s.region.size)} region`);
    }
    if (m.length > s.arch.task_size) throw new AlignInputError(`a ${format_size(m.length)} mapping does not fit in the ${s.arch.name} address space`);
  }
}

/** The free space on the allocator's side of a VMA: above it top-down, below it bottom-up. */
function padding_of(w: world, start: number, end: number): number {
  const vmas = w.mm.mm_mt.value;
  const base = w.mm.mmap_base;
  if (w.mm.topdown) {
    const above = vmas.find((v) => v.vm_start >= end)?.vm_start ?? w.mm.task_size;
    return Math.min(above, end <= base ? base : above) - end;
  }
  const below = [...vmas].reverse().find((v) => v.vm_end <= start)?.vm_end ?? 0;
  return start - Math.max(below, start >= base ? base : below);
}

function map_results(setup: align_setup, w: world): map_result[] {
  const arch = setup.arch;
  const levels = [['pmd', arch.pmd_size], ['pud', arch.pud_size]] as const;
  return w.placements.map((p) => {
    const pa = setup.region.phys + p.map.offset;
    const ok = !IS_ERR_VALUE(p.addr);
    const padding = p.vma ? padding_of(w, p.vma.vm_start, p.vma.vm_end) : 0;
    return {
      offset: p.map.offset, length: p.map.length, pa, addr: ok ? p.addr : null, error: ok ? null : p.addr,
      congruence: ok ? levels.map(([level, size]) => ({ level, size, offset: mod(p.addr - pa, size) })) : [],
      padding, over_aligned: padding >= largest_fitting_leaf(arch, pa, p.map.length), leaves: null,
    };
  });
}

function run_policy(setup: align_setup, name: PolicyName, layout: layout_spec, method: Method, limit: number): Omit<policy_run, 'gap'> {
  const w = build_world(setup, POLICIES[name], layout);
  const placed = map_results(setup, w);
  const vmas = w.placements.flatMap((p) => (p.vma ? [p.vma] : []));
  const padding = placed.reduce((n, m) => n + m.padding, 0);
  const run = { policy: name, layout: layout.name, padding };
  if (vmas.length < w.placements.length) return { ...run, method: 'analytic', maps: placed, counts: null, analytic_agrees: null };
  const analytic = count_analytic(vmas, huge_leaf_fits);
  const simulate = method === 'simulate' || (method === 'auto' && analytic.faults <= limit);
  const counts = simulate ? count_simulated(w) : analytic;
  const maps = placed.map((m, i) => ({ ...m, leaves: counts.per_vma[i] }));
  return { ...run, method: simulate ? 'simulate' : 'analytic', maps, counts, analytic_agrees: simulate ? isDeepStrictEqual(counts, analytic) : null };
}

/** Runs every policy on every layout. */
export function analyze(setup: align_setup, opts: align_options = {}): align_report {
  check_setup(setup);
  const method = opts.method ?? 'auto';
  const limit = opts.auto_limit ?? AUTO_SIMULATE_LIMIT;
  const layouts = opts.layouts?.length ? opts.layouts : [default_layout(setup.arch)];
  const names = (opts.policies ?? POLICY_NAMES).filter((p) => p !== 'best');
  const bound = run_policy(setup, 'best', EMPTY_LAYOUT, method, limit);
  const gap = (r: Omit<policy_run, 'gap'>): number | null => (r.counts && bound.counts ? r.counts.faults - bound.counts.faults : null);
  const best = { ...bound, gap: gap(bound) };
  const runs: policy_run[] = [];
  for (const name of names) for (const layout of layouts) {
    const r = run_policy(setup, name, layout, method, limit);
    runs.push({ ...r, gap: gap(r) });
  }
  return { arch: setup.arch, kernel: setup.kernel, region: setup.region, maps: setup.maps, layouts: layouts.map((l) => l.name), best, runs };
}

export interface policy_summary {
  readonly policy: PolicyName;
  readonly runs: number;
  /** runs where a mapping failed */
  readonly failed: number;
  readonly faults: { readonly min: number; readonly median: number; readonly max: number } | null;
  /** runs that reached the bound */
  readonly at_best: number;
  readonly padding: { readonly median: number; readonly max: number };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** Per policy over the layouts: the spread of faults and padding, and how often the bound was met. */
export function summarize(report: align_report): policy_summary[] {
  const names = [...new Set(report.runs.map((r) => r.policy))];
  return [report.best.policy, ...names].map((policy) => {
    const runs = policy === 'best' ? [report.best] : report.runs.filter((r) => r.policy === policy);
    const faults = runs.flatMap((r) => (r.counts ? [r.counts.faults] : []));
    const pads = runs.map((r) => r.padding);
    return {
      policy, runs: runs.length, failed: runs.length - faults.length,
      faults: faults.length ? { min: Math.min(...faults), median: median(faults), max: Math.max(...faults) } : null,
      at_best: runs.filter((r) => r.gap === 0).length,
      padding: { median: median(pads), max: Math.max(...pads) },
    };
  });
}
