// A user access: the MMU's page walk, and the arch fault handler when it finds no leaf
// (arch/x86/mm/fault.c do_user_addr_fault; arm64's do_page_fault takes the same steps).
import { atomic, check, kfunc, type Gen, type PropertyResult, type SharedObject } from '../engine/index.js';
import { lock_mm_and_find_vma, lock_vma_under_rcu, mmap_read_unlock, vma_end_read, type mm_struct } from './mm.js';
import { handle_mm_fault } from './memory.js';
import { walk, walk_path, type walk_hit } from './pgtable.js';
import { VM_FAULT_RETRY, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, type vm_fault_t } from './mm_types.js';

/**
 * do_user_addr_fault() (arch/x86/mm/fault.c): the per-VMA lock first; if the VMA is missing,
 * write-locked by an mmap or munmap in progress, or detached, or if the fault returned
 * VM_FAULT_RETRY (having dropped the VMA lock), it is handled again under mmap_lock (read).
 * Access-permission checks and signals are not modelled.
 */
export const do_user_addr_fault = kfunc('do_user_addr_fault', function* (mm: mm_struct, address: number, write: boolean): Gen<vm_fault_t> {
  const locked = yield* lock_vma_under_rcu(mm, address);
  if (locked) {
    const fault = yield* handle_mm_fault(locked, address, { write, vma_lock: true });
    if (fault !== VM_FAULT_RETRY) {
      yield* vma_end_read(locked);
      return fault;
    }
  }
  // lock_mmap: retry:
  const vma = yield* lock_mm_and_find_vma(mm, address);
  if (!vma) return VM_FAULT_SIGSEGV; // bad_area_nosemaphore()
  const fault = yield* handle_mm_fault(vma, address, { write, vma_lock: false });
  yield* mmap_read_unlock(mm);
  return fault;
});

export type access_result =
  | { readonly kind: 'reached'; readonly hit: walk_hit; readonly faults: number }
  | { readonly kind: 'sigbus' | 'sigsegv'; readonly faults: number }
  /** still no leaf after max_faults handled faults (the CPU would keep faulting) */
  | { readonly kind: 'unresolved'; readonly faults: number };

export interface access_options {
  readonly write?: boolean;
  /** handled faults before giving up; default 3 */
  readonly max_faults?: number;
  /**
   * A property of a successful walk, checked in the same atomic step as the walk (its reads are
   * added to the walk's footprint), e.g. "the device is enabled when the access reaches it".
   */
  readonly observe?: { readonly reads: readonly SharedObject[]; readonly property: string; readonly pred: (hit: walk_hit) => PropertyResult };
}

/**
 * A load or store by user space, done by the MMU (no kernel code): one atomic read of the
 * page-table entries on the path, without locks. A present leaf means the access reaches that
 * PFN; otherwise the arch fault handler runs and the walk is repeated.
 */
export const user_access = kfunc('user access', function* (mm: mm_struct, va: number, opts: access_options = {}): Gen<access_result> {
  const max = opts.max_faults ?? 3;
  const obs = opts.observe;
  for (let faults = 0; ; faults++) {
    const path = walk_path(mm, va);
    const [hit, verdict] = yield* atomic({ reads: [...path, ...(obs?.reads ?? [])] }, 'page walk', () => {
      const h = walk(mm, va);
      return [h, h && obs ? obs.pred(h) : true] as const;
    });
    if (verdict !== true) yield* check([path[0], ...(obs?.reads ?? [])], obs!.property, () => verdict);
    if (hit) return { kind: 'reached', hit, faults };
    if (faults === max) return { kind: 'unresolved', faults };
    const r = yield* do_user_addr_fault(mm, va, opts.write ?? false);
    if (r === VM_FAULT_SIGBUS) return { kind: 'sigbus', faults: faults + 1 };
    if (r === VM_FAULT_SIGSEGV) return { kind: 'sigsegv', faults: faults + 1 };
  }
});
