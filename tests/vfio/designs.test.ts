// Each design explored in the VFIO scenarios: the verdicts kernel.md section 10 expects, reached by
// exploration (the expectations live only here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore, replay, type CheckResult } from '../../src/engine/index.js';
import { VFIO_DESIGNS, find_design } from '../../src/drivers/vfio-pci/index.js';
import { kernel } from '../../src/linux/index.js';
import { VFIO_SCENARIOS, find_scenario, vfio_model } from '../../src/scenarios/vfio.js';

const REMAP = ['legacy-remap-nozap', 'legacy-remap', 'prepare-remap', 'prepare-remap-hidden'];
const HOLD = ['fault', 'populate-hook'];
/** two-procs and large run in larger.test.ts, stress in bench/vfio.ts; rmap-walk revokes nothing */
const HERE = VFIO_SCENARIOS.filter((s) => !['rmap-walk', 'two-procs', 'large', 'stress'].includes(s.name));

function run(design: string, scenario: string): CheckResult {
  return explore(vfio_model(find_design(design)!, find_scenario(scenario)!));
}

test('the designs are the seven of the thread', () => {
  assert.deepEqual(VFIO_DESIGNS.map((d) => d.name), [...REMAP, 'prepare-remap-hidden-checked', ...HOLD]);
});

for (const s of HERE) {
  test(`${s.name}: the remap designs leave a stale device mapping`, () => {
    for (const d of REMAP) {
      const r = run(d, s.name);
      assert.equal(r.verdict, 'violated', `${d}: ${r.verdict}`);
      assert.equal(r.violation!.property, 'no stale device mapping', `${d}: ${r.violation!.message}`);
      // the counterexample replays from its schedule to the same trace
      const rep = replay(vfio_model(find_design(d)!, s), r.violation!.trace.schedule);
      assert.deepEqual(rep.trace, r.violation!.trace, d);
      assert.equal(rep.violation?.property, r.violation!.property, d);
    }
  });

  test(`${s.name}: the hidden action that re-checks under memory_lock deadlocks against the zap`, () => {
    const r = run('prepare-remap-hidden-checked', s.name);
    assert.equal(r.verdict, 'violated');
    const v = r.violation!;
    if (v.kind === 'deadlock') {
      // the mmap holds i_mmap_rwsem (hidden) and wants memory_lock; the zapper the reverse
      const waits = new Set(v.blocked!.map((b) => b.waitsFor));
      assert.ok(waits.has('vdev.memory_lock') && waits.has('vdev.inode.i_mmap_rwsem'), [...waits].join(', '));
      assert.equal(replay(vfio_model(find_design('prepare-remap-hidden-checked')!, s), v.trace.schedule).violation?.kind, 'deadlock');
    } else {
      assert.equal(v.kind, 'lock-order-cycle', v.message);
    }
    const cycle = v.kind === 'lock-order-cycle' ? v : r.cycles?.[0];
    assert.ok(cycle, 'the lock-order graph has the AB-BA cycle too');
    assert.deepEqual(new Set(cycle.cycle!.map((e) => e.from)), new Set(['memory_lock', 'i_mmap_rwsem']));
  });

  test(`${s.name}: fault-only and the populate hook hold, every witness reached`, () => {
    for (const d of HOLD) {
      const r = run(d, s.name);
      assert.equal(r.verdict, 'holds', `${d}: ${r.violation?.kind} ${r.violation?.message}`);
      assert.equal(r.vacuous, undefined, `${d}: unreached: ${r.witnesses.filter((w) => !w.executions).map((w) => w.name).join(', ')}`);
      for (const w of s.witnesses) assert.ok(r.witnesses.find((x) => x.name === w)!.executions > 0, `${d}: ${w}`);
    }
  });
}

test('source-DPOR reaches the same verdicts and witnesses as optimal DPOR', () => {
  for (const s of ['fault-race', 'transient-hot-reset', 'orders']) {
    for (const d of VFIO_DESIGNS) {
      const model = vfio_model(d, find_scenario(s)!);
      const [a, b] = [explore(model), explore(model, { strategy: 'dpor' })];
      assert.equal(b.verdict, a.verdict, `${s} ${d.name}`);
      assert.equal(b.violation?.property, a.violation?.property, `${s} ${d.name}`);
      if (a.verdict === 'holds') {
        assert.deepEqual(b.witnesses.map((w) => w.executions > 0), a.witnesses.map((w) => w.executions > 0), `${s} ${d.name}`);
      }
    }
  }
});

test('rmap-walk: only the legacy ->mmap remaps leave entries outside the VMAs an rmap walk sees', () => {
  // mmap_prepare actions link the VMA before the remap, so they need the stale-entry property to fail
  for (const d of VFIO_DESIGNS) {
    const r = run(d.name, 'rmap-walk');
    if (d.name.startsWith('legacy-')) {
      assert.equal(r.verdict, 'violated', d.name);
      assert.equal(r.violation!.property, 'leaves only in linked VMAs', d.name);
    } else {
      assert.equal(r.verdict, 'holds', `${d.name}: ${r.violation?.message}`);
      assert.equal(r.vacuous, undefined, d.name);
    }
  }
});

test('the re-checked hidden action deadlocks with the 6.19 success_hook as with vm_ops->mapped', () => {
  const d = find_design('prepare-remap-hidden-checked')!;
  for (const [k, hook] of [['v6.19', 'vfio_pci_mmap_recheck'], ['mm-2026', 'vfio_pci_mmap_mapped']] as const) {
    const r = explore(vfio_model({ ...d, kernel: kernel(k) }, find_scenario('race')!));
    assert.equal(r.violation?.kind, 'deadlock', k);
    // the lock-order edge i_mmap_rwsem -> memory_lock is taken in the completion hook
    const edge = r.cycles![0].cycle!.find((e) => e.from === 'i_mmap_rwsem')!;
    const last = edge.trace.events[edge.trace.events.length - 1];
    assert.ok(last.frames.includes('mmap_action_finish') && last.frames.includes(hook), `${k}: ${last.frames.join(' > ')}`);
  }
});

test('orders: the fault design faults PUD, PMD and PTE leaves; the populate hook gets huge leaves only from refills', () => {
  const fault = run('fault', 'orders');
  const populate = run('populate-hook', 'orders');
  const count = (r: CheckResult, w: string) => r.witnesses.find((x) => x.name === w)!.executions;
  // remap_pfn_range populates PTEs, and the PTE table stays after a zap: huge leaves need an
  // mmap that found memory disabled and so populated nothing
  assert.equal(count(fault, 'PUD leaf reached'), fault.stats.executions);
  assert.ok(count(populate, 'PUD leaf reached') < populate.stats.executions);
});
