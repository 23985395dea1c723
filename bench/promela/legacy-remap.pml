/*
 * VFIO design `legacy-remap` (src/drivers/vfio-pci/designs.ts) in the `race` scenario: the
 * legacy ->mmap (vfio_pci_core_mmap) remaps the BAR under memory_lock (read) if memory is
 * enabled, BEFORE __mmap_new_vma puts the VMA into i_mmap (vma_link_file); the revocation zaps
 * with unmap_mapping_range. Expected: violated, a zap between the remap and vma_link_file
 * misses the VMA and the touch after it reaches the disabled BAR.
 * Granularity: as the TypeScript model, see vfio-race.pml for the shared steps and differences.
 */
inline vfio_mmap_region() {
  /* mmap_file -> vfio_pci_core_mmap: the seed's populate pattern */
  down_read(ml_w, ml_r, ml_q);
  memory_usable_locked(usable);
  if :: usable -> remap_pfn_range() :: else fi;
  up_read(ml_r);
  new_vma_store();
  vma_link_file(0)
}

#include "vfio-race.pml"
