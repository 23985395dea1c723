// Shared objects: the only state threads may share. Each primitive decides when its
// operations are enabled, performs them, and says how they conflict (their group).
import { Group, type Op } from './op.js';
import type { Execution, ThreadState, Event, VectorClock } from './execution.js';
import { runtime } from './runtime.js';

export abstract class SharedObject {
  /** same in every interleaving: creation order in setup, or (thread, per-thread counter) */
  readonly id: string;
  readonly name: string;
  /** per-execution bookkeeping for happens-before and race detection */
  /** @internal */ events: number[] = [];
  /** @internal */ clockX: VectorClock | null = null;
  /** @internal */ clockR: VectorClock | null = null;
  /** @internal */ clockS: VectorClock | null = null;

  constructor(name: string) {
    this.name = name;
    this.id = runtime.allocId();
  }

  /** true for lock-like objects, whose releases never race with later acquisitions */
  get isLock(): boolean { return false; }

  /** lock class for the lock-order graph (locks only) */
  lockClass(): string { return this.name; }

  enabled(_op: Op, _t: ThreadState): boolean { return true; }

  /** Group of an op not yet executed (conservative where the outcome is unknown). */
  pendingGroup(_op: Op): Group { return Group.Exclusive; }

  /** Performs op for thread t, fills ev's access flags and returns the value the thread receives. */
  abstract exec(op: Op, t: ThreadState, ev: Event, x: Execution): unknown;

  /** Value shown in snapshots and traces. */
  abstract describe(): unknown;
}
