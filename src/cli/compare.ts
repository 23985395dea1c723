// mmcheck compare: every mapping design of the June 2026 thread explored in one scenario, one
// table of verdicts, then each failing design's smallest counterexample as CPU columns.
import { explore, replay, type CheckResult, type StrategyName, type Violation } from '../engine/index.js';
import { VFIO_DESIGNS, type vfio_design } from '../drivers/vfio-pci/index.js';
import { VFIO_SCENARIOS, column_landmark, explain, find_scenario, hides_from_columns, vfio_model, type vfio_snapshot } from '../scenarios/vfio.js';
import { renderColumns } from '../report/columns.js';
import { UsageError } from './errors.js';

export interface CompareOptions {
  /** scenario name (default: the smallest, "race") */
  scenario?: string;
  strategy?: StrategyName;
  /** per design, in seconds (default none) */
  timeout?: number;
  /** replace each counterexample by one with the fewest preemptions (default true) */
  minimize?: boolean;
}

export interface CompareRow {
  design: vfio_design;
  result: CheckResult;
  /** the counterexample as text: table and sentence */
  counterexample?: string;
}

/** Wraps a paragraph at 72 columns, as in email. */
function wrap(text: string, width = 72): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** The property column: what failed, in a word for deadlocks and cycles. */
function failed(v: Violation | undefined): string {
  if (!v) return '';
  if (v.kind === 'deadlock') return 'deadlock';
  if (v.kind === 'lock-order-cycle') return 'lock order';
  return v.property;
}

function verdictText(r: CheckResult): string {
  if (r.verdict === 'holds' && r.vacuous) return 'vacuous';
  return r.verdict === 'model-error' ? 'error' : r.verdict;
}

/** The counterexample of a failing design: how to replay it, the CPU columns, what is wrong at the end. */
function counterexample(d: vfio_design, scenarioName: string, r: CheckResult): string {
  const v = r.violation!;
  const model = vfio_model(d, find_scenario(scenarioName)!);
  const rep = replay(model, v.trace.schedule, { snapshots: true });
  const snap = (rep.snapshots?.at(-1) ?? rep.initial) as vfio_snapshot;
  const m = r.minimization;
  const size = m
    ? `${m.exact ? 'the fewest preemptions' : 'few preemptions'} (${m.preemptions}) and ${m.steps} steps`
    : `${v.trace.events.length} steps`;
  const scen = scenarioName === VFIO_SCENARIOS[0].name ? '' : ` --scenario ${scenarioName}`;
  return [
    v.kind === 'deadlock' ? `${d.name} deadlocks` : `${d.name} violates "${v.property}"`,
    `counterexample with ${size}, replayed by`,
    `  mmcheck replay ${v.trace.schedule} --model ${d.name}${scen}`,
    '',
    renderColumns(v.trace, { blocked: v.blocked, markLast: v.kind !== 'deadlock', hide: hides_from_columns, landmark: column_landmark }).trimEnd(),
    '',
    wrap(explain(v, snap, v.trace.threads)),
  ].join('\n');
}

/** Explores every design in the scenario. */
export function compareDesigns(opts: CompareOptions = {}): { scenario: string; rows: CompareRow[] } {
  const scenario = opts.scenario ?? VFIO_SCENARIOS[0].name;
  const s = find_scenario(scenario);
  if (!s) throw new UsageError(`unknown scenario "${scenario}" (known: ${VFIO_SCENARIOS.map((x) => x.name).join(', ')})`);
  const rows = VFIO_DESIGNS.map((design) => {
    const result = explore(vfio_model(design, s), {
      strategy: opts.strategy,
      timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
      minimize: opts.minimize ?? true,
    });
    const row: CompareRow = { design, result };
    if (result.violation && result.violation.kind !== 'model-error') row.counterexample = counterexample(design, scenario, result);
    return row;
  });
  return { scenario, rows };
}

/** A plain-text table: a header, a rule, the rows; the columns in `right` aligned right. */
function textTable(head: string[], rows: string[][], right: ReadonlySet<number>): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (right.has(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)];
}

export function renderCompare(c: { scenario: string; rows: CompareRow[] }): string {
  const s = find_scenario(c.scenario)!;
  const out = [wrap(`Scenario ${s.name}: ${s.description}.`), ''];
  out.push(...textTable(['design', 'verdict', 'property', 'executions', 'time', 'witnesses'], c.rows.map(({ design, result: r }) => [
    design.name, verdictText(r), failed(r.violation), r.stats.executions.toLocaleString('en-US'),
    `${(r.stats.wallMs / 1000).toFixed(2)} s`,
    `${r.witnesses.filter((x) => x.executions > 0 && s.witnesses.includes(x.name)).length}/${s.witnesses.length}`,
  ]), new Set([3, 4, 5])));
  out.push('', wrap(`witnesses: ${s.witnesses.join(', ')}`));
  for (const row of c.rows) if (row.counterexample) out.push('', '', row.counterexample);
  return out.join('\n') + '\n';
}

/** Exit status: 0 when every design got a verdict, 3 if a search was cut, 4 on a model error. */
export function compareExitCode(c: { rows: CompareRow[] }): number {
  if (c.rows.some((r) => r.result.verdict === 'model-error')) return 4;
  if (c.rows.some((r) => r.result.verdict === 'incomplete')) return 3;
  return 0;
}
