// What a check answers: the verdict, the counterexample, the stats.

export type ViolationKind =
  | 'assertion' | 'final-check' | 'invariant' | 'deadlock' | 'lock-order-cycle' | 'lock-misuse' | 'model-error';

export interface TraceEvent {
  /** position in the execution, from 0 */
  step: number;
  thread: string;
  /** call frames, outermost first */
  frames: string[];
  op: string;
  object: string;
  value?: unknown;
  /** what the step does, when the model said */
  what?: string;
}

export interface Trace {
  events: TraceEvent[];
  /** replays this trace: see schedule.ts */
  schedule: string;
  threads: string[];
}

export interface LockEdge {
  from: string;
  to: string;
  /** mode in which `from` was held and `to` acquired */
  fromMode: 'read' | 'write';
  toMode: 'read' | 'write';
  thread: string;
  /** the execution that first took `to` while holding `from`, up to that acquisition */
  trace: Trace;
}

export interface Violation {
  kind: ViolationKind;
  /** the property, check or lock classes concerned */
  property: string;
  message: string;
  trace: Trace;
  /** for lock-order cycles: the edges, each with its own replayable trace */
  cycle?: LockEdge[];
  /** for deadlocks: what each blocked thread waits for */
  blocked?: { thread: string; waitsFor: string; op: string }[];
}

export type Verdict = 'holds' | 'violated' | 'incomplete' | 'model-error';

export type IncompleteReason = 'max-executions' | 'step-bound' | 'timeout' | 'samples';

export interface Stats {
  executions: number;
  complete: number;
  deadlocked: number;
  violating: number;
  bounded: number;
  /** stopped because every enabled thread was in the sleep set: redundant work of the reduction */
  sleepBlocked: number;
  /**
   * optimal DPOR: planned wakeup sequences that could not be followed because their next step
   * was disabled there (a lock held, a wait not satisfied); each was replaced by a free choice,
   * so the executions explored from there may repeat traces
   */
  wakeupBlocked: number;
  transitions: number;
  wallMs: number;
  peakRssMb: number;
}

export interface WitnessCount { name: string; executions: number }

export interface CheckResult {
  model: string;
  strategy: string;
  verdict: Verdict;
  violation?: Violation;
  /** lock-order cycles also found (reported beside a deadlock) */
  cycles?: Violation[];
  incomplete?: IncompleteReason;
  /** a "holds" whose listed witnesses were not all reached */
  vacuous?: boolean;
  witnesses: WitnessCount[];
  stats: Stats;
  /** strategy-specific notes, e.g. the guarantee a random search gives */
  notes?: string[];
  /** how the counterexample was minimized (explore's minimize option, or minimize()) */
  minimization?: Minimization;
  /** the executions the search was estimated to take, before it started (explore's estimate option) */
  estimate?: Estimate;
}

/**
 * How many executions an exhaustive strategy will run, estimated before the search by random
 * probes of its search tree (estimate.ts; docs/engine.md, "State-space estimate").
 */
export interface Estimate {
  /**
   * the mean of the probes (of their later half for 'traces', the first half having taught
   * the sizes): the expected number of executions of a search run to its end (one
   * stopped by a violation or a budget runs fewer); at most a double's largest value
   */
  executions: number;
  /** what was counted: 'interleavings' (naive), or 'traces' (optimal and dpor; dpor adds its sleep-blocked executions) */
  method: 'interleavings' | 'traces';
  /** the probes taken */
  probes: number;
  /**
   * the standard error of the mean over the mean: the standard deviation of the probes used
   * for executions / sqrt(their number) / executions; 0 when every probe gave the same value, null when every probe
   * gave 0 or the values overflowed. Probe values are heavy-tailed, so a small error can still
   * hide an underestimate.
   */
  relativeError: number | null;
  /** the seed of the probes */
  seed: number;
  /** time the probes took */
  wallMs: number;
}

/** The counterexample's size before and after minimization. */
export interface Minimization {
  /** the counterexample first found */
  original: { preemptions: number; steps: number; schedule: string };
  /** the counterexample now in violation */
  preemptions: number;
  steps: number;
  /**
   * true: no counterexample of this property has fewer preemptions, nor as many and fewer
   * steps; false: the budget cut the search (see cut) and a smaller one may exist
   */
  exact: boolean;
  cut?: 'max-executions' | 'timeout';
  /** the bounded searches' work */
  executions: number;
  transitions: number;
  wallMs: number;
}
