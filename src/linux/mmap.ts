// mmap and munmap: vm_mmap_pgoff -> do_mmap -> mmap_region -> __mmap_region (mm/util.c,
// mm/mmap.c, mm/vma.c) with both driver interfaces, the mmap_action completion of both API
// generations (mm/util.c), and __vm_munmap -> do_vmi_munmap (mm/vma.c).
import { atomic, kfunc, type Gen } from '../engine/index.js';
import { ALIGN, IS_ALIGNED } from './arch.js';
import {
  mm_layout_of, mmap_read_unlock, mmap_write_downgrade, mmap_write_lock_killable, mmap_write_unlock,
  vm_area_alloc, vma_iter_clear_gfp, vma_iter_store_new, vma_mark_detached, vma_start_write, type mm_struct,
} from './mm.js';
import { i_mmap_lock_write, i_mmap_unlock_write, vma_interval_tree_insert } from './fs.js';
import { do_remap_pfn_range, free_pgtables, get_remap_pgoff, unmap_vmas } from './memory.js';
import { __get_unmapped_area, round_hint_to_min } from './unmapped_area.js';
import {
  EACCES, EEXIST, EFAULT, EINVAL, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE,
  PROT_EXEC, PROT_READ, PROT_WRITE, VM_REMAP_FLAGS, IS_ERR_VALUE, is_cow_mapping,
  type VmFlag, type file, type mmap_action, type private_ref, type vm_area_desc, type vm_area_struct, type vm_operations_struct,
} from './mm_types.js';

/** struct mmap_state (mm/vma.c), with the munmap state of VMAs a MAP_FIXED mapping replaces. */
interface mmap_state {
  readonly mm: mm_struct;
  readonly addr: number;
  readonly end: number;
  pgoff: number;
  vm_flags: Set<VmFlag>;
  file: file | null;
  vm_ops: vm_operations_struct | null;
  vm_private_data: unknown;
  hold_file_rmap_lock: boolean;
  /** VMAs detached by __mmap_setup() (vms->...) */
  detached: vm_area_struct[];
  /** the neighbours' bounds: prev->vm_end and next->vm_start, 0 when there is none */
  unmap_start: number;
  unmap_end: number;
}

/** The VMAs overlapping [start, end) and the neighbours around them, in one read of the tree. */
function* vma_find_range(mm: mm_struct, start: number, end: number): Gen<{ vmas: vm_area_struct[]; unmap_start: number; unmap_end: number }> {
  return yield* atomic({ reads: [mm.mm_mt] }, 'vma_find', () => {
    const all = mm.mm_mt.value;
    const vmas = all.filter((v) => v.vm_start < end && v.vm_end > start);
    const prev = all.filter((v) => v.vm_end <= start).pop();
    const next = all.find((v) => v.vm_start >= end);
    return { vmas, unmap_start: prev ? prev.vm_end : 0, unmap_end: next ? next.vm_start : 0 };
  });
}

// mm/vma.c: unmap_region(); zap while the VMAs are still in i_mmap, then unlink and free tables.
export const unmap_region = kfunc('unmap_region', function* (vmas: readonly vm_area_struct[], start: number, end: number,
  pg_start: number, pg_end: number): Gen {
  yield* unmap_vmas(vmas, start, end);
  yield* free_pgtables(vmas, pg_start, pg_end);
});

// mm/internal.h: vma_close(); the ops become vma_dummy_vm_ops so it runs once.
const vma_close = kfunc('vma_close', function* (vma: vm_area_struct): Gen {
  const close = vma.vm_ops?.close;
  if (close) {
    yield* close(vma);
    vma.vm_ops = null;
  }
});

// mm/vma.c: vms_gather_munmap_vmas(); whole VMAs only (splitting is not modelled).
const vms_gather_munmap_vmas = kfunc('vms_gather_munmap_vmas', function* (vmas: readonly vm_area_struct[], start: number,
  end: number): Gen {
  for (const vma of vmas) {
    if (vma.vm_start < start || vma.vm_end > end) throw new Error('not modelled: unmapping part of a VMA (__split_vma)');
    yield* vma_start_write(vma);
    yield* vma_mark_detached(vma);
  }
});

// mm/vma.c: vms_clear_ptes() -> unmap_region() over the detached VMAs.
const vms_clear_ptes = kfunc('vms_clear_ptes', function* (vmas: readonly vm_area_struct[], start: number, end: number,
  unmap_start: number, unmap_end: number): Gen {
  if (vmas.length) yield* unmap_region(vmas, start, end, unmap_start, unmap_end);
});

// mm/vma.c: __mmap_setup(); with MAP_FIXED the VMAs in the way are detached and zapped now.
const __mmap_setup = kfunc('__mmap_setup', function* (map: mmap_state): Gen<number> {
  const found = yield* vma_find_range(map.mm, map.addr, map.end);
  map.unmap_start = found.unmap_start;
  map.unmap_end = found.unmap_end;
  if (found.vmas.length) {
    yield* vms_gather_munmap_vmas(found.vmas, map.addr, map.end);
    map.detached = found.vmas;
    // vms_clean_up_area(): zap while still in i_mmap, then the vm_ops->close hooks
    yield* vms_clear_ptes(found.vmas, map.addr, map.end, map.unmap_start, map.unmap_end);
    for (const vma of found.vmas) yield* vma_close(vma);
  }
  return 0;
});

/** mmap_action_remap() and friends (include/linux/mm.h) for ->mmap_prepare(). */
export function mmap_action_remap(desc: vm_area_desc, start: number, start_pfn: number, size: number): void {
  desc.action.type = 'MMAP_REMAP_PFN';
  desc.action.remap = { start, start_pfn, size };
}

/** mmap_action_ioremap(): the same with the arch's I/O PFN fix-up (none on x86_64 and arm64). */
export function mmap_action_ioremap(desc: vm_area_desc, start: number, start_pfn: number, size: number): void {
  desc.action.type = 'MMAP_IO_REMAP_PFN';
  desc.action.remap = { start, start_pfn, size };
}

/** mmap_action_ioremap_full(): the whole range of the desc. */
export function mmap_action_ioremap_full(desc: vm_area_desc, start_pfn: number): void {
  mmap_action_ioremap(desc, desc.start, start_pfn, desc.end - desc.start);
}

/**
 * mmap_action_prepare() (mm/util.c): a remap sets VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP and
 * an IO remap becomes a plain one (io_remap_pfn_range_prepare(), mm/internal.h).
 * mm tree 2026: check_mmap_action() rejects an error_override that is not an error, and
 * remap_pfn_range_prepare() (mm/memory.c) fails a range outside the desc (range_in_vma_desc)
 * and a copy-on-write remap not covering it. 6.19/7.0: it returns nothing, and
 * remap_pfn_range_prepare(desc, pfn) checks copy-on-write against the whole desc only.
 */
export function mmap_action_prepare(desc: vm_area_desc): number {
  const action = desc.action;
  const can_fail = desc.mm.kernel.mmap_action_prepare_can_fail;
  const is_cow = is_cow_mapping(desc.vm_flags);
  // check_mmap_action()
  if (can_fail && action.error_override && !IS_ERR_VALUE(action.error_override)) return -EINVAL;
  if (action.type === 'MMAP_NOTHING') return 0;
  if (can_fail) {
    const start = action.remap.start, end = start + action.remap.size;
    if (start < desc.start || end > desc.end) return -EFAULT;
    const err = get_remap_pgoff(is_cow, start, end, desc.start, desc.end);
    if (err) return err;
  } else {
    get_remap_pgoff(is_cow, desc.start, desc.end, desc.start, desc.end);
  }
  for (const f of VM_REMAP_FLAGS) desc.vm_flags.add(f);
  action.type = 'MMAP_REMAP_PFN';
  return 0;
}

// mm/vma.c: call_mmap_prepare() -> vfs_mmap_prepare() -> f_op->mmap_prepare(desc).
const call_mmap_prepare = kfunc('call_mmap_prepare', function* (map: mmap_state, desc: vm_area_desc): Gen<number> {
  let err = yield* map.file!.f_op.mmap_prepare!(desc);
  if (err) return err;
  // call_action_prepare()
  err = mmap_action_prepare(desc);
  if (err) return err;
  if (desc.action.hide_from_rmap_until_complete) map.hold_file_rmap_lock = true;
  map.pgoff = desc.pgoff;
  map.file = desc.vm_file;
  map.vm_flags = desc.vm_flags;
  map.vm_ops = desc.vm_ops;
  map.vm_private_data = desc.private_data;
  return 0;
});

// mm/internal.h: mmap_file() -> call_mmap() -> f_op->mmap(file, vma).
const mmap_file = kfunc('mmap_file', function* (file: file, vma: vm_area_struct): Gen<number> {
  const err = yield* file.f_op.mmap!(file, vma);
  if (err) vma.vm_ops = null;
  return err;
});

// mm/vma.c: __mmap_new_file_vma(); the legacy ->mmap, undone by unmap_region() if it fails.
const __mmap_new_file_vma = kfunc('__mmap_new_file_vma', function* (map: mmap_state, vma: vm_area_struct): Gen<number> {
  const file = map.file!;
  vma.vm_file = file;
  if (!file.f_op.mmap) return 0;
  const err = yield* mmap_file(file, vma);
  if (err) {
    vma.vm_file = null;
    // "Undo any partial mapping done by a device driver."
    yield* unmap_region([vma], vma.vm_start, vma.vm_end, map.unmap_start, map.unmap_end);
    return err;
  }
  map.file = vma.vm_file;
  map.vm_flags = vma.vm_flags;
  return 0;
});

// mm/vma.c: vma_link_file(); i_mmap_rwsem stays write-held when hold_rmap_lock.
export const vma_link_file = kfunc('vma_link_file', function* (vma: vm_area_struct, hold_rmap_lock: boolean): Gen {
  const file = vma.vm_file;
  if (!file) return;
  const mapping = file.f_mapping;
  yield* i_mmap_lock_write(mapping);
  yield* vma_interval_tree_insert(vma, mapping);
  if (!hold_rmap_lock) yield* i_mmap_unlock_write(mapping);
});

// mm/vma.c: __mmap_new_vma(); merging with a neighbour is not modelled (see docs/model.md).
const __mmap_new_vma = kfunc('__mmap_new_vma', function* (map: mmap_state): Gen<vm_area_struct | number> {
  const vma = vm_area_alloc(map.mm, map.addr, map.end, map.pgoff, map.vm_flags, null);
  if (map.file) {
    const err = yield* __mmap_new_file_vma(map, vma);
    if (err) return err;
  } else if (map.vm_flags.has('VM_SHARED')) {
    throw new Error('not modelled: shared anonymous mappings (shmem_zero_setup)');
  }
  // "Lock the VMA since it is modified after insertion into VMA tree"
  yield* vma_start_write(vma);
  yield* vma_iter_store_new(vma);
  yield* vma_link_file(vma, map.hold_file_rmap_lock);
  return vma;
});

// mm/vma.c: vms_complete_munmap_vmas() for the VMAs a MAP_FIXED mapping replaced.
const __mmap_complete = kfunc('__mmap_complete', function* (map: mmap_state): Gen {
  for (const vma of map.detached) yield* vma_close(vma);
});

// mm/util.c: call_vma_mapped(), the 2026 vm_ops->mapped() hook (no VMA pointer).
const call_vma_mapped = kfunc('call_vma_mapped', function* (vma: vm_area_struct): Gen<number> {
  const mapped = vma.vm_ops?.mapped;
  if (!mapped) return 0;
  const priv: private_ref = { value: vma.vm_private_data };
  const err = yield* mapped(vma.vm_start, vma.vm_end, vma.vm_pgoff, vma.vm_file, priv);
  if (err) return err;
  vma.vm_private_data = priv.value;
  return 0;
});

// mm/internal.h: maybe_rmap_unlock_action(); before any munmap, which takes i_mmap_rwsem.
const maybe_rmap_unlock_action = kfunc('maybe_rmap_unlock_action', function* (vma: vm_area_struct, action: mmap_action): Gen {
  if (!action.hide_from_rmap_until_complete) return;
  yield* i_mmap_unlock_write(vma.vm_file!.f_mapping);
  action.hide_from_rmap_until_complete = false;
});

/**
 * mmap_action_finish() (mm/util.c). mm tree 2026: vm_ops->mapped() if the action succeeded,
 * then the rmap lock is released, and only then, on error, the VMA is unmapped and
 * error_override ?: err returned. 6.19/7.0 (with f96e1d5f15b7): error_hook() filters the
 * action's error, or success_hook() runs; call_action_complete() then unlocks and unmaps.
 */
const mmap_action_finish = kfunc('mmap_action_finish', function* (vma: vm_area_struct, action: mmap_action, err: number): Gen<number> {
  const mm = vma.vm_mm;
  if (mm.kernel.mmap_action_api === 'hooks') {
    if (err) return action.error_hook ? action.error_hook(err) : err;
    return action.success_hook ? yield* action.success_hook(vma) : 0;
  }
  if (!err) err = yield* call_vma_mapped(vma);
  // "do_munmap() might take rmap lock, so release if held."
  yield* maybe_rmap_unlock_action(vma, action);
  if (!err) return 0;
  yield* do_munmap(mm, vma.vm_start, vma.vm_end - vma.vm_start);
  return action.error_override || err;
});

// mm/util.c: mmap_action_complete(); REMAP_PFN is remap_pfn_range_complete().
const mmap_action_complete = kfunc('mmap_action_complete', function* (vma: vm_area_struct, action: mmap_action): Gen<number> {
  let err = 0;
  if (action.type === 'MMAP_REMAP_PFN') {
    const { start, start_pfn, size } = action.remap;
    err = yield* do_remap_pfn_range(vma, start, start_pfn, size);
  } else if (action.type === 'MMAP_IO_REMAP_PFN') {
    err = -EINVAL; // mmap_action_prepare() should have turned it into REMAP_PFN
  }
  return yield* mmap_action_finish(vma, action, err);
});

/**
 * mm/vma.c: call_action_complete() of 6.19/7.0 with f96e1d5f15b7 ('hooks' API): the rmap lock
 * is released after the hooks, and only then, on error, the VMA is unmapped. The mm tree of
 * 2026 calls mmap_action_complete() directly, which does both itself.
 */
const call_action_complete = kfunc('call_action_complete', function* (map: mmap_state, action: mmap_action,
  vma: vm_area_struct): Gen<number> {
  const err = yield* mmap_action_complete(vma, action);
  if (map.hold_file_rmap_lock) yield* i_mmap_unlock_write(vma.vm_file!.f_mapping);
  if (err) yield* do_munmap(map.mm, vma.vm_start, vma.vm_end - vma.vm_start);
  return err;
});

// PROPOSED, in no kernel: the driver's populate step (KernelVersion.proposed_populate_hook).
const call_populate_proposed = kfunc('vm_ops->populate (proposed)', function* (vma: vm_area_struct): Gen<number> {
  return yield* vma.vm_ops!.populate!(vma);
});

// mm/vma.c: __mmap_region(), in the kernel's step order.
export const __mmap_region = kfunc('__mmap_region', function* (mm: mm_struct, file: file | null, addr: number, len: number,
  vm_flags: Set<VmFlag>, pgoff: number): Gen<number> {
  const have_mmap_prepare = !!file?.f_op.mmap_prepare;
  const map: mmap_state = {
    mm, addr, end: addr + len, pgoff, vm_flags: new Set(vm_flags), file, vm_ops: null, vm_private_data: undefined,
    hold_file_rmap_lock: false, detached: [], unmap_start: 0, unmap_end: 0,
  };
  let error = yield* __mmap_setup(map);
  // set_desc_from_map()
  const desc: vm_area_desc | null = file && have_mmap_prepare ? {
    mm, file, start: map.addr, end: map.end, pgoff: map.pgoff, vm_file: file, vm_flags: map.vm_flags, vm_ops: null,
    private_data: undefined, action: { type: 'MMAP_NOTHING', remap: { start: 0, start_pfn: 0, size: 0 }, hide_from_rmap_until_complete: false },
  } : null;
  if (!error && desc) error = yield* call_mmap_prepare(map, desc);
  if (error) {
    // vms_abort_munmap_vmas(): the replaced VMAs are already zapped, leave a gap
    if (map.detached.length) yield* vma_iter_clear_gfp(mm, map.addr, map.end);
    return error;
  }
  const vma = yield* __mmap_new_vma(map);
  if (typeof vma === 'number') {
    if (map.detached.length) yield* vma_iter_clear_gfp(mm, map.addr, map.end);
    return vma;
  }
  if (desc) {
    // set_vma_user_defined_fields()
    if (map.vm_ops) vma.vm_ops = map.vm_ops;
    vma.vm_private_data = map.vm_private_data;
  }
  yield* __mmap_complete(map);
  if (desc) {
    error = mm.kernel.mmap_action_api === 'hooks'
      ? yield* call_action_complete(map, desc.action, vma)
      : yield* mmap_action_complete(vma, desc.action);
    if (error) return error;
  }
  if (mm.kernel.proposed_populate_hook && vma.vm_ops?.populate) {
    error = yield* call_populate_proposed(vma);
    if (error) {
      yield* do_munmap(mm, vma.vm_start, len);
      return error;
    }
  }
  return addr;
});

// mm/vma.c: mmap_region() (MDWE, arch flag checks and write-sealing are not modelled).
export const mmap_region = kfunc('mmap_region', function* (mm: mm_struct, file: file | null, addr: number, len: number,
  vm_flags: Set<VmFlag>, pgoff: number): Gen<number> {
  return yield* __mmap_region(mm, file, addr, len, vm_flags, pgoff);
});

/** calc_vm_prot_bits() (include/linux/mman.h) plus the VM_MAY* bits do_mmap() adds. */
function calc_vm_flags(prot: number): Set<VmFlag> {
  const flags = new Set<VmFlag>(['VM_MAYREAD', 'VM_MAYWRITE', 'VM_MAYEXEC']);
  if (prot & PROT_READ) flags.add('VM_READ');
  if (prot & PROT_WRITE) flags.add('VM_WRITE');
  if (prot & PROT_EXEC) flags.add('VM_EXEC');
  return flags;
}

// mm/mmap.c: do_mmap(); the caller holds mmap_lock for write.
export const do_mmap = kfunc('do_mmap', function* (mm: mm_struct, file: file | null, addr: number, len: number, prot: number,
  flags: number, pgoff: number): Gen<number> {
  if (!len) return -EINVAL;
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  const vmas = yield* atomic({ reads: [mm.mm_mt] }, 'current->mm layout', () => mm.mm_mt.value);
  const layout = mm_layout_of(mm, vmas);
  if (!(flags & MAP_FIXED)) addr = round_hint_to_min(addr, layout);
  len = ALIGN(len, mm.arch.page_size);
  const vm_flags = calc_vm_flags(prot);
  addr = __get_unmapped_area(file, addr, len, pgoff, flags, layout);
  if (IS_ERR_VALUE(addr)) return addr;
  if (flags & MAP_FIXED_NOREPLACE && vmas.some((v) => v.vm_start < addr + len && v.vm_end > addr)) return -EEXIST;
  const type = flags & MAP_TYPE;
  if (file) {
    if (type === MAP_SHARED || type === MAP_SHARED_VALIDATE) {
      if (prot & PROT_WRITE && !file.f_mode_write) return -EACCES;
      vm_flags.add('VM_SHARED').add('VM_MAYSHARE');
      if (!file.f_mode_write) {
        vm_flags.delete('VM_MAYWRITE');
        vm_flags.delete('VM_SHARED');
      }
    } else if (type !== MAP_PRIVATE) return -EINVAL;
  } else if (type === MAP_SHARED) {
    pgoff = 0;
    vm_flags.add('VM_SHARED').add('VM_MAYSHARE');
  } else if (type === MAP_PRIVATE) {
    pgoff = addr / mm.arch.page_size;
  } else return -EINVAL;
  return yield* mmap_region(mm, file, addr, len, vm_flags, pgoff);
});

// mm/util.c: vm_mmap_pgoff(), the mmap(2) path (MAP_POPULATE is not modelled).
export const vm_mmap_pgoff = kfunc('vm_mmap_pgoff', function* (mm: mm_struct, file: file | null, addr: number, len: number,
  prot: number, flags: number, pgoff: number): Gen<number> {
  yield* mmap_write_lock_killable(mm);
  const ret = yield* do_mmap(mm, file, addr, len, prot, flags, pgoff);
  yield* mmap_write_unlock(mm);
  return ret;
});

// mm/vma.c: vms_complete_munmap_vmas(); the zap may run with mmap_lock downgraded to read.
const vms_complete_munmap_vmas = kfunc('vms_complete_munmap_vmas', function* (mm: mm_struct, vmas: readonly vm_area_struct[],
  start: number, end: number, unmap_start: number, unmap_end: number, unlock: boolean): Gen {
  if (unlock) yield* mmap_write_downgrade(mm);
  yield* vms_clear_ptes(vmas, start, end, unmap_start, unmap_end);
  // remove_vma()
  for (const vma of vmas) yield* vma_close(vma);
  if (unlock) yield* mmap_read_unlock(mm);
});

// mm/vma.c: do_vmi_align_munmap(); the VMAs leave the tree before their entries are zapped.
const do_vmi_align_munmap = kfunc('do_vmi_align_munmap', function* (mm: mm_struct, vmas: readonly vm_area_struct[], start: number,
  end: number, unmap_start: number, unmap_end: number, unlock: boolean): Gen<number> {
  yield* vms_gather_munmap_vmas(vmas, start, end);
  yield* vma_iter_clear_gfp(mm, start, end);
  yield* vms_complete_munmap_vmas(mm, vmas, start, end, unmap_start, unmap_end, unlock);
  return 0;
});

// mm/vma.c: do_vmi_munmap(); with unlock, mmap_lock is released on success.
export const do_vmi_munmap = kfunc('do_vmi_munmap', function* (mm: mm_struct, start: number, len: number, unlock: boolean): Gen<number> {
  const page = mm.arch.page_size;
  if (!IS_ALIGNED(start, page) || start > mm.task_size || len > mm.task_size - start) return -EINVAL;
  const end = start + ALIGN(len, page);
  if (end === start) return -EINVAL;
  const found = yield* vma_find_range(mm, start, end);
  if (!found.vmas.length) {
    if (unlock) yield* mmap_write_unlock(mm);
    return 0;
  }
  return yield* do_vmi_align_munmap(mm, found.vmas, start, end, found.unmap_start, found.unmap_end, unlock);
});

// mm/vma.c: do_munmap(), with mmap_lock held for write by the caller.
export const do_munmap = kfunc('do_munmap', function* (mm: mm_struct, start: number, len: number): Gen<number> {
  return yield* do_vmi_munmap(mm, start, len, false);
});

// mm/vma.c: __vm_munmap(); munmap(2) passes unlock = true.
export const __vm_munmap = kfunc('__vm_munmap', function* (mm: mm_struct, start: number, len: number, unlock: boolean): Gen<number> {
  yield* mmap_write_lock_killable(mm);
  const ret = yield* do_vmi_munmap(mm, start, len, unlock);
  if (ret || !unlock) yield* mmap_write_unlock(mm);
  return ret;
});
