// node dist/bench/align.js [--quick]: the alignment analysis's figures. Analytic counting must
// cost the same for 1 GiB, 1 TiB and 1 PiB; simulation is measured in faults per second; and
// both methods must agree on every built-in case up to 2 GiB (--quick: runs of at most 20,000
// faults only).
import { isDeepStrictEqual } from 'node:util';
import { ARCHES, DEFAULT_KERNEL, type vm_area_struct } from '../src/linux/index.js';
import {
  CASE_ARCHES, EMPTY_LAYOUT, POLICIES, POLICY_NAMES, analyze, build_world, builtin_cases, count_analytic, count_simulated,
  default_layout, huge_leaf_fits, text_table, type align_setup,
} from '../src/align/index.js';
import { quickFlag } from './options.js';

const quick = quickFlag('align.js');
const KiB = 1024, GiB = 1024 ** 3, TiB = 1024 * GiB, PiB = 1024 * TiB;
const x86 = ARCHES.x86_64;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Mean wall time of fn in milliseconds over enough repetitions to last about 200 ms, after 200 ms of warm-up. */
function time_ms(fn: () => void): number {
  for (const t0 = performance.now(); performance.now() - t0 < 200;) fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t0;
    if (dt > 200) return dt / reps;
    reps *= 4;
  }
}

// 1. Analytic counting against the size of the mapping. A region at an odd offset so that every
// level has leaves; 1 PiB fits in no arch's address space, so its VMA is the 1 TiB one stretched.
console.log('Analytic counting: time per count, by mapping size (x86_64, PTE + PMD + PUD leaves)\n');
const setup_of = (size: number): align_setup => ({
  arch: x86, kernel: DEFAULT_KERNEL, region: { size, phys: 0x380000000000 }, maps: [{ offset: 4 * KiB, length: size - 8 * KiB }],
});
const vma_1g = build_world(setup_of(GiB), POLICIES['pfn-congruent'], EMPTY_LAYOUT).placements[0].vma!;
const vma_1t = build_world(setup_of(TiB), POLICIES['pfn-congruent'], EMPTY_LAYOUT).placements[0].vma!;
const vma_1p: vm_area_struct = { ...vma_1t, vm_end: vma_1t.vm_start + PiB - 8 * KiB };
const analytic_rows = ([['1 GiB', vma_1g], ['1 TiB', vma_1t], ['1 PiB', vma_1p]] as const).map(([label, vma]) => {
  const c = count_analytic([vma], huge_leaf_fits);
  const ms = time_ms(() => count_analytic([vma], huge_leaf_fits));
  return [label, fmt(c.faults), `${c.leaves.pud}/${c.leaves.pmd}/${c.leaves.pte}`, fmt(ms * 1000, 1)];
});
console.log(text_table(['mapping', 'faults', 'leaves PUD/PMD/PTE', 'µs per count'], analytic_rows, [false, true, true, true]).join('\n'));
// two rounds, the first one warming up the JIT for both sizes
const sizes = [['1 GiB', GiB], ['1 TiB', TiB]] as const;
const whole_ms = [0, 1].flatMap(() => sizes.map(([, size]) => time_ms(() => analyze(setup_of(size), { method: 'analytic' })))).slice(-2);
const whole = sizes.map(([label], i) => [label, fmt(whole_ms[i], 1)]);
console.log('\nWhole analysis, analytic (8 policies + best, each mmap run through the model on the default layout)\n');
console.log(text_table(['region', 'ms'], whole, [false, true]).join('\n'));

// 2. and 3. Simulation: rate, and agreement with the arithmetic on the built-in cases.
console.log(`\nSimulation against arithmetic on the built-in cases (${quick ? 'runs of at most 20,000 faults' : 'every case up to 2 GiB, and the rest up to 20,000 faults'})\n`);
const rows: string[][] = [];
let faults = 0, sim_ms = 0, runs = 0, disagree = 0, skipped = 0;
for (const name of CASE_ARCHES) {
  const arch = ARCHES[name];
  for (const c of builtin_cases(arch)) {
    const setup: align_setup = { arch, kernel: DEFAULT_KERNEL, region: c.region, maps: c.maps };
    for (const policy of POLICY_NAMES) {
      const layout = policy === 'best' ? EMPTY_LAYOUT : default_layout(arch);
      const w = build_world(setup, POLICIES[policy], layout);
      const a = count_analytic(w.placements.map((p) => p.vma!), huge_leaf_fits);
      if (a.faults > 20000 && (quick || c.region.size > 2 * GiB)) {
        skipped++;
        continue;
      }
      const t0 = performance.now();
      const s = count_simulated(w);
      const ms = performance.now() - t0;
      const same = isDeepStrictEqual(s, a);
      faults += s.faults;
      sim_ms += ms;
      runs++;
      if (!same) disagree++;
      if (s.faults >= 20000 || !same) {
        rows.push([name, c.label, policy, fmt(s.faults), fmt(ms / 1000, 1), fmt(s.faults / (ms / 1000)), same ? 'yes' : 'NO']);
        console.log(rows[rows.length - 1].join('  '));
      }
    }
  }
}
console.log('\nLarge runs (20,000 faults or more) and any disagreement:\n');
console.log(text_table(['arch', 'case', 'policy', 'faults', 's', 'faults/s', 'agree'], rows, [false, false, false, true, true, true, false]).join('\n'));
console.log(`\n${runs} runs simulated, ${fmt(faults)} faults in ${fmt(sim_ms / 1000, 1)} s: ${fmt(faults / (sim_ms / 1000))} faults/s; ` +
  `${disagree} disagreements; ${skipped} runs left to arithmetic (over 20,000 faults${quick ? '' : ' in regions above 2 GiB'}).`);
if (disagree) process.exitCode = 1;

// 4. What bounds the rate: a 4 KiB fault is STEPS_PER_FAULT visible steps of a thread written as
// generators, each resumed through the kernel functions' frames. The same number of yields
// through generators nested as deep, doing nothing else, is the most any generator model can do.
const STEPS_PER_FAULT = 29, FRAMES = 7;
function* leaf(i: number): Generator<number, number, number> { return yield i; }
function* nest(d: number, i: number): Generator<number, number, number> { return d === 0 ? yield* leaf(i) : yield* nest(d - 1, i); }
function* fault_steps(n: number): Generator<number, void, number> { for (let i = 0; i < n * STEPS_PER_FAULT; i++) yield* nest(FRAMES, i); }
const floor_faults = quick ? 20_000 : 200_000;
const floor_ms = time_ms(() => {
  const g = fault_steps(floor_faults);
  for (let r = g.next(0); !r.done; r = g.next(r.value));
});
console.log(`\nThe generator floor: ${STEPS_PER_FAULT} yields per fault through ${FRAMES} nested generators, no model: ` +
  `${fmt(floor_faults / (floor_ms / 1000))} faults/s (the model reaches ${(100 * (faults / (sim_ms / 1000)) / (floor_faults / (floor_ms / 1000))).toFixed(0)}% of it).`);
