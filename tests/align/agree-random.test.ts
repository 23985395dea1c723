// Simulate and analytic agree on mappings with every level at once, and on random regions,
// offsets, lengths, physical bases, arches and process layouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ARCHES, DEFAULT_KERNEL, type ArchName } from '../../src/linux/index.js';
import {
  EMPTY_LAYOUT, POLICIES, build_world, count_analytic, count_simulated, huge_leaf_fits, random_layouts,
} from '../../src/align/index.js';
import { agree } from './agree.js';

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

test('one mapping with PTE, PMD, PUD, PMD and PTE leaves, and the page tables they need', () => {
  const setup = {
    arch: ARCHES.x86_64, kernel: DEFAULT_KERNEL, region: { size: 4 * GiB, phys: 0x380000000000 },
    maps: [{ offset: GiB - 2 * MiB - 4 * KiB, length: GiB + 4 * MiB + 8 * KiB }],
  };
  const w = build_world(setup, POLICIES['pfn-congruent'], EMPTY_LAYOUT);
  const vma = w.placements[0].vma!;
  const a = count_analytic([vma], huge_leaf_fits);
  assert.deepEqual(count_simulated(w), a);
  assert.deepEqual(a.leaves, { pud: 1, pmd: 2, pte: 2 });
  // one PUD table; PMD tables in the two 1 GiB spans around the PUD leaf; PTE tables in the two 2 MiB spans at the ends
  assert.deepEqual(a.tables, { pud: 1, pmd: 2, pte: 2 });
});

test('random regions, mappings and layouts: both methods agree', () => {
  const arches = Object.keys(ARCHES) as ArchName[];
  const u32 = fc.noBias(fc.nat(2 ** 31 - 1));
  fc.assert(fc.property(
    fc.constantFrom(...arches), fc.constantFrom(256 * KiB, 4 * MiB, 64 * MiB, 2 * GiB), u32, u32, u32, u32,
    (arch_name, size, base, from, part, seed) => {
      const arch = ARCHES[arch_name];
      const pages = size / arch.page_size;
      const first = from % pages;
      const count = 1 + (part % (pages - first));
      const setup = {
        arch, kernel: DEFAULT_KERNEL, region: { size, phys: 0x300000000000 + (base % 1024) * size },
        maps: [{ offset: first * arch.page_size, length: count * arch.page_size }],
      };
      agree(setup, random_layouts(arch, 1, seed)[0], `${arch_name} ${size} ${first}+${count} seed ${seed}`);
    },
  ), { numRuns: 12, seed: 20260601 });
});
