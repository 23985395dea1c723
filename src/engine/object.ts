// Shared objects: the only state threads may share. Each primitive decides when its
// operations are enabled, performs them, and says how they conflict (their group).
import { Group, type Op } from './op.js';
import type { Execution, ThreadState, Event } from './execution.js';
import { runtime } from './runtime.js';

export abstract class SharedObject {
  /** same in every interleaving: creation order in setup, or (thread, per-thread counter) */
  readonly id: string;
  readonly name: string;
  /** per-execution bookkeeping for happens-before and race detection */
  /** @internal */ events: number[] | null = null;
  /** @internal offsets into the execution's clocks of the last exclusive access and the joins since of reads and read-side accesses (-1: none) */
  clockX = -1;
  /** @internal */ clockR = -1;
  /** @internal */ clockS = -1;
  /** @internal locks: the join of all acquisitions, which a failed trylock is ordered after (not the releases) */
  clockA = -1;
  /** @internal race detection's scratch (races.ts): how the events of index markJ and markI first touched the object */
  markJ = -1;
  /** @internal */ groupJ: Group = Group.Exclusive;
  /** @internal */ markI = -1;
  /** @internal */ groupI: Group = Group.Exclusive;

  constructor(name: string) {
    this.name = name;
    this.id = runtime.allocId();
  }

  /** true for locks, whose failed trylocks commute with the releases before them (races.ts) */
  get isLock(): boolean { return false; }

  /** lock class for the lock-order graph (locks only) */
  lockClass(): string { return this.name; }

  enabled(op: Op, t: ThreadState): boolean { return this.enabledIn(op, t.id, this.waitState()); }

  /** What decides whether a blocking operation on the object can run: a cell's value, a lock's holders. */
  waitState(): unknown { return undefined; }

  /** Whether op of thread tid can run when waitState() is state (race detection asks about past states). */
  enabledIn(_op: Op, _tid: number, _state: unknown): boolean { return true; }

  /** Group of an op not yet executed (conservative where the outcome is unknown). */
  pendingGroup(_op: Op): Group { return Group.Exclusive; }

  /** Performs op for thread t, fills ev's access flags and returns the value the thread receives. */
  abstract exec(op: Op, t: ThreadState, ev: Event, x: Execution): unknown;

  /** Value shown in snapshots and traces. */
  abstract describe(): unknown;
}
