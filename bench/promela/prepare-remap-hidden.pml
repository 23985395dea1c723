/*
 * VFIO design `prepare-remap-hidden` (src/drivers/vfio-pci/designs.ts) in the `race` scenario:
 * ->mmap_prepare (vfio_pci_core_mmap_prepare) checks memory under memory_lock (read) and, if it
 * is enabled, requests a REMAP_PFN action with hide_from_rmap_until_complete; vma_link_file
 * then keeps i_mmap_rwsem write-held across the remap (mmap_action_complete) and releases it in
 * maybe_rmap_unlock_action. Expected: violated, a zap that finishes before the link misses the
 * VMA, and the remap consults no driver state.
 * Granularity: as the TypeScript model, see vfio-race.pml for the shared steps and differences.
 */
inline vfio_mmap_region() {
  /* call_mmap_prepare -> vfio_pci_core_mmap_prepare: the action only if memory is usable */
  down_read(ml_w, ml_r, ml_q);
  memory_usable_locked(usable);
  up_read(ml_r);
  new_vma_store();
  vma_link_file(usable);
  if
  :: usable ->
     /* mmap_action_complete: REMAP_PFN, then maybe_rmap_unlock_action */
     remap_pfn_range();
     up_write(im_w)
  :: else
  fi
}

#include "vfio-race.pml"
