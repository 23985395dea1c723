// Visible operations: what a thread hands the engine at each yield.
import type { SharedObject } from './object.js';

export const enum OpKind {
  Read, Write, Update, Until,
  Lock, Unlock, TryLock,
  ReadLock, ReadUnlock, WriteLock, WriteWait, WriteUnlock, TryReadLock, TryWriteLock, Downgrade,
  Atomic, Check,
}

/** Access groups: two accesses to one object commute iff they share a group other than Exclusive. */
export const enum Group { Exclusive = 0, Read = 1, ReadSide = 2 }

export interface Footprint {
  reads?: readonly SharedObject[];
  writes?: readonly SharedObject[];
}

export interface Op {
  readonly k: OpKind;
  readonly o: SharedObject;
  /** value to write, update function, predicate or step body */
  readonly v?: unknown;
  /** extra objects of a multi-object step (Atomic, Check) */
  readonly fp?: Footprint;
  /** what the step does, for traces */
  readonly what?: string;
}

export const OP_NAMES: Record<OpKind, string> = {
  [OpKind.Read]: 'read', [OpKind.Write]: 'write', [OpKind.Update]: 'update', [OpKind.Until]: 'wait',
  [OpKind.Lock]: 'lock', [OpKind.Unlock]: 'unlock', [OpKind.TryLock]: 'trylock',
  [OpKind.ReadLock]: 'read-lock', [OpKind.ReadUnlock]: 'read-unlock', [OpKind.WriteLock]: 'write-lock',
  [OpKind.WriteWait]: 'write-lock (wait)', [OpKind.WriteUnlock]: 'write-unlock',
  [OpKind.TryReadLock]: 'read-trylock', [OpKind.TryWriteLock]: 'write-trylock', [OpKind.Downgrade]: 'downgrade',
  [OpKind.Atomic]: 'step', [OpKind.Check]: 'check',
};
