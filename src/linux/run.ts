// Running model code outside exploration: one mmap and a few accesses for an alignment analysis,
// and the trace of a sequential run for tests that check the order of steps.
import { ScheduleMismatch, defineModel, replay, runSequential, type Gen, type Model, type Replayed, type Violation } from '../engine/index.js';
import { mm_alloc, type mm_options, type mm_struct } from './mm.js';
import { vm_mmap_pgoff } from './mmap.js';
import { user_access, type access_result } from './fault.js';
import { count_tables, present_leaves, type present_leaf } from './pgtable.js';
import { IS_ERR_VALUE, MAP_SHARED, PROT_READ, PROT_WRITE, type file } from './mm_types.js';

export interface mmap_run_options {
  readonly mm?: mm_options;
  /** creates the file to map (and its driver state); runs inside the model's setup */
  readonly make_file: (mm: mm_struct) => file;
  readonly addr?: number;
  readonly len: number;
  readonly prot?: number;
  readonly flags?: number;
  readonly pgoff: number;
  /** the addresses to access once mapped, given the address mmap returned */
  readonly touch?: (addr: number) => readonly number[];
}

export interface mmap_run {
  /** what mmap returned: the address or -errno */
  readonly addr: number;
  readonly accesses: readonly { readonly va: number; readonly result: access_result }[];
  /** the leaves and page tables once everything ran */
  readonly leaves: readonly present_leaf[];
  readonly tables: { readonly pud: number; readonly pmd: number; readonly pte: number };
  /** an assertion or BUG the run hit, if any */
  readonly violation: Violation | null;
}

/** One mmap(2) and the given accesses, one after another, on a fresh mm. */
export function run_mmap(opts: mmap_run_options): mmap_run {
  interface state { mm: mm_struct; file: file }
  const accesses: { va: number; result: access_result }[] = [];
  const model = defineModel<state>({
    name: 'mmap run',
    setup: () => {
      const mm = mm_alloc(opts.mm);
      return { mm, file: opts.make_file(mm) };
    },
    threads: (s) => ({
      task: (function* (): Gen<number> {
        const addr = yield* vm_mmap_pgoff(s.mm, s.file, opts.addr ?? 0, opts.len, opts.prot ?? PROT_READ | PROT_WRITE,
          opts.flags ?? MAP_SHARED, opts.pgoff);
        if (IS_ERR_VALUE(addr)) return addr;
        for (const va of opts.touch?.(addr) ?? []) accesses.push({ va, result: yield* user_access(s.mm, va) });
        return addr;
      })(),
    }),
  });
  const run = runSequential(model);
  return {
    addr: run.results.task as number,
    accesses,
    leaves: present_leaves(run.state.mm),
    tables: count_tables(run.state.mm),
    violation: run.violation,
  };
}

/**
 * The replayed trace of a sequential run: each thread to its end, in order, as runSequential
 * does. Rebuilds the schedule one step at a time, so keep the model small.
 */
export function sequential_trace<S>(model: Model<S>): Replayed {
  const schedule: number[] = [];
  let last = replay(model, schedule);
  for (let tid = 0; tid < last.trace.threads.length && last.status === 'running'; tid++) {
    for (;;) {
      let next: Replayed;
      try {
        next = replay(model, [...schedule, tid]);
      } catch (err) {
        if (err instanceof ScheduleMismatch) break;
        throw err;
      }
      schedule.push(tid);
      last = next;
      if (last.status !== 'running') return last;
    }
  }
  return last;
}
