// The lock-order graph over lock classes (lockdep's rule): an edge A -> B when a thread
// takes B while holding A; a cycle is a possible deadlock even if no execution reached it.
// A successful trylock adds no edge. Read acquisitions of an rw-semaphore count like
// write ones (lockdep treats down_read as a non-recursive read: a queued writer makes
// readers wait), so every cycle is reported. Two locks of one class nest only with
// distinct subclasses, as with lockdep's *_nested annotations; otherwise a self-edge.
import type { Execution, ThreadState } from './execution.js';
import type { LockEdge, Violation } from './result.js';

export interface EdgeRecord {
  from: string;
  to: string;
  fromMode: 'read' | 'write';
  toMode: 'read' | 'write';
  thread: string;
  trace: LockEdge['trace'] | null;
}

const edgeKey = (from: string, to: string): string => `${from}\u0000${to}`;

export class LockGraph {
  private readonly edges = new Map<string, EdgeRecord>();
  private readonly out = new Map<string, string[]>();
  private unsettled: EdgeRecord[] = [];

  /**
   * known: edges (keys()) that another graph holds already with an earlier trace: taken
   * again they get none, as building a trace of a long execution costs more than the step.
   */
  constructor(private readonly known: ReadonlySet<string> = new Set()) {}

  add(t: ThreadState, to: string, toMode: 'read' | 'write'): void {
    for (const h of t.held) {
      if (h.event < 0) continue;
      const key = edgeKey(h.cls, to);
      if (this.edges.has(key) || this.known.has(key)) continue;
      const rec: EdgeRecord = { from: h.cls, to, fromMode: h.mode, toMode, thread: t.name, trace: null };
      this.edges.set(key, rec);
      const list = this.out.get(h.cls);
      if (list) list.push(to);
      else this.out.set(h.cls, [to]);
      this.unsettled.push(rec);
    }
  }

  /** Records the trace of edges added during the step just finished. */
  settle(x: Execution): void {
    if (this.unsettled.length === 0) return;
    const tr = x.trace();
    for (const r of this.unsettled) r.trace = tr;
    this.unsettled = [];
  }

  get size(): number { return this.edges.size; }

  /** The edges, as the keys the constructor takes. */
  keys(): string[] {
    return [...this.edges.keys()];
  }

  /** The settled edges in the order they were first taken (parallel.ts moves them between threads). */
  records(): EdgeRecord[] {
    return [...this.edges.values()].filter((r) => r.trace !== null);
  }

  /** Adds the edges of another graph that this one does not have, keeping their first traces. */
  merge(records: readonly EdgeRecord[]): void {
    for (const r of records) {
      const key = edgeKey(r.from, r.to);
      if (this.edges.has(key)) continue;
      this.edges.set(key, r);
      const list = this.out.get(r.from);
      if (list) list.push(r.to);
      else this.out.set(r.from, [r.to]);
    }
  }

  /** The shortest cycle, as a violation whose trace is the first edge's; null if acyclic. */
  findCycle(): Violation | null {
    let best: string[] | null = null;
    for (const start of this.out.keys()) {
      const path = this.shortestPath(start, start);
      if (path && (!best || path.length < best.length)) best = path;
    }
    if (!best) return null;
    const cycle: LockEdge[] = [];
    for (let i = 0; i + 1 < best.length; i++) {
      const r = this.edges.get(edgeKey(best[i], best[i + 1]))!;
      cycle.push({ from: r.from, to: r.to, fromMode: r.fromMode, toMode: r.toMode, thread: r.thread, trace: r.trace! });
    }
    const chain = best.join(' -> ');
    return {
      kind: 'lock-order-cycle',
      property: 'lock order',
      message: cycle.length === 1
        ? `possible recursive locking: ${cycle[0].thread} takes ${cycle[0].to} while holding another lock of that class`
        : `possible circular locking dependency: ${chain} (${cycle.map((e) => `${e.thread} takes ${e.to} holding ${e.from}`).join('; ')})`,
      trace: cycle[0].trace,
      cycle,
    };
  }

  private shortestPath(from: string, to: string): string[] | null {
    const prev = new Map<string, string>();
    const queue = [from];
    for (let qi = 0; qi < queue.length; qi++) {
      const n = queue[qi];
      for (const m of this.out.get(n) ?? []) {
        if (m === to) {
          const path = [m, n];
          for (let p = n; p !== from; ) { p = prev.get(p)!; path.push(p); }
          return path.reverse();
        }
        if (!prev.has(m) && m !== from) { prev.set(m, n); queue.push(m); }
      }
    }
    return null;
  }
}
