// Optimal DPOR with wakeup trees (Abdulla, Aronis, Jonsson, Sagonas, "Source Sets: A
// Foundation for Optimal Dynamic Partial Order Reduction", JACM 2017). After each maximal
// execution E, for every race e -> e' it builds v = notdep(e, E).e' and inserts it into the
// wakeup tree of the node before e, unless a thread asleep there is a weak initial of v. A node
// explores the branches of its wakeup tree in order, following each sequence step by step, so
// that executions do not end sleep-blocked and each trace is explored once (without locks;
// with trylocks a few twice, where the conservative footprint of a pending trylock makes
// more steps dependent than the trace equivalence does).
//
// Blocking (locks, Cell.until) could make a reversal infeasible, e' disabled where v puts it,
// and an infeasible branch would wrongly cover the sequences inserted through it: races.ts
// therefore reports no race whose e' could not run in the state before e (the state of e''s
// objects where v puts it). Should a planned step be disabled all the same, it is counted in
// stats.wakeupBlocked and replaced by a free choice at that node, as when its wakeup tree is
// empty; that keeps the search going but is not known to recover every trace, so the result
// then says to confirm it with dpor.
import type { Event, Execution } from './execution.js';
import { Group, OpKind, type Op } from './op.js';
import { forEachRace, happensBefore, conflicts } from './races.js';
import { groupOf } from './shared.js';
import type { Stats } from './result.js';
import { newStats } from './driver.js';
import {
  NO_THREAD, REDUNDANT, SPLIT, lowestBit, prefixStep, preferred, takeRole, type SplitRole, type Splittable, type Subtree,
  type SubtreeSpec,
} from './strategy.js';
import { Path, arrivalSleep, type PathNode } from './tree.js';
import { popcount } from './prng.js';

/** An object a step touches and how; comparable across executions. */
export interface Touch { id: string; g: Group }

/**
 * A node of a wakeup tree: a step of a thread, the sequences that go on from it (first
 * child) and the next branch beside it. Wakeup trees can grow large (exponentially, in the
 * worst case), so a node is one small object and touches are shared.
 */
interface WakeupNode {
  readonly tid: number;
  readonly touches: readonly Touch[];
  child: WakeupNode | null;
  next: WakeupNode | null;
}

interface OptimalNode extends PathNode {
  /** asleep on arrival */
  sleep: number;
  /** branches still to explore, in order (a sibling list) */
  wut: WakeupNode | null;
  /** the wakeup tree after the current branch's step: the next node's */
  sub: WakeupNode | null;
  /** the branch of the wakeup tree taken here, null for a free choice or a prefix step (graft()) */
  at: WakeupNode | null;
}

/**
 * A race reported by a worker (parallel.ts): the sequence to insert at node i, unless a thread
 * in `blocking` is asleep or done there.
 */
interface OptimalReport { i: number; blocking: number; seq: PortableSequence }

/**
 * Branches a subtree's wakeup tree gained after it was handed to a worker (graftsBetween): chain
 * goes after the last of the `count` branches of the sibling list that `path` leads to (the
 * index of a branch in each list on the way down, from the subtree's root).
 */
interface Graft { path: number[]; count: number; chain: WakeupNode }

export class OptimalDpor implements Splittable {
  readonly clocks = true;
  readonly everyStep = false;
  readonly exhaustive = true;
  private readonly stats: Stats;
  private readonly coordinator: boolean;
  private readonly subtree: Subtree | null;
  /** touches of the last execution's events, made when first needed */
  private touchCache: (readonly Touch[] | undefined)[] = [];
  /** touches shared by the wakeup trees: by object id and group, or by their text */
  private readonly interned: Map<string, (readonly Touch[])[]>;

  constructor(stats: Stats, role?: SplitRole, readonly path = new Path<OptimalNode>(),
    interned?: Map<string, (readonly Touch[])[]>) {
    this.stats = stats;
    this.interned = interned ?? new Map();
    ({ coordinator: this.coordinator, subtree: this.subtree } = takeRole(role, path));
  }

  choose(x: Execution): number {
    const r = this.path.replay(x);
    if (r >= 0) return r;
    const nodes = this.path.nodes, i = x.events.length;
    if (this.coordinator) return SPLIT; // below the end of its path: a subtree
    const parent = i > 0 ? nodes[i - 1] : null;
    const root = i === this.subtree?.prefix.length;
    const sleep = root ? this.subtree!.sleep : arrivalSleep(x, nodes);
    const enabled = x.enabledMask();
    if (enabled === 0) return NO_THREAD;
    const node: OptimalNode = {
      tid: -1, enabled, sleep, done: 0, wut: root ? this.subtree!.wut as WakeupNode | null : parent ? parent.sub : null, sub: null,
      at: null, sigKind: 0, sigObject: '',
    };
    const p = prefixStep(this.subtree, x, enabled);
    if (p >= 0) node.tid = p;
    else if (!this.nextBranch(node)) {
      const avail = enabled & ~sleep;
      if (avail === 0) return REDUNDANT;
      node.tid = preferred(x, avail);
    }
    this.path.push(x, node);
    return node.tid;
  }

  /**
   * Moves node to the first branch of its wakeup tree that can run. A branch whose thread is
   * asleep is covered by the sleep set; one whose thread is disabled becomes a free choice.
   */
  private nextBranch(node: OptimalNode): boolean {
    const asleep = node.sleep | node.done;
    for (let c = node.wut; c !== null; c = node.wut) {
      node.wut = c.next;
      node.at = c;
      if ((asleep >> c.tid) & 1) continue;
      if ((node.enabled >> c.tid) & 1) {
        node.tid = c.tid;
        node.sub = c.child;
        return true;
      }
      this.stats.wakeupBlocked++;
      const avail = node.enabled & ~asleep;
      if (avail !== 0) {
        node.tid = lowestBit(avail);
        node.sub = null;
        return true;
      }
    }
    node.at = null;
    return false;
  }

  finish(x: Execution): boolean {
    // races grouped by their first event, in the order of the second within a group (the
    // order of insertions into each wakeup tree), so that notdep(i) is computed once
    const races: [number, number][] = [];
    forEachRace(x, this.path.divergence, (i, j) => races.push([i, j]));
    races.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const notdep: number[] = [];
    for (let r = 0, k = 0; r < races.length; r++) {
      const [i, j] = races[r];
      if (r === 0 || races[r - 1][0] !== i) {
        notdep.length = 0;
        k = i + 1;
      }
      for (; k < j; k++) if (!happensBefore(x, i, k)) notdep.push(k);
      this.reverse(x, i, j, notdep);
    }
    this.touchCache = [];
    return this.next();
  }

  next(): boolean {
    return this.path.backtrack((n) => {
      n.done |= 1 << n.tid;
      return this.nextBranch(n);
    });
  }

  /**
   * Inserts v = notdep(i).j into the wakeup tree of the node before event i (notdep: its events
   * before j), unless a thread asleep or done there is a weak initial of v. In a worker, the
   * nodes of the prefix are the coordinator's: the race goes to it with the threads that would
   * block the insertion.
   */
  private reverse(x: Execution, i: number, j: number, notdep: readonly number[]): void {
    const node = this.path.nodes[i];
    const seq = Sequence.of(this, x, notdep, j);
    // e' first, where it cannot run: nothing to reverse
    if (!((node.enabled >> x.events[j].tid) & 1) && seq.initial(seq.last)) return;
    const reported = i < this.path.floor;
    const blocking = (q: number): boolean => (seq.has(q) ? seq.initial(seq.first(q)) : seq.commutes(opTouches(nextOp(x, q, i)!)));
    if (reported) {
      let mask = 0;
      for (let q = 0; q < x.threads.length; q++) if (q !== node.tid && (seq.has(q) || nextOp(x, q, i)) && blocking(q)) mask |= 1 << q;
      this.subtree!.report({ i, blocking: mask, seq: seq.portable() } satisfies OptimalReport);
      return;
    }
    for (let m = (node.sleep | node.done) & ~(1 << node.tid); m; m &= m - 1) if (blocking(lowestBit(m))) return;
    node.wut = seq.insertInto(node.wut);
  }

  subtreeAt(x: Execution): SubtreeSpec {
    const nodes = this.path.nodes;
    return { prefix: x.schedule.slice(), from: this.path.divergence, sleep: arrivalSleep(x, nodes), wut: nodes[nodes.length - 1]?.sub ?? null };
  }

  absorb(report: unknown): void {
    const r = report as OptimalReport, node = this.path.nodes[r.i];
    if (r.blocking & (node.sleep | node.done) & ~(1 << node.tid)) return;
    node.wut = Sequence.from(this, r.seq).insertInto(node.wut);
  }

  /**
   * The branches the wakeup tree now has below a subtree that was handed out with old: each a
   * chain after the last branch of a sibling list of old, as absorb() adds them. Null when the
   * trees differ otherwise.
   */
  graftsBetween(old: unknown, now: unknown): Graft[] | null {
    const grafts: Graft[] = [];
    const walk = (a: WakeupNode | null, b: WakeupNode | null, path: number[]): boolean => {
      let k = 0;
      for (; a !== null; a = a.next, b = b.next, k++) {
        if (b === null || a.tid !== b.tid || !sameTouches(a.touches, b.touches) || !walk(a.child, b.child, [...path, k])) return false;
      }
      if (b === null) return true;
      // a list that was empty: only a subtree's root can gain one, which a worker cannot take
      if (k === 0) return false;
      grafts.push({ path, count: k, chain: b });
      return true;
    };
    return walk(old as WakeupNode | null, now as WakeupNode | null, []) && grafts.length > 0 ? grafts : null;
  }

  /**
   * In a worker: takes grafts into the subtree being explored when one thread, given them from
   * the start, would have explored the same executions so far. That holds when each chain's
   * list is still to be finished (its node on the current path, or below a branch still to be
   * taken) and this search added nothing to that list (its insertions would have met the
   * chain first), or when the chain lies below a branch passed over (then it changes nothing
   * explored). False, leaving the tree as it may be, when one cannot be taken.
   */
  graft(grafts: unknown): boolean {
    for (const g of grafts as Graft[]) if (!this.graftOne(g)) return false;
    return true;
  }

  private graftOne({ path, count, chain }: Graft): boolean {
    const nodes = this.path.nodes, floor = this.path.floor;
    let list = this.subtree!.wut as WakeupNode | null;
    // whether the list's node is on the current path (else it is still to come)
    let live = true;
    for (let d = 0; d < path.length; d++) {
      let e = list!;
      for (let k = path[d]; k > 0; k--) e = e.next!;
      const owner = live ? nodes[floor + d] : undefined;
      if (owner === undefined || pendingIn(owner.wut, e)) live = false;
      else if (owner.at !== e) {
        // passed over, asleep or disabled: nothing below it is explored, by one thread either
        const explored = !((owner.sleep >> e.tid) & 1) && (owner.done >> e.tid) & 1;
        return !explored;
      }
      list = e.child;
    }
    let tail: WakeupNode | null = null, n = 0;
    for (let w = list; w !== null; w = w.next) { tail = w; n++; }
    if (tail === null || n !== count) return false;
    const owner = live ? nodes[floor + path.length] : undefined;
    // its branches all come from the list: an insertion into its emptied list starts another
    if (owner !== undefined && !(pendingIn(list, owner.at) && (owner.wut === null || pendingIn(list, owner.wut)))) return false;
    tail.next = copyTree(chain, (t) => this.intern(t));
    if (owner !== undefined && owner.wut === null) owner.wut = tail.next;
    return true;
  }

  treeSize(): number {
    return this.path.sized((n) => {
      // the current branch, the ones done, and those of the wakeup tree that nextBranch will not skip
      let k = 1 + popcount(n.done);
      for (let c = n.wut; c !== null; c = c.next) if (!(((n.sleep | n.done) >> c.tid) & 1)) k++;
      return k;
    });
  }

  /** A copy of the path with its wakeup trees, for looking ahead; it counts into stats of its own. */
  fork(): OptimalDpor {
    return new OptimalDpor(newStats(), { coordinator: true },
      this.path.clone((n) => ({ ...n, wut: copyTree(n.wut), sub: copyTree(n.sub), at: null })), this.interned);
  }

  notes(): string[] {
    const n = this.stats.wakeupBlocked;
    return n === 0 ? [] : [`optimal: ${n} planned steps were disabled where a wakeup sequence put them and were replaced by free choices; `
      + 'coverage then rests on those choices, so confirm the verdict with the dpor strategy'];
  }

  /** What event k of x touched; for the reversed event, what its operation may touch wherever it runs. */
  touches(x: Execution, k: number, reversed: boolean): readonly Touch[] {
    if (reversed) return this.intern(opTouches(x.events[k].op));
    return (this.touchCache[k] ??= this.intern(eventTouches(x.events[k])));
  }

  intern(t: readonly Touch[]): readonly Touch[] {
    const key = t.length === 1 ? t[0].id : t.map((a) => `${a.id}\u0000${a.g}`).join('\u0001');
    let known = this.interned.get(key);
    if (!known) this.interned.set(key, (known = []));
    // one object: by its group; several: the key says it all
    const g = t.length === 1 ? t[0].g : 0;
    return (known[g] ??= t);
  }
}

/** The operation thread q performs next after event i of x (null if it has finished). */
function nextOp(x: Execution, q: number, i: number): Op | null {
  const events = x.events;
  for (let k = i + 1; k < events.length; k++) if (events[k].tid === q) return events[k].op;
  return x.threads[q].pending;
}

/** Whether e is among the branches from w on. */
function pendingIn(w: WakeupNode | null, e: WakeupNode | null): boolean {
  for (; w !== null; w = w.next) if (w === e) return true;
  return false;
}

function sameTouches(a: readonly Touch[], b: readonly Touch[]): boolean {
  return a.length === b.length && a.every((t, k) => t.id === b[k].id && t.g === b[k].g);
}

/** A copy of a wakeup tree; touches maps its steps' touches (a tree from another thread: to this search's own). */
function copyTree(w: WakeupNode | null, touches = (t: readonly Touch[]): readonly Touch[] => t): WakeupNode | null {
  return w === null ? null : { tid: w.tid, touches: touches(w.touches), child: copyTree(w.child, touches), next: copyTree(w.next, touches) };
}

/** A sequence as it travels from a worker to the coordinator: its clocks copied, its touches made. */
export interface PortableSequence {
  tid: number[];
  next: number[];
  head: number[];
  touches: (readonly Touch[])[];
  /** the clocks of its events, n entries each (the reversed event's is unused) */
  clocks: Int32Array;
  n: number;
}

/**
 * v = notdep(i).j over the events of x, as insertion consumes it from the front: what is left
 * of each thread is a suffix of its events in v, so a thread's first event left is found in
 * constant time, and whether it is initial by its clock against each thread's first event.
 */
/** Sequence: per thread, its last event in v so far (scratch, at most 31 threads) */
const TAIL = new Int32Array(32);

class Sequence {
  private count: number;
  readonly last: number;
  /** touches by position, made when first needed (all of them in a portable sequence) */
  private readonly tch: (readonly Touch[] | undefined)[];

  private constructor(
    private readonly tid: number[],
    /** position of the next event of the same thread in v, or -1 */
    private readonly next: number[],
    /** per thread, its first event left (a position in v), or -1 */
    private readonly head: Int32Array,
    /** clocks: the clock of position a is at buf[at(a)] */
    private readonly buf: Int32Array,
    private readonly at: (a: number) => number,
    private readonly touchesOf: ((a: number) => readonly Touch[]) | null,
    tch: (readonly Touch[] | undefined)[],
  ) {
    this.count = tid.length;
    this.last = tid.length - 1;
    this.tch = tch;
  }

  static of(s: OptimalDpor, x: Execution, notdep: readonly number[], j: number): Sequence {
    const events = x.events;
    const n = x.threads.length;
    const v: number[] = [], tid: number[] = [], next: number[] = [];
    const head = new Int32Array(n).fill(-1);
    const tail = TAIL.fill(-1, 0, n);
    for (let p = 0; p <= notdep.length; p++) {
      const k = p < notdep.length ? notdep[p] : j;
      const a = v.length, t = events[k].tid;
      v.push(k);
      tid.push(t);
      next.push(-1);
      if (tail[t] < 0) head[t] = a;
      else next[tail[t]] = a;
      tail[t] = a;
    }
    const last = v.length - 1;
    return new Sequence(tid, next, head, x.clocks!.buf, (a) => events[v[a]].clock,
      (a) => s.touches(x, v[a], a === last), []);
  }

  static from(s: OptimalDpor, p: PortableSequence): Sequence {
    return new Sequence(p.tid, p.next, Int32Array.from(p.head), p.clocks, (a) => a * p.n, null, p.touches.map((t) => s.intern(t)));
  }

  /** The sequence as it is now (before any insertion consumed it), for another thread. */
  portable(): PortableSequence {
    const n = this.head.length, len = this.tid.length;
    const clocks = new Int32Array(len * n);
    for (let a = 0; a < this.last; a++) clocks.set(this.buf.subarray(this.at(a), this.at(a) + n), a * n);
    const touches = this.tid.map((_, a) => this.touchesAt(a));
    return { tid: this.tid, next: this.next, head: [...this.head], touches, clocks, n };
  }

  private touchesAt(a: number): readonly Touch[] {
    return (this.tch[a] ??= this.touchesOf!(a));
  }

  has(p: number): boolean { return this.head[p] >= 0; }
  first(p: number): number { return this.head[p]; }

  /**
   * Whether the event at position a, the first left of its thread, has no predecessor among
   * the events left. The reversed event is not ordered by its clock, which may put it after
   * events outside v (those a wait was skipped for), but by what its operation may touch.
   */
  initial(a: number): boolean {
    const ta = this.tid[a];
    if (a !== this.last) {
      const b = this.buf, ca = this.at(a);
      for (let t = 0; t < this.head.length; t++) {
        const h = this.head[t];
        if (t === ta || h < 0 || h > a) continue;
        if (b[ca + t] >= b[this.at(h) + t]) return false;
      }
      return true;
    }
    const mine = this.touchesAt(a);
    for (let t = 0; t < this.head.length; t++) {
      if (t === ta) { if (this.head[t] < a) return false; continue; }
      for (let h = this.head[t]; h >= 0; h = this.next[h]) if (conflict(this.touchesAt(h), mine)) return false;
    }
    return true;
  }

  /** Whether a step touching t commutes with every event left. */
  commutes(t: readonly Touch[]): boolean {
    for (let p = 0; p < this.head.length; p++) {
      for (let h = this.head[p]; h >= 0; h = this.next[h]) if (conflict(t, this.touchesAt(h))) return false;
    }
    return true;
  }

  /** p is a weak initial of what is left: its first event there is initial, or it has none and commutes with it all. */
  private weakInitial(w: WakeupNode): boolean {
    return this.has(w.tid) ? this.initial(this.first(w.tid)) : this.commutes(w.touches);
  }

  /**
   * Inserts what is left into a wakeup tree (a sibling list; returns its new head): follows
   * the first branch whose step is a weak initial of it, consuming that step, until the
   * sequence is used up or reaches a leaf (an exploration from there covers it), else adds
   * the rest as a new last branch.
   */
  insertInto(tree: WakeupNode | null): WakeupNode | null {
    let parent: WakeupNode | null = null;
    let last: WakeupNode | null = null;
    for (let w = tree; w !== null; ) {
      if (this.count === 0) return tree;
      if (!this.weakInitial(w)) {
        last = w;
        w = w.next;
        continue;
      }
      const a = this.head[w.tid];
      if (a >= 0) {
        this.head[w.tid] = this.next[a];
        this.count--;
      }
      if (w.child === null) return tree;
      parent = w;
      last = null;
      w = w.child;
    }
    // what is left, in order of v, after the last sibling (or as the first child)
    let chain: WakeupNode | null = null, end: WakeupNode | null = null;
    for (let a = 0; a < this.tid.length; a++) {
      const t = this.tid[a];
      if (this.head[t] < 0 || a < this.head[t]) continue;
      const w: WakeupNode = { tid: t, touches: this.touchesAt(a), child: null, next: null };
      if (end === null) chain = w;
      else end.child = w;
      end = w;
    }
    if (last !== null) last.next = chain;
    else if (parent !== null) parent.child = chain;
    else return chain;
    return tree;
  }
}

export function conflict(a: readonly Touch[], b: readonly Touch[]): boolean {
  for (const p of a) for (const q of b) if (p.id === q.id && conflicts(p.g, q.g)) return true;
  return false;
}

export function eventTouches(ev: Event): Touch[] {
  const out: Touch[] = [{ id: ev.o.id, g: ev.g }];
  if (ev.more) for (const a of ev.more) out.push({ id: a.o.id, g: a.g });
  return out;
}

/** What op may touch in any state (conservative where its outcome decides). */
export function opTouches(op: Op): Touch[] {
  if (op.k !== OpKind.Atomic && op.k !== OpKind.Check) return [{ id: op.o.id, g: groupOf(op, op.o) }];
  const fp = op.fp!;
  const out: Touch[] = [];
  for (const o of fp.writes ?? []) out.push({ id: o.id, g: Group.Exclusive });
  for (const o of fp.reads ?? []) if (!fp.writes?.includes(o)) out.push({ id: o.id, g: Group.Read });
  return out;
}
