/*
 * The VFIO `race` scenario of src/scenarios/vfio.ts, shared by the design files (legacy-remap.pml,
 * prepare-remap-hidden.pml, fault.pml), which define inline vfio_mmap_region() (their part of
 * __mmap_region) and then include this file. Not a model on its own.
 *
 * Scenario: one process mmaps a 1-page BAR0 (MAP_FIXED, x86_64); a PCI_COMMAND write clearing
 * MEM runs meanwhile (vfio_basic_config_write: down_write(memory_lock), unmap_mapping_range,
 * MEM cleared, up_write); after it returned the process touches the page and must get SIGBUS.
 * Properties, as in the TypeScript model: the touch's page walk asserts that it does not reach
 * the BAR while memory is disabled ("no stale device mapping", checked in the walk's step), and
 * the end state has no present entry while memory is disabled nor outside a VMA in i_mmap (the
 * model's finals, asserted as the user's last step: the revocation thread has ended by then).
 *
 * Granularity: one statement per visible step of the TypeScript model, in its order: every lock
 * and unlock, each page-table entry read and write, the i_mmap insert, the zap's i_mmap walk, the
 * state update, the witness counter. A rw-semaphore write lock on a busy semaphore is two steps
 * (queue, then take), as in src/engine/rwsem.ts. Objects only the user thread touches (mm_mt,
 * mmap_lock, the VMA lock, mm_lock_seq, page_table_lock, the PMD table's lock) are its locals.
 * Where they differ:
 *  - one page and no huge leaves: the PUD/PMD huge-fault attempts insert nothing for a 1-page
 *    VMA and take no step in the TypeScript model either; the leaf-shape final is not modelled.
 *  - vma_start_write's wait for VMA readers is left out: nothing can read-lock the new VMA yet.
 *  - a Promela `if` whose guard reads a shared variable is the engine's read step; its `else`
 *    branch and the assignments of locals that follow are further (local) transitions, which
 *    the engine runs inside its steps; Spin's reduction treats them as safe.
 */

/* what a fault returns (vm_fault_t) */
mtype = { NOPAGE, SIGBUS, SIGSEGV, RETRY };

/* the device state, under memory_lock: vconfig PCI_COMMAND's MEM bit */
bool mem_on = 1;
/* vdev.memory_lock and the inode's i_mmap_rwsem: writer, reader count, queued writer */
bool ml_w; byte ml_r; bool ml_q;
bool im_w; byte im_r; bool im_q;
/* the VMA is in the device inode's i_mmap */
bool linked;
/* the user's page tables on the path of the page: a table below pgd, pud, pmd; the BAR leaf */
bool pgd, pud, pmd, pte;
/* the PTE table's lock */
bool ptl;
/* the scenario's "mmaps in flight" counter (witness 'zap inside the mmap window') */
byte in_flight;
/* "command-mem-off done" */
bool revoked;

/* rw_semaphore: a reader waits while a writer holds it or is queued */
inline down_read(w, r, q) { atomic { !w && !q -> r++ } }
inline up_read(r) { r-- }
inline down_write(w, r, q) {
  if
  :: atomic { !w && r == 0 && !q -> w = 1 }
  :: atomic { !(!w && r == 0 && !q) -> q = 1 };
     atomic { !w && r == 0 -> w = 1; q = 0 }
  fi
}
inline up_write(w) { w = 0 }
inline spin_lock(l) { atomic { !l -> l = 1 } }
inline spin_unlock(l) { l = 0 }

/* vfio_pci_memory_usable_locked(): one read of the state under memory_lock (read) */
inline memory_usable_locked(usable) { usable = mem_on }

/* populate_table(): the table below an entry, under its lock, unless already there */
inline populate_table(lock, e) { spin_lock(lock); e = 1; spin_unlock(lock) }
/* pud_alloc / pmd_alloc / pte_alloc: the entry read, then the table if there is none */
inline pud_alloc() { if :: !pgd -> populate_table(page_table_lock, pgd) :: else fi }
inline pmd_alloc() { if :: !pud -> populate_table(page_table_lock, pud) :: else fi }
inline pte_alloc() { if :: !pmd -> populate_table(pmd_ptl, pmd) :: else fi }

/* remap_pfn_range() of the one page: tables, then the PTE under the PTE lock (it must be empty) */
inline remap_pfn_range() {
  pud_alloc(); pmd_alloc(); pte_alloc();
  spin_lock(ptl);
  atomic { assert(!pte); pte = 1 };
  spin_unlock(ptl)
}

/* __mmap_new_vma(): vma_start_write, vma_iter_store_new */
inline new_vma_store() { vm_lock_seq = mm_lock_seq; mm_mt = 1 }

/* vma_link_file(vma, hold_rmap_lock): insert into i_mmap under i_mmap_rwsem (write) */
inline vma_link_file(hold) {
  down_write(im_w, im_r, im_q);
  linked = 1;
  if :: !hold -> up_write(im_w) :: else fi
}

/* vfio_pci_mmap_huge_fault(vmf, 0): insert under memory_lock (read) only if memory is usable */
inline vfio_pci_mmap_page_fault() {
  down_read(ml_w, ml_r, ml_q);
  memory_usable_locked(usable);
  if
  :: usable ->
     /* vmf_insert_pfn -> insert_pfn -> get_locked_pte */
     pud_alloc(); pmd_alloc(); pte_alloc();
     spin_lock(ptl);
     pte = 1;               /* set_pte_at unless !pte_none */
     spin_unlock(ptl);
     ret = NOPAGE
  :: else -> ret = SIGBUS
  fi;
  up_read(ml_r)
}

/* __handle_mm_fault() for the page: PUD and PMD orders fall back, then handle_pte_fault() */
inline handle_mm_fault(vma_lock) {
  pud_alloc();
  seen = pud;               /* pud_none? */
  pmd_alloc();
  seen = pud;               /* pud_trans_unstable */
  seen = pmd;               /* pmd_none? */
  if
  :: atomic { pmd && pte } ->  /* pte_offset_map + ptep_get_lockless: present, spurious */
     spin_lock(ptl); spin_unlock(ptl); ret = 0
  :: else ->
     /* do_fault(): vmf_can_call_fault() drops the per-VMA lock, the fault is retried */
     if
     :: vma_lock -> vma_readers--; ret = RETRY
     :: else -> vfio_pci_mmap_page_fault()
     fi
  fi
}

/* do_user_addr_fault(): the per-VMA lock first, then mmap_lock (read) */
inline do_user_addr_fault() {
  ret = RETRY;
  if
  :: mm_mt ->                       /* lock_vma_under_rcu: mas_walk */
     if
     :: atomic { vm_lock_seq != mm_lock_seq -> vma_readers++ } ->
        handle_mm_fault(1);
        if :: ret != RETRY -> vma_readers-- :: else fi
     :: else
     fi
  :: else
  fi;
  if
  :: ret == RETRY ->
     atomic { !mmap_w -> mmap_r++ };  /* mmap_read_lock */
     if
     :: mm_mt ->                    /* find_vma */
        handle_mm_fault(0);
        mmap_r--
     :: else -> mmap_r--; ret = SIGSEGV
     fi
  :: else
  fi
}

/* pid 0: the process: mmap, wait for the revocation, touch */
active proctype user() {
  bool mm_mt, mmap_w, page_table_lock, pmd_ptl, usable, hit, seen;
  byte mmap_r, vm_lock_seq = 255, mm_lock_seq, vma_readers, faults;
  mtype ret;

  in_flight++;
  /* vm_mmap_pgoff */
  atomic { !mmap_w && mmap_r == 0 -> mmap_w = 1 };  /* mmap_write_lock_killable */
  seen = mm_mt;                                     /* do_mmap: current->mm layout */
  seen = mm_mt;                                     /* __mmap_setup: vma_find */
  vfio_mmap_region();
  mm_lock_seq++;                                    /* mmap_write_unlock: vma_end_write_all */
  mmap_w = 0;
  in_flight--;

  revoked;                                          /* await command-mem-off */

  /* user_access(): the MMU's walk; the fault handler when it finds no leaf */
  do
  :: atomic { hit = pgd && pud && pmd && pte; assert(!hit || mem_on) };
     if
     :: hit || faults == 3 -> break
     :: else
     fi;
     do_user_addr_fault();
     faults++;
     if :: ret == SIGBUS || ret == SIGSEGV -> break :: else fi
  od;

  /* the finals: no stale device mapping; leaves only in linked VMAs */
  atomic { assert(!pte || mem_on); assert(!pte || linked) }
}

/* pid 1: vfio_basic_config_write(vdev, MEM clear) */
active proctype revoke() {
  bool found, seen;
  byte window;

  down_write(ml_w, ml_r, ml_q);                     /* vfio_pci_zap_and_down_write_memory_lock */
  /* unmap_mapping_range() over the BARs */
  down_read(im_w, im_r, im_q);
  found = linked;                                   /* vma_interval_tree_foreach */
  if
  :: found ->
     /* __zap_vma_range: pgd_none_or_clear_bad, pud_trans_huge?, pmd_is_huge?, zap_pte_range */
     if
     :: pgd ->
        if
        :: pud ->
           if
           :: pmd -> spin_lock(ptl); pte = 0; spin_unlock(ptl)
           :: else
           fi
        :: else
        fi
     :: else
     fi
  :: else
  fi;
  up_read(im_r);
  window = in_flight;                               /* note: mmap in flight? */
  mem_on = 0;
  up_write(ml_w);
  revoked = 1
}
