// `check --estimate`: the estimate in the JSON result and the text summary; none by default
// in a pipe, none with --no-estimate (on a terminal too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultDocument } from '../../src/report/json.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'dist/src/cli/main.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function checkJson(...args: string[]): ResultDocument {
  const dir = mkdtempSync(join(tmpdir(), 'mmcheck-estimate-'));
  try {
    const out = join(dir, 'r.json');
    const r = run('check', 'readers-writers', '--format', 'json', '-o', out, ...args);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--estimate puts the estimate into the JSON result', () => {
  const { result } = checkJson('--estimate');
  assert.ok(result.estimate, 'an estimate');
  assert.equal(result.estimate.method, 'traces');
  assert.equal(result.estimate.probes, 200);
  assert.equal(result.estimate.seed, 1);
  const ratio = result.estimate.executions / result.stats.executions;
  assert.ok(ratio >= 0.5 && ratio <= 2, `estimated ${result.estimate.executions} for ${result.stats.executions}`);
  assert.ok(result.estimate.relativeError !== null && result.estimate.relativeError >= 0);
});

test('--estimate N takes N probes; the seed is --seed', () => {
  const { result } = checkJson('--estimate', '20', '--strategy', 'naive', '--seed', '5');
  assert.equal(result.estimate?.probes, 20);
  assert.equal(result.estimate?.method, 'interleavings');
  assert.equal(result.estimate?.seed, 5);
});

test('no estimate in a pipe unless asked for, nor with --no-estimate', () => {
  assert.equal(checkJson().result.estimate, undefined);
  assert.equal(checkJson('--no-estimate').result.estimate, undefined);
  assert.doesNotMatch(run('check', 'readers-writers').out, /estimated/);
});

test('the text summary shows the executions beside the estimate', () => {
  const r = run('check', 'readers-writers', '--estimate');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^executions: 8 \(estimated ~\d+ ± \d+% before the search, 200 probes\)$/m);
});

test('on a terminal, --no-estimate keeps the progress line without one', () => {
  const args = ['check', 'lastzero', '--strategy', 'naive', '--max-executions', '400000', '--no-estimate'];
  const tty = spawnSync('script', ['-qfec', [process.execPath, cli, ...args].join(' '), '/dev/null'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.match(tty.stdout, /\r\x1b\[K[\d,]+ executions, [\d,]+\/s, \d+\.\d s/);
  assert.doesNotMatch(tty.stdout, /estimated|of ~/);
});
