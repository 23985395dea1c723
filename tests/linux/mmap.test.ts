// The mmap path (kernel.md section 2): what each driver hook sees, the order of the action, the
// rmap lock and the error paths, and the proposed populate hook. One task at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, defineModel, type Gen, type TraceEvent } from '../../src/engine/index.js';
import {
  EFAULT, EINVAL, KERNELS, MAP_FIXED, MAP_SHARED, PROT_READ, kernel, present_leaves, sequential_trace, vm_mmap_pgoff, type KernelVersion,
  type vm_area_struct,
} from '../../src/linux/index.js';
import { PAGE, VA, run_task, world } from './helpers.js';
import type { driver_options } from './driver.js';

const EIO = 5;
const ENXIO = 6;

/** Who releases the hidden rmap lock: call_action_complete() (6.19/7.0), mmap_action_finish() (mm tree). */
const rmap_unlocker = (k: KernelVersion) => (k.mmap_action_api === 'hooks' ? 'call_action_complete' : 'maybe_rmap_unlock_action');

function* map(w: ReturnType<typeof world>, len = 2 * PAGE) {
  return yield* vm_mmap_pgoff(w.mm, w.dev.file, VA, len, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
}

/** The steps of one mmap, in order. */
function mmap_trace(driver: driver_options, k: KernelVersion = KERNELS['mm-2026']): { events: TraceEvent[]; ret: unknown } {
  let ret: unknown;
  const model = defineModel({
    name: 'mmap',
    setup: () => world(driver, { kernel: k }),
    threads: (w) => ({ task: (function* (): Gen { ret = yield* map(w); })() }),
  });
  const r = sequential_trace(model);
  assert.equal(r.violation, null, r.violation?.message);
  return { events: r.trace.events, ret };
}

/** Index of the first step matching; -1 if none. */
function at(events: TraceEvent[], pred: (e: TraceEvent) => boolean): number {
  return events.findIndex(pred);
}
const in_frame = (f: string) => (e: TraceEvent) => e.frames.includes(f);
const step = (what: string) => (e: TraceEvent) => e.what === what;
const op_on = (op: string, object: string, frame?: string) => (e: TraceEvent) =>
  e.op === op && e.object.endsWith(object) && (!frame || e.frames.includes(frame));

test('a legacy ->mmap runs while the VMA is in neither the VMA tree nor i_mmap', () => {
  let seen: vm_area_struct | null = null;
  const r = run_task(() => {
    const holder: { w?: ReturnType<typeof world> } = {};
    holder.w = world({
      remap_in_mmap: true,
      *in_mmap(vma) {
        seen = vma;
        const { mm, dev } = holder.w!;
        yield* check([mm.mm_mt, dev.mapping.i_mmap], 'VMA not visible during ->mmap',
          () => (!mm.mm_mt.value.includes(vma!) && !dev.mapping.i_mmap.value.includes(vma!)) || 'VMA already visible');
      },
    });
    return holder.w;
  }, map);
  assert.equal(r.violation, null);
  assert.equal(r.ret, VA);
  assert.ok(seen);
  assert.deepEqual([r.w.mm.mm_mt.value, r.w.dev.mapping.i_mmap.value], [[seen], [seen]]);
  // its remap installed entries that no rmap walk could see at the time
  assert.equal(present_leaves(r.w.mm).length, 2);
});

test('->mmap_prepare runs before any VMA exists; its remap runs after vma_link_file', () => {
  let vma_in_prepare: unknown = 'not called';
  const { events } = mmap_trace({ iface: 'mmap_prepare', action: true, *in_mmap(v) { vma_in_prepare = v; } });
  assert.equal(vma_in_prepare, null);
  const store = at(events, step('vma_iter_store_new'));
  const link = at(events, step('vma_interval_tree_insert'));
  const unlock = at(events, op_on('write-unlock', 'i_mmap_rwsem', 'vma_link_file'));
  const remap = at(events, step('set_pte_at(pte_mkspecial(pfn_pte(pfn)))'));
  assert.ok(store >= 0 && store < link && link < unlock && unlock < remap, `${[store, link, unlock, remap]}`);
});

test('with hide_from_rmap_until_complete, i_mmap_rwsem stays write-held from the link through the hooks', () => {
  for (const k of [KERNELS['v7.0'], KERNELS['mm-2026']]) {
    for (const hide of [true, false]) {
      let holder: ReturnType<typeof world> | null = null;
      const driver: driver_options = {
        iface: 'mmap_prepare', action: true, hide_from_rmap: hide,
        *in_complete() {
          const sem = holder!.dev.mapping.i_mmap_rwsem;
          yield* check([sem], 'i_mmap_rwsem held by the hidden action', () => (sem.writer >= 0) === hide || `writer ${sem.writer}`);
        },
      };
      const model = defineModel({
        name: 'mmap',
        setup: () => (holder = world(driver, { kernel: k })),
        threads: (w) => ({ task: map(w) }),
      });
      const r = sequential_trace(model);
      assert.equal(r.violation, null, `${k.name} hide=${hide}: ${r.violation?.message}`);
      const events = r.trace.events;
      const remap = at(events, step('set_pte_at(pte_mkspecial(pfn_pte(pfn)))'));
      const unlock = at(events, op_on('write-unlock', 'i_mmap_rwsem'));
      assert.equal(hide ? unlock > remap : unlock < remap, true, `${k.name} hide=${hide}: ${[remap, unlock]}`);
      assert.equal(events[unlock].frames.includes(rmap_unlocker(k)), hide);
    }
  }
});

for (const k of [KERNELS['v6.19'], KERNELS['mm-2026']]) {
  test(`${k.name}: a failing action releases i_mmap_rwsem, then unmaps the VMA`, () => {
    const { events, ret } = mmap_trace({ iface: 'mmap_prepare', action: true, hide_from_rmap: true, complete_error: -EIO }, k);
    assert.equal(ret, -EIO);
    const unlock = at(events, op_on('write-unlock', 'i_mmap_rwsem', rmap_unlocker(k)));
    const munmap = at(events, in_frame('do_munmap'));
    const relock = at(events, op_on('write-lock', 'i_mmap_rwsem', 'do_munmap'));
    assert.ok(unlock >= 0 && unlock < munmap && munmap < relock, `${[unlock, munmap, relock]}`);
  });
}

/** One mmap_prepare mmap; returns the result and what is left. */
function prepared(k: KernelVersion, d: driver_options) {
  const r = run_task(() => world({ iface: 'mmap_prepare', action: true, ...d }, { kernel: k }), map);
  return { ret: r.ret, violation: r.violation, left: [r.w.mm.mm_mt.value.length, r.w.dev.mapping.i_mmap.value.length, present_leaves(r.w.mm).length] };
}

test('the error a failed action returns: error_hook (hooks API), error_override (mapped API)', () => {
  const to_enxio = { error_hook: () => -ENXIO };
  // an unaligned remap start fails the action itself (remap_pfn_range_internal: -EINVAL)
  const unaligned = { action_range: { offset: 1, size: PAGE } };
  // 6.19/7.0: error_hook filters the action's error, not the success hook's; both unmap
  assert.deepEqual(prepared(kernel('v7.0'), { ...unaligned, ...to_enxio }), { ret: -ENXIO, violation: null, left: [0, 0, 0] });
  assert.deepEqual(prepared(kernel('v7.0'), { complete_error: -EIO, ...to_enxio }), { ret: -EIO, violation: null, left: [0, 0, 0] });
  // mm tree: no error hook; error_override replaces the error of the action or of ->mapped
  assert.deepEqual(prepared(kernel('mm-2026'), { complete_error: -EIO, ...to_enxio }), { ret: -EIO, violation: null, left: [0, 0, 0] });
  assert.deepEqual(prepared(kernel('mm-2026'), { complete_error: -EIO, error_override: -ENXIO }), { ret: -ENXIO, violation: null, left: [0, 0, 0] });
  assert.deepEqual(prepared(kernel('mm-2026'), { ...unaligned, error_override: -ENXIO }), { ret: -ENXIO, violation: null, left: [0, 0, 0] });
});

test('mm tree: mmap_action_prepare() refuses a remap outside the desc and a non-error error_override', () => {
  const beyond = { action_range: { offset: PAGE, size: 2 * PAGE } };
  // remap_pfn_range_prepare(): range_in_vma_desc() fails before any VMA exists
  assert.deepEqual(prepared(kernel('mm-2026'), beyond), { ret: -EFAULT, violation: null, left: [0, 0, 0] });
  // 7.0 has no such check: the remap maps a PFN beyond the end of the VMA
  const old = run_task(() => world({ iface: 'mmap_prepare', ...beyond }, { kernel: kernel('v7.0') }), map);
  assert.equal(old.ret, VA);
  assert.deepEqual(present_leaves(old.w.mm).map((l) => (l.start - VA) / PAGE), [1, 2]);
  // check_mmap_action()
  assert.deepEqual(prepared(kernel('mm-2026'), { error_override: ENXIO }), { ret: -EINVAL, violation: null, left: [0, 0, 0] });
  assert.equal(prepared(kernel('v7.0'), { error_override: ENXIO }).ret, VA);
});

test('a failing legacy ->mmap has its partial remap undone and leaves no VMA', () => {
  const r = run_task(() => world({ remap_in_mmap: true, mmap_error: -EIO }), map);
  assert.equal(r.violation, null);
  assert.equal(r.ret, -EIO);
  assert.deepEqual([r.w.mm.mm_mt.value, r.w.dev.mapping.i_mmap.value, present_leaves(r.w.mm)], [[], [], []]);
});

test('PROPOSED populate hook: called after vma_link_file released i_mmap_rwsem, before mmap_write_unlock', () => {
  const on = kernel('mm-2026', { proposed_populate_hook: true });
  const { events } = mmap_trace({ populate: true }, on);
  const unlink = at(events, op_on('write-unlock', 'i_mmap_rwsem', 'vma_link_file'));
  const populate = at(events, in_frame('vm_ops->populate (proposed)'));
  const remap = at(events, step('set_pte_at(pte_mkspecial(pfn_pte(pfn)))'));
  const unlock = at(events, op_on('write-unlock', 'mmap_lock'));
  assert.ok(unlink >= 0 && unlink < populate && populate <= remap && remap < unlock, `${[unlink, populate, remap, unlock]}`);
  // the switch is off in every preset
  const off = mmap_trace({ populate: true });
  assert.equal(at(off.events, in_frame('vm_ops->populate (proposed)')), -1);
});
