// mmcheck compare, and check/replay with --scenario, as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'mmcheck-vfio-'));

function run(...args: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - started };
}

test('compare prints one row per design and the counterexamples of the failing ones', () => {
  const r = run('compare');
  assert.equal(r.code, 0, r.err);
  const rows = new Map(r.out.split('\n').map((l) => l.split(/\s{2,}/)).filter((c) => c.length >= 2).map((c) => [c[0], c[1]]));
  for (const d of ['legacy-remap-nozap', 'legacy-remap', 'prepare-remap', 'prepare-remap-hidden', 'prepare-remap-hidden-checked']) {
    assert.equal(rows.get(d), 'violated', d);
    assert.match(r.out, new RegExp(`^  mmcheck replay \\S+ --model ${d}$`, 'm'));
  }
  assert.equal(rows.get('fault'), 'holds');
  assert.equal(rows.get('populate-hook'), 'holds');
  assert.match(r.out, /^user CPU 0 +revoke CPU 1$/m);
  assert.match(r.out.replace(/\n/g, ' '), /Deadlock: user holds i_mmap_rwsem \(write\).* and waits for memory_lock; revoke holds memory_lock \(write\) and waits for i_mmap_rwsem\./);
  assert.ok(r.ms < 10_000, `${r.ms} ms`);
});

test('check takes a design and a scenario; replay reproduces its counterexample', () => {
  const bad = run('check', 'legacy-remap', '--scenario', 'transient-flr', '--format', 'json');
  assert.equal(bad.code, 1, bad.err);
  const doc = JSON.parse(bad.out);
  assert.equal(doc.result.model, 'legacy-remap/transient-flr');
  const schedule = doc.result.violation.trace.schedule;
  const rep = run('replay', schedule, '--model', 'legacy-remap', '--scenario', 'transient-flr');
  assert.equal(rep.code, 1, rep.err);
  assert.match(rep.out, /replay ends in assertion: .*while the device is MEM on, D0, in reset/);
  // a JSON result names its model design/scenario, which replay finds
  const out = join(tmp, 'result.json');
  assert.equal(run('check', 'prepare-remap', '--scenario', 'reenable', '-o', out, '--format', 'json').code, 1);
  assert.equal(run('replay', out).code, 1);
  assert.equal(run('check', 'fault', '--scenario', 'reenable', '-q').code, 0);
  const unknown = run('check', 'fault', '--scenario', 'nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /fault has no scenario "nope" \(known: race, /);
  assert.match(run('list').out, /^  populate-hook +proposed: /m);
});
