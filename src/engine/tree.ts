// The current path of a depth-first search over the execution tree: one node per step of the
// last execution. The next execution replays the nodes above the divergence point (checking
// that the model still does the same there) and goes on from the node whose branch changed.
import type { Event, Execution } from './execution.js';
import { OP_NAMES } from './op.js';
import { popcount } from './prng.js';

export class ReplayDivergence extends Error {}

export interface PathNode {
  /** the thread stepped here in the current execution */
  tid: number;
  /** threads enabled here */
  enabled: number;
  /** the threads of the branches explored here before the current one */
  done: number;
  /** operation kind and object id stepped here, checked on replay */
  sigKind: number;
  sigObject: string;
}

/**
 * The rest of a subtree a worker gives back: its nodes, the one whose branch changed last, and
 * for sized(): the executions the worker finished, and when each node was pushed and its branch began.
 */
export interface Handover { nodes: unknown[]; divergence: number; leaves: number; born: number[]; from: number[] }

export class Path<N extends PathNode> {
  readonly nodes: N[] = [];
  /** nodes below this index repeat the previous execution; the node at it took a new branch */
  divergence = 0;
  /** nodes below this index are fixed (a worker's prefix, parallel.ts): backtracking stops here */
  floor = 0;
  /** executions finished: a backtrack each, and the subtrees finished elsewhere (finished()) */
  private leaves = 0;
  /** per node: leaves when it was pushed, and when its current branch began */
  private readonly born: number[] = [];
  private readonly from: number[] = [];

  /** The thread of the node at x's current depth, or -1 past the end of the path. */
  replay(x: Execution): number {
    const i = x.events.length;
    if (i >= this.nodes.length) return -1;
    const n = this.nodes[i];
    const t = x.threads[n.tid];
    const op = t.pending;
    if (i >= this.divergence) this.sign(x, n);
    else if (op === null || op.k !== n.sigKind || op.o.id !== n.sigObject) {
      throw new ReplayDivergence(`model is not deterministic: replaying step ${i}, thread ${t.name} is at ` +
        `${op ? `${OP_NAMES[op.k]} ${op.o.name}` : 'its end'}, not where it was before ` +
        '(does the model keep state outside its shared objects?)');
    }
    return n.tid;
  }

  /** Appends a node for x's current depth (its tid chosen). */
  push(x: Execution, n: N): void {
    this.sign(x, n);
    this.born[this.nodes.length] = this.from[this.nodes.length] = this.leaves;
    this.nodes.push(n);
  }

  private sign(x: Execution, n: N): void {
    const op = x.threads[n.tid].pending!;
    n.sigKind = op.k;
    n.sigObject = op.o.id;
  }

  /**
   * From the deepest node up, next(node, index) moves a node to its next branch (setting its
   * tid) or returns false to drop it. Returns false when no node has a branch left.
   */
  backtrack(next: (n: N, i: number) => boolean): boolean {
    this.leaves++;
    for (let i = this.nodes.length - 1; i >= this.floor; i--) {
      if (next(this.nodes[i], i)) {
        this.nodes.length = i + 1;
        this.from[i] = this.leaves;
        this.divergence = i;
        return true;
      }
    }
    this.nodes.length = 0;
    return false;
  }

  /** A worker's nodes below its prefix, to go on from in the coordinator (parallel.ts). */
  handOver(): Handover {
    const end = this.nodes.length;
    return {
      nodes: this.nodes.slice(this.floor), divergence: this.divergence, leaves: this.leaves,
      born: this.born.slice(this.floor, end), from: this.from.slice(this.floor, end),
    };
  }

  /** Takes over a worker's nodes after its own (the coordinator's). */
  adopt(h: Handover): void {
    const base = this.leaves;
    h.nodes.forEach((n, k) => {
      this.born[this.nodes.length] = base + h.born[k];
      this.from[this.nodes.length] = base + h.from[k];
      this.nodes.push(n as N);
    });
    this.leaves += h.leaves;
    this.divergence = h.divergence;
  }

  /** Counts the executions of a subtree a worker explored as finished here (the coordinator's). */
  finished(executions: number): void {
    this.leaves += executions;
  }

  /**
   * The leaves (executions) of the whole tree, estimated from the subtrees done: at each node,
   * the branches still to explore (of the known(n) known so far) are taken to be as large as
   * the mean of its branches explored so far, the current one by this same estimate. Races
   * found later add branches, so it errs low early on; where a node's first branches were its
   * largest, it errs high late.
   */
  sized(known: (n: N) => number): number {
    let below = -1;
    for (let j = this.nodes.length - 1; j >= 0; j--) {
      const n = this.nodes[j], k = known(n), i = popcount(n.done);
      const done = this.from[j] - this.born[j];
      if (below < 0) {
        below = i > 0 ? done + (k - i) * (done / i) : 0;
        continue;
      }
      below = done + below + (k - i - 1) * ((done + below) / (i + 1));
    }
    return below < 0 ? this.leaves : below;
  }

  /** A copy whose nodes are copied by copy (speculation on the coordinator's part of the tree). */
  clone(copy: (n: N) => N): Path<N> {
    const p = new Path<N>();
    for (const n of this.nodes) p.nodes.push(copy(n));
    p.divergence = this.divergence;
    p.floor = this.floor;
    return p;
  }
}

/** The threads of asleep whose next step commutes with ev: they stay asleep after it. */
export function sleepAfter(x: Execution, asleep: number, ev: Event): number {
  let s = asleep;
  for (let m = asleep; m; m &= m - 1) {
    const q = 31 - Math.clz32(m & -m);
    if (x.pendingDependsOn(x.threads[q], ev)) s &= ~(1 << q);
  }
  return s;
}

/** The sleep set on arrival at the next node of the path: its parent's sleeping and done threads that commute with the parent's step. */
export function arrivalSleep(x: Execution, nodes: readonly (PathNode & { sleep: number })[]): number {
  const i = x.events.length;
  const parent = i > 0 ? nodes[i - 1] : null;
  return parent ? sleepAfter(x, (parent.sleep | parent.done) & ~(1 << parent.tid), x.events[i - 1]) : 0;
}
