// Page and leaf sizes per architecture and granule, and the 64-bit layout constants: the only
// place in the model where sizes are written down (arch/x86/include/asm/page_64_types.h,
// arch/arm64/include/asm/pgtable-hwdef.h, mm/Kconfig ARCH_SUPPORTS_{PMD,PUD}_PFNMAP).

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/** The page-table levels that can hold a huge leaf. */
export type HugeLevel = 'pmd' | 'pud';

export interface Arch {
  readonly name: string;
  /** PAGE_SIZE: the size of a PTE leaf */
  readonly page_size: number;
  /** PMD_SIZE and PUD_SIZE: the sizes of the huge leaves */
  readonly pmd_size: number;
  readonly pud_size: number;
  /** PGDIR_SIZE: the span of one top-level entry, i.e. of one PUD table */
  readonly pgdir_size: number;
  /** levels that may hold PFN-map leaves: ARCH_SUPPORTS_PMD_PFNMAP / ARCH_SUPPORTS_PUD_PFNMAP */
  readonly pfnmap_levels: readonly HugeLevel[];
  /** TASK_SIZE of a 64-bit task */
  readonly task_size: number;
  /** TASK_UNMAPPED_BASE: where the bottom-up allocator starts */
  readonly task_unmapped_base: number;
  /** mmap_base() gap below the stack top without randomisation (MIN_GAP, mm/util.c) */
  readonly mmap_min_gap: number;
  /** vm.mmap_min_addr as distributions set it */
  readonly mmap_min_addr: number;
}

// x86_64 4-level paging: 512 entries per table, user space below 2^47 minus a guard page.
const X86_TASK_SIZE = 128 * TiB - 4 * KiB;

// arm64 with 48-bit user VA; PUD PFN maps need HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD, which
// arm64 does not select, so only PMD leaves are allowed for PFN maps.
const ARM64_TASK_SIZE = 256 * TiB;

function arm64(granule: number, entries: number): Arch {
  const pmd = granule * entries;
  const pud = pmd * entries;
  return {
    name: `arm64-${granule / KiB}k`,
    page_size: granule,
    pmd_size: pmd,
    pud_size: pud,
    pgdir_size: pud * entries,
    pfnmap_levels: ['pmd'],
    task_size: ARM64_TASK_SIZE,
    task_unmapped_base: ALIGN(ARM64_TASK_SIZE / 4, granule),
    mmap_min_gap: 128 * MiB,
    mmap_min_addr: 64 * KiB,
  };
}

export type ArchName = 'x86_64' | 'arm64-4k' | 'arm64-16k' | 'arm64-64k';

export const ARCHES: Readonly<Record<ArchName, Arch>> = {
  x86_64: {
    name: 'x86_64',
    page_size: 4 * KiB,
    pmd_size: 2 * MiB,
    pud_size: 1 * GiB,
    pgdir_size: 512 * GiB,
    pfnmap_levels: ['pmd', 'pud'],
    task_size: X86_TASK_SIZE,
    task_unmapped_base: ALIGN(X86_TASK_SIZE / 3, 4 * KiB),
    mmap_min_gap: 128 * MiB,
    mmap_min_addr: 64 * KiB,
  },
  /** 4K granule: PMD 2 MiB, PUD 1 GiB */
  'arm64-4k': arm64(4 * KiB, 512),
  /** 16K granule: PMD 32 MiB, PUD 64 GiB */
  'arm64-16k': arm64(16 * KiB, 2048),
  /** 64K granule: PMD 512 MiB, PUD 4 TiB */
  'arm64-64k': arm64(64 * KiB, 8192),
};

export const DEFAULT_ARCH: Arch = ARCHES.x86_64;

// Alignment with plain arithmetic: addresses and file offsets exceed 32 bits (never use `&`).

/** ALIGN(x, a): round up to a multiple of a */
export function ALIGN(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** ALIGN_DOWN(x, a) */
export function ALIGN_DOWN(x: number, a: number): number {
  return x - mod(x, a);
}

export function IS_ALIGNED(x: number, a: number): boolean {
  return mod(x, a) === 0;
}

/** x mod a, never negative (the kernel's unsigned `x & (a - 1)` for a power of two) */
export function mod(x: number, a: number): number {
  return ((x % a) + a) % a;
}

/** The order of a leaf size: log2(size / PAGE_SIZE). */
export function size_order(arch: Arch, size: number): number {
  return Math.round(Math.log2(size / arch.page_size));
}

/** PMD_ORDER */
export function pmd_order(arch: Arch): number {
  return size_order(arch, arch.pmd_size);
}

/** PUD_ORDER */
export function pud_order(arch: Arch): number {
  return size_order(arch, arch.pud_size);
}

/** PAGE_SIZE << order */
export function order_size(arch: Arch, order: number): number {
  return arch.page_size * 2 ** order;
}

/** The level whose leaves have this order, or null (order 0 is the PTE level). */
export function order_level(arch: Arch, order: number): 'pte' | HugeLevel | null {
  if (order === 0) return 'pte';
  if (order === pmd_order(arch)) return 'pmd';
  if (order === pud_order(arch)) return 'pud';
  return null;
}
