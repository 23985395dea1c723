// The cases the June 2026 thread argued about, on x86_64 and on arm64 with each granule.
import { ARCHES, DEFAULT_KERNEL, type Arch, type ArchName, type KernelVersion } from '../linux/index.js';
import { analyze, type align_options, type align_report } from './analyze.js';
import { default_layout } from './layout.js';
import type { mapping, region } from './device.js';

export interface align_case {
  /** short label for the comparison table (≤ 10 characters) */
  readonly label: string;
  readonly name: string;
  readonly title: string;
  readonly region: region;
  readonly maps: readonly mapping[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const CASE_ARCHES: readonly ArchName[] = ['x86_64', 'arm64-4k', 'arm64-16k', 'arm64-64k'];

/** The built-in cases for one arch (the MSI-X hole is one page of that arch). */
export function builtin_cases(arch: Arch): align_case[] {
  const page = arch.page_size;
  return [
    {
      label: '2G BAR', name: 'bar-2g', title: 'a 2 GiB BAR mapped whole',
      region: { size: 2 * GiB, phys: 0x380000000000 }, maps: [{ offset: 0, length: 2 * GiB }],
    },
    {
      label: 'MSI-X 64M', name: 'msix-hole', title: 'DPDK around the MSI-X table: 0..2M, then 2M + a page .. 64M of a 64 MiB BAR',
      region: { size: 64 * MiB, phys: 0x381000000000 },
      maps: [{ offset: 0, length: 2 * MiB }, { offset: 2 * MiB + page, length: 62 * MiB - page }],
    },
    {
      label: '188G+15M', name: 'gb200', title: 'a device memory region of 0x2F00F00000 bytes (GB200), mapped whole',
      region: { size: 0x2f00f00000, phys: 0x400000000000 }, maps: [{ offset: 0, length: 0x2f00f00000 }],
    },
    {
      label: '16M BAR', name: 'bar-16m', title: 'a 16 MiB BAR mapped whole',
      region: { size: 16 * MiB, phys: 0x382000000000 }, maps: [{ offset: 0, length: 16 * MiB }],
    },
    {
      label: '256K BAR', name: 'bar-256k', title: 'a 256 KiB BAR mapped whole',
      region: { size: 256 * KiB, phys: 0x382100000000 }, maps: [{ offset: 0, length: 256 * KiB }],
    },
    {
      label: '1G at +2M', name: 'pmd-only', title: '1 GiB at offset 2 MiB of a 2 GiB BAR: only 2 MiB leaves can ever fit',
      region: { size: 2 * GiB, phys: 0x384000000000 }, maps: [{ offset: 2 * MiB, length: GiB }],
    },
  ];
}

export interface case_row {
  readonly arch: Arch;
  readonly case: align_case;
  readonly report: align_report;
}

export interface cases_options extends Omit<align_options, 'layouts'> {
  readonly arches?: readonly ArchName[];
  readonly kernel?: KernelVersion;
}

/** Every built-in case on every arch asked, each on the arch's default layout. */
export function run_cases(opts: cases_options = {}): case_row[] {
  const kernel = opts.kernel ?? DEFAULT_KERNEL;
  return (opts.arches ?? CASE_ARCHES).flatMap((name) => {
    const arch = ARCHES[name];
    return builtin_cases(arch).map((c) => ({
      arch, case: c, report: analyze({ arch, kernel, region: c.region, maps: c.maps }, { ...opts, layouts: [default_layout(arch)] }),
    }));
  });
}
