// Sizes as people write them, and the process layouts the analysis maps into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHES, DEFAULT_KERNEL, mod } from '../../src/linux/index.js';
import {
  AlignInputError, POLICIES, build_world, default_layout, format_size, given_layout, lowest_set_bit, parse_size, random_layouts,
} from '../../src/align/index.js';

const KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
const x86 = ARCHES.x86_64;

test('sizes: units, hex, sums and differences; exact formatting', () => {
  assert.equal(parse_size('2G'), 2 * GiB);
  assert.equal(parse_size('64M'), 64 * MiB);
  assert.equal(parse_size('0x2F00F00000'), 0x2f00f00000);
  assert.equal(parse_size('2M+4K'), 2 * MiB + 4 * KiB);
  assert.equal(parse_size('62M-4K'), 62 * MiB - 4 * KiB);
  assert.equal(parse_size('1PiB'), 2 ** 50);
  assert.equal(parse_size('4096'), 4096);
  for (const bad of ['', '2X', 'G', '1.5G', '-4K', '0x', '9P+9P+9P+9P+9P+9P+9P+9P+9P']) assert.throws(() => parse_size(bad), AlignInputError, bad);
  assert.equal(format_size(0x2f00f00000), '188G+15M');
  assert.equal(format_size(2 * MiB + 4 * KiB), '2M+4K');
  assert.equal(format_size(4095), '4095');
  assert.equal(lowest_set_bit(0x2f00f00000), MiB);
  assert.equal(lowest_set_bit(62 * MiB - 4 * KiB), 4 * KiB);
});

test('random layouts: the same seed gives the same processes, ASLR moves mmap_base by whole pages', () => {
  const a = random_layouts(x86, 5, 42), b = random_layouts(x86, 5, 42), c = random_layouts(x86, 5, 43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const top = x86.task_size - x86.mmap_min_gap;
  for (const l of a) {
    assert.ok(l.mmap_base! <= top && l.mmap_base! > top - 2 ** 28 * x86.page_size);
    assert.equal(mod(l.mmap_base!, x86.page_size), 0);
  }
  assert.equal(new Set(a.map((l) => l.mmap_base)).size, 5);
});

test('the default layout is built by the model and leaves the next mapping misaligned on x86_64', () => {
  const setup = { arch: x86, kernel: DEFAULT_KERNEL, region: { size: 2 * MiB, phys: 0x380000000000 }, maps: [{ offset: 0, length: 2 * MiB }] };
  const layout = default_layout(x86);
  const w = build_world(setup, POLICIES.none, layout);
  assert.equal(w.mm.mm_mt.value.length, layout.maps.length + 1);
  assert.notEqual(mod(w.placements[0].addr, 2 * MiB), 0);
  // the guest RAM got anonymous THP alignment from the model's __get_unmapped_area
  const ram = w.mm.mm_mt.value.find((v) => v.vm_end - v.vm_start === 4 * GiB)!;
  assert.equal(mod(ram.vm_start, 2 * MiB), 0);
});

test('given VMAs are taken as they are, and checked', () => {
  const l = given_layout(x86, [[0x7f0000200000, 0x7f0000400000], [0x7f0000000000, 0x7f0000001000]]);
  assert.deepEqual(l.maps.map((m) => m.addr), [0x7f0000000000, 0x7f0000200000]);
  assert.throws(() => given_layout(x86, [[0x7f0000000000, 0x7f0000002000], [0x7f0000001000, 0x7f0000003000]]), /overlaps/);
  assert.throws(() => given_layout(x86, [[0x7f0000000800, 0x7f0000002000]]), /not 4096-byte aligned/);
  const setup = { arch: x86, kernel: DEFAULT_KERNEL, region: { size: 2 * MiB, phys: 0x380000000000 }, maps: [{ offset: 0, length: 2 * MiB }] };
  const w = build_world(setup, POLICIES.none, given_layout(x86, [[0x7ffff0000000, 0x7ffff7fff000]]));
  // top-down: the first hole below mmap_base that fits is below the given VMA
  assert.equal(w.placements[0].addr, 0x7ffff0000000 - 2 * MiB);
});
