// Installing PFNs and faulting them in (kernel.md sections 3 and 4), one task at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atomic } from '../../src/engine/index.js';
import {
  ARCHES, MAP_FIXED, MAP_SHARED, PROT_READ, PROT_WRITE, VM_FAULT_NOPAGE, count_tables, present_leaves, remap_pfn_range,
  unmap_mapping_range, user_access, vm_mmap_pgoff, vmf_insert_pfn, type present_leaf,
} from '../../src/linux/index.js';
import { GiB, MiB, PAGE, VA, run_task, vma_at, world } from './helpers.js';
import type { driver_options } from './driver.js';

const BASE_PFN = 0x40000000; // aligned to every leaf size

function* map(w: ReturnType<typeof world>, addr: number, len: number, pgoff = 0) {
  return yield* vm_mmap_pgoff(w.mm, w.dev.file, addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, pgoff);
}

const leaves = (l: present_leaf[]) => l.map((x) => [x.level, x.start - VA, x.pfn - BASE_PFN]);

/** Maps len at VA, then accesses each offset; returns the leaves and tables left. */
function touch(driver: driver_options, len: number, offsets: number[], pgoff = 0, kernel?: Parameters<typeof world>[1]) {
  const r = run_task(() => world({ base_pfn: BASE_PFN, ...driver }, kernel), function* (w) {
    assert.equal(yield* map(w, VA, len, pgoff), VA);
    const out = [];
    for (const off of offsets) out.push(yield* user_access(w.mm, VA + off));
    return out;
  });
  assert.equal(r.violation, null);
  return { accesses: r.ret, leaves: leaves(present_leaves(r.w.mm)), tables: count_tables(r.w.mm) };
}

test('remap_pfn_range installs exactly the PTEs asked for, and no huge leaves', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w, VA, 4 * PAGE);
    const vma = yield* vma_at(w.mm, VA);
    return yield* remap_pfn_range(vma, VA + PAGE, BASE_PFN + 0x42, 2 * PAGE);
  });
  assert.equal(r.violation, null);
  assert.equal(r.ret, 0);
  assert.deepEqual(leaves(present_leaves(r.w.mm)), [['pte', PAGE, 0x42], ['pte', 2 * PAGE, 0x43]]);
  assert.deepEqual(count_tables(r.w.mm), { pud: 1, pmd: 1, pte: 1 });
});

test('a legacy ->mmap remap maps the whole VMA at the file offset, order 0 only, even when aligned', () => {
  const t = touch({ remap_in_mmap: true, huge_fault: true, fault: false }, 2 * MiB, [0], 3);
  assert.equal(t.leaves.length, 512);
  assert.deepEqual(t.leaves[0], ['pte', 0, 3]);
  assert.deepEqual(t.leaves[511], ['pte', 2 * MiB - PAGE, 3 + 511]);
  assert.equal(t.accesses[0].faults, 0);
});

test('remap_pfn_range over a present PTE is a kernel BUG', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w, VA, 2 * PAGE);
    const vma = yield* vma_at(w.mm, VA);
    yield* remap_pfn_range(vma, VA, BASE_PFN, PAGE);
    return yield* remap_pfn_range(vma, VA, BASE_PFN, 2 * PAGE);
  });
  assert.equal(r.violation?.kind, 'assertion');
  assert.match(r.violation!.message, /remap_pte_range: BUG_ON\(!pte_none/);
});

test('vmf_insert_pfn leaves an existing entry alone and still returns NOPAGE', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w, VA, PAGE);
    const vma = yield* vma_at(w.mm, VA);
    yield* remap_pfn_range(vma, VA, BASE_PFN + 7, PAGE);
    return yield* vmf_insert_pfn(vma, VA, BASE_PFN + 9);
  });
  assert.equal(r.ret, VM_FAULT_NOPAGE);
  assert.deepEqual(leaves(present_leaves(r.w.mm)), [['pte', 0, 7]]);
});

test('a fault without ->fault is SIGBUS, a fault with ->fault maps one PTE', () => {
  assert.equal(touch({ fault: false }, 2 * PAGE, [PAGE]).accesses[0].kind, 'sigbus');
  const t = touch({}, 2 * PAGE, [PAGE]);
  assert.deepEqual([t.accesses[0].kind, t.accesses[0].faults], ['reached', 1]);
  assert.deepEqual(t.leaves, [['pte', PAGE, 1]]);
});

test('a huge fault at a PMD-aligned address with an aligned PFN installs one PMD leaf', () => {
  const t = touch({ huge_fault: true }, 2 * MiB, [5 * PAGE, MiB]);
  assert.deepEqual(t.leaves, [['pmd', 0, 0]]);
  assert.deepEqual(t.accesses.map((a) => a.faults), [1, 0]);
  assert.deepEqual(t.tables, { pud: 1, pmd: 1, pte: 0 });
});

test('a huge fault over a PUD-aligned GiB installs one PUD leaf', () => {
  const t = touch({ huge_fault: true }, GiB, [3 * MiB]);
  assert.deepEqual(t.leaves, [['pud', 0, 0]]);
  assert.deepEqual(t.tables, { pud: 1, pmd: 0, pte: 0 });
});

test('unaligned huge faults fall back: misaligned PFN, leaf not inside the VMA', () => {
  // file offset 1 page: the PFN of VA is not 2 MiB aligned
  assert.deepEqual(touch({ huge_fault: true }, 2 * MiB, [0], 1).leaves, [['pte', 0, 1]]);
  // a 2 MiB VMA starting one page into a PMD: no PMD leaf fits
  const r = run_task(() => world({ base_pfn: BASE_PFN, huge_fault: true }), function* (w) {
    yield* map(w, VA + PAGE, 2 * MiB, 1);
    return yield* user_access(w.mm, VA + MiB);
  });
  assert.deepEqual(leaves(present_leaves(r.w.mm)), [['pte', MiB, MiB / PAGE]]);
});

test('an empty PTE table left by a zap makes later faults in that PMD span PTE-order', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN, huge_fault: true }), function* (w) {
    yield* map(w, VA, 4 * MiB);
    const vma = yield* vma_at(w.mm, VA);
    yield* remap_pfn_range(vma, VA, BASE_PFN, PAGE);
    yield* unmap_mapping_range(w.dev.mapping, 0, 0, true);
    yield* user_access(w.mm, VA + 8 * PAGE);
    yield* user_access(w.mm, VA + 2 * MiB);
  });
  assert.equal(r.violation, null);
  assert.deepEqual(leaves(present_leaves(r.w.mm)), [['pte', 8 * PAGE, 8], ['pmd', 2 * MiB, 2 * MiB / PAGE]]);
});

test('a PMD table under the PUD entry rules out a PUD fault in that GiB', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN, huge_fault: true }), function* (w) {
    yield* map(w, VA, GiB);
    const vma = yield* vma_at(w.mm, VA);
    yield* remap_pfn_range(vma, VA, BASE_PFN, PAGE);
    yield* unmap_mapping_range(w.dev.mapping, 0, 0, true);
    yield* user_access(w.mm, VA + 4 * MiB);
  });
  assert.deepEqual(leaves(present_leaves(r.w.mm)), [['pmd', 4 * MiB, 4 * MiB / PAGE]]);
});

test('huge insertions with a leaf beyond the VMA or an unaligned PFN break the caller contract', () => {
  const broken = (len: number, pgoff: number, arch = ARCHES.x86_64) =>
    run_task(() => world({ base_pfn: BASE_PFN, huge_fault: 'unchecked' }, { arch }), function* (w) {
      yield* map(w, VA, len, pgoff);
      return yield* user_access(w.mm, VA);
    }).violation?.message ?? null;
  // x86_64 tries the PUD order first
  assert.equal(broken(MiB, 0), 'vmf_insert_pfn_pud: the leaf ends beyond the VMA');
  const arm = ARCHES['arm64-4k'];
  assert.equal(broken(MiB, 0, arm), 'vmf_insert_pfn_pmd: the leaf ends beyond the VMA');
  assert.equal(broken(2 * MiB, 1, arm), 'vmf_insert_pfn_pmd: the PFN is not aligned to the leaf');
  assert.equal(broken(2 * MiB, 0, arm), null);
});

test('on arm64 16K a huge fault installs a 32 MiB PMD leaf and never a PUD leaf', () => {
  const arch = ARCHES['arm64-16k'];
  const r = run_task(() => world({ base_pfn: BASE_PFN, huge_fault: true }, { arch }), function* (w) {
    yield* map(w, VA, 64 * MiB);
    return yield* user_access(w.mm, VA + 40 * MiB);
  });
  assert.deepEqual(present_leaves(r.w.mm).map((l) => [l.level, l.start - VA, l.end - l.start]), [['pmd', 32 * MiB, 32 * MiB]]);
});

test('an observed access checks a property of the PFN it reaches in the walk step itself', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w, VA, PAGE);
    return yield* user_access(w.mm, VA, {
      observe: { reads: [w.dev.mapping.i_mmap], property: 'reaches only PFN base + 1', pred: (hit) => hit.pfn === BASE_PFN + 1 || `reached ${hit.pfn - BASE_PFN}` },
    });
  });
  assert.equal(r.violation?.property, 'reaches only PFN base + 1');
  assert.equal(r.violation?.message, 'reached 0');
});

test('->fault runs under mmap_lock after the VMA-lock attempt retried; ->huge_fault under the VMA lock', () => {
  // vmf_can_call_fault(): no ->map_pages, so do_fault() drops the VMA lock and returns
  // VM_FAULT_RETRY; do_user_addr_fault() handles the fault again under mmap_lock (read)
  const held: string[] = [];
  const r = run_task(() => world({
    base_pfn: BASE_PFN, huge_fault: true,
    *in_fault(vmf) {
      const { vm_mm: mm, vm_lock } = vmf.vma;
      held.push(yield* atomic({ reads: [mm.mmap_lock, vm_lock] }, 'locks held',
        () => `mmap_lock readers ${mm.mmap_lock.nreaders}, VMA readers ${vm_lock.value.readers}`));
    },
  }), function* (w) {
    // file offset 1 page: both huge orders fall back
    yield* map(w, VA, 2 * MiB, 1);
    return yield* user_access(w.mm, VA);
  });
  assert.equal(r.violation, null);
  assert.deepEqual([r.ret.kind, r.ret.faults], ['reached', 1]);
  const vma_lock = 'mmap_lock readers 0, VMA readers 1', mmap_lock = 'mmap_lock readers 1, VMA readers 0';
  // PUD and PMD huge faults, ->fault retried; again under mmap_lock from the top, where the PMD
  // table pmd_alloc() left rules out the PUD order: the PMD huge fault, then ->fault
  assert.deepEqual(held, [vma_lock, vma_lock, mmap_lock, mmap_lock]);
});
