// A progress line on stderr for runs longer than about a second, on a terminal only; with an
// estimate of the search's size, how far it has come.
import type { Estimate, Stats } from '../engine/index.js';
import { approxCount } from '../report/text.js';

export interface ProgressReporter {
  /** whether the line is shown at all (a terminal, not quiet): the CLI then estimates by default */
  readonly active: boolean;
  update: (s: Stats, estimate?: Estimate) => void;
  done: () => void;
}

export function progressReporter(enabled: boolean): ProgressReporter {
  const tty = enabled && process.stderr.isTTY === true;
  let shown = false;
  return {
    active: tty,
    update(s: Stats, estimate?: Estimate) {
      if (!tty || s.wallMs < 1000) return;
      process.stderr.write(`\r\x1b[K${progressLine(s, estimate)}`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

/** "executions 12,345 of ~40,000 (31%), 2,100/s, 5.9 s", or without an estimate "12,345 executions, ...". */
export function progressLine(s: Stats, estimate?: Estimate): string {
  const done = s.executions.toLocaleString('en-US');
  const rate = Math.round(s.executions / (s.wallMs / 1000)).toLocaleString('en-US');
  let count = `${done} executions`;
  if (estimate && estimate.executions > 0) {
    const part = s.executions / estimate.executions;
    count = `executions ${done} of ~${approxCount(estimate.executions)} (${part <= 1 ? `${Math.floor(part * 100)}%` : 'estimate exceeded'})`;
  }
  return `${count}, ${rate}/s, ${(s.wallMs / 1000).toFixed(1)} s`;
}
