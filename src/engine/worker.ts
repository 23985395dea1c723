// A worker thread of parallel exploration (parallel.ts): explores the subtrees the coordinator
// sends, one at a time, streaming the races that belong to the coordinator's nodes.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { drive, newStats } from './driver.js';
import { LockGraph } from './lockdep.js';
import { CONTROL, loadSource, splittable, type SubtreeResult, type WorkerData, type WorkerMessage } from './parallel.js';
import type { Splittable, Strategy, SubtreeSpec } from './strategy.js';
import { ReplayDivergence, type Handover } from './tree.js';

const data = workerData as WorkerData;
const port = parentPort!;
const control = new Int32Array(data.control);
const model = await loadSource(data.source);
const post = (m: WorkerMessage): void => port.postMessage(m);

/** Takes the grafts waiting for subtree id into s, while it can (more: it has executions left); says whether it took them all. */
function takeGrafts(s: Splittable, id: number, more: boolean): boolean {
  Atomics.compareExchange(control, CONTROL.graft, id, 0);
  let ok = true;
  for (let m = receiveMessageOnPort(data.grafts); m; m = receiveMessageOnPort(data.grafts)) {
    const g = m.message as { id: number; grafts: unknown };
    // for a subtree that ended before
    if (g.id !== id) continue;
    ok &&= more && s.graft!(g.grafts);
    post({ kind: 'grafted', id, ok });
  }
  return ok;
}

port.on('message', ({ id, spec, limit, knownEdges }: { id: number; spec: SubtreeSpec; limit: number; knownEdges: string[] }) => {
  try {
    const stats = newStats();
    const graph = new LockGraph(new Set(knownEdges));
    const witnesses = new Map<string, number>((model.witnesses ?? []).map((w) => [w, 0]));
    let reports: unknown[] = [];
    let handover: Handover | undefined;
    const s = splittable(data.strategy, stats, { subtree: { ...spec, report: (r) => reports.push(r) } });
    // the coordinator applies reports while the subtree runs: sent after each execution; and
    // it may ask for the rest of the subtree back
    const streaming: Strategy = {
      clocks: s.clocks, everyStep: s.everyStep, exhaustive: s.exhaustive,
      choose: (x) => s.choose(x),
      finish: (x, end) => {
        const more = s.finish(x, end);
        if (reports.length > 0) {
          post({ kind: 'reports', id, reports });
          reports = [];
        }
        // branches that reports gave the subtree since it was sent; the coordinator drops it if refused
        if (Atomics.load(control, CONTROL.graft) === id && !takeGrafts(s, id, more)) return false;
        if (more && Atomics.load(control, CONTROL.handBack) === id) {
          handover = s.path.handOver();
          return false;
        }
        return more;
      },
    };
    const r = drive(model, streaming, {
      maxExecutions: limit, stepBound: data.stepBound, deadline: data.deadline,
      onProgress: (st) => post({ kind: 'progress', id, executions: st.executions }),
      cancelled: () => Atomics.load(control, CONTROL.cancel) === id,
    }, stats, graph, witnesses);
    const result: SubtreeResult = { stats, witnesses: [...witnesses], violation: r.violation, edges: graph.records() };
    if (r.cut) result.cut = r.cut;
    if (r.cancelled) result.cancelled = true;
    if (handover) result.handover = handover;
    post({ kind: 'done', id, result });
  } catch (err) {
    post({ kind: 'error', id, divergence: err instanceof ReplayDivergence, message: err instanceof Error ? err.message : String(err) });
  }
});
