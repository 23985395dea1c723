// Parallel exploration against one thread: the same verdict, counterexample, witnesses and
// every count, on the classic benchmarks and the VFIO designs, including runs made to split
// subtrees further at every chance (handBackAfterMs: 0) and one long enough for lookaheads to
// take grafts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explore, type CheckResult, type StrategyName } from '../../src/engine/index.js';
import { exploreInWorkers, loadSource, type ModelSource, type ParallelOptions } from '../../src/engine/parallel.js';

const classic = (exp: string, ...args: unknown[]): ModelSource =>
  ({ module: new URL('../../src/scenarios/classic.js', import.meta.url).href, export: exp, args });
const design = (name: string, scenario: string): ModelSource =>
  ({ module: new URL('../../src/scenarios/index.js', import.meta.url).href, export: 'builtinModel', args: [name, scenario] });

/** What must not depend on the number of threads: all but the times and memory. */
function outcome(r: CheckResult): unknown {
  const { wallMs: _w, peakRssMb: _p, ...counts } = r.stats;
  return {
    verdict: r.verdict, incomplete: r.incomplete, counts, witnesses: r.witnesses, notes: r.notes,
    violation: r.violation && { kind: r.violation.kind, message: r.violation.message, schedule: r.violation.trace.schedule },
    cycles: r.violation?.cycle?.map((e) => `${e.from}->${e.to} ${e.trace.schedule}`),
  };
}

async function same(source: ModelSource, strategy: StrategyName, opts: Partial<ParallelOptions> = {}): Promise<CheckResult> {
  const one = explore(await loadSource(source), { strategy, minimize: false, maxExecutions: opts.maxExecutions });
  const two = await exploreInWorkers(source, { strategy, workers: 2, minimize: false, ...opts });
  assert.deepEqual(outcome(two), outcome(one));
  return two;
}

describe('parallel exploration gives what one thread gives', () => {
  const engine: [ModelSource, StrategyName[]][] = [
    [classic('readersWriters', 3), ['optimal', 'dpor', 'naive']],
    [classic('lastzero', 4), ['optimal', 'dpor', 'naive']],
    [classic('indexer', 12), ['optimal', 'dpor']],
    [classic('filesystem', 14), ['optimal', 'dpor']],
    [classic('lockedCounter', 3), ['optimal', 'dpor', 'naive']],
    [classic('rwsemPair', 2), ['optimal', 'dpor', 'naive']],
    [classic('demoRace'), ['optimal', 'dpor', 'naive']],
  ];
  for (const [source, strategies] of engine) {
    for (const strategy of strategies) {
      it(`${source.export}(${source.args!.join(', ')}) under ${strategy}`, async () => {
        await same(source, strategy, {});
      });
    }
  }

  const vfio: [string, string, StrategyName][] = [
    ['fault', 'munmap-race', 'optimal'],
    ['populate-hook', 'two-procs', 'optimal'],
    ['fault', 'transient-hot-reset', 'optimal'],
    ['fault', 'reenable', 'dpor'],
    ['legacy-remap', 'orders', 'optimal'],
    ['prepare-remap-hidden-checked', 'race', 'optimal'],
  ];
  for (const [name, scenario, strategy] of vfio) {
    it(`${name} in ${scenario} under ${strategy}, handed back at every chance`, async () => {
      const r = await same(design(name, scenario), strategy, { handBackAfterMs: 0 });
      assert.ok(r.stats.executions > 1);
    });
  }

  it('the deadlock and the lock-order cycle of prepare-remap-hidden-checked come with the same traces', async () => {
    const r = await same(design('prepare-remap-hidden-checked', 'race'), 'optimal');
    assert.equal(r.violation?.kind, 'deadlock');
  });

  it('fault in growth threads-3, whose lookaheads gain branches as they run (grafts)', async () => {
    const growth = { module: new URL('../../src/scenarios/index.js', import.meta.url).href, export: 'growthModel', args: ['fault', 'threads', 3] };
    const r = await same(growth, 'optimal');
    assert.equal(r.stats.executions, 716);
  });

  it('budgets cut it where they cut one thread', async () => {
    const r = await same(classic('indexer', 13), 'optimal', { maxExecutions: 40 });
    assert.equal(r.incomplete, 'max-executions');
    assert.equal(r.stats.executions, 40);
  });

  it('makes the same estimate before the search', async () => {
    const source = classic('lastzero', 4);
    const one = explore(await loadSource(source), { estimate: { probes: 50 } });
    const two = await exploreInWorkers(source, { workers: 2, estimate: { probes: 50 } });
    assert.ok(one.estimate && one.estimate.executions > 0);
    assert.equal(two.estimate?.executions, one.estimate.executions);
  });

  it('fails, not hangs, when a worker cannot load the model', async () => {
    const source = { module: new URL('../../../tests/fixtures/main-thread-only.mjs', import.meta.url).href };
    await assert.rejects(exploreInWorkers(source, { workers: 2 }), /a worker thread failed: this model loads on the main thread only/);
  });

  it('refuses sampling strategies, and no workers', async () => {
    await assert.rejects(exploreInWorkers(classic('demoRace'), { strategy: 'random', workers: 2 }), /exhaustive strategy/);
    await assert.rejects(exploreInWorkers(classic('demoRace'), { workers: 0 }), /at least 1, not 0/);
  });
});
