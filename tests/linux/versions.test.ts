// Which huge orders a fault may try under each kernel preset (kernel.md section 4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARCHES, DEFAULT_KERNEL, KERNELS, MAP_FIXED, MAP_SHARED, PROT_READ, VM_FAULT_FALLBACK, address_space_alloc, file_alloc,
  kernel, mm_alloc, pmd_order, pud_order, run_mmap, thp_vma_allowable_orders, vm_area_alloc, type Arch, type KernelVersion,
  type VmFlag,
} from '../../src/linux/index.js';
import { MiB, VA } from './helpers.js';
import { test_device } from './driver.js';

const x86 = ARCHES.x86_64;
const BOTH = [pmd_order(x86), pud_order(x86)];

/** The huge orders a fault on a PFN-map VMA with ->huge_fault may try. */
function orders(k: KernelVersion, extra: VmFlag[] = [], opts: { huge_fault?: boolean; thp_disabled?: boolean; arch?: Arch } = {}): number[] {
  const mm = mm_alloc({ kernel: k, thp_disabled: opts.thp_disabled, arch: opts.arch });
  const file = file_alloc('f', {}, address_space_alloc('m'));
  const vma = vm_area_alloc(mm, VA, VA + 4 * MiB, 0, ['VM_SHARED', 'VM_PFNMAP', 'VM_IO', ...extra], file);
  vma.vm_ops = opts.huge_fault ?? true ? { *huge_fault() { return VM_FAULT_FALLBACK; } } : {};
  return thp_vma_allowable_orders(vma, BOTH);
}

test('the newest tree is the default preset', () => {
  assert.equal(DEFAULT_KERNEL.name, 'mm-2026');
});

for (const name of ['v6.19', 'v7.0'] as const) {
  test(`${name}: huge PFN faults need THP "always", or "madvise" with MADV_HUGEPAGE`, () => {
    assert.deepEqual(orders(kernel(name, { thp_sysfs: 'always' })), BOTH);
    assert.deepEqual(orders(kernel(name, { thp_sysfs: 'madvise' })), []);
    assert.deepEqual(orders(kernel(name, { thp_sysfs: 'madvise' }), ['VM_HUGEPAGE']), BOTH);
    assert.deepEqual(orders(kernel(name, { thp_sysfs: 'never' }), ['VM_HUGEPAGE']), []);
  });
}

test('mm-2026: a VM_PFNMAP VMA with ->huge_fault bypasses the sysfs setting', () => {
  for (const thp_sysfs of ['always', 'madvise', 'never'] as const) {
    assert.deepEqual(orders(kernel('mm-2026', { thp_sysfs })), BOTH, thp_sysfs);
  }
  // what still applies: MADV_NOHUGEPAGE, prctl(PR_SET_THP_DISABLE), a ->huge_fault handler, the hardware
  const never = kernel('mm-2026', { thp_sysfs: 'never' });
  assert.deepEqual(orders(never, ['VM_NOHUGEPAGE']), []);
  assert.deepEqual(orders(never, [], { thp_disabled: true }), []);
  assert.deepEqual(orders(never, [], { huge_fault: false }), []);
  assert.deepEqual(orders(never, [], { arch: ARCHES['arm64-4k'] }), [pmd_order(x86)]);
});

test('end to end: with THP "never" a fault on an aligned mapping is PTE-order on 7.0 and PMD-order on mm-2026', () => {
  const level = (k: KernelVersion) => {
    const r = run_mmap({
      mm: { kernel: k },
      make_file: (mm) => test_device(mm, { huge_fault: true, base_pfn: 0 }).file,
      addr: VA, len: 2 * MiB, prot: PROT_READ, flags: MAP_SHARED | MAP_FIXED, pgoff: 0, touch: (a) => [a],
    });
    return r.leaves.map((l) => l.level);
  };
  assert.deepEqual(level(kernel('v7.0', { thp_sysfs: 'never' })), ['pte']);
  assert.deepEqual(level(kernel('mm-2026', { thp_sysfs: 'never' })), ['pmd']);
  assert.deepEqual(Object.keys(KERNELS), ['v6.19', 'v7.0', 'mm-2026']);
});
