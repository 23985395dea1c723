// Simulate and analytic agree on every built-in case on x86_64 that simulates quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agree_on_cases } from './agree.js';

test('x86_64: the built-in cases count the same by faulting and by arithmetic', () => {
  const { simulated } = agree_on_cases('x86_64');
  assert.ok(simulated > 0);
});
