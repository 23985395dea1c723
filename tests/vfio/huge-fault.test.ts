// vfio_pci_mmap_huge_fault's alignment rule as the pure predicate the alignment analysis uses,
// and its agreement with the modelled fault path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHES, MAP_FIXED, MAP_SHARED, PROT_READ, pmd_order, pud_order, run_mmap } from '../../src/linux/index.js';
import {
  find_design, is_aligned_for_order, vfio_device_open, vfio_pci_bar_pgoff, vfio_pci_core_device_alloc, vfio_pci_huge_fault_inserts,
} from '../../src/drivers/vfio-pci/index.js';

const x86 = ARCHES.x86_64;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const VA = 0x7f0000000000;
const PFN = 0x100000;

test('is_aligned_for_order: order 0 always; a huge leaf must fit the VMA and have an aligned PFN', () => {
  const vma = { vm_start: VA, vm_end: VA + 4 * MiB, vm_pgoff: 0 };
  assert.ok(is_aligned_for_order(x86, vma, VA - 4096, PFN + 1, 0));
  assert.ok(is_aligned_for_order(x86, vma, VA, PFN, pmd_order(x86)));
  assert.ok(!is_aligned_for_order(x86, vma, VA - 2 * MiB, PFN, pmd_order(x86)), 'starts before the VMA');
  assert.ok(!is_aligned_for_order(x86, vma, VA + 4 * MiB - 2 * MiB + 4096, PFN, pmd_order(x86)), 'ends beyond the VMA');
  assert.ok(!is_aligned_for_order(x86, vma, VA, PFN + 1, pmd_order(x86)), 'unaligned PFN');
});

test('vfio_pci_huge_fault_inserts: VA and BAR offset congruence, VMA bounds, and the arch\'s PFN-map levels', () => {
  const whole = { vm_start: VA, vm_end: VA + 2 * GiB, vm_pgoff: vfio_pci_bar_pgoff(x86, 0) };
  assert.ok(vfio_pci_huge_fault_inserts(x86, PFN, whole, VA + 5 * MiB, pud_order(x86)));
  assert.ok(vfio_pci_huge_fault_inserts(x86, PFN, whole, VA + GiB + 5 * MiB, pmd_order(x86)));
  // the VMA starts one page into a PMD: the first leaf would start before it
  const shifted = { vm_start: VA + 4096, vm_end: VA + 4096 + 8 * MiB, vm_pgoff: vfio_pci_bar_pgoff(x86, 0) };
  assert.ok(!vfio_pci_huge_fault_inserts(x86, PFN, shifted, VA + 4096, pmd_order(x86)));
  // later PMDs fit the VMA but map PFNs one page off alignment
  assert.ok(!vfio_pci_huge_fault_inserts(x86, PFN, shifted, VA + 2 * MiB, pmd_order(x86)));
  // the same VMA at a BAR offset of one page is congruent again (BAR region index at bit 40)
  const congruent = { ...shifted, vm_pgoff: vfio_pci_bar_pgoff(x86, 2, 1) };
  assert.ok(vfio_pci_huge_fault_inserts(x86, PFN, congruent, VA + 2 * MiB, pmd_order(x86)));
  assert.ok(vfio_pci_huge_fault_inserts(x86, PFN, shifted, VA + 4096, 0));
  assert.ok(!vfio_pci_huge_fault_inserts(ARCHES['arm64-4k'], PFN, whole, VA, pud_order(ARCHES['arm64-4k'])), 'arm64 has no PUD PFN maps');
  assert.ok(!vfio_pci_huge_fault_inserts(x86, PFN, whole, VA, 3), 'no leaf of order 3');
});

test('the modelled fault path inserts the largest order the predicate allows', () => {
  const variant = find_design('fault')!.variant(x86);
  for (const [start, len, pgoff_page] of [[VA, 2 * GiB, 0], [VA + 2 * MiB, 8 * MiB, 0], [VA + 4096, 4 * MiB, 0], [VA + 4096, 4 * MiB, 1]] as const) {
    const vma = { vm_start: start, vm_end: start + len, vm_pgoff: vfio_pci_bar_pgoff(x86, 0, pgoff_page) };
    const touch = start + len / 2;
    const run = run_mmap({
      len, pgoff: vma.vm_pgoff, addr: start, flags: MAP_SHARED | MAP_FIXED, prot: PROT_READ,
      make_file: () => vfio_device_open(vfio_pci_core_device_alloc({
        arch: x86, variant, bars: [{ index: 0, start_pfn: PFN, pages: 2 * GiB / 4096, mmap_supported: true }],
      }), 'fd'),
      touch: () => [touch],
    });
    assert.equal(run.violation, null);
    const r = run.accesses[0].result;
    assert.equal(r.kind, 'reached');
    const expected = vfio_pci_huge_fault_inserts(x86, PFN, vma, touch, pud_order(x86)) ? 'pud'
      : vfio_pci_huge_fault_inserts(x86, PFN, vma, touch, pmd_order(x86)) ? 'pmd' : 'pte';
    assert.equal(r.kind === 'reached' && r.hit.level, expected, `VMA at ${start.toString(16)} pgoff page ${pgoff_page}`);
  }
});
