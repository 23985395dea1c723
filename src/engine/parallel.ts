// Parallel exploration. This thread (the coordinator) runs the strategy as one thread would
// over a path of nodes; an execution that runs past the end of the path is a subtree, which a
// worker thread explores. A subtree is fixed by what the strategy hands down there (the
// schedule prefix, the sleep set, optimal's wakeup tree); the races a worker finds whose first
// event lies in the prefix are the coordinator's, which applies them in the order one thread
// would, taking the subtrees in the same order. So the verdict, the counterexample and every
// count are those of one thread.
//
// The coordinator's path starts empty: the first subtree is the whole tree. When the subtree in
// order keeps its worker busy while others idle, its worker hands the rest of it back after its
// next execution, and its nodes join the coordinator's path, whose other branches are subtrees
// for the idle workers. Workers look ahead: while the subtree in order runs, idle workers take
// the subtrees that come next if it reports nothing more; one whose start turns out different
// is cancelled and its work discarded, unless all it lacks is branches its worker can still
// take (Splittable.graft): reports add branches to the wakeup trees of subtrees looked ahead.
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Execution } from './execution.js';
import type { Model } from './model.js';
import type { CheckResult, IncompleteReason, Stats, Violation } from './result.js';
import { LockGraph, type EdgeRecord } from './lockdep.js';
import { Clocks } from './clock.js';
import { COUNTER, DEFAULT_STEP_BOUND, newStats, run, sampleMemory } from './driver.js';
import type { Ending, SplitRole, Splittable, SubtreeSpec } from './strategy.js';
import type { Handover } from './tree.js';
import { Naive } from './naive.js';
import { SourceDpor } from './source-dpor.js';
import { OptimalDpor } from './optimal.js';
import { DEFAULT_STRATEGY, conclude, during, estimateBefore, type ExploreOptions, type SearchEnd, type StrategyName } from './explore.js';
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

/** Thrown by loadSource when the module loads but its export is not a model. */
export class NotAModel extends TypeError {}

export async function loadSource(src: ModelSource): Promise<Model> {
  const mod = (await import(src.module)) as Record<string, unknown>;
  const e = mod[src.export ?? 'default'];
  const m = typeof e === 'function' ? (e as (...a: unknown[]) => unknown)(...(src.args ?? [])) : e;
  if (typeof m !== 'object' || m === null || typeof (m as Model).setup !== 'function' || typeof (m as Model).threads !== 'function') {
    throw new NotAModel(`${src.module}: ${src.export ?? 'the default export'} is not a model`);
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
  /** how long the subtree in order may keep its worker while others idle before it is handed back (default 100 ms) */
  handBackAfterMs?: number;
}

/** What a worker sends back for a subtree. */
export interface SubtreeResult {
  stats: Stats;
  witnesses: [string, number][];
  violation: Violation | null;
  edges: EdgeRecord[];
  cut?: IncompleteReason;
  cancelled?: boolean;
  /** the rest of the subtree, handed back when the coordinator asked */
  handover?: Handover;
}

export type WorkerMessage =
  | { kind: 'reports'; id: number; reports: unknown[] }
  | { kind: 'progress'; id: number; executions: number }
  | { kind: 'done'; id: number; result: SubtreeResult }
  /** whether the worker took the grafts sent for the subtree (else it ends it) */
  | { kind: 'grafted'; id: number; ok: boolean }
  /** divergence: the model is not deterministic (ReplayDivergence) */
  | { kind: 'error'; id: number; divergence: boolean; message: string };

export interface WorkerData {
  source: ModelSource;
  strategy: SplittableName;
  stepBound: number;
  deadline: number;
  /** Int32Array over it, indexed by CONTROL */
  control: SharedArrayBuffer;
  /** where the coordinator sends grafts ({ id, grafts }), read between executions */
  grafts: MessagePort;
}

/** The coordinator's requests to a worker, in shared memory: read between its executions. */
export const CONTROL = {
  /** the id of a subtree to give up */
  cancel: 0,
  /** the id of a subtree to hand back after its next execution */
  handBack: 1,
  /** the id of a subtree with grafts waiting */
  graft: 2,
  length: 3,
} as const;

interface Item {
  id: number;
  key: string;
  /** its prefix: where in the tree it is */
  place: string;
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
  /** grafts sent and not yet answered */
  grafting: number;
  grafted: (() => void) | null;
}

interface Slot {
  worker: Worker;
  control: Int32Array;
  grafts: MessagePort;
  item: Item | null;
}

/**
 * V8's semi-space for a search, in MB. The engine allocates fast and keeps little: with a young
 * generation this large (three times it: two semi-spaces and the new large-object space) it
 * scavenges a quarter as often, and populate-hook threads-4 took 14 s instead of 18 with one
 * thread, 12 instead of 17 with two workers. The main thread gets it from the command line
 * (--max-semi-space-size: src/cli/main.ts's first line, package.json's scripts, the benchmarks'
 * child processes), workers from their resourceLimits.
 */
export const SEMI_SPACE_MB = 128;
/** The same, as the command-line flag. */
export const HEAP_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`];

/** Subtrees explored ahead of the one in order, per worker. */
const LOOKAHEAD_PER_WORKER = 2;
const HAND_BACK_AFTER_MS = 100;
/** The least time between two lookaheads prompted by reports of the subtree in order. */
const LOOK_AGAIN_MS = 20;

/** Explores the model of source as explore() would with one thread, in opts.workers worker threads. */
export async function exploreInWorkers(source: ModelSource, opts: ParallelOptions): Promise<CheckResult> {
  const name = opts.strategy ?? DEFAULT_STRATEGY;
  if (!(SPLITTABLE as readonly StrategyName[]).includes(name)) {
    throw new RangeError(`parallel exploration needs an exhaustive strategy (${SPLITTABLE.join(', ')}), not ${name}`);
  }
  // with none the coordinator would wait for ever
  if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`parallel exploration needs a whole number of workers, at least 1, not ${opts.workers}`);
  const model = await loadSource(source);
  const coordinator = new Coordinator(model, source, name as SplittableName, opts);
  try {
    return await coordinator.explore();
  } finally {
    await coordinator.close();
  }
}

class Coordinator {
  private readonly stats = newStats();
  private readonly top: Splittable;
  private readonly graph = new LockGraph();
  private readonly witnesses: Map<string, number>;
  private readonly slots: Slot[] = [];
  /** subtrees by their start (JSON of the spec) and by their place */
  private readonly items = new Map<string, Item>();
  private readonly at = new Map<string, Item>();
  private readonly queue: Item[] = [];
  private inOrder: Item | null = null;
  private fatal: Error | null = null;
  private nextId = 1;
  private lookedAt = 0;
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
    this.top = splittable(name, this.stats, { coordinator: true });
    this.clocks = this.top.clocks ? new Clocks() : false;
    this.lookClocks = this.top.clocks ? new Clocks() : false;
    this.witnesses = new Map((model.witnesses ?? []).map((w) => [w, 0]));
    const data: Omit<WorkerData, 'control' | 'grafts'> = { source, strategy: name, stepBound: this.stepBound, deadline: this.deadline };
    for (let w = 0; w < opts.workers; w++) {
      const control = new SharedArrayBuffer(4 * CONTROL.length);
      const grafts = new MessageChannel();
      const worker = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: { ...data, control, grafts: grafts.port2 } satisfies WorkerData, transferList: [grafts.port2],
        resourceLimits: { maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MB },
      });
      const slot: Slot = { worker, control: new Int32Array(control), grafts: grafts.port1, item: null };
      worker.on('message', (m: WorkerMessage) => this.receive(slot, m));
      worker.on('error', (err) => this.fail(slot, err));
      this.slots.push(slot);
    }
  }

  async explore(): Promise<CheckResult> {
    const started = Date.now();
    const stats = this.stats;
    const estimate = this.opts.estimate ? estimateBefore(this.model, this.name, this.opts, this.stepBound) : null;
    const progress = this.opts.onProgress;
    const timer = progress ? setInterval(() => {
      const s = this.progressStats(started);
      progress(s, estimate ? during(estimate, this.top, s) : undefined);
    }, 250) : null;
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
          this.add(r);
          if (r.violation) { violation = r.violation; break; }
          if (r.cut) { cut = r.cut; break; }
          if (r.handover) {
            this.top.path.adopt(r.handover);
          } else {
            // next() counts one
            this.top.path.finished(r.stats.executions - 1);
            more = this.top.next();
          }
        } else {
          stats.executions++;
          stats[COUNTER[end as Ending]]++;
          for (const w of x.reached) this.witnesses.set(w, (this.witnesses.get(w) ?? 0) + 1);
          if (x.violation) { violation = x.violation; break; }
          more = this.top.finish(x, end as Ending);
        }
      }
    } finally {
      if (timer) clearInterval(timer);
    }
    stats.wallMs = Date.now() - started;
    sampleMemory(stats);
    const end: SearchEnd = { violation, graph: this.graph, witnessCounts: this.witnesses, stats, estimate };
    if (cut) end.cut = cut;
    return conclude(this.model, this.name, this.top, end, this.opts);
  }

  /**
   * The result of the subtree spec, which is the one in order now: taken from a lookahead if
   * one had the same start. When it runs for a while, its worker is asked to hand the rest of
   * it back.
   */
  private async subtree(spec: SubtreeSpec): Promise<SubtreeResult> {
    const key = JSON.stringify(spec);
    const left = this.maxExecutions - this.stats.executions;
    let item = this.items.get(key);
    if (!item || item.error) item = this.dispatch(spec, key, left, true);
    while (item.grafting > 0 && !this.fatal) await new Promise<void>((resolve) => { item!.grafted = resolve; });
    if (this.fatal) throw this.fatal;
    // its worker could not take the grafts
    if (this.items.get(key) !== item) item = this.dispatch(spec, key, left, true);
    this.inOrder = item;
    item.applied = 0;
    this.absorbReports(item);
    this.lookAhead();
    const settled = this.settled(item).then(() => true);
    while (!(await Promise.race([settled, sleep(this.opts.handBackAfterMs ?? HAND_BACK_AFTER_MS).then(() => false)]))) {
      if (this.fatal) throw this.fatal;
      // its branches are work the others can take for sure, where lookaheads are guesses
      if (item.slot && this.slots.length > 1) Atomics.store(item.slot.control, CONTROL.handBack, item.id);
    }
    if (this.fatal) throw this.fatal;
    if (item.error) throw item.error;
    let r = item.result!;
    if (r.stats.executions > left) {
      // explored with a larger budget than is left now: again, with what is left
      this.drop(item);
      item = this.dispatch(spec, key, left, true);
      item.applied = item.reports.length;
      this.inOrder = item;
      await this.settled(item);
      if (item.error) throw item.error;
      r = item.result!;
    }
    this.inOrder = null;
    this.drop(item);
    return r;
  }

  private settled(item: Item): Promise<void> {
    if (item.result || item.error) return Promise.resolve();
    return new Promise((resolve) => { item.settle = resolve; });
  }

  private absorbReports(item: Item): void {
    for (; item.applied < item.reports.length; item.applied++) this.top.absorb(item.reports[item.applied]);
  }

  private dispatch(spec: SubtreeSpec, key: string, limit: number, first: boolean): Item {
    const place = spec.prefix.join('.');
    const stale = this.at.get(place);
    if (stale) {
      if (this.regraft(stale, spec, key)) return stale;
      this.drop(stale);
    }
    const item: Item = {
      id: this.nextId++, key, place, spec, limit, slot: null, reports: [], applied: -1, executions: 0, result: null, error: null, settle: null,
      grafting: 0, grafted: null,
    };
    this.items.set(key, item);
    this.at.set(place, item);
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
      // the edges merged so far came from subtrees before this one: it need not trace them
      slot.worker.postMessage({ id: item.id, spec: item.spec, limit: item.limit, knownEdges: this.graph.keys() });
    }
  }

  /**
   * When a worker is idle: explores the coordinator's part of the tree ahead, on a copy, as if
   * the subtree in order reported nothing more, and gives the subtrees met there to idle
   * workers. A lookahead met again at the same place with another start is cancelled: the
   * later guess knows more.
   */
  private lookAhead(): void {
    if (this.queue.length > 0 || this.slots.every((sl) => sl.item !== null)) return;
    this.lookedAt = Date.now();
    const ahead = this.top.fork();
    const scratch = newStats();
    const limit = this.slots.length * LOOKAHEAD_PER_WORKER;
    const idle = (): boolean => this.queue.length === 0 && this.slots.some((sl) => sl.item === null);
    for (let more = ahead.next(), n = 0; more && n < limit && idle(); ) {
      const x = new Execution(this.model, { clocks: this.lookClocks });
      const end = run(x, ahead, this.stepBound, scratch);
      if (end !== 'split') {
        more = ahead.finish(x, end);
        continue;
      }
      const spec = ahead.subtreeAt(x);
      const key = JSON.stringify(spec);
      n++;
      if (!this.items.has(key)) this.dispatch(spec, key, this.maxExecutions - this.stats.executions, false);
      more = ahead.next();
    }
  }

  /**
   * A running subtree at the place of spec, which differs from it by branches its wakeup tree
   * gained since: sends them to its worker, to take between executions if it still can, and
   * files it as spec's. False when it is not such a subtree.
   */
  private regraft(stale: Item, spec: SubtreeSpec, key: string): boolean {
    const old = stale.spec;
    if (!stale.slot || stale.result || !this.top.graftsBetween || old.from !== spec.from || old.sleep !== spec.sleep) return false;
    const grafts = this.top.graftsBetween(old.wut, spec.wut);
    if (grafts === null) return false;
    this.items.delete(stale.key);
    stale.key = key;
    stale.spec = spec;
    this.items.set(key, stale);
    stale.grafting++;
    stale.slot.grafts.postMessage({ id: stale.id, grafts });
    Atomics.store(stale.slot.control, CONTROL.graft, stale.id);
    return true;
  }

  /** Forgets a subtree, cancelling it if a worker is on it. */
  private drop(item: Item): void {
    if (this.items.get(item.key) === item) this.items.delete(item.key);
    if (this.at.get(item.place) === item) this.at.delete(item.place);
    const q = this.queue.indexOf(item);
    if (q >= 0) this.queue.splice(q, 1);
    else if (item.slot && !item.result) Atomics.store(item.slot.control, CONTROL.cancel, item.id);
    item.grafting = 0;
    item.grafted?.();
  }

  private receive(slot: Slot, m: WorkerMessage): void {
    const item = slot.item;
    if (!item || item.id !== m.id) return;
    switch (m.kind) {
      case 'reports':
        item.reports.push(...m.reports);
        if (item === this.inOrder) {
          this.absorbReports(item);
          // what comes next may have changed: look again, now and then
          const now = Date.now();
          if (now - this.lookedAt >= LOOK_AGAIN_MS) this.lookAhead();
        }
        return;
      case 'progress':
        item.executions = m.executions;
        return;
      case 'grafted':
        if (!m.ok) this.drop(item);
        else if (--item.grafting === 0) item.grafted?.();
        return;
      case 'done':
        if (!m.result.cancelled) item.result = m.result;
        break;
      case 'error':
        item.error = m.divergence ? new ReplayDivergence(m.message) : new Error(m.message);
        break;
    }
    // ended before it could take its grafts: explored without them
    if (item.grafting > 0) this.drop(item);
    slot.item = null;
    item.slot = null;
    item.settle?.();
    this.pump();
    if (this.inOrder && this.queue.length === 0) this.lookAhead();
  }

  /** A worker died (it could not load the model, or ran out of memory): the search cannot go on. */
  private fail(slot: Slot, err: Error): void {
    this.fatal ??= new Error(`a worker thread failed: ${err.message}`);
    slot.item?.grafted?.();
    slot.item = null;
    this.inOrder?.settle?.();
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
    for (const s of this.slots) s.grafts.close();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
