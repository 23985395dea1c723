// The young generation a search runs with (SEMI_SPACE_MB, src/engine/parallel.ts) is given to
// the main thread on the command line, in places that cannot import it (and the tutorial's alias): they must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HEAP_FLAGS, SEMI_SPACE_MB } from '../../src/engine/parallel.js';

const root = new URL('../../../', import.meta.url);
const flag = `--max-semi-space-size=${SEMI_SPACE_MB}`;

test('the CLI, npm start, npm run bench and the README\'s alias run with the young generation of the workers', () => {
  assert.deepEqual(HEAP_FLAGS, [flag]);
  const shebang = readFileSync(new URL('src/cli/main.ts', root), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${flag}`);
  const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
  assert.match(scripts.start, new RegExp(`&& node ${flag} dist/src/cli/main\\.js compare$`));
  assert.match(scripts.bench, new RegExp(`&& node ${flag} dist/bench/run\\.js$`));
  for (const doc of ['README.md', 'docs/tutorial.md']) {
    assert.ok(readFileSync(new URL(doc, root), 'utf8').includes(`alias mmcheck='node ${flag} dist/src/cli/main.js'`), `${doc}'s alias`);
  }
});
