// Huge PFN leaves: which orders a fault may try, the PMD/PUD insertions with their caller
// contract, and zapping or splitting huge leaves (mm/huge_memory.c, include/linux/huge_mm.h).
import { atomic, check, kfunc, type Gen } from '../engine/index.js';
import { ALIGN_DOWN, IS_ALIGNED, order_size, pmd_order, pud_order, type Arch } from './arch.js';
import { BUG } from './mm.js';
import { PT_NONE, pmd_lockptr, pmd_offset, pud_lockptr, pud_offset, type pt_entry } from './pgtable.js';
import {
  VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, is_cow_mapping, vma_is_anonymous,
  type vm_area_struct, type vm_fault, type vm_fault_t,
} from './mm_types.js';
import type { Mutex, Shared } from '../engine/index.js';

// Pure predicates, shared by drivers' fault handlers and an alignment analysis.

/** Whether a leaf of this order at addr (rounded down to the leaf) lies inside [start, end). */
export function leaf_in_range(arch: Arch, start: number, end: number, addr: number, order: number): boolean {
  const size = order_size(arch, order);
  const base = ALIGN_DOWN(addr, size);
  return base >= start && base + size <= end;
}

/** Whether pfn is aligned to the order (the caller contract of vmf_insert_pfn_pmd/pud). */
export function pfn_order_aligned(pfn: number, order: number): boolean {
  return IS_ALIGNED(pfn, 2 ** order);
}

/**
 * thp_vma_suitable_order() (include/linux/huge_mm.h): the leaf fits in the VMA and the VMA's
 * start is congruent to its file offset modulo the leaf size.
 */
export function thp_vma_suitable_order(vma: vm_area_struct, addr: number, order: number): boolean {
  const arch = vma.vm_mm.arch;
  if (!vma_is_anonymous(vma) && !IS_ALIGNED(vma.vm_start / arch.page_size - vma.vm_pgoff, 2 ** order)) return false;
  return leaf_in_range(arch, vma.vm_start, vma.vm_end, addr, order);
}

/** The huge orders an architecture supports for PFN maps (THP_ORDERS_ALL_SPECIAL_DAX). */
export function pfnmap_orders(arch: Arch): number[] {
  return arch.pfnmap_levels.map((l) => (l === 'pmd' ? pmd_order(arch) : pud_order(arch)));
}

/**
 * thp_vma_allowable_orders() for TVA_PAGEFAULT (include/linux/huge_mm.h,
 * __thp_vma_allowable_orders in mm/huge_memory.c): the huge orders a fault may try.
 * Anonymous THP is not modelled, so anonymous VMAs get none.
 */
export function thp_vma_allowable_orders(vma: vm_area_struct, orders: readonly number[]): number[] {
  const mm = vma.vm_mm;
  if (vma_is_anonymous(vma)) return [];
  const supported = pfnmap_orders(mm.arch);
  const wanted = orders.filter((o) => supported.includes(o));
  if (!wanted.length) return [];
  // vma_thp_disabled(): MADV_NOHUGEPAGE or prctl(PR_SET_THP_DISABLE)
  if (vma.vm_flags.has('VM_NOHUGEPAGE') || mm.thp_disabled) return [];
  const has_huge_fault = !!vma.vm_ops?.huge_fault;
  // vma_file_bypass_thp_tuneables(): huge PFN maps are not subject to the sysfs policy
  const bypass = mm.kernel.pfnmap_huge_fault_bypasses_thp_sysfs && vma.vm_flags.has('VM_PFNMAP') && has_huge_fault;
  const sysfs = mm.kernel.thp_sysfs;
  const allowed = sysfs === 'always' || (sysfs === 'madvise' && vma.vm_flags.has('VM_HUGEPAGE'));
  if (!bypass && !allowed) return [];
  // in the fault path the ->huge_fault() handler is trusted to check the rest
  return has_huge_fault ? wanted : [];
}

/** thp_vma_allowable_order() */
export function thp_vma_allowable_order(vma: vm_area_struct, order: number): boolean {
  return thp_vma_allowable_orders(vma, [order]).length > 0;
}

/** The BUG_ON()s shared by vmf_insert_pfn, vmf_insert_pfn_pmd and vmf_insert_pfn_pud. */
export function* pfnmap_insert_bugs(vma: vm_area_struct): Gen<boolean> {
  const f = vma.vm_flags;
  const bad = !(f.has('VM_PFNMAP') || f.has('VM_MIXEDMAP')) ? '!(vm_flags & (VM_PFNMAP|VM_MIXEDMAP))'
    : f.has('VM_PFNMAP') && f.has('VM_MIXEDMAP') ? 'VM_PFNMAP and VM_MIXEDMAP both set'
      : f.has('VM_PFNMAP') && is_cow_mapping(f) ? 'VM_PFNMAP on a copy-on-write mapping' : null;
  if (bad) yield* BUG(vma.vm_lock, `PFN insertion: BUG_ON(${bad})`);
  return bad !== null;
}

/**
 * The caller contract of vmf_insert_pfn_pmd/pud beyond insert_pmd()'s own start check: the
 * leaf ends inside the VMA and the PFN is aligned. The kernel maps what it is given (beyond the
 * VMA, or the aligned-down frames); the model reports it as a broken contract.
 */
function* huge_insert_contract(vma: vm_area_struct, e: Shared<pt_entry>, addr: number, pfn: number, order: number, who: string): Gen {
  const arch = vma.vm_mm.arch;
  const broken = !leaf_in_range(arch, vma.vm_start, vma.vm_end, addr, order) ? 'the leaf ends beyond the VMA'
    : !pfn_order_aligned(pfn, order) ? 'the PFN is not aligned to the leaf' : null;
  if (broken) yield* check([e], `${who}: caller contract`, () => `${who}: ${broken}`);
}

function huge_leaf(vma: vm_area_struct, pfn: number): pt_entry {
  return { kind: 'leaf', pfn, special: true, writable: vma.vm_flags.has('VM_WRITE') };
}

// mm/huge_memory.c: insert_pmd() for a PFN; an entry already there is left alone.
const insert_pmd = kfunc('insert_pmd', function* (vmf: vm_fault, addr: number, pfn: number): Gen<vm_fault_t> {
  const vma = vmf.vma;
  if (addr < vma.vm_start || addr >= vma.vm_end) return VM_FAULT_SIGBUS;
  const pmd = vmf.pmd;
  if (!pmd) {
    yield* BUG(vma.vm_lock, 'insert_pmd: vmf->pmd is NULL (not a PMD-order fault)');
    return VM_FAULT_SIGBUS;
  }
  yield* huge_insert_contract(vma, pmd, addr, pfn, pmd_order(vma.vm_mm.arch), 'vmf_insert_pfn_pmd');
  const ptl = pmd_lockptr(vma.vm_mm, addr);
  yield* ptl.lock();
  yield* atomic({ writes: [pmd] }, 'set_pmd_at unless !pmd_none', () => {
    if (pmd.value.kind === 'none') pmd.value = huge_leaf(vma, pfn);
  });
  yield* ptl.unlock();
  return VM_FAULT_NOPAGE;
});

// mm/huge_memory.c: a PMD leaf at vmf->address rounded down to PMD_SIZE.
export const vmf_insert_pfn_pmd = kfunc('vmf_insert_pfn_pmd', function* (vmf: vm_fault, pfn: number, _write: boolean): Gen<vm_fault_t> {
  const vma = vmf.vma;
  const arch = vma.vm_mm.arch;
  const addr = ALIGN_DOWN(vmf.address, arch.pmd_size);
  if (yield* pfnmap_insert_bugs(vma)) return VM_FAULT_SIGBUS;
  return yield* insert_pmd(vmf, addr, pfn);
});

// mm/huge_memory.c: insert_pud() for a PFN; an entry already there is left alone.
const insert_pud = kfunc('insert_pud', function* (vmf: vm_fault, addr: number, pfn: number): Gen<vm_fault_t> {
  const vma = vmf.vma;
  if (addr < vma.vm_start || addr >= vma.vm_end) return VM_FAULT_SIGBUS;
  const pud = vmf.pud!;
  yield* huge_insert_contract(vma, pud, addr, pfn, pud_order(vma.vm_mm.arch), 'vmf_insert_pfn_pud');
  const ptl = pud_lockptr(vma.vm_mm);
  yield* ptl.lock();
  yield* atomic({ writes: [pud] }, 'set_pud_at unless !pud_none', () => {
    if (pud.value.kind === 'none') pud.value = huge_leaf(vma, pfn);
  });
  yield* ptl.unlock();
  return VM_FAULT_NOPAGE;
});

// mm/huge_memory.c: a PUD leaf at vmf->address rounded down to PUD_SIZE.
export const vmf_insert_pfn_pud = kfunc('vmf_insert_pfn_pud', function* (vmf: vm_fault, pfn: number, _write: boolean): Gen<vm_fault_t> {
  const vma = vmf.vma;
  const arch = vma.vm_mm.arch;
  const addr = ALIGN_DOWN(vmf.address, arch.pud_size);
  if (yield* pfnmap_insert_bugs(vma)) return VM_FAULT_SIGBUS;
  if (!arch.pfnmap_levels.includes('pud')) {
    yield* BUG(vma.vm_lock, `vmf_insert_pfn_pud: no PUD PFN maps on ${arch.name}`);
    return VM_FAULT_SIGBUS;
  }
  return yield* insert_pud(vmf, addr, pfn);
});

/** Clears a huge entry under its lock if it is still a leaf; returns whether it was. */
function* clear_huge_locked(lock: Mutex, e: Shared<pt_entry>, what: string): Gen<boolean> {
  yield* lock.lock();
  const was = yield* atomic({ writes: [e] }, what, () => {
    const leaf = e.value.kind === 'leaf';
    if (leaf) e.value = PT_NONE;
    return leaf;
  });
  yield* lock.unlock();
  return was;
}

// mm/huge_memory.c: zap_huge_pmd(); __pmd_trans_huge_lock() rechecks the leaf under the lock.
export const zap_huge_pmd = kfunc('zap_huge_pmd', function* (vma: vm_area_struct, addr: number): Gen<boolean> {
  const mm = vma.vm_mm;
  return yield* clear_huge_locked(pmd_lockptr(mm, addr), pmd_offset(mm, addr), 'pmdp_huge_get_and_clear_full');
});

// mm/huge_memory.c: __split_huge_pmd(); a PFN-map leaf (vma_is_special_huge) is cleared whole.
export const __split_huge_pmd = kfunc('__split_huge_pmd', function* (vma: vm_area_struct, addr: number): Gen {
  const mm = vma.vm_mm;
  yield* clear_huge_locked(pmd_lockptr(mm, addr), pmd_offset(mm, addr), 'pmdp_huge_clear_flush (special: no split)');
});

// mm/huge_memory.c: zap_huge_pud(); __pud_trans_huge_lock() rechecks the leaf under the lock.
export const zap_huge_pud = kfunc('zap_huge_pud', function* (vma: vm_area_struct, addr: number): Gen<boolean> {
  const mm = vma.vm_mm;
  return yield* clear_huge_locked(pud_lockptr(mm), pud_offset(mm, addr), 'pudp_huge_get_and_clear_full');
});

// mm/huge_memory.c: split_huge_pud() -> __split_huge_pud_locked(); a PUD leaf is only cleared.
export const split_huge_pud = kfunc('split_huge_pud', function* (vma: vm_area_struct, addr: number): Gen {
  const mm = vma.vm_mm;
  yield* clear_huge_locked(pud_lockptr(mm), pud_offset(mm, addr), 'pudp_huge_clear_flush');
});
