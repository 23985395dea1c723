// node dist/bench/parallel.js [--quick]: parallel exploration against one thread on growing
// VFIO scenarios, each exploration in a process of its own timed from start to exit (worker
// start-up included); the counts must be equal. The machine's own ceiling is measured beside
// it: two one-thread explorations run at once, as two processes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explore } from '../src/engine/index.js';
import { HEAP_FLAGS, exploreInWorkers } from '../src/engine/parallel.js';
import { growthModel } from '../src/scenarios/index.js';
import type { growth_axis } from '../src/scenarios/vfio.js';
import { fmt, table } from './table.js';
import { quickFlag } from './options.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Run { verdict: string; executions: number; transitions: number; seconds: number }

// --case design axis n workers: one exploration (0 workers: explore() in this thread)
const at = process.argv.indexOf('--case');
if (at >= 0) {
  const [design, axis, n, workers] = process.argv.slice(at + 1);
  const args = [design, axis as growth_axis, Number(n)] as const;
  const t0 = performance.now();
  const r = Number(workers) === 0
    ? explore(growthModel(...args))
    : await exploreInWorkers({ module: new URL('../src/scenarios/index.js', import.meta.url).href, export: 'growthModel', args }, { workers: Number(workers) });
  const run: Run = { verdict: r.verdict, executions: r.stats.executions, transitions: r.stats.transitions, seconds: (performance.now() - t0) / 1000 };
  process.stdout.write(JSON.stringify(run) + '\n');
  process.exit(0);
}
const quick = quickFlag('parallel.js');

const child = (c: string[]): string[] => [join(here, 'parallel.js'), '--case', ...c];
// one thread gets the young generation the workers get
const one = (c: string[]): Run => JSON.parse(execFileSync(process.execPath, [...HEAP_FLAGS, ...child(c)], { encoding: 'utf8' }));
/** Wall seconds of two processes run at once. */
function together(c: string[]): Promise<number> {
  const t0 = performance.now();
  return Promise.all([0, 1].map(() => new Promise<void>((done, fail) => {
    spawn(process.execPath, [...HEAP_FLAGS, ...child(c)], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? done() : fail(new Error(`exit ${code}`))));
  }))).then(() => (performance.now() - t0) / 1000);
}

/**
 * [design, axis, n], from 1 s to a minute with one thread on 2 cores: fault threads 4 (207,352
 * executions) is the largest growth scenario one thread finishes in about the growth bench's minute.
 */
const CASES: [string, growth_axis, number][] = quick
  ? [['fault', 'threads', 3], ['populate-hook', 'mappings', 21]]
  : [['fault', 'threads', 3], ['populate-hook', 'mappings', 48], ['populate-hook', 'threads', 4], ['fault', 'threads', 4]];

/** Rounds per case: one-thread times alone vary by a third between runs on a shared machine. */
const ROUNDS = quick ? 1 : 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows: string[][] = [];
const figures: Record<string, unknown> = {};
for (const [design, axis, n] of CASES) {
  const name = `${design} ${axis} ${n}`;
  const c = [design, axis, String(n)];
  const seqs: Run[] = [], pars: Run[] = [], boths: number[] = [];
  // interleaved, so that a slow spell of the machine falls on both sides
  for (let k = 0; k < ROUNDS; k++) {
    seqs.push(one([...c, '0']));
    pars.push(one([...c, '2']));
    boths.push(await together([...c, '0']));
  }
  const seq = seqs[0];
  const same = [...seqs, ...pars].every((r) => r.verdict === seq.verdict && r.executions === seq.executions && r.transitions === seq.transitions);
  const [s1, s2, both] = [median(seqs.map((r) => r.seconds)), median(pars.map((r) => r.seconds)), median(boths)];
  const speedups = seqs.map((r, k) => r.seconds / pars[k].seconds);
  rows.push([name, seq.verdict, fmt(seq.executions), s1.toFixed(1), s2.toFixed(1), (s1 / s2).toFixed(2),
    ROUNDS > 1 ? `${Math.min(...speedups).toFixed(2)}-${Math.max(...speedups).toFixed(2)}` : '', same ? 'yes' : 'NO', (2 * s1 / both).toFixed(2)]);
  figures[name] = { one: seqs, two: pars, twoProcessesSeconds: boths };
}
console.log(`Parallel exploration: one thread against --workers 2, wall time of the whole process, median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}\n` +
  '(the range: the speed-ups of the rounds); the ceiling is the throughput of two one-thread explorations run at\n' +
  'once (what two cores give this workload)\n');
console.log(table(['scenario', 'verdict', 'executions', '1 thread s', '2 workers s', 'speed-up', 'range', 'same counts', 'ceiling'], rows, 2));
const outDir = join(here, '..', '..', 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `parallel-${quick ? 'quick' : 'full'}.json`), JSON.stringify({ date: new Date().toISOString(), quick, figures }, null, 2));
