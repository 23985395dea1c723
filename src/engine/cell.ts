// A shared variable: read, write, read-modify-write, and a wait for a predicate.
import { SharedObject } from './object.js';
import { Group, OpKind, type Op } from './op.js';
import type { Event } from './execution.js';

export type Gen<R = void> = Generator<Op, R, any>;

export class Cell<T> extends SharedObject {
  value: T;

  constructor(name: string, initial: T) {
    super(name);
    this.value = initial;
  }

  *read(): Gen<T> { return yield { k: OpKind.Read, o: this }; }
  *write(v: T): Gen { yield { k: OpKind.Write, o: this, v }; }
  /** Atomic read-modify-write; returns the old value. */
  *update(f: (old: T) => T): Gen<T> { return yield { k: OpKind.Update, o: this, v: f }; }
  /** Blocks until pred holds (a visible read, enabled only then); returns the value seen. */
  *until(pred: (v: T) => boolean, what?: string): Gen<T> { return yield { k: OpKind.Until, o: this, v: pred, what }; }

  override waitState(): unknown { return this.value; }

  override enabledIn(op: Op, _tid: number, value: unknown): boolean {
    return op.k !== OpKind.Until || (op.v as (v: unknown) => boolean)(value);
  }

  override pendingGroup(op: Op): Group {
    return op.k === OpKind.Read || op.k === OpKind.Until ? Group.Read : Group.Exclusive;
  }

  exec(op: Op, _t: unknown, ev: Event): unknown {
    switch (op.k) {
      case OpKind.Read:
      case OpKind.Until:
        ev.g = Group.Read;
        ev.value = this.value;
        return this.value;
      case OpKind.Write:
        this.value = op.v as T;
        ev.value = this.value;
        return undefined;
      default: {
        const old = this.value;
        this.value = (op.v as (v: T) => T)(old);
        ev.value = this.value;
        return old;
      }
    }
  }

  describe(): unknown { return this.value; }
}
