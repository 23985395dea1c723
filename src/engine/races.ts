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

/** The two pairs of mark fields on objects: for the later event and for the earlier one. */
const FOR_J = ['markJ', 'groupJ'] as const, FOR_I = ['markI', 'groupI'] as const;

/**
 * Marks on each object ev touched how it first touched it (as groupOn answers), in the fields
 * named by pair, under stamp: the event's index, unique within an execution, whose objects are
 * its own.
 */
function mark(ev: Event, stamp: number, pair: typeof FOR_J | typeof FOR_I): void {
  const m = pair[0], g = pair[1];
  ev.o[m] = stamp;
  ev.o[g] = ev.g;
  if (ev.more) for (const a of ev.more) if (a.o[m] !== stamp) {
    a.o[m] = stamp;
    a.o[g] = a.g;
  }
}

/** Sorts a[0, n) in place, a short run without a sort call's work array. */
function sortAscending(a: Int32Array, n: number): void {
  if (n > 16) {
    a.subarray(0, n).sort();
    return;
  }
  for (let k = 1; k < n; k++) {
    const v = a[k];
    let m = k - 1;
    for (; m >= 0 && a[m] > v; m--) a[m + 1] = a[m];
    a[m + 1] = v;
  }
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

/** Restores the max-heap heap[0, n) of list indices below h, keyed by each list's next event lists[l][at[l]]. */
function siftDown(heap: Int32Array, n: number, h: number, lists: number[][], at: Int32Array): void {
  if (h >= n) return;
  const l = heap[h], key = lists[l][at[l]];
  for (;;) {
    let c = 2 * h + 1;
    if (c >= n) break;
    if (c + 1 < n && lists[heap[c + 1]][at[heap[c + 1]]] > lists[heap[c]][at[heap[c]]]) c++;
    if (lists[heap[c]][at[heap[c]]] <= key) break;
    heap[h] = heap[c];
    h = c;
  }
  heap[h] = l;
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
  // scratch for objects(), reused with counts of their own: it runs on every step of several
  // objects, and an array's length set to 0 gives up its backing store
  private readonly objs: SharedObject[] = [];
  private readonly lists: number[][] = [];
  private at = new Int32Array(16);
  private heap = new Int32Array(16);
  private from = new Int32Array(16);

  constructor(readonly events: Event[], readonly b: Int32Array, readonly C: Int32Array,
    readonly onRace: (i: number, j: number) => void) {}

  object(ej: Event, j: number, o: SharedObject): void {
    const list = o.events!;
    for (let k = below(list, j); k >= 0; k--) {
      const i = list[k];
      const ei = this.events[i], gi = groupOn(ei, o);
      // every earlier access to o happens before an exclusive access that we joined
      if (this.visit(ei, ej, i, j, o, gi, ej.g) && gi === Group.Exclusive) return;
    }
  }

  /**
   * Several objects: their histories merged, newest first, without early stops. A check step
   * may read thousands of objects: the lists wait in a max-heap on their next event, and an
   * earlier event is checked only on the objects whose lists hold it, in ej's order.
   */
  objects(ej: Event, j: number): void {
    const { objs, lists } = this, more = ej.more!, m = 1 + more.length;
    if (this.at.length < m) {
      this.at = new Int32Array(2 * m);
      this.heap = new Int32Array(2 * m);
    }
    const { at, heap } = this;
    for (let l = 0; l < m; l++) {
      const o = l === 0 ? ej.o : more[l - 1].o;
      objs[l] = o;
      lists[l] = o.events!;
      at[l] = below(o.events!, j);
    }
    mark(ej, j, FOR_J);
    let n = 0;
    for (let l = 0; l < m; l++) if (at[l] >= 0) heap[n++] = l;
    for (let h = (n >> 1) - 1; h >= 0; h--) siftDown(heap, n, h, lists, at);
    while (n > 0) {
      // take every copy of the newest event i: on several objects, or twice on one
      const i = lists[heap[0]][at[heap[0]]];
      let f = 0;
      while (n > 0 && lists[heap[0]][at[heap[0]]] === i) {
        const l = heap[0];
        if (f === this.from.length) {
          const grown = new Int32Array(2 * f);
          grown.set(this.from);
          this.from = grown;
        }
        this.from[f++] = l;
        if (--at[l] < 0) heap[0] = heap[--n];
        siftDown(heap, n, 0, lists, at);
      }
      const ei = this.events[i], from = this.from;
      if (f > 1) {
        mark(ei, i, FOR_I);
        sortAscending(from, f);
      }
      for (let k = 0; k < f; k++) {
        if (k > 0 && from[k] === from[k - 1]) continue;
        const o = objs[from[k]];
        if (this.visit(ei, ej, i, j, o, f > 1 ? o.groupI : groupOn(ei, o), o.groupJ)) break;
      }
    }
  }

  /** Checks one earlier event on o, given how ei and ej touched it; returns whether its clock was joined into C. */
  visit(ei: Event, ej: Event, i: number, j: number, o: SharedObject, gi: Group | -1, gj: Group | -1): boolean {
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
