// Stateless exploration of a model's interleavings. Every execution re-runs setup and
// replays the schedule prefix of the current tree path, then extends it to a maximal
// execution. The strategies differ in which alternatives they add to the path's nodes.
import { Execution, type Event } from './execution.js';
import type { Model } from './model.js';
import type { CheckResult, IncompleteReason, Stats, Violation } from './result.js';
import { LockGraph } from './lockdep.js';
import { forEachRace, initials } from './races.js';
import { OP_NAMES } from './op.js';

export type StrategyName = 'naive' | 'dpor';

export const STRATEGIES: Record<StrategyName, string> = {
  naive: 'every interleaving, no reduction (the test oracle; checks the model invariant after every step)',
  dpor: 'source-DPOR with sleep sets (Abdulla et al., POPL 2014)',
};

export interface ExploreOptions {
  strategy?: StrategyName;
  maxExecutions?: number;
  /** steps in one execution before it is cut ("incomplete: step bound") */
  stepBound?: number;
  timeoutMs?: number;
  /** called about every 250 ms with the stats so far */
  onProgress?: (s: Stats) => void;
}

export const DEFAULT_STEP_BOUND = 10_000;

interface Node {
  tid: number;
  enabled: number;
  backtrack: number;
  done: number;
  sleep: number;
  /** operation executed here, checked on replay */
  sigKind: number;
  sigObject: string;
}

export class ReplayDivergence extends Error {}

const lowestBit = (m: number): number => 31 - Math.clz32(m & -m);

export function newStats(): Stats {
  return { executions: 0, complete: 0, deadlocked: 0, violating: 0, bounded: 0, sleepBlocked: 0, transitions: 0, wallMs: 0, peakRssMb: 0 };
}

export function sampleMemory(stats: Stats): void {
  const mb = process.memoryUsage().rss / 1048576;
  if (mb > stats.peakRssMb) stats.peakRssMb = Math.round(mb * 10) / 10;
}

export function explore<S>(model: Model<S>, opts: ExploreOptions = {}): CheckResult {
  const strategy = opts.strategy ?? 'dpor';
  const reduce = strategy === 'dpor';
  const stepBound = opts.stepBound ?? DEFAULT_STEP_BOUND;
  const maxExecutions = opts.maxExecutions ?? Infinity;
  const started = Date.now();
  const deadline = opts.timeoutMs === undefined ? Infinity : started + opts.timeoutMs;
  const stats = newStats();
  const graph = new LockGraph();
  const witnessCounts = new Map<string, number>((model.witnesses ?? []).map((w) => [w, 0]));
  const nodes: Node[] = [];
  let divergence = 0;
  let violation: Violation | null = null;
  let incomplete: IncompleteReason | undefined;
  let lastReport = started;

  for (;;) {
    if (stats.executions >= maxExecutions) { incomplete = 'max-executions'; break; }
    if ((stats.executions & 63) === 0) {
      const now = Date.now();
      if (now > deadline) { incomplete = 'timeout'; break; }
      if (now - lastReport >= 250) {
        lastReport = now;
        sampleMemory(stats);
        stats.wallMs = now - started;
        opts.onProgress?.(stats);
      }
    }
    const x = new Execution(model, { lockGraph: graph });
    stats.executions++;
    for (let i = 0; i < nodes.length && x.status === 'running'; i++) {
      const n = nodes[i];
      const t = x.threads[n.tid];
      if (i < divergence && (t.pending === null || t.pending.k !== n.sigKind || t.pending.o.id !== n.sigObject)) {
        throw new ReplayDivergence(`model is not deterministic: replaying step ${i}, thread ${t.name} is at ` +
          `${t.pending ? `${OP_NAMES[t.pending.k]} ${t.pending.o.name}` : 'its end'}, not where it was before ` +
          '(does the model keep state outside its shared objects?)');
      }
      const ev = x.step(n.tid);
      stats.transitions++;
      if (i === nodes.length - 1) {
        n.sigKind = ev.op.k;
        n.sigObject = ev.o.id;
      }
      if (!reduce) x.checkInvariant();
    }
    let childSleep = reduce && nodes.length > 0 ? sleepAfter(x, nodes[nodes.length - 1], x.events[x.events.length - 1]) : 0;
    let sleepBlocked = false;
    while (x.status === 'running') {
      if (x.events.length >= stepBound) break;
      const enabled = x.enabledMask();
      if (enabled === 0) { x.deadlock(); break; }
      const avail = enabled & ~childSleep;
      if (avail === 0) { sleepBlocked = true; break; }
      const last = x.schedule.length ? x.schedule[x.schedule.length - 1] : -1;
      const p = last >= 0 && (avail >> last) & 1 ? last : lowestBit(avail);
      const node: Node = { tid: p, enabled, backtrack: reduce ? 1 << p : enabled, done: 0, sleep: childSleep, sigKind: 0, sigObject: '' };
      nodes.push(node);
      const ev = x.step(p);
      stats.transitions++;
      node.sigKind = ev.op.k;
      node.sigObject = ev.o.id;
      if (reduce) childSleep = sleepAfter(x, node, ev);
      else x.checkInvariant();
    }
    for (const w of x.reached) witnessCounts.set(w, (witnessCounts.get(w) ?? 0) + 1);
    if (x.status === 'complete') stats.complete++;
    else if (x.status === 'deadlock') stats.deadlocked++;
    else if (x.status === 'violation') stats.violating++;
    else if (sleepBlocked) stats.sleepBlocked++;
    else stats.bounded++;

    if (x.violation) { violation = x.violation; break; }
    if (reduce) {
      forEachRace(x.events, divergence, (i, j) => {
        const node = nodes[i];
        const I = initials(x.events, i, j);
        if (I & (node.backtrack | node.sleep)) return;
        const ok = I & node.enabled;
        if (ok === 0) return; // the reversed event cannot run there
        const tj = x.events[j].tid;
        node.backtrack |= (ok >> tj) & 1 ? 1 << tj : 1 << lowestBit(ok);
      });
    }
    let i = nodes.length - 1;
    for (; i >= 0; i--) {
      const n = nodes[i];
      n.done |= 1 << n.tid;
      const cand = n.backtrack & ~n.done & ~n.sleep;
      if (cand) { n.tid = lowestBit(cand); break; }
    }
    if (i < 0) break;
    nodes.length = i + 1;
    divergence = i;
  }

  stats.wallMs = Date.now() - started;
  sampleMemory(stats);
  if (!incomplete && stats.bounded > 0) incomplete = 'step-bound';
  return assemble(model.name, strategy, violation, graph, incomplete, witnessCounts, stats);
}

/** Threads that stay asleep after ev: those asleep (or done) at the node whose next step commutes with ev. */
function sleepAfter(x: Execution, node: Node, ev: Event): number {
  let s = (node.sleep | node.done) & ~(1 << node.tid);
  for (let m = s; m; m &= m - 1) {
    const q = lowestBit(m);
    if (x.pendingDependsOn(x.threads[q], ev)) s &= ~(1 << q);
  }
  return s;
}

export function assemble(model: string, strategy: string, violation: Violation | null, graph: LockGraph,
  incomplete: IncompleteReason | undefined, witnessCounts: Map<string, number>, stats: Stats): CheckResult {
  const witnesses = [...witnessCounts].map(([name, executions]) => ({ name, executions }));
  const cycle = graph.findCycle();
  const base = { model, strategy, witnesses, stats };
  if (violation) {
    const r: CheckResult = { ...base, verdict: violation.kind === 'model-error' ? 'model-error' : 'violated', violation };
    if (cycle && violation.kind === 'deadlock') r.cycles = [cycle];
    return r;
  }
  if (cycle) return { ...base, verdict: 'violated', violation: cycle };
  if (incomplete) return { ...base, verdict: 'incomplete', incomplete };
  const vacuous = witnesses.some((w) => w.executions === 0);
  return vacuous ? { ...base, verdict: 'holds', vacuous } : { ...base, verdict: 'holds' };
}
