// mm_struct: the VMA tree, mmap_lock, the per-VMA lock and the 64-bit top-down layout
// (include/linux/mm_types.h, include/linux/mmap_lock.h, mm/mmap_lock.c, mm/vma.c).
import { Cell, Mutex, RwSem, Shared, atomic, check, kfunc, type Gen, type SharedObject } from '../engine/index.js';
import { DEFAULT_ARCH, type Arch } from './arch.js';
import { DEFAULT_KERNEL, type KernelVersion } from './version.js';
import { page_tables, hex } from './pgtable.js';
import { empty_layout, type mm_layout } from './unmapped_area.js';
import type { VmFlag, file, vm_area_struct, vma_lock_state } from './mm_types.js';

/** Lock classes of the mm for the engine's lock-order graph; drivers add their own. */
export const LOCK_CLASSES = {
  mmap_lock: 'mmap_lock',
  i_mmap_rwsem: 'i_mmap_rwsem',
  /** mm->page_table_lock: PUD and P4D entries (pud_lockptr) */
  page_table_lock: 'page_table_lock',
  /** split PTE and PMD table locks: one lockdep class, as ptlock_init() gives them */
  ptlock: 'ptlock',
} as const;

export interface mm_struct {
  readonly name: string;
  readonly arch: Arch;
  readonly kernel: KernelVersion;
  readonly mmap_lock: RwSem;
  /** mm_lock_seq: a VMA whose vm_lock_seq equals it is write-locked */
  readonly mm_lock_seq: Cell<number>;
  /** mm_mt: the VMAs in address order, never overlapping */
  readonly mm_mt: Shared<vm_area_struct[]>;
  readonly page_table_lock: Mutex;
  readonly pgtables: page_tables;
  readonly mmap_base: number;
  readonly task_size: number;
  /** MMF_TOPDOWN */
  readonly topdown: boolean;
  /** the task makes compat (32-bit) syscalls */
  readonly compat: boolean;
  /** MMF_DISABLE_THP (prctl PR_SET_THP_DISABLE) */
  readonly thp_disabled: boolean;
}

export interface mm_options {
  name?: string;
  arch?: Arch;
  kernel?: KernelVersion;
  /** mmap_base; default as mmap_base() without randomisation (top-down) or TASK_UNMAPPED_BASE */
  mmap_base?: number;
  topdown?: boolean;
  compat?: boolean;
  thp_disabled?: boolean;
}

/** mm_alloc(): a new mm with an empty VMA tree and an empty PGD (kernel/fork.c). */
export function mm_alloc(opts: mm_options = {}): mm_struct {
  const name = opts.name ?? 'mm';
  const arch = opts.arch ?? DEFAULT_ARCH;
  const topdown = opts.topdown ?? true;
  return {
    name,
    arch,
    kernel: opts.kernel ?? DEFAULT_KERNEL,
    mmap_lock: new RwSem(`${name}.mmap_lock`, { lockClass: LOCK_CLASSES.mmap_lock }),
    mm_lock_seq: new Cell(`${name}.mm_lock_seq`, 0),
    mm_mt: new Shared<vm_area_struct[]>(`${name}.mm_mt`, []),
    page_table_lock: new Mutex(`${name}.page_table_lock`, { lockClass: LOCK_CLASSES.page_table_lock, flavour: 'spinlock' }),
    pgtables: new page_tables(name, arch),
    mmap_base: opts.mmap_base ?? empty_layout(arch, { topdown }).mmap_base,
    task_size: arch.task_size,
    topdown,
    compat: opts.compat ?? false,
    thp_disabled: opts.thp_disabled ?? false,
  };
}

/** The layout the pure address allocators work on, for the given VMAs. */
export function mm_layout_of(mm: mm_struct, vmas: readonly vm_area_struct[]): mm_layout {
  return {
    arch: mm.arch,
    mmap_base: mm.mmap_base,
    task_size: mm.task_size,
    mmap_min_addr: mm.arch.mmap_min_addr,
    task_unmapped_base: mm.arch.task_unmapped_base,
    topdown: mm.topdown,
    compat: mm.compat,
    vmas: vmas.map((v) => ({ vm_start: v.vm_start, vm_end: v.vm_end })),
  };
}

/** A kernel BUG()/VM_BUG_ON() that fired: a failing assertion reported as a violation. */
export function* BUG(obj: SharedObject, what: string): Gen {
  yield* check([obj], what, () => `BUG: ${what}`);
}

// include/linux/mmap_lock.h
export const mmap_write_lock_killable = kfunc('mmap_write_lock_killable', function* (mm: mm_struct): Gen<number> {
  yield* mm.mmap_lock.writeLock();
  return 0;
});

// include/linux/mmap_lock.h: ends every VMA write lock of this mm at once.
const vma_end_write_all = kfunc('vma_end_write_all', function* (mm: mm_struct): Gen {
  yield* mm.mm_lock_seq.update((s) => s + 1);
});

// include/linux/mmap_lock.h
export const mmap_write_unlock = kfunc('mmap_write_unlock', function* (mm: mm_struct): Gen {
  yield* vma_end_write_all(mm);
  yield* mm.mmap_lock.writeUnlock();
});

// include/linux/mmap_lock.h
export const mmap_write_downgrade = kfunc('mmap_write_downgrade', function* (mm: mm_struct): Gen {
  yield* vma_end_write_all(mm);
  yield* mm.mmap_lock.downgrade();
});

// include/linux/mmap_lock.h
export const mmap_read_lock = kfunc('mmap_read_lock', function* (mm: mm_struct): Gen {
  yield* mm.mmap_lock.readLock();
});

// include/linux/mmap_lock.h
export const mmap_read_unlock = kfunc('mmap_read_unlock', function* (mm: mm_struct): Gen {
  yield* mm.mmap_lock.readUnlock();
});

/**
 * vm_area_alloc() + vma_set_range() + vm_flags_init() (mm/vma_init.c, mm/vma.h): a new VMA,
 * private to the calling thread until vma_iter_store_new() publishes it.
 */
export function vm_area_alloc(mm: mm_struct, start: number, end: number, pgoff: number, flags: Iterable<VmFlag>,
  vm_file: file | null): vm_area_struct {
  const name = `${mm.name}.vma[${hex(start)}-${hex(end)}]`;
  return {
    name,
    vm_mm: mm,
    vm_start: start,
    vm_end: end,
    vm_pgoff: pgoff,
    vm_flags: new Set(flags),
    vm_file,
    vm_ops: null,
    vm_private_data: undefined,
    vm_lock: new Cell<vma_lock_state>(`${name}.vm_lock`, { vm_lock_seq: -1, readers: 0, detached: true }),
  };
}

// mm/mmap_lock.c: __vma_start_write(); new readers fail from here, existing ones drain.
export const vma_start_write = kfunc('vma_start_write', function* (vma: vm_area_struct): Gen {
  const mm = vma.vm_mm;
  const readers = yield* atomic({ reads: [mm.mm_lock_seq], writes: [vma.vm_lock] }, 'vm_lock_seq = mm_lock_seq', () => {
    const s = vma.vm_lock.value;
    vma.vm_lock.value = { ...s, vm_lock_seq: mm.mm_lock_seq.value };
    return s.readers;
  });
  if (readers > 0) yield* vma.vm_lock.until((s) => s.readers === 0, 'wait for VMA readers');
});

// include/linux/mmap_lock.h: vma_mark_detached(); the VMA is write-locked, readers are gone.
export const vma_mark_detached = kfunc('vma_mark_detached', function* (vma: vm_area_struct): Gen {
  yield* vma.vm_lock.update((s) => ({ ...s, detached: true }));
});

// mm/mmap_lock.c: vma_start_read(); null when write-locked, 'EAGAIN' when detached.
const vma_start_read = kfunc('vma_start_read', function* (mm: mm_struct, vma: vm_area_struct): Gen<vm_area_struct | null | 'EAGAIN'> {
  return yield* atomic({ reads: [mm.mm_lock_seq], writes: [vma.vm_lock] }, 'vm_refcnt++ unless write-locked', () => {
    const s = vma.vm_lock.value;
    if (s.detached) return 'EAGAIN' as const;
    if (s.vm_lock_seq === mm.mm_lock_seq.value) return null;
    vma.vm_lock.value = { ...s, readers: s.readers + 1 };
    return vma;
  });
});

// include/linux/mmap_lock.h
export const vma_end_read = kfunc('vma_end_read', function* (vma: vm_area_struct): Gen {
  yield* vma.vm_lock.update((s) => ({ ...s, readers: s.readers - 1 }));
});

function covering(vmas: readonly vm_area_struct[], addr: number): vm_area_struct | null {
  return vmas.find((v) => v.vm_start <= addr && addr < v.vm_end) ?? null;
}

/**
 * lock_vma_under_rcu() (mm/mmap_lock.c): find the VMA under RCU and read-lock it. When it was
 * detached the kernel walks the tree again; every such retry before mmap_write_unlock() meets
 * the detached VMA, the write-locked new one or none, so the model goes straight to the
 * caller's mmap_lock fallback, which is where each of those retries ends.
 */
export const lock_vma_under_rcu = kfunc('lock_vma_under_rcu', function* (mm: mm_struct, address: number): Gen<vm_area_struct | null> {
  const vma = yield* atomic({ reads: [mm.mm_mt] }, 'mas_walk', () => covering(mm.mm_mt.value, address));
  if (!vma) return null;
  const locked = yield* vma_start_read(mm, vma);
  return locked === 'EAGAIN' ? null : locked;
});

// mm/vma.c: find_vma(), the first VMA ending above addr (caller holds mmap_lock).
export const find_vma = kfunc('find_vma', function* (mm: mm_struct, addr: number): Gen<vm_area_struct | null> {
  return yield* atomic({ reads: [mm.mm_mt] }, 'find_vma', () => mm.mm_mt.value.find((v) => v.vm_end > addr) ?? null);
});

// mm/mmap_lock.c: lock_mm_and_find_vma() without stack expansion.
export const lock_mm_and_find_vma = kfunc('lock_mm_and_find_vma', function* (mm: mm_struct, addr: number): Gen<vm_area_struct | null> {
  yield* mmap_read_lock(mm);
  const vma = yield* find_vma(mm, addr);
  if (vma && vma.vm_start <= addr) return vma;
  yield* mmap_read_unlock(mm);
  return null;
});

// mm/vma.h: vma_iter_store_new() + vma_mark_attached(); stores over the range [vm_start, vm_end).
export const vma_iter_store_new = kfunc('vma_iter_store_new', function* (vma: vm_area_struct): Gen {
  const mm = vma.vm_mm;
  yield* atomic({ writes: [mm.mm_mt, vma.vm_lock] }, 'vma_iter_store_new', () => {
    const rest = mm.mm_mt.value.filter((v) => v.vm_end <= vma.vm_start || v.vm_start >= vma.vm_end);
    mm.mm_mt.value = [...rest, vma].sort((a, b) => a.vm_start - b.vm_start);
    vma.vm_lock.value = { ...vma.vm_lock.value, detached: false };
  });
});

// mm/vma.h: vma_iter_clear_gfp(); the range leaves the VMA tree.
export const vma_iter_clear_gfp = kfunc('vma_iter_clear_gfp', function* (mm: mm_struct, start: number, end: number): Gen {
  yield* atomic({ writes: [mm.mm_mt] }, 'vma_iter_clear_gfp', () => {
    mm.mm_mt.value = mm.mm_mt.value.filter((v) => v.vm_end <= start || v.vm_start >= end);
  });
});
