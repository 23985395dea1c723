// Counting without faulting: arithmetic on each VMA, asking the model's own predicates which
// orders a fault may try (thp_vma_allowable_orders) and whether a leaf fits with an aligned PFN
// (the huge-fault rule). The cost grows with the number of levels, not with the mapping.
//
// Why the arithmetic is exact: the PFN is linear in va, so a leaf order either fits at every
// aligned block inside the VMA or at none (the rule is asked at the first and the last block,
// and they must agree); __handle_mm_fault() tries the largest order first and a block that fits
// at a larger order is never touched at a smaller one, so with every page touched the leaves
// of each order are the aligned blocks of that order inside the VMA not covered by a larger
// one, and the rest are PTEs. Page tables: a PUD table per PGDIR span with a leaf, a PMD table
// per PUD span with a non-PUD leaf, a PTE table per PMD span with a PTE leaf.
import { ALIGN, ALIGN_DOWN, order_level, order_size, pfnmap_orders, thp_vma_allowable_orders, type vm_area_struct } from '../linux/index.js';

export interface level_counts {
  pud: number;
  pmd: number;
  pte: number;
}

export interface counts {
  /** leaves installed per level once every page was touched */
  readonly leaves: level_counts;
  /** faults a full touch takes (one per leaf) */
  readonly faults: number;
  /** page-table pages allocated, per level of table */
  readonly tables: level_counts;
  /** the leaves of each VMA, in the order given */
  readonly per_vma: readonly level_counts[];
}

/** Whether a fault of this order at va would install a leaf (rather than fall back). */
export type leaf_rule = (vma: vm_area_struct, va: number, order: number) => boolean;

type interval = readonly [number, number];

/** How many aligned spans of `span` bytes the intervals touch (the intervals do not overlap). */
function spans_touched(intervals: interval[], span: number): number {
  let n = 0;
  let last = -1;
  for (const [s, e] of intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0])) {
    const first = Math.floor(s / span), end = Math.floor((e - 1) / span);
    n += Math.max(0, end - Math.max(first, last + 1) + 1);
    last = Math.max(last, end);
  }
  return n;
}

/** [s, e) without the middle interval c (c inside it, or null). */
function outside(s: number, e: number, c: interval | null): interval[] {
  return c ? [[s, c[0]], [c[1], e]] : [[s, e]];
}

/** Leaves, faults and page tables of touching every page of the VMAs (of one mm). */
export function count_analytic(vmas: readonly vm_area_struct[], fits: leaf_rule): counts {
  const pgd: interval[] = [], pud: interval[] = [], pmd: interval[] = [];
  const per_vma = vmas.map((vma) => {
    const leaves: level_counts = { pud: 0, pmd: 0, pte: 0 };
    const arch = vma.vm_mm.arch;
    const { vm_start: s, vm_end: e } = vma;
    /** the range covered by huge leaves so far, and by PUD leaves */
    let huge: interval | null = null;
    let pud_leaves: interval | null = null;
    for (const order of thp_vma_allowable_orders(vma, pfnmap_orders(arch)).sort((a, b) => b - a)) {
      const size = order_size(arch, order);
      const lo = ALIGN(s, size), hi = ALIGN_DOWN(e, size);
      if (hi - lo < size) continue;
      const first = fits(vma, lo, order);
      if (first !== fits(vma, hi - size, order)) throw new Error(`${vma.name}: the order-${order} rule differs between the first and last block`);
      if (!first) continue;
      const level = order_level(arch, order) as 'pmd' | 'pud';
      leaves[level] += (hi - lo - (huge ? huge[1] - huge[0] : 0)) / size;
      huge = [lo, hi];
      if (level === 'pud') pud_leaves = huge;
    }
    leaves.pte += (e - s - (huge ? huge[1] - huge[0] : 0)) / arch.page_size;
    pgd.push([s, e]);
    pud.push(...outside(s, e, pud_leaves));
    pmd.push(...outside(s, e, huge));
    return leaves;
  });
  const leaves = sum_levels(per_vma);
  const arch = vmas[0]?.vm_mm.arch;
  const tables = arch
    ? { pud: spans_touched(pgd, arch.pgdir_size), pmd: spans_touched(pud, arch.pud_size), pte: spans_touched(pmd, arch.pmd_size) }
    : { pud: 0, pmd: 0, pte: 0 };
  return { leaves, faults: leaves.pud + leaves.pmd + leaves.pte, tables, per_vma };
}

export function sum_levels(xs: readonly level_counts[]): level_counts {
  return xs.reduce((a, b) => ({ pud: a.pud + b.pud, pmd: a.pmd + b.pmd, pte: a.pte + b.pte }), { pud: 0, pmd: 0, pte: 0 });
}
