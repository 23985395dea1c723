// One benchmark case in its own process, so that its peak memory is its own.
// Usage: node dist/bench/case.js <model> <size> <strategy> [maxExecutions]
import { explore, type StrategyName } from '../src/engine/index.js';
import { classicModels } from '../src/scenarios/classic.js';

const [name, size, strategy, max] = process.argv.slice(2);
const entry = classicModels.find((m) => m.name === name);
if (!entry) throw new Error(`no benchmark model ${name}`);
const r = explore(entry.make(Number(size)), {
  strategy: strategy as StrategyName,
  maxExecutions: max ? Number(max) : undefined,
});
const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(JSON.stringify({ verdict: r.verdict, incomplete: r.incomplete, stats: r.stats, maxRssMb }) + '\n');
