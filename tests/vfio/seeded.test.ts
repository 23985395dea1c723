// Seeded bugs are caught by exploration, while the designs they break hold in the same scenarios.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../src/engine/index.js';
import { find_design } from '../../src/drivers/vfio-pci/index.js';
import { find_scenario, vfio_model } from '../../src/scenarios/vfio.js';
import { forgot_lock, insert_then_check, populate_under_rmap_lock, unlocked_fault } from './seeded.js';

for (const bug of [unlocked_fault, insert_then_check]) {
  test(`${bug.name}: a touch racing the revocation leaves a stale entry`, () => {
    for (const s of ['fault-race', 'reenable']) {
      const r = explore(vfio_model(bug, find_scenario(s)!));
      assert.equal(r.verdict, 'violated', s);
      assert.equal(r.violation!.property, 'no stale device mapping', `${s}: ${r.violation!.message}`);
      assert.equal(explore(vfio_model(find_design('fault')!, find_scenario(s)!)).verdict, 'holds', s);
    }
  });
}

test('the lockdep assertion catches a state test without memory_lock even where no race shows it', () => {
  // in the race scenario the only touch comes after the revocation, so the unlocked test sees the
  // revoked state and no entry goes stale; the assertion fires all the same
  assert.equal(explore(vfio_model(unlocked_fault, find_scenario('race')!)).verdict, 'holds');
  const r = explore(vfio_model(forgot_lock, find_scenario('race')!));
  assert.equal(r.verdict, 'violated');
  assert.equal(r.violation!.property, 'install only when enabled');
  assert.match(r.violation!.message, /lockdep_assert_held_read/);
});

test('seeded: a populate step run with i_mmap_rwsem still held is an AB-BA against the zap', () => {
  const r = explore(vfio_model(populate_under_rmap_lock, find_scenario('race')!));
  assert.equal(r.verdict, 'violated');
  const cycle = r.violation!.kind === 'lock-order-cycle' ? r.violation! : r.cycles?.[0];
  assert.ok(r.violation!.kind === 'deadlock' || r.violation!.kind === 'lock-order-cycle', r.violation!.message);
  assert.ok(cycle);
  assert.deepEqual(new Set(cycle.cycle!.map((e) => e.from)), new Set(['memory_lock', 'i_mmap_rwsem']));
  assert.equal(explore(vfio_model(find_design('populate-hook')!, find_scenario('race')!)).verdict, 'holds');
});
