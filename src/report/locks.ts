// Which locks each thread holds at each step, derived from a trace's lock steps.
import type { Trace, TraceEvent } from '../engine/index.js';

export interface HeldLock {
  object: string;
  mode: 'read' | 'write';
  /** step at which it was taken */
  step: number;
  /** the call frames of that acquisition */
  frames: string[];
}

const ACQUIRE: Record<string, 'read' | 'write'> = {
  lock: 'write', 'write-lock (wait)': 'write', 'read-lock': 'read',
};
const RELEASE = new Set(['unlock', 'read-unlock', 'write-unlock']);

function acquired(e: TraceEvent): 'read' | 'write' | null {
  if (e.op in ACQUIRE) return ACQUIRE[e.op];
  if (e.op === 'write-lock') return e.value === 'waits (write)' ? null : 'write';
  if (e.op === 'trylock' || e.op === 'write-trylock') return e.value === true ? 'write' : null;
  if (e.op === 'read-trylock') return e.value === true ? 'read' : null;
  return null;
}

/** held[i]: thread → locks held after step i (held[-1] is implicit: none). */
export function locksHeld(trace: Trace): Map<string, HeldLock[]>[] {
  const cur = new Map<string, HeldLock[]>(trace.threads.map((t) => [t, []]));
  const out: Map<string, HeldLock[]>[] = [];
  for (const e of trace.events) {
    const list = cur.get(e.thread)!;
    const mode = acquired(e);
    if (mode) list.push({ object: e.object, mode, step: e.step, frames: e.frames });
    else if (RELEASE.has(e.op)) {
      const i = list.map((h) => h.object).lastIndexOf(e.object);
      if (i >= 0) list.splice(i, 1);
    } else if (e.op === 'downgrade') {
      const h = list.find((x) => x.object === e.object);
      if (h) h.mode = 'read';
    }
    out.push(new Map([...cur].map(([t, l]) => [t, l.map((h) => ({ ...h }))])));
  }
  return out;
}
