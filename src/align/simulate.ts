// Counting by faulting: user space touches the mappings from the first page up, each touch going
// through the model's MMU walk and fault path (user_access -> do_user_addr_fault ->
// __handle_mm_fault -> the device's huge_fault / fault), and the next touch goes to the first
// page after the leaf that was reached. Exact; the cost grows with the number of faults.
//
// The touches run as a series of short sequential runs on the same world, so that the engine's
// record of a finished batch can be freed: one run per batch, each continuing where the last one
// stopped (sequential code has no interleavings, so the split changes nothing).
import { defineModel, type Gen } from '../engine/index.js';
import { count_tables, present_leaves, user_access } from '../linux/index.js';
import { run_or_throw, type world } from './world.js';
import { sum_levels, type counts, type level_counts } from './analytic.js';

/** Touches per sequential run. */
const BATCH = 1024;

export function count_simulated(w: world): counts {
  const mm = w.mm;
  let faults = 0;
  const vmas = w.placements.flatMap((p) => (p.vma ? [p.vma] : []));
  for (const vma of vmas) {
    let va = vma.vm_start;
    while (va < vma.vm_end) {
      const touch = function* (): Gen {
        for (let n = 0; n < BATCH && va < vma.vm_end; n++) {
          const r = yield* user_access(mm, va);
          if (r.kind !== 'reached') throw new Error(`touch of 0x${va.toString(16)} in ${vma.name}: ${r.kind} after ${r.faults} faults`);
          faults += r.faults;
          va = r.hit.base + mm.pgtables.span(r.hit.level);
        }
      };
      run_or_throw(defineModel({ name: 'align: touch every leaf', setup: () => w, threads: () => ({ user: touch() }) }));
    }
  }
  const per_vma: level_counts[] = vmas.map(() => ({ pud: 0, pmd: 0, pte: 0 }));
  for (const l of present_leaves(mm)) {
    const i = vmas.findIndex((v) => l.start >= v.vm_start && l.end <= v.vm_end);
    if (i >= 0) per_vma[i][l.level]++;
  }
  return { leaves: sum_levels(per_vma), faults, tables: count_tables(mm), per_vma };
}
