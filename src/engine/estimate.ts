// How many executions an exhaustive search will run, estimated before it starts: Knuth's
// estimator (Knuth, "Estimating the efficiency of backtrack programs", Math. Comp. 1975) over
// the tree the strategy searches. A probe walks from the root to a leaf, choosing each branch
// with a probability p > 0; the product of the 1/p along the way, or 0 at a leaf the search
// does not count, has the number of counted leaves as its expectation, whatever the p.
//
// naive: the tree of every interleaving, every leaf an execution; branches are chosen
// uniformly among the enabled threads (1/p: their number).
//
// optimal, dpor: the tree of full expansion with sleep sets (Godefroid), whose leaves that are
// not sleep-blocked are one per Mazurkiewicz trace, the executions optimal DPOR runs. Sleep
// sets evolve as in tree.ts with the siblings ordered by thread id: the threads of lower id
// available at a node join the sleep set of the branch taken if their next step commutes with
// its step. Chosen uniformly, almost every probe of this tree ends sleep-blocked (a thread put
// to sleep that nothing wakes any more), long after the choice that doomed it, and the
// estimate is 0: on lastzero, indexer, filesystem and the VFIO scenarios tried but race.
// So branches are weighted by what the earlier probes saw (Futures below): a branch that puts
// to sleep a thread no other thread seems able to wake is chosen rarely, and weighs more when
// it is. The estimate stays unbiased (each probe is, given the ones before it).
import { Execution, type Event, type Held } from './execution.js';
import type { Model } from './model.js';
import type { Estimate } from './result.js';
import type { StrategyName } from './explore.js';
import { Group, OpKind } from './op.js';
import { conflict, eventTouches, opTouches, type Touch } from './optimal.js';
import { mulberry32, popcount, randomBit } from './prng.js';
import { sleepAfter } from './tree.js';
import { lowestBit } from './strategy.js';
import { DEFAULT_STEP_BOUND } from './driver.js';

export interface EstimateOptions {
  /** at most this many probes (default 200) */
  probes?: number;
  /** and for at most this long, in ms (default 1,000); at least one probe is taken */
  timeoutMs?: number;
  /** default 1 */
  seed?: number;
  /** the search's step bound: a probe stops there, as an execution does */
  stepBound?: number;
}

export const DEFAULT_PROBES = 200;
export const DEFAULT_ESTIMATE_MS = 1000;

/**
 * Estimates the executions that strategy will run on model; null for the sampling strategies
 * (random, pct), which run the number of samples asked for.
 */
export function estimateExecutions<S>(model: Model<S>, strategy: StrategyName, opts: EstimateOptions = {}): Estimate | null {
  let method: Estimate['method'];
  switch (strategy) {
    case 'naive': method = 'interleavings'; break;
    case 'optimal': case 'dpor': method = 'traces'; break;
    default: return null;
  }
  const started = Date.now();
  const maxProbes = opts.probes ?? DEFAULT_PROBES;
  const deadline = started + (opts.timeoutMs ?? DEFAULT_ESTIMATE_MS);
  const stepBound = opts.stepBound ?? DEFAULT_STEP_BOUND;
  const seed = opts.seed ?? 1;
  const random = mulberry32(seed);
  const futures = method === 'traces' ? new Futures() : null;
  // Welford's running mean and variance: probe values span many orders of magnitude
  let n = 0, mean = 0, m2 = 0;
  while (n < maxProbes && (n === 0 || Date.now() < deadline)) {
    const v = probe(model, futures, random, stepBound);
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const relativeError = sd / Math.sqrt(n) / mean;
  // JSON has no Infinity: an overflowing count is shown as the largest double
  return {
    executions: Math.min(mean, Number.MAX_VALUE), method, probes: n,
    relativeError: mean > 0 && Number.isFinite(relativeError) ? relativeError : null, seed, wallMs: Date.now() - started,
  };
}

/** One walk from the root (with sleep sets when futures are given): 1/p of its branches, 0 if it ends sleep-blocked. */
function probe<S>(model: Model<S>, futures: Futures | null, random: () => number, stepBound: number): number {
  const x = new Execution(model, { clocks: false });
  futures?.begin(x.threads.length);
  let value = 1, sleep = 0;
  // ends complete, deadlocked, violating or at the step bound: each an execution of the search
  while (x.status === 'running' && x.events.length < stepBound) {
    const enabled = x.enabledMask();
    if (enabled === 0) break;
    const avail = enabled & ~sleep;
    if (avail === 0) {
      value = 0;
      break;
    }
    let tid: number;
    if (futures) {
      const w = futures.weights(x, avail, sleep);
      let total = 0;
      for (let m = avail; m; m &= m - 1) total += w[lowestBit(m)];
      let r = random() * total;
      tid = -1;
      for (let m = avail; m && r >= 0; m &= m - 1) {
        tid = lowestBit(m);
        r -= w[tid];
      }
      value *= total / w[tid];
    } else {
      tid = randomBit(avail, random);
      value *= popcount(avail);
    }
    const ev = x.step(tid);
    if (futures) {
      futures.stepped(ev);
      sleep = sleepAfter(x, sleep | (avail & ((1 << tid) - 1)), ev);
    }
  }
  futures?.end();
  return value;
}

/**
 * The factor of a branch per thread it puts or keeps asleep that another thread was seen to
 * wake only after waiting for it, or that a thread at a point of its code no probe has passed
 * yet may wake.
 */
const UNWOKEN = 0.02;
/** ... per thread asleep that no other thread was seen, from where it is now, to wake. */
const UNTOUCHED = 0.001;

/** Never seen. */
const NONE = 0x7fffffff;
/** Slots of a blocking step (a lock, a wait) in an Ahead entry, after the three groups: exclusive, shared. */
const WAITS = 3;
const SHARED_WAITS = 4;
const SLOTS = 5;
/** Bounds what Futures keeps (about 100 bytes each): past it, probes learn nothing new, which costs accuracy, not correctness. */
const MAX_ENTRIES = 1 << 18;
/** Per object id: the fewest steps before the thread touched it in each group, and before it blocked on it. */
type Ahead = Map<string, Int32Array>;

/** The steps that wait: trylocks and the queueing step of a write-lock never do. */
const blocking = (k: OpKind): boolean => k === OpKind.Until || k === OpKind.Lock || k === OpKind.ReadLock || k === OpKind.WriteWait;

/**
 * What each thread did after each point of its own history in the probes so far. A thread's
 * history is a hash of the operations and objects of its steps so far, which fixes its path
 * through its own code; a step index alone would mix paths (a zap that found VMAs runs more
 * steps than one that did not).
 */
class Futures {
  private readonly ahead = new Map<string, Ahead>();
  /** objects in all of ahead's entries */
  private entries = 0;
  private hashes: number[] = [];
  /** this probe's steps per thread: the history before each, what it touched, whether it blocked */
  private steps: { key: string; touches: Touch[]; blocks: boolean }[][] = [];

  begin(threads: number): void {
    this.hashes = Array.from({ length: threads }, (_, i) => (0x811c9dc5 ^ i) >>> 0);
    this.steps = Array.from({ length: threads }, () => []);
  }

  private key(r: number): string {
    return `${r}:${this.hashes[r]}`;
  }

  stepped(ev: Event): void {
    const r = ev.tid;
    this.steps[r].push({ key: this.key(r), touches: eventTouches(ev), blocks: blocking(ev.op.k) });
    // FNV-1a over the step's operation and object
    let h = this.hashes[r];
    const sig = `${ev.op.k}/${ev.o.id}`;
    for (let i = 0; i < sig.length; i++) h = Math.imul(h ^ sig.charCodeAt(i), 0x01000193);
    this.hashes[r] = h >>> 0;
  }

  /** Adds this probe's steps: from each point of each thread's history, how far each object was. */
  end(): void {
    for (const steps of this.steps) {
      const next = new Map<string, Int32Array>();
      for (let i = steps.length - 1; i >= 0; i--) {
        const s = steps[i];
        for (const t of s.touches) {
          let e = next.get(t.id);
          if (!e) next.set(t.id, (e = new Int32Array(SLOTS).fill(NONE)));
          e[t.g] = i;
          if (s.blocks && t === s.touches[0]) e[t.g === Group.Exclusive ? WAITS : SHARED_WAITS] = i;
        }
        let f = this.ahead.get(s.key);
        if (!f) {
          if (this.entries >= MAX_ENTRIES) continue;
          this.ahead.set(s.key, (f = new Map()));
        }
        for (const [id, e] of next) {
          let d = f.get(id);
          if (!d) {
            if (this.entries >= MAX_ENTRIES) continue;
            this.entries++;
            f.set(id, (d = new Int32Array(SLOTS).fill(NONE)));
          }
          for (let k = 0; k < SLOTS; k++) if (e[k] !== NONE && e[k] - i < d[k]) d[k] = e[k] - i;
        }
      }
    }
  }

  /** The weight of each available thread's branch (indexed by thread id). */
  weights(x: Execution, avail: number, sleep: number): number[] {
    const touches: Touch[][] = [];
    const wake: number[] = [];
    for (let m = avail | sleep; m; m &= m - 1) {
      const q = lowestBit(m);
      touches[q] = opTouches(x.threads[q].pending!);
    }
    const w: number[] = [];
    for (let m = avail; m; m &= m - 1) {
      const t = lowestBit(m);
      let v = 1;
      for (let s = (avail | sleep) & (sleep | ((1 << t) - 1)); s; s &= s - 1) {
        const q = lowestBit(s);
        if (!conflict(touches[q], touches[t])) v *= (wake[q] ??= this.wakeable(x, q, touches[q]));
      }
      w[t] = v;
    }
    return w;
  }

  /**
   * 1 if another unfinished thread was seen, from where it is now, to touch in conflict what
   * q's next step touches before it would wait for q (block on a lock q holds, or on an object
   * q writes later); else UNWOKEN or UNTOUCHED.
   */
  private wakeable(x: Execution, q: number, touches: readonly Touch[]): number {
    const held = x.threads[q].held;
    const qAhead = this.ahead.get(this.key(q));
    let w = UNTOUCHED;
    for (const r of x.threads) {
      if (r.id === q || r.pending === null) continue;
      const f = this.ahead.get(this.key(r.id));
      if (!f) {
        w = UNWOKEN;
        continue;
      }
      let wake = NONE;
      for (const t of touches) wake = Math.min(wake, distance(f, t.id, t.g));
      if (wake === NONE) continue;
      w = UNWOKEN;
      if (!waitsFor(f, wake, held, qAhead)) return 1;
    }
    return w;
  }
}

/**
 * Whether f's thread, before its step wake steps ahead, blocks on a lock q holds (at that step
 * too: it is then an acquisition that waits) or on an object q writes later (qAhead: q's future).
 */
function waitsFor(f: Ahead, wake: number, held: readonly Held[], qAhead: Ahead | undefined): boolean {
  for (const h of held) {
    const d = f.get(h.o.id);
    if (d && (d[WAITS] <= wake || (h.mode === 'write' && d[SHARED_WAITS] <= wake))) return true;
  }
  if (qAhead) {
    for (const [id, d] of f) {
      if (Math.min(d[WAITS], d[SHARED_WAITS]) < wake && (qAhead.get(id)?.[Group.Exclusive] ?? NONE) !== NONE) return true;
    }
  }
  return false;
}

/** The fewest steps before f's thread touched id in conflict with group g. */
function distance(f: Ahead, id: string, g: Group): number {
  const d = f.get(id);
  if (!d) return NONE;
  let m = NONE;
  for (let h = 0; h < 3; h++) if ((h !== g || h === Group.Exclusive) && d[h] < m) m = d[h];
  return m;
}
