import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRefresher } from '../refresher.js';

function gate() {
  let open;
  const promise = new Promise((resolve) => { open = resolve; });
  return { promise, open };
}

test('a burst of refreshes costs one load in flight and one after it', async () => {
  const loads = [];
  let current = gate();
  const r = createRefresher({ load: (opts) => { loads.push(opts); return current.promise; } });
  const first = r.refresh();
  r.refresh();
  r.refresh({ comments: true });
  const g = current;
  current = { promise: Promise.resolve() };
  g.open();
  await first;
  // The first load reads comments (the page starts without them); the burst adds one more, with comments.
  assert.deepEqual(loads, [{ comments: true }, { comments: true }]);
  await r.refresh();
  assert.deepEqual(loads.at(-1), { comments: false });
});

test('a failed load is reported and does not wedge later refreshes', async () => {
  const errors = [];
  let fail = true;
  const r = createRefresher({ load: async () => { if (fail) throw new Error('down'); }, onError: (e) => errors.push(e.message) });
  await r.refresh();
  fail = false;
  await r.refresh();
  assert.deepEqual(errors, ['down']);
});

test('an event of my own right after my refresh needs none; another client\'s does', async () => {
  let t = 1000;
  let loads = 0;
  const r = createRefresher({ load: async () => { loads += 1; }, now: () => t, soonMs: 5 });
  await r.refresh();
  t += 100;
  r.refreshSoon({ mine: true });
  await new Promise((resolve) => { setTimeout(resolve, 20); });
  assert.equal(loads, 1);
  r.refreshSoon({ mine: false });
  await new Promise((resolve) => { setTimeout(resolve, 20); });
  assert.equal(loads, 2);
});

test('quietly(fn): no refresh the stream prompts runs while fn sends, and the one it asked for runs after', async () => {
  const log = [];
  const r = createRefresher({ load: async () => { log.push('load'); }, soonMs: 1 });
  const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
  await r.quietly(async () => {
    log.push('put');
    r.refreshSoon({ mine: false }); // another client's change, told by the stream
    await sleep(20);
    await r.refresh(); // the action's own read: the first request after the put
    log.push('read');
  });
  // The only read inside is the action's own; the stream's runs once fn is done.
  assert.deepEqual(log, ['put', 'load', 'read', 'load']);
  await sleep(20);
  assert.equal(log.length, 4);
});

test('quietly(fn) waits for a refresh already in flight before fn sends', async () => {
  const log = [];
  let open;
  const r = createRefresher({ load: () => { log.push('load'); return new Promise((resolve) => { open = resolve; }); } });
  r.refresh();
  const done = r.quietly(async () => { log.push('put'); });
  await new Promise((resolve) => { setTimeout(resolve, 10); });
  assert.deepEqual(log, ['load']);
  open();
  await done;
  assert.deepEqual(log, ['load', 'put']);
});
