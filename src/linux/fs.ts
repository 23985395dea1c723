// address_space and its i_mmap: the reverse map from file offsets to VMAs, under i_mmap_rwsem
// (include/linux/fs.h: i_mmap_lock_*; mm/interval_tree.c: vma_interval_tree_*).
import { RwSem, Shared, atomic, kfunc, type Gen } from '../engine/index.js';
import { DEFAULT_ARCH, type Arch } from './arch.js';
import { LOCK_CLASSES } from './mm.js';
import { vma_pages, type address_space, type file, type file_operations, type vm_area_struct } from './mm_types.js';

/** A new, unmapped address_space (an inode's i_data). */
export function address_space_alloc(name: string, arch: Arch = DEFAULT_ARCH): address_space {
  return {
    name,
    arch,
    i_mmap: new Shared<vm_area_struct[]>(`${name}.i_mmap`, []),
    i_mmap_rwsem: new RwSem(`${name}.i_mmap_rwsem`, { lockClass: LOCK_CLASSES.i_mmap_rwsem }),
  };
}

/** An open file of the mapping (several files may share one mapping, like VFIO device fds). */
export function file_alloc(name: string, f_op: file_operations, f_mapping: address_space,
  opts: { private_data?: unknown; f_mode_write?: boolean } = {}): file {
  return { name, f_op, f_mapping, f_mode_write: opts.f_mode_write ?? true, private_data: opts.private_data };
}

// include/linux/fs.h
export const i_mmap_lock_write = kfunc('i_mmap_lock_write', function* (mapping: address_space): Gen {
  yield* mapping.i_mmap_rwsem.writeLock();
});

// include/linux/fs.h
export const i_mmap_unlock_write = kfunc('i_mmap_unlock_write', function* (mapping: address_space): Gen {
  yield* mapping.i_mmap_rwsem.writeUnlock();
});

// include/linux/fs.h
export const i_mmap_lock_read = kfunc('i_mmap_lock_read', function* (mapping: address_space): Gen {
  yield* mapping.i_mmap_rwsem.readLock();
});

// include/linux/fs.h
export const i_mmap_unlock_read = kfunc('i_mmap_unlock_read', function* (mapping: address_space): Gen {
  yield* mapping.i_mmap_rwsem.readUnlock();
});

// mm/interval_tree.c (caller holds i_mmap_rwsem for write)
export const vma_interval_tree_insert = kfunc('vma_interval_tree_insert', function* (vma: vm_area_struct, mapping: address_space): Gen {
  yield* atomic({ writes: [mapping.i_mmap] }, 'vma_interval_tree_insert', () => {
    mapping.i_mmap.value = [...mapping.i_mmap.value, vma];
  });
});

// mm/interval_tree.c (caller holds i_mmap_rwsem for write)
export const vma_interval_tree_remove = kfunc('vma_interval_tree_remove', function* (vma: vm_area_struct, mapping: address_space): Gen {
  yield* atomic({ writes: [mapping.i_mmap] }, 'vma_interval_tree_remove', () => {
    mapping.i_mmap.value = mapping.i_mmap.value.filter((v) => v !== vma);
  });
});

/** vma_last_pgoff() */
export function vma_last_pgoff(vma: vm_area_struct): number {
  return vma.vm_pgoff + vma_pages(vma) - 1;
}

/**
 * vma_interval_tree_foreach() (mm/interval_tree.c): the VMAs whose page offsets overlap
 * [first, last], in vm_pgoff order; equal keys in insertion order (the insert of
 * include/linux/interval_tree_generic.h puts an equal key to the right). One read: the caller
 * holds i_mmap_rwsem, so the tree cannot change meanwhile.
 */
export const vma_interval_tree_foreach = kfunc('vma_interval_tree_foreach', function* (mapping: address_space, first: number, last: number): Gen<vm_area_struct[]> {
  return yield* atomic({ reads: [mapping.i_mmap] }, 'vma_interval_tree_foreach', () =>
    mapping.i_mmap.value.filter((v) => v.vm_pgoff <= last && vma_last_pgoff(v) >= first)
      .sort((a, b) => a.vm_pgoff - b.vm_pgoff));
});
