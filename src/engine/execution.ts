// One execution: runs setup, then steps threads as a strategy chooses, recording events
// with their vector clocks (happens-before) for race detection when asked to.
import { Group, OpKind, OP_NAMES, type Op } from './op.js';
import type { SharedObject } from './object.js';
import type { Model } from './model.js';
import type { Trace, TraceEvent, Violation, ViolationKind } from './result.js';
import { runtime } from './runtime.js';
import { groupOf, type Verdict } from './shared.js';
import type { Gen } from './cell.js';
import type { LockGraph } from './lockdep.js';
import { encodeSchedule } from './schedule.js';
import { Clocks } from './clock.js';

export interface Frame { readonly name: string; readonly parent: Frame | null }

export interface Held { o: SharedObject; cls: string; mode: 'read' | 'write'; event: number }

export interface ThreadState {
  readonly id: number;
  readonly name: string;
  readonly gen: Gen<unknown>;
  /** the next visible operation, null once finished */
  pending: Op | null;
  frame: Frame | null;
  held: Held[];
  /** events executed so far (the in-thread index of the last one) */
  nevents: number;
  /** clock of its last event (offset into Execution.clocks) */
  clock: number;
  objects: number;
  /** set by a primitive that keeps the thread at a new pending op instead of resuming it */
  stayed: boolean;
  /** what the thread's body returned, once finished */
  result: unknown;
}

export interface Access { o: SharedObject; g: Group }

export interface Event {
  tid: number;
  op: Op;
  o: SharedObject;
  g: Group;
  /** a lock release */
  rel: boolean;
  /** further objects of a multi-object step */
  more: Access[] | null;
  frame: Frame | null;
  value: unknown;
  /** the object's waitState() before the step (an atomic step: of each object it writes), when clocks are tracked */
  old: unknown;
  /** offsets into Execution.clocks (-1 when clocks are not tracked) */
  clock: number;
  /** clock of the thread's previous event */
  pclock: number;
}

export type Status = 'running' | 'complete' | 'deadlock' | 'violation';

export interface ExecutionOptions {
  lockGraph?: LockGraph | null;
  /** track happens-before for race detection (default true), in this buffer if given */
  clocks?: Clocks | false;
  /**
   * keep the events and the schedule (default true); without them a run costs no memory per
   * step, but a violation's trace is empty (runSequential's lean mode)
   */
  record?: boolean;
}

export class Execution<S = any> {
  readonly model: Model<S>;
  readonly state: S;
  readonly threads: ThreadState[] = [];
  readonly events: Event[] = [];
  readonly schedule: number[] = [];
  readonly reached = new Set<string>();
  running: ThreadState | null = null;
  status: Status = 'running';
  violation: Violation | null = null;
  /** null when happens-before is not tracked */
  readonly clocks: Clocks | null;
  private setupObjects = 0;
  private live = 0;
  private readonly lockGraph: LockGraph | null;
  /** false in a run that keeps no events (ExecutionOptions.record) */
  readonly recording: boolean;

  constructor(model: Model<S>, opts: ExecutionOptions = {}) {
    this.model = model;
    this.lockGraph = opts.lockGraph ?? null;
    this.recording = opts.record ?? true;
    this.clocks = opts.clocks === false || !this.recording ? null : opts.clocks ?? new Clocks();
    const prev = runtime.current;
    runtime.current = this;
    try {
      this.state = model.setup();
      const bodies = model.threads(this.state);
      const names = Object.keys(bodies);
      if (names.length > 31) throw new Error('at most 31 threads');
      this.clocks?.reset(names.length);
      names.forEach((name, id) => {
        this.threads.push({
          id, name, gen: bodies[name], pending: null, frame: null, held: [], nevents: 0,
          clock: 0, objects: 0, stayed: false, result: undefined,
        });
      });
      this.live = names.length;
      for (const t of this.threads) this.resume(t, undefined);
      if (this.status === 'running') this.finishIfDone();
    } finally {
      runtime.current = prev;
    }
  }

  allocId(): string {
    const t = this.running;
    return t === null ? setupId(this.setupObjects++) : `${t.name}#${t.objects++}`;
  }

  isEnabled(t: ThreadState): boolean {
    const op = t.pending;
    if (op === null) return false;
    if (op.k === OpKind.Atomic || op.k === OpKind.Check) return true;
    return op.o.enabled(op, t);
  }

  enabledMask(): number {
    let m = 0;
    for (const t of this.threads) if (this.isEnabled(t)) m |= 1 << t.id;
    return m;
  }

  unfinished(): ThreadState[] {
    return this.threads.filter((t) => t.pending !== null);
  }

  /** Executes the pending op of thread tid (which must be enabled). */
  step(tid: number): Event {
    const t = this.threads[tid];
    const op = t.pending!;
    const ev = this.recording ? newEvent(tid, op, t) : this.reuse(tid, op, t);
    const prev = runtime.current;
    runtime.current = this;
    this.running = t;
    let result: unknown;
    try {
      if (this.recording) this.schedule.push(tid);
      if (this.clocks !== null && op.k !== OpKind.Atomic) ev.old = op.o.waitState();
      result = this.execOp(op, t, ev);
    } catch (err) {
      this.fail('model-error', 'model', `${t.name} threw: ${errorText(err)}`);
    }
    this.record(ev);
    if (this.violation && this.violation.trace.events.length < this.events.length) {
      this.violation.trace = this.trace();
    }
    this.lockGraph?.settle(this);
    if (this.status === 'running') {
      if (t.stayed) t.stayed = false;
      else this.resume(t, result);
    }
    this.running = null;
    // finals run as part of this execution: reach() in them counts
    if (this.status === 'running') this.finishIfDone();
    runtime.current = prev;
    return ev;
  }

  private scratch: Event | null = null;

  /** The one event object of a run that keeps none. */
  private reuse(tid: number, op: Op, t: ThreadState): Event {
    const ev = this.scratch;
    if (ev === null) return (this.scratch = newEvent(tid, op, t));
    ev.tid = tid;
    ev.op = op;
    ev.o = op.o;
    ev.g = Group.Exclusive;
    ev.rel = false;
    ev.more = null;
    ev.frame = t.frame;
    ev.value = undefined;
    return ev;
  }

  private execOp(op: Op, t: ThreadState, ev: Event): unknown {
    if (op.k === OpKind.Atomic || op.k === OpKind.Check) {
      // op.o is the first object written, else the first read (see atomic() and check())
      const fp = op.fp!, writes = fp.writes ?? [], reads = fp.reads ?? [];
      ev.g = writes.length > 0 ? Group.Exclusive : Group.Read;
      let more: Access[] | null = null;
      for (let k = 1; k < writes.length; k++) (more ??= []).push({ o: writes[k], g: Group.Exclusive });
      for (let k = writes.length > 0 ? 0 : 1; k < reads.length; k++) {
        if (!writes.includes(reads[k])) (more ??= []).push({ o: reads[k], g: Group.Read });
      }
      ev.more = more;
      if (op.k === OpKind.Atomic) {
        if (this.clocks !== null && fp.writes) ev.old = fp.writes.map((o) => o.waitState());
        const r = (op.v as () => unknown)();
        ev.value = r;
        return r;
      }
      const verdict = (op.v as () => Verdict)();
      ev.value = verdict === true ? 'ok' : verdict;
      if (verdict !== true) this.fail('assertion', op.what ?? 'assertion', verdict === false ? `${op.what} failed` : verdict);
      return undefined;
    }
    return op.o.exec(op, t, ev, this);
  }

  private record(ev: Event): void {
    const t = this.threads[ev.tid];
    t.nevents++;
    const cl = this.clocks;
    if (cl === null) {
      if (this.recording) this.events.push(ev);
      return;
    }
    const c = cl.copy(t.clock);
    cl.buf[c + ev.tid] = t.nevents;
    this.joinObject(cl, c, ev.o, ev.g);
    if (ev.more) for (const a of ev.more) this.joinObject(cl, c, a.o, a.g);
    ev.clock = c;
    t.clock = c;
    const idx = this.events.length;
    this.events.push(ev);
    this.updateObject(cl, ev.o, ev.g, c, idx);
    if (ev.more) for (const a of ev.more) this.updateObject(cl, a.o, a.g, c, idx);
    const o = ev.o;
    if (!ev.rel && ev.g !== Group.Read && o.isLock) {
      // an exclusive access is ordered after every earlier acquisition already
      if (ev.g === Group.Exclusive || o.clockA < 0) o.clockA = c;
      else cl.join((o.clockA = cl.copy(o.clockA)), c);
    }
  }

  private joinObject(cl: Clocks, c: number, o: SharedObject, g: Group): void {
    if (g === Group.Read && o.isLock) {
      // a failed trylock commutes with the releases before it: ordered after the acquisitions only
      if (o.clockA >= 0) cl.join(c, o.clockA);
      return;
    }
    if (o.clockX >= 0) cl.join(c, o.clockX);
    if (g !== Group.Read && o.clockR >= 0) cl.join(c, o.clockR);
    if (g !== Group.ReadSide && o.clockS >= 0) cl.join(c, o.clockS);
  }

  private updateObject(cl: Clocks, o: SharedObject, g: Group, c: number, idx: number): void {
    if (o.events === null) o.events = [idx];
    else o.events.push(idx);
    if (g === Group.Exclusive) {
      o.clockX = c;
      o.clockR = o.clockS = -1;
    } else if (g === Group.Read) {
      if (o.clockR >= 0) cl.join((o.clockR = cl.copy(o.clockR)), c);
      else o.clockR = c;
    } else if (o.clockS >= 0) cl.join((o.clockS = cl.copy(o.clockS)), c);
    else o.clockS = c;
  }

  private resume(t: ThreadState, value: unknown): void {
    const prev = this.running;
    this.running = t;
    try {
      const r = t.gen.next(value);
      if (r.done) {
        t.pending = null;
        t.result = r.value;
        this.live--;
      } else t.pending = r.value;
      if (r.done && t.held.length > 0) {
        this.fail('lock-misuse', t.held[0].cls,
          `${t.name} finished while holding ${t.held.map((h) => h.o.name).join(', ')}`);
      }
    } catch (err) {
      t.pending = null;
      this.live--;
      this.fail('model-error', 'model', `${t.name} threw: ${errorText(err)}`);
    } finally {
      this.running = prev;
    }
  }

  private finishIfDone(): void {
    if (this.live > 0) return;
    this.status = 'complete';
    const finals = this.model.finals;
    if (!finals) return;
    for (const [name, fn] of Object.entries(finals)) {
      let v: Verdict;
      try {
        v = fn(this.state);
      } catch (err) {
        this.fail('model-error', name, `final check ${name} threw: ${errorText(err)}`);
        return;
      }
      if (v !== true) {
        this.fail('final-check', name, v === false ? `${name} failed` : v);
        return;
      }
    }
  }

  /** Marks the end of an execution in which no thread can move. */
  deadlock(): void {
    const blocked = this.unfinished().map((t) => ({
      thread: t.name, op: OP_NAMES[t.pending!.k], waitsFor: t.pending!.o.name,
    }));
    const what = blocked.map((b) => `${b.thread} waits for ${b.waitsFor}`).join('; ');
    this.fail('deadlock', blocked.map((b) => b.waitsFor).join(' / '), `deadlock: ${what}`);
    this.violation!.blocked = blocked;
    this.status = 'deadlock';
  }

  checkInvariant(): void {
    const inv = this.model.invariant;
    if (!inv || this.violation) return;
    let v: Verdict;
    try {
      v = inv(this.state);
    } catch (err) {
      this.fail('model-error', 'invariant', `invariant threw: ${errorText(err)}`);
      return;
    }
    if (v !== true) this.fail('invariant', 'invariant', v === false ? 'invariant failed' : v);
  }

  fail(kind: ViolationKind, property: string, message: string): void {
    if (this.violation) return;
    this.status = 'violation';
    this.violation = { kind, property, message, trace: this.trace() };
  }

  /** Primitives report misuse through this; the value is what the thread would receive. */
  misuse(message: string): undefined {
    this.fail('lock-misuse', 'lock usage', message);
    return undefined;
  }

  /** Keeps thread t at a new pending op (a blocking primitive's second phase). */
  stay(t: ThreadState, op: Op): undefined {
    t.pending = op;
    t.stayed = true;
    return undefined;
  }

  /** Lock-order edges from every lock t holds to o (lockdep's check at acquire time). */
  dependOn(t: ThreadState, o: SharedObject, mode: 'read' | 'write', subclass: number): void {
    const cls = subclass ? `${o.lockClass()}/${subclass}` : o.lockClass();
    if (this.lockGraph && t.held.length > 0) this.lockGraph.add(t, cls, mode);
    t.held.push({ o, cls, mode, event: -1 });
  }

  /** Marks o as held by t (after dependOn, or for a trylock, which adds no edge). */
  hold(t: ThreadState, o: SharedObject, mode: 'read' | 'write'): void {
    const last = t.held[t.held.length - 1];
    if (last && last.o === o && last.event === -1) {
      last.event = this.events.length;
      last.mode = mode;
      return;
    }
    t.held.push({ o, cls: o.lockClass(), mode, event: this.events.length });
  }

  /** dependOn followed by hold: an acquisition that did not block in two phases. */
  acquired(t: ThreadState, o: SharedObject, mode: 'read' | 'write', subclass: number, edges: boolean): void {
    if (edges) this.dependOn(t, o, mode, subclass);
    this.hold(t, o, mode);
  }

  released(t: ThreadState, o: SharedObject): void {
    for (let i = t.held.length - 1; i >= 0; i--) {
      if (t.held[i].o === o) {
        t.held.splice(i, 1);
        return;
      }
    }
  }

  reach(witness: string): void {
    this.reached.add(witness);
  }

  /** Whether the pending op of t conflicts with event ev (sleep-set wake-up). */
  pendingDependsOn(t: ThreadState, ev: Event): boolean {
    return t.pending !== null && opDependsOn(t.pending, ev);
  }

  frames(f: Frame | null): string[] {
    const out: string[] = [];
    for (let x = f; x; x = x.parent) out.push(x.name);
    return out.reverse();
  }

  traceEvent(ev: Event, step: number): TraceEvent {
    const te: TraceEvent = {
      step, thread: this.threads[ev.tid].name, frames: this.frames(ev.frame),
      op: OP_NAMES[ev.op.k], object: ev.o.name,
    };
    if (ev.value !== undefined) te.value = plain(ev.value);
    if (ev.op.what !== undefined) te.what = ev.op.what;
    return te;
  }

  trace(upTo = this.events.length): Trace {
    return {
      events: this.events.slice(0, upTo).map((e, i) => this.traceEvent(e, i)),
      schedule: encodeSchedule(this.schedule.slice(0, upTo)),
      threads: this.threads.map((t) => t.name),
    };
  }
}

function newEvent(tid: number, op: Op, t: ThreadState): Event {
  return {
    tid, op, o: op.o, g: Group.Exclusive, rel: false, more: null, frame: t.frame,
    value: undefined, old: undefined, clock: -1, pclock: t.clock,
  };
}

/** Whether op, wherever it runs, may conflict with event ev (of the same execution). */
export function opDependsOn(op: Op, ev: Event): boolean {
  if (op.k === OpKind.Atomic || op.k === OpKind.Check) {
    for (const o of op.fp!.writes ?? []) if (touches(ev, o, Group.Exclusive)) return true;
    for (const o of op.fp!.reads ?? []) if (touches(ev, o, Group.Read)) return true;
    return false;
  }
  return touches(ev, op.o, groupOf(op, op.o));
}

function touches(ev: Event, o: SharedObject, g: Group): boolean {
  if (ev.o === o && (g !== ev.g || g === Group.Exclusive)) return true;
  if (ev.more) for (const a of ev.more) if (a.o === o && (g !== a.g || g === Group.Exclusive)) return true;
  return false;
}

const SETUP_IDS: string[] = [];

/** Ids of objects created by setup: the same strings in every execution, made once. */
function setupId(i: number): string {
  return SETUP_IDS[i] ?? (SETUP_IDS[i] = `${i}`);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Values in traces must survive JSON: bigints and objects become text. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  try {
    return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x)));
  } catch {
    return String(v);
  }
}
