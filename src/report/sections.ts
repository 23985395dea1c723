// The state panels of the HTML report: a scenario's snapshot as sections of rows.
import type { vfio_snapshot } from '../scenarios/vfio.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

function isVfioSnapshot(s: unknown): s is vfio_snapshot {
  return typeof s === 'object' && s !== null && 'procs' in s && 'locks' in s && 'device' in s;
}

/**
 * VFIO snapshots become four panels: the device, the locks, every VMA with its VMA-tree
 * and i_mmap membership, and every present page-table leaf, marked stale when it maps
 * the BAR while the device is inaccessible. Other snapshots are shown as they are.
 */
export function stateSections(snap: unknown): unknown {
  if (!isVfioSnapshot(snap)) return snap;
  return {
    device: [{ state: snap.device, accessible: snap.accessible ? 'yes' : 'no' }],
    locks: snap.locks.map((l) => ({
      lock: l.name, writer: l.writer >= 0 ? `thread ${l.writer}` : '', readers: l.readers.map((t) => `thread ${t}`).join(', '),
    })),
    'VMAs (VMA tree, i_mmap)': snap.procs.flatMap((p) => p.vmas.map((v) => ({
      process: p.name, range: `${hex(v.start)}-${hex(v.end)}`, 'in VMA tree': v.in_tree ? 'yes' : 'no', 'in i_mmap': v.linked ? 'yes' : 'no',
    }))),
    'page-table leaves': snap.procs.flatMap((p) => p.leaves.map((l) => ({
      process: p.name, level: l.level, va: hex(l.start), pfn: hex(l.pfn), BAR: l.bar ? 'yes' : 'no',
      ...(l.bar && !snap.accessible ? { stale: true, note: 'stale: device inaccessible' } : {}),
    }))),
  };
}
