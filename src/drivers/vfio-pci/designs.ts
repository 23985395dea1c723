// The mapping designs of the June 2026 thread, each a VFIO-PCI driver variant (plus, for the
// proposed one, the mm's named populate-hook switch). docs/designs.md explains how to add one.
import { kfunc, type Gen } from '../../engine/index.js';
import {
  EAGAIN, VM_REMAP_FLAGS, kernel, mmap_action_ioremap_full,
  type Arch, type KernelVersion, type file, type file_operations, type private_ref, type vm_area_desc,
  type vm_area_struct, type vm_operations_struct,
} from '../../linux/index.js';
import { down_read, unmap_bars, up_read, vfio_pci_device_of, type vfio_pci_variant } from './device.js';
import {
  vfio_pci_core_mmap_setup, vfio_pci_memory_usable_locked, vfio_pci_mmap_ops, vfio_pci_mmap_validate,
  vfio_pci_populate_locked, vma_to_pfn,
} from './mmap.js';

export interface vfio_design {
  /** the name `mmcheck check` takes */
  readonly name: string;
  /** one line: what the design does */
  readonly summary: string;
  /** where it comes from */
  readonly origin: string;
  /** the kernel it runs on (mm-side version settings) */
  readonly kernel: KernelVersion;
  /** the driver variant for a machine */
  variant(arch: Arch): vfio_pci_variant;
}

/** A revocation that never zaps (VFIO before 5.8). */
function* no_zap(): Gen<vm_area_struct[]> {
  return [];
}

/** A legacy ->mmap: vfio_pci_core_mmap()'s checks and flags, then `populate` (if any) under memory_lock. */
function legacy_mmap(name: string, vm_ops: vm_operations_struct, populate: boolean): file_operations['mmap'] {
  return kfunc(name, function* (_file: file, vma: vm_area_struct): Gen<number> {
    const bar = vfio_pci_core_mmap_setup(vma, vm_ops);
    if (typeof bar === 'number') return bar;
    return populate ? yield* vfio_pci_populate_locked(vma) : 0;
  });
}

/**
 * An ->mmap_prepare: the same checks on the desc, then, under memory_lock, an IO_REMAP_PFN
 * action over the whole range only if memory is usable (else no action: faults SIGBUS).
 * `remapped` replaces the vm_ops and the action's hooks when the action is requested.
 */
function prepare_remap(name: string, vm_ops: vm_operations_struct, hide: boolean,
  remapped?: (desc: vm_area_desc) => void): file_operations['mmap_prepare'] {
  return kfunc(name, function* (desc: vm_area_desc): Gen<number> {
    const vdev = vfio_pci_device_of(desc.file);
    const bar = vfio_pci_mmap_validate(vdev, desc);
    if (typeof bar === 'number') return bar;
    for (const f of VM_REMAP_FLAGS) desc.vm_flags.add(f);
    desc.vm_ops = vm_ops;
    desc.private_data = vdev;
    const lock = yield* down_read(vdev);
    if (yield* vfio_pci_memory_usable_locked(vdev, lock)) {
      mmap_action_ioremap_full(desc, vma_to_pfn(vdev.arch, bar.start_pfn, { vm_start: desc.start, vm_end: desc.end, vm_pgoff: desc.pgoff }));
      desc.action.hide_from_rmap_until_complete = hide;
      remapped?.(desc);
    }
    yield* up_read(lock);
    return 0;
  });
}

/** The hidden action's completion re-checks the device under memory_lock; -EAGAIN unmaps the VMA. */
function* recheck(file: file): Gen<number> {
  const vdev = vfio_pci_device_of(file);
  const lock = yield* down_read(vdev);
  const usable = yield* vfio_pci_memory_usable_locked(vdev, lock);
  yield* up_read(lock);
  return usable ? 0 : -EAGAIN;
}

const vfio_pci_mmap_recheck = kfunc('vfio_pci_mmap_recheck', recheck);

// vm_ops->mapped (mm tree 2026): no VMA pointer; the device comes from the file.
const vfio_pci_mmap_mapped = kfunc('vfio_pci_mmap_mapped', function* (_start: number, _end: number, _pgoff: number,
  file: file | null, _priv: private_ref): Gen<number> {
  return yield* recheck(file!);
});

const MM_2026 = kernel('mm-2026');

/** The designs, in the order the thread discussed them. */
export const VFIO_DESIGNS: readonly vfio_design[] = [
  {
    name: 'legacy-remap-nozap',
    summary: '->mmap remaps the BAR under memory_lock; revocation does not zap',
    origin: 'VFIO before 5.8 (CVE-2020-12888)',
    kernel: MM_2026,
    variant: () => ({
      name: 'remap in ->mmap, no zap',
      fops: { name: 'vfio_device_fops', mmap: legacy_mmap('vfio_pci_mmap', { name: 'vfio_pci_mmap_ops (no fault)' }, true) },
      zap_bars: no_zap,
    }),
  },
  {
    name: 'legacy-remap',
    summary: '->mmap remaps under memory_lock; revocation zaps with unmap_mapping_range',
    origin: 'the ->mmap population Jason described (May 2024 and the seed)',
    kernel: MM_2026,
    variant: (arch) => ({
      name: 'remap in ->mmap',
      fops: { name: 'vfio_device_fops', mmap: legacy_mmap('vfio_pci_core_mmap', vfio_pci_mmap_ops(arch), true) },
      zap_bars: unmap_bars,
    }),
  },
  {
    name: 'prepare-remap',
    summary: 'mmap_prepare checks under memory_lock and requests a REMAP_PFN action',
    origin: 'mmap_prepare actions (6.19), as Lorenzo suggested',
    kernel: MM_2026,
    variant: (arch) => ({
      name: 'mmap_prepare REMAP_PFN action',
      fops: { name: 'vfio_device_fops', mmap_prepare: prepare_remap('vfio_pci_core_mmap_prepare', vfio_pci_mmap_ops(arch), false) },
      zap_bars: unmap_bars,
    }),
  },
  {
    name: 'prepare-remap-hidden',
    summary: 'the same action with hide_from_rmap_until_complete',
    origin: "Lorenzo's hold_rmap_lock option (2026)",
    kernel: MM_2026,
    variant: (arch) => ({
      name: 'mmap_prepare REMAP_PFN action, hidden from rmap',
      fops: { name: 'vfio_device_fops', mmap_prepare: prepare_remap('vfio_pci_core_mmap_prepare', vfio_pci_mmap_ops(arch), true) },
      zap_bars: unmap_bars,
    }),
  },
  {
    name: 'prepare-remap-hidden-checked',
    summary: 'the hidden action re-checks the device under memory_lock while i_mmap_rwsem is held',
    origin: 'vm_ops->mapped (mm tree 2026) or success_hook (6.19)',
    kernel: MM_2026,
    variant: (arch) => {
      const checked = vfio_pci_mmap_ops(arch, { mapped: vfio_pci_mmap_mapped }, 'vfio_pci_mmap_ops (+mapped)');
      // the check runs only after a remap: vm_ops->mapped (2026), or the 6.19 success_hook
      const recheck_after_remap = (desc: vm_area_desc) => {
        if (desc.mm.kernel.mmap_action_api === 'hooks') desc.action.success_hook = (vma) => vfio_pci_mmap_recheck(vma.vm_file!);
        else desc.vm_ops = checked;
      };
      return {
        name: 'mmap_prepare REMAP_PFN action, hidden, re-checked',
        fops: {
          name: 'vfio_device_fops',
          mmap_prepare: prepare_remap('vfio_pci_core_mmap_prepare', vfio_pci_mmap_ops(arch), true, recheck_after_remap),
        },
        zap_bars: unmap_bars,
      };
    },
  },
  {
    name: 'fault',
    summary: 'no population at mmap; faults insert PTE/PMD/PUD leaves under memory_lock',
    origin: 'VFIO since 6.10 (huge faults since 6.12)',
    kernel: MM_2026,
    variant: (arch) => ({
      name: 'fault-only',
      fops: { name: 'vfio_device_fops', mmap: legacy_mmap('vfio_pci_core_mmap', vfio_pci_mmap_ops(arch), false) },
      zap_bars: unmap_bars,
    }),
  },
  {
    name: 'populate-hook',
    summary: 'proposed: the mm calls the driver after vma_link_file, i_mmap_rwsem released; it populates under memory_lock if enabled',
    origin: "Jason's proposal in the seed (June 2026)",
    kernel: kernel('mm-2026', { proposed_populate_hook: true }),
    variant: (arch) => ({
      name: 'populate hook',
      fops: {
        name: 'vfio_device_fops',
        mmap: legacy_mmap('vfio_pci_core_mmap', vfio_pci_mmap_ops(arch, { populate: kfunc('vfio_pci_mmap_populate', vfio_pci_populate_locked) },
          'vfio_pci_mmap_ops (+populate)'), false),
      },
      zap_bars: unmap_bars,
    }),
  },
];

export function find_design(name: string): vfio_design | undefined {
  return VFIO_DESIGNS.find((d) => d.name === name);
}
