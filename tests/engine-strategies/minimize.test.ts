// Minimal counterexamples: minimize() against an exhaustive sweep of every schedule written
// here, which records each violating schedule's preemptions (switches away from a thread
// that could still run) and length.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Cell, Mutex, check, countPreemptions, defineModel, explore, minimize, replay, type CheckResult, type Gen, type Model,
} from '../../src/engine/index.js';
import { Execution } from '../../src/engine/execution.js';

/**
 * cpu1 sets the counter to 1 and adds 2, cpu0 polls it and adds 1, cpu2 asserts under its
 * lock that it is below 4. Running cpu1, cpu0, cpu2 one after another breaks it without a
 * preemption; the first counterexample the default search finds has two.
 */
function* poll(counter: Cell<number>): Gen {
  yield* counter.read();
  yield* counter.read();
  yield* counter.update((v) => v + 1);
  yield* counter.read();
}
function* setThenAdd(counter: Cell<number>): Gen {
  yield* counter.write(1);
  yield* counter.update((v) => v + 2);
}
function* assertBelow(lock: Mutex, counter: Cell<number>): Gen {
  yield* lock.lock();
  yield* check([counter], 'counter < 4', () => counter.value < 4 || `counter is ${counter.value}`);
  yield* lock.unlock();
}
const counterModel = (): Model => defineModel({
  name: 'counter reaches 4',
  setup: () => ({ counter: new Cell('counter', 0), lock: new Mutex('lock') }),
  threads: ({ counter, lock }) => ({ cpu0: poll(counter), cpu1: setThenAdd(counter), cpu2: assertBelow(lock, counter) }),
});

interface Found { preemptions: number; steps: number; schedule: number[] }

/** Every schedule, depth first; the violations of property, keyed by preemptions then steps. */
function sweep(model: Model, property: string): { fewest: Found; most: Found; schedules: number } {
  let fewest: Found | null = null, most: Found | null = null, schedules = 0;
  const visit = (prefix: number[], preemptions: number): void => {
    const x = new Execution(model);
    for (const t of prefix) x.step(t);
    const enabled = x.threads.filter((t) => x.isEnabled(t)).map((t) => t.id);
    if (x.status === 'running' && enabled.length === 0) x.deadlock();
    if (x.status !== 'running') {
      schedules++;
      if (x.violation?.property !== property) return;
      const f = { preemptions, steps: x.events.length, schedule: prefix };
      if (!fewest || f.preemptions < fewest.preemptions || (f.preemptions === fewest.preemptions && f.steps < fewest.steps)) fewest = f;
      if (!most || f.preemptions > most.preemptions) most = f;
      return;
    }
    const last = prefix.length > 0 ? prefix[prefix.length - 1] : -1;
    for (const t of enabled) visit([...prefix, t], preemptions + (last >= 0 && t !== last && enabled.includes(last) ? 1 : 0));
  };
  visit([], 0);
  assert.ok(fewest && most, `no schedule violates ${property}`);
  return { fewest, most, schedules };
}

/** A result whose counterexample is the given schedule (as a search might have found it). */
function resultFor(model: Model, schedule: number[]): CheckResult {
  const r = replay(model, schedule);
  assert.ok(r.violation);
  const base = explore(model, { strategy: 'naive' });
  return { ...base, violation: r.violation };
}

describe('minimize', () => {
  const model = counterModel();
  const truth = sweep(model, 'counter < 4');

  it('finds the fewest preemptions, then the fewest steps, of the first counterexample found', (t) => {
    const found = explore(model);
    assert.equal(found.verdict, 'violated');
    const before = countPreemptions(model, found.violation!.trace.schedule);
    const r = minimize(model, found);
    const m = r.minimization!;
    t.diagnostic(`${truth.schedules} schedules; first found ${found.violation!.trace.schedule} (${before} preemptions, `
      + `${found.violation!.trace.events.length} steps); minimized ${r.violation!.trace.schedule} (${m.preemptions} preemptions, `
      + `${m.steps} steps) in ${m.executions} executions`);
    assert.ok(before >= 2, 'the first counterexample has several preemptions');
    assert.deepEqual(m.original, { preemptions: before, steps: found.violation!.trace.events.length, schedule: found.violation!.trace.schedule });
    assert.equal(m.preemptions, truth.fewest.preemptions);
    assert.equal(m.steps, truth.fewest.steps);
    assert.equal(m.exact, true);
    assert.equal(m.cut, undefined);
    // the minimized counterexample is real and is what it says it is
    assert.equal(r.violation!.property, 'counter < 4');
    const again = replay(model, r.violation!.trace.schedule);
    assert.equal(again.violation?.property, 'counter < 4');
    assert.equal(countPreemptions(model, r.violation!.trace.schedule), m.preemptions);
    assert.equal(again.trace.events.length, m.steps);
  });

  it('shrinks the counterexample with the most preemptions to the same minimum', () => {
    assert.ok(truth.most.preemptions > truth.fewest.preemptions + 1);
    const r = minimize(model, resultFor(model, truth.most.schedule));
    const m = r.minimization!;
    assert.equal(m.original.preemptions, truth.most.preemptions);
    assert.equal(m.preemptions, truth.fewest.preemptions);
    assert.equal(m.steps, truth.fewest.steps);
    assert.equal(m.exact, true);
  });

  it('is what explore({ minimize: true }) reports, for every exhaustive strategy', () => {
    for (const strategy of ['optimal', 'dpor', 'naive'] as const) {
      const r = explore(model, { strategy, minimize: true });
      assert.equal(r.minimization?.preemptions, truth.fewest.preemptions, strategy);
      assert.equal(r.minimization?.steps, truth.fewest.steps, strategy);
      assert.equal(r.strategy, strategy);
    }
  });

  it('says when its budget cut it short, and keeps a counterexample of the property', () => {
    const r = minimize(model, resultFor(model, truth.most.schedule), { maxExecutions: 3 });
    const m = r.minimization!;
    assert.equal(m.exact, false);
    assert.equal(m.cut, 'max-executions');
    assert.ok(m.executions <= 3);
    assert.equal(r.violation!.property, 'counter < 4');
    assert.equal(replay(model, r.violation!.trace.schedule).violation?.property, 'counter < 4');
    assert.ok(m.preemptions <= m.original.preemptions);
  });

  it('keeps the kind and property: a deadlock stays a deadlock', () => {
    const abba = defineModel({
      name: 'AB-BA',
      setup: () => ({ a: new Mutex('A'), b: new Mutex('B') }),
      threads: ({ a, b }) => ({
        cpu0: (function* (): Gen { yield* a.lock(); yield* b.lock(); yield* b.unlock(); yield* a.unlock(); })(),
        cpu1: (function* (): Gen { yield* b.lock(); yield* a.lock(); yield* a.unlock(); yield* b.unlock(); })(),
      }),
    });
    const r = explore(abba, { minimize: true });
    assert.equal(r.violation?.kind, 'deadlock');
    assert.equal(r.minimization?.preemptions, 1, 'one switch after the first lock is enough');
    assert.equal(r.minimization?.steps, 2);
  });

  it('counts preemptions: a switch away from a thread that could go on', () => {
    // cpu1's write, cpu0 preempted after its first read, cpu2 runs after cpu0 ended
    assert.equal(countPreemptions(model, [1, 0, 1, 0, 0, 0, 2, 2]), 2);
    assert.equal(countPreemptions(model, [1, 1, 0, 0, 0, 0, 2]), 0);
  });
});
