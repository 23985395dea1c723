// mmcheck align: compare the alignment proposals for a device mapping, or print the built-in cases.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ALIGN, ARCHES, KERNELS, kernel as kernel_preset, type ArchName, type KernelName, type ThpSysfs } from '../linux/index.js';
import {
  AlignInputError, POLICY_NAMES, align_chart_svg, analyze, cases_chart_svg, default_layout, EMPTY_LAYOUT, given_layout, parse_size,
  random_layouts, render_align_json, render_align_text, render_cases_json, render_cases_text, run_cases, type Method, type PolicyName,
  type layout_spec,
} from '../align/index.js';
import { EXIT, UsageError } from './errors.js';
import { writeOutput } from './output.js';

interface AlignOpts {
  cases?: boolean;
  size?: number;
  phys?: number;
  offset?: number[];
  length?: number[];
  arch?: ArchName;
  kernel: KernelName;
  thp?: ThpSysfs;
  policy?: PolicyName[];
  layout: 'default' | 'empty';
  vma?: [number, number][];
  layouts?: number;
  seed: number;
  method: Method;
  format: 'text' | 'json' | 'svg';
  output?: string;
}

/** An option value parsed as a size; bad input becomes commander's one-line usage error. */
const size = (what: string) => (v: string): number => {
  try {
    return parse_size(v, what);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
};
const sizes = (what: string) => (v: string, prev: number[] | undefined): number[] => [...(prev ?? []), size(what)(v)];

const vma = (v: string, prev: [number, number][] | undefined): [number, number][] => {
  const m = /^([^-]+)-([^-]+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--vma takes START-END, such as 0x7f0000000000-0x7f0000200000, not "${v}"`);
  return [...(prev ?? []), [size('--vma start')(m[1]), size('--vma end')(m[2])]];
};

const count = (flag: string) => (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) <= 0 || Number(v) > 100000) throw new InvalidArgumentError(`${flag} takes a whole number from 1 to 100000, not "${v}"`);
  return Number(v);
};

const seed = (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InvalidArgumentError(`--seed takes a whole number from 0 to 4294967295, not "${v}"`);
  return Number(v);
};

/** The smallest power of two not below n: a BAR's base is aligned to it. */
const pow2ceil = (n: number): number => 2 ** Math.ceil(Math.log2(n));

function layouts_of(o: AlignOpts, arch: (typeof ARCHES)[ArchName]): layout_spec[] {
  if (o.vma && o.layouts) throw new UsageError('--vma and --layouts exclude each other');
  if (o.vma) return [given_layout(arch, o.vma)];
  if (o.layouts) return random_layouts(arch, o.layouts, o.seed);
  return [o.layout === 'empty' ? EMPTY_LAYOUT : default_layout(arch)];
}

function runAlign(o: AlignOpts): number {
  const kernel = kernel_preset(o.kernel, o.thp ? { thp_sysfs: o.thp } : {});
  if (o.cases) {
    const given = (['size', 'phys', 'offset', 'length', 'vma', 'layouts'] as const).filter((k) => o[k] !== undefined);
    if (given.length) throw new UsageError(`--cases runs the built-in cases and takes no --${given[0]}`);
    const rows = run_cases({ arches: o.arch ? [o.arch] : undefined, kernel, method: o.method, policies: o.policy });
    const out = o.format === 'json' ? render_cases_json(rows) : o.format === 'svg' ? cases_chart_svg(rows) : render_cases_text(rows);
    writeOutput(out, o.output);
    return EXIT.holds;
  }
  if (o.size === undefined) throw new UsageError('give the region with --size (and --phys), or run the built-in cases with --cases');
  const arch = ARCHES[o.arch ?? 'x86_64'];
  const offsets = o.offset ?? [0];
  const lengths = o.length ?? (offsets.length === 1 ? [o.size - offsets[0]] : []);
  if (lengths.length !== offsets.length) throw new UsageError(`${offsets.length} --offset but ${lengths.length} --length: give one length per offset`);
  const phys = o.phys ?? ALIGN(0x380000000000, pow2ceil(o.size));
  const report = analyze(
    { arch, kernel, region: { size: o.size, phys }, maps: offsets.map((offset, i) => ({ offset, length: lengths[i] })) },
    { policies: o.policy, layouts: layouts_of(o, arch), method: o.method },
  );
  const out = o.format === 'json' ? render_align_json(report) : o.format === 'svg' ? align_chart_svg(report) : render_align_text(report);
  writeOutput(out, o.output);
  return EXIT.holds;
}

const EXAMPLES = `
Examples:
  mmcheck align --cases                      the thread's cases on x86_64 and arm64 (4K, 16K, 64K)
  mmcheck align --size 2G --phys 0x380000000000
  mmcheck align --size 64M --offset 0 --length 2M --offset 2M+4K --length 62M-4K
  mmcheck align --size 0x2F00F00000 --arch arm64-64k --policy none thp-pmd pfn-congruent
  mmcheck align --size 2G --layouts 200 --seed 7 --format svg -o faults.svg
  mmcheck align --size 16M --method simulate --format json

Sizes and addresses: 4096, 0x1000, 64M, 2G, 1T, 2M+4K, 64M-4K (K, M, G, T, P are powers of 1024).
The physical base defaults to 0x380000000000 rounded up to the region size's power of two.
Exit codes: 0 done, 2 usage or input error.`;

/** Adds `mmcheck align` to the program. */
export function registerAlign(p: Command, setExit: (code: number) => void): void {
  p.command('align')
    .description('where each alignment proposal maps device memory, and the faults, leaves and page tables a full touch takes')
    .option('--cases', 'run the built-in cases and print one comparison table')
    .option('--size <size>', 'region size (a BAR, or a device memory window)', size('--size'))
    .option('--phys <address>', 'physical base of the region', size('--phys'))
    .option('--offset <offset>', 'mmap offset into the region (repeat for several mmaps)', sizes('--offset'))
    .option('--length <length>', 'mmap length (one per --offset; default: to the end)', sizes('--length'))
    .addOption(new Option('--arch <arch>', 'architecture and granule (--cases: only this one)').choices(Object.keys(ARCHES)))
    .addOption(new Option('--kernel <version>', 'kernel preset').choices(Object.keys(KERNELS)).default('mm-2026'))
    .addOption(new Option('--thp <mode>', 'THP sysfs setting (default: the preset\'s)').choices(['always', 'madvise', 'never']))
    .addOption(new Option('--policy <names...>', 'policies to compare (default: all; best is always shown)').choices(POLICY_NAMES))
    .addOption(new Option('--layout <name>', 'process layout').choices(['default', 'empty']).default('default'))
    .option('--vma <start-end>', 'an existing VMA (repeatable), instead of the default layout', vma)
    .option('--layouts <n>', 'n random layouts (ASLR and mmaps from --seed): a distribution', count('--layouts'))
    .option('--seed <n>', 'seed of the random layouts', seed, 1)
    .addOption(new Option('--method <method>', 'count by faulting every leaf, by arithmetic, or auto (simulate when cheap)')
      .choices(['simulate', 'analytic', 'auto']).default('auto'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'svg']).default('text'))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addHelpText('after', EXAMPLES)
    .action((o: AlignOpts) => {
      try {
        setExit(runAlign(o));
      } catch (err) {
        if (err instanceof AlignInputError) throw new UsageError(err.message);
        throw err;
      }
    });
}
