// The engine's verdicts, counterexamples and budgets, on small models built for each rule.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Cell, Mutex, RwSem, ScheduleMismatch, check, defineModel, explore, kfunc, reach, replay, runSequential,
  type CheckResult, type Gen, type Model, type StrategyName, type TraceEvent,
} from '../../src/engine/index.js';
import { demoRace, lastzero, readersWriters } from '../../src/scenarios/classic.js';

const STRATEGIES: StrategyName[] = ['naive', 'dpor'];

const steps = (events: readonly TraceEvent[]): string[] => events.map((e) => `${e.thread} ${e.op} ${e.object}`);

/** A model over mutexes A and B, with threads built from them. */
function twoLocks(threads: (a: Mutex, b: Mutex) => Record<string, Gen<unknown>>): Model {
  return defineModel({
    name: 'two locks',
    setup: () => ({ a: new Mutex('A'), b: new Mutex('B') }),
    threads: ({ a, b }) => threads(a, b),
  });
}

function* nested(outer: Mutex, inner: Mutex): Gen {
  yield* outer.lock();
  yield* inner.lock();
  yield* inner.unlock();
  yield* outer.unlock();
}

const abba = twoLocks((a, b) => ({ cpu0: nested(a, b), cpu1: nested(b, a) }));

describe('deadlocks and lock order', () => {
  for (const strategy of STRATEGIES) {
    it(`AB-BA on two mutexes is a deadlock with its trace (${strategy})`, () => {
      const r = explore(abba, { strategy });
      assert.equal(r.verdict, 'violated');
      const v = r.violation!;
      assert.equal(v.kind, 'deadlock');
      assert.deepEqual(steps(v.trace.events).sort(), ['cpu0 lock A', 'cpu1 lock B']);
      assert.deepEqual(v.blocked!.map((b) => `${b.thread} ${b.op} ${b.waitsFor}`).sort(), ['cpu0 lock B', 'cpu1 lock A']);
      assert.equal(r.cycles?.[0].kind, 'lock-order-cycle', 'the lock-order cycle is listed beside the deadlock');
      const again = replay(abba, v.trace.schedule);
      assert.equal(again.status, 'deadlock');
      assert.deepEqual(again.trace.events, v.trace.events);
    });
  }

  for (const strategy of STRATEGIES) {
    it(`inverted lock orders that never overlap are a lock-order cycle (${strategy})`, () => {
      // cpu1 takes B then A only after cpu0 has finished with A then B, so nothing deadlocks
      const m = defineModel({
        name: 'inverted orders, separated in time',
        setup: () => ({ a: new Mutex('A'), b: new Mutex('B'), done: new Cell('done', false) }),
        threads: ({ a, b, done }) => ({
          cpu0: (function* (): Gen { yield* nested(a, b); yield* done.write(true); })(),
          cpu1: (function* (): Gen { yield* done.until((d) => d); yield* nested(b, a); })(),
        }),
      });
      const r = explore(m, { strategy });
      assert.equal(r.stats.deadlocked, 0);
      assert.equal(r.verdict, 'violated');
      const v = r.violation!;
      assert.equal(v.kind, 'lock-order-cycle');
      assert.deepEqual(v.cycle!.map((e) => `${e.thread}: ${e.from} -> ${e.to}`).sort(), ['cpu0: A -> B', 'cpu1: B -> A']);
      for (const e of v.cycle!) {
        // each edge's trace replays on its own and ends with the acquisition that made the edge
        const again = replay(m, e.trace.schedule);
        assert.equal(again.violation, null);
        assert.equal(steps(again.trace.events).at(-1), `${e.thread} lock ${e.to}`);
      }
    });
  }

  it('the same nesting order everywhere holds', () => {
    const r = explore(twoLocks((a, b) => ({ cpu0: nested(a, b), cpu1: nested(a, b) })));
    assert.equal(r.verdict, 'holds');
  });
});

describe('lock misuse and model errors', () => {
  const misuse: [string, () => Gen][] = [
    ['unlocking a mutex not held', function* () { yield* new Mutex('m').unlock(); }],
    ['recursive locking of a mutex', function* () { const m = new Mutex('m'); yield* m.lock(); yield* m.lock(); }],
    ['read-unlock without read-lock', function* () { yield* new RwSem('s').readUnlock(); }],
    ['write-unlock of a semaphore held for read', function* () { const s = new RwSem('s'); yield* s.readLock(); yield* s.writeUnlock(); }],
    ['read-locking a semaphore held for write', function* () { const s = new RwSem('s'); yield* s.writeLock(); yield* s.readLock(); }],
    ['finishing with a lock held', function* () { yield* new Mutex('m').lock(); }],
  ];
  for (const [what, body] of misuse) {
    it(`${what} is lock misuse`, () => {
      const m = defineModel({ name: what, setup: () => ({}), threads: () => ({ cpu0: body() }) });
      for (const strategy of STRATEGIES) {
        const r = explore(m, { strategy });
        assert.equal(r.verdict, 'violated', strategy);
        assert.equal(r.violation!.kind, 'lock-misuse', r.violation!.message);
      }
    });
  }

  it('a thread that throws is a model error, with the trace up to the throw', () => {
    const m = defineModel({
      name: 'throws',
      setup: () => ({ c: new Cell('c', 0) }),
      threads: ({ c }) => ({
        cpu0: (function* (): Gen {
          yield* c.write(1);
          throw new Error('boom');
        })(),
      }),
    });
    const r = explore(m);
    assert.equal(r.verdict, 'model-error');
    assert.equal(r.violation!.kind, 'model-error');
    assert.match(r.violation!.message, /cpu0 threw: boom/);
    assert.deepEqual(steps(r.violation!.trace.events), ['cpu0 write c']);
  });
});

describe('replay and determinism', () => {
  const withoutTimes = (r: CheckResult): string => JSON.stringify({ ...r, stats: { ...r.stats, wallMs: 0, peakRssMb: 0 } });

  for (const [name, m] of [['demo-race', demoRace()], ['AB-BA', abba]] as const) {
    it(`replaying the counterexample of ${name} gives the same events`, () => {
      const r = explore(m);
      const again = replay(m, r.violation!.trace.schedule);
      assert.deepEqual(again.trace.events, r.violation!.trace.events);
      assert.equal(again.violation?.kind, r.violation!.kind);
      assert.equal(again.trace.schedule, r.violation!.trace.schedule);
    });
  }

  for (const [name, m] of [['lastzero(3)', lastzero(3)], ['demo-race', demoRace()], ['AB-BA', abba]] as const) {
    for (const strategy of STRATEGIES) {
      it(`two explorations of ${name} give the same result (${strategy})`, () => {
        assert.equal(withoutTimes(explore(m, { strategy })), withoutTimes(explore(m, { strategy })));
      });
    }
  }

  const mismatches: [string, number, RegExp][] = [
    ['0*3', 2, /cpu0 has already finished/],
    ['0.1.2', 2, /there is no thread 2/],
  ];
  for (const [schedule, step, message] of mismatches) {
    it(`the schedule ${schedule} does not fit demo-race at step ${step}`, () => {
      assert.throws(() => replay(demoRace(), schedule), (err: unknown) => {
        assert.ok(err instanceof ScheduleMismatch);
        assert.equal(err.step, step);
        assert.match(err.message, new RegExp(`at step ${step}: `));
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('a schedule that runs a blocked thread names the step and the lock', () => {
    assert.throws(() => replay(abba, '0.1.0'), (err: unknown) =>
      err instanceof ScheduleMismatch && err.step === 2 && /cpu0 is blocked \(on B\)/.test(err.message));
  });
});

describe('budgets', () => {
  // a thread that polls a flag nobody sets never finishes
  const spinner = defineModel({
    name: 'spinner',
    setup: () => ({ flag: new Cell('flag', false) }),
    threads: ({ flag }) => ({
      cpu0: (function* (): Gen { while (!(yield* flag.read())); })(),
      cpu1: (function* (): Gen { yield* flag.read(); })(),
    }),
  });

  for (const strategy of STRATEGIES) {
    it(`the step bound makes the verdict incomplete (${strategy})`, () => {
      const r = explore(spinner, { strategy, stepBound: 20 });
      assert.equal(r.verdict, 'incomplete');
      assert.equal(r.incomplete, 'step-bound');
      assert.ok(r.stats.bounded > 0);
    });

    it(`maxExecutions makes the verdict incomplete (${strategy})`, () => {
      const r = explore(readersWriters(3), { strategy, maxExecutions: 3 });
      assert.equal(r.verdict, 'incomplete');
      assert.equal(r.incomplete, 'max-executions');
      assert.equal(r.stats.executions, 3);
    });
  }

  it('a budget the search does not reach leaves the verdict alone', () => {
    assert.equal(explore(readersWriters(3), { maxExecutions: 8 }).verdict, 'holds');
  });
});

describe('rw-semaphore semantics', () => {
  const sem = (threads: (s: RwSem) => Record<string, Gen<unknown>>): Model => defineModel({
    name: 'rwsem', setup: () => ({ s: new RwSem('s') }), threads: ({ s }) => threads(s),
  });
  function* reader(s: RwSem): Gen { yield* s.readLock(); yield* s.readUnlock(); }
  function* writer(s: RwSem): Gen { yield* s.writeLock(); yield* s.writeUnlock(); }
  function* rereader(s: RwSem): Gen { yield* s.readLock(); yield* s.readLock(); yield* s.readUnlock(); yield* s.readUnlock(); }

  for (const strategy of STRATEGIES) {
    it(`re-taking a read lock while a writer waits deadlocks (${strategy})`, () => {
      const m = sem((s) => ({ reader: rereader(s), writer: writer(s) }));
      const r = explore(m, { strategy });
      assert.equal(r.violation?.kind, 'deadlock');
      assert.deepEqual(r.violation!.blocked!.map((b) => `${b.thread} ${b.op}`).sort(), ['reader read-lock', 'writer write-lock (wait)']);
      const events = replay(m, r.violation!.trace.schedule).trace.events;
      assert.deepEqual(events.map((e) => `${e.thread} ${e.op} ${String(e.value)}`), ['reader read-lock acquired (read)', 'writer write-lock waits (write)']);
    });
  }

  it('re-taking a read lock with no writer never deadlocks, but is recursive locking as lockdep sees it', () => {
    const r = explore(sem((s) => ({ reader: rereader(s), other: reader(s) })), { strategy: 'naive' });
    assert.equal(r.stats.deadlocked, 0);
    assert.equal(r.violation?.kind, 'lock-order-cycle');
    assert.match(r.violation!.message, /possible recursive locking: reader takes s/);
  });

  it('a queued writer blocks new readers', () => {
    const m = sem((s) => ({ reader: reader(s), writer: writer(s), late: reader(s) }));
    assert.deepEqual(replay(m, '0.1').trace.events.map((e) => e.value), ['acquired (read)', 'waits (write)']);
    assert.throws(() => replay(m, '0.1.2'), (err: unknown) => err instanceof ScheduleMismatch && err.step === 2 && /late is blocked/.test(err.message));
  });

  // the writer publishes data, then waits for a reader to have seen it
  const publish = (downgrade: boolean): Model => defineModel({
    name: downgrade ? 'downgrade' : 'no downgrade',
    setup: () => ({ s: new RwSem('s'), data: new Cell('data', 0), seen: new Cell('seen', false) }),
    threads: ({ s, data, seen }) => ({
      writer: (function* (): Gen {
        yield* s.writeLock();
        yield* data.write(1);
        if (downgrade) yield* s.downgrade();
        yield* seen.until((v) => v);
        if (downgrade) yield* s.readUnlock(); else yield* s.writeUnlock();
      })(),
      reader: (function* (): Gen {
        yield* s.readLock();
        yield* data.read();
        yield* seen.write(true);
        yield* s.readUnlock();
      })(),
    }),
  });

  for (const strategy of STRATEGIES) {
    it(`downgrade lets readers in (${strategy})`, () => {
      assert.equal(explore(publish(true), { strategy }).verdict, 'holds');
      assert.equal(explore(publish(false), { strategy }).violation?.kind, 'deadlock');
    });
  }

  it('trylock forms fail while the lock is taken and succeed once it is free', () => {
    const values = (m: Model, schedule: string): unknown[] => replay(m, schedule).trace.events.map((e) => e.value);
    const twice = function* (tryLock: () => Gen<boolean>, unlock: () => Gen): Gen {
      for (let i = 0; i < 2; i++) if (yield* tryLock()) yield* unlock();
    };
    const mutex = twoLocks((a) => ({
      holder: (function* (): Gen { yield* a.lock(); yield* a.unlock(); })(),
      trier: twice(() => a.tryLock(), () => a.unlock()),
    }));
    assert.deepEqual(values(mutex, '0.1.0.1*2'), ['acquired', false, 'released', true, 'released']);

    const tryRead = sem((s) => ({ reader: reader(s), writer: writer(s), trier: twice(() => s.tryReadLock(), () => s.readUnlock()) }));
    assert.deepEqual(values(tryRead, '0.2.2'), ['acquired (read)', true, 'released (read)'], 'readers share');
    assert.deepEqual(values(tryRead, '0.1.2'), ['acquired (read)', 'waits (write)', false], 'a queued writer makes read-trylock fail');
    assert.deepEqual(values(tryRead, '1.2'), ['acquired (write)', false]);

    const tryWrite = sem((s) => ({ reader: reader(s), trier: twice(() => s.tryWriteLock(), () => s.writeUnlock()) }));
    assert.deepEqual(values(tryWrite, '0.1.0.1*2'), ['acquired (read)', false, 'released (read)', true, 'released (write)']);
  });
});

function* writeOne(c: Cell<number>): Gen {
  yield* c.write(1);
}

it('a witness reached inside a final check counts', () => {
  const m = defineModel({
    name: 'final-witness',
    setup: () => ({ c: new Cell('c', 0) }),
    threads: ({ c }) => ({ t: writeOne(c) }),
    finals: { 'reaches w': () => { reach('w'); return true; } },
    witnesses: ['w'],
  });
  const r = explore(m);
  assert.equal(r.verdict, 'holds');
  assert.equal(r.vacuous, undefined);
  assert.deepEqual(r.witnesses, [{ name: 'w', executions: 1 }]);
});

describe('sequential runs', () => {
  const add = kfunc('add', function* (c: Cell<number>, n: number): Gen<number> {
    return yield* c.update((v) => v + n);
  });
  const counter = (limit: number): Model<{ c: Cell<number> }> => defineModel({
    name: 'counter',
    setup: () => ({ c: new Cell('c', 0) }),
    threads: ({ c }) => ({
      first: (function* () { yield* add(c, 1); return 'one'; })(),
      second: (function* () { yield* add(c, 2); yield* check([c], 'at most limit', () => c.value <= limit); })(),
    }),
  });

  for (const lean of [false, true]) {
    it(`run each thread to its end and return what each returned (${lean ? 'lean' : 'recorded'})`, () => {
      const run = runSequential(counter(10), { lean });
      assert.equal(run.violation, null);
      assert.equal(run.state.c.value, 3);
      assert.deepEqual(run.results, { first: 'one', second: undefined });
    });
  }

  it('a recorded run keeps the trace with its frames; a lean one keeps the message only', () => {
    const recorded = runSequential(counter(2)).violation!;
    assert.equal(recorded.kind, 'assertion');
    assert.deepEqual(recorded.trace.events.map((e) => `${e.thread} ${e.frames.join('>')} ${e.op}`),
      ['first add update', 'second add update', 'second  check']);
    const lean = runSequential(counter(2), { lean: true }).violation!;
    assert.equal(lean.message, recorded.message);
    assert.deepEqual(lean.trace.events, []);
  });
});
