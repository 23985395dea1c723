// Runs model code outside exploration: threads one after another, each to its end.
import { Execution } from './execution.js';
import type { Model } from './model.js';
import type { Violation } from './result.js';

export interface SequentialRun<S> {
  state: S;
  violation: Violation | null;
  /** what each thread returned */
  results: Record<string, unknown>;
}

export interface SequentialOptions {
  /**
   * keep no events (default false): for long runs whose trace nobody reads, such as counting
   * faults; a violation then carries its message but an empty trace
   */
  lean?: boolean;
}

/**
 * Runs the threads of model in order, each until it finishes. A thread that blocks is
 * an error: sequential code has nobody to wait for.
 */
export function runSequential<S>(model: Model<S>, opts: SequentialOptions = {}): SequentialRun<S> {
  const x = new Execution(model, { clocks: false, record: !opts.lean });
  for (const t of x.threads) {
    while (t.pending !== null && x.status === 'running') {
      if (!x.isEnabled(t)) throw new Error(`sequential run: ${t.name} blocks on ${t.pending.o.name}`);
      x.step(t.id);
    }
  }
  return { state: x.state, violation: x.violation, results: Object.fromEntries(x.threads.map((t) => [t.name, t.result])) };
}
