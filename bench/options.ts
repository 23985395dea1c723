// The one option a benchmark script takes from its user.
import { parseArgs } from 'node:util';

/** Whether --quick was given; --help prints the usage, and any other argument is an error (exit 2), not a full run. */
export function quickFlag(script: string): boolean {
  const usage = `usage: node dist/bench/${script} [--quick]`;
  try {
    const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    return values.quick!;
  } catch (err) {
    console.error(`${script}: ${(err as Error).message.split('\n')[0]} (${usage})`);
    process.exit(2);
  }
}
