// node dist/bench/growth.js [--quick]: how the cost of checking a VFIO design grows with its
// scenario, along the axes of growth_scenario() (threads, mappings, pages per BAR, leaf orders).
// The designs that hold are explored to the end at each size, the first violated design to its
// first violation; along threads, mappings and pages the holding designs go on growing until an
// exploration takes longer than the limit (60 s, --quick 10 s), which gives the largest size
// each reaches. Every exploration runs in a process of its own, so that its time and peak
// memory are its own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explore } from '../src/engine/index.js';
import { growthModel } from '../src/scenarios/index.js';
import { growth_scenario, type growth_axis } from '../src/scenarios/vfio.js';
import { fmt, table } from './table.js';
import { HEAP_FLAGS } from '../src/engine/parallel.js';
import { quickFlag } from './options.js';

/** The estimate made before each search: more probes than the command line's default, the searches being long. */
const ESTIMATE = { probes: 2000, timeoutMs: 5000 };

interface CaseResult {
  verdict: string;
  incomplete?: string;
  vacuous?: boolean;
  property?: string;
  /** executions estimated before the search */
  estimate?: number;
  /** the estimate during the search, from the progress report nearest to half its executions (none in a search under 250 ms) */
  halfway?: number;
  stats: { executions: number; transitions: number; wallMs: number };
  maxRssMb: number;
}

const self = fileURLToPath(import.meta.url);

interface Row {
  design: string;
  size: number;
  /** none: the process was killed */
  result?: CaseResult;
  /** the limit passed (a timeout, or a run longer than the limit), or the process killed after it */
  over: boolean;
}

/** Grace for starting the process: a case still running then has passed the limit anyway. */
const GRACE_MS = 5_000;

/**
 * explore() polls its deadline between executions, and at many pages per BAR one execution
 * lasts seconds: a case still running after the limit and the grace is killed.
 */
function runCase(axis: growth_axis, size: number, design: string, limitMs: number): Row {
  try {
    const out = execFileSync(process.execPath, [...HEAP_FLAGS, self, '--case', axis, String(size), design, String(limitMs)],
      { encoding: 'utf8', timeout: limitMs + GRACE_MS, killSignal: 'SIGKILL' });
    const result = JSON.parse(out) as CaseResult;
    return { design, size, result, over: result.verdict === 'incomplete' || result.stats.wallMs > limitMs };
  } catch (e) {
    if ((e as { signal?: string }).signal !== 'SIGKILL') throw e;
    return { design, size, over: true };
  }
}

interface AxisPlan {
  readonly axis: growth_axis;
  /** what grows, for the table's title */
  readonly what: string;
  readonly sizes: readonly number[];
  /** the size after n, past the sizes listed, while the holding designs stay within the limit */
  readonly next?: (n: number) => number;
  readonly label?: (n: number) => string;
}

/** The sizes listed, then (if grows) ever larger ones. */
function* sizes_of(plan: AxisPlan, grows: boolean): Generator<number> {
  yield* plan.sizes;
  if (grows && plan.next) for (let n = plan.sizes[plan.sizes.length - 1]; ;) yield (n = plan.next(n));
}

function main(quick: boolean): void {
  const limitMs = quick ? 10_000 : 60_000;
  const holding = ['fault', 'populate-hook'];
  const violated = 'legacy-remap';
  const plans: AxisPlan[] = [
    {
      axis: 'threads', what: 'processes (each its own mm and fd, mapping a 1-page BAR0) and device threads (command-mem-off, then flr, device-reset, hot-reset), alternately',
      sizes: quick ? [2, 3, 4] : [2, 3, 4, 5, 6], next: (n) => n + 1,
    },
    { axis: 'mappings', what: 'mappings of a 1-page BAR0 by one process, command-mem-off racing', sizes: quick ? [1, 2, 3] : [1, 2, 3, 4], next: (n) => Math.ceil(n * 1.5) },
    { axis: 'pages', what: 'pages of BAR0, mapped whole (PTE leaves) and touched at one page, command-mem-off racing', sizes: quick ? [1, 8, 64] : [1, 8, 64, 512], next: (n) => n * 2 },
    {
      axis: 'orders', what: 'leaf orders on x86_64-scaled, one mapping each, command-mem-off racing, then command-mem-on and refills',
      sizes: [1, 2, 3, 4], label: (n) => growth_scenario('orders', n).name.replace('growth-orders-', ''),
    },
  ];
  const secs = limitMs / 1000;
  console.log(`Cost growth: VFIO designs in growing scenarios, optimal DPOR, at most ${secs} s per exploration\n`);
  const figures: Record<string, Row[]> = {};
  const largest: Record<string, Record<string, number | null>> = {};
  const unexpected: string[] = [];
  for (const plan of plans) {
    const rows: Row[] = [];
    for (const design of [...holding, violated]) {
      const grows = !!plan.next && design !== violated;
      for (const n of sizes_of(plan, grows)) {
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${plan.axis} ${n} ${design}`);
        const row = runCase(plan.axis, n, design, limitMs);
        rows.push(row);
        const r = row.result;
        if (r && holding.includes(design) && (r.verdict !== 'holds' && r.verdict !== 'incomplete' || r.vacuous)) {
          unexpected.push(`${design} in ${growth_scenario(plan.axis, n).name}: ${r.vacuous ? 'holds vacuously' : `${r.verdict} ${r.property ?? ''}`}`);
        }
        if (row.over) break; // the larger sizes would not end within the limit either
      }
      if (grows) {
        const reached = rows.filter((r) => r.design === design && !r.over);
        (largest[plan.axis] ??= {})[design] = reached.length ? reached[reached.length - 1].size : null;
      }
    }
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    figures[plan.axis] = rows;
    const label = plan.label ?? String;
    const out = rows.map((row, k) => {
      const r = row.result;
      if (!r) return [row.design, label(row.size), `killed after ${(limitMs + GRACE_MS) / 1000} s`, '', '', '', '', '', '', '', ''];
      // the ratios to the previous size of the same design, both within the limit
      const prev = rows[k - 1]?.design === row.design && !row.over ? rows[k - 1].result?.stats : undefined;
      const ratio = (a: number, b: number) => (prev ? (Math.max(a, 1) / Math.max(b, 1)).toFixed(1) : '');
      const verdict = r.verdict === 'incomplete' ? r.incomplete! : row.over ? `${r.verdict}, over ${secs} s`
        : r.vacuous ? 'holds (vacuous)' : r.verdict;
      return [row.design, label(row.size), verdict, fmt(r.stats.executions), fmt(r.stats.transitions), fmt(r.stats.wallMs),
        ratio(r.stats.executions, prev?.executions ?? 0), ratio(r.stats.wallMs, prev?.wallMs ?? 0), String(r.maxRssMb),
        // the estimates against the count, where the search ran to its end
        ...[r.estimate, r.halfway].map((e) => (e !== undefined && r.verdict === 'holds' ? (e / r.stats.executions).toFixed(2) : ''))];
    });
    console.log(`${plan.axis}: ${plan.what}\n`);
    console.log(table(['design', plan.axis, 'verdict', 'executions', 'transitions', 'wall ms', 'exec ×prev', 'ms ×prev', 'peak MB', 'estimate ×', 'halfway ×'], out, 3));
    console.log('');
  }
  console.log(`The largest size each design completes within ${secs} s (sizes tried: threads +1, mappings ×1.5, pages ×2)\n`);
  const axes = Object.keys(largest);
  console.log(table(['design', ...axes], holding.map((d) => [d, ...axes.map((a) => String(largest[a][d] ?? 'none'))]), 1));
  if (unexpected.length) console.log(`\nUnexpected verdicts (a wrong scenario or a finding):\n${unexpected.map((u) => `  ${u}`).join('\n')}`);

  const outDir = join(dirname(self), '..', '..', 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `growth-${quick ? 'quick' : 'full'}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, limitMs, figures, largest }, null, 2));
  console.log(`\nfigures written to ${file}`);
}

// One exploration: node dist/bench/growth.js --case <axis> <size> <design> <limit ms>
if (process.argv[2] === '--case') {
  const [axis, size, design, limit] = process.argv.slice(3);
  const progress: [number, number][] = [];
  const r = explore(growthModel(design, axis as growth_axis, Number(size)), {
    timeoutMs: Number(limit), estimate: ESTIMATE, onProgress: (st, e) => progress.push([st.executions, e!.executions]),
  });
  const half = r.stats.executions / 2;
  const halfway = progress.reduce<[number, number] | undefined>((best, p) => (!best || Math.abs(p[0] - half) < Math.abs(best[0] - half) ? p : best), undefined);
  const out: CaseResult = {
    verdict: r.verdict, incomplete: r.incomplete, vacuous: r.vacuous, property: r.violation?.property, estimate: r.estimate?.executions, halfway: halfway?.[1],
    stats: r.stats, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
} else main(quickFlag('growth.js'));
