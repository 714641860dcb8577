import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shareAt } from '../splitter.js';

test('the details take the share below the pointer, within 15–85 %', () => {
  assert.equal(shareAt(600, 100, 1000), 50);
  assert.equal(shareAt(1050, 100, 1000), 15);
  assert.equal(shareAt(120, 100, 1000), 85);
});
