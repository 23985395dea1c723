// Model data structures (page tables, trees) as shared objects, changed only by atomic
// steps that declare their footprint; assertions; frames; coverage witnesses.
import { SharedObject } from './object.js';
import { Group, OpKind, type Footprint, type Op } from './op.js';
import { runtime } from './runtime.js';
import type { Gen } from './cell.js';

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
export function* atomic<R>(fp: Footprint, what: string, fn: () => R): Gen<R> {
  return yield { k: OpKind.Atomic, o: primary(fp), fp, v: fn, what };
}

/** Result of a property: true when it holds, false or a sentence saying what is wrong. */
export type Verdict = boolean | string;

/** An assertion: a visible step that reads the named objects, so reduction cannot skip it. */
export function* check(reads: readonly SharedObject[], property: string, pred: () => Verdict): Gen {
  yield { k: OpKind.Check, o: primary({ reads }), fp: { reads }, v: pred, what: property };
}

export function groupOf(op: Op, o: SharedObject): Group {
  if (op.k === OpKind.Atomic) return op.fp!.writes?.includes(o) ? Group.Exclusive : Group.Read;
  if (op.k === OpKind.Check) return Group.Read;
  return o.pendingGroup(op);
}

/**
 * Wraps a generator function so that its steps show under `name` in traces. In an execution
 * that records nothing (a lean sequential run) the body is called as it is: nobody reads the
 * frames, and every layer of generator delegation is paid again on each step below it.
 */
export function kfunc<A extends unknown[], R>(name: string, body: (...args: A) => Gen<R>): (...args: A) => Gen<R> {
  const framed = function* (args: A): Gen<R> {
    const t = runtime.current?.running;
    if (!t) return yield* body(...args);
    const saved = t.frame;
    t.frame = { name, parent: saved };
    try {
      return yield* body(...args);
    } finally {
      t.frame = saved;
    }
  };
  const wrapped = (...args: A): Gen<R> => (runtime.current?.recording === false ? body(...args) : framed(args));
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped;
}

/** Marks a coverage witness as reached in this execution. */
export function reach(witness: string): void {
  runtime.current?.reach(witness);
}
