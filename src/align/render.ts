// Text and JSON for an alignment report and for the built-in cases.
import { type Arch } from '../linux/index.js';
import { summarize, type align_report, type map_result, type policy_run } from './analyze.js';
import { POLICY_NAMES, type PolicyName } from './policy.js';
import { format_size, hex } from './sizes.js';
import type { case_row } from './cases.js';

export const ALIGN_SCHEMA = 'mmcheck/align';
export const ALIGN_CASES_SCHEMA = 'mmcheck/align-cases';
export const ALIGN_SCHEMA_VERSION = 1;

/** A plain-text table: columns padded, numbers right-aligned. */
export function text_table(head: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' ').trimEnd();
  return [line(head), ...rows.map(line)];
}

export function describe_arch(arch: Arch): string {
  const levels = arch.pfnmap_levels.map((l) => l.toUpperCase()).join('+');
  return `${arch.name}: pages ${format_size(arch.page_size)}, PMD ${format_size(arch.pmd_size)}, PUD ${format_size(arch.pud_size)}; ` +
    `PFN maps use ${levels}`;
}

const errno_name: Record<number, string> = { 12: 'ENOMEM', 22: 'EINVAL', 17: 'EEXIST' };
const errno = (e: number): string => errno_name[-e] ?? `error ${e}`;

const count = (n: number): string => String(n);
const signed = (n: number | null): string => (n === null ? '-' : n === 0 ? '0' : `+${n}`);
const congruence = (m: map_result, i: number): string => {
  const c = m.congruence[i];
  return !c ? '' : c.offset === 0 ? '≡' : `+${format_size(c.offset)}`;
};

function header(r: align_report, layout_line: string): string[] {
  const k = r.kernel;
  return [
    `Region ${format_size(r.region.size)} at phys ${hex(r.region.phys)}; ${describe_arch(r.arch)}`,
    `Kernel ${k.name} (THP ${k.thp_sysfs}${k.pfnmap_huge_fault_bypasses_thp_sysfs ? ', bypassed by huge PFN maps' : ''})`,
    `Mappings (offset+length): ${r.maps.map((m) => `${hex(m.offset)}+${format_size(m.length)}`).join(', ')}`,
    layout_line,
  ];
}

function placement_rows(runs: readonly policy_run[], arch: Arch): string[] {
  const rows: string[][] = [];
  for (const run of runs) {
    run.maps.forEach((m, i) => rows.push([
      i ? '' : run.policy, String(i + 1), m.addr === null ? errno(m.error!) : hex(m.addr),
      congruence(m, 0), congruence(m, 1), m.addr === null ? '' : `${format_size(m.padding)}${m.over_aligned ? ' ^' : ''}`,
    ]));
  }
  const head = ['policy', '#', 'address', `va-pa mod ${format_size(arch.pmd_size)}`, `mod ${format_size(arch.pud_size)}`, 'padding'];
  return text_table(head, rows, [false, true, false, false, false, true]);
}

function cost_rows(runs: readonly policy_run[]): string[] {
  const rows = runs.map((r) => {
    const c = r.counts;
    if (!c) return [r.policy, '', 'mmap failed', '', '', '', '', '', ''];
    const agree = r.analytic_agrees === false ? ' (analytic differs!)' : '';
    return [
      r.policy, r.method + agree, count(c.faults), count(c.leaves.pud), count(c.leaves.pmd), count(c.leaves.pte),
      `${c.tables.pud}/${c.tables.pmd}/${c.tables.pte}`, format_size(r.padding), signed(r.gap),
    ];
  });
  const head = ['policy', 'method', 'faults', 'PUD', 'PMD', 'PTE', 'tables PUD/PMD/PTE', 'padding', 'vs best'];
  return text_table(head, rows, [false, false, true, true, true, true, true, true, true]);
}

/** A report as text: placements and costs for one layout, the spread over several. */
export function render_align_text(r: align_report): string {
  if (r.layouts.length === 1) {
    const runs = [r.best, ...r.runs];
    return [
      ...header(r, `Layout: ${r.layouts[0]}; best is placed in an empty process`),
      '',
      'Where each mapping lands (va-pa mod leaf size; ≡ when va ≡ pa)',
      ...placement_rows(runs, r.arch),
      '',
      '^ padding ≥ the largest leaf the physical range can hold: more address space skipped than alignment needs',
      '',
      'What touching every page costs (one fault per leaf)',
      ...cost_rows(runs),
      '',
    ].join('\n');
  }
  const rows = summarize(r).map((s) => {
    const f = s.faults;
    return [
      s.policy, f ? count(f.min) : '-', f ? count(f.median) : '-', f ? count(f.max) : '-', `${s.at_best}/${s.runs}`,
      s.failed ? String(s.failed) : '', format_size(s.padding.median), format_size(s.padding.max),
    ];
  });
  const methods = [...new Set(r.runs.map((x) => x.method))].join(', ');
  return [
    ...header(r, `Layouts: ${r.layouts.length} (${r.layouts[0]} .. ${r.layouts[r.layouts.length - 1]}); best is placed in an empty process`),
    '',
    `Faults to touch every page, over the layouts (method: ${methods})`,
    ...text_table(['policy', 'min', 'median', 'max', 'at best', 'failed', 'padding median', 'max'], rows,
      [false, true, true, true, true, true, true, true]),
    '',
  ].join('\n');
}

/** Column headings of the cases table: at most 9 characters. */
export const SHORT_NAMES: Record<PolicyName, string> = {
  none: 'none', 'thp-pmd': 'thp-pmd', 'vfio-hook': 'vfio-hook', 'mapping-order': 'map-order', 'length-only': 'len-only',
  'pfn-congruent': 'pfn-cong', 'qemu-9.2': 'qemu-9.2', 'qemu-offset': 'qemu-off', best: 'best',
};

/** The faults of one run (^: a mapping skipped more address space than its leaves need), or the error that stopped it. */
function cell(run: policy_run | undefined): string {
  if (!run) return '';
  if (run.counts) return `${count(run.counts.faults)}${run.maps.some((m) => m.over_aligned) ? '^' : ' '}`;
  const failed = run.maps.find((m) => m.error !== null);
  return failed ? errno(failed.error!) : '?';
}

/** The comparison table of the built-in cases, one block per arch, at most 100 columns. */
export function render_cases_text(rows: readonly case_row[]): string {
  const policies = POLICY_NAMES.filter((p) => rows.some((r) => p === 'best' || r.report.runs.some((x) => x.policy === p)));
  const width = 10;
  const line = (first: string, cells: readonly string[]) => (first.padEnd(width) + cells.map((c) => c.padStart(width)).join('')).trimEnd();
  const kernel = rows[0]?.report.kernel;
  const out = [
    `Faults to touch every page of each case's mappings (= leaves installed); kernel ${kernel?.name}, THP ${kernel?.thp_sysfs},`,
    `default process layout; best = va ≡ pa modulo the largest leaf (the lower bound).`,
    '',
    line('case', policies.map((p) => SHORT_NAMES[p])),
  ];
  let arch = '';
  for (const row of rows) {
    if (row.arch.name !== arch) {
      arch = row.arch.name;
      out.push(describe_arch(row.arch));
    }
    const cells = policies.map((p) => cell(p === 'best' ? row.report.best : row.report.runs.find((x) => x.policy === p)));
    out.push(line(row.case.label, cells));
  }
  out.push('^ padding ≥ the largest leaf the physical range can hold: more address space skipped than needed', '');
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.case.label)) continue;
    seen.add(row.case.label);
    out.push(`${row.case.label}: ${row.case.title}`);
  }
  return out.join('\n') + '\n';
}

export function render_align_json(r: align_report): string {
  return JSON.stringify({ schema: ALIGN_SCHEMA, version: ALIGN_SCHEMA_VERSION, ...r }, null, 2) + '\n';
}

export function render_cases_json(rows: readonly case_row[]): string {
  const cases = rows.map((r) => ({ arch: r.arch.name, case: r.case.name, label: r.case.label, title: r.case.title, report: r.report }));
  return JSON.stringify({ schema: ALIGN_CASES_SCHEMA, version: ALIGN_SCHEMA_VERSION, cases }, null, 2) + '\n';
}
