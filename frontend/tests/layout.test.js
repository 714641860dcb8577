import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waterfall, visibleRange, scrollToRow, atBottom, traceTotal } from '../layout.js';

test('waterfall places steps on the request axis', () => {
  const bars = waterfall([{ offset_ms: 0, duration_ms: 5 }, { offset_ms: 5, duration_ms: 5 }], 10);
  assert.deepEqual(bars, [{ left: 0, width: 50 }, { left: 50, width: 50 }]);
});

test('instant steps stay visible and inside the axis', () => {
  const [bar] = waterfall([{ offset_ms: 10, duration_ms: 0 }], 10, 1);
  assert.equal(bar.width, 1);
  assert.equal(bar.left, 99);
  assert.deepEqual(waterfall([{ offset_ms: 0, duration_ms: 0 }], 0, 1), [{ left: 0, width: 1 }]);
});

test('virtual list range with overscan', () => {
  assert.deepEqual(visibleRange(0, 300, 30, 1000, 2), { start: 0, end: 13 });
  assert.deepEqual(visibleRange(3000, 300, 30, 1000, 2), { start: 98, end: 113 });
  assert.deepEqual(visibleRange(29900, 300, 30, 1000, 2), { start: 994, end: 1000 });
  assert.deepEqual(visibleRange(0, 300, 30, 0), { start: 0, end: 0 });
});

test('scrolling a row into view', () => {
  assert.equal(scrollToRow(0, 60, 300, 30), 0);
  assert.equal(scrollToRow(20, 0, 300, 30), 330);
  assert.equal(scrollToRow(3, 0, 300, 30), null);
  assert.equal(atBottom(700, 300, 1000), true);
  assert.equal(atBottom(500, 300, 1000), false);
});

test('a running request grows with the clock', () => {
  const running = { end: null, receivedAt: 1000, steps: [{ offset_ms: 0, duration_ms: 2 }] };
  assert.equal(traceTotal(running, 1600), 600);
  const done = { end: { duration_ms: 12 }, receivedAt: 0, steps: [{ offset_ms: 0, duration_ms: 14 }] };
  assert.equal(traceTotal(done, 99999), 14);
});
