// Choosing the address of a new mapping: pure functions over a snapshot of the mm's layout, so
// that an alignment analysis can call them outside exploration (mm/mmap.c, mm/vma.c,
// mm/huge_memory.c). The kernel reads current->mm; these take the layout as their last argument.
import { ALIGN, ALIGN_DOWN, IS_ALIGNED, mod, type Arch } from './arch.js';
import { EINVAL, ENOMEM, IS_ERR_VALUE, MAP_FIXED, MAP_SHARED, type file } from './mm_types.js';

export interface mm_layout {
  readonly arch: Arch;
  readonly mmap_base: number;
  readonly task_size: number;
  readonly mmap_min_addr: number;
  readonly task_unmapped_base: number;
  /** MMF_TOPDOWN */
  readonly topdown: boolean;
  /** in_compat_syscall() */
  readonly compat: boolean;
  /** the mapped ranges, in address order */
  readonly vmas: readonly { readonly vm_start: number; readonly vm_end: number }[];
}

/** The layout of an empty 64-bit top-down address space of arch. */
export function empty_layout(arch: Arch, changes: Partial<Omit<mm_layout, 'arch'>> = {}): mm_layout {
  const topdown = changes.topdown ?? true;
  return {
    arch,
    mmap_base: topdown ? arch.task_size - arch.mmap_min_gap : arch.task_unmapped_base,
    task_size: arch.task_size,
    mmap_min_addr: arch.mmap_min_addr,
    task_unmapped_base: arch.task_unmapped_base,
    topdown,
    compat: false,
    vmas: [],
    ...changes,
  };
}

/** struct vm_unmapped_area_info; `align` is align_mask + 1 (0: page alignment only). */
export interface vm_unmapped_area_info {
  readonly topdown: boolean;
  readonly length: number;
  readonly low_limit: number;
  readonly high_limit: number;
  readonly align: number;
  readonly align_offset: number;
}

/** The holes between mappings, in address order. */
function gaps(mm: mm_layout): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (const v of mm.vmas) {
    if (v.vm_start > start) out.push([start, v.vm_start]);
    start = Math.max(start, v.vm_end);
  }
  out.push([start, Number.MAX_SAFE_INTEGER]);
  return out;
}

/** unmapped_area() (mm/vma.c): the lowest hole of [low_limit, high_limit) that fits. */
export function unmapped_area(info: vm_unmapped_area_info, mm: mm_layout): number {
  const mask = info.align ? info.align - 1 : 0;
  const length = info.length + mask;
  const low = Math.max(info.low_limit, mm.mmap_min_addr);
  for (const [s, e] of gaps(mm)) {
    const from = Math.max(s, low), to = Math.min(e, info.high_limit);
    if (to - from < length) continue;
    return info.align ? from + mod(info.align_offset - from, info.align) : from;
  }
  return -ENOMEM;
}

/** unmapped_area_topdown() (mm/vma.c): the highest hole of [low_limit, high_limit) that fits. */
export function unmapped_area_topdown(info: vm_unmapped_area_info, mm: mm_layout): number {
  const mask = info.align ? info.align - 1 : 0;
  const length = info.length + mask;
  const low = Math.max(info.low_limit, mm.mmap_min_addr);
  for (const [s, e] of gaps(mm).reverse()) {
    const from = Math.max(s, low), to = Math.min(e, info.high_limit);
    if (to - from < length) continue;
    const gap = to - info.length;
    return info.align ? gap - mod(gap - info.align_offset, info.align) : gap;
  }
  return -ENOMEM;
}

/** vm_unmapped_area() (mm/mmap.c) */
export function vm_unmapped_area(info: vm_unmapped_area_info, mm: mm_layout): number {
  return info.topdown ? unmapped_area_topdown(info, mm) : unmapped_area(info, mm);
}

/**
 * The start both generic allocators share: a length that cannot fit, MAP_FIXED, or a free hint
 * (rounded up to a page) decide the address; null means "search".
 */
function fixed_or_hint(addr: number, len: number, flags: number, mm: mm_layout): number | null {
  if (len > mm.task_size - mm.mmap_min_addr) return -ENOMEM;
  if (flags & MAP_FIXED) return addr;
  if (!addr) return null;
  addr = ALIGN(addr, mm.arch.page_size);
  const next = mm.vmas.find((v) => v.vm_end > addr);
  const prev = [...mm.vmas].reverse().find((v) => v.vm_end <= addr);
  const fits = mm.task_size - len >= addr && addr >= mm.mmap_min_addr &&
    (!next || addr + len <= next.vm_start) && (!prev || addr >= prev.vm_end);
  return fits ? addr : null;
}

/** generic_get_unmapped_area() (mm/mmap.c): bottom-up, for the legacy layout. */
export function generic_get_unmapped_area(_filp: file | null, addr: number, len: number, _pgoff: number,
  flags: number, mm: mm_layout): number {
  return fixed_or_hint(addr, len, flags, mm) ??
    vm_unmapped_area({ topdown: false, length: len, low_limit: mm.mmap_base, high_limit: mm.task_size, align: 0, align_offset: 0 }, mm);
}

/** generic_get_unmapped_area_topdown() (mm/mmap.c): below mmap_base, highest hole first. */
export function generic_get_unmapped_area_topdown(_filp: file | null, addr: number, len: number, _pgoff: number,
  flags: number, mm: mm_layout): number {
  const decided = fixed_or_hint(addr, len, flags, mm);
  if (decided !== null) return decided;
  const found = vm_unmapped_area({
    topdown: true, length: len, low_limit: mm.arch.page_size, high_limit: mm.mmap_base, align: 0, align_offset: 0,
  }, mm);
  if (!IS_ERR_VALUE(found)) return found;
  // a failed top-down search falls back to bottom-up from TASK_UNMAPPED_BASE
  return vm_unmapped_area({
    topdown: false, length: len, low_limit: mm.task_unmapped_base, high_limit: mm.task_size, align: 0, align_offset: 0,
  }, mm);
}

/** mm_get_unmapped_area_vmflags() (mm/mmap.c) */
export function mm_get_unmapped_area_vmflags(filp: file | null, addr: number, len: number, pgoff: number,
  flags: number, mm: mm_layout): number {
  return mm.topdown
    ? generic_get_unmapped_area_topdown(filp, addr, len, pgoff, flags, mm)
    : generic_get_unmapped_area(filp, addr, len, pgoff, flags, mm);
}

/**
 * __thp_get_unmapped_area() (mm/huge_memory.c): ask for len + size and shift the start so
 * that va is congruent to the file offset modulo size. 0 means "gave up".
 */
export function __thp_get_unmapped_area(filp: file | null, addr: number, len: number, off: number,
  flags: number, size: number, mm: mm_layout): number {
  const off_end = off + len;
  const off_align = ALIGN(off, size);
  if (mm.compat) return 0;
  if (off_end <= off_align || off_end - off_align < size) return 0;
  // the kernel's overflow checks of len + size cannot trigger with 53-bit lengths
  const len_pad = len + size;
  const ret = mm_get_unmapped_area_vmflags(filp, addr, len_pad, off / mm.arch.page_size, flags, mm);
  if (IS_ERR_VALUE(ret)) return 0;
  // no alignment when the hint (or MAP_FIXED address) was taken as it is
  if (ret === addr) return addr;
  const off_sub = mod(off - ret, size);
  if (mm.topdown && !off_sub) return ret + size;
  return ret + off_sub;
}

/** thp_get_unmapped_area() (mm/huge_memory.c): a file's ->get_unmapped_area aligning to PMD_SIZE. */
export function thp_get_unmapped_area(filp: file | null, addr: number, len: number, pgoff: number,
  flags: number, mm: mm_layout): number {
  const ret = __thp_get_unmapped_area(filp, addr, len, pgoff * mm.arch.page_size, flags, mm.arch.pmd_size, mm);
  if (ret) return ret;
  return mm_get_unmapped_area_vmflags(filp, addr, len, pgoff, flags, mm);
}

/** round_hint_to_min() (mm/mmap.c) */
export function round_hint_to_min(hint: number, mm: mm_layout): number {
  hint = ALIGN_DOWN(hint, mm.arch.page_size);
  if (hint && hint < mm.mmap_min_addr) return ALIGN(mm.mmap_min_addr, mm.arch.page_size);
  return hint;
}

/**
 * __get_unmapped_area() (mm/mmap.c): the file's ->get_unmapped_area if it has one, THP
 * alignment for large anonymous mappings without a hint, otherwise the generic allocator.
 */
export function __get_unmapped_area(file: file | null, addr: number, len: number, pgoff: number,
  flags: number, mm: mm_layout): number {
  if (len > mm.task_size) return -ENOMEM;
  const get_area = file?.f_op.get_unmapped_area;
  if (!file && flags & MAP_SHARED) throw new Error('not modelled: shared anonymous mappings (shmem_get_unmapped_area)');
  if (!file) pgoff = 0;
  if (get_area) addr = get_area(file, addr, len, pgoff, flags, mm);
  else if (!file && !addr && IS_ALIGNED(len, mm.arch.pmd_size)) addr = thp_get_unmapped_area(file, addr, len, pgoff, flags, mm);
  else addr = mm_get_unmapped_area_vmflags(file, addr, len, pgoff, flags, mm);
  if (IS_ERR_VALUE(addr)) return addr;
  if (addr > mm.task_size - len) return -ENOMEM;
  if (!IS_ALIGNED(addr, mm.arch.page_size)) return -EINVAL;
  return addr;
}
