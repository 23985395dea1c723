// Exploration of a model's interleavings by one of the strategies, each in its own file:
// exhaustive ones re-run setup for every execution and replay a schedule prefix of the
// current search path (stateless), sampling ones draw schedules from a seeded generator.
import type { Model } from './model.js';
import type { CheckResult, Estimate, IncompleteReason, Stats, Violation } from './result.js';
import { LockGraph } from './lockdep.js';
import { DEFAULT_STEP_BOUND, drive, newStats } from './driver.js';
import type { Strategy } from './strategy.js';
import { Naive } from './naive.js';
import { SourceDpor } from './source-dpor.js';
import { OptimalDpor } from './optimal.js';
import { RandomWalk } from './random.js';
import { Pct } from './pct.js';
import { minimize, type MinimizeOptions } from './minimize.js';
import { DEFAULT_ESTIMATE_MS, estimateExecutions } from './estimate.js';

export { DEFAULT_STEP_BOUND } from './driver.js';
export { ReplayDivergence } from './tree.js';

export type StrategyName = 'optimal' | 'dpor' | 'naive' | 'random' | 'pct';

export const STRATEGIES: Record<StrategyName, string> = {
  optimal: 'optimal DPOR with wakeup trees (Abdulla et al., JACM 2017): one execution per trace, a few more with trylocks (the default)',
  dpor: 'source-DPOR with sleep sets (Abdulla et al., POPL 2014)',
  naive: 'every interleaving, no reduction (the test oracle; checks the model invariant after every step)',
  random: 'uniform random scheduling: N samples from a seed; finds bugs, proves nothing',
  pct: 'probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random priorities, d-1 change points; N samples from a seed, proves nothing',
};

export const DEFAULT_STRATEGY: StrategyName = 'optimal';

export interface ExploreOptions {
  /** default 'optimal' */
  strategy?: StrategyName;
  maxExecutions?: number;
  /** steps in one execution before it is cut ("incomplete: step bound") */
  stepBound?: number;
  timeoutMs?: number;
  /** called about every 250 ms with the stats so far, and the estimate when one was made */
  onProgress?: (s: Stats, estimate?: Estimate) => void;
  /** random and pct: executions to sample (default 1,000, at most maxExecutions) */
  samples?: number;
  /** random and pct: seed of the generator (default 1) */
  seed?: number;
  /** pct: the bug depth d aimed at (default 3) */
  depth?: number;
  /** replace a counterexample by one with the fewest preemptions, then the fewest steps */
  minimize?: boolean | MinimizeOptions;
  /**
   * optimal, dpor and naive: first estimate the executions the search will run (estimate.ts),
   * by up to `probes` probes (default 200) for up to `timeoutMs` (default 1,000, counted in the
   * search's timeoutMs); the estimate goes to onProgress and into result.estimate
   */
  estimate?: boolean | { probes?: number; timeoutMs?: number };
}

export function makeStrategy(name: StrategyName, opts: ExploreOptions, stats: Stats): Strategy {
  const samples = Math.min(opts.samples ?? 1000, opts.maxExecutions ?? Infinity);
  const seed = opts.seed ?? 1;
  switch (name) {
    case 'optimal': return new OptimalDpor(stats);
    case 'dpor': return new SourceDpor();
    case 'naive': return new Naive();
    case 'random': return new RandomWalk(samples, seed);
    case 'pct': return new Pct(samples, seed, opts.depth ?? 3);
    default: throw new RangeError(`unknown strategy ${String(name)} (known: ${Object.keys(STRATEGIES).join(', ')})`);
  }
}

export function explore<S>(model: Model<S>, opts: ExploreOptions = {}): CheckResult {
  const name = opts.strategy ?? DEFAULT_STRATEGY;
  const stats = newStats();
  const strategy = makeStrategy(name, opts, stats);
  const graph = new LockGraph();
  const witnessCounts = new Map<string, number>((model.witnesses ?? []).map((w) => [w, 0]));
  const stepBound = opts.stepBound ?? DEFAULT_STEP_BOUND;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const estimate = opts.estimate ? estimateBefore(model, name, opts, stepBound) : null;
  const onProgress = opts.onProgress;
  const budget = {
    maxExecutions: opts.maxExecutions ?? Infinity, stepBound, deadline,
    onProgress: onProgress && estimate ? (s: Stats) => onProgress(s, during(estimate, strategy, s)) : onProgress,
  };
  const r = drive(model, strategy, budget, stats, graph, witnessCounts);
  return conclude(model, name, strategy, { ...r, graph, witnessCounts, stats, estimate }, opts);
}

/** What a search ended with: its stop, what it collected, the estimate made before it. */
export interface SearchEnd {
  violation: Violation | null;
  cut?: IncompleteReason;
  graph: LockGraph;
  witnessCounts: Map<string, number>;
  stats: Stats;
  estimate: Estimate | null;
}

/** The result of a search (one thread or several): verdict, notes, estimate, minimized counterexample. */
export function conclude<S>(model: Model<S>, name: StrategyName, strategy: Strategy, end: SearchEnd, opts: ExploreOptions): CheckResult {
  const { stats } = end;
  let incomplete = end.cut;
  if (!incomplete && stats.bounded > 0) incomplete = 'step-bound';
  if (!incomplete && !strategy.exhaustive) incomplete = 'samples';
  const result = assemble(model.name, name, end.violation, end.graph, incomplete, end.witnessCounts, stats);
  const notes = strategy.notes?.();
  if (notes?.length) result.notes = [...(result.notes ?? []), ...notes];
  if (end.estimate) result.estimate = end.estimate;
  if (!opts.minimize || !result.violation) return result;
  return minimize(model, result, {
    stepBound: opts.stepBound ?? DEFAULT_STEP_BOUND,
    ...(typeof opts.minimize === 'object' ? opts.minimize : {}),
  });
}

/**
 * The estimate during a search: the executions run, and for the rest the estimate made before
 * it times the share of the tree still to explore as the search's own progress measures it
 * (Strategy.treeSize), or that progress's own estimate when larger. Both tend to err low (the
 * probes on side subtrees they took for nearly empty, the progress before races add branches),
 * and this tends to the count at the end.
 */
export function during(before: Estimate, strategy: Strategy, s: Stats): Estimate {
  const size = strategy.treeSize?.();
  if (size === undefined || size <= 0) return before;
  const rest = Math.max(0, 1 - s.executions / size);
  return { ...before, executions: Math.max(size, s.executions + rest * before.executions) };
}

export function estimateBefore<S>(model: Model<S>, strategy: StrategyName, opts: ExploreOptions, stepBound: number): Estimate | null {
  const o = typeof opts.estimate === 'object' ? opts.estimate : {};
  const timeoutMs = Math.min(o.timeoutMs ?? DEFAULT_ESTIMATE_MS, opts.timeoutMs ?? Infinity);
  return estimateExecutions(model, strategy, { probes: o.probes, timeoutMs, seed: opts.seed, stepBound });
}

export function assemble(model: string, strategy: string, violation: Violation | null, graph: LockGraph,
  incomplete: IncompleteReason | undefined, witnessCounts: Map<string, number>, stats: Stats): CheckResult {
  const witnesses = [...witnessCounts].map(([name, executions]) => ({ name, executions }));
  const cycle = graph.findCycle();
  const base = { model, strategy, witnesses, stats };
  if (violation) {
    const r: CheckResult = { ...base, verdict: violation.kind === 'model-error' ? 'model-error' : 'violated', violation };
    if (cycle && violation.kind === 'deadlock') r.cycles = [cycle];
    return r;
  }
  if (cycle) return { ...base, verdict: 'violated', violation: cycle };
  if (incomplete) return { ...base, verdict: 'incomplete', incomplete };
  const vacuous = witnesses.some((w) => w.executions === 0);
  return vacuous ? { ...base, verdict: 'holds', vacuous } : { ...base, verdict: 'holds' };
}
