#!/usr/bin/env -S node --max-semi-space-size=128
// mmcheck: the command line.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  explore, replay, DEFAULT_STRATEGY, STRATEGIES, ScheduleMismatch, ScheduleSyntaxError, ReplayDivergence,
  type CheckResult, type Model, type StrategyName,
} from '../engine/index.js';
import { EXIT, UsageError } from './errors.js';
import { isModelFile, loadModelFile, type LoadedModel } from './load.js';
import { writeOutput } from './output.js';
import { progressReporter } from './progress.js';
import { UnknownTarget, builtinModel, targets } from '../scenarios/index.js';
import { SPLITTABLE, exploreInWorkers, type ModelSource } from '../engine/parallel.js';
import { renderText, traceLines } from '../report/text.js';
import { renderJson, type ResultDocument } from '../report/json.js';
import { renderLockdep } from '../report/lockdep.js';
import { renderMermaid } from '../report/mermaid.js';
import { renderHtml } from '../report/html.js';
import { stateSections } from '../report/sections.js';
import { column_landmark, hides_from_columns } from '../scenarios/vfio.js';
import { styler } from '../report/style.js';
import { compareDesigns, compareExitCode, renderCompare } from './compare.js';
import { registerAlign } from './align.js';

const positiveInt = (flag: string) => (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new InvalidArgumentError(`${flag} takes a positive whole number, not "${v}"`);
  return Number(v);
};

/** The model a target names, and where worker threads find it; dispose() when done with it. */
async function resolveModel(target: string, scenario?: string): Promise<LoadedModel> {
  if (isModelFile(target)) {
    if (scenario !== undefined) throw new UsageError('--scenario names a scenario of a built-in design, not of a model file');
    return loadModelFile(target);
  }
  try {
    const model = builtinModel(target, scenario);
    const source: ModelSource = { module: new URL('../scenarios/index.js', import.meta.url).href, export: 'builtinModel', args: [target, scenario] };
    return { model, source, dispose: () => {} };
  } catch (err) {
    throw err instanceof UnknownTarget ? new UsageError(err.message) : err;
  }
}

function exitCodeOf(r: CheckResult): number {
  switch (r.verdict) {
    case 'holds': return EXIT.holds;
    case 'violated': return EXIT.violated;
    case 'incomplete': return EXIT.incomplete;
    default: return EXIT.modelError;
  }
}

type CheckFormat = 'text' | 'json' | 'mermaid' | 'lockdep' | 'html';

interface CheckOpts {
  strategy: StrategyName;
  scenario?: string;
  maxExecutions?: number;
  stepBound?: number;
  timeout?: number;
  seed?: number;
  samples?: number;
  depth?: number;
  minimize: boolean;
  /** --estimate [probes] / --no-estimate; unset: estimate when the progress line is shown */
  estimate?: boolean | number;
  workers?: number;
  format: CheckFormat;
  output?: string;
  quiet?: boolean;
}

/** The result in the format asked for. */
function render(model: Model, r: CheckResult, o: CheckOpts): string {
  const s = styler(o.output ? null : process.stdout);
  switch (o.format) {
    case 'json': return renderJson(r);
    case 'mermaid': return renderMermaid(r);
    case 'lockdep':
      return renderLockdep(r) ?? `${r.model}: ${r.verdict}: no deadlock or lock-order cycle to report\n`;
    case 'html': {
      const replayed = r.violation ? replay(model, r.violation.trace.schedule, { snapshots: true }) : undefined;
      if (replayed?.snapshots) {
        replayed.snapshots = replayed.snapshots.map(stateSections);
        replayed.initial = stateSections(replayed.initial);
      }
      return renderHtml({ result: r, replayed });
    }
    default: {
      const text = renderText(r, s, { hide: hides_from_columns, landmark: column_landmark });
      return o.quiet ? `${text.split('\n')[0]}\n` : text;
    }
  }
}

async function runCheck(target: string, o: CheckOpts): Promise<number> {
  const workers = o.workers ?? 1;
  if (workers > 1 && !(SPLITTABLE as readonly string[]).includes(o.strategy)) {
    throw new UsageError(`--workers splits an exhaustive search (${SPLITTABLE.join(', ')}); ${o.strategy} samples`);
  }
  const { model, source, dispose } = await resolveModel(target, o.scenario);
  const progress = progressReporter(!o.quiet);
  let r: CheckResult;
  try {
    const opts = {
      strategy: o.strategy, maxExecutions: o.maxExecutions, stepBound: o.stepBound,
      timeoutMs: o.timeout === undefined ? undefined : o.timeout * 1000, onProgress: progress.update,
      seed: o.seed, samples: o.samples, depth: o.depth, minimize: o.minimize,
      estimate: typeof o.estimate === 'number' ? { probes: o.estimate, timeoutMs: Infinity } : o.estimate ?? progress.active,
    };
    r = workers > 1 ? await exploreInWorkers(source, { ...opts, workers }) : explore(model, opts);
  } finally {
    progress.done();
    dispose();
  }
  writeOutput(render(model, r, o), o.output);
  return exitCodeOf(r);
}

async function runReplay(what: string, o: { model?: string; scenario?: string; format: 'text' | 'json'; output?: string }): Promise<number> {
  let schedule = what;
  let modelName = o.model;
  if (what.endsWith('.json')) {
    let doc: ResultDocument;
    try {
      doc = JSON.parse(readFileSync(what, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (doc?.schema !== 'mmcheck/result' || !doc.result) throw new UsageError(`${what} is not an mmcheck result (mmcheck check --format json)`);
    if (!doc.result.violation) throw new UsageError(`${what} holds no counterexample to replay`);
    schedule = doc.result.violation.trace.schedule;
    modelName ??= doc.result.model;
  }
  if (!modelName) throw new UsageError('replay of a schedule needs --model NAME|FILE');
  const { model, dispose } = await resolveModel(modelName, o.scenario);
  dispose();
  const rep = replay(model, schedule);
  if (o.format === 'json') {
    writeOutput(JSON.stringify({ schema: 'mmcheck/replay', version: 1, status: rep.status, violation: rep.violation, trace: rep.trace }, null, 2) + '\n', o.output);
  } else {
    const head = rep.violation ? `${model.name}: replay ends in ${rep.violation.kind}: ${rep.violation.message}` : `${model.name}: replay ends ${rep.status}`;
    writeOutput([head, ...traceLines(rep.trace)].join('\n') + '\n', o.output);
  }
  return rep.violation ? (rep.violation.kind === 'model-error' ? EXIT.modelError : EXIT.violated) : EXIT.holds;
}

function runList(): number {
  const byGroup = new Map<string, string[]>();
  const all = targets();
  const w = Math.max(...all.map((t) => t.name.length));
  for (const t of all) {
    const lines = byGroup.get(t.group) ?? [];
    lines.push(`  ${t.name.padEnd(w)}  ${t.description}`);
    byGroup.set(t.group, lines);
  }
  const out: string[] = [];
  for (const [g, lines] of byGroup) out.push(`${g}s:`, ...lines, '');
  const scenarios = all.find((t) => t.scenarios)?.scenarios ?? [];
  if (scenarios.length) {
    out.push('scenarios of the designs (--scenario NAME; the first is the default):');
    for (const s of scenarios) out.push(`  ${s.name.padEnd(w)}  ${s.description}`);
    out.push('');
  }
  out.push('strategies:');
  for (const [n, d] of Object.entries(STRATEGIES)) out.push(`  ${n.padEnd(w)}  ${d}`);
  process.stdout.write(out.join('\n') + '\n');
  return EXIT.holds;
}

function program(setExit: (code: number) => void): Command {
  const p = new Command('mmcheck')
    .description('Explore every interleaving of kernel mmap / fault / zap paths and report a verdict with a replayable counterexample.')
    .version(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') })
    .showSuggestionAfterError(true);

  const formatOpt = () => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');
  const nonNegativeInt = (flag: string) => (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${flag} takes a whole number, not "${v}"`);
    return Number(v);
  };
  p.command('check')
    .description('explore a built-in model or design, or a model file (.ts/.js), and print the verdict')
    .argument('<target>', 'a name from `mmcheck list`, or a model file')
    .addOption(new Option('--strategy <name>', 'exploration strategy').choices(Object.keys(STRATEGIES)).default(DEFAULT_STRATEGY))
    .option('--scenario <name>', 'for a design: the scenario to explore it in (mmcheck list shows them)')
    .option('--seed <n>', 'random and pct: seed of the schedule generator (default 1)', nonNegativeInt('--seed'))
    .option('--samples <n>', 'random and pct: executions to sample (default 1000)', positiveInt('--samples'))
    .option('--depth <d>', 'pct: the bug depth aimed at (default 3)', positiveInt('--depth'))
    .option('--no-minimize', 'print the first counterexample found, not the one with the fewest preemptions')
    .option('--estimate [probes]', 'estimate the executions before the search: 200 probes or 1 s, or this many probes (default on a terminal)', positiveInt('--estimate'))
    .option('--no-estimate', 'do not estimate the executions before the search')
    .option('--max-executions <n>', 'stop after this many executions (verdict: incomplete)', positiveInt('--max-executions'))
    .option('--step-bound <n>', 'cut an execution after this many steps (verdict: incomplete)', positiveInt('--step-bound'))
    .option('--timeout <seconds>', 'stop after this many seconds (verdict: incomplete)', positiveInt('--timeout'))
    .option('--workers <n>', 'explore in n worker threads (naive, dpor, optimal): the same result and counts as one, sooner on long runs', positiveInt('--workers'))
    .addOption(new Option('--format <format>', 'text (CPU columns), json, mermaid, lockdep (deadlocks and lock-order cycles) or html (a page to step through)')
      .choices(['text', 'json', 'mermaid', 'lockdep', 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-q, --quiet', 'print only the verdict line')
    .addHelpText('after', '\nExamples:\n  mmcheck check legacy-remap\n  mmcheck check fault --scenario reenable\n  mmcheck check legacy-remap --format html -o trace.html\n  mmcheck check prepare-remap-hidden-checked --format lockdep\n  mmcheck check readers-writers --strategy naive\n  mmcheck check fault --scenario two-procs --workers 2\n  mmcheck check my-model.ts --format json -o result.json\n\nExit codes: 0 holds, 1 violated, 2 usage or input error, 3 incomplete, 4 model error.')
    .action(async (target: string, o: CheckOpts) => setExit(await runCheck(target, o)));

  p.command('replay')
    .description('replay a counterexample from its schedule string or a JSON result')
    .argument('<schedule|result.json>', 'a schedule such as 0*3.1.0, or a file written by check --format json')
    .option('--model <name|file>', 'the model the schedule belongs to (read from the JSON result if given)')
    .option('--scenario <name>', 'for a design: the scenario the schedule belongs to')
    .addOption(formatOpt())
    .option('-o, --output <file>', 'write the trace to a file instead of stdout')
    .addHelpText('after', '\nExamples:\n  mmcheck replay 0.1*2.0 --model demo-race\n  mmcheck replay result.json')
    .action(async (what: string, o: { model?: string; scenario?: string; format: 'text' | 'json'; output?: string }) => setExit(await runReplay(what, o)));

  p.command('compare')
    .description('explore every mapping design of the June 2026 thread and print their verdicts and counterexamples')
    .option('--scenario <name>', 'the scenario to explore them in (default: the smallest)')
    .addOption(new Option('--strategy <name>', 'exploration strategy').choices(Object.keys(STRATEGIES)))
    .option('--timeout <seconds>', 'stop each design after this many seconds (verdict: incomplete)', positiveInt('--timeout'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .action((o: { scenario?: string; strategy?: StrategyName; timeout?: number; output?: string }) => {
      const c = compareDesigns(o);
      writeOutput(renderCompare(c), o.output);
      setExit(compareExitCode(c));
    });

  p.command('list')
    .description('list the built-in models, designs and strategies')
    .action(() => setExit(runList()));
  registerAlign(p, setExit);
  return p;
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.holds;
  try {
    await program((c) => { code = c; }).parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT.usage;
    if (err instanceof UsageError || err instanceof ScheduleMismatch || err instanceof ScheduleSyntaxError) {
      process.stderr.write(`mmcheck: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ReplayDivergence) {
      process.stderr.write(`mmcheck: model error: ${err.message}\n`);
      return EXIT.modelError;
    }
    process.stderr.write(`mmcheck: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv);
