// A shared variable: read, write, read-modify-write, and a wait for a predicate.
import { SharedObject } from './object.js';
import { Group, OpKind, type Op } from './op.js';
import type { Event } from './execution.js';

export type Gen<R = void> = Generator<Op, R, any>;

/**
 * One visible step, as `function* () { return yield op; }` (keep) or `function* () { yield op; }`
 * would be, without a generator object: nearly every step of a model is one of these.
 */
class OneStep<R> implements Gen<R> {
  /** 0 before the step, 1 at it, 2 after */
  private at = 0;

  constructor(private readonly op: Op, private readonly keep: boolean) {}

  next(v?: unknown): IteratorResult<Op, R> {
    if (this.at === 0) {
      this.at = 1;
      return { value: this.op, done: false };
    }
    const value = (this.at === 1 && this.keep ? v : undefined) as R;
    this.at = 2;
    return { value, done: true };
  }

  throw(e?: unknown): IteratorResult<Op, R> {
    this.at = 2;
    throw e;
  }

  return(v: R): IteratorResult<Op, R> {
    this.at = 2;
    return { value: v, done: true };
  }

  [Symbol.iterator](): Gen<R> {
    return this;
  }
}

/** Yields op; returns what the engine sends back for it. */
export const step = <R>(op: Op): Gen<R> => new OneStep<R>(op, true);
/** Yields op; returns nothing. */
export const stepOnly = (op: Op): Gen => new OneStep<void>(op, false);

export class Cell<T> extends SharedObject {
  value: T;

  constructor(name: string, initial: T) {
    super(name);
    this.value = initial;
  }

  read(): Gen<T> { return step({ k: OpKind.Read, o: this }); }
  write(v: T): Gen { return stepOnly({ k: OpKind.Write, o: this, v }); }
  /** Atomic read-modify-write; returns the old value. */
  update(f: (old: T) => T): Gen<T> { return step({ k: OpKind.Update, o: this, v: f }); }
  /** Blocks until pred holds (a visible read, enabled only then); returns the value seen. */
  until(pred: (v: T) => boolean, what?: string): Gen<T> { return step({ k: OpKind.Until, o: this, v: pred, what }); }

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
