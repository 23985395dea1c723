// Source-DPOR against the oracle on the classic benchmarks: every Mazurkiewicz trace that
// naive enumeration reaches must be reached by at least one complete DPOR execution, with
// the same final states and the same violations.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Cell, Mutex, RwSem, check, defineModel, explore, type Gen, type Model } from '../../src/engine/index.js';
import {
  classicModels, demoRace, filesystem, indexer, lastzero, lockedCounter, readersWriters, rwsemPair,
} from '../../src/scenarios/classic.js';
import { coverage, type Coverage } from '../support/oracle.js';

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

function report(t: TestContext, name: string, c: Coverage): void {
  const s = c.result.stats;
  const traces = c.oracle.traces.size;
  t.diagnostic(`${name}: ${c.oracle.interleavings} interleavings, ${traces} traces; dpor ${s.executions} executions `
    + `(${s.complete} complete, ${s.sleepBlocked} sleep-blocked), ${(s.complete / traces).toFixed(2)} complete executions per trace`);
}

const finalStates = (classes: Iterable<{ status: string; outcome: string }>): string[] =>
  [...new Set([...classes].filter((c) => c.status === 'complete').map((c) => c.outcome))].sort();

/** DPOR reaches every trace, no others, the same final states, and holds when the oracle finds no violation. */
function assertCovers(t: TestContext, name: string, model: Model): Coverage {
  const c = coverage(model);
  report(t, name, c);
  const kinds = new Set([...c.oracle.traces.values()].flatMap((tc) => (tc.violation ? [tc.violation] : [])));
  if (kinds.size > 0) {
    // the search stops at the first violation, so only its kind can be compared
    assert.equal(c.result.verdict, 'violated');
    assert.ok(kinds.has(c.result.violation!.kind), `dpor reports ${c.result.violation!.kind}; the oracle finds ${[...kinds]}`);
    return c;
  }
  assert.deepEqual(c.missed.map((m) => m.signature), [], 'traces dpor never ran');
  assert.deepEqual(c.unknown, [], 'dpor ran executions the oracle does not know');
  for (const [sig, e] of c.explored) assert.equal(e.outcome, c.oracle.traces.get(sig)!.outcome, `trace ${sig} ends differently`);
  assert.deepEqual(finalStates(c.explored.values()), finalStates(c.oracle.traces.values()));
  assert.equal(c.result.verdict, 'holds');
  return c;
}

describe('source-DPOR reaches every trace of the classic benchmarks', () => {
  for (const n of [2, 3, 4]) {
    it(`readers-writers(${n}): 2^${n} traces`, (t) => {
      const c = assertCovers(t, `readers-writers(${n})`, readersWriters(n));
      assert.equal(c.oracle.traces.size, 2 ** n);
      assert.equal(c.result.stats.complete, 2 ** n, 'source-DPOR is optimal here: one execution per trace');
    });
  }
  for (const n of [2, 3]) it(`lastzero(${n})`, (t) => { assertCovers(t, `lastzero(${n})`, lastzero(n)); });
  for (const [n, size, max] of [[2, 4, 2], [3, 6, 2], [2, 8, 3]] as const) {
    it(`indexer(${n}) on a ${size}-entry table, ${max} messages each`, (t) => {
      assertCovers(t, `indexer(${n}, size ${size}, max ${max})`, indexer(n, { size, max }));
    });
  }
  it('indexer(2) with the paper\'s table has no conflict: one trace', (t) => {
    assert.equal(assertCovers(t, 'indexer(2)', indexer(2)).oracle.traces.size, 1);
  });
  for (const [n, inodes, blocks] of [[2, 32, 2], [2, 1, 2], [2, 2, 4]] as const) {
    it(`filesystem(${n}) with ${inodes} inodes and ${blocks} blocks`, (t) => {
      assertCovers(t, `filesystem(${n}, ${inodes} inodes, ${blocks} blocks)`, filesystem(n, { inodes, blocks }));
    });
  }
  for (const n of [2, 3, 4]) {
    it(`locked-counter(${n}): ${n}! traces`, (t) => {
      assert.equal(assertCovers(t, `locked-counter(${n})`, lockedCounter(n)).oracle.traces.size, factorial(n));
    });
  }
  for (const n of [1, 2]) {
    it(`rwsem-pair(${n})`, (t) => { assertCovers(t, `rwsem-pair(${n})`, rwsemPair(n)); });
  }
  it('demo-race: dpor and naive report the lost update', (t) => {
    const c = assertCovers(t, 'demo-race', demoRace());
    assert.equal(c.result.violation!.kind, 'final-check');
    assert.equal(explore(demoRace(), { strategy: 'naive' }).violation?.kind, 'final-check');
  });
});

describe('the classic models at their default sizes', () => {
  it('have unique names and descriptions', () => {
    const names = classicModels.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    for (const m of classicModels) assert.ok(m.description.length > 0 && m.make().name === m.name, m.name);
  });
  for (const m of classicModels) {
    it(`${m.name}: dpor ${m.name === 'demo-race' ? 'finds the race' : 'holds'}`, (t) => {
      const r = explore(m.make(), { strategy: 'dpor' });
      const s = r.stats;
      t.diagnostic(`${m.name}: ${s.executions} executions (${s.complete} complete, ${s.sleepBlocked} sleep-blocked), ${s.transitions} steps`);
      assert.equal(r.verdict, m.name === 'demo-race' ? 'violated' : 'holds', r.violation?.message);
    });
  }
});

// Small models on which source-DPOR once missed traces of naive enumeration (or threw).
describe('engine regressions', () => {
  const mutex = () => new Mutex('m');
  const sem = () => new RwSem('s');

  it('a trylock after an unlock is reversed to fail while the lock is held', (t) => {
    assertCovers(t, 'trylock after unlock', defineModel({
      name: 'trylock after unlock', setup: () => ({ m: mutex() }),
      threads: ({ m }) => ({
        t0: (function* (): Gen { yield* m.lock(); yield* m.unlock(); })(),
        t1: (function* (): Gen<boolean> { const ok = yield* m.tryLock(); if (ok) yield* m.unlock(); return ok; })(),
      }),
    }));
  });

  it('a write-lock after a read-unlock is reversed to queue behind the reader', (t) => {
    assertCovers(t, 'write-lock after read-unlock', defineModel({
      name: 'write-lock after read-unlock', setup: () => ({ s: sem() }),
      threads: ({ s }) => ({
        t0: (function* (): Gen { yield* s.readLock(); yield* s.readUnlock(); })(),
        t1: (function* (): Gen { yield* s.writeLock(); yield* s.writeUnlock(); })(),
      }),
    }));
  });

  it('a write-lock that queued is reversed with the release it waited for', (t) => {
    assertCovers(t, 'queued write-lock before a release', defineModel({
      name: 'queued write-lock before a release', setup: () => ({ s: sem() }),
      threads: ({ s }) => ({
        t0: (function* (): Gen { if (yield* s.tryWriteLock()) yield* s.writeUnlock(); })(),
        t1: (function* (): Gen { if (yield* s.tryWriteLock()) yield* s.writeUnlock(); yield* s.writeLock(); yield* s.writeUnlock(); })(),
      }),
    }));
  });

  it('a release followed by a failed trylock leaves the trying thread\'s later steps free', (t) => {
    assertCovers(t, 'failed trylock after a downgrade', defineModel({
      name: 'failed trylock after a downgrade', setup: () => ({ s: sem() }),
      threads: ({ s }) => ({
        t0: (function* (): Gen { yield* s.writeLock(); yield* s.downgrade(); yield* s.readUnlock(); })(),
        t1: (function* (): Gen { if (yield* s.tryWriteLock()) yield* s.writeUnlock(); yield* s.writeLock(); yield* s.writeUnlock(); })(),
      }),
    }));
  });

  it('an until() passes before the write that would disable it', (t) => {
    assertCovers(t, 'until before a disabling write', defineModel({
      name: 'until before a disabling write', setup: () => ({ c: new Cell('c', 2) }),
      threads: ({ c }) => ({
        writer: (function* (): Gen { yield* c.write(0); yield* c.write(1); })(),
        waiter: (function* (): Gen<number> {
          const v = yield* c.until((x) => x >= 1);
          yield* check([c], 'the waiter saw the final write', () => v === 1 || `it saw ${v}`);
          return v;
        })(),
      }),
    }));
  });

  it('a check() over two objects after a write of the second', (t) => {
    assertCovers(t, 'two-object check', defineModel({
      name: 'two-object check', setup: () => ({ a: new Cell('a', 0), b: new Cell('b', 0) }),
      threads: ({ a, b }) => ({
        t0: (function* (): Gen { yield* b.write(1); })(),
        t1: (function* (): Gen { yield* check([a, b], 'a <= b', () => a.value <= b.value); })(),
      }),
    }));
  });
});
