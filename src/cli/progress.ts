// A progress line on stderr for runs longer than about a second, on a terminal only.
import type { Stats } from '../engine/index.js';

export function progressReporter(enabled: boolean): { update: (s: Stats) => void; done: () => void } {
  const tty = enabled && process.stderr.isTTY;
  let shown = false;
  return {
    update(s: Stats) {
      if (!tty || s.wallMs < 1000) return;
      const rate = Math.round(s.executions / (s.wallMs / 1000));
      process.stderr.write(`\r\x1b[K${s.executions.toLocaleString('en-US')} executions, ${rate.toLocaleString('en-US')}/s, ${(s.wallMs / 1000).toFixed(1)} s`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}
