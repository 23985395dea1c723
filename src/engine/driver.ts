// Runs executions for a strategy: the loop every exploration shares, with its budgets,
// progress reports, stats and the lock-order graph.
import { Execution } from './execution.js';
import type { Model } from './model.js';
import type { IncompleteReason, Stats, Violation } from './result.js';
import type { LockGraph } from './lockdep.js';
import { Clocks } from './clock.js';
import { NO_THREAD, SPLIT, type Ending, type Strategy } from './strategy.js';

export const DEFAULT_STEP_BOUND = 10_000;

export interface Budget {
  maxExecutions: number;
  /** steps in one execution before it is cut */
  stepBound: number;
  /** Date.now() at which to stop */
  deadline: number;
  onProgress?: (s: Stats) => void;
  /** polled with the deadline: a worker's subtree that is no longer wanted (parallel.ts) */
  cancelled?: () => boolean;
}

export interface Driven {
  /** the violation that stopped the search */
  violation: Violation | null;
  /** the budget that stopped it */
  cut?: IncompleteReason;
  /** Budget.cancelled stopped it */
  cancelled?: boolean;
}

export function newStats(): Stats {
  return {
    executions: 0, complete: 0, deadlocked: 0, violating: 0, bounded: 0, sleepBlocked: 0, wakeupBlocked: 0,
    transitions: 0, wallMs: 0, peakRssMb: 0,
  };
}

export function sampleMemory(stats: Stats): void {
  const mb = process.memoryUsage.rss() / 1048576;
  if (mb > stats.peakRssMb) stats.peakRssMb = Math.round(mb * 10) / 10;
}

/**
 * Runs executions of model as strategy chooses until it has none left, a violation stops it
 * (unless it goes on past them) or the budget runs out. Adds to stats; witnesses counts the
 * executions reaching each witness.
 */
export function drive<S>(model: Model<S>, strategy: Strategy, budget: Budget, stats: Stats,
  graph: LockGraph | null, witnesses: Map<string, number> | null): Driven {
  const started = Date.now();
  const clocks = strategy.clocks ? new Clocks() : false;
  const wallBefore = stats.wallMs;
  let lastReport = started;
  let cut: IncompleteReason | undefined;
  let cancelled = false;
  let violation: Violation | null = null;
  for (let more = true; more; ) {
    if (stats.executions >= budget.maxExecutions) { cut = 'max-executions'; break; }
    // every execution: a few long ones must not overrun the deadline
    const now = Date.now();
    if (now > budget.deadline) { cut = 'timeout'; break; }
    if (now - lastReport >= 250) {
      lastReport = now;
      sampleMemory(stats);
      stats.wallMs = wallBefore + now - started;
      budget.onProgress?.(stats);
    }
    if (budget.cancelled?.()) { cancelled = true; break; }
    const x = new Execution(model, { lockGraph: graph, clocks });
    stats.executions++;
    const end = run(x, strategy, budget.stepBound, stats) as Ending;
    stats[COUNTER[end]]++;
    if (witnesses) for (const w of x.reached) witnesses.set(w, (witnesses.get(w) ?? 0) + 1);
    if (x.violation && !strategy.pastViolations) { violation = x.violation; break; }
    more = strategy.finish(x, end);
  }
  stats.wallMs = wallBefore + Date.now() - started;
  sampleMemory(stats);
  return cut ? { violation, cut } : cancelled ? { violation, cancelled } : { violation };
}

export const COUNTER = {
  complete: 'complete', deadlock: 'deadlocked', violation: 'violating', bounded: 'bounded', redundant: 'sleepBlocked',
} as const satisfies Record<Ending, keyof Stats>;

export function run(x: Execution, strategy: Strategy, stepBound: number, stats: Stats): Ending | 'split' {
  const everyStep = strategy.everyStep;
  for (;;) {
    switch (x.status) {
      case 'complete': return 'complete';
      case 'deadlock': return 'deadlock';
      case 'violation': return 'violation';
      default: break;
    }
    if (x.events.length >= stepBound) return 'bounded';
    const tid = strategy.choose(x);
    if (tid === SPLIT) return 'split';
    if (tid < 0) {
      if (tid !== NO_THREAD) return 'redundant';
      x.deadlock();
      return 'deadlock';
    }
    x.step(tid);
    stats.transitions++;
    if (everyStep) x.checkInvariant();
  }
}
