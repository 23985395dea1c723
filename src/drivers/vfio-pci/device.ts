// The VFIO-PCI device: its BARs, the memory-enable state that memory_lock protects, the device
// inode whose address_space every fd shares, and the revocation paths that zap the BAR mappings
// (drivers/vfio/pci/vfio_pci_core.c, drivers/vfio/pci/vfio_pci_config.c, mainline 6.12+ and
// the mm tree of 2026; the DMABUF revocation beside the zap is not modelled).
import { Cell, Mutex, RwSem, atomic, kfunc, reach, type Gen } from '../../engine/index.js';
import {
  EBUSY, EINVAL, address_space_alloc, file_alloc, mod, unmap_mapping_range,
  type Arch, type address_space, type file, type file_operations, type vm_area_struct,
} from '../../linux/index.js';

/** VFIO_PCI_OFFSET_SHIFT (vfio_pci_priv.h): the region index sits at file-offset bit 40. */
export const VFIO_PCI_OFFSET_SHIFT = 40;
/** VFIO_PCI_BAR0_REGION_INDEX .. BAR5, then the ROM (include/uapi/linux/vfio.h) */
export const VFIO_PCI_BAR0_REGION_INDEX = 0;
export const VFIO_PCI_ROM_REGION_INDEX = 6;

/** VFIO_PCI_INDEX_TO_OFFSET(): a region's first byte in the device fd (2^40 per region). */
export function VFIO_PCI_INDEX_TO_OFFSET(index: number): number {
  return index * 2 ** VFIO_PCI_OFFSET_SHIFT;
}

/** Pages per region: 1 << (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT). */
function region_pages(arch: Arch): number {
  return 2 ** VFIO_PCI_OFFSET_SHIFT / arch.page_size;
}

/** vm_pgoff >> (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT): the region a page offset lies in. */
export function vfio_pci_pgoff_index(arch: Arch, pgoff: number): number {
  return Math.floor(pgoff / region_pages(arch));
}

/** vm_pgoff & ((1 << (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT)) - 1): the page offset inside the region. */
export function vfio_pci_pgoff_in_region(arch: Arch, pgoff: number): number {
  return mod(pgoff, region_pages(arch));
}

/** The device-fd page offset of page `page` of BAR `index`. */
export function vfio_pci_bar_pgoff(arch: Arch, index: number, page = 0): number {
  return index * region_pages(arch) + page;
}

/** A memory BAR: pci_resource_start() >> PAGE_SHIFT, its length in pages, bar_mmap_supported[]. */
export interface pci_bar {
  readonly index: number;
  readonly start_pfn: number;
  readonly pages: number;
  readonly mmap_supported: boolean;
}

/** pdev->current_state; D1/D2 are not modelled (VFIO treats them as enabled). */
export type pci_power_t = 'D0' | 'D3hot';

/**
 * What decides whether the BARs may be touched, one Cell because every field is written under
 * memory_lock (write) and read under it (read): the virtual command register's MEM bit, the
 * power state, runtime PM engaged by low-power entry, and whether a reset is running (the
 * physical device does not decode its BARs then, whatever the virtual register says).
 */
export interface vfio_pci_state {
  /** vconfig[PCI_COMMAND] & PCI_COMMAND_MEMORY */
  readonly cmd_memory: boolean;
  readonly current_state: pci_power_t;
  readonly pm_runtime_engaged: boolean;
  readonly in_reset: boolean;
}

/** __vfio_pci_memory_enabled() (vfio_pci_config.c): below D3hot and MEM set (no SR-IOV VF here). */
export function __vfio_pci_memory_enabled(s: vfio_pci_state): boolean {
  return s.current_state !== 'D3hot' && s.cmd_memory;
}

/** What the fault path tests: !pm_runtime_engaged && __vfio_pci_memory_enabled(). */
export function vfio_pci_memory_usable(s: vfio_pci_state): boolean {
  return !s.pm_runtime_engaged && __vfio_pci_memory_enabled(s);
}

/** Whether a CPU access reaching a BAR would reach a device that decodes it. */
export function vfio_pci_bars_accessible(s: vfio_pci_state): boolean {
  return vfio_pci_memory_usable(s) && !s.in_reset;
}

/** A short text of the state, for traces and explanations. */
export function describe_state(s: vfio_pci_state): string {
  const parts = [s.cmd_memory ? 'MEM on' : 'MEM off', s.current_state];
  if (s.pm_runtime_engaged) parts.push('low power');
  if (s.in_reset) parts.push('in reset');
  return parts.join(', ');
}

/**
 * Tracepoints scenarios attach properties and coverage to; they do not change what the device
 * does. Each runs with memory_lock held for write. `revoked` runs at both ends of every window in
 * which the BARs are inaccessible and the lock is held: after a revocation's state change (before
 * up_write), at the start and the end of a reset, and at the start of a re-enable.
 */
export interface vfio_pci_tracepoints {
  /** after vfio_pci_zap_bars(), with the VMAs the zap walked */
  zapped?(vdev: vfio_pci_core_device, vmas: readonly vm_area_struct[]): Gen;
  /** the BARs are inaccessible (memory disabled, low power, or a reset running) and the lock is still held */
  revoked?(vdev: vfio_pci_core_device): Gen;
}

/**
 * What a design changes in the driver: the fops of the device fd and how a revocation zaps.
 * Everything else (state, locking, revocation triggers) is VFIO's and shared by every design.
 */
export interface vfio_pci_variant {
  readonly name: string;
  /** the device fd's file_operations (vfio_device_fops -> the device's ->mmap or ->mmap_prepare) */
  readonly fops: file_operations;
  /** vfio_pci_zap_bars(): the VMAs it walked */
  zap_bars(vdev: vfio_pci_core_device): Gen<vm_area_struct[]>;
}

/** struct vfio_pci_core_device, as far as the mapping paths use it (include/linux/vfio_pci_core.h). */
export interface vfio_pci_core_device {
  readonly name: string;
  readonly arch: Arch;
  /** pdev->resource[0..5] that are memory BARs */
  readonly bars: readonly pci_bar[];
  /** core_vdev->inode->i_mapping: the f_mapping of every fd of the device */
  readonly inode: address_space;
  /** rw_semaphore memory_lock: the memory-enable state and the BAR mappings */
  readonly memory_lock: RwSem;
  readonly state: Cell<vfio_pci_state>;
  /** dev_set->lock (vfio_main.c): a device set of this one device */
  readonly dev_set_lock: Mutex;
  readonly variant: vfio_pci_variant;
  readonly trace: vfio_pci_tracepoints;
}

export interface vfio_pci_options {
  readonly name?: string;
  readonly arch: Arch;
  readonly bars: readonly pci_bar[];
  readonly variant: vfio_pci_variant;
  readonly trace?: vfio_pci_tracepoints;
  readonly state?: Partial<vfio_pci_state>;
}

/** LOCK_CLASSES of the driver, beside the mm's. */
export const VFIO_LOCK_CLASSES = { memory_lock: 'memory_lock', dev_set_lock: 'dev_set->lock' } as const;

/**
 * vfio_pci_core_init_dev() + vfio_pci_core_enable(): an opened device, memory decode enabled,
 * in D0. Call in a model's setup.
 */
export function vfio_pci_core_device_alloc(opts: vfio_pci_options): vfio_pci_core_device {
  const name = opts.name ?? 'vdev';
  for (const bar of opts.bars) {
    // a BAR's physical base is aligned to its size (PCI), which makes huge leaves possible
    if (mod(bar.start_pfn, 2 ** Math.ceil(Math.log2(bar.pages))) !== 0) throw new RangeError(`BAR${bar.index} base is not aligned to its size`);
  }
  return {
    name,
    arch: opts.arch,
    bars: opts.bars,
    inode: address_space_alloc(`${name}.inode`, opts.arch),
    memory_lock: new RwSem(`${name}.memory_lock`, { lockClass: VFIO_LOCK_CLASSES.memory_lock }),
    state: new Cell<vfio_pci_state>(`${name}.state`, {
      cmd_memory: true, current_state: 'D0', pm_runtime_engaged: false, in_reset: false, ...opts.state,
    }),
    dev_set_lock: new Mutex(`${name}.dev_set->lock`, { lockClass: VFIO_LOCK_CLASSES.dev_set_lock }),
    variant: opts.variant,
    trace: opts.trace ?? {},
  };
}

/** vfio_device_fops_cdev_open(): a new fd of the device; its f_mapping is the device inode's. */
export function vfio_device_open(vdev: vfio_pci_core_device, name: string): file {
  return file_alloc(name, vdev.variant.fops, vdev.inode, { private_data: vdev });
}

/** The device behind a file or a VMA (file->private_data, vma->vm_private_data). */
export function vfio_pci_device_of(x: { readonly private_data?: unknown; readonly vm_private_data?: unknown }): vfio_pci_core_device {
  const vdev = (x.private_data ?? x.vm_private_data) as vfio_pci_core_device | undefined;
  if (!vdev?.memory_lock) throw new Error('not a VFIO-PCI device file or VMA');
  return vdev;
}

export function vfio_pci_bar(vdev: vfio_pci_core_device, index: number): pci_bar | undefined {
  return vdev.bars.find((b) => b.index === index);
}

/**
 * What down_read(&vdev->memory_lock) leaves with its caller: lockdep's record that this task holds
 * the lock for read, which lockdep_assert_held_read() checks. Thread-local like lockdep's
 * held-lock stack, so the assertion costs no step and conflicts with nothing.
 */
export interface memory_lock_read {
  readonly vdev: vfio_pci_core_device;
  held: boolean;
}

// include/linux/rwsem.h on &vdev->memory_lock, named so that traces read like the source.
export const down_read = kfunc('down_read(memory_lock)', function* (vdev: vfio_pci_core_device): Gen<memory_lock_read> {
  yield* vdev.memory_lock.readLock();
  return { vdev, held: true };
});
export const up_read = kfunc('up_read(memory_lock)', function* (lock: memory_lock_read): Gen {
  lock.held = false;
  yield* lock.vdev.memory_lock.readUnlock();
});
export const down_write = kfunc('down_write(memory_lock)', function* (vdev: vfio_pci_core_device): Gen { yield* vdev.memory_lock.writeLock(); });
export const up_write = kfunc('up_write(memory_lock)', function* (vdev: vfio_pci_core_device): Gen { yield* vdev.memory_lock.writeUnlock(); });
export const down_write_trylock = kfunc('down_write_trylock(memory_lock)', function* (vdev: vfio_pci_core_device): Gen<boolean> {
  return yield* vdev.memory_lock.tryWriteLock();
});

/** The zap since 6.10: unmap_mapping_range() over BAR0..BAR5 of the device inode. */
export function* unmap_bars(vdev: vfio_pci_core_device): Gen<vm_area_struct[]> {
  const start = VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
  const end = VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX);
  return yield* unmap_mapping_range(vdev.inode, start, end - start, true);
}

// vfio_pci_core.c: vfio_pci_zap_bars(), as the design does it.
export const vfio_pci_zap_bars = kfunc('vfio_pci_zap_bars', function* (vdev: vfio_pci_core_device): Gen {
  const vmas = yield* vdev.variant.zap_bars(vdev);
  if (vmas.length) reach('zap found the VMA');
  if (vdev.trace.zapped) yield* vdev.trace.zapped(vdev, vmas);
});

// vfio_pci_core.c
export const vfio_pci_zap_and_down_write_memory_lock = kfunc('vfio_pci_zap_and_down_write_memory_lock',
  function* (vdev: vfio_pci_core_device): Gen {
    yield* down_write(vdev);
    yield* vfio_pci_zap_bars(vdev);
  });

/** Runs the `revoked` tracepoint if the BARs are inaccessible in state s (memory_lock held for write). */
function* revoked_point(vdev: vfio_pci_core_device, s: vfio_pci_state): Gen {
  if (!vfio_pci_bars_accessible(s) && vdev.trace.revoked) yield* vdev.trace.revoked(vdev);
}

/** The same at the start of a re-enable, where the state has not been read yet (a step only if traced). */
function* revoked_until_now(vdev: vfio_pci_core_device): Gen {
  if (vdev.trace.revoked) yield* revoked_point(vdev, yield* vdev.state.read());
}

/** Changes the state under memory_lock (write), `what` saying how; returns the new state. */
function* set_state(vdev: vfio_pci_core_device, what: string, f: (s: vfio_pci_state) => vfio_pci_state): Gen<vfio_pci_state> {
  const state = vdev.state;
  return yield* atomic({ writes: [state] }, what, () => (state.value = f(state.value)));
}

/**
 * vfio_basic_config_write() for PCI_COMMAND (vfio_pci_config.c): a write with MEM clear zaps
 * under memory_lock (even if MEM was already clear), a write with MEM set only takes the lock;
 * the new MEM bit is stored in vconfig before up_write. A BAR restore after a backdoor reset
 * is not modelled.
 */
export const vfio_basic_config_write = kfunc('vfio_basic_config_write', function* (vdev: vfio_pci_core_device,
  new_mem: boolean): Gen<number> {
  if (!new_mem) yield* vfio_pci_zap_and_down_write_memory_lock(vdev);
  else {
    yield* down_write(vdev);
    yield* revoked_until_now(vdev);
  }
  const s = yield* set_state(vdev, `vconfig[PCI_COMMAND] MEM = ${new_mem ? 1 : 0}`, (st) => ({ ...st, cmd_memory: new_mem }));
  yield* revoked_point(vdev, s);
  yield* up_write(vdev);
  return 0;
});

// vfio_pci_core.c: vfio_pci_set_power_state() (pci_set_power_state; save/restore not modelled).
const vfio_pci_set_power_state = kfunc('vfio_pci_set_power_state', function* (vdev: vfio_pci_core_device,
  state: pci_power_t): Gen<vfio_pci_state> {
  return yield* set_state(vdev, `pdev->current_state = ${state}`, (st) => ({ ...st, current_state: state }));
});

/**
 * vfio_pm_config_write() -> vfio_lock_and_set_power_state() (vfio_pci_config.c): a move to
 * D3hot zaps under memory_lock; D0 only takes the lock.
 */
export const vfio_lock_and_set_power_state = kfunc('vfio_lock_and_set_power_state', function* (vdev: vfio_pci_core_device,
  state: pci_power_t): Gen<number> {
  if (state === 'D3hot') yield* vfio_pci_zap_and_down_write_memory_lock(vdev);
  else {
    yield* down_write(vdev);
    yield* revoked_until_now(vdev);
  }
  const s = yield* vfio_pci_set_power_state(vdev, state);
  yield* revoked_point(vdev, s);
  yield* up_write(vdev);
  return 0;
});

/**
 * A function or bus reset (drivers/pci/pci.c): the function stops decoding while it resets,
 * then its config space is restored, so the virtual MEM bit stands again.
 */
function* pci_reset(vdev: vfio_pci_core_device): Gen<number> {
  const s = yield* set_state(vdev, 'reset starts: BARs not decoded', (st) => ({ ...st, in_reset: true }));
  // at both ends of the window: what the zap left, and what appeared during the reset
  yield* revoked_point(vdev, s);
  yield* revoked_point(vdev, s);
  yield* set_state(vdev, 'reset done: config space restored', (st) => ({ ...st, in_reset: false }));
  return 0;
}

// drivers/pci/pci.c
const pci_try_reset_function = kfunc('pci_try_reset_function', pci_reset);
// drivers/pci/pci.c
const pci_reset_bus = kfunc('pci_reset_bus', pci_reset);

// vfio_pci_config.c: vfio_exp_config_write() with PCI_EXP_DEVCTL_BCR_FLR set (a user FLR).
export const vfio_exp_config_write_flr = kfunc('vfio_exp_config_write', function* (vdev: vfio_pci_core_device): Gen<number> {
  yield* vfio_pci_zap_and_down_write_memory_lock(vdev);
  yield* pci_try_reset_function(vdev);
  yield* up_write(vdev);
  return 0;
});

// vfio_pci_core.c: VFIO_DEVICE_RESET; the reset also moves the device to D0.
export const vfio_pci_ioctl_reset = kfunc('vfio_pci_ioctl_reset', function* (vdev: vfio_pci_core_device): Gen<number> {
  yield* vfio_pci_zap_and_down_write_memory_lock(vdev);
  yield* vfio_pci_set_power_state(vdev, 'D0');
  const ret = yield* pci_try_reset_function(vdev);
  yield* up_write(vdev);
  return ret;
});

/**
 * vfio_pci_dev_set_hot_reset() (vfio_pci_core.c), for a device set of one device: under
 * dev_set->lock, memory_lock is only try-locked (locking several devices could deadlock), so a
 * busy lock fails the reset with -EBUSY.
 */
export const vfio_pci_dev_set_hot_reset = kfunc('vfio_pci_dev_set_hot_reset', function* (vdev: vfio_pci_core_device): Gen<number> {
  yield* vdev.dev_set_lock.lock();
  let ret = -EBUSY;
  if (yield* down_write_trylock(vdev)) {
    yield* vfio_pci_zap_bars(vdev);
    yield* vfio_pci_set_power_state(vdev, 'D0');
    ret = yield* pci_reset_bus(vdev);
    yield* up_write(vdev);
  } else {
    reach('hot reset found memory_lock busy');
  }
  yield* vdev.dev_set_lock.unlock();
  return ret;
});

// vfio_pci_core.c: VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY; faults SIGBUS until the exit.
export const vfio_pci_runtime_pm_entry = kfunc('vfio_pci_runtime_pm_entry', function* (vdev: vfio_pci_core_device): Gen<number> {
  yield* vfio_pci_zap_and_down_write_memory_lock(vdev);
  const was = yield* vdev.state.read();
  if (was.pm_runtime_engaged) {
    yield* up_write(vdev);
    return -EINVAL;
  }
  const s = yield* set_state(vdev, 'pm_runtime_engaged = true', (st) => ({ ...st, pm_runtime_engaged: true }));
  yield* revoked_point(vdev, s);
  yield* up_write(vdev);
  return 0;
});

// vfio_pci_core.c: VFIO_DEVICE_FEATURE_LOW_POWER_EXIT.
export const vfio_pci_runtime_pm_exit = kfunc('vfio_pci_runtime_pm_exit', function* (vdev: vfio_pci_core_device): Gen<number> {
  yield* down_write(vdev);
  yield* revoked_until_now(vdev);
  yield* set_state(vdev, 'pm_runtime_engaged = false', (st) => ({ ...st, pm_runtime_engaged: false }));
  yield* up_write(vdev);
  return 0;
});

/** What a user (or the host) can do to the device's memory access, by the kernel path it takes. */
export type vfio_pci_action =
  /** lasting revocations and their re-enables */
  | 'command-mem-off' | 'command-mem-on' | 'd3hot' | 'd0' | 'low-power-entry' | 'low-power-exit'
  /** transient revocations: zap, reset, and faults refill afterwards */
  | 'flr' | 'device-reset' | 'hot-reset';

export const VFIO_PCI_ACTIONS: Readonly<Record<vfio_pci_action, { readonly kind: 'lasting' | 're-enable' | 'transient'; readonly what: string; run(vdev: vfio_pci_core_device): Gen<number> }>> = {
  'command-mem-off': { kind: 'lasting', what: 'PCI_COMMAND write with MEM clear', run: (v) => vfio_basic_config_write(v, false) },
  'command-mem-on': { kind: 're-enable', what: 'PCI_COMMAND write with MEM set', run: (v) => vfio_basic_config_write(v, true) },
  d3hot: { kind: 'lasting', what: 'PCI_PM_CTRL write to D3hot', run: (v) => vfio_lock_and_set_power_state(v, 'D3hot') },
  d0: { kind: 're-enable', what: 'PCI_PM_CTRL write to D0', run: (v) => vfio_lock_and_set_power_state(v, 'D0') },
  'low-power-entry': { kind: 'lasting', what: 'VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY', run: vfio_pci_runtime_pm_entry },
  'low-power-exit': { kind: 're-enable', what: 'VFIO_DEVICE_FEATURE_LOW_POWER_EXIT', run: vfio_pci_runtime_pm_exit },
  flr: { kind: 'transient', what: 'PCI_EXP_DEVCTL write with BCR_FLR (function reset)', run: vfio_exp_config_write_flr },
  'device-reset': { kind: 'transient', what: 'VFIO_DEVICE_RESET', run: vfio_pci_ioctl_reset },
  'hot-reset': { kind: 'transient', what: 'VFIO_DEVICE_PCI_HOT_RESET (try-locks memory_lock)', run: vfio_pci_dev_set_hot_reset },
};
