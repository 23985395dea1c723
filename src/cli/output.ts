// Writing results: to stdout, or to a file that appears whole or not at all.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { UsageError } from './errors.js';

export function writeOutput(text: string, file: string | undefined): void {
  if (!file) {
    process.stdout.write(text);
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
