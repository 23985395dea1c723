// The Linux mm model: what drivers, scenarios and the alignment analysis build on.
export * from './arch.js';
export * from './version.js';
export * from './mm_types.js';
export {
  LOCK_CLASSES, mm_alloc, mm_layout_of, BUG, find_vma, lock_vma_under_rcu, lock_mm_and_find_vma,
  mmap_read_lock, mmap_read_unlock, mmap_write_lock_killable, mmap_write_unlock, mmap_write_downgrade,
  vm_area_alloc, vma_start_write, vma_end_read, type mm_struct, type mm_options,
} from './mm.js';
export { address_space_alloc, file_alloc, i_mmap_lock_read, i_mmap_unlock_read, i_mmap_lock_write, i_mmap_unlock_write, vma_last_pgoff } from './fs.js';
export {
  PT_NONE, count_tables, hex, pgd_offset, pmd_lockptr, pmd_offset, present_leaves, pte_lockptr, pte_offset, pud_lockptr,
  pud_offset, walk, walk_path, type present_leaf, type pt_entry, type pt_leaf, type pt_level, type walk_hit,
} from './pgtable.js';
export * from './unmapped_area.js';
export {
  leaf_in_range, pfn_order_aligned, pfnmap_orders, thp_vma_allowable_order, thp_vma_allowable_orders,
  thp_vma_suitable_order, vmf_insert_pfn_pmd, vmf_insert_pfn_pud,
} from './huge_memory.js';
export {
  __handle_mm_fault, handle_mm_fault, io_remap_pfn_range, remap_pfn_range, unmap_mapping_pages, unmap_mapping_range,
  vmf_insert_pfn, zap_vma_ptes, zap_vma_range,
} from './memory.js';
export {
  __mmap_region, __vm_munmap, do_mmap, do_munmap, mmap_action_ioremap, mmap_action_ioremap_full, mmap_action_prepare,
  mmap_action_remap, mmap_region, vm_mmap_pgoff, vma_link_file,
} from './mmap.js';
export { do_user_addr_fault, user_access, type access_options, type access_result } from './fault.js';
export { run_mmap, sequential_trace, type mmap_run, type mmap_run_options } from './run.js';
