// Golden files of every renderer on the legacy-remap counterexample (the seed's race), and
// the HTML report's page-table view in a real browser. MMCHECK_UPDATE_GOLDEN=1 rewrites them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explore, replay, type CheckResult } from '../../src/engine/index.js';
import { findTarget } from '../../src/scenarios/index.js';
import { column_landmark, hides_from_columns } from '../../src/scenarios/vfio.js';
import { renderText } from '../../src/report/text.js';
import { renderJson } from '../../src/report/json.js';
import { renderMermaid } from '../../src/report/mermaid.js';
import { renderLockdep } from '../../src/report/lockdep.js';
import { renderHtml } from '../../src/report/html.js';
import { stateSections } from '../../src/report/sections.js';
import { withPage } from '../support/browser.js';

const goldenDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../tests/golden');

/** Timings and memory differ run to run; everything else must not. */
function stable(r: CheckResult): CheckResult {
  const stats = { ...r.stats, wallMs: 0, peakRssMb: 0 };
  const minimization = r.minimization && { ...r.minimization, wallMs: 0 };
  return { ...r, stats, ...(minimization ? { minimization } : {}) };
}

function golden(name: string, text: string): void {
  const file = join(goldenDir, name);
  if (process.env.MMCHECK_UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${name} differs from its golden file`);
}

const model = findTarget('legacy-remap')!.model();
const result = stable(explore(model, { minimize: true }));

test('text: CPU columns, no line over 72 characters', () => {
  const text = renderText(result, undefined, { hide: hides_from_columns, landmark: column_landmark });
  const lines = text.split('\n');
  const from = lines.findIndex((l) => /CPU 0 .*CPU 1/.test(l));
  const to = lines.indexOf('', from);
  assert.ok(from > 0 && to > from + 10, 'a two-column CPU table');
  for (const line of lines.slice(from, to)) assert.ok(line.length <= 72, `over 72: ${line}`);
  golden('legacy-remap.txt', text);
});

test('json', () => golden('legacy-remap.json', renderJson(result)));
test('mermaid', () => golden('legacy-remap.mmd', renderMermaid(result)));
test('lockdep: nothing to report for a stale mapping; the deadlock of the checked hidden action', () => {
  assert.equal(renderLockdep(result), null);
  const checked = stable(explore(findTarget('prepare-remap-hidden-checked')!.model(), { minimize: true }));
  golden('prepare-remap-hidden-checked.lockdep', renderLockdep(checked)!);
});

test('html: the page-table view at the violating step shows the stale entry', async () => {
  const rep = replay(model, result.violation!.trace.schedule, { snapshots: true });
  rep.snapshots = rep.snapshots!.map(stateSections);
  rep.initial = stateSections(rep.initial);
  const html = renderHtml({ result, replayed: rep });
  golden('legacy-remap.html', html);
  await withPage(html, async (page) => {
    const leaves = '[data-section="page-table leaves"]';
    const stale = await page.$$eval(`${leaves} tr.stale`, (rows) => rows.map((r) => r.textContent));
    assert.equal(stale.length, 1);
    assert.match(stale[0]!, /pte.*0x7f0000000000.*0x100000.*stale/);
    assert.match((await page.textContent('[data-section="VMAs (VMA tree, i_mmap)"]'))!, /yes.*yes/);
    await page.click('#first');
    assert.equal(await page.$$eval(`${leaves} tr.stale`, (rows) => rows.length), 0);
    for (let i = 0; i < 21; i++) await page.click('#next');
    // the remap has installed the PTE, the VMA is in neither tree nor i_mmap yet
    assert.match((await page.textContent(leaves))!, /0x100000/);
    assert.match((await page.textContent('[data-section="device"]'))!, /yes/);
  });
});
