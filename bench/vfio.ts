// node dist/bench/vfio.js [--quick] [--scenario NAME] [--strategy NAME]: every VFIO design in
// every scenario, explored to the end, with executions and time. --quick leaves out `stress`
// (minutes per design that holds).
import { explore, type StrategyName } from '../src/engine/index.js';
import { VFIO_DESIGNS } from '../src/drivers/vfio-pci/index.js';
import { VFIO_SCENARIOS, vfio_model } from '../src/scenarios/vfio.js';
import { table } from './table.js';

const args = process.argv.slice(2);
const opt = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const only = opt('--scenario');
const strategy = opt('--strategy') as StrategyName | undefined;

const scenarios = VFIO_SCENARIOS.filter((s) => (only ? s.name === only : !quick || s.name !== 'stress'));
const head = ['scenario', 'design', 'verdict', 'property', 'executions', 'ms'];
const rows: string[][] = [];
for (const s of scenarios) {
  for (const d of VFIO_DESIGNS) {
    const r = explore(vfio_model(d, s), { strategy });
    const v = r.violation;
    rows.push([s.name, d.name, r.vacuous ? 'holds (vacuous)' : r.verdict, v ? (v.kind === 'deadlock' ? 'deadlock' : v.property) : '',
      r.stats.executions.toLocaleString('en-US'), r.stats.wallMs.toLocaleString('en-US')]);
    process.stderr.write(`\r\x1b[K${s.name} ${d.name}`);
  }
}
process.stderr.write('\r\x1b[K');
console.log(table(head, rows, 4));
