// Source-DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014). After each
// maximal execution, for every race i -> j it adds a thread that can start the reversed
// race, notdep(i).j, to the backtrack set of the node before i, unless one already is there
// or asleep. Sleep sets cut executions that would repeat an explored trace ("sleep-blocked").
import type { Execution } from './execution.js';
import { forEachRace, initials } from './races.js';
import {
  NO_THREAD, REDUNDANT, SPLIT, lowestBit, prefixStep, preferred, takeRole, type SplitRole, type Splittable, type Subtree,
  type SubtreeSpec,
} from './strategy.js';
import { Path, arrivalSleep, type PathNode } from './tree.js';
import { popcount } from './prng.js';

interface DporNode extends PathNode {
  backtrack: number;
  /** asleep on arrival */
  sleep: number;
}

/** A race reported by a worker: at node i, initials I of the reversal of an event of thread tj. */
interface DporReport { i: number; I: number; tj: number }

export class SourceDpor implements Splittable {
  readonly clocks = true;
  readonly everyStep = false;
  readonly exhaustive = true;
  private readonly coordinator: boolean;
  private readonly subtree: Subtree | null;

  constructor(role?: SplitRole, readonly path = new Path<DporNode>()) {
    ({ coordinator: this.coordinator, subtree: this.subtree } = takeRole(role, path));
  }

  choose(x: Execution): number {
    const r = this.path.replay(x);
    if (r >= 0) return r;
    const i = x.events.length;
    if (this.coordinator) return SPLIT; // below the end of its path: a subtree
    const sleep = i === this.subtree?.prefix.length ? this.subtree.sleep : arrivalSleep(x, this.path.nodes);
    const enabled = x.enabledMask();
    if (enabled === 0) return NO_THREAD;
    let tid = prefixStep(this.subtree, x, enabled);
    if (tid < 0) {
      const avail = enabled & ~sleep;
      if (avail === 0) return REDUNDANT;
      tid = preferred(x, avail);
    }
    this.path.push(x, { tid, enabled, backtrack: 1 << tid, done: 0, sleep, sigKind: 0, sigObject: '' });
    return tid;
  }

  finish(x: Execution): boolean {
    const nodes = this.path.nodes, floor = this.path.floor;
    forEachRace(x, this.path.divergence, (i, j) => {
      if (i < floor) {
        this.subtree!.report({ i, I: initials(x, i, j), tj: x.events[j].tid } satisfies DporReport);
        return;
      }
      const node = nodes[i];
      if (full(node)) return;
      this.add(node, initials(x, i, j), x.events[j].tid);
    });
    return this.next();
  }

  /** Adds a thread that can start the reversal (initials I) to node's backtrack set, unless one is there or asleep. */
  private add(node: DporNode, I: number, tj: number): void {
    if (I & (node.backtrack | node.sleep)) return;
    const ok = I & node.enabled;
    if (ok === 0) return; // the reversed event cannot run there
    node.backtrack |= (ok >> tj) & 1 ? 1 << tj : 1 << lowestBit(ok);
  }

  subtreeAt(x: Execution): SubtreeSpec {
    return { prefix: x.schedule.slice(), from: this.path.divergence, sleep: arrivalSleep(x, this.path.nodes), wut: null };
  }

  absorb(report: unknown): void {
    const r = report as DporReport, node = this.path.nodes[r.i];
    if (!full(node)) this.add(node, r.I, r.tj);
  }

  treeSize(): number {
    // every branch explored here came from the backtrack set
    return this.path.sized((n) => popcount(n.backtrack));
  }

  fork(): SourceDpor {
    return new SourceDpor({ coordinator: true }, this.path.clone((n) => ({ ...n })));
  }

  next(): boolean {
    return this.path.backtrack((n) => {
      n.done |= 1 << n.tid;
      const cand = n.backtrack & ~n.done & ~n.sleep;
      if (cand === 0) return false;
      n.tid = lowestBit(cand);
      return true;
    });
  }
}

/** Every thread that could be added is in the backtrack set or asleep already. */
const full = (node: DporNode): boolean => (node.enabled & ~(node.backtrack | node.sleep)) === 0;
