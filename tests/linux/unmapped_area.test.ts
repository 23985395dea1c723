// Where a new mapping lands (kernel.md section 6): the generic top-down allocator, hints,
// MAP_FIXED, THP alignment with its give-up cases, and the order of __get_unmapped_area().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARCHES, EINVAL, ENOMEM, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, __get_unmapped_area, __thp_get_unmapped_area,
  address_space_alloc, empty_layout, file_alloc, generic_get_unmapped_area_topdown, mm_get_unmapped_area_vmflags, mod,
  pmd_order, pud_order, round_hint_to_min, thp_get_unmapped_area, type mm_layout,
} from '../../src/linux/index.js';

const x86 = ARCHES.x86_64;
const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
const empty = empty_layout(x86);
const base = empty.mmap_base;
const with_vmas = (vmas: [number, number][], l: mm_layout = empty): mm_layout =>
  ({ ...l, vmas: vmas.map(([vm_start, vm_end]) => ({ vm_start, vm_end })) });
const hooked = (get_unmapped_area: NonNullable<Parameters<typeof file_alloc>[1]['get_unmapped_area']>) =>
  file_alloc('f', { get_unmapped_area }, address_space_alloc('m'));

test('the arch table gives the leaf sizes and orders per granule', () => {
  assert.deepEqual([x86.page_size, x86.pmd_size, x86.pud_size, pmd_order(x86), pud_order(x86)], [4 * KiB, 2 * MiB, GiB, 9, 18]);
  assert.deepEqual(x86.pfnmap_levels, ['pmd', 'pud']);
  const a4 = ARCHES['arm64-4k'], a16 = ARCHES['arm64-16k'], a64 = ARCHES['arm64-64k'];
  assert.deepEqual([a4.pmd_size, a4.pud_size, pmd_order(a4), pud_order(a4)], [2 * MiB, GiB, 9, 18]);
  assert.deepEqual([a16.page_size, a16.pmd_size, a16.pud_size, pmd_order(a16), pud_order(a16)], [16 * KiB, 32 * MiB, 64 * GiB, 11, 22]);
  assert.deepEqual([a64.page_size, a64.pmd_size, a64.pud_size, pmd_order(a64), pud_order(a64)], [64 * KiB, 512 * MiB, 4096 * GiB, 13, 26]);
  for (const a of [a4, a16, a64]) assert.deepEqual(a.pfnmap_levels, ['pmd']);
});

test('top-down: the first mapping ends at mmap_base, 128 MiB below TASK_SIZE', () => {
  assert.equal(base, x86.task_size - 128 * MiB);
  assert.equal(generic_get_unmapped_area_topdown(null, 0, 8 * KiB, 0, 0, empty), base - 8 * KiB);
});

test('top-down: the highest hole that fits wins, a smaller hole above is skipped', () => {
  const l = with_vmas([[base - 3 * MiB, base - 2 * MiB], [base - MiB, base]]);
  assert.equal(generic_get_unmapped_area_topdown(null, 0, 512 * KiB, 0, 0, l), base - MiB - 512 * KiB);
  assert.equal(generic_get_unmapped_area_topdown(null, 0, 2 * MiB, 0, 0, l), base - 5 * MiB);
});

test('top-down: when nothing fits below mmap_base it searches bottom-up from TASK_UNMAPPED_BASE', () => {
  const l = { ...empty, mmap_base: MiB };
  assert.equal(generic_get_unmapped_area_topdown(null, 0, 2 * MiB, 0, 0, l), x86.task_unmapped_base);
});

test('bottom-up layout: the lowest hole above mmap_base', () => {
  const l = empty_layout(x86, { topdown: false });
  assert.equal(l.mmap_base, x86.task_unmapped_base);
  const taken = with_vmas([[l.mmap_base, l.mmap_base + MiB]], l);
  assert.equal(mm_get_unmapped_area_vmflags(null, 0, 8 * KiB, 0, 0, taken), l.mmap_base + MiB);
});

test('a free hint is honoured, an overlapping or too low one is not', () => {
  const hint = 256 * MiB;
  assert.equal(generic_get_unmapped_area_topdown(null, hint, 8 * KiB, 0, 0, empty), hint);
  const l = with_vmas([[hint + 4 * KiB, hint + 8 * KiB]]);
  assert.equal(generic_get_unmapped_area_topdown(null, hint, 8 * KiB, 0, 0, l), base - 8 * KiB);
  assert.equal(generic_get_unmapped_area_topdown(null, 4 * KiB, 8 * KiB, 0, 0, empty), base - 8 * KiB);
  assert.equal(round_hint_to_min(4 * KiB, empty), x86.mmap_min_addr);
  assert.equal(round_hint_to_min(hint + 123, empty), hint);
});

test('MAP_FIXED returns the address as it is, even over a mapping; unaligned is EINVAL', () => {
  const l = with_vmas([[base - MiB, base]]);
  assert.equal(__get_unmapped_area(null, base - MiB, MiB, 0, MAP_FIXED | MAP_PRIVATE, l), base - MiB);
  assert.equal(__get_unmapped_area(null, base - MiB + 1, MiB, 0, MAP_FIXED | MAP_PRIVATE, l), -EINVAL);
  assert.equal(__get_unmapped_area(null, 0, x86.task_size + 4 * KiB, 0, MAP_PRIVATE, l), -ENOMEM);
});

test('thp_get_unmapped_area: va is congruent to the file offset modulo PMD_SIZE', () => {
  for (const pgoff of [0, 0x100, 0x3ff, 0x201]) {
    const va = thp_get_unmapped_area(null, 0, 4 * MiB, pgoff, MAP_SHARED, empty);
    assert.equal(mod(va - pgoff * 4 * KiB, 2 * MiB), 0, `pgoff ${pgoff}`);
    assert.ok(va + 4 * MiB <= base);
  }
});

test('thp_get_unmapped_area: an already aligned top-down result is moved up by PMD_SIZE', () => {
  const l = { ...empty, mmap_base: 0x7fff00000000 };
  assert.equal(__thp_get_unmapped_area(null, 0, 2 * MiB, 0, MAP_SHARED, 2 * MiB, l), l.mmap_base - 2 * MiB);
});

test('thp_get_unmapped_area gives up: no whole aligned chunk in the file range', () => {
  // [1 MiB, 3 MiB) of the file holds no aligned 2 MiB chunk
  assert.equal(__thp_get_unmapped_area(null, 0, 2 * MiB, MiB, MAP_SHARED, 2 * MiB, empty), 0);
  const va = thp_get_unmapped_area(null, 0, 2 * MiB, MiB / (4 * KiB), MAP_SHARED, empty);
  assert.equal(va, base - 2 * MiB);
  assert.notEqual(mod(va - MiB, 2 * MiB), 0);
});

test('thp_get_unmapped_area gives up: compat tasks, honoured hints and MAP_FIXED get no alignment', () => {
  assert.equal(thp_get_unmapped_area(null, 0, 4 * MiB, 0, MAP_SHARED, { ...empty, compat: true }), base - 4 * MiB);
  const hint = 256 * MiB + 4 * KiB;
  assert.equal(thp_get_unmapped_area(null, hint, 4 * MiB, 0, MAP_SHARED, empty), hint);
  assert.equal(thp_get_unmapped_area(null, hint, 4 * MiB, 0, MAP_SHARED | MAP_FIXED, empty), hint);
});

test('thp alignment uses the granule PMD size: 32 MiB on arm64 16K', () => {
  const l = empty_layout(ARCHES['arm64-16k']);
  const va = thp_get_unmapped_area(null, 0, 64 * MiB, 0, MAP_SHARED, l);
  assert.equal(mod(va, 32 * MiB), 0);
});

test('__get_unmapped_area: the file hook first, THP for large anonymous mappings without hint, else generic', () => {
  const calls: unknown[][] = [];
  const f = hooked((file, addr, len, pgoff, flags) => {
    calls.push([file?.name, addr, len, pgoff, flags]);
    return 64 * MiB;
  });
  assert.equal(__get_unmapped_area(f, 0, 8 * KiB, 7, MAP_SHARED, empty), 64 * MiB);
  assert.deepEqual(calls, [['f', 0, 8 * KiB, 7, MAP_SHARED]]);
  // a hook returning an address past TASK_SIZE - len is refused
  assert.equal(__get_unmapped_area(hooked(() => x86.task_size), 0, 8 * KiB, 0, MAP_SHARED, empty), -ENOMEM);
  // anonymous, a multiple of PMD_SIZE, no hint: THP aligned; with a hint or another length: generic
  assert.equal(mod(__get_unmapped_area(null, 0, 4 * MiB, 0, MAP_PRIVATE, empty), 2 * MiB), 0);
  assert.equal(__get_unmapped_area(null, 0, 3 * MiB, 0, MAP_PRIVATE, empty), base - 3 * MiB);
  // a file without a hook: page alignment only
  const plain = file_alloc('p', {}, address_space_alloc('m'));
  assert.equal(__get_unmapped_area(plain, 0, 4 * MiB, 0, MAP_SHARED, empty), base - 4 * MiB);
});
