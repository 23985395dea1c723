// Source-DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014). After each
// maximal execution, for every race i -> j it adds a thread that can start the reversed
// race, notdep(i).j, to the backtrack set of the node before i, unless one already is there
// or asleep. Sleep sets cut executions that would repeat an explored trace ("sleep-blocked").
import type { Execution } from './execution.js';
import { forEachRace, initials } from './races.js';
import { NO_THREAD, REDUNDANT, lowestBit, preferred, type Strategy } from './strategy.js';
import { Path, arrivalSleep, type PathNode } from './tree.js';

interface DporNode extends PathNode {
  backtrack: number;
  done: number;
  /** asleep on arrival */
  sleep: number;
}

export class SourceDpor implements Strategy {
  readonly clocks = true;
  readonly everyStep = false;
  readonly exhaustive = true;
  private readonly path = new Path<DporNode>();

  choose(x: Execution): number {
    const r = this.path.replay(x);
    if (r >= 0) return r;
    const sleep = arrivalSleep(x, this.path.nodes);
    const enabled = x.enabledMask();
    if (enabled === 0) return NO_THREAD;
    const avail = enabled & ~sleep;
    if (avail === 0) return REDUNDANT;
    const tid = preferred(x, avail);
    this.path.push(x, { tid, enabled, backtrack: 1 << tid, done: 0, sleep, sigKind: 0, sigObject: '' });
    return tid;
  }

  finish(x: Execution): boolean {
    const nodes = this.path.nodes;
    forEachRace(x, this.path.divergence, (i, j) => {
      const node = nodes[i];
      // every thread that could be added is there or asleep already
      if ((node.enabled & ~(node.backtrack | node.sleep)) === 0) return;
      const I = initials(x, i, j);
      if (I & (node.backtrack | node.sleep)) return;
      const ok = I & node.enabled;
      if (ok === 0) return; // the reversed event cannot run there
      const tj = x.events[j].tid;
      node.backtrack |= (ok >> tj) & 1 ? 1 << tj : 1 << lowestBit(ok);
    });
    return this.path.backtrack((n) => {
      n.done |= 1 << n.tid;
      const cand = n.backtrack & ~n.done & ~n.sleep;
      if (cand === 0) return false;
      n.tid = lowestBit(cand);
      return true;
    });
  }
}
