// Parallel exploration. The search tree is split at a depth: this thread (the coordinator)
// runs the strategy over the tree above it exactly as one thread would, and worker threads
// explore the subtrees below it. A subtree is fixed by what the strategy hands down at the
// split (the schedule prefix, the sleep set, optimal's wakeup tree); the races a worker finds
// whose first event lies in the prefix are the coordinator's, which applies them in the order
// one thread would, taking the subtrees in the same order. So the verdict, the counterexample
// and every count are those of one thread. Workers look ahead: while the subtree in order
// runs, idle workers take the subtrees that come next if it reports nothing more; one whose
// start turns out different is cancelled and its work discarded.
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Execution } from './execution.js';
import type { Model } from './model.js';
import type { CheckResult, IncompleteReason, Stats, Violation } from './result.js';
import { LockGraph, type EdgeRecord } from './lockdep.js';
import { Clocks } from './clock.js';
import { COUNTER, DEFAULT_STEP_BOUND, newStats, run, sampleMemory } from './driver.js';
import type { Ending, SplitRole, Splittable, SubtreeSpec } from './strategy.js';
import { Naive } from './naive.js';
import { SourceDpor } from './source-dpor.js';
import { OptimalDpor } from './optimal.js';
import { DEFAULT_STRATEGY, assemble, type ExploreOptions, type StrategyName } from './explore.js';
import { minimize } from './minimize.js';
import { ReplayDivergence } from './tree.js';

/** Where a worker thread finds the model: a module it imports and the export that is the model or makes it. */
export interface ModelSource {
  /** file: URL of an ES module */
  module: string;
  /** default: the default export */
  export?: string;
  /** arguments, when the export is a function */
  args?: readonly unknown[];
}

export async function loadSource(src: ModelSource): Promise<Model> {
  const mod = (await import(src.module)) as Record<string, unknown>;
  const e = mod[src.export ?? 'default'];
  const m = typeof e === 'function' ? (e as (...a: unknown[]) => unknown)(...(src.args ?? [])) : e;
  if (typeof m !== 'object' || m === null || typeof (m as Model).threads !== 'function') {
    throw new TypeError(`${src.module}: ${src.export ?? 'the default export'} is not a model`);
  }
  return m as Model;
}

export const SPLITTABLE = ['optimal', 'dpor', 'naive'] as const;
export type SplittableName = (typeof SPLITTABLE)[number];

export function splittable(name: SplittableName, stats: Stats, role: SplitRole): Splittable {
  switch (name) {
    case 'optimal': return new OptimalDpor(stats, role);
    case 'dpor': return new SourceDpor(role);
    default: return new Naive(role);
  }
}

export interface ParallelOptions extends ExploreOptions {
  /** worker threads (the coordinator is this thread) */
  workers: number;
  /** steps of the coordinator's part of the tree at the start (default: see defaultSplitDepth) */
  splitDepth?: number;
  /** how long the subtree in order may run with workers idle before it is split further (default 100 ms) */
  splitAfterMs?: number;
}

/** What a worker sends back for a subtree. */
export interface SubtreeResult {
  stats: Stats;
  witnesses: [string, number][];
  violation: Violation | null;
  edges: EdgeRecord[];
  cut?: IncompleteReason;
  cancelled?: boolean;
}

export type WorkerMessage =
  | { kind: 'reports'; id: number; reports: unknown[] }
  | { kind: 'progress'; id: number; executions: number }
  | { kind: 'done'; id: number; result: SubtreeResult }
  /** divergence: the model is not deterministic (ReplayDivergence) */
  | { kind: 'error'; id: number; divergence: boolean; message: string };

export interface WorkerData {
  source: ModelSource;
  strategy: SplittableName;
  stepBound: number;
  deadline: number;
  /** Int32Array over it: the id of the subtree to cancel */
  cancel: SharedArrayBuffer;
}

interface Item {
  id: number;
  key: string;
  spec: SubtreeSpec;
  /** executions the worker may run */
  limit: number;
  slot: Slot | null;
  reports: unknown[];
  /** reports applied to the coordinator's nodes; -1 while the subtree is not the one in order */
  applied: number;
  executions: number;
  result: SubtreeResult | null;
  error: Error | null;
  settle: (() => void) | null;
}

interface Slot {
  worker: Worker;
  cancel: Int32Array;
  item: Item | null;
}

/** Subtrees explored ahead of the one in order, per worker. */
const LOOKAHEAD_PER_WORKER = 2;
const SPLIT_AFTER_MS = 100;

/** Explores the model of source as explore() would with one thread, in opts.workers worker threads. */
export async function exploreInWorkers(source: ModelSource, opts: ParallelOptions): Promise<CheckResult> {
  const name = opts.strategy ?? DEFAULT_STRATEGY;
  if (!(SPLITTABLE as readonly StrategyName[]).includes(name)) {
    throw new RangeError(`parallel exploration needs an exhaustive strategy (${SPLITTABLE.join(', ')}), not ${name}`);
  }
  const model = await loadSource(source);
  const coordinator = new Coordinator(model, source, name as SplittableName, opts);
  try {
    return await coordinator.explore();
  } finally {
    await coordinator.close();
    if (process.env.MMCHECK_DEBUG) console.error(coordinator.dbg);
  }
}

class Coordinator {
  private readonly stats = newStats();
  private readonly top: Splittable;
  private readonly graph = new LockGraph();
  private readonly witnesses: Map<string, number>;
  private readonly slots: Slot[] = [];
  private readonly items = new Map<string, Item>();
  private readonly queue: Item[] = [];
  private inOrder: Item | null = null;
  /** ceilings made deeper for one subtree: its depth, and the ceiling to go back to above it */
  private readonly deepened: { at: number; ceiling: number }[] = [];
  private nextId = 1;
  private readonly stepBound: number;
  private readonly deadline: number;
  private readonly maxExecutions: number;
  private readonly clocks: Clocks | false;
  private readonly lookClocks: Clocks | false;

  constructor(private readonly model: Model, source: ModelSource, private readonly name: SplittableName,
    private readonly opts: ParallelOptions) {
    this.stepBound = opts.stepBound ?? DEFAULT_STEP_BOUND;
    this.deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    this.maxExecutions = opts.maxExecutions ?? Infinity;
    const depth = Math.min(opts.splitDepth ?? defaultSplitDepth(model), this.stepBound - 1);
    this.top = splittable(name, this.stats, { ceiling: depth });
    this.clocks = this.top.clocks ? new Clocks() : false;
    this.lookClocks = this.top.clocks ? new Clocks() : false;
    this.witnesses = new Map((model.witnesses ?? []).map((w) => [w, 0]));
    const data: Omit<WorkerData, 'cancel'> = { source, strategy: name, stepBound: this.stepBound, deadline: this.deadline };
    for (let w = 0; w < opts.workers; w++) {
      const cancel = new SharedArrayBuffer(4);
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { ...data, cancel } satisfies WorkerData });
      const slot: Slot = { worker, cancel: new Int32Array(cancel), item: null };
      worker.on('message', (m: WorkerMessage) => this.receive(slot, m));
      worker.on('error', (err) => this.fail(slot, err));
      this.slots.push(slot);
    }
  }

  async explore(): Promise<CheckResult> {
    const started = Date.now();
    const stats = this.stats;
    const progress = this.opts.onProgress;
    const timer = progress ? setInterval(() => progress(this.progressStats(started)), 250) : null;
    let violation: Violation | null = null;
    let cut: IncompleteReason | undefined;
    try {
      for (let more = true; more; ) {
        if (stats.executions >= this.maxExecutions) { cut = 'max-executions'; break; }
        if (Date.now() > this.deadline) { cut = 'timeout'; break; }
        const x = new Execution(this.model, { lockGraph: this.graph, clocks: this.clocks });
        const before = stats.transitions;
        const end = run(x, this.top, this.stepBound, stats);
        if (end === 'split') {
          // the worker replays these steps and counts them
          stats.transitions = before;
          const r = await this.subtree(this.top.subtreeAt(x));
          if (r === null) {
            // the tree above it now goes deeper in this subtree: the next execution continues the path
            this.deepened.push({ at: this.top.ceiling, ceiling: this.top.ceiling });
            this.top.ceiling = Math.min(this.top.ceiling * 2, this.stepBound - 1);
            continue;
          }
          this.add(r);
          if (r.violation) { violation = r.violation; break; }
          if (r.cut) { cut = r.cut; break; }
          more = this.top.next();
        } else {
          stats.executions++;
          stats[COUNTER[end as Ending]]++;
          for (const w of x.reached) this.witnesses.set(w, (this.witnesses.get(w) ?? 0) + 1);
          if (x.violation) { violation = x.violation; break; }
          more = this.top.finish(x, end as Ending);
        }
        // back above a subtree that was split further: its ceiling again
        while (this.deepened.length > 0 && this.top.divergence() < this.deepened[this.deepened.length - 1].at) {
          this.top.ceiling = this.deepened.pop()!.ceiling;
        }
      }
    } finally {
      if (timer) clearInterval(timer);
    }
    stats.wallMs = Date.now() - started;
    sampleMemory(stats);
    let incomplete = cut;
    if (!incomplete && stats.bounded > 0) incomplete = 'step-bound';
    const result = assemble(this.model.name, this.name, violation, this.graph, incomplete, this.witnesses, stats);
    const notes = this.top.notes?.();
    if (notes?.length) result.notes = [...(result.notes ?? []), ...notes];
    if (!this.opts.minimize || !result.violation) return result;
    return minimize(this.model, result, { stepBound: this.stepBound, ...(typeof this.opts.minimize === 'object' ? this.opts.minimize : {}) });
  }

  /**
   * The result of the subtree spec, which is the one in order now: taken from a lookahead if
   * one had the same start. Null when it was cancelled to be split further: it ran for a while
   * with workers idle and nothing to look ahead at. Its reports applied so far come again from
   * the parts it is split into, and applying a report twice changes nothing (a thread already in
   * the backtrack set, a sequence already in the wakeup tree).
   */
  private async subtree(spec: SubtreeSpec): Promise<SubtreeResult | null> {
    const key = JSON.stringify(spec);
    const left = this.maxExecutions - this.stats.executions;
    let item = this.items.get(key);
    this.dbg.consumed++;
    if (item) this.dbg.hits++;
    if (!item || item.error) item = this.dispatch(spec, key, left, true);
    this.inOrder = item;
    item.applied = 0;
    this.absorbReports(item);
    this.lookAhead();
    const settled = this.settled(item).then(() => true);
    while (!(await Promise.race([settled, sleep(this.opts.splitAfterMs ?? SPLIT_AFTER_MS).then(() => false)]))) {
      if (this.top.ceiling * 2 >= this.stepBound || this.queue.length > 0 || this.slots.every((sl) => sl.item !== null)) continue;
      this.drop(item);
      this.inOrder = null;
      return null;
    }
    if (item.error) throw item.error;
    let r = item.result!;
    if (r.stats.executions > left) {
      // explored with a larger budget than is left now: again, with what is left
      this.items.delete(key);
      item = this.dispatch(spec, key, left, true);
      item.applied = item.reports.length;
      this.inOrder = item;
      await this.settled(item);
      if (item.error) throw item.error;
      r = item.result!;
    }
    this.inOrder = null;
    this.items.delete(key);
    return r;
  }

  private settled(item: Item): Promise<void> {
    if (item.result || item.error) return Promise.resolve();
    return new Promise((resolve) => { item.settle = resolve; });
  }

  private absorbReports(item: Item): void {
    for (; item.applied < item.reports.length; item.applied++) this.top.absorb(item.reports[item.applied]);
  }

  readonly dbg = { dispatched: 0, consumed: 0, lookMs: 0, lookRuns: 0, hits: 0 };
  private dispatch(spec: SubtreeSpec, key: string, limit: number, first: boolean): Item {
    this.dbg.dispatched++;
    const item: Item = {
      id: this.nextId++, key, spec, limit, slot: null, reports: [], applied: -1, executions: 0, result: null, error: null, settle: null,
    };
    this.items.set(key, item);
    if (first) this.queue.unshift(item);
    else this.queue.push(item);
    this.pump();
    return item;
  }

  /** Hands queued subtrees to idle workers. */
  private pump(): void {
    for (const slot of this.slots) {
      if (slot.item !== null) continue;
      const item = this.queue.shift();
      if (!item) return;
      slot.item = item;
      item.slot = slot;
      slot.worker.postMessage({ id: item.id, spec: item.spec, limit: item.limit });
    }
  }

  /**
   * Explores the coordinator's part of the tree ahead, on a copy, as if the subtree in order
   * reported nothing more: the subtrees met there go to idle workers. Lookaheads no longer
   * met are cancelled.
   */
  private lookAhead(): void {
    const t0 = performance.now();
    try { this.lookAhead1(); } finally { this.dbg.lookMs += performance.now() - t0; this.dbg.lookRuns++; }
  }
  private lookAhead1(): void {
    const wanted = new Set<string>();
    if (this.inOrder) wanted.add(this.inOrder.key);
    const ahead = this.top.fork();
    const scratch = newStats();
    const limit = this.slots.length * LOOKAHEAD_PER_WORKER;
    for (let more = ahead.next(), n = 0; more && n < limit; ) {
      const x = new Execution(this.model, { clocks: this.lookClocks });
      const end = run(x, ahead, this.stepBound, scratch);
      if (end !== 'split') {
        more = ahead.finish(x, end);
        continue;
      }
      const spec = ahead.subtreeAt(x);
      const key = JSON.stringify(spec);
      wanted.add(key);
      n++;
      if (!this.items.has(key)) this.dispatch(spec, key, this.maxExecutions - this.stats.executions, false);
      more = ahead.next();
    }
    for (const [key, item] of this.items) if (!wanted.has(key)) this.drop(item);
  }

  /** Forgets a subtree, cancelling it if a worker is on it. */
  private drop(item: Item): void {
    this.items.delete(item.key);
    const q = this.queue.indexOf(item);
    if (q >= 0) this.queue.splice(q, 1);
    else if (item.slot && !item.result) Atomics.store(item.slot.cancel, 0, item.id);
  }

  private receive(slot: Slot, m: WorkerMessage): void {
    const item = slot.item;
    if (!item || item.id !== m.id) return;
    switch (m.kind) {
      case 'reports':
        item.reports.push(...m.reports);
        if (item === this.inOrder) this.absorbReports(item);
        return;
      case 'progress':
        item.executions = m.executions;
        return;
      case 'done':
        if (!m.result.cancelled) item.result = m.result;
        break;
      case 'error':
        item.error = m.divergence ? new ReplayDivergence(m.message) : new Error(m.message);
        break;
    }
    slot.item = null;
    item.slot = null;
    item.settle?.();
    this.pump();
    if (this.inOrder && this.queue.length === 0) this.lookAhead();
  }

  private fail(slot: Slot, err: Error): void {
    const item = slot.item;
    if (item) {
      item.error = err;
      item.settle?.();
    }
    slot.item = null;
  }

  private add(r: SubtreeResult): void {
    const s = this.stats as unknown as Record<string, number>;
    for (const [k, v] of Object.entries(r.stats)) if (k !== 'wallMs' && k !== 'peakRssMb') s[k] += v;
    for (const [w, n] of r.witnesses) this.witnesses.set(w, (this.witnesses.get(w) ?? 0) + n);
    this.graph.merge(r.edges);
  }

  private progressStats(started: number): Stats {
    sampleMemory(this.stats);
    const partial = this.inOrder?.executions ?? 0;
    return { ...this.stats, executions: this.stats.executions + partial, wallMs: Date.now() - started };
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The coordinator's depth: deep enough that the tree above it branches into many subtrees,
 * shallow enough that every execution reaches it. A third of the first execution's length.
 */
export function defaultSplitDepth(model: Model): number {
  const x = new Execution(model, { clocks: false });
  for (let t = x.threads.find((u) => x.isEnabled(u)); t && x.status === 'running' && x.events.length < DEFAULT_STEP_BOUND;
    t = x.threads.find((u) => x.isEnabled(u))) x.step(t.id);
  return Math.max(1, Math.floor(x.events.length / 3));
}
