// npm run bench [-- --quick]: the benchmark suite. Every figure is measured in this run;
// ratios compare cases measured side by side.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STRATEGIES } from '../src/engine/index.js';
import { fmt, table } from './table.js';
import { HEAP_FLAGS } from '../src/engine/parallel.js';
import { quickFlag } from './options.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = quickFlag('run.js');

interface CaseResult {
  verdict: string;
  incomplete?: string;
  stats: { executions: number; complete: number; deadlocked: number; violating: number; bounded: number; sleepBlocked: number; wakeupBlocked?: number; transitions: number; wallMs: number };
  maxRssMb: number;
}

function runCase(model: string, size: number, strategy: string, max?: number): CaseResult {
  const args = [join(here, 'case.js'), model, String(size), strategy];
  if (max) args.push(String(max));
  return JSON.parse(execFileSync(process.execPath, [...HEAP_FLAGS, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }));
}


// Small sizes finish in seconds under every strategy; the naive search is the reference.
const ENGINE_CASES: [string, number][] = quick
  ? [['readers-writers', 3], ['lastzero', 3], ['indexer', 12], ['filesystem', 14], ['locked-counter', 3], ['rwsem-pair', 2]]
  : [['readers-writers', 4], ['lastzero', 4], ['indexer', 13], ['filesystem', 16], ['locked-counter', 4], ['rwsem-pair', 3]];

const NAIVE_BUDGET = quick ? 100_000 : 1_000_000;
// naive first: the other strategies' executions are given as a ratio to its count
const strategies = ['naive', ...Object.keys(STRATEGIES).filter((s) => s !== 'naive' && s !== 'random' && s !== 'pct')];
const figures: Record<string, unknown> = {};
const rows: string[][] = [];
const engine: Record<string, Record<string, CaseResult>> = {};
for (const [model, size] of ENGINE_CASES) {
  const byStrategy: Record<string, CaseResult> = {};
  for (const s of strategies) {
    // naive enumeration of the larger benchmarks would not end: it is cut at a budget
    const r = runCase(model, size, s, s === 'naive' ? NAIVE_BUDGET : undefined);
    byStrategy[s] = r;
    const st = r.stats;
    const secs = Math.max(st.wallMs, 1) / 1000;
    const naive = byStrategy.naive?.verdict === 'incomplete' ? undefined : byStrategy.naive?.stats.executions;
    rows.push([
      `${model}(${size})`, s, r.verdict, fmt(st.executions), fmt(st.complete), fmt(st.deadlocked + st.violating),
      fmt(st.sleepBlocked), fmt(st.wakeupBlocked ?? 0), fmt(st.transitions), fmt(st.transitions / secs), fmt(st.executions / secs),
      String(r.maxRssMb), naive ? (st.executions / naive).toFixed(3) : '',
    ]);
  }
  engine[`${model}(${size})`] = byStrategy;
}
figures.engine = engine;
console.log('Engine: classic DPOR benchmarks\n');
console.log(table(['model', 'strategy', 'verdict', 'executions', 'complete', 'deadlock/viol', 'sleep-blocked', 'wakeup-blocked', 'transitions', 'trans/s', 'exec/s', 'peak MB', 'vs naive'], rows));

// Memory over a long run: 10^6 executions (fewer with --quick).
const memExecutions = quick ? 100_000 : 1_000_000;
const memRows: string[][] = [];
const memory: Record<string, CaseResult> = {};
for (const s of strategies) {
  const r = runCase('readers-writers', 8, s, memExecutions);
  memory[s] = r;
  memRows.push(['readers-writers(8)', s, fmt(r.stats.executions), fmt(r.stats.transitions / (r.stats.wallMs / 1000)), String(r.maxRssMb)]);
}
figures.memory = memory;
console.log(`\nMemory: ${fmt(memExecutions)} executions (stopped by the budget)\n`);
console.log(table(['model', 'strategy', 'executions', 'trans/s', 'peak MB'], memRows));

const outDir = join(here, '..', '..', 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `bench-${quick ? 'quick' : 'full'}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, figures }, null, 2));
console.log(`\nfigures written to ${file}`);

// The other groups run as their own scripts, each printing its tables.
for (const script of ['align.js', 'peers.js', 'growth.js', 'parallel.js']) {
  console.log('');
  execFileSync(process.execPath, [...HEAP_FLAGS, join(here, script), ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
}
