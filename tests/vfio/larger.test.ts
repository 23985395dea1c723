// The larger scenarios: two processes whose VMAs one zap reaches through the device inode, and
// two processes with faults of two orders through a lasting revocation, its re-enable and an FLR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../src/engine/index.js';
import { find_design } from '../../src/drivers/vfio-pci/index.js';
import { find_scenario, vfio_model } from '../../src/scenarios/vfio.js';

for (const s of ['two-procs', 'large']) {
  for (const d of ['fault', 'populate-hook']) {
    test(`${s}: ${d} holds, every witness reached`, () => {
      const r = explore(vfio_model(find_design(d)!, find_scenario(s)!));
      assert.equal(r.verdict, 'holds', r.violation?.message);
      assert.equal(r.vacuous, undefined, r.witnesses.filter((w) => !w.executions).map((w) => w.name).join(', '));
    });
  }

  test(`${s}: the remap designs leave a stale entry in one of the processes`, () => {
    for (const d of ['legacy-remap', 'prepare-remap-hidden']) {
      const r = explore(vfio_model(find_design(d)!, find_scenario(s)!));
      assert.equal(r.verdict, 'violated', d);
      assert.equal(r.violation!.property, 'no stale device mapping', d);
      assert.match(r.violation!.message, /user[01]/, d);
    }
  });
}
