// Grafts (parallel.ts, OptimalDpor.graft): a worker exploring a subtree takes branches its
// wakeup tree gained after it was sent only when one thread, given them from the start, would
// have explored the same executions so far. Checked by taking real subtrees of the coordinator,
// holding the last branch of a sibling list of their wakeup trees back (or of two lists: given
// at once, or one after the other) and giving it after each execution in turn: every run that
// takes them must explore what the run that had them from the start explores, in order.
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
const HAND_BACK_AFTER = [1, 2, 3, 5, 8, 13, 21];
const BUDGET = { maxExecutions: Infinity, stepBound: DEFAULT_STEP_BOUND, deadline: Infinity };

interface Step { at: number; grafts: unknown }

/** Explores a subtree as a worker does, giving it each step's grafts after `at` executions. */
function explore(model: Model, spec: SubtreeSpec, steps: Step[] = []) {
  const stats = newStats();
  const reports: string[] = [], schedules: string[] = [];
  const s = new OptimalDpor(stats, { subtree: { ...structuredClone(spec), report: (r) => reports.push(JSON.stringify(r)) } });
  let took = true, given = 0;
  const strategy: Strategy = {
    clocks: true, everyStep: false, exhaustive: true,
    choose: (x) => s.choose(x),
    finish: (x) => {
      schedules.push(x.schedule.join('.'));
      const more = s.finish(x);
      for (const g of steps) {
        if (g.at !== schedules.length) continue;
        given++;
        took &&= more && s.graft(structuredClone(g.grafts));
      }
      return took && more;
    },
  };
  drive(model, strategy, BUDGET, stats, null, null);
  const { wallMs: _w, peakRssMb: _p, ...counts } = stats;
  // a run that ended before a step did not take it
  return { took: took && given === steps.length, explored: { schedules, reports, counts } };
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

/** The lengths of the tree's sibling lists, children before parents. */
function lists(tree: Branch | null): number[] {
  const out: number[] = [];
  const walk = (list: Branch | null): void => {
    let k = 0;
    for (let b = list; b; b = b.next, k++) walk(b.child);
    if (k > 0) out.push(k);
  };
  walk(tree);
  return out;
}

/** A copy of the tree without the last branch of each sibling list in cuts (numbered as lists() counts them). */
function without(tree: Branch | null, ...cuts: number[]): Branch | null {
  const copy = structuredClone(tree);
  let seen = 0;
  const cut = (list: Branch | null): void => {
    let k = 0;
    for (let b = list; b; b = b.next, k++) cut(b.child);
    if (k === 0 || !cuts.includes(seen++)) return;
    let b = list!;
    while (b.next!.next) b = b.next!;
    b.next = null;
  };
  cut(copy);
  return copy;
}

describe('grafts into a subtree a worker explores', () => {
  const models: [string, Model][] = [
    ['readersWriters(4)', readersWriters(4)],
    ['lastzero(4)', lastzero(4)],
    ['lastzero(5)', lastzero(5)],
    ['fault in two-procs', builtinModel('fault', 'two-procs')],
    ['populate-hook in two-procs', builtinModel('populate-hook', 'two-procs')],
  ];
  for (const [name, model] of models) {
    it(`${name}: taken only where the executions match one thread's`, (t) => {
      const top = new OptimalDpor(newStats(), { coordinator: true });
      let taken = 0, refused = 0, pairs = 0;
      const specs = new Map<string, SubtreeSpec>();
      for (const after of HAND_BACK_AFTER) for (const spec of subtrees(model, after)) specs.set(JSON.stringify(spec), spec);
      for (const spec of specs.values()) {
        const whole = explore(model, spec).explored;
        const check = (held: Branch | null, steps: (at: number) => Step[]): void => {
          for (let at = 1; at <= whole.schedules.length; at++) {
            const r = explore(model, { ...spec, wut: held }, steps(at));
            if (r.took) {
              taken++;
              assert.deepEqual(r.explored, whole, `taken after ${at} executions`);
            } else refused++;
          }
        };
        const tree = spec.wut as Branch | null;
        const two = lists(tree).flatMap((k, n) => (k >= 2 ? [n] : []));
        two.forEach((n, i) => {
          const one = without(tree, n);
          check(one, (at) => [{ at, grafts: top.graftsBetween(one, tree) }]);
          // with the next list's last branch: both at once, then one after the other
          const m = two[i + 1];
          if (m === undefined) return;
          const both = without(tree, n, m), other = without(tree, m);
          const first = top.graftsBetween(both, other);
          if (first === null) return;
          pairs++;
          check(both, (at) => [{ at, grafts: top.graftsBetween(both, tree) }]);
          check(both, (at) => [{ at, grafts: first }, { at: at + 1, grafts: top.graftsBetween(other, tree) }]);
        });
      }
      t.diagnostic(`${taken} taken, ${refused} refused; ${pairs} pairs of branches held back`);
      assert.ok(taken > 0 && refused > 0 && pairs > 0, `${taken} taken, ${refused} refused, ${pairs} pairs: each must be tried`);
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
