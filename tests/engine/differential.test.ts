// Differential testing: on random small programs, source-DPOR must agree with naive
// enumeration (and the oracle's trace classes) on final states, assertion failures,
// deadlocks and lock-order cycles, with no more executions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { explore, type CheckResult } from '../../src/engine/index.js';
import { compile, programArb, show, type Program } from '../support/programs.js';
import { coverage, enumerate } from '../support/oracle.js';

// fixed by default so the suite is reproducible; MMCHECK_FC_SEED / MMCHECK_FC_RUNS explore further
const SEED = Number(process.env.MMCHECK_FC_SEED ?? 20250601);
const RUNS = Number(process.env.MMCHECK_FC_RUNS ?? 300);

const sorted = (s: Set<string>): string[] => [...s].sort();
const kindOf = (r: CheckResult): string => r.violation?.kind ?? r.verdict;

/** Checks one program; throws (with the program) on any disagreement. */
function agree(p: Program): void {
  try {
    compare(p);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nprogram:\n${show(p)}`, { cause: err });
  }
}

function compare(p: Program): void {
  // 1. Assertions only recorded, so that every execution runs to its end.
  const oracleFailures = new Set<string>();
  const oracle = enumerate(compile(p, { assertions: 'record', failures: oracleFailures }));
  const deadlock = [...oracle.traces.values()].some((c) => c.status === 'deadlock');
  const naive = { failures: new Set<string>(), finals: new Set<string>() };
  const dpor = { failures: new Set<string>(), finals: new Set<string>() };
  const n = explore(compile(p, { assertions: 'record', ...naive }), { strategy: 'naive' });
  const c = coverage(compile(p, { assertions: 'record', ...dpor }), 'dpor', oracle);
  const d = c.result;
  if (deadlock) {
    // the search stops at the first deadlock: only its existence can be compared
    assert.equal(kindOf(n), 'deadlock');
    assert.equal(kindOf(d), 'deadlock');
  } else {
    assert.equal(n.stats.executions, oracle.interleavings, 'naive enumeration runs every interleaving once');
    assert.equal(kindOf(d), kindOf(n), 'the same verdict (holds, or a lock-order cycle)');
    assert.deepEqual(sorted(dpor.finals), sorted(naive.finals), 'the same final states');
    assert.deepEqual(sorted(dpor.failures), sorted(naive.failures), 'the same failing assertions');
    assert.deepEqual(sorted(naive.failures), sorted(oracleFailures));
    assert.deepEqual(c.missed.map((m) => m.signature), [], 'traces dpor never ran');
    assert.ok(d.stats.executions <= n.stats.executions, `dpor ran ${d.stats.executions} executions, naive ${n.stats.executions}`);
  }

  // 2. Assertions as violations (when none can fail, this is the run above): both strategies
  // find a violation, of a kind that can occur, and the same kind when only one can.
  if (oracleFailures.size === 0) return;
  const possible = new Set(['assertion']);
  if (deadlock) possible.add('deadlock');
  const strictNaive = explore(compile(p, { assertions: 'fail' }), { strategy: 'naive' });
  const strictDpor = explore(compile(p, { assertions: 'fail' }), { strategy: 'dpor' });
  for (const r of [strictNaive, strictDpor]) {
    assert.equal(r.verdict, 'violated');
    assert.ok(possible.has(r.violation!.kind), `${r.strategy} reports ${r.violation!.kind}, possible: ${[...possible]}`);
  }
  if (possible.size === 1) assert.equal(strictDpor.violation!.kind, strictNaive.violation!.kind);
}

describe('source-DPOR agrees with naive enumeration on random programs', () => {
  it('of cells, atomic steps, waits, assertions, mutexes and rw-semaphores with trylocks and downgrades', () => {
    fc.assert(fc.property(programArb(), agree), { numRuns: RUNS, seed: SEED });
  });
});
