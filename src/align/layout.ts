// The process the device is mapped into: the mmaps it made before, replayed through the model so
// that the model's own allocator places them (a realistic 64-bit process, random ones from a
// seed, or VMAs given by address).
import { ALIGN, ALIGN_DOWN, empty_layout, type Arch } from '../linux/index.js';
import { mulberry32 } from '../engine/prng.js';
import { AlignInputError, hex } from './sizes.js';

/** One earlier mmap: anonymous and private; at `addr` with MAP_FIXED when given. */
export interface layout_map {
  readonly addr?: number;
  readonly len: number;
  readonly what: string;
}

export interface layout_spec {
  readonly name: string;
  /** MMF_TOPDOWN (the 64-bit default) */
  readonly topdown: boolean;
  /** mmap_base; default as mmap_base() without randomisation */
  readonly mmap_base?: number;
  readonly maps: readonly layout_map[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const EMPTY_LAYOUT: layout_spec = { name: 'empty', topdown: true, maps: [] };

// Shared libraries of a QEMU process (x86_64 sizes of the ld.so reservation, Debian 12).
const LIBRARIES: readonly [string, number][] = [
  ['libc.so.6', 0x228000], ['libm.so.6', 0xf8000], ['libglib-2.0.so.0', 0x13e000], ['libgio-2.0.so.0', 0x1d2000],
  ['libgobject-2.0.so.0', 0x58000], ['libpixman-1.so.0', 0xa9000], ['libz.so.1', 0x1c000], ['libgnutls.so.30', 0x1c9000],
  ['libnuma.so.1', 0x10000], ['libaio.so.1', 0x4000], ['libpmem.so.1', 0x24000], ['libseccomp.so.2', 0x21000],
  ['libcap-ng.so.0', 0x7000], ['libfdt.so.1', 0xc000], ['libslirp.so.0', 0x2a000], ['libudev.so.1', 0x2e000],
  ['libgmodule-2.0.so.0', 0x6000], ['libpcre2-8.so.0', 0x97000], ['libzstd.so.1', 0xc6000], ['libp11-kit.so.0', 0x121000],
  ['libidn2.so.0', 0x24000], ['libunistring.so.2', 0x1b0000], ['libtasn1.so.6', 0x14000], ['libnettle.so.8', 0x3b000],
  ['libhogweed.so.6', 0x3d000], ['libgmp.so.10', 0x83000], ['libffi.so.8', 0xb000], ['libmount.so.1', 0x53000],
  ['libselinux.so.1', 0x2a000], ['libblkid.so.1', 0x43000],
];

/** ELF_ET_DYN_BASE without randomisation: where a PIE executable is loaded (2/3 of TASK_SIZE). */
function pie_base(arch: Arch): number {
  return ALIGN_DOWN(arch.task_size / 3 * 2, arch.page_size);
}

/** The executable, its heap and the stack: fixed places away from the mmap area. */
function fixed_maps(arch: Arch): layout_map[] {
  const exe = pie_base(arch);
  const page = arch.page_size;
  const text = ALIGN(0xa46000, page);
  return [
    { addr: exe, len: text, what: 'qemu-system-x86_64 (text, data)' },
    { addr: exe + text + ALIGN(0x1000000, page), len: ALIGN(0x2c000, page), what: '[heap]' },
    { addr: arch.task_size - ALIGN(0x21000, page), len: ALIGN(0x21000, page), what: '[stack]' },
  ];
}

/**
 * A QEMU-like 64-bit process without ASLR: ld.so, vvar and vdso, thirty shared libraries, two
 * malloc arenas, 4 GiB of guest RAM (placed with anonymous THP alignment), then the vCPU
 * threads' stacks, 8 MiB plus a guard page each, which leave the top of the free space
 * misaligned, as it is once a process has run.
 */
export function default_layout(arch: Arch): layout_spec {
  const page = arch.page_size;
  const lib = ([what, len]: readonly [string, number]): layout_map => ({ len: ALIGN(len, page), what });
  const maps: layout_map[] = [
    ...fixed_maps(arch),
    lib(['ld-linux-x86-64.so.2', 0x3b000]), lib(['[vvar]', 0x4000]), lib(['[vdso]', 0x2000]),
    ...LIBRARIES.map(lib),
    { len: 64 * MiB, what: 'malloc arena' }, { len: 64 * MiB, what: 'malloc arena' },
    { len: 4 * GiB, what: 'guest RAM' },
  ];
  for (let i = 0; i < 4; i++) maps.push({ len: 8 * MiB + page, what: `vCPU ${i} stack` });
  return { name: 'default', topdown: true, maps };
}

/** mmap_rnd_bits: CONFIG_ARCH_MMAP_RND_BITS defaults (x86_64 28; arm64 18, 16, 14 by granule). */
function mmap_rnd_bits(arch: Arch): number {
  if (arch.name === 'x86_64') return 28;
  return arch.page_size === 4 * KiB ? 18 : arch.page_size === 16 * KiB ? 16 : 14;
}

/**
 * n processes with ASLR from a seed: mmap_base moved down by up to 2^mmap_rnd_bits pages (as
 * arch_pick_mmap_layout() does), and a random mix of libraries, arenas, guest RAM and thread
 * stacks mapped in a random order.
 */
export function random_layouts(arch: Arch, n: number, seed: number): layout_spec[] {
  const random = mulberry32(seed);
  const pick = (k: number): number => Math.floor(random() * k);
  const page = arch.page_size;
  const top = empty_layout(arch).mmap_base;
  const out: layout_spec[] = [];
  for (let i = 0; i < n; i++) {
    const maps: layout_map[] = [];
    for (const [what, len] of LIBRARIES) if (random() < 0.7) maps.push({ len: ALIGN(len, page), what });
    for (let k = pick(4); k > 0; k--) maps.push({ len: 64 * MiB, what: 'malloc arena' });
    for (let k = 1 + pick(16); k > 0; k--) maps.push({ len: 8 * MiB + page, what: 'thread stack' });
    // anonymous buffers of random page-multiple sizes, 16 KiB .. 64 MiB
    for (let k = pick(8); k > 0; k--) maps.push({ len: ALIGN(Math.round(16 * KiB * 4096 ** random()), page), what: 'anonymous buffer' });
    maps.push({ len: (1 + pick(16)) * 512 * MiB, what: 'guest RAM' });
    for (let j = maps.length - 1; j > 0; j--) {
      const k = pick(j + 1);
      [maps[j], maps[k]] = [maps[k], maps[j]];
    }
    const mmap_base = top - pick(2 ** mmap_rnd_bits(arch)) * page;
    out.push({ name: `random ${seed}/${i + 1}`, topdown: true, mmap_base, maps: [...fixed_maps(arch), ...maps] });
  }
  return out;
}

/** VMAs given by address ([start, end) pairs), mapped with MAP_FIXED into an otherwise empty process. */
export function given_layout(arch: Arch, vmas: readonly (readonly [number, number])[]): layout_spec {
  const sorted = [...vmas].sort((a, b) => a[0] - b[0]);
  sorted.forEach(([s, e], i) => {
    if (s % arch.page_size || e % arch.page_size) throw new AlignInputError(`--vma ${hex(s)}-${hex(e)}: not ${arch.page_size}-byte aligned`);
    if (e <= s || s < arch.mmap_min_addr || e > arch.task_size) {
      throw new AlignInputError(`--vma ${hex(s)}-${hex(e)}: must be a non-empty range inside [${hex(arch.mmap_min_addr)}, ${hex(arch.task_size)})`);
    }
    if (i && s < sorted[i - 1][1]) throw new AlignInputError(`--vma ${hex(s)}-${hex(e)} overlaps ${hex(sorted[i - 1][0])}-${hex(sorted[i - 1][1])}`);
  });
  return { name: 'given', topdown: true, maps: sorted.map(([s, e]) => ({ addr: s, len: e - s, what: 'given VMA' })) };
}
