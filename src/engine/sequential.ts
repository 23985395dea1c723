// Runs model code outside exploration: threads one after another, each to its end.
import { Execution } from './execution.js';
import type { Model } from './model.js';
import type { Violation } from './result.js';
import type { Gen } from './cell.js';

export interface SequentialRun<S> {
  state: S;
  violation: Violation | null;
  /** what each thread returned */
  results: Record<string, unknown>;
}

/**
 * Runs the threads of model in order, each until it finishes. A thread that blocks is
 * an error: sequential code has nobody to wait for.
 */
export function runSequential<S>(model: Model<S>): SequentialRun<S> {
  const results: Record<string, unknown> = {};
  const wrapped: Model<S> = {
    ...model,
    threads: (s) => Object.fromEntries(Object.entries(model.threads(s)).map(([name, g]) => [name, capture(name, g, results)])),
  };
  const x = new Execution(wrapped, { clocks: false });
  for (const t of x.threads) {
    while (t.pending !== null && x.status === 'running') {
      if (!x.isEnabled(t)) throw new Error(`sequential run: ${t.name} blocks on ${t.pending.o.name}`);
      x.step(t.id);
    }
  }
  return { state: x.state, violation: x.violation, results };
}

function* capture(name: string, g: Gen<unknown>, into: Record<string, unknown>): Gen<unknown> {
  into[name] = yield* g;
  return into[name];
}
