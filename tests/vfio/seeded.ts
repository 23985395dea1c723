// Seeded bugs: VFIO variants that each break one rule of the fault-only or populate-hook design,
// built from the driver's own pieces, for the tests to show that exploration catches them.
import { kfunc, type Gen } from '../../src/engine/index.js';
import {
  VM_FAULT_SIGBUS, kernel, vmf_insert_pfn, type file, type vm_area_desc, type vm_area_struct, type vm_fault, type vm_fault_t,
} from '../../src/linux/index.js';
import {
  bar_pfn_at, down_read, find_design, unmap_bars, up_read, vfio_pci_core_mmap_setup, vfio_pci_device_of, vfio_pci_memory_usable,
  vfio_pci_memory_usable_locked, vfio_pci_mmap_ops, vfio_pci_mmap_validate, vfio_pci_populate_locked, vma_bar,
  type vfio_design,
} from '../../src/drivers/vfio-pci/index.js';
import { VM_REMAP_FLAGS } from '../../src/linux/index.js';

const pfn_of = (vmf: vm_fault): number => {
  const vdev = vfio_pci_device_of(vmf.vma);
  return bar_pfn_at(vdev.arch, vma_bar(vdev, vmf.vma).start_pfn, vmf.vma, vmf.address);
};

/** A fault design whose ->fault is `fault` (order 0 only: no ->huge_fault). */
function fault_design(name: string, summary: string, fault: (vmf: vm_fault) => Gen<vm_fault_t>): vfio_design {
  const base = find_design('fault')!;
  return {
    ...base,
    name,
    summary,
    variant: () => ({
      name,
      fops: {
        name: 'vfio_device_fops',
        mmap: kfunc('vfio_pci_core_mmap', function* (_file: file, vma: vm_area_struct): Gen<number> {
          const bar = vfio_pci_core_mmap_setup(vma, { name: `${name} ops`, fault });
          return typeof bar === 'number' ? bar : 0;
        }),
      },
      zap_bars: unmap_bars,
    }),
  };
}

/** Tests the memory-enable state without taking memory_lock, then inserts. */
export const unlocked_fault = fault_design('seeded: fault without memory_lock', 'the fault tests the state without memory_lock',
  kfunc('vfio_pci_mmap_page_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
    const vdev = vfio_pci_device_of(vmf.vma);
    if (!vfio_pci_memory_usable(yield* vdev.state.read())) return VM_FAULT_SIGBUS;
    return yield* vmf_insert_pfn(vmf.vma, vmf.address, pfn_of(vmf));
  }));

/** Uses the driver's own (asserting) state test, but without taking memory_lock. */
export const forgot_lock = fault_design('seeded: fault forgets down_read', 'the fault calls the locked state test without the lock',
  kfunc('vfio_pci_mmap_page_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
    const vdev = vfio_pci_device_of(vmf.vma);
    if (!(yield* vfio_pci_memory_usable_locked(vdev, null))) return VM_FAULT_SIGBUS;
    return yield* vmf_insert_pfn(vmf.vma, vmf.address, pfn_of(vmf));
  }));

/** Inserts first, then tests the state under memory_lock (and returns SIGBUS, leaving the entry). */
export const insert_then_check = fault_design('seeded: insert before the check', 'the fault inserts, then tests the state',
  kfunc('vfio_pci_mmap_page_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
    const vdev = vfio_pci_device_of(vmf.vma);
    const ret = yield* vmf_insert_pfn(vmf.vma, vmf.address, pfn_of(vmf));
    const lock = yield* down_read(vdev);
    const usable = yield* vfio_pci_memory_usable_locked(vdev, lock);
    yield* up_read(lock);
    return usable ? ret : VM_FAULT_SIGBUS;
  }));

/**
 * The populate step run while i_mmap_rwsem is still write-held: the 6.19 success_hook of an
 * action that only hides the VMA from rmap (no remap), calling the populate-hook's body.
 */
export const populate_under_rmap_lock: vfio_design = {
  ...find_design('populate-hook')!,
  name: 'seeded: populate with i_mmap_rwsem held',
  summary: 'the populate step runs before i_mmap_rwsem is released',
  kernel: kernel('v6.19'),
  variant: (arch) => ({
    name: 'populate under the rmap lock',
    fops: {
      name: 'vfio_device_fops',
      mmap_prepare: kfunc('vfio_pci_core_mmap_prepare', function* (desc: vm_area_desc): Gen<number> {
        const vdev = vfio_pci_device_of(desc.file);
        const bar = vfio_pci_mmap_validate(vdev, desc);
        if (typeof bar === 'number') return bar;
        for (const f of VM_REMAP_FLAGS) desc.vm_flags.add(f);
        desc.vm_ops = vfio_pci_mmap_ops(arch);
        desc.private_data = vdev;
        desc.action.hide_from_rmap_until_complete = true;
        desc.action.success_hook = kfunc('vfio_pci_mmap_populate', vfio_pci_populate_locked);
        return 0;
      }),
    },
    zap_bars: unmap_bars,
  }),
};
