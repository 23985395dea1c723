// Small helpers for the Linux model tests: one task run sequentially, and exploration under both
// strategies.
import { defineModel, explore, runSequential, type CheckResult, type Gen, type Model, type StrategyName, type Violation } from '../../src/engine/index.js';
import { find_vma, mm_alloc, mmap_write_lock_killable, mmap_write_unlock, type mm_options, type mm_struct, type vm_area_struct } from '../../src/linux/index.js';
import { test_device, type driver_options } from './driver.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const PAGE = 4 * KiB;
/** A free, 1 GiB aligned address of an empty x86_64 mm. */
export const VA = 0x7f0000000000;

export interface world {
  readonly mm: mm_struct;
  readonly dev: ReturnType<typeof test_device>;
}

export function world(driver: driver_options = {}, mm: mm_options = {}): world {
  const m = mm_alloc(mm);
  return { mm: m, dev: test_device(m, driver) };
}

/** Runs one task on fresh state; returns what it returned, the final state and any violation. */
export function run_task<S, R>(make: () => S, task: (w: S) => Gen<R>): { w: S; ret: R; violation: Violation | null } {
  const model = defineModel<S>({ name: 'task', setup: make, threads: (w) => ({ task: task(w) }) });
  const run = runSequential(model);
  return { w: run.state, ret: run.results.task as R, violation: run.violation };
}

/** The VMA at addr, looked up under mmap_lock; the one-task tests then use it without the lock. */
export function* vma_at(mm: mm_struct, addr: number): Gen<vm_area_struct> {
  yield* mmap_write_lock_killable(mm);
  const vma = yield* find_vma(mm, addr);
  yield* mmap_write_unlock(mm);
  if (!vma) throw new Error(`no VMA at ${addr.toString(16)}`);
  return vma;
}

/** Explores the model with source-DPOR and, when asked (small models only), naive enumeration. */
export function explore_both(model: Model, opts: { naive?: boolean } = {}): CheckResult[] {
  const strategies: StrategyName[] = opts.naive ? ['dpor', 'naive'] : ['dpor'];
  return strategies.map((strategy) => explore(model, { strategy }));
}
