// How many executions an exhaustive search will run, estimated before it starts by probes of
// the tree the strategy searches: each probe is an unbiased estimate of the number of the
// tree's leaves that the search counts (0 for a sleep-blocked leaf).
//
// naive: the tree of every interleaving, every leaf an execution. A probe is Knuth's estimator
// (Knuth, "Estimating the efficiency of backtrack programs", Math. Comp. 1975): one walk from
// the root choosing each branch uniformly among the enabled threads, worth the product of their
// numbers.
//
// optimal, dpor: the tree of full expansion with sleep sets (Godefroid), whose leaves that are
// not sleep-blocked are one per Mazurkiewicz trace, the executions optimal DPOR runs. Sleep sets
// evolve as in tree.ts with the siblings ordered by thread id: the threads of lower id available
// at a node join the sleep set of the branch taken if their next step commutes with its step.
// This tree is a comb: along the path of the lowest threads (the spine), each branching node has
// a side subtree in which a higher thread steps first, the lower ones asleep until it conflicts
// with them, and the traces are spread over hundreds of such small side subtrees (one per place
// of a revoking thread's block among a process's steps). A Knuth walk reaches the k-th one with
// probability about 2^-k: unbiased, but the mean of a few thousand walks saw only the first few
// (0.02 of the traces at 27 mappings). So a probe is Purdom's partial backtracking (Purdom, "Tree
// size by partial backtracking", SIAM J. Comput. 1978) with learned sizes:
// - a run follows one child at each branching node (the heavy one) down to a leaf, and counts
//   the leaf and the side subtrees it passes that are closed (seen whole, so counted exactly);
// - each open side subtree gets a run of its own with a probability p > 0, and 1/p times its
//   count; p follows the subtree's expected count, so that every run carries about the same part
//   of the probe's value.
// The expected counts are learned from the runs: per node (keyed by a hash of the trace reaching
// it and its sleep set), the mean of what the runs through it counted below; per kind of subtree
// (the program point of every thread, the sleep set, the thread stepping into it), the same, for
// subtrees no run took yet: along the comb the side subtrees of one kind hold alike counts; and
// Futures' weights, which tell a branch that puts to sleep a thread nothing seems to wake. Each
// probe is unbiased given the ones before it; the estimate is the mean of the later half of the
// probes, the first half having taught the sizes.
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
  /** and for at most this long, in ms (default 1,000); at least one probe is taken, and the last one is finished */
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
  const tree = method === 'traces' ? new SleepSetTree(model, stepBound) : null;
  const values: number[] = [];
  while (values.length < maxProbes && (values.length === 0 || Date.now() < deadline)) {
    values.push(tree ? tree.probe(random) : interleavings(model, random, stepBound));
  }
  // the first probes of the sleep-set tree, taken while little was known, vary far more
  const used = tree ? values.slice(values.length >> 1) : values;
  // Welford's running mean and variance: probe values span many orders of magnitude
  let n = 0, mean = 0, m2 = 0;
  for (const v of used) {
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const relativeError = sd / Math.sqrt(n) / mean;
  // JSON has no Infinity: an overflowing count is shown as the largest double
  return {
    executions: Math.min(mean, Number.MAX_VALUE), method, probes: values.length,
    relativeError: mean > 0 && Number.isFinite(relativeError) ? relativeError : null, seed, wallMs: Date.now() - started,
  };
}

/** Knuth's walk over every interleaving: the product of the numbers of threads enabled on the way. */
function interleavings<S>(model: Model<S>, random: () => number, stepBound: number): number {
  const x = new Execution(model, { clocks: false });
  let value = 1;
  // ends complete, deadlocked, violating or at the step bound: each an execution of the search
  while (x.status === 'running' && x.events.length < stepBound) {
    const enabled = x.enabledMask();
    if (enabled === 0) break;
    value *= popcount(enabled);
    x.step(randomBit(enabled, random));
  }
  return value;
}

/** A leaf of the sleep-set tree: the end of an execution the search counts (1), or a sleep-blocked one (0). */
interface Leaf {
  readonly count: number;
  readonly closed: true;
}

/** A node with two threads or more available, as far as the runs know it. */
interface TreeNode {
  /** the half of its key (TraceHash) that is not its slot in the table */
  readonly check: number;
  /** the counted leaves below, once closed */
  count: number;
  /** every child closed: count is exact */
  closed: boolean;
  /** in the table: past MAX_NODES new nodes live for one run, and no kept node points to them */
  readonly kept: boolean;
  readonly avail: number;
  /** per available thread: where its step leads (the next branching node, or a leaf), once a run took it */
  readonly kids: (TreeNode | Leaf)[];
  /** per available thread: the Futures weight of its branch */
  readonly wake: number[];
  /** per available thread: the kind of its subtree */
  readonly kind: number[];
  /** the counts of the runs through this node below it: their sum and number */
  sum: number;
  runs: number;
}

const LIVE: Leaf = { count: 1, closed: true };
const BLOCKED: Leaf = { count: 0, closed: true };

/** A branching node a run passed, past its prefix. */
interface Step {
  readonly node: TreeNode;
  /** the step's index in the run */
  readonly depth: number;
  /** the thread taken */
  readonly tid: number;
  /** the counts of the closed subtrees beside it */
  closed: number;
  /** ... and the side runs' estimates of the open ones drawn */
  drawn: number;
}

/** An open subtree beside a run's path: a thread not taken at one of its steps. */
interface Side {
  readonly step: Step;
  readonly tid: number;
  /** its expected count then */
  readonly weight: number;
  /** no run ever took it */
  readonly fresh: boolean;
  /** no run ever took a subtree of its kind */
  readonly untried: boolean;
}

/** One execution of a probe: the path it followed and the open subtrees it passed. */
interface Run {
  /** what the leaf counts (or the closed node where the run stopped) */
  count: number;
  readonly schedule: number[];
  readonly path: Step[];
  readonly sides: Side[];
}

/** A run to take within a probe: the root's, or a side's. */
interface Task {
  readonly prefix: readonly number[];
  /** 1 / the probability that this run is taken */
  readonly scale: number;
  /** the probability its side was drawn with */
  readonly p: number;
  readonly side: Side | null;
  run?: Run;
}

/**
 * Each probe's runs should carry about 1/SHARES of its value each (from the root run's expected
 * total): more runs per probe give steadier probes, fewer give more probes to learn from.
 */
const SHARES = 8;
/** ... and each run draws at most this many side runs on average: while the expected counts are far too low, shares alone would draw them all. */
const SIDE_RUNS = 4;
/** An open side's expected count is at least this times its Futures weight: never 0, which would never draw it. */
const MIN_COUNT = 0.01;
/**
 * Futures can take for doomed a branch that holds many traces (half of them in munmap-race),
 * which only a run into a subtree of its kind shows: each run draws this many more side runs on
 * average, spread evenly over the sides of kinds no run has taken yet.
 */
const UNTRIED_RUNS = 0.5;
/** Bounds the tree kept (a few hundred bytes a node): past it, runs learn no new nodes, which costs accuracy, not correctness. */
const MAX_NODES = 1 << 18;

/** The sleep-set tree as far as the probes know it: node counts, closed subtrees, kind means. */
class SleepSetTree<S> {
  private readonly futures = new Futures();
  private readonly trace = new TraceHash();
  private readonly nodes = new Map<number, TreeNode>();
  /** per kind: the counts of the subtrees of that kind runs took, their sum and number */
  private readonly kinds = new Map<number, { sum: number; n: number }>();

  constructor(private readonly model: Model<S>, private readonly stepBound: number) {}

  /** An unbiased estimate of the counted leaves: a run from the root, and the side runs drawn. */
  probe(random: () => number): number {
    const root: Task = { prefix: [], scale: 1, p: 1, side: null };
    const todo = [root];
    const done: Task[] = [];
    let share = 0;
    while (todo.length > 0) {
      const task = todo.pop()!;
      const run = (task.run = this.run(task.prefix));
      let open = 0, untried = 0;
      for (const s of run.sides) {
        open += s.weight;
        if (s.untried) untried++;
      }
      if (task === root) {
        let closed = run.count;
        for (const s of run.path) closed += s.closed;
        share = (closed + open) / SHARES;
      }
      for (const s of run.sides) {
        let p = Math.min(1, SIDE_RUNS * s.weight / open, task.scale * s.weight / share);
        if (s.untried) p = Math.max(p, Math.min(1, UNTRIED_RUNS / untried));
        if (random() >= p) continue;
        const prefix = run.schedule.slice(0, s.step.depth);
        prefix.push(s.tid);
        todo.push({ prefix, scale: task.scale / p, p, side: s });
      }
      done.push(task);
    }
    // side runs come after the runs they branch off: count from the last
    let count = 0;
    for (let i = done.length - 1; i >= 0; i--) {
      const { run, side, p } = done[i];
      // what the run counted below each step of its path: a sample of the step's node and of the kind of its child
      count = run!.count;
      for (let j = run!.path.length - 1; j >= 0; j--) {
        const s = run!.path[j];
        this.learn(s.node.kind[s.tid], count);
        count += s.closed + s.drawn;
        s.node.sum += count;
        s.node.runs++;
      }
      if (!side) break;
      side.step.drawn += count / p;
      // only a side's first run samples its kind fairly: later ones are drawn by its own count
      if (side.fresh) this.learn(side.step.node.kind[side.tid], count);
    }
    return count;
  }

  /** Replays prefix, then follows the heavy child at each branching node to a leaf, or to a closed node. */
  private run(prefix: readonly number[]): Run {
    const x = new Execution(this.model, { clocks: false });
    this.futures.begin(x.threads.length);
    this.trace.begin(x.threads.length);
    const run: Run = { count: 1, schedule: [], sides: [], path: [] };
    const nodes: TreeNode[] = [];
    let sleep = 0, last: TreeNode | null = null, lastTid = -1, end: TreeNode | Leaf = LIVE;
    // ends complete, deadlocked, violating or at the step bound: each an execution of the search
    while (x.status === 'running' && x.events.length < this.stepBound) {
      const enabled = x.enabledMask();
      if (enabled === 0) break;
      const avail = enabled & ~sleep;
      if (avail === 0) {
        end = BLOCKED;
        break;
      }
      const depth = run.schedule.length;
      let tid = lowestBit(avail);
      if (avail & (avail - 1)) {
        const node = this.node(x, avail, sleep);
        if (last && !last.kids[lastTid] && (node.kept || !last.kept)) last.kids[lastTid] = node;
        nodes.push(node);
        if (depth < prefix.length) tid = prefix[depth];
        else if (node.closed) {
          end = node;
          break;
        } else {
          tid = this.heavy(node);
          const step: Step = { node, depth, tid, closed: 0, drawn: 0 };
          run.path.push(step);
          for (let m = avail & ~(1 << tid); m; m &= m - 1) {
            const t = lowestBit(m);
            const kid = node.kids[t];
            if (kid?.closed) step.closed += kid.count;
            else run.sides.push({ step, tid: t, weight: this.weight(node, t), fresh: !kid, untried: !this.kinds.has(node.kind[t]) });
          }
        }
        last = node;
        lastTid = tid;
      }
      run.schedule.push(tid);
      const ev = x.step(tid);
      const touches = eventTouches(ev);
      this.futures.stepped(ev, touches);
      this.trace.stepped(ev, touches);
      sleep = sleepAfter(x, sleep | (avail & ((1 << tid) - 1)), ev);
    }
    this.futures.end();
    if (last && !last.kids[lastTid]) last.kids[lastTid] = end;
    for (let i = nodes.length - 1; i >= 0; i--) close(nodes[i]);
    run.count = end.count;
    return run;
  }

  /** The node at x's state (new ones are weighed by Futures and classified once). */
  private node(x: Execution, avail: number, sleep: number): TreeNode {
    const check = this.trace.check(sleep);
    let slot = this.trace.slot(sleep);
    // open addressing: small integer keys keep the table's lookups free of allocation
    for (let n = this.nodes.get(slot); n; n = this.nodes.get(slot)) {
      if (n.check === check) return n;
      slot = (slot + 1) & SMI;
    }
    const kept = this.nodes.size < MAX_NODES;
    // arrays of the threads' number: one grown by assignment would reserve a dozen slots more
    const node: TreeNode = {
      check, count: 0, closed: false, kept, avail, kids: new Array(x.threads.length), wake: this.futures.weights(x, avail, sleep),
      kind: kinds(x, avail, sleep), sum: 0, runs: 0,
    };
    if (kept) this.nodes.set(slot, node);
    return node;
  }

  /** The thread a run takes: the lowest open one while no run took it, else the open child expected biggest. */
  private heavy(node: TreeNode): number {
    let tid = -1, best = -1;
    for (let m = node.avail; m; m &= m - 1) {
      const t = lowestBit(m);
      if (node.kids[t]?.closed) continue;
      const w = tid === -1 && !node.kids[t] ? Infinity : this.weight(node, t);
      if (w > best) {
        tid = t;
        best = w;
      }
    }
    return tid;
  }

  /**
   * The expected count of t's subtree at node: exact if closed, else its runs' mean drawn toward
   * its prior, and not below the prior: the first runs' counts are heavy-tailed (mostly small,
   * rarely large), and a subtree weighed by them alone would be starved.
   */
  private weight(node: TreeNode, t: number): number {
    const kid = node.kids[t];
    if (kid?.closed) return kid.count;
    const prior = this.prior(node, t);
    return kid ? Math.max(((kid as TreeNode).sum + prior) / ((kid as TreeNode).runs + 1), prior) : prior;
  }

  /** Before any run: its kind's mean, drawn toward its Futures weight times node's mean count. */
  private prior(node: TreeNode, t: number): number {
    const mean = node.runs > 0 ? node.sum / node.runs : 1;
    const base = node.wake[t] * mean;
    const k = this.kinds.get(node.kind[t]);
    return Math.max(k ? (k.sum + base) / (k.n + 1) : base, node.wake[t] * MIN_COUNT);
  }

  private learn(kind: number, count: number): void {
    const k = this.kinds.get(kind);
    if (k) {
      k.sum += count;
      k.n++;
    } else this.kinds.set(kind, { sum: count, n: 1 });
  }
}

/** Closes node if all its children are closed. */
function close(node: TreeNode): void {
  if (node.closed) return;
  let count = 0;
  for (let m = node.avail; m; m &= m - 1) {
    const kid = node.kids[lowestBit(m)];
    if (!kid?.closed) return;
    count += kid.count;
  }
  node.count = count;
  node.closed = true;
}

/** FNV-1a of s, from h. */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Masks a hash to a small integer (V8's Smi): as a Map key or a field, it needs no allocation. */
const SMI = 0x3fffffff;

/** A 32-bit mix (murmur3's finalizer): hashes summed or xored must not cancel in patterns. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The kind of each available thread's subtree at a node: the program point of every thread
 * (its pending operation and the function it is in, and that function's caller), the sleep set
 * and the thread. Mapping after mapping, a process passes the same program points, and a
 * revocation placed at one of them has about the same number of traces.
 */
function kinds(x: Execution, avail: number, sleep: number): number[] {
  let h = mix(sleep ^ 0x9e3779b9);
  for (const t of x.threads) {
    const op = t.pending;
    let p = op ? mix(op.k + 1) : 0;
    if (op) p = fnv(fnv(fnv(p, op.what ?? ''), t.frame?.name ?? ''), t.frame?.parent?.name ?? '');
    h = mix(h ^ mix(p + t.id));
  }
  const kind = new Array<number>(x.threads.length);
  for (let m = avail; m; m &= m - 1) {
    const t = lowestBit(m);
    kind[t] = mix(h ^ (t + 1)) & SMI;
  }
  return kind;
}

/**
 * A hash of the Mazurkiewicz trace of an execution so far: the sum over its steps of a hash of
 * (thread, index of the step in the thread, operation, and for each object touched, the object
 * and the index of the step among the object's), which orders of steps on different objects
 * leave equal. With the sleep set it keys a node of the sleep-set tree: a run comes back to a
 * node by that key whatever interleaving of its trace it took. Two 30-bit lanes make a
 * collision unlikely.
 */
class TraceHash {
  private lo = 0;
  private hi = 0;
  private steps: number[] = [];
  /** per object id: a hash of the id, and its steps so far in run number run */
  private readonly objects = new Map<string, { h: number; steps: number; run: number }>();
  private runs = 0;

  begin(threads: number): void {
    this.lo = this.hi = 0;
    this.steps = new Array<number>(threads).fill(0);
    this.runs++;
  }

  stepped(ev: Event, touches: readonly Touch[]): void {
    const step = mix(mix(ev.tid + 1) ^ Math.imul(this.steps[ev.tid]++, 0x9e3779b1) ^ (ev.op.k << 24));
    for (const t of touches) {
      let o = this.objects.get(t.id);
      if (!o) this.objects.set(t.id, (o = { h: fnv(0x811c9dc5, t.id), steps: 0, run: 0 }));
      if (o.run !== this.runs) {
        o.run = this.runs;
        o.steps = 0;
      }
      const h = mix(step ^ o.h ^ mix(Math.imul(o.steps++, 0x85ebca6b) ^ t.g));
      // sums modulo 2^30 stay small integers, stored without allocation
      this.lo = (this.lo + (h & SMI)) & SMI;
      this.hi = (this.hi + (mix(h ^ 0x5bd1e995) & SMI)) & SMI;
    }
  }

  /** The key of the node reached, with its sleep set, in two small integers (60 bits). */
  slot(sleep: number): number {
    return mix(this.lo ^ mix(sleep)) & SMI;
  }

  check(sleep: number): number {
    return mix(this.hi + sleep) & SMI;
  }
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
/**
 * Futures merges what followed a history into its entry this many times: by then the entry has
 * most of what follows it, and merging again costs a run's steps times the objects they touch.
 */
const MERGES = 3;
/** Per object id: the fewest steps before the thread touched it in each group, and before it blocked on it. */
type Ahead = Map<string, Int32Array>;

/** The steps that wait: trylocks and the queueing step of a write-lock never do. */
const blocking = (k: OpKind): boolean => k === OpKind.Until || k === OpKind.Lock || k === OpKind.ReadLock || k === OpKind.WriteWait;

/**
 * What each thread did after each point of its own history in the runs so far. A thread's
 * history is a hash of the operations and objects of its steps so far, which fixes its path
 * through its own code; a step index alone would mix paths (a zap that found VMAs runs more
 * steps than one that did not).
 */
class Futures {
  private readonly ahead = new Map<number, Ahead>();
  /** per key of ahead: the runs merged into its entry */
  private readonly merged = new Map<number, number>();
  /** objects in all of ahead's entries */
  private entries = 0;
  private hashes: number[] = [];
  /** this run's steps per thread: the history before each (its key), what each touched, whether it blocked */
  private keys: number[][] = [];
  private touched: (readonly Touch[])[][] = [];
  private blocked: boolean[][] = [];

  begin(threads: number): void {
    this.hashes = Array.from({ length: threads }, (_, i) => (0x811c9dc5 ^ i) >>> 0);
    this.keys = Array.from({ length: threads }, () => []);
    this.touched = Array.from({ length: threads }, () => []);
    this.blocked = Array.from({ length: threads }, () => []);
  }

  /** Thread r's history, as a key of ahead: the threads' hashes start apart, so one key is one thread's. */
  private key(r: number): number {
    return this.hashes[r] & SMI;
  }

  stepped(ev: Event, touches: readonly Touch[]): void {
    const r = ev.tid;
    this.keys[r].push(this.key(r));
    this.touched[r].push(touches);
    this.blocked[r].push(blocking(ev.op.k));
    this.hashes[r] = fnv(Math.imul(this.hashes[r] ^ (ev.op.k + 1), 0x01000193), ev.o.id);
  }

  /** Adds this run's steps: from each point of each thread's history, how far each object was. */
  end(): void {
    for (let r = 0; r < this.keys.length; r++) {
      const keys = this.keys[r], touched = this.touched[r], blocked = this.blocked[r];
      const next = new Map<string, Int32Array>();
      for (let i = keys.length - 1; i >= 0; i--) {
        const touches = touched[i];
        for (const t of touches) {
          let e = next.get(t.id);
          if (!e) next.set(t.id, (e = new Int32Array(SLOTS).fill(NONE)));
          e[t.g] = i;
          if (blocked[i] && t === touches[0]) e[t.g === Group.Exclusive ? WAITS : SHARED_WAITS] = i;
        }
        let f = this.ahead.get(keys[i]);
        if (!f) {
          if (this.entries >= MAX_ENTRIES) continue;
          this.ahead.set(keys[i], (f = new Map()));
        }
        const merged = this.merged.get(keys[i]) ?? 0;
        if (merged >= MERGES) continue;
        this.merged.set(keys[i], merged + 1);
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
    const w = new Array<number>(x.threads.length);
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
