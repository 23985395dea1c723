// The benchmark scripts' arguments: a wrong one stops with a one-line error and exit 2 before
// anything runs (a typo must not start an hour of benchmarks), --help prints the usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

for (const script of ['run.js', 'align.js', 'peers.js', 'growth.js', 'parallel.js']) {
  test(`${script}: an unknown option is a one-line error, exit 2`, () => {
    const r = spawnSync(process.execPath, [join(bench, script), '--qiuck'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${script.replace('.', '\\.')}: Unknown option '--qiuck' \\(usage: node dist/bench/${script} \\[--quick\\]\\)\\n$`));
  });
}

test('growth.js --help prints its usage', () => {
  const r = spawnSync(process.execPath, [join(bench, 'growth.js'), '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'usage: node dist/bench/growth.js [--quick]\n');
});
