// The device side of the analysis: a region of device memory (a PCI BAR, or a device memory
// window such as GB200's exposed as one) as BAR0 of a VFIO-PCI device from src/drivers/vfio-pci,
// mapped by its fd and faulted by its handlers (the fault-only driver of mainline since 6.12).
// The policy under study becomes the fd's ->get_unmapped_area.
import { ALIGN, pfnmap_orders, order_size, type Arch, type file, type file_operations, type vm_area_struct } from '../linux/index.js';
import {
  VFIO_PCI_BAR0_REGION_INDEX, find_design, vfio_device_open, vfio_pci_bar, vfio_pci_bar_pgoff, vfio_pci_core_device_alloc, vfio_pci_device_of,
  vfio_pci_huge_fault_inserts, vfio_pci_pgoff_in_region, vfio_pci_pgoff_index, vma_bar,
} from '../drivers/vfio-pci/index.js';
import { AlignInputError, format_size, hex } from './sizes.js';

/** Device memory: its size and physical base (a BAR's base is aligned to its size). */
export interface region {
  readonly size: number;
  readonly phys: number;
}

/** One mmap of the region: offset into it and length, in bytes. */
export interface mapping {
  readonly offset: number;
  readonly length: number;
}

export type get_unmapped_area_fn = NonNullable<file_operations['get_unmapped_area']>;

/** The VFIO driver variant whose faults fill the mappings: no population at mmap time. */
const FAULT_ONLY = find_design('fault')!;

/** The BAR0 a region becomes: the VFIO model requires a base aligned to the size's power of two. */
export function region_bar(arch: Arch, r: region): { index: number; start_pfn: number; pages: number; mmap_supported: boolean } {
  const page = arch.page_size;
  if (r.size % page) throw new AlignInputError(`the region size ${format_size(r.size)} is not a multiple of the ${format_size(page)} page size of ${arch.name}`);
  const align = Math.max(page, 2 ** Math.ceil(Math.log2(r.size)));
  if (r.phys % align) {
    throw new AlignInputError(`the physical base ${hex(r.phys)} is not aligned to ${format_size(align)}: a BAR's base is aligned to its size rounded up to a power of two`);
  }
  return { index: VFIO_PCI_BAR0_REGION_INDEX, start_pfn: r.phys / page, pages: r.size / page, mmap_supported: true };
}

/** An fd of a VFIO-PCI device whose BAR0 is the region, with the policy's ->get_unmapped_area if it has one. */
export function device_file(arch: Arch, r: region, get_unmapped_area?: get_unmapped_area_fn): file {
  const variant = FAULT_ONLY.variant(arch);
  const fops: file_operations = { ...variant.fops, ...(get_unmapped_area ? { get_unmapped_area } : {}) };
  const vdev = vfio_pci_core_device_alloc({ name: 'vdev', arch, bars: [region_bar(arch, r)], variant: { ...variant, fops } });
  return vfio_device_open(vdev, 'vfio-device-fd');
}

/** The region behind a device fd and page offset (pci_resource_start/len of the BAR the offset selects), or null. */
export function region_at(f: file | null, pgoff: number): region | null {
  const vdev = vfio_pci_device_of(f!);
  const bar = vfio_pci_bar(vdev, vfio_pci_pgoff_index(vdev.arch, pgoff));
  return bar ? { phys: bar.start_pfn * vdev.arch.page_size, size: bar.pages * vdev.arch.page_size } : null;
}

/** The device-fd page offset of a byte offset into the region (BAR0: region index 0 at bit 40). */
export function device_pgoff(arch: Arch, offset: number): number {
  return vfio_pci_bar_pgoff(arch, VFIO_PCI_BAR0_REGION_INDEX, offset / arch.page_size);
}

/** The byte offset inside the region that a device-fd page offset selects (below VFIO_PCI_OFFSET_SHIFT). */
export function offset_in_region(arch: Arch, pgoff: number): number {
  return vfio_pci_pgoff_in_region(arch, pgoff) * arch.page_size;
}

/** Whether a fault of this order at va of a device VMA installs a leaf: VFIO's huge-fault rule. */
export function huge_leaf_fits(vma: vm_area_struct, va: number, order: number): boolean {
  const vdev = vfio_pci_device_of(vma);
  return vfio_pci_huge_fault_inserts(vdev.arch, vma_bar(vdev, vma).start_pfn, vma, va, order);
}

/** The huge leaf sizes PFN maps may use on arch, largest first. */
export function leaf_sizes(arch: Arch): number[] {
  return pfnmap_orders(arch).map((o) => order_size(arch, o)).sort((a, b) => b - a);
}

/** The largest leaf size with a whole aligned block inside [pa, pa + len): no larger leaf fits at any address. */
export function largest_fitting_leaf(arch: Arch, pa: number, len: number): number {
  return leaf_sizes(arch).find((s) => ALIGN(pa, s) + s <= pa + len) ?? arch.page_size;
}
