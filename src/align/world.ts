// One process, built through the model: its earlier mmaps (the layout), then the device mappings
// as the policy makes them. Both counting methods start from this world.
import { defineModel, runSequential } from '../engine/index.js';
import {
  IS_ERR_VALUE, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, mm_alloc, vm_mmap_pgoff, type Arch, type KernelVersion,
  type file, type mm_struct, type vm_area_struct,
} from '../linux/index.js';
import { device_file, type mapping, type region } from './device.js';
import { mmap_device, type policy } from './policy.js';
import type { layout_spec } from './layout.js';

export interface align_setup {
  readonly arch: Arch;
  readonly kernel: KernelVersion;
  readonly region: region;
  /** the mmaps of the region, made in this order */
  readonly maps: readonly mapping[];
}

export interface placement {
  readonly map: mapping;
  /** what mmap returned: the address or -errno */
  readonly addr: number;
  readonly vma: vm_area_struct | null;
}

export interface world {
  readonly mm: mm_struct;
  readonly file: file;
  readonly placements: readonly placement[];
}

/** A sequential run of the model; a violation (a BUG, a broken contract, a thread that threw) becomes an exception. */
export function run_or_throw<S>(model: Parameters<typeof runSequential<S>>[0]): ReturnType<typeof runSequential<S>> {
  const run = runSequential(model, { lean: true });
  if (run.violation) throw new Error(`${model.name}: ${run.violation.message}`);
  return run;
}

export function build_world(setup: align_setup, pol: policy, layout: layout_spec): world {
  const addrs: number[] = [];
  const run = run_or_throw(defineModel({
    name: `align: ${pol.name} on the ${layout.name} layout`,
    setup: () => {
      const mm = mm_alloc({ arch: setup.arch, kernel: setup.kernel, topdown: layout.topdown, mmap_base: layout.mmap_base });
      return { mm, file: device_file(setup.arch, setup.region, pol.get_unmapped_area) };
    },
    threads: (s) => ({
      process: (function* () {
        for (const v of layout.maps) {
          const flags = MAP_PRIVATE | MAP_ANONYMOUS | (v.addr === undefined ? 0 : MAP_FIXED);
          const ret = yield* vm_mmap_pgoff(s.mm, null, v.addr ?? 0, v.len, PROT_READ, flags, 0);
          if (IS_ERR_VALUE(ret)) throw new Error(`layout ${layout.name}: mmap of ${v.what} failed (${ret})`);
        }
        for (const m of setup.maps) addrs.push(yield* (pol.map ?? mmap_device)(s.mm, s.file, m));
      })(),
    }),
  }));
  const { mm, file } = run.state;
  const vmas = mm.mm_mt.value;
  const placements = setup.maps.map((map, i) => ({
    map, addr: addrs[i], vma: IS_ERR_VALUE(addrs[i]) ? null : vmas.find((v) => v.vm_start === addrs[i] && v.vm_file === file) ?? null,
  }));
  return { mm, file, placements };
}
