// The renderers on small engine models (the VFIO counterexamples have golden tests of their own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mutex, defineModel, explore, replay, kfunc, type Gen } from '../../src/engine/index.js';
import { demoRace } from '../../src/scenarios/classic.js';
import { renderLockdep } from '../../src/report/lockdep.js';
import { renderMermaid } from '../../src/report/mermaid.js';
import { renderHtml } from '../../src/report/html.js';
import { locksHeld } from '../../src/report/locks.js';
import { withPage } from '../support/browser.js';

const take = kfunc('take_both', function* (first: Mutex, second: Mutex): Gen {
  yield* first.lock();
  yield* second.lock();
  yield* second.unlock();
  yield* first.unlock();
});

const abba = defineModel({
  name: 'abba',
  setup: () => ({ a: new Mutex('A'), b: new Mutex('B') }),
  threads: ({ a, b }) => ({ cpu0: take(a, b), cpu1: take(b, a) }),
});

test('a deadlock renders as a lockdep-style report naming both tasks and their held locks', () => {
  const r = explore(abba);
  assert.equal(r.violation?.kind, 'deadlock');
  const text = renderLockdep(r)!;
  assert.match(text, /cpu0 is blocked on B \(lock\), holding:\n #0: \(A\)/);
  assert.match(text, /cpu1 is blocked on A \(lock\), holding:\n #0: \(B\)/);
  assert.match(text, /take_both/);
  assert.match(text, /\*\*\* DEADLOCK \*\*\*/);
});

test('a lock-order cycle renders as "possible circular locking dependency detected"', () => {
  const r = explore(abba);
  const cycle = r.cycles?.[0];
  assert.ok(cycle, 'the AB-BA model has a lock-order cycle too');
  const text = renderLockdep({ ...r, violation: cycle, cycles: [] })!;
  assert.match(text, /WARNING: possible circular locking dependency detected/);
  assert.match(text, /-> #1 \(/);
  assert.match(text, /-> #0 \(/);
  assert.match(text, /CPU0 {24}CPU1/);
});

test('locks held are derived from the trace', () => {
  const r = explore(abba);
  const held = locksHeld(r.violation!.trace);
  const last = held[held.length - 1];
  assert.deepEqual(last.get('cpu0')!.map((h) => h.object), ['A']);
  assert.deepEqual(last.get('cpu1')!.map((h) => h.object), ['B']);
});

test('mermaid: one participant per thread and object, one message per step', () => {
  const r = explore(demoRace());
  const text = renderMermaid(r);
  assert.match(text, /^sequenceDiagram\n/);
  assert.match(text, /participant t_cpu0 as cpu0/);
  assert.match(text, /participant o_count as count/);
  assert.equal((text.match(/->>/g) ?? []).length, r.violation!.trace.events.length);
});

test('the HTML report steps forward and back in a real browser', async () => {
  const model = demoRace();
  const r = explore(model);
  const rep = replay(model, r.violation!.trace.schedule, { snapshots: true });
  const html = renderHtml({ result: r, replayed: rep });
  assert.doesNotMatch(html, /https?:\/\//, 'self-contained: no network address in the page');
  await withPage(html, async (page) => {
    assert.equal(await page.textContent('#pos'), '4 / 4');
    assert.equal(await page.getAttribute('tr.violating', 'data-i'), '3');
    assert.match((await page.textContent('[data-section="count"]'))!, /1/);
    await page.click('#first');
    assert.equal(await page.textContent('#pos'), '0 / 4');
    assert.match((await page.textContent('[data-section="count"]'))!, /0/);
    await page.click('#next');
    await page.click('#next');
    assert.equal(await page.textContent('#pos'), '2 / 4');
    assert.match((await page.textContent('#frames'))!, /increment/);
  });
});
