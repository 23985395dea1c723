// Grafts (parallel.ts, OptimalDpor.graft): a worker exploring a subtree takes branches its
// wakeup tree gained after it was sent only when one thread, given them from the start, would
// have explored the same executions so far. Checked by taking a real subtree of the coordinator,
// holding one branch of its wakeup tree back, and giving it after each execution in turn: every
// run that takes it must explore what the run that had it from the start explores, in order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../src/engine/index.js';
import { Clocks } from '../../src/engine/clock.js';
import { DEFAULT_STEP_BOUND, drive, newStats, run } from '../../src/engine/driver.js';
import { Execution } from '../../src/engine/execution.js';
import { OptimalDpor } from '../../src/engine/optimal.js';
import type { Strategy, SubtreeSpec } from '../../src/engine/strategy.js';
import { lastzero, readersWriters } from '../../src/scenarios/classic.js';
import { builtinModel } from '../../src/scenarios/index.js';

interface Branch { tid: number; touches: unknown; child: Branch | null; next: Branch | null }

/** The executions after which the whole tree comes back to the coordinator. */
const HAND_BACK_AFTER = [1, 2, 3, 5, 8, 13];
const BUDGET = { maxExecutions: Infinity, stepBound: DEFAULT_STEP_BOUND, deadline: Infinity };

/** Explores a subtree as a worker does; after `at` executions gives it grafts. */
function explore(model: Model, spec: SubtreeSpec, grafts?: { at: number; grafts: unknown }) {
  const stats = newStats();
  const reports: string[] = [], schedules: string[] = [];
  const s = new OptimalDpor(stats, { subtree: { ...structuredClone(spec), report: (r) => reports.push(JSON.stringify(r)) } });
  let took: boolean | null = null;
  const strategy: Strategy = {
    clocks: true, everyStep: false, exhaustive: true,
    choose: (x) => s.choose(x),
    finish: (x) => {
      schedules.push(x.schedule.join('.'));
      const more = s.finish(x);
      if (grafts && schedules.length === grafts.at) took = more && s.graft(structuredClone(grafts.grafts));
      return took === false ? false : more;
    },
  };
  drive(model, strategy, BUDGET, stats, null, null);
  const { wallMs: _w, peakRssMb: _p, ...counts } = stats;
  return { took, explored: { schedules, reports, counts } };
}

/** The subtrees the coordinator hands out after the first `after` executions of the whole tree come back to it. */
function subtrees(model: Model, after: number): SubtreeSpec[] {
  const first = new OptimalDpor(newStats(), { subtree: { prefix: [], from: 0, sleep: 0, wut: null, report: () => {} } });
  let n = 0;
  const stop: Strategy = { clocks: true, everyStep: false, exhaustive: true, choose: (x) => first.choose(x), finish: (x) => first.finish(x) && ++n < after };
  drive(model, stop, BUDGET, newStats(), null, null);
  const top = new OptimalDpor(newStats(), { coordinator: true });
  top.path.adopt(first.path.handOver());
  const specs: SubtreeSpec[] = [];
  for (let more = true; more;) {
    const x = new Execution(model, { clocks: new Clocks() });
    const end = run(x, top, DEFAULT_STEP_BOUND, newStats());
    if (end === 'split') {
      specs.push(top.subtreeAt(x));
      more = top.next();
    } else more = top.finish(x);
  }
  return specs;
}

/** Copies of the tree, each with the last branch of one of its sibling lists of two or more left out. */
function heldOut(tree: Branch | null): Branch[] {
  const lists: number[] = [];
  const walk = (list: Branch | null, at: number[]): void => {
    let k = 0;
    for (let b = list; b; b = b.next, k++) walk(b.child, [...at, k]);
    if (k >= 2) lists.push(lists.length);
  };
  walk(tree, []);
  return lists.map((n) => {
    const copy = structuredClone(tree)!;
    let seen = 0;
    const cut = (list: Branch | null): boolean => {
      let k = 0;
      for (let b = list; b; b = b.next, k++) if (cut(b.child)) return true;
      if (k < 2) return false;
      if (seen++ < n) return false;
      let b = list!;
      while (b.next!.next) b = b.next!;
      b.next = null;
      return true;
    };
    cut(copy);
    return copy;
  });
}

describe('grafts into a subtree a worker explores', () => {
  const models: [string, Model][] = [
    ['readersWriters(4)', readersWriters(4)],
    ['lastzero(4)', lastzero(4)],
    ['fault in two-procs', builtinModel('fault', 'two-procs')],
    ['populate-hook in two-procs', builtinModel('populate-hook', 'two-procs')],
  ];
  for (const [name, model] of models) {
    it(`${name}: taken only where the executions match one thread's`, (t) => {
      const top = new OptimalDpor(newStats(), { coordinator: true });
      let taken = 0, refused = 0;
      const specs = new Map<string, SubtreeSpec>();
      for (const after of HAND_BACK_AFTER) for (const spec of subtrees(model, after)) specs.set(JSON.stringify(spec), spec);
      for (const spec of specs.values()) {
        const whole = explore(model, spec).explored;
        for (const held of heldOut(spec.wut as Branch | null)) {
          const grafts = top.graftsBetween(held, spec.wut);
          assert.ok(grafts, 'the tree differs from it by one branch');
          for (let at = 1; at <= whole.schedules.length; at++) {
            const r = explore(model, { ...spec, wut: held }, { at, grafts });
            if (r.took) {
              taken++;
              assert.deepEqual(r.explored, whole, `taken after ${at} executions`);
            } else refused++;
          }
        }
      }
      t.diagnostic(`${taken} taken, ${refused} refused`);
      assert.ok(taken > 0 && refused > 0, `${taken} taken, ${refused} refused: both must be tried`);
    });
  }

  it('are not made between trees that differ otherwise', () => {
    const top = new OptimalDpor(newStats(), { coordinator: true });
    const leaf = (tid: number, next: Branch | null = null): Branch => ({ tid, touches: [{ id: '1', g: 0 }], child: null, next });
    assert.equal(top.graftsBetween(leaf(0), leaf(1)), null, 'another thread');
    assert.equal(top.graftsBetween(leaf(0, leaf(1)), leaf(0)), null, 'a branch fewer');
    assert.equal(top.graftsBetween(null, leaf(0)), null, 'an empty tree at the root');
    assert.equal(top.graftsBetween(leaf(0), leaf(0)), null, 'the same tree');
    assert.deepEqual(top.graftsBetween(leaf(0), leaf(0, leaf(1))), [{ path: [], count: 1, chain: leaf(1) }]);
  });
});
