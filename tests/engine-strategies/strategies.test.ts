// The strategy list: every strategy is described, runs, and reports under its name; optimal
// DPOR is the default; each exhaustive strategy reaches the same verdicts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STRATEGY, STRATEGIES, explore, type StrategyName } from '../../src/engine/index.js';
import { demoRace, lockedCounter } from '../../src/scenarios/classic.js';

const names = Object.keys(STRATEGIES) as StrategyName[];

describe('strategies', () => {
  it('are listed with a one-line description each', () => {
    assert.deepEqual([...names].sort(), ['dpor', 'naive', 'optimal', 'pct', 'random']);
    for (const n of names) assert.ok(STRATEGIES[n].length > 10 && !STRATEGIES[n].includes('\n'), n);
  });

  it('optimal DPOR is the default', () => {
    assert.equal(DEFAULT_STRATEGY, 'optimal');
    assert.equal(explore(lockedCounter(2)).strategy, 'optimal');
  });

  it('each runs under its name and finds the lost update', () => {
    for (const strategy of names) {
      const r = explore(demoRace(), { strategy, seed: 1, samples: 200 });
      assert.equal(r.strategy, strategy);
      assert.equal(r.verdict, 'violated', strategy);
      assert.equal(r.violation!.kind, 'final-check', strategy);
    }
  });

  it('the exhaustive ones prove a correct model; the sampling ones do not', () => {
    for (const strategy of names) {
      const r = explore(lockedCounter(3), { strategy, samples: 20 });
      assert.equal(r.verdict, strategy === 'random' || strategy === 'pct' ? 'incomplete' : 'holds', strategy);
    }
  });

  it('an unknown name is an error that lists the known ones', () => {
    assert.throws(() => explore(lockedCounter(2), { strategy: 'icb' as StrategyName }), /known: optimal, dpor, naive, random, pct/);
  });
});
