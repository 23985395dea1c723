// The alignment proposals of kernel.md section 6, each plugged in where it would live: a file's
// ->get_unmapped_area, a rule in the mm's __get_unmapped_area(), or user space reserving address
// space and mapping with MAP_FIXED. All of them choose through the model's allocators.
//
// The model's __get_unmapped_area() has no slot for mm-side rules; they sit in the device file's
// ->get_unmapped_area, which is the same place in the search order: the proposals run their
// rule only for files without a ->get_unmapped_area of their own, and the device file has none.
import {
  ALIGN, IS_ERR_VALUE, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE, __thp_get_unmapped_area,
  __vm_munmap, mm_get_unmapped_area_vmflags, mm_layout_of, mod, order_size, pmd_order, pud_order, thp_get_unmapped_area,
  vm_mmap_pgoff, vm_unmapped_area, type Arch, type file, type mm_layout, type mm_struct,
} from '../linux/index.js';
import { atomic, type Gen } from '../engine/index.js';
import { device_pgoff, largest_fitting_leaf, leaf_sizes, offset_in_region, region_at, type get_unmapped_area_fn, type mapping, type region } from './device.js';
import { lowest_set_bit } from './sizes.js';

export const POLICY_NAMES = [
  'none', 'thp-pmd', 'vfio-hook', 'mapping-order', 'length-only', 'pfn-congruent', 'qemu-9.2', 'qemu-offset', 'best',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface policy {
  readonly name: PolicyName;
  /** who proposed it, and when */
  readonly who: string;
  readonly where: 'mainline' | 'file hook' | 'mm' | 'user space' | 'bound';
  readonly rule: string;
  /** the device file's ->get_unmapped_area (file hooks and mm-side rules) */
  readonly get_unmapped_area?: get_unmapped_area_fn;
  /** how the process maps one range; by default mmap(NULL, length, ..., MAP_SHARED, fd, offset) */
  readonly map?: (mm: mm_struct, file: file, m: mapping) => Gen<number>;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** The plain mmap(2) of one range: no hint, the kernel chooses. */
export function* mmap_device(mm: mm_struct, file: file, m: mapping, addr = 0, flags = 0): Gen<number> {
  return yield* vm_mmap_pgoff(mm, file, addr, m.length, PROT_READ | PROT_WRITE, MAP_SHARED | flags, device_pgoff(mm.arch, m.offset));
}

/** __thp_get_unmapped_area() for each size in turn, largest first; 0 if every size gave up. */
function aligned_to(file: file | null, addr: number, len: number, off: number, flags: number, sizes: readonly number[],
  mm: mm_layout): number {
  for (const size of sizes) {
    const ret = __thp_get_unmapped_area(file, addr, len, off, flags, size, mm);
    if (ret) return ret;
  }
  return 0;
}

/**
 * Peter Xu's v1 (June 2025) vfio_pci_core_get_unmapped_area(): PUD if the mapped part of the
 * BAR is at least PUD_SIZE, then PMD, each aligned to the physical address
 * (mm_get_unmapped_area_aligned(), the renamed __thp_get_unmapped_area()).
 */
function vfio_pci_core_get_unmapped_area(file: file | null, addr: number, len: number, pgoff: number, flags: number,
  mm: mm_layout): number {
  const arch = mm.arch;
  const bar = region_at(file, pgoff);
  const req_start = offset_in_region(arch, pgoff);
  if (bar && req_start < ALIGN(bar.size, arch.page_size)) {
    const phys_len = Math.min(ALIGN(bar.size, arch.page_size), len);
    const sizes = leaf_sizes(arch).filter((s) => phys_len >= s);
    const ret = aligned_to(file, addr, len, bar.phys + req_start, flags, sizes, mm);
    if (ret) return ret;
  }
  return mm_get_unmapped_area_vmflags(file, addr, len, pgoff, flags, mm);
}

/** Peter Xu's v2 (Dec 2025) vfio_pci_core_get_mapping_order(): PUD or PMD order by the length left in the BAR. */
export function vfio_pci_core_get_mapping_order(file: file | null, pgoff: number, len: number, arch: Arch): number {
  const bar = region_at(file, pgoff);
  if (!bar) return 0;
  const req_start = offset_in_region(arch, pgoff);
  let phys_len = ALIGN(bar.size, arch.page_size);
  if (req_start >= phys_len) return 0;
  phys_len = Math.min(phys_len - req_start, len);
  if (arch.pfnmap_levels.includes('pud') && phys_len >= arch.pud_size) return pud_order(arch);
  if (arch.pfnmap_levels.includes('pmd') && phys_len >= arch.pmd_size) return pmd_order(arch);
  return 0;
}

/**
 * Peter Xu's v2 __get_unmapped_area(): with no hint, ask f_op->get_mapping_order() and align
 * va to pgoff modulo that size through thp_get_unmapped_area_vmflags(), which falls back to
 * no alignment at all when the file range holds no whole aligned chunk.
 */
function mapping_order_get_unmapped_area(file: file | null, addr: number, len: number, pgoff: number, flags: number,
  mm: mm_layout): number {
  if (addr) return mm_get_unmapped_area_vmflags(file, addr, len, pgoff, flags, mm);
  const align = order_size(mm.arch, vfio_pci_core_get_mapping_order(file, pgoff, len, mm.arch));
  return __thp_get_unmapped_area(file, addr, len, pgoff * mm.arch.page_size, flags, align, mm) ||
    mm_get_unmapped_area_vmflags(file, addr, len, pgoff, flags, mm);
}

/**
 * Matthew Wilcox (June 2026): the mm alone, from the length: align to the largest leaf size
 * not above it, with no driver input and no file offset (va ≡ 0).
 */
function length_only_get_unmapped_area(file: file | null, addr: number, len: number, pgoff: number, flags: number,
  mm: mm_layout): number {
  const sizes = addr ? [] : leaf_sizes(mm.arch).filter((s) => len >= s);
  return aligned_to(file, addr, len, 0, flags, sizes.slice(0, 1), mm) || mm_get_unmapped_area_vmflags(file, addr, len, pgoff, flags, mm);
}

/** The driver's declaration in Jason Gunthorpe's proposal: the physical range behind (pgoff, len). */
export function vfio_pfn_range(file: file | null, pgoff: number, len: number, arch: Arch): region | null {
  const bar = region_at(file, pgoff);
  const req_start = offset_in_region(arch, pgoff);
  const bar_len = bar ? ALIGN(bar.size, arch.page_size) : 0;
  if (!bar || req_start >= bar_len) return null;
  return { phys: bar.phys + req_start, size: Math.min(len, bar_len - req_start) };
}

/**
 * Jason Gunthorpe (June 2026): the driver declares the physical range, the mm picks the largest
 * leaf size the arch supports that fits in it, with va ≡ pa.
 */
function pfn_congruent_get_unmapped_area(file: file | null, addr: number, len: number, pgoff: number, flags: number,
  mm: mm_layout): number {
  const decl = addr ? null : vfio_pfn_range(file, pgoff, len, mm.arch);
  const sizes = decl ? leaf_sizes(mm.arch).filter((s) => decl.size >= s) : [];
  return (decl && aligned_to(file, addr, len, decl.phys, flags, sizes, mm)) ||
    mm_get_unmapped_area_vmflags(file, addr, len, pgoff, flags, mm);
}

/**
 * QEMU's reserve-and-place (hw/vfio/region.c vfio_region_mmap): an anonymous PROT_NONE
 * reservation of length + align, then the region mapped with MAP_FIXED at the first address in
 * it congruent to `target` modulo align. QEMU unmaps the head and tail and maps over the middle;
 * the model unmaps the whole reservation first (it does not split VMAs), which leaves the same
 * layout.
 */
function* reserve_and_place(mm: mm_struct, file: file, m: mapping, align: number, target: number): Gen<number> {
  const reserve = m.length + align;
  const base = yield* vm_mmap_pgoff(mm, null, 0, reserve, 0, MAP_PRIVATE | MAP_ANONYMOUS, 0);
  if (IS_ERR_VALUE(base)) return base;
  const va = base + mod(target - base, align);
  yield* __vm_munmap(mm, base, reserve, true);
  return yield* mmap_device(mm, file, m, va, MAP_FIXED);
}

/**
 * The address giving the fewest leaves, in a free hole: va ≡ pa modulo the largest leaf size
 * with an aligned block inside the physical range (no larger leaf fits at any address).
 */
function* best_map(mm: mm_struct, file: file, m: mapping): Gen<number> {
  const layout = yield* atomic({ reads: [mm.mm_mt] }, 'current->mm layout', () => mm_layout_of(mm, mm.mm_mt.value));
  const pa = region_at(file, device_pgoff(mm.arch, m.offset))!.phys + m.offset;
  const align = largest_fitting_leaf(mm.arch, pa, m.length);
  const va = vm_unmapped_area({
    topdown: layout.topdown, length: m.length, align, align_offset: mod(pa, align),
    low_limit: layout.topdown ? mm.arch.page_size : layout.mmap_base,
    high_limit: layout.topdown ? layout.mmap_base : layout.task_size,
  }, layout);
  if (IS_ERR_VALUE(va)) return va;
  return yield* mmap_device(mm, file, m, va, MAP_FIXED);
}

export const POLICIES: Readonly<Record<PolicyName, policy>> = {
  none: {
    name: 'none', who: 'mainline since 34d7cf637c43', where: 'mainline',
    rule: 'no ->get_unmapped_area: the generic allocator, page alignment only',
  },
  'thp-pmd': {
    name: 'thp-pmd', who: 'Anthony Pighin, Jun 2026', where: 'file hook',
    rule: '->get_unmapped_area = thp_get_unmapped_area: va ≡ file offset mod PMD_SIZE',
    get_unmapped_area: thp_get_unmapped_area,
  },
  'vfio-hook': {
    name: 'vfio-hook', who: 'Peter Xu v1, Jun 2025', where: 'file hook',
    rule: 'VFIO ->get_unmapped_area: PUD if the mapped length ≥ PUD_SIZE, then PMD; va ≡ pa',
    get_unmapped_area: vfio_pci_core_get_unmapped_area,
  },
  'mapping-order': {
    name: 'mapping-order', who: 'Peter Xu v2, Dec 2025', where: 'mm',
    rule: 'f_op->get_mapping_order(file, pgoff, len) gives an order; the mm aligns va ≡ pgoff mod its size',
    get_unmapped_area: mapping_order_get_unmapped_area,
  },
  'length-only': {
    name: 'length-only', who: 'Matthew Wilcox, Jun 2026', where: 'mm',
    rule: 'the mm alone: align to the largest leaf size ≤ len, va ≡ 0 (no driver input, no pgoff)',
    get_unmapped_area: length_only_get_unmapped_area,
  },
  'pfn-congruent': {
    name: 'pfn-congruent', who: 'Jason Gunthorpe, Jun 2026', where: 'mm',
    rule: 'the driver declares start PFN and size; the mm takes the largest leaf size that fits, va ≡ pa',
    get_unmapped_area: pfn_congruent_get_unmapped_area,
  },
  'qemu-9.2': {
    name: 'qemu-9.2', who: 'QEMU 00b519c0bca0 (Alex Williamson, 2024)', where: 'user space',
    rule: 'reserve len + align, align = min(2^ctz(len), 1 GiB), va ≡ 0 mod align, then MAP_FIXED',
    map: (mm, file, m) => reserve_and_place(mm, file, m, Math.min(lowest_set_bit(m.length), GiB), 0),
  },
  'qemu-offset': {
    name: 'qemu-offset', who: 'QEMU patches, 2026', where: 'user space',
    rule: 'reserve len + align, align = 1 GiB, 2 MiB or a page by len, va ≡ region offset mod align, then MAP_FIXED',
    map: (mm, file, m) => {
      const align = m.length >= GiB ? GiB : m.length >= 2 * MiB ? 2 * MiB : mm.arch.page_size;
      return reserve_and_place(mm, file, m, align, m.offset);
    },
  },
  best: {
    name: 'best', who: 'lower bound', where: 'bound',
    rule: 'va ≡ pa modulo the largest leaf size that fits in the physical range: the fewest leaves any address gives',
    map: best_map,
  },
};
