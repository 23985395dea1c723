// Model data structures (page tables, trees) as shared objects, changed only by atomic
// steps that declare their footprint; assertions; frames; coverage witnesses.
import { SharedObject } from './object.js';
import { Group, OpKind, type Footprint, type Op } from './op.js';
import { runtime } from './runtime.js';
import { step, stepOnly, type Gen } from './cell.js';
import type { Frame, ThreadState } from './execution.js';

export class Shared<T> extends SharedObject {
  value: T;
  constructor(name: string, value: T) {
    super(name);
    this.value = value;
  }
  exec(): unknown { throw new Error(`${this.name} is changed only by atomic steps`); }
  describe(): unknown { return this.value; }
}

function primary(fp: Footprint): SharedObject {
  const o = fp.writes?.[0] ?? fp.reads?.[0];
  if (!o) throw new Error('a step must name at least one object in its footprint');
  return o;
}

/** One indivisible step over the declared objects; fn runs when the engine schedules it. */
export function atomic<R>(fp: Footprint, what: string, fn: () => R): Gen<R> {
  return step({ k: OpKind.Atomic, o: primary(fp), fp, v: fn, what });
}

/** Result of a property: true when it holds, false or a sentence saying what is wrong. */
export type Verdict = boolean | string;

/** An assertion: a visible step that reads the named objects, so reduction cannot skip it. */
export function check(reads: readonly SharedObject[], property: string, pred: () => Verdict): Gen {
  return stepOnly({ k: OpKind.Check, o: primary({ reads }), fp: { reads }, v: pred, what: property });
}

export function groupOf(op: Op, o: SharedObject): Group {
  if (op.k === OpKind.Atomic) return op.fp!.writes?.includes(o) ? Group.Exclusive : Group.Read;
  if (op.k === OpKind.Check) return Group.Read;
  return o.pendingGroup(op);
}

/** A frame with its callees: one object per call path, shared by every execution (events keep frames). */
interface CallFrame extends Frame {
  readonly callees: Map<string, CallFrame>;
}

const outermost = new Map<string, CallFrame>();

function callFrame(name: string, caller: Frame | null): Frame {
  const callees = caller === null ? outermost : (caller as CallFrame).callees;
  let f = callees.get(name);
  if (f === undefined) callees.set(name, (f = { name, parent: caller, callees: new Map() }));
  return f;
}

/**
 * A call of a kfunc: runs body with name's frame pushed on the running thread from its first
 * step to its return. An iterator rather than a generator around body: kfuncs are called on
 * almost every step, and a generator object is several times this one's size.
 */
class Framed<R> implements Gen<R> {
  private thread: ThreadState | null = null;
  private saved: Frame | null = null;

  constructor(private readonly name: string, private readonly body: Gen<R>) {}

  next(v?: unknown): IteratorResult<Op, R> {
    if (this.thread === null) {
      const t = runtime.current?.running;
      // a kfunc called outside a thread (in setup) has no stack to show
      if (!t) return this.body.next(v);
      this.thread = t;
      this.saved = t.frame;
      t.frame = callFrame(this.name, t.frame);
    }
    return this.leave(this.body.next, v);
  }

  throw(e?: unknown): IteratorResult<Op, R> {
    return this.leave(this.body.throw, e);
  }

  return(v: R): IteratorResult<Op, R> {
    return this.leave(this.body.return, v);
  }

  /** Runs one of body's methods, and pops the frame when body returns or throws. */
  private leave(step: (v: any) => IteratorResult<Op, R>, v: unknown): IteratorResult<Op, R> {
    let r: IteratorResult<Op, R>;
    try {
      r = step.call(this.body, v);
    } catch (e) {
      if (this.thread) this.thread.frame = this.saved;
      throw e;
    }
    if (r.done && this.thread) this.thread.frame = this.saved;
    return r;
  }

  [Symbol.iterator](): Gen<R> {
    return this;
  }
}

/**
 * Wraps a generator function so that its steps show under `name` in traces. In an execution
 * that records nothing (a lean sequential run) the body is called as it is: nobody reads the
 * frames.
 */
export function kfunc<A extends unknown[], R>(name: string, body: (...args: A) => Gen<R>): (...args: A) => Gen<R> {
  const wrapped = (...args: A): Gen<R> => (runtime.current?.recording === false ? body(...args) : new Framed(name, body(...args)));
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped;
}

/** Marks a coverage witness as reached in this execution. */
export function reach(witness: string): void {
  runtime.current?.reach(witness);
}
