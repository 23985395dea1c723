// Race detection over one execution (Abdulla et al., POPL 2014): event i races with a later
// event j when they conflict, belong to different threads, and no other event orders them.
// A blocking step j (Cell.until, lock, down_read, the second phase of down_write) that could
// not run in the state before i waited for i: the race cannot be reversed, and i's clock is
// not joined, so that j is checked against the events before i instead (Nidhugg's rule for
// locks: a lock never races with the release it waited for but with the acquisition before
// it; an until never races with a write before which its predicate was false but with the
// earlier writes). Trylocks and the queueing step of down_write never wait; a release and a
// later failed trylock commute (the lock was taken before the release too) and are unordered.
import { Group, OpKind } from './op.js';
import { opDependsOn, type Event, type Execution } from './execution.js';
import type { SharedObject } from './object.js';

/** How ev touched o, or -1 when it did not. */
function groupOn(ev: Event, o: SharedObject): Group | -1 {
  if (ev.o === o) return ev.g;
  if (ev.more) for (const a of ev.more) if (a.o === o) return a.g;
  return -1;
}

export const conflicts = (a: Group, b: Group): boolean => a !== b || a === Group.Exclusive;

/** Whether the later step ej waited for ei on o: it could not run in the state before ei. */
function waited(ei: Event, ej: Event, o: SharedObject): boolean {
  if (ei.op.k !== OpKind.Atomic) return !o.enabledIn(ej.op, ej.tid, ei.old);
  // an atomic step recorded the states of the objects it writes
  const at = ei.op.fp!.writes?.indexOf(o) ?? -1;
  return at >= 0 && !o.enabledIn(ej.op, ej.tid, (ei.old as unknown[])[at]);
}

/** Whether event i happens before event k (i < k) in x. */
export function happensBefore(x: Execution, i: number, k: number): boolean {
  const ei = x.events[i], b = x.clocks!.buf;
  return b[x.events[k].clock + ei.tid] >= b[ei.clock + ei.tid];
}

/** Index of the last entry below j in an ascending list. */
function below(list: number[], j: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < j) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Calls onRace(i, j) for every race whose later event j is at index >= from. */
export function forEachRace(x: Execution, from: number, onRace: (i: number, j: number) => void): void {
  const events = x.events, cl = x.clocks!, n = cl.n, b = cl.buf;
  // C: what happens before j other than through the race being examined
  const C = new Int32Array(n);
  const scan = new Scan(events, b, C, onRace);
  for (let j = from; j < events.length; j++) {
    const ej = events[j];
    for (let t = 0; t < n; t++) C[t] = b[ej.pclock + t];
    if (ej.more === null) scan.object(ej, j, ej.o);
    else scan.objects(ej, j);
  }
}

class Scan {
  constructor(readonly events: Event[], readonly b: Int32Array, readonly C: Int32Array,
    readonly onRace: (i: number, j: number) => void) {}

  object(ej: Event, j: number, o: SharedObject): void {
    const list = o.events!;
    for (let k = below(list, j); k >= 0; k--) {
      const i = list[k];
      const ei = this.events[i];
      // every earlier access to o happens before an exclusive access that we joined
      if (this.visit(ei, ej, i, j, o) && groupOn(ei, o) === Group.Exclusive) return;
    }
  }

  /** Several objects: their histories merged, newest first, without early stops. */
  objects(ej: Event, j: number): void {
    const lists = [ej.o.events!, ...ej.more!.map((a) => a.o.events!)];
    const at = lists.map((list) => below(list, j));
    for (let prev = -1; ;) {
      let from = -1;
      for (let l = 0; l < lists.length; l++) if (at[l] >= 0 && (from < 0 || lists[l][at[l]] > lists[from][at[from]])) from = l;
      if (from < 0) return;
      const i = lists[from][at[from]--];
      if (i === prev) continue; // an event on several of the objects
      prev = i;
      const ei = this.events[i];
      if (!this.visit(ei, ej, i, j, ej.o)) for (const a of ej.more!) if (this.visit(ei, ej, i, j, a.o)) break;
    }
  }

  /** Checks one earlier event on o; returns whether its clock was joined into C. */
  visit(ei: Event, ej: Event, i: number, j: number, o: SharedObject): boolean {
    const gi = groupOn(ei, o), gj = groupOn(ej, o);
    if (gi === -1 || gj === -1 || !conflicts(gi, gj)) return false;
    if (o.isLock && ei.rel && gj === Group.Read) return false; // a failed trylock after a release
    const other = ei.tid !== ej.tid;
    if (other && waited(ei, ej, o)) return false;
    const b = this.b, C = this.C, c = ei.clock;
    if (other && C[ei.tid] < b[c + ei.tid]) this.onRace(i, j);
    for (let t = 0; t < C.length; t++) if (b[c + t] > C[t]) C[t] = b[c + t];
    return true;
  }
}

/** initials(): per thread, the clock entry of its first event in v (scratch, at most 31 threads) */
const FIRST = new Int32Array(32);

/**
 * Threads that can start v = notdep(i).j from the state before i: the first event of such a
 * thread in v has no happens-before predecessor in v. Returned as a bit mask. The reversed
 * event j depends on what its operation may touch wherever it runs, not on its clock, which
 * may order it after events outside v (the ones a wait was skipped for).
 */
export function initials(x: Execution, i: number, j: number): number {
  const events = x.events, b = x.clocks!.buf;
  const ei = events[i];
  const ti = ei.tid, ni = b[ei.clock + ti];
  const n = x.threads.length;
  const first = FIRST.fill(0x7fffffff, 0, n);
  const firstEv: number[] = [];
  const ej = events[j];
  let jInitial = true;
  for (let k = i + 1; k < j; k++) {
    const ek = events[k];
    if (b[ek.clock + ti] >= ni) continue; // happens after i: not in v
    if (first[ek.tid] === 0x7fffffff) {
      first[ek.tid] = b[ek.clock + ek.tid];
      firstEv.push(k);
    }
    if (ek.tid === ej.tid || opDependsOn(ej.op, ek)) jInitial = false;
  }
  let mask = jInitial ? 1 << ej.tid : 0;
  for (const k of firstEv) {
    const ek = events[k], c = ek.clock;
    let initial = true;
    for (let t = 0; t < n && initial; t++) {
      if (t !== ek.tid && t !== ti && b[c + t] >= first[t]) initial = false;
    }
    if (initial) mask |= 1 << ek.tid;
  }
  return mask;
}
