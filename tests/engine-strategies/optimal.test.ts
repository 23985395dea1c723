// Optimal DPOR against the oracle (tests/support/oracle.ts): exactly one complete execution
// per Mazurkiewicz trace on the lock-free classic benchmarks, every trace on the ones with
// locks (with the ratio of executions to traces printed), and agreement with naive
// enumeration and source-DPOR on random programs.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { explore, type CheckResult, type Model } from '../../src/engine/index.js';
import { filesystem, indexer, lastzero, lockedCounter, readersWriters, rwsemPair } from '../../src/scenarios/classic.js';
import { coverage, enumerate, type Coverage } from '../support/oracle.js';
import { compile, programArb, show, type Program } from '../support/programs.js';

const SEED = Number(process.env.MMCHECK_FC_SEED ?? 20250602);
const RUNS = Number(process.env.MMCHECK_FC_RUNS ?? 100);

function covers(t: TestContext, name: string, model: Model): Coverage {
  const c = coverage(model, 'optimal');
  const s = c.result.stats, traces = c.oracle.traces.size;
  t.diagnostic(`${name}: ${traces} traces, optimal ${s.executions} executions (${s.complete} complete, `
    + `${s.sleepBlocked} sleep-blocked, ${s.wakeupBlocked} wakeup-blocked): ${(s.executions / traces).toFixed(2)} executions per trace`);
  assert.ok(s.executions <= 1.2 * traces, 'at most 1.2 executions per trace');
  assert.deepEqual(c.missed.map((m) => m.signature), [], 'traces optimal DPOR never ran');
  assert.deepEqual(c.unknown, [], 'executions the oracle does not know');
  for (const [sig, e] of c.explored) assert.equal(e.outcome, c.oracle.traces.get(sig)!.outcome, `trace ${sig} ends differently`);
  assert.equal(c.result.verdict, 'holds');
  return c;
}

describe('optimal DPOR on the lock-free classic benchmarks: one execution per trace', () => {
  const models: [string, Model][] = [
    ...[2, 3, 4].map((n): [string, Model] => [`readers-writers(${n})`, readersWriters(n)]),
    ...[2, 3, 4].map((n): [string, Model] => [`lastzero(${n})`, lastzero(n)]),
    ...([[2, 4, 2], [3, 6, 2], [2, 8, 3], [3, 4, 1]] as const)
      .map(([n, size, max]): [string, Model] => [`indexer(${n}, size ${size}, max ${max})`, indexer(n, { size, max })]),
  ];
  for (const [name, model] of models) {
    it(name, (t) => {
      const c = covers(t, name, model);
      const s = c.result.stats;
      assert.equal(s.executions, c.oracle.traces.size, 'one execution per trace');
      assert.equal(s.complete, c.oracle.traces.size);
      assert.equal(s.sleepBlocked + s.wakeupBlocked, 0, 'no blocked executions');
    });
  }
});

describe('optimal DPOR on the classic benchmarks with locks: every trace', () => {
  const models: [string, Model][] = [
    ...[2, 3, 4].map((n): [string, Model] => [`locked-counter(${n})`, lockedCounter(n)]),
    ...[1, 2].map((n): [string, Model] => [`rwsem-pair(${n})`, rwsemPair(n)]),
    ...([[2, 32, 2], [2, 1, 2], [3, 1, 3], [2, 2, 26]] as const)
      .map(([n, inodes, blocks]): [string, Model] => [`filesystem(${n}, ${inodes} inodes, ${blocks} blocks)`, filesystem(n, { inodes, blocks })]),
  ];
  for (const [name, model] of models) it(name, (t) => { covers(t, name, model); });
});

const sorted = (s: Set<string>): string[] => [...s].sort();
const kindOf = (r: CheckResult): string => r.violation?.kind ?? r.verdict;

/** executions and traces over the random programs without deadlocks */
const total = { optimal: 0, dpor: 0, traces: 0 };

/** Optimal DPOR against naive enumeration, the oracle's traces and source-DPOR's execution count. */
function agree(p: Program): void {
  try {
    const failures = new Set<string>();
    const oracle = enumerate(compile(p, { assertions: 'record', failures }));
    const deadlock = [...oracle.traces.values()].some((c) => c.status === 'deadlock');
    const naive = { failures: new Set<string>(), finals: new Set<string>() };
    const optimal = { failures: new Set<string>(), finals: new Set<string>() };
    const n = explore(compile(p, { assertions: 'record', ...naive }), { strategy: 'naive' });
    const c = coverage(compile(p, { assertions: 'record', ...optimal }), 'optimal', oracle);
    const o = c.result;
    const d = explore(compile(p, { assertions: 'record' }), { strategy: 'dpor' });
    if (deadlock) {
      assert.equal(kindOf(o), 'deadlock');
    } else {
      assert.equal(kindOf(o), kindOf(n), 'the same verdict (holds, or a lock-order cycle)');
      assert.deepEqual(sorted(optimal.finals), sorted(naive.finals), 'the same final states');
      assert.deepEqual(sorted(optimal.failures), sorted(naive.failures), 'the same failing assertions');
      assert.deepEqual(c.missed.map((m) => m.signature), [], 'traces optimal DPOR never ran');
      assert.ok(o.stats.executions <= d.stats.executions, `optimal ran ${o.stats.executions} executions, source-DPOR ${d.stats.executions}`);
      total.optimal += o.stats.executions;
      total.dpor += d.stats.executions;
      total.traces += oracle.traces.size;
    }
    const strict = explore(compile(p, { assertions: 'fail' }), { strategy: 'optimal' });
    const strictNaive = explore(compile(p, { assertions: 'fail' }), { strategy: 'naive' });
    assert.equal(strict.verdict, strictNaive.verdict);
    if (!deadlock || failures.size === 0) assert.equal(kindOf(strict), kindOf(strictNaive));
  } catch (err) {
    if (err instanceof Error) err.message = `${err.message}\nprogram:\n${show(p)}`;
    throw err;
  }
}

describe('optimal DPOR agrees with naive enumeration on random programs', () => {
  it('with every kind of step', (t) => {
    fc.assert(fc.property(programArb(), agree), { numRuns: RUNS, seed: SEED });
    t.diagnostic(`${total.traces} traces: optimal ${total.optimal} executions (${(total.optimal / total.traces).toFixed(4)} per trace), `
      + `source-DPOR ${total.dpor} (${(total.dpor / total.traces).toFixed(4)})`);
  });
});
