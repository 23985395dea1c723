// Replaying a schedule: the same model and schedule give exactly the same trace.
import { Execution } from './execution.js';
import type { Model } from './model.js';
import type { Trace, Violation } from './result.js';
import { decodeSchedule } from './schedule.js';
import { LockGraph } from './lockdep.js';

export class ScheduleMismatch extends Error {
  constructor(readonly step: number, message: string) {
    super(`schedule does not fit the model at step ${step}: ${message}`);
  }
}

export interface Replayed {
  trace: Trace;
  violation: Violation | null;
  status: Execution['status'];
  /** model.snapshot after each step (index i = after step i), when asked for */
  snapshots?: unknown[];
  /** model.snapshot before the first step */
  initial?: unknown;
}

export function replay<S>(model: Model<S>, schedule: string | readonly number[], opts: { snapshots?: boolean } = {}): Replayed {
  const tids = typeof schedule === 'string' ? decodeSchedule(schedule) : schedule;
  const x = new Execution(model, { lockGraph: new LockGraph(), clocks: false });
  const snap = opts.snapshots && model.snapshot ? () => model.snapshot!(x.state) : null;
  const out: Replayed = { trace: x.trace(), violation: null, status: x.status };
  if (snap) { out.initial = snap(); out.snapshots = []; }
  tids.forEach((tid, step) => {
    if (x.status !== 'running') throw new ScheduleMismatch(step, `the execution already ended (${x.status})`);
    const t = x.threads[tid];
    if (!t) throw new ScheduleMismatch(step, `there is no thread ${tid} (the model has ${x.threads.length})`);
    if (t.pending === null) throw new ScheduleMismatch(step, `thread ${t.name} has already finished`);
    if (!x.isEnabled(t)) throw new ScheduleMismatch(step, `thread ${t.name} is blocked (on ${t.pending.o.name})`);
    x.step(tid);
    x.checkInvariant();
    if (snap) out.snapshots!.push(snap());
  });
  if (x.status === 'running' && x.enabledMask() === 0) x.deadlock();
  out.trace = x.trace();
  out.violation = x.violation;
  out.status = x.status;
  return out;
}
