// The growing scenarios of the cost-growth benchmark (bench/growth.ts): at their smallest sizes
// the designs that hold hold with every witness reached, the remap design is caught, and each
// family grows along its axis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../src/engine/index.js';
import { find_design } from '../../src/drivers/vfio-pci/index.js';
import { GROWTH_ORDERS, growth_scenario, vfio_model, type growth_axis } from '../../src/scenarios/vfio.js';

const SMALLEST: readonly [growth_axis, number][] = [
  ['threads', 2], ['threads', 3], ['mappings', 1], ['mappings', 2], ['pages', 1], ['pages', 8],
  ...GROWTH_ORDERS.map((_, i): [growth_axis, number] => ['orders', i + 1]),
];

for (const [axis, n] of SMALLEST) {
  const s = growth_scenario(axis, n);
  for (const d of ['fault', 'populate-hook']) {
    test(`${s.name}: ${d} holds, every witness reached`, () => {
      const r = explore(vfio_model(find_design(d)!, s));
      assert.equal(r.verdict, 'holds', r.violation?.message);
      assert.equal(r.vacuous, undefined, r.witnesses.filter((w) => !w.executions).map((w) => w.name).join(', '));
    });
  }
  test(`${s.name}: legacy-remap leaves a stale entry`, () => {
    const r = explore(vfio_model(find_design('legacy-remap')!, s));
    assert.equal(r.verdict, 'violated');
    assert.equal(r.violation!.property, 'no stale device mapping');
  });
}

test('threads: one more thread per step, processes each with their own mm', () => {
  for (let n = 2; n <= 6; n++) {
    const model = vfio_model(find_design('fault')!, growth_scenario('threads', n));
    const w = model.setup();
    assert.equal(Object.keys(model.threads(w)).length, n);
    assert.equal(w.procs.length, Math.ceil(n / 2));
    assert.equal(new Set(w.procs.map((p) => p.mm)).size, w.procs.length);
  }
});

test('mappings: n mappings of BAR0 at distinct addresses, each mmapped and touched', () => {
  for (let n = 1; n <= 4; n++) {
    const [proc] = growth_scenario('mappings', n).procs;
    assert.equal(new Set(proc.maps.map((m) => m.va)).size, n);
    for (let i = 0; i < n; i++) {
      assert.ok(proc.ops.some((op) => 'mmap' in op && op.mmap === i));
      assert.ok(proc.ops.some((op) => 'touch' in op && op.touch === i && op.expect === 'sigbus'));
    }
  }
});

test('pages: BAR0 of n pages mapped whole, the page-table walks of every page watched', () => {
  const sizes = [1, 8, 64, 512];
  const watched = sizes.map((n) => {
    const s = growth_scenario('pages', n);
    assert.equal(s.bars[0].pages, n);
    assert.equal(s.procs[0].maps[0].pages, n);
    return vfio_model(find_design('fault')!, s).setup().watched.length;
  });
  sizes.forEach((n, i) => assert.ok(watched[i] > n && (i === 0 || watched[i] > watched[i - 1]), watched.join(' ')));
});

test('sizes out of an axis are refused', () => {
  assert.throws(() => growth_scenario('threads', 1), RangeError);
  assert.throws(() => growth_scenario('pages', 0), RangeError);
  assert.throws(() => growth_scenario('orders', GROWTH_ORDERS.length + 1), RangeError);
});
