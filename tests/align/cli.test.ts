// `mmcheck align` as a user meets it: the cases table, formats, files, and one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'dist/src/cli/main.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'align', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--cases prints one table of every case on every arch, at most 100 columns wide', () => {
  const r = run('--cases');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  for (const l of lines) assert.ok([...l].length <= 100, `${[...l].length} columns: ${l}`);
  assert.match(r.out, /^case +none +thp-pmd +vfio-hook +map-order +len-only +pfn-cong +qemu-9\.2 +qemu-off +best$/m);
  assert.match(r.out, /^2G BAR +524288 +1024 +2 +2 +2 +2 +2 +2 +2$/m);
  assert.equal(lines.filter((l) => /^2G BAR +\d/.test(l)).length, 4, 'x86_64 and three arm64 granules');
  for (const a of ['x86_64', 'arm64-4k', 'arm64-16k', 'arm64-64k']) assert.match(r.out, new RegExp(`^${a}: pages`, 'm'));
});

test('one region: placements and costs per policy, with best', () => {
  const r = run('--size', '2G', '--phys', '0x380000000000', '--policy', 'none', 'pfn-congruent', '--method', 'analytic');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^none +analytic +524288 +0 +0 +524288 /m);
  assert.match(r.out, /^pfn-congruent +analytic +2 +2 +0 +0 /m);
  assert.match(r.out, /^best +analytic +2 /m);
});

test('json and svg', () => {
  const j = run('--size', '64M', '--offset', '0', '--length', '2M', '--offset', '2M+4K', '--length', '62M-4K', '--format', 'json', '--method', 'analytic');
  assert.equal(j.code, 0, j.err);
  const doc = JSON.parse(j.out);
  assert.equal(doc.schema, 'mmcheck/align');
  assert.equal(doc.maps.length, 2);
  assert.equal(doc.runs.length, 8);
  assert.equal(doc.best.counts.faults, 542);
  const s = run('--size', '16M', '--layouts', '3', '--seed', '5', '--format', 'svg', '--method', 'analytic');
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(s.out, /<\/svg>\n$/);
  assert.doesNotMatch(s.out, /<script/);
});

test('several random layouts give a distribution per policy', () => {
  const r = run('--size', '16M', '--layouts', '4', '--seed', '9', '--method', 'analytic');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Layouts: 4 \(random 9\/1 \.\. random 9\/4\)/);
  assert.match(r.out, /^policy +min +median +max +at best/m);
  assert.match(r.out, /^pfn-congruent +8 +8 +8 +4\/4/m);
});

test('--output writes the whole file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmcheck-align-'));
  try {
    const out = join(dir, 'cases.svg');
    const r = run('--cases', '--arch', 'arm64-64k', '--method', 'analytic', '--format', 'svg', '-o', out);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.match(readFileSync(out, 'utf8'), /^<svg[\s\S]*<\/svg>\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const bad: [string, string[], RegExp][] = [
  ['not a size', ['--size', '2X'], /--size: "2X" is not a size/],
  ['no region', [], /--size .* or .*--cases/],
  ['outside the region', ['--size', '2G', '--offset', '2G'], /offset 0x80000000 \(2G\) is not inside the 2G region/],
  ['beyond the region', ['--size', '2G', '--offset', '1G', '--length', '2G'], /ends beyond the 2G region/],
  ['unaligned offset', ['--size', '64M', '--offset', '2M+1'], /not a multiple of the 4K page size/],
  ['unaligned BAR', ['--size', '2G', '--phys', '0x380040000000'], /not aligned to 2G/],
  ['lengths do not pair', ['--size', '2G', '--offset', '0', '--offset', '4K'], /one length per offset/],
  ['cases with a region', ['--cases', '--size', '2G'], /takes no --size/],
  ['unknown policy', ['--size', '2G', '--policy', 'magic'], /--policy/],
  ['bad layout count', ['--size', '2G', '--layouts', '0'], /--layouts takes a whole number/],
  ['bad VMA', ['--size', '2G', '--vma', '0x1000-0x2000'], /must be a non-empty range inside/],
  ['bad format', ['--size', '2G', '--format', 'pdf'], /--format/],
];

for (const [what, args, msg] of bad) {
  test(`bad input (${what}): one line on stderr, exit 2, no output file`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmcheck-align-'));
    try {
      const out = join(dir, 'out.txt');
      const r = run(...args, '-o', out);
      assert.equal(r.code, 2, r.out + r.err);
      assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
      assert.match(r.err, msg);
      assert.equal(existsSync(out), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('--help shows examples', () => {
  const r = run('--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /Examples:\n {2}mmcheck align --cases/);
});
