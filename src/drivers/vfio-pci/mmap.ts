// BAR mmaps of a VFIO-PCI device fd: the ->mmap validation, the fault handlers that insert
// PFNs under memory_lock, and the pure alignment rule of the huge fault
// (drivers/vfio/pci/vfio_pci_core.c, include/linux/vfio_pci_core.h).
import { atomic, check, kfunc, reach, type Gen } from '../../engine/index.js';
import {
  ALIGN, ALIGN_DOWN, EINVAL, IS_ALIGNED, VM_FAULT_FALLBACK, VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, VM_REMAP_FLAGS, order_level, order_size,
  remap_pfn_range, vm_flags_set, vmf_insert_pfn, vmf_insert_pfn_pmd, vmf_insert_pfn_pud,
  type Arch, type VmFlag, type vm_area_struct, type vm_fault, type vm_fault_t, type vm_operations_struct,
} from '../../linux/index.js';
import {
  VFIO_PCI_ROM_REGION_INDEX, down_read, up_read, vfio_pci_bar, vfio_pci_device_of, vfio_pci_memory_usable,
  vfio_pci_pgoff_in_region, vfio_pci_pgoff_index, type memory_lock_read, type pci_bar, type vfio_pci_core_device,
} from './device.js';

/** The fields of a BAR VMA the PFN arithmetic needs (a vm_area_struct or a planned mapping). */
export interface bar_vma {
  readonly vm_start: number;
  readonly vm_end: number;
  /** the device-fd page offset: region index at bit 40 of the byte offset */
  readonly vm_pgoff: number;
}

/** vma_to_pfn(): the BAR's first PFN plus the VMA's page offset inside the BAR. */
export function vma_to_pfn(arch: Arch, bar_start_pfn: number, vma: bar_vma): number {
  return bar_start_pfn + vfio_pci_pgoff_in_region(arch, vma.vm_pgoff);
}

/** The PFN that address `va` of a BAR VMA maps (PFN linearity). */
export function bar_pfn_at(arch: Arch, bar_start_pfn: number, vma: bar_vma, va: number): number {
  return vma_to_pfn(arch, bar_start_pfn, vma) + Math.floor((va - vma.vm_start) / arch.page_size);
}

/**
 * is_aligned_for_order() (include/linux/vfio_pci_core.h): an order-0 insert always fits; a huge
 * one needs the leaf at addr (already rounded down to the order) inside the VMA and the PFN
 * aligned to the order. Otherwise vfio_pci_mmap_huge_fault() returns VM_FAULT_FALLBACK.
 */
export function is_aligned_for_order(arch: Arch, vma: bar_vma, addr: number, pfn: number, order: number): boolean {
  return !(order && (addr < vma.vm_start || addr + order_size(arch, order) > vma.vm_end || !IS_ALIGNED(pfn, 2 ** order)));
}

/**
 * Whether vfio_pci_mmap_huge_fault(vmf, order) for a fault at `address` of a BAR VMA would insert
 * a leaf of that order (memory enabled), rather than return VM_FAULT_FALLBACK: the alignment rule
 * above, and an order the architecture can map (vfio_pci_vmf_insert_pfn: 0, PMD_ORDER with
 * ARCH_SUPPORTS_PMD_PFNMAP, PUD_ORDER with ARCH_SUPPORTS_PUD_PFNMAP). Pure, for alignment analysis.
 */
export function vfio_pci_huge_fault_inserts(arch: Arch, bar_start_pfn: number, vma: bar_vma, address: number, order: number): boolean {
  const level = order_level(arch, order);
  if (level === null || (level !== 'pte' && !arch.pfnmap_levels.includes(level))) return false;
  const addr = ALIGN_DOWN(address, order_size(arch, order));
  const pfn = bar_pfn_at(arch, bar_start_pfn, vma, addr);
  return is_aligned_for_order(arch, vma, addr, pfn, order);
}

/** The BAR a VMA of the device maps. */
export function vma_bar(vdev: vfio_pci_core_device, vma: bar_vma): pci_bar {
  const bar = vfio_pci_bar(vdev, vfio_pci_pgoff_index(vdev.arch, vma.vm_pgoff));
  if (!bar) throw new Error('VMA of no BAR');
  return bar;
}

/**
 * lockdep_assert_held_read(&vdev->memory_lock), then !pm_runtime_engaged &&
 * __vfio_pci_memory_enabled(): the decision every installer takes, one step (plus a failing
 * check if the caller does not hold the lock: `lock` is what its down_read returned, or null).
 */
export function* vfio_pci_memory_usable_locked(vdev: vfio_pci_core_device, lock: memory_lock_read | null): Gen<boolean> {
  if (!lock?.held || lock.vdev !== vdev) {
    yield* check([vdev.memory_lock], 'install only when enabled', () =>
      'lockdep_assert_held_read(&vdev->memory_lock): the memory state is tested without memory_lock held for read');
  }
  const state = vdev.state;
  return yield* atomic({ reads: [state] }, '__vfio_pci_memory_enabled?', () => vfio_pci_memory_usable(state.value));
}

/**
 * vfio_pci_vmf_insert_pfn() (vfio_pci_core.c): with memory_lock read-held, SIGBUS unless memory
 * is usable, else one leaf of the order. `lock` is the caller's down_read record, which lockdep
 * keeps per task in the kernel.
 */
export const vfio_pci_vmf_insert_pfn = kfunc('vfio_pci_vmf_insert_pfn', function* (vdev: vfio_pci_core_device, vmf: vm_fault,
  pfn: number, order: number, lock: memory_lock_read | null): Gen<vm_fault_t> {
  if (!(yield* vfio_pci_memory_usable_locked(vdev, lock))) return VM_FAULT_SIGBUS;
  const level = order_level(vdev.arch, order);
  let ret: vm_fault_t = VM_FAULT_FALLBACK;
  if (level === 'pte') ret = yield* vmf_insert_pfn(vmf.vma, vmf.address, pfn);
  else if (level === 'pmd' && vdev.arch.pfnmap_levels.includes('pmd')) ret = yield* vmf_insert_pfn_pmd(vmf, pfn, false);
  else if (level === 'pud' && vdev.arch.pfnmap_levels.includes('pud')) ret = yield* vmf_insert_pfn_pud(vmf, pfn, false);
  if (ret === VM_FAULT_NOPAGE) reach('entry installed');
  return ret;
});

/**
 * vfio_pci_mmap_huge_fault() (vfio_pci_core.c): the PFN of the leaf at the address rounded down
 * to the order; FALLBACK unless it fits (is_aligned_for_order); else insert under memory_lock.
 */
export const vfio_pci_mmap_huge_fault = kfunc('vfio_pci_mmap_huge_fault', function* (vmf: vm_fault, order: number): Gen<vm_fault_t> {
  const vma = vmf.vma;
  const vdev = vfio_pci_device_of(vma);
  const arch = vdev.arch;
  const addr = ALIGN_DOWN(vmf.address, order_size(arch, order));
  const pfn = bar_pfn_at(arch, vma_bar(vdev, vma).start_pfn, vma, addr);
  if (!is_aligned_for_order(arch, vma, addr, pfn, order)) return VM_FAULT_FALLBACK;
  const lock = yield* down_read(vdev);
  const ret = yield* vfio_pci_vmf_insert_pfn(vdev, vmf, pfn, order, lock);
  yield* up_read(lock);
  return ret;
});

// vfio_pci_core.c: vfio_pci_mmap_page_fault(), the order-0 ->fault.
export const vfio_pci_mmap_page_fault = kfunc('vfio_pci_mmap_page_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
  return yield* vfio_pci_mmap_huge_fault(vmf, 0);
});

/** vfio_pci_mmap_ops: ->fault, and ->huge_fault where the arch has huge PFN maps. */
export function vfio_pci_mmap_ops(arch: Arch, extra: Partial<vm_operations_struct> = {}, name = 'vfio_pci_mmap_ops'): vm_operations_struct {
  return {
    name,
    fault: vfio_pci_mmap_page_fault,
    ...(arch.pfnmap_levels.length ? { huge_fault: vfio_pci_mmap_huge_fault } : {}),
    ...extra,
  };
}

/** The mmap request as ->mmap and ->mmap_prepare see it. */
export interface bar_mmap_request {
  readonly start: number;
  readonly end: number;
  readonly pgoff: number;
  readonly vm_flags: ReadonlySet<VmFlag>;
}

/**
 * The checks of vfio_pci_core_mmap(): a shared mapping of an mmap-able BAR, inside the BAR.
 * Returns the BAR or -errno (regions past the ROM and device-specific regions are not modelled).
 */
export function vfio_pci_mmap_validate(vdev: vfio_pci_core_device, req: bar_mmap_request): pci_bar | number {
  const arch = vdev.arch;
  const index = vfio_pci_pgoff_index(arch, req.pgoff);
  if (req.end < req.start) return -EINVAL;
  if (!req.vm_flags.has('VM_SHARED')) return -EINVAL;
  if (index >= VFIO_PCI_ROM_REGION_INDEX) return -EINVAL;
  const bar = vfio_pci_bar(vdev, index);
  if (!bar?.mmap_supported) return -EINVAL;
  const phys_len = ALIGN(bar.pages * arch.page_size, arch.page_size);
  const req_start = vfio_pci_pgoff_in_region(arch, req.pgoff) * arch.page_size;
  if (req_start + (req.end - req.start) > phys_len) return -EINVAL;
  return bar;
}

/**
 * vfio_pci_core_mmap() (vfio_pci_core.c), the legacy ->mmap: validates, sets VM_IO|VM_PFNMAP|
 * VM_DONTEXPAND|VM_DONTDUMP, the non-cached prot and the fault ops. Installs nothing and takes
 * no VFIO lock; a design may populate after it (`populate`).
 */
export function vfio_pci_core_mmap_setup(vma: vm_area_struct, vm_ops: vm_operations_struct): pci_bar | number {
  const vdev = vfio_pci_device_of(vma.vm_file!);
  const bar = vfio_pci_mmap_validate(vdev, { start: vma.vm_start, end: vma.vm_end, pgoff: vma.vm_pgoff, vm_flags: vma.vm_flags });
  if (typeof bar === 'number') return bar;
  vma.vm_private_data = vdev;
  vm_flags_set(vma, ...VM_REMAP_FLAGS);
  vma.vm_ops = vm_ops;
  return bar;
}

/**
 * The seed's populate pattern: under memory_lock (read), remap the whole VMA only if memory is
 * usable, else leave it empty so that faults SIGBUS. Returns remap_pfn_range()'s error. The
 * caller's frame names it (->mmap, ->populate).
 */
export function* vfio_pci_populate_locked(vma: vm_area_struct): Gen<number> {
  const vdev = vfio_pci_device_of(vma);
  const lock = yield* down_read(vdev);
  let err = 0;
  if (yield* vfio_pci_memory_usable_locked(vdev, lock)) {
    err = yield* remap_pfn_range(vma, vma.vm_start, vma_to_pfn(vdev.arch, vma_bar(vdev, vma).start_pfn, vma), vma.vm_end - vma.vm_start);
    if (!err) reach('entry installed');
  }
  yield* up_read(lock);
  return err;
}
