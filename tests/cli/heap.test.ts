// The young generation a search runs with (SEMI_SPACE_MB, src/engine/parallel.ts) is given to
// the main thread on the command line, in three places that cannot import it: they must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HEAP_FLAGS, SEMI_SPACE_MB } from '../../src/engine/parallel.js';

const root = new URL('../../../', import.meta.url);
const flag = `--max-semi-space-size=${SEMI_SPACE_MB}`;

test('the CLI, npm start and npm run bench run with the young generation of the workers', () => {
  assert.deepEqual(HEAP_FLAGS, [flag]);
  const shebang = readFileSync(new URL('src/cli/main.ts', root), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${flag}`);
  const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
  assert.match(scripts.start, new RegExp(`&& node ${flag} dist/src/cli/main\\.js compare$`));
  assert.match(scripts.bench, new RegExp(`&& node ${flag} dist/bench/run\\.js$`));
});
