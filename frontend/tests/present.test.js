import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wanted } from '../present.js';

test('?present turns present mode on or off, whatever this browser remembered', () => {
  assert.equal(wanted('?lab=x&present=1', null), true);
  assert.equal(wanted('?present', null), true);
  assert.equal(wanted('?present=0', '1'), false);
  assert.equal(wanted('?present=false', '1'), false);
});

test('without ?present, present mode is as this browser last left it', () => {
  assert.equal(wanted('?lab=x', '1'), true);
  assert.equal(wanted('?lab=x', null), false);
  assert.equal(wanted('', null), false);
});
