// The shape of the smallest counterexamples: the seed's race for the legacy ->mmap remap, and the
// zap slipping between the prepare-time check and the link for the hidden action; both replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore, replay, type CheckResult, type TraceEvent } from '../../src/engine/index.js';
import { find_design } from '../../src/drivers/vfio-pci/index.js';
import { find_scenario, vfio_model } from '../../src/scenarios/vfio.js';

function minimal(design: string): CheckResult {
  const r = explore(vfio_model(find_design(design)!, find_scenario('race')!), { minimize: true });
  assert.equal(r.verdict, 'violated');
  return r;
}

/** Index of the first event matching, or a failure saying what is missing. */
function at(events: readonly TraceEvent[], what: string, pred: (e: TraceEvent) => boolean): number {
  const i = events.findIndex(pred);
  assert.ok(i >= 0, `no ${what} in the trace`);
  return i;
}

const inFrame = (f: string) => (e: TraceEvent) => e.frames.includes(f);

test('legacy-remap: the driver remaps before vma_link_file, the zap walks an i_mmap without the VMA, the VMA is linked afterwards', () => {
  const r = minimal('legacy-remap');
  const ev = r.violation!.trace.events;
  const user = (e: TraceEvent) => e.thread === 'user';
  const zap = (e: TraceEvent) => e.thread === 'revoke';
  // the driver sees memory enabled under memory_lock and remaps in ->mmap
  const check = at(ev, 'driver check', (e) => user(e) && inFrame('vfio_pci_core_mmap')(e) && e.what === '__vfio_pci_memory_enabled?');
  assert.equal(ev[check].value, true);
  const remap = at(ev, 'remap in ->mmap', (e) => user(e) && inFrame('vfio_pci_core_mmap')(e) && inFrame('remap_pte_range')(e) && !!e.what?.startsWith('set_pte_at'));
  // the zap under memory_lock walks i_mmap, which does not hold the VMA yet
  const walk = at(ev, 'the zap walking i_mmap', (e) => zap(e) && e.what === 'vma_interval_tree_foreach');
  assert.deepEqual(ev[walk].value, []);
  assert.ok(inFrame('unmap_mapping_range')(ev[walk]) && inFrame('vfio_pci_zap_and_down_write_memory_lock')(ev[walk]));
  const disable = at(ev, 'MEM cleared', (e) => zap(e) && e.what === 'vconfig[PCI_COMMAND] MEM = 0');
  // then the VMA is linked with its entry present, while memory is disabled
  const link = at(ev, 'vma_link_file', (e) => user(e) && e.what === 'vma_interval_tree_insert' && inFrame('vma_link_file')(e));
  assert.ok(check < remap && remap < walk && walk < disable && disable < link, `order: ${[check, remap, walk, disable, link]}`);
  // and the touch after the revocation reaches the BAR
  const last = ev[ev.length - 1];
  assert.equal(last.thread, 'user');
  assert.equal(last.what, 'no stale device mapping');
  assert.equal(r.minimization!.preemptions, 1);
});

test('prepare-remap-hidden: the zap completes between the prepare-time check and the link', () => {
  const r = minimal('prepare-remap-hidden');
  const ev = r.violation!.trace.events;
  const check = at(ev, 'prepare-time check', (e) => inFrame('vfio_pci_core_mmap_prepare')(e) && e.what === '__vfio_pci_memory_enabled?');
  const zapDone = at(ev, 'the end of the zap', (e) => e.thread === 'revoke' && inFrame('up_write(memory_lock)')(e));
  const link = at(ev, 'vma_link_file', (e) => e.what === 'vma_interval_tree_insert');
  const remap = at(ev, 'the action remap', (e) => inFrame('mmap_action_complete')(e) && !!e.what?.startsWith('set_pte_at'));
  assert.ok(check < zapDone && zapDone < link && link < remap, `order: ${[check, zapDone, link, remap]}`);
  // the rmap lock is held from the link until the remap completed: no zap could see the VMA empty
  const unlock = at(ev, 'rmap unlock', (e) => inFrame('maybe_rmap_unlock_action')(e));
  assert.ok(remap < unlock);
});

test('every minimal counterexample replays from its schedule string to the same trace', () => {
  for (const d of ['legacy-remap-nozap', 'legacy-remap', 'prepare-remap', 'prepare-remap-hidden', 'prepare-remap-hidden-checked']) {
    const r = minimal(d);
    const rep = replay(vfio_model(find_design(d)!, find_scenario('race')!), r.violation!.trace.schedule);
    assert.deepEqual(rep.trace, r.violation!.trace, d);
    assert.equal(rep.violation?.kind, r.violation!.kind, d);
  }
});
