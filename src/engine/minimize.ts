// Minimal counterexamples: from a violation, the counterexample of the same property with the
// fewest preemptions, and the fewest steps among those, by iterative context bounding over
// every schedule (unreduced: ICB combined with DPOR is unsound, Coons et al., OOPSLA 2013).
import { Execution } from './execution.js';
import type { Model } from './model.js';
import type { CheckResult, Violation } from './result.js';
import { decodeSchedule } from './schedule.js';
import { DEFAULT_STEP_BOUND, drive, newStats } from './driver.js';
import { PreemptionBounded, type Found } from './bounded.js';


export interface MinimizeOptions {
  /** executions over all bounds (default 200,000) */
  maxExecutions?: number;
  /** default 30 s */
  timeoutMs?: number;
  stepBound?: number;
}

/** Preemptions in a schedule of model: switches away from a thread that could still run. */
export function countPreemptions<S>(model: Model<S>, schedule: string | readonly number[]): number {
  const tids = typeof schedule === 'string' ? decodeSchedule(schedule) : schedule;
  const x = new Execution(model, { clocks: false });
  let n = 0;
  for (let k = 0; k < tids.length && x.status === 'running'; k++) {
    const prev = k > 0 ? x.threads[tids[k - 1]] : null;
    if (prev && tids[k] !== prev.id && x.isEnabled(prev)) n++;
    x.step(tids[k]);
  }
  return n;
}

/**
 * The result with its violation replaced by a minimal one of the same kind and property,
 * and `minimization` saying how it compares with the original and whether the budget cut
 * the search. Lock-order cycles (several traces) are returned as they are.
 */
export function minimize<S>(model: Model<S>, result: CheckResult, opts: MinimizeOptions = {}): CheckResult {
  const v = result.violation;
  if (!v || v.kind === 'lock-order-cycle') return result;
  const started = Date.now();
  const budget = {
    maxExecutions: opts.maxExecutions ?? 200_000,
    stepBound: opts.stepBound ?? DEFAULT_STEP_BOUND,
    deadline: started + (opts.timeoutMs ?? 30_000),
  };
  const stats = newStats();
  const wanted = (w: Violation): boolean => w.kind === v.kind && w.property === v.property;
  const original = { preemptions: countPreemptions(model, v.trace.schedule), steps: v.trace.events.length, schedule: v.trace.schedule };
  const originalFound: Found = { violation: v, steps: original.steps, preemptions: original.preemptions };
  let found: Found | null = null;
  let cut: 'max-executions' | 'timeout' | undefined;
  for (let bound = 0; bound <= original.preemptions && !found; bound++) {
    // at the original's bound the original is a candidate: only shorter ones are looked for
    const s = new PreemptionBounded(bound, wanted, bound === original.preemptions ? originalFound : null);
    const r = drive(model, s, budget, stats, null, null);
    if (r.cut === 'max-executions' || r.cut === 'timeout') cut = r.cut;
    found = s.best;
    if (cut) break;
  }
  const best = found ?? originalFound;
  return {
    ...result,
    violation: best.violation,
    minimization: {
      original,
      preemptions: best.preemptions,
      steps: best.steps,
      exact: !cut,
      ...(cut ? { cut } : {}),
      executions: stats.executions,
      transitions: stats.transitions,
      wallMs: Date.now() - started,
    },
  };
}
