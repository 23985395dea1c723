// Preemption-bounded search, the inner loop of iterative context bounding (Musuvathi & Qadeer,
// PLDI 2007): every interleaving with at most `bound` preemptions, unreduced (context bounding
// combined with DPOR is unsound: Coons et al., OOPSLA 2013). A preemption is a switch away
// from a thread that could still run. It keeps the shortest execution that `wanted` accepts
// and cuts executions that are already as long.
import type { Execution } from './execution.js';
import type { Violation } from './result.js';
import { NO_THREAD, REDUNDANT, lowestBit, preferred, type Strategy } from './strategy.js';
import { Path, type PathNode } from './tree.js';

interface BoundedNode extends PathNode {
  /** preemptions before this node */
  pre: number;
  /** the thread that ran before this node (-1 at the root), if it could run again here */
  last: number;
}

export interface Found {
  violation: Violation;
  steps: number;
  preemptions: number;
}

export class PreemptionBounded implements Strategy {
  readonly clocks = false;
  readonly everyStep = true;
  readonly exhaustive = true;
  readonly pastViolations = true;
  private readonly path = new Path<BoundedNode>();

  constructor(private readonly bound: number, private readonly wanted: (v: Violation) => boolean, public best: Found | null) {}

  private cost(n: BoundedNode, tid: number): number {
    return n.last >= 0 && tid !== n.last ? 1 : 0;
  }

  choose(x: Execution): number {
    const r = this.path.replay(x);
    if (r >= 0) return r;
    const nodes = this.path.nodes, i = x.events.length;
    if (this.best && i >= this.best.steps) return REDUNDANT;
    const enabled = x.enabledMask();
    if (enabled === 0) return NO_THREAD;
    const parent = i > 0 ? nodes[i - 1] : null;
    const pre = parent ? parent.pre + this.cost(parent, parent.tid) : 0;
    const before = parent ? parent.tid : -1;
    const last = before >= 0 && (enabled >> before) & 1 ? before : -1;
    const tid = preferred(x, enabled);
    this.path.push(x, { tid, enabled, done: 0, pre, last, sigKind: 0, sigObject: '' });
    return tid;
  }

  finish(x: Execution): boolean {
    const v = x.violation;
    const steps = x.events.length;
    if (v && this.wanted(v) && (!this.best || steps < this.best.steps)) {
      const last = this.path.nodes[steps - 1];
      this.best = { violation: v, steps, preemptions: last ? last.pre + this.cost(last, last.tid) : 0 };
    }
    return this.path.backtrack((n, i) => {
      // a new branch here makes at least i + 1 steps
      if (this.best && i + 1 >= this.best.steps) return false;
      n.done |= 1 << n.tid;
      for (let rest = n.enabled & ~n.done; rest; rest &= rest - 1) {
        const t = lowestBit(rest);
        if (n.pre + this.cost(n, t) <= this.bound) {
          n.tid = t;
          return true;
        }
        n.done |= 1 << t;
      }
      return false;
    });
  }
}
