// The behaviours that differ between the kernels the model follows, in one object. Code in
// src/linux reads these fields; nothing else in the model depends on a version name.

/** /sys/kernel/mm/transparent_hugepage/enabled */
export type ThpSysfs = 'always' | 'madvise' | 'never';

export interface KernelVersion {
  readonly name: string;
  /**
   * mmap_action completion API. 'hooks' (6.19, 7.0, with f96e1d5f15b7 as in 7.0.y):
   * mmap_action_finish() runs action->error_hook(err) on the action's error or else
   * action->success_hook(vma); call_action_complete() (mm/vma.c) then releases the rmap lock
   * and, on error, unmaps. 'mapped' (mm tree 2026, hooks removed): vm_ops->mapped(start, end,
   * pgoff, file, &priv), rmap unlock, unmap, action->error_override ?: err, all in
   * mmap_action_finish() (mm/util.c).
   */
  readonly mmap_action_api: 'hooks' | 'mapped';
  /**
   * mmap_action_prepare() returns an error (mm tree 2026): check_mmap_action() (error_override
   * not an error: -EINVAL) and remap_pfn_range_prepare() (range outside the desc: -EFAULT;
   * copy-on-write range not the whole desc: -EINVAL). Before, it returns void.
   */
  readonly mmap_action_prepare_can_fail: boolean;
  /**
   * vma_file_bypass_thp_tuneables(): a VM_PFNMAP VMA with ->huge_fault gets huge orders
   * whatever the sysfs THP setting (mm/huge_memory.c, mm tree 2026; not in the stored
   * huge_memory.c, see docs/model.md).
   */
  readonly pfnmap_huge_fault_bypasses_thp_sysfs: boolean;
  /** the THP sysfs policy of the machine (the Kconfig default is 'always') */
  readonly thp_sysfs: ThpSysfs;
  /**
   * PROPOSED, in no kernel: after vma_link_file() and once i_mmap_rwsem is released, still
   * under mmap_lock (write), __mmap_region() calls vma->vm_ops->populate(vma) if the driver
   * has one (the June 2026 thread's "let the driver populate after the rmap is set up").
   */
  readonly proposed_populate_hook: boolean;
}

const v6_19: KernelVersion = {
  name: 'v6.19',
  mmap_action_api: 'hooks',
  mmap_action_prepare_can_fail: false,
  pfnmap_huge_fault_bypasses_thp_sysfs: false,
  thp_sysfs: 'always',
  proposed_populate_hook: false,
};

export type KernelName = 'v6.19' | 'v7.0' | 'mm-2026';

export const KERNELS: Readonly<Record<KernelName, KernelVersion>> = {
  'v6.19': v6_19,
  // 7.0 differs from 6.19 in none of the behaviours above
  'v7.0': { ...v6_19, name: 'v7.0' },
  'mm-2026': {
    name: 'mm-2026',
    mmap_action_api: 'mapped',
    mmap_action_prepare_can_fail: true,
    pfnmap_huge_fault_bypasses_thp_sysfs: true,
    thp_sysfs: 'always',
    proposed_populate_hook: false,
  },
};

/** The newest tree. */
export const DEFAULT_KERNEL: KernelVersion = KERNELS['mm-2026'];

/** A preset with some settings changed, e.g. kernel('v6.19', { thp_sysfs: 'madvise' }). */
export function kernel(name: KernelName, changes: Partial<Omit<KernelVersion, 'name'>> = {}): KernelVersion {
  return { ...KERNELS[name], ...changes };
}
