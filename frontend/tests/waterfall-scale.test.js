import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busyStretches, sharedScale, traceSpan, CUT_OVER_MS } from '../waterfall-scale.js';

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test('a trace spans from its measured start for its measured length', () => {
  const trace = { request: { time: 1000.5 }, end: { duration_ms: 300 }, steps: [{ offset_ms: 0, duration_ms: 299 }] };
  assert.deepEqual(traceSpan(trace), { start: 1000500, end: 1000800 });
  assert.equal(traceSpan({ request: null, steps: [], end: null }), null, 'no start recorded: not placed');
});

test('overlapping and nearby requests make one busy stretch; a long idle gap splits them', () => {
  const busy = busyStretches([{ start: 0, end: 3000 }, { start: 100, end: 120 }, { start: 3500, end: 3600 }, { start: 9000, end: 9001 }]);
  assert.deepEqual(busy, [{ start: 0, end: 3600 }, { start: 9000, end: 9001 }]);
  assert.deepEqual(busyStretches([null, { start: 5, end: 5 }]), [{ start: 5, end: 5 }]);
});

test('without cuts the axis is linear: overlapping requests overlap', () => {
  const scale = sharedScale([{ start: 0, end: 3000 }, { start: 1000, end: 1300 }]);
  assert.equal(scale.cuts.length, 0);
  close(scale.x(0), 0);
  close(scale.x(3000), 1);
  close(scale.x(1000), 1 / 3);
  close(scale.x(1300) - scale.x(1000), 0.1);
});

test('an idle gap over the threshold is cut to a fixed width, marked with its length', () => {
  const scale = sharedScale([{ start: 0, end: 100 }, { start: 100 + CUT_OVER_MS + 5000, end: 100 + CUT_OVER_MS + 5100 }]);
  assert.equal(scale.cuts.length, 1);
  assert.equal(scale.cuts[0].ms, CUT_OVER_MS + 5000);
  close(scale.cuts[0].width, 0.04);
  // Both requests keep the same ms-to-width ratio: each is half of what is linear.
  close(scale.x(100) - scale.x(0), 0.48);
  close(scale.x(6200) - scale.x(6100), 0.48);
  close(scale.x(6100), 0.52);
  // A time inside the cut sits at the cut's start.
  close(scale.x(3000), 0.48);
});

test('many cuts together take at most 30 % of the axis', () => {
  const spans = Array.from({ length: 20 }, (_, i) => ({ start: i * 10_000, end: i * 10_000 + 10 }));
  const scale = sharedScale(spans);
  assert.equal(scale.cuts.length, 19);
  close(scale.cuts.reduce((sum, c) => sum + c.width, 0), 0.3);
  close(scale.x(10) - scale.x(0), 0.7 / 20);
  close(scale.x(spans[19].end), 1);
});

test('the key changes when a request is added or grows', () => {
  const a = sharedScale([{ start: 0, end: 10 }]);
  const b = sharedScale([{ start: 0, end: 12 }]);
  const c = sharedScale([{ start: 0, end: 10 }, { start: 5000, end: 5010 }]);
  assert.notEqual(a.key, b.key);
  assert.notEqual(a.key, c.key);
  assert.equal(sharedScale([]).key, 'empty');
});
