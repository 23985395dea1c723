// Zapping and unmapping (kernel.md section 5), one task at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAP_FIXED, MAP_SHARED, PROT_READ, __vm_munmap, count_tables, file_alloc, mm_alloc, present_leaves, unmap_mapping_range,
  user_access, vm_mmap_pgoff, type file, type mm_struct,
} from '../../src/linux/index.js';
import { MiB, PAGE, VA, run_task, world } from './helpers.js';

const BASE_PFN = 0x40000000;

function* map(mm: mm_struct, f: file, addr: number, len: number, pgoff = 0) {
  return yield* vm_mmap_pgoff(mm, f, addr, len, PROT_READ, MAP_SHARED | MAP_FIXED, pgoff);
}

function* touch_all(mm: mm_struct, addr: number, len: number, step = PAGE) {
  for (let a = addr; a < addr + len; a += step) yield* user_access(mm, a);
}

const spans = (mm: mm_struct) => present_leaves(mm).map((l) => [l.level, (l.start - VA) / PAGE, l.pfn - BASE_PFN]);

test('a zap clears partly covered PMD leaves whole', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN, huge_fault: true }), function* (w) {
    yield* map(w.mm, w.dev.file, VA, 4 * MiB);
    yield* touch_all(w.mm, VA, 4 * MiB, 2 * MiB);
    const before = spans(w.mm);
    // file bytes [1 MiB, 3 MiB): half of each leaf
    yield* unmap_mapping_range(w.dev.mapping, MiB, 2 * MiB, true);
    return before;
  });
  assert.deepEqual(r.ret, [['pmd', 0, 0], ['pmd', 512, 512]]);
  assert.deepEqual(spans(r.w.mm), []);
  assert.deepEqual(count_tables(r.w.mm), { pud: 1, pmd: 1, pte: 0 });
});

test('a zap clears exactly the PTEs of its file range and leaves the PTE table', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w.mm, w.dev.file, VA, 4 * PAGE);
    yield* touch_all(w.mm, VA, 4 * PAGE);
    yield* unmap_mapping_range(w.dev.mapping, PAGE, 2 * PAGE, true);
  });
  assert.deepEqual(spans(r.w.mm), [['pte', 0, 0], ['pte', 3, 3]]);
  assert.deepEqual(count_tables(r.w.mm), { pud: 1, pmd: 1, pte: 1 });
});

test('unmap_mapping_range reaches the file range in every VMA of every mm that maps it', () => {
  const r = run_task(() => {
    const w = world({ base_pfn: BASE_PFN });
    return { w, mm2: mm_alloc({ name: 'mm2' }), f2: file_alloc('dev.file2', w.dev.file.f_op, w.dev.mapping) };
  }, function* ({ w, mm2, f2 }) {
    yield* map(w.mm, w.dev.file, VA, 4 * PAGE, 0);
    yield* map(mm2, f2, VA, 4 * PAGE, 2);
    yield* touch_all(w.mm, VA, 4 * PAGE);
    yield* touch_all(mm2, VA, 4 * PAGE);
    const zapped = yield* unmap_mapping_range(w.dev.mapping, 3 * PAGE, PAGE, true);
    return zapped.map((v) => v.name);
  });
  assert.deepEqual(r.ret, ['mm.vma[0x7f0000000000-0x7f0000004000]', 'mm2.vma[0x7f0000000000-0x7f0000004000]']);
  assert.deepEqual(spans(r.w.w.mm), [['pte', 0, 0], ['pte', 1, 1], ['pte', 2, 2]]);
  assert.deepEqual(spans(r.w.mm2), [['pte', 0, 2], ['pte', 2, 4], ['pte', 3, 5]]);
});

test('unmap_mapping_range walks i_mmap in file-offset order, VMAs at one offset in the order they were linked', () => {
  // the interval tree inserts an equal key to the right of the existing ones
  const r = run_task(() => {
    const w = world({ base_pfn: BASE_PFN });
    return { w, mm2: mm_alloc({ name: 'mm2' }), f2: file_alloc('dev.file2', w.dev.file.f_op, w.dev.mapping) };
  }, function* ({ w, mm2, f2 }) {
    yield* map(w.mm, w.dev.file, VA + 8 * PAGE, PAGE, 1);
    yield* map(mm2, f2, VA, PAGE, 1);
    yield* map(w.mm, w.dev.file, VA, PAGE, 0);
    return (yield* unmap_mapping_range(w.dev.mapping, 0, 0, true)).map((v) => `${v.vm_mm.name}@${(v.vm_start - VA) / PAGE}`);
  });
  assert.deepEqual(r.ret, ['mm@0', 'mm@8', 'mm2@0']);
});

test('munmap takes the VMA out of the tree and i_mmap, clears its entries and frees its page tables', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w.mm, w.dev.file, VA, 2 * PAGE);
    yield* touch_all(w.mm, VA, 2 * PAGE);
    return yield* __vm_munmap(w.mm, VA, 2 * PAGE, true);
  });
  assert.equal(r.violation, null);
  assert.equal(r.ret, 0);
  assert.deepEqual([r.w.mm.mm_mt.value, r.w.dev.mapping.i_mmap.value, spans(r.w.mm)], [[], [], []]);
  assert.deepEqual(count_tables(r.w.mm), { pud: 0, pmd: 0, pte: 0 });
  assert.equal(r.w.mm.mmap_lock.describe(), 'free');
});

test('munmap keeps the page tables a neighbouring VMA still uses', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w.mm, w.dev.file, VA, 2 * PAGE, 0);
    yield* map(w.mm, w.dev.file, VA + 2 * PAGE, 2 * PAGE, 2);
    yield* touch_all(w.mm, VA, 4 * PAGE);
    return yield* __vm_munmap(w.mm, VA, 2 * PAGE, true);
  });
  assert.deepEqual(spans(r.w.mm), [['pte', 2, 2], ['pte', 3, 3]]);
  assert.deepEqual(count_tables(r.w.mm), { pud: 1, pmd: 1, pte: 1 });
  assert.equal(r.w.dev.mapping.i_mmap.value.length, 1);
});

test('MAP_FIXED over a mapping zaps and unlinks the old VMA before the new one is set up', () => {
  const r = run_task(() => world({ base_pfn: BASE_PFN }), function* (w) {
    yield* map(w.mm, w.dev.file, VA, 2 * PAGE, 0);
    yield* touch_all(w.mm, VA, 2 * PAGE);
    return yield* map(w.mm, w.dev.file, VA, 2 * PAGE, 8);
  });
  assert.equal(r.ret, VA);
  assert.deepEqual(spans(r.w.mm), []);
  assert.deepEqual(r.w.mm.mm_mt.value.map((v) => v.vm_pgoff), [8]);
  assert.deepEqual(r.w.dev.mapping.i_mmap.value.map((v) => v.vm_pgoff), [8]);
});
