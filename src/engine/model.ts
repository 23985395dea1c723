// What a model is: setup creating the shared objects, threads as generators, properties.
import type { Gen } from './cell.js';
import type { Verdict } from './shared.js';

export type ThreadBodies = Record<string, Gen<unknown>>;

export interface Model<S = any> {
  name: string;
  description?: string;
  /** Creates the shared objects; runs again before every execution. */
  setup(): S;
  /** The threads, in a fixed order: name → generator (created, not yet started). */
  threads(state: S): ThreadBodies;
  /** Checked once every thread has finished. */
  finals?: Record<string, (state: S) => Verdict>;
  /** Checked after every step, under naive enumeration only (a debugging aid: see docs/engine.md). */
  invariant?: (state: S) => Verdict;
  /** Model state for renderers, taken after each step of a replayed trace. */
  snapshot?: (state: S) => unknown;
  /** Events that must occur in some explored execution for "holds" to mean anything. */
  witnesses?: readonly string[];
}

export function defineModel<S>(m: Model<S>): Model<S> {
  return m;
}
