// A tiny PFN-map test driver (not VFIO): file offset p maps PFN base_pfn + p. It can take each
// of the mm's driver interfaces, so the tests can drive every path of the model.
import type { Cell, Gen, RwSem } from '../../src/engine/index.js';
import {
  ALIGN_DOWN, VM_FAULT_FALLBACK, VM_FAULT_SIGBUS, VM_REMAP_FLAGS, address_space_alloc, file_alloc, leaf_in_range, mmap_action_ioremap,
  mmap_action_ioremap_full,
  order_level, order_size, pfn_order_aligned, remap_pfn_range, vm_flags_set, vmf_insert_pfn, vmf_insert_pfn_pmd,
  vmf_insert_pfn_pud, type address_space, type file, type file_operations, type mm_struct, type vm_area_desc,
  type vm_area_struct, type vm_fault, type vm_fault_t, type vm_operations_struct,
} from '../../src/linux/index.js';

export interface driver_options {
  /** the PFN that file offset 0 maps */
  readonly base_pfn?: number;
  /** the mmap interface: legacy ->mmap (default) or ->mmap_prepare */
  readonly iface?: 'mmap' | 'mmap_prepare';
  /** vm_ops->fault inserting order-0 PFNs (default true) */
  readonly fault?: boolean;
  /**
   * vm_ops->huge_fault at PMD/PUD order, falling back when the leaf does not fit; 'unchecked'
   * inserts without checking (a driver that breaks the insertion contract)
   */
  readonly huge_fault?: boolean | 'unchecked';
  /** legacy ->mmap remaps the whole VMA with remap_pfn_range() */
  readonly remap_in_mmap?: boolean;
  /** ->mmap_prepare requests an IO_REMAP_PFN action over the whole range */
  readonly action?: boolean;
  /** ...or over [desc->start + offset, + size) instead (bytes; may reach beyond the desc) */
  readonly action_range?: { readonly offset: number; readonly size: number };
  readonly hide_from_rmap?: boolean;
  /** legacy ->mmap fails with this error (after its remap, if any) */
  readonly mmap_error?: number;
  /** the completion hook fails: action->success_hook or vm_ops->mapped, by API generation */
  readonly complete_error?: number;
  /** action->error_hook (hooks API) and action->error_override (mapped API) */
  readonly error_hook?: (err: number) => number;
  readonly error_override?: number;
  /** the proposed vm_ops->populate remaps the whole VMA */
  readonly populate?: boolean;
  /**
   * Revocation: faults take `lock` for read and SIGBUS unless `enabled` (the pattern of
   * VFIO's memory_lock, in miniature).
   */
  readonly gate?: { readonly lock: RwSem; readonly enabled: Cell<boolean> };
  /** runs inside the driver's ->mmap / ->mmap_prepare, for assertions */
  readonly in_mmap?: (vma: vm_area_struct | null) => Gen;
  /** runs inside the completion hook (success_hook or vm_ops->mapped) */
  readonly in_complete?: () => Gen;
  /** runs at the start of vm_ops->fault and ->huge_fault */
  readonly in_fault?: (vmf: vm_fault) => Gen;
}

export interface test_device {
  readonly mapping: address_space;
  readonly file: file;
  readonly base_pfn: number;
}

/** The PFN a virtual address of this VMA maps. */
export function pfn_of(dev: { readonly base_pfn: number }, vma: vm_area_struct, va: number): number {
  return dev.base_pfn + vma.vm_pgoff + (va - vma.vm_start) / vma.vm_mm.arch.page_size;
}

export function test_device(mm: mm_struct, opts: driver_options = {}, name = 'dev'): test_device {
  const mapping = address_space_alloc(`${name}.mapping`, mm.arch);
  const base_pfn = opts.base_pfn ?? 0x100000;
  const dev = { base_pfn };

  /** Inserts under the gate, if there is one. */
  function* gated(insert: () => Gen<vm_fault_t>): Gen<vm_fault_t> {
    const gate = opts.gate;
    if (!gate) return yield* insert();
    yield* gate.lock.readLock();
    const ret = (yield* gate.enabled.read()) ? yield* insert() : VM_FAULT_SIGBUS;
    yield* gate.lock.readUnlock();
    return ret;
  }

  function* fault(vmf: vm_fault): Gen<vm_fault_t> {
    if (opts.in_fault) yield* opts.in_fault(vmf);
    return yield* gated(() => vmf_insert_pfn(vmf.vma, vmf.address, pfn_of(dev, vmf.vma, vmf.address)));
  }

  function* huge_fault(vmf: vm_fault, order: number): Gen<vm_fault_t> {
    if (opts.in_fault) yield* opts.in_fault(vmf);
    const vma = vmf.vma;
    const arch = vma.vm_mm.arch;
    const addr = ALIGN_DOWN(vmf.address, order_size(arch, order));
    const pfn = pfn_of(dev, vma, addr);
    const fits = leaf_in_range(arch, vma.vm_start, vma.vm_end, vmf.address, order) && pfn_order_aligned(pfn, order);
    if (!fits && opts.huge_fault !== 'unchecked') return VM_FAULT_FALLBACK;
    const level = order_level(arch, order);
    if (level === 'pmd') return yield* gated(() => vmf_insert_pfn_pmd(vmf, pfn, vmf.flags.write));
    if (level === 'pud') return yield* gated(() => vmf_insert_pfn_pud(vmf, pfn, vmf.flags.write));
    return VM_FAULT_FALLBACK;
  }

  function* complete(): Gen<number> {
    if (opts.in_complete) yield* opts.in_complete();
    return opts.complete_error ?? 0;
  }

  const vm_ops: vm_operations_struct = {
    name: 'test_vm_ops',
    ...(opts.fault ?? true ? { fault } : {}),
    ...(opts.huge_fault ? { huge_fault } : {}),
    ...(opts.iface === 'mmap_prepare' ? { *mapped(): Gen<number> { return yield* complete(); } } : {}),
    ...(opts.populate ? {
      *populate(vma: vm_area_struct): Gen<number> {
        return yield* remap_pfn_range(vma, vma.vm_start, pfn_of(dev, vma, vma.vm_start), vma.vm_end - vma.vm_start);
      },
    } : {}),
  };

  const f_op: file_operations = opts.iface === 'mmap_prepare' ? {
    name: 'test_fops (mmap_prepare)',
    *mmap_prepare(desc: vm_area_desc): Gen<number> {
      if (opts.in_mmap) yield* opts.in_mmap(null);
      for (const f of VM_REMAP_FLAGS) desc.vm_flags.add(f);
      desc.vm_ops = vm_ops;
      const range = opts.action_range;
      if (range) {
        const page = desc.mm.arch.page_size;
        mmap_action_ioremap(desc, desc.start + range.offset, base_pfn + desc.pgoff + Math.floor(range.offset / page), range.size);
      } else if (opts.action) mmap_action_ioremap_full(desc, base_pfn + desc.pgoff);
      desc.action.hide_from_rmap_until_complete = opts.hide_from_rmap ?? false;
      desc.action.success_hook = () => complete();
      if (opts.error_hook) desc.action.error_hook = opts.error_hook;
      if (opts.error_override) desc.action.error_override = opts.error_override;
      return 0;
    },
  } : {
    name: 'test_fops (mmap)',
    *mmap(_file: file, vma: vm_area_struct): Gen<number> {
      if (opts.in_mmap) yield* opts.in_mmap(vma);
      vm_flags_set(vma, ...VM_REMAP_FLAGS);
      vma.vm_ops = vm_ops;
      if (opts.remap_in_mmap) {
        const err = yield* remap_pfn_range(vma, vma.vm_start, pfn_of(dev, vma, vma.vm_start), vma.vm_end - vma.vm_start);
        if (err) return err;
      }
      return opts.mmap_error ?? 0;
    },
  };
  return { mapping, base_pfn, file: file_alloc(`${name}.file`, f_op, mapping) };
}
