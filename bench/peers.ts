// node dist/bench/peers.js [--quick]: mmcheck against Spin on the same models (bench/promela/),
// every figure measured in this run. mmcheck: explore() with the default strategy, in a process
// of its own per model (so that no model inherits another's JIT warm-up). Spin: verifier
// generation (spin -a), compilation (gcc -O2 -DSAFETY: safety properties, partial-order
// reduction on) and search (./pan, default options), each timed on its own, in a temporary
// directory removed afterwards. Needs spin and gcc: scripts/ensure-spin.sh installs them.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STRATEGY, explore, type Model } from '../src/engine/index.js';
import { classicModels } from '../src/scenarios/classic.js';
import { findTarget } from '../src/scenarios/index.js';
import { fmt, table } from './table.js';
import { HEAP_FLAGS } from '../src/engine/parallel.js';
import { quickFlag } from './options.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PROMELA = join(root, 'bench', 'promela');
const CC_FLAGS = ['-O2', '-DSAFETY'];

interface PeerCase {
  /** the row's name */
  id: string;
  /** the Promela file in bench/promela/ and its preprocessor definitions */
  promela: string;
  defines: Record<string, number>;
  /** the matching mmcheck model, or why there is none */
  model(): Model | string;
}

function readersWriters(n: number): PeerCase {
  const entry = classicModels.find((m) => m.name === 'readers-writers')!;
  return { id: `readers-writers(${n})`, promela: 'readers-writers.pml', defines: { N: n }, model: () => entry.make(n) };
}

/** The design in the `race` scenario, which is what the Promela file models. */
function vfio(design: string): PeerCase {
  const name = `${design}/race`;
  return {
    id: name,
    promela: `${design}.pml`,
    defines: {},
    model: () => {
      const t = findTarget(design);
      if (!t) return 'not yet modelled';
      const m = (t.scenarios?.find((s) => s.name === 'race') ?? t).model();
      return m.name === name ? m : `${design} has no race scenario`;
    },
  };
}

function cases(quick: boolean): PeerCase[] {
  return [
    ...(quick ? [4, 8] : [4, 8, 12]).map(readersWriters),
    ...['legacy-remap', 'prepare-remap-hidden', 'fault'].map(vfio),
  ];
}

interface MmcheckFigures {
  verdict: string;
  property?: string;
  ms: number;
  executions: number;
  transitions: number;
}

/** In the child process: explore one case's model and print the figures. */
function mmcheckChild(id: string): void {
  const c = cases(false).find((x) => x.id === id);
  if (!c) throw new Error(`no peer case ${id}`);
  const model = c.model();
  if (typeof model === 'string') {
    process.stdout.write(JSON.stringify({ missing: model }) + '\n');
    return;
  }
  const t0 = performance.now();
  const r = explore(model);
  const ms = performance.now() - t0;
  const out: MmcheckFigures = { verdict: r.verdict, property: r.violation?.property, ms, executions: r.stats.executions, transitions: r.stats.transitions };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runMmcheck(c: PeerCase): MmcheckFigures | { missing: string } {
  const out = spawnSync(process.execPath, [...HEAP_FLAGS, fileURLToPath(import.meta.url), '--mmcheck', c.id], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (out.status !== 0) throw new Error(`mmcheck on ${c.id} failed:\n${out.stderr}`);
  return JSON.parse(out.stdout);
}

interface SpinFigures {
  verdict: 'holds' | 'violated' | 'incomplete';
  errors: number;
  /** pan's first error line, e.g. "assertion violated ..." */
  error?: string;
  statesStored: number;
  transitions: number;
  /** pan's own "elapsed time" (10 ms resolution): the search without start-up */
  panElapsedS: number;
  genMs: number;
  ccMs: number;
  searchMs: number;
}

function timed(cmd: string, args: string[], cwd: string): { ms: number; out: SpawnSyncReturns<string> } {
  const t0 = performance.now();
  const out = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${out.status}):\n${out.stdout}${out.stderr}`);
  return { ms, out };
}

function runSpin(c: PeerCase, work: string): SpinFigures {
  const dir = mkdtempSync(join(work, 'case-'));
  for (const f of readdirSync(PROMELA).filter((f) => f.endsWith('.pml'))) copyFileSync(join(PROMELA, f), join(dir, f));
  const defs = Object.entries(c.defines).map(([k, v]) => `-D${k}=${v}`);
  const gen = timed('spin', [...defs, '-a', c.promela], dir);
  const cc = timed('gcc', [...CC_FLAGS, '-o', 'pan', 'pan.c'], dir);
  const search = timed('./pan', [], dir);
  const text = search.out.stdout;
  const num = (re: RegExp): number => {
    const m = re.exec(text);
    if (!m) throw new Error(`Spin output of ${c.id} lacks ${re}:\n${text}`);
    return Number(m[1]);
  };
  const errors = num(/errors: (\d+)/);
  const cut = /max search depth too small|Search not completed/.test(text);
  return {
    verdict: errors > 0 ? 'violated' : cut ? 'incomplete' : 'holds',
    errors,
    error: /^pan:\d+: (.*?) \(at depth/m.exec(text)?.[1],
    statesStored: num(/(\d+) states, stored/),
    transitions: num(/(\d+) transitions \(= stored\+matched\)/),
    panElapsedS: num(/elapsed time ([\d.]+) seconds/),
    genMs: gen.ms,
    ccMs: cc.ms,
    searchMs: search.ms,
  };
}

function version(cmd: string, args: string[]): string | null {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  return out.status === 0 ? (out.stdout || out.stderr).split('\n')[0].trim() : null;
}


function main(quick: boolean): void {
  const spin = version('spin', ['-V']);
  const gcc = version('gcc', ['--version']);
  if (!spin || !gcc) {
    console.error('the peer benchmark needs spin and gcc: run scripts/ensure-spin.sh');
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'mmcheck-peers-'));
  const results: { id: string; mmcheck: MmcheckFigures | { missing: string }; spin: SpinFigures }[] = [];
  try {
    for (const c of cases(quick)) results.push({ id: c.id, mmcheck: runMmcheck(c), spin: runSpin(c, work) });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const rows = results.map(({ id, mmcheck: m, spin: s }) => {
    const spinTotal = s.genMs + s.ccMs + s.searchMs;
    const sv = `${s.verdict} (errors: ${s.errors}, ${fmt(s.statesStored)} states)`;
    if ('missing' in m) return [id, m.missing, sv, '', '', fmt(s.genMs + s.ccMs), fmt(s.searchMs), '', ''];
    return [
      id, `${m.verdict} (${fmt(m.executions)} executions)`, sv, m.verdict === s.verdict ? 'yes' : 'NO',
      fmt(m.ms), fmt(s.genMs + s.ccMs), fmt(s.searchMs), (m.ms / spinTotal).toFixed(3), (m.ms / s.searchMs).toFixed(2),
    ];
  });
  console.log(`Peers: mmcheck (${DEFAULT_STRATEGY}) against ${spin}\n`);
  console.log(`Spin: spin -a, gcc ${CC_FLAGS.join(' ')} (partial-order reduction on), ./pan with default options`);
  console.log('(its default -w24 hash table, 128 MB, takes most of the search time of a small model to allocate)\n');
  console.log(table(['model', 'mmcheck verdict', 'Spin verdict', 'agree?', 'mmcheck ms', 'Spin gen+cc ms', 'Spin search ms', 'mmcheck/Spin total', 'mmcheck/Spin search'], rows, 4));
  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'peers.json');
  writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(), node: process.version, spin, gcc, quick, strategy: DEFAULT_STRATEGY,
    spinFlags: { generate: ['-a'], compile: CC_FLAGS, search: [] }, results,
  }, null, 2));
  console.log(`\nfigures written to ${file}`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--mmcheck') mmcheckChild(argv[1]);
else main(quickFlag('peers.js'));
