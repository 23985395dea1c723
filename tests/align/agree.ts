// Simulation and arithmetic must agree exactly: leaves per level, per mapping, faults, page tables.
import assert from 'node:assert/strict';
import { ARCHES, DEFAULT_KERNEL, type ArchName } from '../../src/linux/index.js';
import {
  POLICIES, POLICY_NAMES, build_world, builtin_cases, count_analytic, count_simulated, default_layout, huge_leaf_fits,
  type align_setup, type layout_spec,
} from '../../src/align/index.js';

/** Simulated runs stay below this many faults each in the test suite; bench/align.ts runs the big ones. */
export const TEST_LIMIT = 1100;

/** Compares both counts for every policy; returns how many faults were simulated and how many runs were left to the bench. */
export function agree(setup: align_setup, layout: layout_spec, label: string, limit = TEST_LIMIT): { simulated: number; skipped: number } {
  let simulated = 0, skipped = 0;
  for (const name of POLICY_NAMES) {
    const w = build_world(setup, POLICIES[name], layout);
    const vmas = w.placements.flatMap((p) => (p.vma ? [p.vma] : []));
    assert.equal(vmas.length, setup.maps.length, `${label} ${name}: every mmap succeeds`);
    const a = count_analytic(vmas, huge_leaf_fits);
    if (a.faults > limit) {
      skipped++;
      continue;
    }
    assert.deepEqual(count_simulated(w), a, `${label} ${name}`);
    simulated += a.faults;
  }
  return { simulated, skipped };
}

/** Every built-in case of the arch on its default layout. */
export function agree_on_cases(arch_name: ArchName): { simulated: number; skipped: number } {
  const arch = ARCHES[arch_name];
  const total = { simulated: 0, skipped: 0 };
  for (const c of builtin_cases(arch)) {
    const r = agree({ arch, kernel: DEFAULT_KERNEL, region: c.region, maps: c.maps }, default_layout(arch), `${arch_name} ${c.name}`);
    total.simulated += r.simulated;
    total.skipped += r.skipped;
  }
  return total;
}
