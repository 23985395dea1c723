// The command line as a user meets it: exit codes, bad input, output files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'dist/src/cli/main.js');
const fixture = (f: string) => join(root, 'tests/fixtures', f);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('a model file with a race is violated (exit 1) and shows its trace', () => {
  const r = run('check', 'examples/lost-update.ts');
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /lost-update: violated \(final-check: no lost update\)/);
  assert.match(r.out, /cpu0 CPU 0 +cpu1 CPU 1/);
  assert.match(r.out, /!! no lost update|!! write counter/);
});

test('a model file that holds exits 0', () => {
  const r = run('check', fixture('holds.ts'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /locked-increments: holds/);
});

test('a budget that cuts the search is incomplete (exit 3), never holds', () => {
  const r = run('check', fixture('holds.ts'), '--max-executions', '1');
  assert.equal(r.code, 3, r.err);
  assert.match(r.out, /incomplete: execution budget reached/);
});

test('a thread that throws is a model error (exit 4) with the trace up to it', () => {
  const r = run('check', fixture('throws.ts'));
  assert.equal(r.code, 4, r.err);
  assert.match(r.out, /model error/i);
  assert.match(r.out, /t threw: model bug: unexpected zero/);
  assert.match(r.out, /read c/);
});

const badInputs: [string, string[], RegExp][] = [
  ['unknown command', ['frobnicate'], /unknown command/],
  ['unknown model', ['check', 'no-such-design'], /unknown model or design "no-such-design"/],
  ['bad strategy', ['check', 'examples/lost-update.ts', '--strategy', 'magic'], /--strategy/],
  ['bad number', ['check', 'examples/lost-update.ts', '--max-executions', 'ten'], /positive whole number/],
  ['unknown flag', ['check', 'examples/lost-update.ts', '--frob'], /unknown option/],
  ['missing file', ['check', 'nowhere/model.ts'], /no such file: nowhere\/model.ts/],
  ['type error', ['check', fixture('type-error.ts')], /type-error.ts:8: Type 'number' is not assignable to type 'string'/],
  ['bad schedule', ['replay', '0.x', '--model', 'examples/lost-update.ts'], /bad schedule element "x"/],
  ['schedule that does not fit', ['replay', '0*5', '--model', 'examples/lost-update.ts'], /step 2: thread cpu0 has already finished/],
  ['workers with a sampling strategy', ['check', 'demo-race', '--workers', '2', '--strategy', 'random'], /--workers splits an exhaustive search/],
];

for (const [what, args, msg] of badInputs) {
  test(`bad input (${what}) is one line on stderr with exit 2 and no output file`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmcheck-cli-'));
    try {
      const out = join(dir, 'out.txt');
      const r = run(...args, ...(args[0] === 'check' || args[0] === 'replay' ? ['-o', out] : []));
      assert.equal(r.code, 2, `${r.out}\n${r.err}`);
      assert.match(r.err, msg);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.doesNotMatch(r.err, /^\s+at /m);
      assert.equal(existsSync(out), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('--workers 2 gives the result of one thread, for a design and for a model file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmcheck-cli-'));
  try {
    for (const target of [['fault', '--scenario', 'munmap-race'], [fixture('holds.ts')], ['examples/lost-update.ts']]) {
      const results = ['1', '2'].map((w) => {
        const out = join(dir, `w${w}.json`);
        const r = run('check', ...target, '--workers', w, '--format', 'json', '-o', out);
        assert.ok(r.code === 0 || r.code === 1, r.err);
        const { stats: { wallMs: _w, peakRssMb: _p, ...counts }, minimization, ...rest } = JSON.parse(readFileSync(out, 'utf8')).result;
        return { code: r.code, counts, minimization: minimization && { ...minimization, wallMs: 0 }, ...rest };
      });
      assert.deepEqual(results[1], results[0]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('json output replays to the same trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmcheck-cli-'));
  try {
    const out = join(dir, 'r.json');
    assert.equal(run('check', 'examples/lost-update.ts', '--format', 'json', '-o', out).code, 1);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(doc.schema, 'mmcheck/result');
    const r = run('replay', out, '--model', 'examples/lost-update.ts', '--format', 'json');
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(JSON.parse(r.out).trace, doc.result.violation.trace);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a progress line appears on a terminal for a long run, and never in a pipe', () => {
  const args = ['check', 'lastzero', '--strategy', 'naive', '--max-executions', '1500000'];
  const tty = spawnSync('script', ['-qfec', [process.execPath, cli, ...args].join(' '), '/dev/null'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  // estimated by default on a terminal
  assert.match(tty.stdout, /\r\x1b\[Kexecutions [\d,]+ of ~[\d,]+ \(\d+%\), [\d,]+\/s, \d+\.\d s/);
  const pipe = run(...args);
  assert.equal(pipe.code, 3);
  assert.equal(pipe.err, '');
  assert.doesNotMatch(pipe.out, /executions, [\d,]+\/s/);
});
