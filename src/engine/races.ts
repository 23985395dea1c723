// Race detection over one execution (Abdulla et al., POPL 2014, with Nidhugg's rule for
// locks): event i races with a later event j when they conflict, belong to different
// threads, and no other event orders them. A release followed by a blocking acquisition is
// a happens-before edge, never a race (the acquisition could not have run earlier);
// acquisitions race with each other, and a release races with a later attempt that does
// not block (a trylock, or a write-lock that may join the queue) and with an earlier
// attempt that found the lock busy.
import { Group, OpKind } from './op.js';
import type { Event, VectorClock } from './execution.js';
import type { SharedObject } from './object.js';

const join = (a: VectorClock, b: VectorClock): void => {
  for (let i = 0; i < a.length; i++) if (b[i] > a[i]) a[i] = b[i];
};

function groupOn(ev: Event, o: SharedObject): Group | null {
  if (ev.o === o) return ev.g;
  if (ev.more) for (const a of ev.more) if (a.o === o) return a.g;
  return null;
}

const conflicts = (a: Group, b: Group): boolean => a !== b || a === Group.Exclusive;

/** Acquisitions that wait for the lock: disabled while it is held. */
const blocks = (ev: Event): boolean => ev.op.k === OpKind.Lock || ev.op.k === OpKind.ReadLock || ev.op.k === OpKind.WriteWait;

function objectsOf(ev: Event): SharedObject[] {
  return ev.more ? [ev.o, ...ev.more.map((a) => a.o)] : [ev.o];
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
export function forEachRace(events: Event[], from: number, onRace: (i: number, j: number) => void): void {
  for (let j = from; j < events.length; j++) {
    const ej = events[j];
    const C = ej.pclock.slice();
    const objs = objectsOf(ej);
    if (objs.length === 1) {
      scanObject(events, ej, j, ej.o, C, onRace, true);
    } else {
      // several objects: merge their histories, newest first, without early stops
      const idx = new Set<number>();
      for (const o of objs) for (let k = below(o.events, j); k >= 0; k--) idx.add(o.events[k]);
      const order = [...idx].sort((a, b) => b - a);
      for (const i of order) {
        const ei = events[i];
        for (const o of objs) if (visit(events, ei, ej, i, j, o, C, onRace)) break;
      }
    }
  }
}

function scanObject(events: Event[], ej: Event, j: number, o: SharedObject, C: VectorClock,
  onRace: (i: number, j: number) => void, stopAtExclusive: boolean): void {
  const list = o.events;
  for (let k = below(list, j); k >= 0; k--) {
    const i = list[k];
    const ei = events[i];
    const joined = visit(events, ei, ej, i, j, o, C, onRace);
    // every earlier access to o happens-before an exclusive access that we joined
    if (joined && stopAtExclusive && groupOn(ei, o) === Group.Exclusive) return;
  }
}

/** Checks one earlier event on o; returns whether its clock was joined into C. */
function visit(events: Event[], ei: Event, ej: Event, i: number, j: number, o: SharedObject, C: VectorClock,
  onRace: (i: number, j: number) => void): boolean {
  const gi = groupOn(ei, o), gj = groupOn(ej, o);
  if (gi === null || gj === null || !conflicts(gi, gj)) return false;
  if (o.isLock && ei.rel && blocks(ej)) return false;
  if (ei.tid !== ej.tid && C[ei.tid] < ei.clock[ei.tid] && (!o.isLock || !ej.rel || ei.busy)) {
    if (ej.op.k === OpKind.Until && ej.o === o) reverseWait(events, o, i, j, onRace);
    else onRace(i, j);
  }
  join(C, ei.clock);
  return true;
}

/**
 * A wait that passed after write i could have run before i only if the value i overwrote
 * satisfied it. Otherwise an earlier write disabled it: reverse the wait with the latest
 * write whose previous value let it pass (none: the wait could not have run earlier).
 */
function reverseWait(events: Event[], o: SharedObject, i: number, j: number, onRace: (i: number, j: number) => void): void {
  const pred = events[j].op.v as (v: unknown) => boolean;
  const list = o.events;
  for (let k = below(list, i + 1); k >= 0; k--) {
    const ek = events[list[k]];
    if (groupOn(ek, o) !== Group.Exclusive) continue;
    const before = ek.op.k === OpKind.Atomic ? (ek.prev as unknown[])[ek.op.fp!.writes!.indexOf(o)] : ek.prev;
    if (pred(before)) {
      onRace(list[k], j);
      return;
    }
  }
}

/**
 * Threads that can start v = notdep(i).j from the state before i: the first event of such a
 * thread in v has no happens-before predecessor in v. Returned as a bit mask.
 */
export function initials(events: Event[], i: number, j: number): number {
  const ei = events[i];
  const ti = ei.tid, ni = ei.clock[ti];
  const n = ei.clock.length;
  const first = new Array<number>(n).fill(0x7fffffff);
  const firstEv: number[] = [];
  for (let k = i + 1; k <= j; k++) {
    const ek = events[k];
    if (k < j && ek.clock[ti] >= ni) continue; // happens after i: not in v
    if (first[ek.tid] === 0x7fffffff) {
      first[ek.tid] = ek.clock[ek.tid];
      firstEv.push(k);
    }
  }
  let mask = 0;
  for (const k of firstEv) {
    const ek = events[k];
    let initial = true;
    for (let t = 0; t < n && initial; t++) {
      if (t !== ek.tid && t !== ti && ek.clock[t] >= first[t]) initial = false;
    }
    if (initial) mask |= 1 << ek.tid;
  }
  return mask;
}
