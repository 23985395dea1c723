// Naive exhaustive search: every interleaving, no reduction. The oracle for the others, and
// the only strategy under which the model invariant may be checked after every step.
import type { Execution } from './execution.js';
import { NO_THREAD, lowestBit, preferred, type Strategy } from './strategy.js';
import { Path, type PathNode } from './tree.js';

interface NaiveNode extends PathNode {
  /** branches explored here */
  done: number;
}

export class Naive implements Strategy {
  readonly clocks = false;
  readonly everyStep = true;
  readonly exhaustive = true;
  private readonly path = new Path<NaiveNode>();

  choose(x: Execution): number {
    const r = this.path.replay(x);
    if (r >= 0) return r;
    const enabled = x.enabledMask();
    if (enabled === 0) return NO_THREAD;
    const tid = preferred(x, enabled);
    this.path.push(x, { tid, enabled, done: 0, sigKind: 0, sigObject: '' });
    return tid;
  }

  finish(): boolean {
    return this.path.backtrack((n) => {
      n.done |= 1 << n.tid;
      const rest = n.enabled & ~n.done;
      if (rest === 0) return false;
      n.tid = lowestBit(rest);
      return true;
    });
  }
}
