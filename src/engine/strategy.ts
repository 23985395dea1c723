// What every exploration strategy implements. The driver (explore.ts) runs executions; a
// strategy picks the thread of every step and, after each execution, prepares the next.
import type { Execution } from './execution.js';

/** choose(): no thread is enabled (the driver reports a deadlock) */
export const NO_THREAD = -1;
/** choose(): the strategy stops this execution as redundant (every enabled thread asleep) */
export const REDUNDANT = -2;

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
}

export const lowestBit = (m: number): number => 31 - Math.clz32(m & -m);

/** The thread that ran last if it is in mask (no context switch), else the lowest in mask. */
export function preferred(x: Execution, mask: number): number {
  const s = x.schedule;
  const last = s.length > 0 ? s[s.length - 1] : -1;
  return last >= 0 && (mask >> last) & 1 ? last : lowestBit(mask);
}
