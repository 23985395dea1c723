// Random and PCT scheduling: seeded and reproducible, never a plain "holds", and PCT's
// priorities find an ordering bug of depth 1 that uniform random scheduling misses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cell, check, defineModel, explore, replay, type Gen, type Model } from '../../src/engine/index.js';
import { lockedCounter } from '../../src/scenarios/classic.js';
import { instrument } from '../support/oracle.js';

/**
 * The ordering bug of the PCT paper's figure 5 (as in Shuttle's test): the worker takes many
 * steps and then sets done; the checker asserts done is not set yet. It fails only when the
 * worker runs to its end before the checker's single step: probability 2^-(steps+1) under
 * uniform random scheduling, 1/2 per PCT execution (depth 1: the worker's priority is higher).
 */
function* worker(scratch: Cell<number>, done: Cell<boolean>, steps: number): Gen {
  for (let i = 0; i < steps; i++) yield* scratch.write(i);
  yield* done.write(true);
}
function* checker(done: Cell<boolean>): Gen {
  yield* check([done], 'checker runs before the worker is done', () => !done.value || 'the worker finished first');
}
const figure5 = (steps: number): Model => defineModel({
  name: 'figure 5',
  setup: () => ({ scratch: new Cell('scratch', 0), done: new Cell('done', false) }),
  threads: ({ scratch, done }) => ({ worker: worker(scratch, done, steps), checker: checker(done) }),
});

describe('random and pct', () => {
  it('pct finds a depth-1 ordering bug that uniform random scheduling misses in 100 runs', (t) => {
    const model = figure5(20);
    const random = explore(model, { strategy: 'random', samples: 100, seed: 7 });
    const pct = explore(model, { strategy: 'pct', samples: 100, seed: 7, depth: 1 });
    t.diagnostic(`random: ${random.verdict} after ${random.stats.executions} runs; pct: ${pct.verdict} after ${pct.stats.executions} runs`);
    assert.equal(random.verdict, 'incomplete');
    assert.equal(random.incomplete, 'samples');
    assert.equal(random.stats.executions, 100);
    assert.equal(pct.verdict, 'violated');
    assert.equal(pct.violation!.property, 'checker runs before the worker is done');
    assert.equal(replay(model, pct.violation!.trace.schedule).violation?.property, pct.violation!.property);
  });

  it('pct at depth 2 finds a bug that needs one preemption at one point', () => {
    // the checker must run after the worker's 5th write and before its 6th: depth 2
    const model = defineModel({
      name: 'one point',
      setup: () => ({ scratch: new Cell('scratch', 0) }),
      threads: ({ scratch }) => ({
        worker: (function* (): Gen { for (let i = 1; i <= 10; i++) yield* scratch.write(i); })(),
        checker: (function* (): Gen { yield* check([scratch], 'scratch is not 5', () => scratch.value !== 5); })(),
      }),
    });
    const r = explore(model, { strategy: 'pct', depth: 2, samples: 2000, seed: 3 });
    assert.equal(r.verdict, 'violated');
  });

  it('never says holds: a correct model is incomplete after its samples, with a note saying what was tried', () => {
    for (const strategy of ['random', 'pct'] as const) {
      const r = explore(lockedCounter(3), { strategy, samples: 50, seed: 1 });
      assert.equal(r.verdict, 'incomplete', strategy);
      assert.equal(r.incomplete, 'samples');
      assert.equal(r.stats.executions, 50);
      assert.ok(r.notes?.some((n) => n.includes('50 of 50 samples with seed 1')), strategy);
    }
  });

  it('pct states its guarantee, 1/(n k^(d-1)), for the depth used', () => {
    const r = explore(figure5(5), { strategy: 'pct', samples: 10, seed: 2, depth: 3 });
    // n = 2 threads, k = 7 steps at most (6 worker steps and the check), d = 3
    const note = r.notes?.find((n) => n.includes('1/(n k^(d-1))'));
    assert.ok(note, JSON.stringify(r.notes));
    assert.match(note, /1\/\(2\*7\^2\) = 0\.0102/);
  });

  it('is reproducible from its seed, and the seed matters', () => {
    for (const strategy of ['random', 'pct'] as const) {
      const schedules = (seed: number): string[] => {
        const inst = instrument(lockedCounter(3));
        explore(inst.model, { strategy, samples: 30, seed });
        return inst.executions.map((x) => x.schedule.join('.'));
      };
      assert.deepEqual(schedules(5), schedules(5), strategy);
      assert.notDeepEqual(schedules(5), schedules(6), strategy);
      assert.ok(new Set(schedules(5)).size > 1, `${strategy} varies its schedules`);
    }
  });
});
