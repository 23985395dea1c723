// Simulate and analytic agree on every built-in case on arm64-64k that simulates quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agree_on_cases } from './agree.js';

test('arm64-64k: the built-in cases count the same by faulting and by arithmetic', () => {
  const { simulated } = agree_on_cases('arm64-64k');
  assert.ok(simulated > 0);
});
