// Naive exhaustive search: every interleaving, no reduction. The oracle for the others, and
// the only strategy under which the model invariant may be checked after every step.
import type { Execution } from './execution.js';
import {
  NO_THREAD, SPLIT, lowestBit, prefixStep, preferred, takeRole, type SplitRole, type Splittable, type Subtree, type SubtreeSpec,
} from './strategy.js';
import { Path, type PathNode } from './tree.js';
import { popcount } from './prng.js';

export class Naive implements Splittable {
  readonly clocks = false;
  readonly everyStep = true;
  readonly exhaustive = true;
  private readonly coordinator: boolean;
  private readonly subtree: Subtree | null;

  constructor(role?: SplitRole, readonly path = new Path<PathNode>()) {
    ({ coordinator: this.coordinator, subtree: this.subtree } = takeRole(role, path));
  }

  choose(x: Execution): number {
    const r = this.path.replay(x);
    if (r >= 0) return r;
    if (this.coordinator) return SPLIT; // below the end of its path: a subtree
    const enabled = x.enabledMask();
    if (enabled === 0) return NO_THREAD;
    const p = prefixStep(this.subtree, x, enabled);
    const tid = p >= 0 ? p : preferred(x, enabled);
    this.path.push(x, { tid, enabled, done: 0, sigKind: 0, sigObject: '' });
    return tid;
  }

  finish(): boolean {
    return this.next();
  }

  subtreeAt(x: Execution): SubtreeSpec {
    return { prefix: x.schedule.slice(), from: this.path.divergence, sleep: 0, wut: null };
  }

  absorb(): void {}

  treeSize(): number {
    return this.path.sized((n) => popcount(n.enabled));
  }

  fork(): Naive {
    return new Naive({ coordinator: true }, this.path.clone((n) => ({ ...n })));
  }

  next(): boolean {
    return this.path.backtrack((n) => {
      n.done |= 1 << n.tid;
      const rest = n.enabled & ~n.done;
      if (rest === 0) return false;
      n.tid = lowestBit(rest);
      return true;
    });
  }
}
