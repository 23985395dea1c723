// What every exploration strategy implements. The driver (explore.ts) runs executions; a
// strategy picks the thread of every step and, after each execution, prepares the next.
import type { Execution } from './execution.js';
import { ReplayDivergence, type Path, type PathNode } from './tree.js';

/** choose(): no thread is enabled (the driver reports a deadlock) */
export const NO_THREAD = -1;
/** choose(): the strategy stops this execution as redundant (every enabled thread asleep) */
export const REDUNDANT = -2;

/** choose(): the execution reached the end of the coordinator's part of the tree (parallel.ts) */
export const SPLIT = -3;

export type Ending = 'complete' | 'deadlock' | 'violation' | 'bounded' | 'redundant';

export interface Strategy {
  /** vector clocks, for race detection */
  readonly clocks: boolean;
  /** the model invariant is checked after every step, which is sound only when every interleaving runs */
  readonly everyStep: boolean;
  /** a finished search proves the model; false for sampling, whose verdict stays incomplete */
  readonly exhaustive: boolean;
  /** go on after a violation (the driver stops at the first one otherwise) */
  readonly pastViolations?: boolean;
  /** The thread to step next in x (running, with unfinished threads), NO_THREAD or REDUNDANT. */
  choose(x: Execution): number;
  /** x ended; prepares the next execution and says whether there is one. */
  finish(x: Execution, end: Ending): boolean;
  /** what the result should say about the search, e.g. a random search's guarantee */
  notes?(): string[];
  /** after finish(): the executions of the whole search, estimated from its progress so far (Path.sized) */
  treeSize?(): number;
}

export const lowestBit = (m: number): number => 31 - Math.clz32(m & -m);

/** The thread that ran last if it is in mask (no context switch), else the lowest in mask. */
export function preferred(x: Execution, mask: number): number {
  const s = x.schedule;
  const last = s.length > 0 ? s[s.length - 1] : -1;
  return last >= 0 && (mask >> last) & 1 ? last : lowestBit(mask);
}

/**
 * Parallel exploration (parallel.ts) splits the search tree: the coordinator keeps a path of
 * nodes as one thread would, and each execution that runs past its end is a subtree for a
 * worker. A subtree is determined by the schedule prefix that leads to it and the state the
 * strategy hands down at that point; races whose first event lies in the prefix belong to the
 * coordinator's nodes and are reported to it. A worker asked for it hands the rest of its
 * subtree back, its nodes joining the coordinator's path.
 */
export interface SubtreeSpec {
  readonly prefix: readonly number[];
  /** the first execution reports races from this step on (where the coordinator's path diverged) */
  readonly from: number;
  /** the sleep set on arrival after the prefix */
  readonly sleep: number;
  /** optimal: the wakeup tree there (structured-clonable) */
  readonly wut: unknown;
}

export interface Subtree extends SubtreeSpec {
  /** a race whose first event lies in the prefix, in the order the sequential search meets it */
  report(r: unknown): void;
}

/** Where a strategy works in a split search: as the coordinator, or in a subtree. */
export type SplitRole = { readonly coordinator: true } | { readonly subtree: Subtree };

/** An exhaustive strategy that parallel.ts can split. */
export interface Splittable extends Strategy {
  /** coordinator: the subtree below x, which choose() stopped with SPLIT */
  subtreeAt(x: Execution): SubtreeSpec;
  /** coordinator: applies a worker's race report to the node it names */
  absorb(report: unknown): void;
  /** coordinator: a subtree is done; moves to the next branch above it, false when none is left */
  next(): boolean;
  /** coordinator: a copy of its part of the tree, to look ahead on */
  fork(): Splittable;
  /** coordinator: what a subtree handed out with the wakeup tree old lacks to be the one with now (for graft()), null if not only branches */
  graftsBetween?(old: unknown, now: unknown): unknown;
  /** worker: takes those branches into its subtree between executions; false if one thread would have explored differently so far */
  graft?(grafts: unknown): boolean;
  /** worker: handOver() gives what is left of its subtree (after a finish() that found more); coordinator: adopt() goes on from it, finished() counts a subtree done */
  readonly path: Pick<Path<PathNode>, 'handOver' | 'adopt' | 'finished'>;
}

/** Sets path up for role; says whether it is the coordinator, and the subtree (null unless a worker). */
export function takeRole(role: SplitRole | undefined, path: Path<PathNode>): { coordinator: boolean; subtree: Subtree | null } {
  if (role === undefined) return { coordinator: false, subtree: null };
  if ('coordinator' in role) return { coordinator: true, subtree: null };
  path.floor = role.subtree.prefix.length;
  path.divergence = role.subtree.from;
  return { coordinator: false, subtree: role.subtree };
}

/** In a worker's prefix, the thread the prefix steps at x's depth; -1 below it. */
export function prefixStep(subtree: Subtree | null, x: Execution, enabled: number): number {
  const i = x.events.length;
  if (subtree === null || i >= subtree.prefix.length) return -1;
  const tid = subtree.prefix[i];
  if (!((enabled >> tid) & 1)) throw new ReplayDivergence(`model is not deterministic: a worker cannot replay step ${i} of its prefix`);
  return tid;
}
