// The CPU-column renderer: the seed-style table of the legacy-remap race within 72 characters,
// and the generic rules (any number of threads, depth, chains, elision) on made-up traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore, type Trace, type TraceEvent } from '../../src/engine/index.js';
import { find_design } from '../../src/drivers/vfio-pci/index.js';
import { column_landmark, find_scenario, hides_from_columns, vfio_model } from '../../src/scenarios/vfio.js';
import { elide, renderColumns } from '../../src/report/columns.js';

test('the legacy-remap race as CPU columns: two threads within 72 characters, in the seed\'s order', () => {
  const r = explore(vfio_model(find_design('legacy-remap')!, find_scenario('race')!), { minimize: true });
  const text = renderColumns(r.violation!.trace, { hide: hides_from_columns, landmark: column_landmark });
  const lines = text.trimEnd().split('\n');
  for (const l of lines) assert.ok(l.length <= 72, `${l.length}: ${l}`);
  assert.match(lines[0], /^user CPU 0 +revoke CPU 1$/);
  const right = 37; // the second column starts after 35 + 2
  const row = (text: string, column: 'left' | 'right') => lines.findIndex((l) =>
    column === 'left' ? l.slice(0, right).trim() === text : l.length > right && l.slice(right).trim() === text);
  const order = [
    row('vfio_pci_core_mmap', 'left'), row('down_read(memory_lock)', 'left'), row('remap_pfn_range', 'left'),
    row('up_read(memory_lock)', 'left'), row('down_write(memory_lock)', 'right'), row('unmap_mapping_range', 'right'),
    row('vconfig[PCI_COMMAND] MEM = 0', 'right'), row('up_write(memory_lock)', 'right'), row('vma_link_file', 'left'),
  ];
  assert.ok(order.every((i) => i > 0), `missing rows: ${order}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order);
  assert.equal(lines[lines.length - 1], '!! no stale device mapping');
  assert.ok(!text.includes('mmaps in flight'), 'instrumentation is hidden');
});

const ev = (step: number, thread: string, frames: string[], what: string): TraceEvent => ({ step, thread, frames, op: 'step', object: 'x', what });

test('columns are generic: three threads, a depth limit, chains, long names cut in the middle', () => {
  const deep = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const trace: Trace = {
    threads: ['t0', 't1', 't2'],
    schedule: '',
    events: [
      ev(0, 't0', ['outer', 'only_child', 'worker'], 'first'),
      ev(1, 't0', ['outer', 'only_child', 'worker', 'helper'], 'second'),
      ev(2, 't1', deep, 'deep step'),
      ev(3, 't2', ['a_function_name_much_longer_than_any_column_allows'], 'x'),
      ev(4, 't2', [], 'fails'),
    ],
  };
  const text = renderColumns(trace, { maxDepth: 3 });
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0], /^t0 CPU 0 +t1 CPU 1 +t2 CPU 2$/);
  for (const l of lines) assert.ok(l.length <= 72, l);
  // a chain whose last frame does the work is shown by that frame
  assert.ok(lines.some((l) => l.trim() === 'worker') && !lines.some((l) => l.includes('only_child')));
  // nothing deeper than the limit
  assert.ok(lines.some((l) => l.trim() === 'a') && !lines.some((l) => l.includes('deep step')));
  assert.ok(lines.some((l) => l.includes('…')));
  assert.match(lines[lines.length - 1], /!! fails$/);
});

test('elide keeps both ends of a name', () => {
  const e = elide('vfio_pci_zap_and_down_write_memory_lock', 20);
  assert.equal(e.length, 20);
  assert.ok(e.startsWith('vfio_pci_z') && e.endsWith('ory_lock') && e.includes('…'));
  assert.equal(elide('short', 20), 'short');
});
