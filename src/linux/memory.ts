// Installing PFNs, the fault path and zapping (mm/memory.c). Every entry write is one step,
// taken under the page-table lock the kernel takes; reads without a lock are one step each.
import { atomic, kfunc, type Gen } from '../engine/index.js';
import { ALIGN, ALIGN_DOWN, IS_ALIGNED, pmd_order, pud_order } from './arch.js';
import { BUG, vma_end_read } from './mm.js';
import {
  PT_NONE, level_addr_end, pgd_offset, pmd_alloc, pmd_lockptr, pmd_offset, pte_alloc, pte_lockptr, pte_offset,
  pud_alloc, pud_offset, read_entry, type pt_entry, type pt_level,
} from './pgtable.js';
import {
  __split_huge_pmd, pfnmap_insert_bugs, split_huge_pud, thp_vma_allowable_order, zap_huge_pmd, zap_huge_pud,
} from './huge_memory.js';
import { i_mmap_lock_read, i_mmap_lock_write, i_mmap_unlock_read, i_mmap_unlock_write, vma_interval_tree_foreach, vma_interval_tree_remove, vma_last_pgoff } from './fs.js';
import {
  EINVAL, ENOMEM, VM_FAULT_FALLBACK, VM_FAULT_NOPAGE, VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_SIGBUS, VM_REMAP_FLAGS,
  is_cow_mapping, linear_page_index, vm_flags_set, vma_is_anonymous,
  type address_space, type fault_flags, type vm_area_struct, type vm_fault, type vm_fault_t,
} from './mm_types.js';
import type { mm_struct } from './mm.js';

function pte_leaf(vma: vm_area_struct, pfn: number): pt_entry {
  return { kind: 'leaf', pfn, special: true, writable: vma.vm_flags.has('VM_WRITE') };
}

// ---- installing PFNs ----

// mm/memory.c: get_locked_pte() = walk_to_pmd() + pte_alloc_map_lock(); returns the held PTE lock.
const get_locked_pte = kfunc('get_locked_pte', function* (mm: mm_struct, addr: number): Gen<boolean> {
  yield* pud_alloc(mm, addr);
  if ((yield* pmd_alloc(mm, addr)).kind === 'leaf') {
    yield* BUG(pud_offset(mm, addr), 'walk_to_pmd: huge PUD in the way');
    return false;
  }
  if ((yield* pte_alloc(mm, addr)).kind === 'leaf') {
    yield* BUG(pmd_offset(mm, addr), 'walk_to_pmd: VM_BUG_ON(pmd_trans_huge(*pmd))');
    return false;
  }
  yield* pte_lockptr(mm, addr).lock();
  return true;
});

// mm/memory.c: insert_pfn(); an existing entry is left alone and the fault still returns NOPAGE.
const insert_pfn = kfunc('insert_pfn', function* (vma: vm_area_struct, addr: number, pfn: number): Gen<vm_fault_t> {
  const mm = vma.vm_mm;
  if (!(yield* get_locked_pte(mm, addr))) return VM_FAULT_OOM;
  const pte = pte_offset(mm, addr);
  yield* atomic({ writes: [pte] }, 'set_pte_at unless !pte_none', () => {
    if (pte.value.kind === 'none') pte.value = pte_leaf(vma, pfn);
  });
  yield* pte_lockptr(mm, addr).unlock();
  return VM_FAULT_NOPAGE;
});

// mm/memory.c: vmf_insert_pfn() -> vmf_insert_pfn_prot(): one order-0 special PTE.
export const vmf_insert_pfn = kfunc('vmf_insert_pfn', function* (vma: vm_area_struct, addr: number, pfn: number): Gen<vm_fault_t> {
  if (yield* pfnmap_insert_bugs(vma)) return VM_FAULT_SIGBUS;
  if (addr < vma.vm_start || addr >= vma.vm_end) return VM_FAULT_SIGBUS;
  return yield* insert_pfn(vma, ALIGN_DOWN(addr, vma.vm_mm.arch.page_size), pfn);
});

// mm/memory.c: every target PTE of a remap must be empty (BUG_ON otherwise).
const remap_pte_range = kfunc('remap_pte_range', function* (vma: vm_area_struct, addr: number, end: number, pfn: number,
  first: boolean): Gen<number> {
  const mm = vma.vm_mm;
  const pmd = yield* pte_alloc(mm, addr);
  if (pmd.kind === 'leaf') {
    // remap_pmd_range() VM_BUG_ONs a huge first PMD; later ones fail pte_offset_map_lock()
    if (first) yield* BUG(pmd_offset(mm, addr), 'remap_pmd_range: VM_BUG_ON(pmd_trans_huge(*pmd))');
    return -ENOMEM;
  }
  const ptl = pte_lockptr(mm, addr);
  yield* ptl.lock();
  for (; addr < end; addr += mm.arch.page_size, pfn++) {
    const e = pte_offset(mm, addr);
    const target = pfn;
    const old = yield* atomic({ writes: [e] }, 'set_pte_at(pte_mkspecial(pfn_pte(pfn)))', () => {
      const was = e.value;
      if (was.kind === 'none') e.value = pte_leaf(vma, target);
      return was;
    });
    if (old.kind !== 'none') yield* BUG(e, 'remap_pte_range: BUG_ON(!pte_none(ptep_get(pte)))');
  }
  yield* ptl.unlock();
  return 0;
});

// mm/memory.c
const remap_pmd_range = kfunc('remap_pmd_range', function* (vma: vm_area_struct, addr: number, end: number, pfn: number): Gen<number> {
  const mm = vma.vm_mm;
  if ((yield* pmd_alloc(mm, addr)).kind === 'leaf') {
    yield* BUG(pud_offset(mm, addr), 'remap_pmd_range: huge PUD in the way');
    return -ENOMEM;
  }
  for (let first = true; addr < end; first = false) {
    const next = level_addr_end(mm, 'pmd', addr, end);
    const err = yield* remap_pte_range(vma, addr, next, pfn, first);
    if (err) return err;
    pfn += (next - addr) / mm.arch.page_size;
    addr = next;
  }
  return 0;
});

// mm/memory.c: remap_pud_range() with the p4d level folded.
const remap_pud_range = kfunc('remap_pud_range', function* (vma: vm_area_struct, addr: number, end: number, pfn: number): Gen<number> {
  const mm = vma.vm_mm;
  yield* pud_alloc(mm, addr);
  while (addr < end) {
    const next = level_addr_end(mm, 'pud', addr, end);
    const err = yield* remap_pmd_range(vma, addr, next, pfn);
    if (err) return err;
    pfn += (next - addr) / mm.arch.page_size;
    addr = next;
  }
  return 0;
});

// mm/memory.c
const remap_pfn_range_internal = kfunc('remap_pfn_range_internal', function* (vma: vm_area_struct, addr: number, pfn: number,
  size: number): Gen<number> {
  const mm = vma.vm_mm;
  const end = addr + ALIGN(size, mm.arch.page_size);
  if (!IS_ALIGNED(addr, mm.arch.page_size)) return -EINVAL;
  if (addr >= end) {
    yield* BUG(vma.vm_lock, 'remap_pfn_range_internal: BUG_ON(addr >= end)');
    return -EINVAL;
  }
  while (addr < end) {
    const next = level_addr_end(mm, 'pgd', addr, end);
    const err = yield* remap_pud_range(vma, addr, next, pfn);
    if (err) return err;
    pfn += (next - addr) / mm.arch.page_size;
    addr = next;
  }
  return 0;
});

/**
 * do_remap_pfn_range() -> remap_pfn_range_notrack() (mm/memory.c): a partial remap is zapped.
 * PAT tracking of the PFN range (remap_pfn_range_track) is not modelled.
 */
export const do_remap_pfn_range = kfunc('do_remap_pfn_range', function* (vma: vm_area_struct, addr: number, pfn: number,
  size: number): Gen<number> {
  const err = yield* remap_pfn_range_internal(vma, addr, pfn, size);
  if (err) yield* zap_vma_range(vma, addr, size);
  return err;
});

/**
 * get_remap_pgoff() (mm/memory.c): a copy-on-write PFN map must cover the whole VMA. The
 * whole-VMA case rewrites vm_pgoff to the PFN, which the model does not do.
 */
export function get_remap_pgoff(is_cow: boolean, addr: number, end: number, vm_start: number, vm_end: number): number {
  if (!is_cow) return 0;
  if (addr !== vm_start || end !== vm_end) return -EINVAL;
  throw new Error('not modelled: copy-on-write PFN maps (vm_pgoff = pfn)');
}

// mm/memory.c: remap_pfn_range(), order-0 entries only; needs mmap_lock (write).
export const remap_pfn_range = kfunc('remap_pfn_range', function* (vma: vm_area_struct, addr: number, pfn: number,
  size: number): Gen<number> {
  const end = addr + ALIGN(size, vma.vm_mm.arch.page_size);
  const err = get_remap_pgoff(is_cow_mapping(vma.vm_flags), addr, end, vma.vm_start, vma.vm_end);
  if (err) return err;
  vm_flags_set(vma, ...VM_REMAP_FLAGS);
  return yield* do_remap_pfn_range(vma, addr, pfn, size);
});

/** io_remap_pfn_range(): the same as remap_pfn_range on x86_64 and arm64 (no PFN fix-up). */
export const io_remap_pfn_range = remap_pfn_range;

// ---- faults ----

// mm/memory.c: __do_fault() for do_read_fault()/do_shared_fault(): the driver's ->fault.
const __do_fault = kfunc('__do_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
  // a page returned for finish_fault() is not modelled: PFN maps insert and return NOPAGE
  return yield* vmf.vma.vm_ops!.fault!(vmf);
});

/**
 * mm/memory.c: vmf_can_call_fault(), called first by do_read_fault(), do_cow_fault() and
 * do_shared_fault(): without ->map_pages (no vm_ops in the model has one: it has no page
 * cache) ->fault never runs under the per-VMA lock; the lock is dropped and the arch handler
 * retries under mmap_lock.
 */
const vmf_can_call_fault = kfunc('vmf_can_call_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
  if (!vmf.flags.vma_lock) return 0;
  yield* vma_end_read(vmf.vma);
  return VM_FAULT_RETRY;
});

// mm/memory.c: do_fault(); without ->fault a missing PTE is SIGBUS.
const do_fault = kfunc('do_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
  const vma = vmf.vma;
  const mm = vma.vm_mm;
  if (vma.vm_ops?.fault) {
    const ret = yield* vmf_can_call_fault(vmf);
    return ret || (yield* __do_fault(vmf));
  }
  if ((yield* read_entry(vmf.pmd!, 'pte_offset_map')).kind !== 'table') return VM_FAULT_SIGBUS;
  const ptl = pte_lockptr(mm, vmf.address);
  yield* ptl.lock();
  const pte = yield* read_entry(pte_offset(mm, vmf.address), 'pte_none?');
  yield* ptl.unlock();
  return pte.kind === 'none' ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
});

// mm/memory.c: handle_pte_fault(); pte_offset_map + ptep_get_lockless as one read.
const handle_pte_fault = kfunc('handle_pte_fault', function* (vmf: vm_fault): Gen<vm_fault_t> {
  const mm = vmf.vma.vm_mm;
  const pmd_e = vmf.pmd!;
  const pte_e = pte_offset(mm, vmf.address);
  const [pmd, pte] = yield* atomic({ reads: [pmd_e, pte_e] }, 'pte_offset_map + ptep_get_lockless', () => [pmd_e.value, pte_e.value]);
  // a huge PMD appeared: pte_offset_map fails and the fault is retried
  if (pmd.kind === 'leaf') return 0;
  if (pmd.kind === 'none' || pte.kind === 'none') {
    // do_pte_missing()
    if (vma_is_anonymous(vmf.vma)) throw new Error('not modelled: anonymous faults (do_anonymous_page)');
    return yield* do_fault(vmf);
  }
  // present: a spurious fault, the entry is rechecked under the PTE lock
  const ptl = pte_lockptr(mm, vmf.address);
  yield* ptl.lock();
  yield* ptl.unlock();
  return 0;
});

// mm/memory.c
const create_huge_pud = kfunc('create_huge_pud', function* (vmf: vm_fault): Gen<vm_fault_t> {
  const vma = vmf.vma;
  if (vma_is_anonymous(vma) || !vma.vm_ops?.huge_fault) return VM_FAULT_FALLBACK;
  return yield* vma.vm_ops.huge_fault(vmf, pud_order(vma.vm_mm.arch));
});

// mm/memory.c (anonymous THP is not modelled: thp_vma_allowable_order never allows it)
const create_huge_pmd = kfunc('create_huge_pmd', function* (vmf: vm_fault): Gen<vm_fault_t> {
  const vma = vmf.vma;
  if (vma_is_anonymous(vma) || !vma.vm_ops?.huge_fault) return VM_FAULT_FALLBACK;
  return yield* vma.vm_ops.huge_fault(vmf, pmd_order(vma.vm_mm.arch));
});

/**
 * __handle_mm_fault() (mm/memory.c): PUD order, then PMD order, then the PTE level. A PMD table
 * under the PUD entry rules out a PUD fault, a PTE table under the PMD entry a PMD fault.
 * Write-protect faults on present huge leaves are not modelled (they return 0).
 */
export const __handle_mm_fault = kfunc('__handle_mm_fault', function* (vma: vm_area_struct, address: number,
  flags: fault_flags): Gen<vm_fault_t> {
  const mm = vma.vm_mm;
  const arch = mm.arch;
  const vmf: vm_fault = {
    vma, address: ALIGN_DOWN(address, arch.page_size), real_address: address,
    pgoff: linear_page_index(vma, address), flags, pud: null, pmd: null,
  };
  yield* pud_alloc(mm, address);
  vmf.pud = pud_offset(mm, address);
  for (;;) {
    const orig_pud = yield* read_entry(vmf.pud, 'pud_none?');
    if (orig_pud.kind === 'none' && thp_vma_allowable_order(vma, pud_order(arch))) {
      const ret = yield* create_huge_pud(vmf);
      if (ret !== VM_FAULT_FALLBACK) return ret;
    } else if (orig_pud.kind === 'leaf') {
      return 0; // huge_pud_set_accessed()
    }
    yield* pmd_alloc(mm, address);
    // pud_trans_unstable(): a huge PUD raced with pmd_alloc() (or the entry is empty): retry_pud
    if ((yield* read_entry(vmf.pud, 'pud_trans_unstable')).kind === 'table') break;
  }
  vmf.pmd = pmd_offset(mm, address);
  const orig_pmd = yield* read_entry(vmf.pmd, 'pmd_none?');
  if (orig_pmd.kind === 'none' && thp_vma_allowable_order(vma, pmd_order(arch))) {
    const ret = yield* create_huge_pmd(vmf);
    if (ret !== VM_FAULT_FALLBACK) return ret;
  } else if (orig_pmd.kind === 'leaf') {
    // huge_pmd_set_accessed() under pmd_lock()
    const ptl = pmd_lockptr(mm, address);
    yield* ptl.lock();
    yield* ptl.unlock();
    return 0;
  }
  return yield* handle_pte_fault(vmf);
});

// mm/memory.c: handle_mm_fault() (no hugetlb, no accounting).
export const handle_mm_fault = kfunc('handle_mm_fault', function* (vma: vm_area_struct, address: number,
  flags: fault_flags): Gen<vm_fault_t> {
  return yield* __handle_mm_fault(vma, address, flags);
});

// ---- zapping ----

// mm/memory.c: zap_pte_range(); one step per entry under the PTE lock; the table stays.
const zap_pte_range = kfunc('zap_pte_range', function* (vma: vm_area_struct, addr: number, end: number): Gen {
  const mm = vma.vm_mm;
  const ptl = pte_lockptr(mm, addr);
  yield* ptl.lock();
  for (; addr < end; addr += mm.arch.page_size) {
    const e = pte_offset(mm, addr);
    yield* atomic({ writes: [e] }, 'ptep_get_and_clear_full', () => {
      if (e.value.kind === 'leaf') e.value = PT_NONE;
    });
  }
  yield* ptl.unlock();
});

/** A huge leaf in a zapped range: cleared whole, partly covered or not; false if it went meanwhile. */
function* zap_huge(vma: vm_area_struct, level: 'pmd' | 'pud', addr: number, next: number): Gen<boolean> {
  const whole = next - addr === vma.vm_mm.pgtables.span(level);
  if (level === 'pmd') {
    if (!whole) yield* __split_huge_pmd(vma, addr);
    else return yield* zap_huge_pmd(vma, addr);
  } else if (!whole) yield* split_huge_pud(vma, addr);
  else return yield* zap_huge_pud(vma, addr);
  return false;
}

// mm/memory.c: zap_pmd_range(); the lockless pmd read, then the huge-leaf or PTE-table path.
const zap_pmd_range = kfunc('zap_pmd_range', function* (vma: vm_area_struct, addr: number, end: number): Gen {
  const mm = vma.vm_mm;
  while (addr < end) {
    const next = level_addr_end(mm, 'pmd', addr, end);
    const e = pmd_offset(mm, addr);
    let pmd = yield* read_entry(e, 'pmd_is_huge?');
    if (pmd.kind === 'leaf') {
      if (yield* zap_huge(vma, 'pmd', addr, next)) {
        addr = next;
        continue;
      }
      pmd = yield* read_entry(e, 'pmd_none?');
      // a leaf again (a fault refilled it): zap_pte_range()'s pte_offset_map_lock() fails,
      // returns addr, and the same pmd is tried again ("if (addr != next) pmd--")
      if (pmd.kind === 'leaf') continue;
    }
    // pte_offset_map_lock() rechecks a table; tables under a live VMA are never freed
    if (pmd.kind === 'table') yield* zap_pte_range(vma, addr, next);
    addr = next;
  }
});

// mm/memory.c
const zap_pud_range = kfunc('zap_pud_range', function* (vma: vm_area_struct, addr: number, end: number): Gen {
  const mm = vma.vm_mm;
  for (; addr < end; addr = level_addr_end(mm, 'pud', addr, end)) {
    const next = level_addr_end(mm, 'pud', addr, end);
    const e = pud_offset(mm, addr);
    let pud = yield* read_entry(e, 'pud_trans_huge?');
    if (pud.kind === 'leaf') {
      if (yield* zap_huge(vma, 'pud', addr, next)) continue;
      // pud_none_or_clear_bad(): a leaf that a fault put back meanwhile is not a table, so
      // pud_bad() holds and pud_clear_bad() clears it (no lock taken)
      pud = yield* atomic({ writes: [e] }, 'pud_none_or_clear_bad', () => {
        const was = e.value;
        if (was.kind === 'leaf') e.value = PT_NONE;
        return was;
      });
    }
    if (pud.kind === 'table') yield* zap_pmd_range(vma, addr, next);
  }
});

// mm/memory.c: __zap_vma_range() over [start, end) of one VMA (p4d folded).
export const __zap_vma_range = kfunc('__zap_vma_range', function* (vma: vm_area_struct, start: number, end: number): Gen {
  const mm = vma.vm_mm;
  for (let addr = start; addr < end; addr = level_addr_end(mm, 'pgd', addr, end)) {
    if ((yield* read_entry(pgd_offset(mm, addr), 'pgd_none_or_clear_bad')).kind === 'table') {
      yield* zap_pud_range(vma, addr, level_addr_end(mm, 'pgd', addr, end));
    }
  }
});

// mm/memory.c: zap_vma_range(); mmu notifiers and TLB gathering are not modelled.
export const zap_vma_range = kfunc('zap_vma_range', function* (vma: vm_area_struct, address: number, size: number): Gen {
  yield* __zap_vma_range(vma, address, address + size);
});

/**
 * zap_vma_ptes() (mm/memory.c; zap_special_vma_range() in the mm tree of 2026): zap part of a
 * PFN-map VMA; does nothing for a range outside the VMA or a VMA without VM_PFNMAP/VM_MIXEDMAP.
 */
export const zap_vma_ptes = kfunc('zap_vma_ptes', function* (vma: vm_area_struct, address: number, size: number): Gen {
  if (address < vma.vm_start || address + size > vma.vm_end) return;
  if (!vma.vm_flags.has('VM_PFNMAP') && !vma.vm_flags.has('VM_MIXEDMAP')) return;
  yield* zap_vma_range(vma, address, size);
});

// mm/memory.c: zap_vma_range_batched() for one VMA of unmap_mapping_range_tree().
const zap_vma_range_batched = kfunc('zap_vma_range_batched', function* (vma: vm_area_struct, start: number, size: number): Gen {
  yield* __zap_vma_range(vma, start, start + size);
});

// mm/memory.c: every VMA of i_mmap overlapping [first_index, last_index], one after another.
const unmap_mapping_range_tree = kfunc('unmap_mapping_range_tree', function* (mapping: address_space, first_index: number,
  last_index: number): Gen<vm_area_struct[]> {
  const vmas = yield* vma_interval_tree_foreach(mapping, first_index, last_index);
  for (const vma of vmas) {
    const start_idx = Math.max(first_index, vma.vm_pgoff);
    const end_idx = Math.min(last_index, vma_last_pgoff(vma)) + 1;
    const page = vma.vm_mm.arch.page_size;
    yield* zap_vma_range_batched(vma, vma.vm_start + (start_idx - vma.vm_pgoff) * page, (end_idx - start_idx) * page);
  }
  return vmas;
});

// mm/memory.c: unmap_mapping_pages(); nr = 0 means to the end of the file.
export const unmap_mapping_pages = kfunc('unmap_mapping_pages', function* (mapping: address_space, start: number, nr: number,
  _even_cows: boolean): Gen<vm_area_struct[]> {
  const first_index = start;
  const last_index = nr === 0 ? Number.MAX_SAFE_INTEGER : start + nr - 1;
  yield* i_mmap_lock_read(mapping);
  const vmas = yield* unmap_mapping_range_tree(mapping, first_index, last_index);
  yield* i_mmap_unlock_read(mapping);
  return vmas;
});

/**
 * unmap_mapping_range() (mm/memory.c): zap [holebegin, holebegin + holelen) of the file in every
 * VMA of every mm that maps it (holelen 0: to the end). Returns the VMAs it zapped, which the
 * kernel does not, so that scenarios can see what a zap reached.
 */
export const unmap_mapping_range = kfunc('unmap_mapping_range', function* (mapping: address_space, holebegin: number,
  holelen: number, even_cows: boolean): Gen<vm_area_struct[]> {
  const hba = Math.floor(holebegin / mapping.arch.page_size);
  const hlen = Math.ceil(holelen / mapping.arch.page_size);
  return yield* unmap_mapping_pages(mapping, hba, hlen, even_cows);
});

// ---- unmapping VMAs (munmap, failed mmap) ----

// mm/memory.c: unmap_vmas() -> unmap_single_vma() for each VMA of the range.
export const unmap_vmas = kfunc('unmap_vmas', function* (vmas: readonly vm_area_struct[], start: number, end: number): Gen {
  for (const vma of vmas) {
    const s = Math.max(start, vma.vm_start), e = Math.min(end, vma.vm_end);
    if (s < e) yield* __zap_vma_range(vma, s, e);
  }
});

// mm/vma.c: unlink_file_vma_batch_process(); VMAs of one file leave its i_mmap under one lock.
const unlink_file_vma_batch_process = kfunc('unlink_file_vma_batch_process', function* (mapping: address_space,
  vmas: readonly vm_area_struct[]): Gen {
  yield* i_mmap_lock_write(mapping);
  for (const vma of vmas) yield* vma_interval_tree_remove(vma, mapping);
  yield* i_mmap_unlock_write(mapping);
});

/** unlink_file_vma_batch_add()/_final(): a batch ends where the file changes (or after 8). */
function* unlink_file_vmas(vmas: readonly vm_area_struct[]): Gen {
  let batch: vm_area_struct[] = [];
  for (const vma of [...vmas.filter((v) => v.vm_file), null]) {
    if (batch.length && (!vma || vma.vm_file !== batch[0].vm_file || batch.length === 8)) {
      yield* unlink_file_vma_batch_process(batch[0].vm_file!.f_mapping, batch);
      batch = [];
    }
    if (vma) batch.push(vma);
  }
}

/** Frees the table below the entry (level, base) and forgets every entry under it. */
function* free_table(mm: mm_struct, level: pt_level, base: number, what: string): Gen {
  const up = mm.pgtables.entry(level, base);
  const below = mm.pgtables.descendants(level, base);
  const live = yield* atomic({ writes: [up, ...below] }, what, () => {
    const leaves = below.filter((e) => e.value.kind === 'leaf').length;
    up.value = PT_NONE;
    for (const e of below) e.value = PT_NONE;
    return leaves;
  });
  if (live) yield* BUG(up, `free_pgtables: a freed ${level} table still maps ${live} leaves`);
}

/** The kernel's unsigned `end - 1 > ceiling - 1` with ceiling 0 meaning the top of the address space. */
const beyond = (end: number, ceiling: number): boolean => end - 1 > (ceiling === 0 ? Number.MAX_SAFE_INTEGER : ceiling - 1);

// mm/memory.c: free_pmd_range() frees the PTE tables of [addr, end), then the PMD table if it fits.
const free_pmd_range = kfunc('free_pmd_range', function* (mm: mm_struct, addr: number, end: number, floor: number,
  ceiling: number): Gen {
  const start = addr;
  for (; addr < end; addr = level_addr_end(mm, 'pmd', addr, end)) {
    if ((yield* read_entry(pmd_offset(mm, addr), 'pmd_none_or_clear_bad')).kind === 'table') {
      yield* free_table(mm, 'pmd', addr, 'pmd_clear + pte_free_tlb');
    }
  }
  const pud_start = ALIGN_DOWN(start, mm.arch.pud_size);
  if (pud_start < floor) return;
  if (ceiling) {
    ceiling = ALIGN_DOWN(ceiling, mm.arch.pud_size);
    if (!ceiling) return;
  }
  if (beyond(end, ceiling)) return;
  yield* free_table(mm, 'pud', pud_start, 'pud_clear + pmd_free_tlb');
});

// mm/memory.c: free_pud_range() (free_p4d_range folded): then the PUD table if it fits.
const free_pud_range = kfunc('free_pud_range', function* (mm: mm_struct, addr: number, end: number, floor: number,
  ceiling: number): Gen {
  const start = addr;
  for (; addr < end; addr = level_addr_end(mm, 'pud', addr, end)) {
    if ((yield* read_entry(pud_offset(mm, addr), 'pud_none_or_clear_bad')).kind === 'table') {
      yield* free_pmd_range(mm, addr, level_addr_end(mm, 'pud', addr, end), floor, ceiling);
    }
  }
  const pgd_start = ALIGN_DOWN(start, mm.arch.pgdir_size);
  if (pgd_start < floor) return;
  if (ceiling) {
    ceiling = ALIGN_DOWN(ceiling, mm.arch.pgdir_size);
    if (!ceiling) return;
  }
  if (beyond(end, ceiling)) return;
  yield* free_table(mm, 'pgd', pgd_start, 'p4d_clear + pud_free_tlb');
});

/**
 * free_pgd_range() (mm/memory.c): frees the page tables of [addr, end) that no mapping outside
 * [floor, ceiling) shares; ceiling 0 is the top of the address space. No lock: the VMAs are
 * already out of the VMA tree and i_mmap.
 */
export const free_pgd_range = kfunc('free_pgd_range', function* (mm: mm_struct, addr: number, end: number, floor: number,
  ceiling: number): Gen {
  const pmd_size = mm.arch.pmd_size;
  addr = ALIGN_DOWN(addr, pmd_size);
  if (addr < floor) addr += pmd_size;
  if (ceiling) {
    ceiling = ALIGN_DOWN(ceiling, pmd_size);
    if (!ceiling) return;
  }
  if (beyond(end, ceiling)) end -= pmd_size;
  if (addr > end - 1) return;
  for (; addr < end; addr = level_addr_end(mm, 'pgd', addr, end)) {
    if ((yield* read_entry(pgd_offset(mm, addr), 'pgd_none_or_clear_bad')).kind === 'table') {
      yield* free_pud_range(mm, addr, level_addr_end(mm, 'pgd', addr, end), floor, ceiling);
    }
  }
});

/**
 * free_pgtables() (mm/memory.c): VMAs less than PMD_SIZE apart are gathered into one call down;
 * they leave i_mmap ("hide vma from rmap") before their page tables are freed.
 */
export const free_pgtables = kfunc('free_pgtables', function* (vmas: readonly vm_area_struct[], floor: number,
  ceiling: number): Gen {
  for (let i = 0; i < vmas.length;) {
    const mm = vmas[i].vm_mm;
    let j = i;
    while (j + 1 < vmas.length && vmas[j + 1].vm_start <= vmas[j].vm_end + mm.arch.pmd_size) j++;
    yield* unlink_file_vmas(vmas.slice(i, j + 1));
    const next = vmas[j + 1];
    yield* free_pgd_range(mm, vmas[i].vm_start, vmas[j].vm_end, floor, next ? next.vm_start : ceiling);
    i = j + 1;
  }
});
