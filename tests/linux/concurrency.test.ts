// Interleavings of mmap, faults, munmap and zaps, explored: each test pins down one kernel
// behaviour the VFIO designs rely on (kernel.md sections 2, 4, 5 and 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cell, RwSem, check, defineModel, reach, type CheckResult, type Gen } from '../../src/engine/index.js';
import {
  ALIGN_DOWN, MAP_FIXED, MAP_SHARED, PROT_READ, VM_FAULT_FALLBACK, VM_REMAP_FLAGS, __vm_munmap, address_space_alloc, file_alloc,
  kernel, mm_alloc, order_size, present_leaves, pte_offset, pud_order, unmap_mapping_range, user_access, vm_flags_set,
  vm_mmap_pgoff, vmf_insert_pfn_pmd, vmf_insert_pfn_pud, type mm_options, type mm_struct, type vm_fault,
} from '../../src/linux/index.js';
import type { driver_options } from './driver.js';
import { GiB, MiB, PAGE, VA, explore_both, world } from './helpers.js';

type W = ReturnType<typeof world>;

function* map(w: W, len = PAGE) {
  return yield* vm_mmap_pgoff(w.mm, w.dev.file, VA, len, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
}

/** A world with driver state the hooks use. */
function world_with<S extends object>(state: () => S, driver: (s: S) => driver_options, mm: mm_options = {}): () => W & S {
  return () => {
    const s = state();
    return { ...s, ...world(driver(s), mm) };
  };
}

const no_leaves = (w: W) => {
  const left = present_leaves(w.mm);
  return left.length === 0 || `present entries left: ${left.map((l) => `${l.level}@${l.start.toString(16)}`).join(', ')}`;
};

function holds(results: CheckResult[]): void {
  for (const r of results) {
    assert.equal(r.verdict, 'holds', `${r.strategy}: ${r.violation?.message}`);
    assert.equal(r.vacuous, undefined, `${r.strategy}: a witness was never reached`);
  }
}

test('a fault cannot use a VMA whose mmap has not yet released mmap_lock', () => {
  // The new VMA is write-locked (vma_start_write) and mmap_lock is write-held until every
  // hook ran, so lock_vma_under_rcu() fails and the mmap_lock fallback waits.
  const setup = world_with(() => ({ done: new Cell('driver.mmap_done', false) }), (s) => ({
    iface: 'mmap_prepare',
    *in_complete() { yield* s.done.write(true); },
    *in_fault() {
      reach('fault handler ran');
      yield* check([s.done], 'fault after the mmap completed', () => s.done.value || 'fault during mmap');
    },
  }));
  holds(explore_both(defineModel({
    name: 'fault vs mmap',
    setup,
    threads: (w) => ({
      mmap: map(w),
      access: (function* (): Gen {
        if ((yield* user_access(w.mm, VA)).kind === 'sigsegv') reach('access before the mmap');
      })(),
    }),
    witnesses: ['fault handler ran', 'access before the mmap'],
  }), { naive: true }));
});

test('munmap never leaves a present entry behind, whatever a racing fault does', () => {
  // The VMA leaves the VMA tree before its entries are zapped (and i_mmap after), so a fault
  // either installs before the zap or finds no VMA.
  holds(explore_both(defineModel({
    name: 'munmap vs fault',
    setup: () => world(),
    threads: (w) => ({
      map_unmap: (function* (): Gen {
        yield* map(w);
        yield* __vm_munmap(w.mm, VA, PAGE, true);
      })(),
      access: (function* (): Gen {
        reach(`access ${(yield* user_access(w.mm, VA)).kind}`);
      })(),
    }),
    finals: {
      'no entries after munmap': no_leaves,
      'VMA out of i_mmap': (w) => w.dev.mapping.i_mmap.value.length === 0 || 'VMA still in i_mmap',
    },
    witnesses: ['access reached', 'access sigsegv'],
  })));
});

test('unmap_mapping_range under the driver lock never leaves a present entry behind', () => {
  // The zap reaches every VMA in i_mmap and every level of its page tables; a fault that checks
  // the driver state under the same lock cannot refill behind it (VFIO's fault-only design).
  const setup = world_with(() => ({ lock: new RwSem('driver.lock', { lockClass: 'driver_lock' }), enabled: new Cell('driver.enabled', true) }),
    (s) => ({ huge_fault: true, gate: s }));
  holds(explore_both(defineModel({
    name: 'zap vs fault',
    setup,
    threads: (w) => ({
      user: (function* (): Gen {
        yield* map(w, 2 * MiB);
        reach(`access ${(yield* user_access(w.mm, VA + PAGE)).kind}`);
      })(),
      revoke: (function* (): Gen {
        yield* w.lock.writeLock();
        yield* w.enabled.write(false);
        yield* unmap_mapping_range(w.dev.mapping, 0, 0, true);
        yield* w.lock.writeUnlock();
      })(),
    }),
    finals: { 'no entries after the zap': no_leaves },
    witnesses: ['access reached', 'access sigbus'],
  })));
});

/** A zap that found the VMA in i_mmap must leave none of its entries. */
function* zap_and_check(w: W): Gen {
  const zapped = yield* unmap_mapping_range(w.dev.mapping, 0, 0, true);
  const pte = pte_offset(w.mm, VA);
  if (!zapped.length) {
    reach('zap ran before the link');
    return;
  }
  reach('zap saw the VMA');
  yield* check([pte], 'a zap that saw the VMA cleared it', () => pte.value.kind !== 'leaf' || 'entry left after the zap');
}

test('a zap that starts after vma_link_file sees the VMA and clears what ->mmap installed', () => {
  // vma_link_file() inserts into i_mmap under i_mmap_rwsem (write) and the zap walks i_mmap
  // under the read side: a zap that takes the lock after the link finds the VMA.
  holds(explore_both(defineModel({
    name: 'legacy remap vs zap',
    setup: () => world({ remap_in_mmap: true, fault: false }),
    threads: (w) => ({ mmap: map(w), zap: zap_and_check(w) }),
    witnesses: ['zap saw the VMA', 'zap ran before the link'],
  }), { naive: true }));
});

test('with the hide bit a zap that sees the VMA waits for the remap; without it, it can pass in between', () => {
  // hide_from_rmap_until_complete keeps i_mmap_rwsem write-held from vma_link_file() until the
  // action's remap is done, so a zap that finds the VMA runs after the remap.
  const make = (hide: boolean) => defineModel({
    name: `action remap (hide=${hide}) vs zap`,
    setup: () => world({ iface: 'mmap_prepare', action: true, hide_from_rmap: hide, fault: false }),
    threads: (w) => ({ mmap: map(w), zap: zap_and_check(w) }),
    witnesses: ['zap saw the VMA', 'zap ran before the link'],
  });
  holds(explore_both(make(true), { naive: true }));
  for (const r of explore_both(make(false), { naive: true })) {
    assert.equal(r.verdict, 'violated', r.strategy);
    assert.equal(r.violation?.property, 'a zap that saw the VMA cleared it', r.strategy);
  }
});

test('lock order: mmap, munmap, faults and zaps together take their locks in one order', () => {
  // mmap_lock -> i_mmap_rwsem -> page_table_lock / ptlock, driver locks where the driver takes
  // them: no cycle in the lock-order graph over every explored execution.
  const setup = world_with(() => ({ lock: new RwSem('driver.lock', { lockClass: 'driver_lock' }), enabled: new Cell('driver.enabled', true) }),
    (s) => ({ iface: 'mmap_prepare', action: true, hide_from_rmap: true, huge_fault: true, gate: s }),
    { kernel: kernel('mm-2026') });
  holds(explore_both(defineModel({
    name: 'lock order',
    setup,
    threads: (w) => ({
      map_unmap: (function* (): Gen {
        yield* map(w);
        yield* __vm_munmap(w.mm, VA, PAGE, true);
      })(),
      access: (function* (): Gen {
        yield* user_access(w.mm, VA);
      })(),
      revoke: (function* (): Gen {
        yield* w.lock.writeLock();
        yield* w.enabled.write(false);
        yield* unmap_mapping_range(w.dev.mapping, 0, 0, true);
        yield* w.lock.writeUnlock();
      })(),
    }),
  })));
});

test('lock order: a hidden action that takes the driver lock against a zap under it is an AB-BA cycle', () => {
  // The graph is fed by the model's own acquisitions: i_mmap_rwsem (W, hidden action) ->
  // driver lock, against driver lock -> i_mmap_rwsem (R, the zap), as kernel.md section 8 says.
  const setup = world_with(() => ({ lock: new RwSem('driver.lock', { lockClass: 'driver_lock' }) }), (s) => ({
    iface: 'mmap_prepare', action: true, hide_from_rmap: true, fault: false,
    *in_complete() {
      yield* s.lock.readLock();
      yield* s.lock.readUnlock();
    },
  }));
  const results = explore_both(defineModel({
    name: 'hidden action takes the driver lock',
    setup,
    threads: (w) => ({
      mmap: map(w),
      revoke: (function* (): Gen {
        yield* w.lock.writeLock();
        yield* unmap_mapping_range(w.dev.mapping, 0, 0, true);
        yield* w.lock.writeUnlock();
      })(),
    }),
  }), { naive: true });
  for (const r of results) {
    assert.equal(r.verdict, 'violated', r.strategy);
    const cycle = r.violation?.kind === 'lock-order-cycle' ? r.violation : r.cycles?.[0];
    assert.ok(cycle, `${r.strategy}: ${r.violation?.kind}`);
    assert.deepEqual(new Set(cycle.cycle!.map((e) => e.from)), new Set(['i_mmap_rwsem', 'driver_lock']), r.strategy);
  }
});

/** Leaves in tables that no walk reaches (an entry above them is not a table). */
function unreachable_leaves(mm: mm_struct): string | true {
  const pt = mm.pgtables;
  const above = { pud: ['pgd'], pmd: ['pgd', 'pud'], pte: ['pgd', 'pud', 'pmd'] } as const;
  const stale = pt.all().filter((s) => s.level !== 'pgd' && s.entry.value.kind === 'leaf' &&
    above[s.level].some((l) => pt.peek(l, s.base).kind !== 'table'));
  return stale.length === 0 || `leaves under a non-table entry: ${stale.map((s) => s.entry.name).join(', ')}`;
}

test('a fault that fell back at PUD order while another installed a PUD leaf retries, never filling the PMD level below it', () => {
  // __handle_mm_fault(): pud_trans_unstable() rereads the PUD entry after pmd_alloc() and goes
  // back to retry_pud when a huge PUD appeared meanwhile.
  const model = defineModel({
    name: 'PUD leaf vs a fault that fell back',
    setup: () => {
      const mm = mm_alloc();
      const calls = new Cell('driver.pud_calls', 0);
      const vm_ops = {
        *huge_fault(vmf: vm_fault, order: number): Gen<'VM_FAULT_FALLBACK' | 'VM_FAULT_NOPAGE' | 'VM_FAULT_SIGBUS'> {
          const pud = order === pud_order(mm.arch);
          // the first PUD-order attempt falls back, every later one inserts
          if (pud && (yield* calls.update((n) => n + 1)) === 0) {
            reach('fell back at PUD order');
            return VM_FAULT_FALLBACK;
          }
          const base = ALIGN_DOWN(vmf.address, order_size(mm.arch, order));
          const pfn = (base - VA) / PAGE;
          return (pud ? yield* vmf_insert_pfn_pud(vmf, pfn, false) : yield* vmf_insert_pfn_pmd(vmf, pfn, false)) as 'VM_FAULT_NOPAGE';
        },
      };
      const file = file_alloc('dev.file', {
        *mmap(_f, vma) {
          vm_flags_set(vma, ...VM_REMAP_FLAGS);
          vma.vm_ops = vm_ops;
          return 0;
        },
      }, address_space_alloc('dev.mapping'));
      return { mm, file };
    },
    threads: (w) => ({
      first: (function* (): Gen {
        yield* vm_mmap_pgoff(w.mm, w.file, VA, GiB, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
        yield* user_access(w.mm, VA);
      })(),
      second: (function* (): Gen {
        yield* user_access(w.mm, VA + 4 * MiB);
      })(),
    }),
    finals: { 'no leaf below a huge PUD': (w) => unreachable_leaves(w.mm) },
    witnesses: ['fell back at PUD order'],
  });
  holds(explore_both(model));
});
