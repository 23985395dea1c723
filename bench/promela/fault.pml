/*
 * VFIO design `fault` (src/drivers/vfio-pci/designs.ts, VFIO since 6.10) in the `race`
 * scenario: the legacy ->mmap (vfio_pci_core_mmap) installs nothing; faults insert under
 * memory_lock (read) only after seeing memory enabled (vfio_pci_mmap_huge_fault, in
 * vfio-race.pml). Expected: holds.
 * Granularity: as the TypeScript model, see vfio-race.pml for the shared steps and differences.
 */
inline vfio_mmap_region() {
  /* mmap_file -> vfio_pci_core_mmap: validation and flags only, no step */
  new_vma_store();
  vma_link_file(0)
}

#include "vfio-race.pml"
