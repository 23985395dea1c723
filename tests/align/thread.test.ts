// The numbers the June 2026 thread argued with, reproduced from the model: the address each
// policy gets through the model's get_unmapped_area, the leaves the VFIO fault path installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHES, DEFAULT_KERNEL, kernel, mod } from '../../src/linux/index.js';
import { analyze, builtin_cases, default_layout, type align_case, type align_options, type policy_run } from '../../src/align/index.js';

const x86 = ARCHES.x86_64;
const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

function case_of(name: string, arch = x86): align_case {
  return builtin_cases(arch).find((c) => c.name === name)!;
}

function run(c: align_case, opts: align_options, arch = x86) {
  return analyze({ arch, kernel: DEFAULT_KERNEL, region: c.region, maps: c.maps }, { layouts: [default_layout(arch)], ...opts });
}

const by = (runs: readonly policy_run[]) => Object.fromEntries(runs.map((r) => [r.policy, r]));

test('2 GiB BAR: 524,288 faults unaligned, 1,024 with thp-pmd, 2 with pfn-congruent and at best', () => {
  const bar = case_of('bar-2g');
  const none = run(bar, { policies: ['none'], method: 'analytic' }).runs[0];
  // the default layout leaves the top of the free space misaligned, as in a running process
  assert.notEqual(none.maps[0].congruence[0].offset, 0);
  assert.deepEqual(none.counts!.leaves, { pud: 0, pmd: 0, pte: 524288 });
  assert.equal(none.counts!.faults, 524288);

  const r = run(bar, { policies: ['thp-pmd', 'pfn-congruent'], method: 'simulate' });
  const p = by(r.runs);
  assert.deepEqual(p['thp-pmd'].counts!.leaves, { pud: 0, pmd: 1024, pte: 0 });
  assert.equal(p['thp-pmd'].counts!.faults, 1024);
  assert.deepEqual(p['pfn-congruent'].counts!.leaves, { pud: 2, pmd: 0, pte: 0 });
  assert.equal(r.best.counts!.faults, 2);
  for (const x of [...r.runs, r.best]) {
    assert.equal(x.method, 'simulate');
    assert.equal(x.analytic_agrees, true, x.policy);
  }
  // thp-pmd follows the file offset only modulo PMD_SIZE: the PUD congruence is luck, and here it is missing
  assert.equal(p['thp-pmd'].maps[0].congruence[0].offset, 0);
  assert.notEqual(p['thp-pmd'].maps[0].congruence[1].offset, 0);
  assert.equal(p['pfn-congruent'].gap, 0);
  assert.equal(p['thp-pmd'].gap, 1022);
});

test('MSI-X hole: the mapping after the hole starts at 4 KiB mod 2 MiB where the policy follows pgoff or pa', () => {
  const r = run(case_of('msix-hole'), { method: 'analytic' });
  const all = [r.best, ...r.runs];
  const after_hole = (x: policy_run) => x.maps[1];
  const keep = all.filter((x) => after_hole(x).leaves!.pmd > 0).map((x) => x.policy);
  const lose = all.filter((x) => after_hole(x).leaves!.pmd === 0).map((x) => x.policy);
  assert.deepEqual(keep, ['best', 'thp-pmd', 'vfio-hook', 'mapping-order', 'pfn-congruent', 'qemu-offset']);
  assert.deepEqual(lose, ['none', 'length-only', 'qemu-9.2']);
  for (const x of all) {
    const m = after_hole(x);
    if (keep.includes(x.policy)) {
      assert.equal(mod(m.addr!, 2 * MiB), 4 * KiB, x.policy);
      assert.deepEqual(m.leaves, { pud: 0, pmd: 30, pte: 511 }, x.policy);
    } else {
      assert.notEqual(mod(m.addr!, 2 * MiB), 4 * KiB, x.policy);
      assert.deepEqual(m.leaves, { pud: 0, pmd: 0, pte: 15871 }, x.policy);
    }
  }
  // length-only aligns the length, not the offset: the start is 2 MiB aligned and off by the hole
  assert.equal(mod(by(r.runs)['length-only'].maps[1].addr!, 2 * MiB), 0);
});

test('a mapping that can only hold 2 MiB leaves: who keeps them, who pushes it to 1 GiB alignment', () => {
  const r = run(case_of('pmd-only'), { method: 'analytic' });
  const p = by(r.runs);
  assert.deepEqual(r.best.counts!.leaves, { pud: 0, pmd: 512, pte: 0 });
  // asking for PUD order, the v2 mm path finds no whole 1 GiB chunk in the file range and gives up on alignment altogether
  assert.deepEqual(p['mapping-order'].counts!.leaves, { pud: 0, pmd: 0, pte: 262144 });
  for (const name of ['thp-pmd', 'vfio-hook', 'pfn-congruent'] as const) {
    assert.equal(p[name].gap, 0, name);
    assert.ok(p[name].padding < 2 * MiB, `${name} pads ${p[name].padding}`);
  }
  for (const name of ['length-only', 'qemu-9.2', 'qemu-offset'] as const) {
    assert.equal(p[name].gap, 0, name);
    const m = p[name].maps[0];
    assert.equal(mod(m.addr! - (name === 'qemu-offset' ? m.offset : 0), GiB), 0, `${name} aligns to 1 GiB`);
    assert.ok(p[name].padding > 512 * MiB, `${name} pads ${p[name].padding}`);
  }
});

test('arm64: no PUD PFN maps, and a 2 MiB user-space alignment misses 32 MiB PMD leaves on 16K pages', () => {
  const a4 = ARCHES['arm64-4k'];
  const bar4 = run(case_of('bar-2g', a4), { policies: ['pfn-congruent'], method: 'simulate' }, a4);
  assert.deepEqual(bar4.best.counts!.leaves, { pud: 0, pmd: 1024, pte: 0 });
  assert.deepEqual(bar4.runs[0].counts!.leaves, { pud: 0, pmd: 1024, pte: 0 });

  const a16 = ARCHES['arm64-16k'];
  const msix = by(run(case_of('msix-hole', a16), { policies: ['thp-pmd', 'qemu-offset'], method: 'analytic' }, a16).runs);
  assert.equal(msix['thp-pmd'].maps[1].leaves!.pmd, 1);
  assert.equal(msix['qemu-offset'].maps[1].leaves!.pmd, 0);
  assert.equal(mod(msix['qemu-offset'].maps[1].addr! - msix['qemu-offset'].maps[1].pa, 2 * MiB), 0);
  assert.notEqual(mod(msix['qemu-offset'].maps[1].addr! - msix['qemu-offset'].maps[1].pa, 32 * MiB), 0);
});

test('a kernel that allows no huge PFN faults gives PTEs whatever the address', () => {
  const r = analyze({ arch: x86, kernel: kernel('v6.19', { thp_sysfs: 'never' }), region: { size: 4 * MiB, phys: 0x382000000000 }, maps: [{ offset: 0, length: 4 * MiB }] },
    { policies: ['pfn-congruent'], method: 'simulate', layouts: [default_layout(x86)] });
  assert.equal(mod(r.runs[0].maps[0].congruence[0].offset, 2 * MiB), 0);
  assert.deepEqual(r.best.counts!.leaves, { pud: 0, pmd: 0, pte: 1024 });
  assert.deepEqual(r.runs[0].counts!.leaves, { pud: 0, pmd: 0, pte: 1024 });
  assert.equal(r.runs[0].analytic_agrees, true);
});
