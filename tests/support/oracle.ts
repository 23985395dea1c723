// The test oracle: enumerates every interleaving of a model by driving Execution directly,
// and groups the maximal executions into Mazurkiewicz traces. Its dependency relation is
// written here from the primitives' semantics, independently of src/engine/races.ts.
import { Execution, type Event, type Status } from '../../src/engine/execution.js';
import { OpKind, OP_NAMES } from '../../src/engine/op.js';
import { SharedObject } from '../../src/engine/object.js';
import { runtime } from '../../src/engine/runtime.js';
import type { Model } from '../../src/engine/model.js';
import type { Gen } from '../../src/engine/cell.js';
import type { CheckResult, ViolationKind } from '../../src/engine/result.js';
import { explore, type StrategyName } from '../../src/engine/explore.js';

/** How a step touches one object. */
export interface Access {
  o: SharedObject;
  /** observes it, takes the shared side of an rw-semaphore, or changes it */
  kind: 'read' | 'read-side' | 'write';
  /** gives up (some hold on) a lock */
  release: boolean;
  /** a trylock that failed: it only observed that the lock was taken */
  failedTry: boolean;
}

const READ_SIDE = new Set<OpKind>([OpKind.ReadLock, OpKind.ReadUnlock, OpKind.TryReadLock]);
const TRYLOCKS = new Set<OpKind>([OpKind.TryLock, OpKind.TryReadLock, OpKind.TryWriteLock]);
const RELEASES = new Set<OpKind>([OpKind.Unlock, OpKind.ReadUnlock, OpKind.WriteUnlock, OpKind.Downgrade]);

/** The objects a step touched and how, from its operation and outcome. */
export function accesses(ev: Event): Access[] {
  const op = ev.op;
  const plain = (o: SharedObject, kind: Access['kind']): Access => ({ o, kind, release: false, failedTry: false });
  if (op.k === OpKind.Atomic || op.k === OpKind.Check) {
    const writes = op.k === OpKind.Atomic ? op.fp!.writes ?? [] : [];
    const out = writes.map((o) => plain(o, 'write'));
    for (const o of op.fp!.reads ?? []) if (!writes.includes(o)) out.push(plain(o, 'read'));
    return out;
  }
  // a cell read or wait only observes; so does a trylock that failed (it changed nothing)
  if (op.k === OpKind.Read || op.k === OpKind.Until) return [plain(op.o, 'read')];
  if (TRYLOCKS.has(op.k) && ev.value === false) return [{ ...plain(op.o, 'read'), failedTry: true }];
  // read-side rw-semaphore steps commute with each other: none changes what the others see
  const kind = READ_SIDE.has(op.k) ? 'read-side' : 'write';
  return [{ ...plain(op.o, kind), release: RELEASES.has(op.k) }];
}

/**
 * Whether two accesses of different threads fail to commute. Observations commute, and so
 * do read-side steps. A release followed by a failed trylock always commutes (someone else
 * held the lock, before the release too), so both orders count as one trace; the other
 * order, a failed trylock then the release it missed, can make the trylock succeed when
 * swapped, and that is a different step (its outcome is part of the signature).
 */
function conflicts(x: Access, y: Access): boolean {
  if (x.o !== y.o) return false;
  if (x.kind === 'read' && y.kind === 'read') return false;
  if (x.kind === 'read-side' && y.kind === 'read-side') return false;
  return !((x.release && y.failedTry) || (x.failedTry && y.release));
}

function conflict(a: readonly Access[], b: readonly Access[]): boolean {
  for (const x of a) for (const y of b) if (conflicts(x, y)) return true;
  return false;
}

/** Two steps of different threads are dependent when some of their accesses conflict. */
export function dependent(a: Event, b: Event): boolean {
  return a.tid !== b.tid && conflict(accesses(a), accesses(b));
}

/** What the dependency relation sees of a step: thread, operation, objects (named and identified) and outcome. */
function label(ev: Event, acc: readonly Access[]): string {
  const objects = acc.map((a) => `${a.o.name}#${a.o.id}${a.failedTry ? ' failed' : ''}`).join(', ');
  return `${ev.tid}:${OP_NAMES[ev.op.k]}(${objects})`;
}

/**
 * The trace's canonical member: the linearization of the execution's partial order (program
 * order plus the orientation of every dependent pair) that always runs the lowest thread
 * able to go, written as its steps' labels. Since dependency is a function of the labels,
 * two executions have the same signature exactly when they have the same steps and orient
 * every dependent pair alike.
 */
export function traceSignature(events: readonly Event[]): string {
  const n = events.length;
  const acc = events.map(accesses);
  const preds: number[][] = events.map(() => []);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < j; i++) if (events[i].tid !== events[j].tid && conflict(acc[i], acc[j])) preds[j].push(i);
  }
  const queues = new Map<number, number[]>();
  events.forEach((e, i) => {
    const q = queues.get(e.tid);
    if (q) q.push(i); else queues.set(e.tid, [i]);
  });
  const tids = [...queues.keys()].sort((a, b) => a - b);
  const done = new Array<boolean>(n).fill(false);
  const order: string[] = [];
  while (order.length < n) {
    const tid = tids.find((t) => {
      const q = queues.get(t)!;
      return q.length > 0 && preds[q[0]].every((i) => done[i]);
    });
    if (tid === undefined) throw new Error('oracle: the dependency order has a cycle');
    const i = queues.get(tid)!.shift()!;
    done[i] = true;
    order.push(label(events[i], acc[i]));
  }
  return order.join('; ');
}

/** A model wrapped so that every execution made from it records what its threads returned. */
export interface Instrumented<S> {
  model: Model<S>;
  /** every execution created from model, in order (explore makes one per run) */
  executions: Execution<S>[];
  returns(x: Execution<S>): Record<string, unknown>;
}

export function instrument<S>(model: Model<S>): Instrumented<S> {
  const executions: Execution<S>[] = [];
  const returned = new WeakMap<Execution<S>, Record<string, unknown>>();
  function* capture(g: Gen<unknown>, name: string, into: Record<string, unknown>): Gen<unknown> {
    into[name] = yield* g;
    return into[name];
  }
  const wrapped: Model<S> = {
    ...model,
    threads(state) {
      // called from the Execution constructor, while that execution is the current one
      const x = runtime.current as Execution<S>;
      const bodies = Object.entries(model.threads(state));
      // keys in thread order, so that the text of an outcome does not depend on who finished first
      const into: Record<string, unknown> = Object.fromEntries(bodies.map(([name]) => [name, undefined]));
      executions.push(x);
      returned.set(x, into);
      return Object.fromEntries(bodies.map(([name, g]) => [name, capture(g, name, into)]));
    },
  };
  return { model: wrapped, executions, returns: (x) => returned.get(x) ?? {} };
}

/** The state an execution ended in, as text: shared objects by value, plus the threads' results. */
export function outcome<S>(inst: Instrumented<S>, x: Execution<S>): string {
  return JSON.stringify({ state: x.state, returns: inst.returns(x) }, (_k, v: unknown) => {
    if (v instanceof SharedObject) return v.describe();
    if (typeof v === 'bigint') return `${v}n`;
    return v;
  });
}

export interface TraceClass {
  /** traceSignature of its members */
  signature: string;
  status: Status;
  outcome: string;
  violation?: ViolationKind;
  /** how many interleavings belong to it */
  interleavings: number;
}

export interface Enumeration {
  /** maximal executions: every interleaving to its end (or to its violation) */
  interleavings: number;
  traces: Map<string, TraceClass>;
}

/** An execution's entry for comparisons: its trace, how it ended and in what state. */
export function classify<S>(inst: Instrumented<S>, x: Execution<S>): Omit<TraceClass, 'interleavings'> {
  const c: Omit<TraceClass, 'interleavings'> = { signature: traceSignature(x.events), status: x.status, outcome: outcome(inst, x) };
  if (x.violation) c.violation = x.violation.kind;
  return c;
}

/**
 * Runs every interleaving of model depth-first (each from a fresh execution replaying the
 * path) without stopping at violations. Throws when two interleavings of one trace end
 * differently: the dependency relation above would then be wrong.
 */
export function enumerate<S>(model: Model<S>, { maxInterleavings = 1_000_000, stepBound = 1000 } = {}): Enumeration {
  const inst = instrument(model);
  const traces = new Map<string, TraceClass>();
  const path: { choices: number[]; at: number }[] = [];
  let interleavings = 0;
  for (;;) {
    const x = new Execution(inst.model);
    for (const node of path) x.step(node.choices[node.at]);
    while (x.status === 'running') {
      if (x.events.length >= stepBound) throw new Error(`oracle: an execution of ${model.name} exceeds ${stepBound} steps`);
      const enabled = x.threads.filter((t) => x.isEnabled(t)).map((t) => t.id);
      if (enabled.length === 0) { x.deadlock(); break; }
      path.push({ choices: enabled, at: 0 });
      x.step(enabled[0]);
    }
    if (++interleavings > maxInterleavings) throw new Error(`oracle: ${model.name} has more than ${maxInterleavings} interleavings`);
    const c = classify(inst, x);
    const known = traces.get(c.signature);
    if (!known) traces.set(c.signature, { ...c, interleavings: 1 });
    else if (known.status !== c.status || known.outcome !== c.outcome || known.violation !== c.violation) {
      throw new Error(`oracle: two interleavings of trace ${c.signature} end differently: ${known.status} ${known.outcome} / ${c.status} ${c.outcome}`);
    } else known.interleavings++;
    inst.executions.length = 0;
    while (path.length > 0 && path[path.length - 1].at === path[path.length - 1].choices.length - 1) path.pop();
    if (path.length === 0) break;
    path[path.length - 1].at++;
  }
  return { interleavings, traces };
}

export interface Coverage {
  oracle: Enumeration;
  result: CheckResult;
  /** the maximal executions the strategy ran (not the sleep-blocked ones), by trace */
  explored: Map<string, Omit<TraceClass, 'interleavings'>>;
  /** traces of the oracle that the strategy never ran */
  missed: TraceClass[];
  /** traces the strategy ran that the oracle does not know (a bug in one of them) */
  unknown: string[];
}

/** Explores model with a strategy and sets the maximal executions it ran against the oracle's traces. */
export function coverage<S>(model: Model<S>, strategy: StrategyName = 'dpor', oracle = enumerate(model)): Coverage {
  const inst = instrument(model);
  const result = explore(inst.model, { strategy });
  const explored = new Map<string, Omit<TraceClass, 'interleavings'>>();
  for (const x of inst.executions) {
    if (x.status === 'running') continue; // cut short: sleep-blocked or at the step bound
    const c = classify(inst, x);
    explored.set(c.signature, c);
  }
  return {
    oracle, result, explored,
    missed: [...oracle.traces.values()].filter((c) => !explored.has(c.signature)),
    unknown: [...explored.keys()].filter((s) => !oracle.traces.has(s)),
  };
}
