// The estimate during a search (Strategy.treeSize, Path.sized; explore's `during`): exact on a
// tree whose siblings are alike, never below the executions run, tending to the count, and the
// one the progress callback gets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cell, defineModel, explore, type Estimate, type Gen, type Stats } from '../../src/engine/index.js';
import { Execution } from '../../src/engine/execution.js';
import { newStats, run } from '../../src/engine/driver.js';
import { makeStrategy, during, type StrategyName } from '../../src/engine/explore.js';
import type { Strategy } from '../../src/engine/strategy.js';
import { lastzero, readersWriters } from '../../src/scenarios/classic.js';
import { growthModel } from '../../src/scenarios/index.js';
import { exploreInWorkers } from '../../src/engine/parallel.js';
import type { Model } from '../../src/engine/model.js';

function* once(c: Cell<number>): Gen {
  yield* c.write(1);
}

/** Four threads of one step each on one cell: 4! interleavings, each node's children alike. */
const fourWrites = defineModel({
  name: 'four-writes',
  setup: () => new Cell('c', 0),
  threads: (c) => ({ a: once(c), b: once(c), c: once(c), d: once(c) }),
});

/** Runs the search, calling seen(stats, strategy) after each execution that has a next one. */
function search(model: Model, name: StrategyName, seen: (s: Stats, strategy: Strategy) => void): number {
  const stats = newStats();
  const strategy = makeStrategy(name, {}, stats);
  for (let more = true; more; ) {
    const x = new Execution(model, { clocks: strategy.clocks ? undefined : false });
    stats.executions++;
    more = strategy.finish(x, run(x, strategy, 10_000, stats) as never);
    if (more) seen(stats, strategy);
  }
  return stats.executions;
}

describe('the size of the tree estimated from the search so far', () => {
  it('is exact after every execution when siblings are alike (naive, four one-step threads)', () => {
    const sizes: number[] = [];
    const n = search(fourWrites, 'naive', (_, s) => sizes.push(s.treeSize!()));
    assert.equal(n, 24);
    assert.deepEqual(new Set(sizes), new Set([24]));
  });

  for (const [name, model, strategy] of [
    ['lastzero(4)', lastzero(4), 'optimal'], ['readers-writers', readersWriters(), 'dpor'], ['readers-writers', readersWriters(), 'naive'],
    ['fault, 12 mappings', growthModel('fault', 'mappings', 12), 'optimal'],
  ] as const) {
    it(`never counts fewer than the executions run, and ends near the count: ${name}, ${strategy}`, () => {
      const seen: [number, number][] = [];
      const n = search(model, strategy, (s, st) => seen.push([s.executions, st.treeSize!()]));
      for (const [done, size] of seen) assert.ok(size >= done, `${size} estimated after ${done} executions`);
      // the estimate made before the search: none, then half and twice the count
      for (const before of [0, n / 2, 2 * n]) {
        const [done, size] = seen[seen.length - 1];
        const last = during({ executions: before, method: 'traces', probes: 1, relativeError: null, seed: 1, wallMs: 0 },
          { treeSize: () => size } as Strategy, { ...newStats(), executions: done }).executions;
        assert.ok(last >= done && last <= 2 * n, `${name}: ${last} estimated at the last execution of ${n}`);
      }
    });
  }

  it('reaches the progress callback of a search with an estimate, in one thread and in workers', async () => {
    for (const workers of [0, 2]) {
      const seen: [number, number][] = [];
      const opts = { estimate: { probes: 50 }, onProgress: (s: Stats, e?: Estimate) => seen.push([s.executions, e!.executions]) };
      // every subtree handed back: the estimate goes on through the nodes the coordinator adopts
      const r = workers === 0 ? explore(growthModel('fault', 'mappings', 12), opts)
        : await exploreInWorkers({ module: new URL('../../src/scenarios/index.js', import.meta.url).href, export: 'growthModel', args: ['fault', 'mappings', 12] },
          { ...opts, workers, handBackAfterMs: 0 });
      // progress comes every 250 ms; this search takes about a second
      assert.ok(seen.length > 0, `no progress reported (${workers} workers)`);
      for (const [done, size] of seen) assert.ok(size >= done && size !== r.estimate!.executions, `${size} after ${done} (${workers} workers)`);
    }
  });
});
