// The state-space estimate (src/engine/estimate.ts): converges to the oracle's counts of
// interleavings (naive) and traces (optimal, dpor) on small models; within a factor of 2 of
// what the strategies run, with the default 200 probes, on the classic benchmarks and on VFIO
// scenarios, and with 100 on a comb of side subtrees; exact where every step is forced;
// deterministic for a seed; and carried by explore.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Cell, defineModel, estimateExecutions, explore, type Estimate, type Gen, type Model, type Stats, type StrategyName } from '../../src/engine/index.js';
import { demoRace, filesystem, indexer, lastzero, lockedCounter, readersWriters, rwsemPair } from '../../src/scenarios/classic.js';
import { find_scenario, vfio_model } from '../../src/scenarios/vfio.js';
import { growthModel } from '../../src/scenarios/index.js';
import { find_design } from '../../src/drivers/vfio-pci/index.js';
import { enumerate } from '../support/oracle.js';

/** Every probe is taken, whatever the machine's speed, so that results depend on the seed only. */
const NO_TIMEOUT = 60_000;

function estimate(model: Model, strategy: StrategyName, probes = 200, seed = 1): Estimate {
  const e = estimateExecutions(model, strategy, { probes, seed, timeoutMs: NO_TIMEOUT });
  assert.ok(e, `${strategy} has an estimate`);
  assert.equal(e.probes, probes);
  return e;
}

/** Within k standard errors of the truth (the spread the estimate reports), and within 15%. */
function converges(t: TestContext, name: string, e: Estimate, truth: number, k = 4): void {
  const se = (e.relativeError ?? 0) * e.executions;
  t.diagnostic(`${name}: ${truth}, estimated ${e.executions.toFixed(2)} ± ${se.toFixed(2)} (${e.probes} probes, ${e.wallMs} ms)`);
  assert.ok(Math.abs(e.executions - truth) <= Math.max(k * se, 1e-9), `${name}: ${e.executions} is not ${truth} ± ${k} × ${se}`);
  assert.ok(Math.abs(e.executions - truth) <= 0.15 * truth, `${name}: ${e.executions} is not within 15% of ${truth}`);
}

function withinFactor2(t: TestContext, name: string, e: Estimate, executions: number): void {
  const ratio = e.executions / executions;
  t.diagnostic(`${name}: ${executions} executions, estimated ${Math.round(e.executions)} ± ${Math.round(100 * (e.relativeError ?? 0))}% `
    + `(ratio ${ratio.toFixed(2)}, ${e.probes} probes in ${e.wallMs} ms)`);
  assert.ok(ratio >= 0.5 && ratio <= 2, `${name}: estimated ${e.executions} for ${executions} executions`);
}

const small: [string, Model][] = [
  ['readers-writers(2)', readersWriters(2)],
  ['readers-writers(3)', readersWriters(3)],
  ['lastzero(3)', lastzero(3)],
  ['indexer(2, size 4, max 2)', indexer(2, { size: 4, max: 2 })],
  ['locked-counter(3)', lockedCounter(3)],
  ['rwsem-pair(2)', rwsemPair(2)],
  // the search stops at its first violation; the estimate is of the whole tree, as the oracle's counts
  ['demo-race', demoRace()],
];

describe('the estimate converges to the oracle with many probes', () => {
  for (const [name, model] of small) {
    it(name, (t) => {
      const oracle = enumerate(model);
      converges(t, `${name} interleavings`, estimate(model, 'naive', 4000), oracle.interleavings);
      converges(t, `${name} traces`, estimate(model, 'optimal', 4000), oracle.traces.size);
    });
  }
});

describe('the estimate is within a factor of 2 of the executions run, with 200 probes', () => {
  const classic: [string, Model, StrategyName[]][] = [
    ['readers-writers', readersWriters(), ['optimal', 'naive']],
    ['lastzero(4)', lastzero(4), ['optimal', 'naive']],
    ['lastzero', lastzero(), ['optimal']],
    ['indexer', indexer(), ['optimal']],
    ['filesystem', filesystem(), ['optimal']],
    ['locked-counter', lockedCounter(), ['optimal', 'naive']],
    ['rwsem-pair', rwsemPair(), ['optimal', 'naive']],
  ];
  for (const [name, model, strategies] of classic) {
    it(name, (t) => {
      for (const strategy of strategies) {
        const r = explore(model, { strategy });
        assert.equal(r.verdict, 'holds');
        withinFactor2(t, `${name} ${strategy}`, estimate(model, strategy), r.stats.executions);
      }
    });
  }

  for (const [design, scenario] of [['fault', 'race'], ['populate-hook', 'race'], ['fault', 'transient-flr'], ['fault', 'two-procs']]) {
    it(`${design} in ${scenario}`, (t) => {
      const model = vfio_model(find_design(design)!, find_scenario(scenario)!);
      const r = explore(model);
      assert.equal(r.verdict, 'holds');
      withinFactor2(t, `${design}/${scenario} optimal`, estimate(model, 'optimal'), r.stats.executions);
    });
  }

  it('dpor: the traces, which its complete executions are', (t) => {
    const model = lastzero(4);
    const r = explore(model, { strategy: 'dpor' });
    const e = estimate(model, 'dpor');
    assert.deepEqual({ ...e, wallMs: 0 }, { ...estimate(model, 'optimal'), wallMs: 0 }, 'the same tree as optimal');
    withinFactor2(t, 'lastzero(4) dpor', e, r.stats.complete);
  });
});

describe('a comb: the traces of growth mappings are spread over hundreds of small side subtrees', () => {
  // one walk from the root reaches the k-th side subtree with probability about 2^-k: Knuth's
  // estimator, unbiased, gave 0.1 to 0.3 of the traces here, with an error that did not show it
  for (const design of ['fault', 'populate-hook']) {
    it(`${design}, 8 mappings`, (t) => {
      const model = growthModel(design, 'mappings', 8);
      const r = explore(model);
      assert.equal(r.verdict, 'holds');
      const e = estimate(model, 'optimal', 100);
      withinFactor2(t, `${design}/mappings 8 optimal`, e, r.stats.executions);
      const se = (e.relativeError ?? 0) * e.executions;
      assert.ok(Math.abs(e.executions - r.stats.executions) <= 4 * se, `the error reported, ± ${se.toFixed(1)}, covers the truth`);
    });
  }
});

function* setter({ flag, x }: Handoff): Gen {
  yield* x.write(2);
  yield* flag.write(1);
}

function* waiter({ flag, x }: Handoff): Gen {
  yield* flag.until((v) => v === 1);
  yield* x.write(1);
}

interface Handoff { flag: Cell<number>; x: Cell<number> }

/** Two threads, but one enabled at a time: a single interleaving. */
const handoff = defineModel<Handoff>({
  name: 'handoff',
  setup: () => ({ flag: new Cell('flag', 0), x: new Cell('x', 0) }),
  threads: (s) => ({ waiter: waiter(s), setter: setter(s) }),
  finals: { 'x is 1': ({ x }) => x.value === 1 },
});

function* own(c: Cell<number>): Gen {
  for (let i = 0; i < 3; i++) yield* c.update((v) => v + 1);
}

/** Three threads on cells of their own: one trace of 1,680 interleavings. */
const disjoint = defineModel({
  name: 'disjoint',
  setup: () => [0, 1, 2].map((i) => new Cell(`c${i}`, 0)),
  threads: (c) => ({ t0: own(c[0]), t1: own(c[1]), t2: own(c[2]) }),
});

describe('exact where the tree allows it', () => {
  it('one probe suffices when every step is forced', () => {
    for (const strategy of ['naive', 'optimal'] as const) {
      assert.equal(explore(handoff, { strategy }).stats.executions, 1);
      const e = estimate(handoff, strategy, 1);
      assert.equal(e.executions, 1, strategy);
      assert.equal(estimate(handoff, strategy).relativeError, 0, strategy);
    }
  });

  it('one trace of independent threads: every probe but the first learns to keep the threads in order', (t) => {
    assert.equal(explore(disjoint, { strategy: 'optimal' }).stats.executions, 1);
    assert.equal(explore(disjoint, { strategy: 'naive' }).stats.executions, 1680);
    withinFactor2(t, 'disjoint optimal', estimate(disjoint, 'optimal'), 1);
    withinFactor2(t, 'disjoint naive', estimate(disjoint, 'naive'), 1680);
  });
});

describe('determinism and the API', () => {
  it('a seed gives the same estimate; another seed another one', () => {
    const model = lastzero(4);
    const strip = (e: Estimate): Estimate => ({ ...e, wallMs: 0 });
    assert.deepEqual(strip(estimate(model, 'optimal', 200, 7)), strip(estimate(model, 'optimal', 200, 7)));
    assert.deepEqual(strip(estimate(model, 'naive', 200, 7)), strip(estimate(model, 'naive', 200, 7)));
    assert.notEqual(estimate(model, 'naive', 200, 7).executions, estimate(model, 'naive', 200, 8).executions);
  });

  it('the sampling strategies have none', () => {
    for (const strategy of ['random', 'pct'] as const) {
      assert.equal(estimateExecutions(lastzero(3), strategy), null);
      assert.equal(explore(lastzero(3), { strategy, estimate: true, samples: 10 }).estimate, undefined);
    }
  });

  it('a time budget cuts the probes, after the first', () => {
    const e = estimateExecutions(lastzero(), 'naive', { probes: 1_000_000, timeoutMs: 50 })!;
    assert.ok(e.probes >= 1 && e.probes < 1_000_000, `${e.probes} probes`);
    assert.equal(estimateExecutions(lastzero(), 'naive', { timeoutMs: 0 })!.probes, 1);
  });

  it('explore puts it into the result and hands it to onProgress', () => {
    const seen: [Stats, Estimate | undefined][] = [];
    const r = explore(lastzero(5), {
      strategy: 'naive', estimate: { probes: 50 }, timeoutMs: 1200, onProgress: (s, e) => seen.push([s, e]),
    });
    assert.equal(r.verdict, 'incomplete');
    assert.equal(r.estimate?.probes, 50);
    assert.equal(r.estimate?.method, 'interleavings');
    assert.ok(seen.length > 0, 'onProgress was called');
    // refined during the search (explore's during): the same probes, never below the executions run
    for (const [s, e] of seen) {
      assert.deepEqual({ ...e!, executions: 0 }, { ...r.estimate!, executions: 0 });
      assert.ok(e!.executions >= s.executions, `${e!.executions} estimated after ${s.executions} executions`);
    }
    assert.equal(explore(lastzero(3)).estimate, undefined, 'none unless asked for');
  });
});
