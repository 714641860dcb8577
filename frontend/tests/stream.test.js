import { test, mock } from 'node:test';
import assert from 'node:assert/strict';

globalThis.window ??= { addEventListener() {} };
const { createStream, POLL_MS } = await import('../stream.js');

/** An EventSource the server refused, as the browser reports it: an error, never open. */
class RefusedSource {
  constructor(url) {
    this.url = url;
    setTimeout(() => this.onerror?.(), 0);
  }
  addEventListener() {}
  close() { this.closed = true; }
}

function fakeApi(reads, refusal) {
  return {
    hooks: (after) => ({ send: async () => { reads.push(after); return { ok: true, data: { events: [], dropped: false, dropped_before: 7 } }; } }),
    streamUrl: () => '/api/hooks/stream?lab=L',
    probeStream: async () => refusal,
  };
}

test('a full lab is read by polling, said with its viewer count; the first read tells what was dropped', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  globalThis.EventSource = RefusedSource;
  const reads = [];
  const seen = { status: [], full: [], history: [] };
  const stream = createStream({
    api: fakeApi(reads, { status: 429, data: { error: 'lab_full', viewers: 3 } }),
    lastId: () => null,
    onEvents() {},
    onStatus: (s) => seen.status.push(s),
    onDropped() {},
    onHistory: (n) => seen.history.push(n),
    onFull: (n) => seen.full.push(n),
  });
  await stream.start();
  mock.timers.tick(0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen.full, [3]);
  assert.equal(seen.status.at(-1), 'polling');
  assert.deepEqual(seen.history, [7]);
  const before = reads.length;
  mock.timers.tick(POLL_MS);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads.length, before + 1); // polled GET /api/hooks
  mock.timers.reset();
});

test('any other refusal retries the stream with a backoff, without polling', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  globalThis.EventSource = RefusedSource;
  const seen = { status: [], full: [] };
  const stream = createStream({
    api: fakeApi([], { status: 503, data: { error: 'backend_unavailable' } }),
    lastId: () => null,
    onEvents() {},
    onStatus: (s) => seen.status.push(s),
    onDropped() {},
    onFull: (n) => seen.full.push(n),
  });
  await stream.start();
  mock.timers.tick(0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen.full, []);
  assert.equal(seen.status.at(-1), 'reconnecting');
  mock.timers.reset();
});

test('a server whose log ends before the last event seen has restarted', async () => {
  const { restarted } = await import('../stream.js');
  assert.equal(restarted(null, '5'), false); // nothing seen yet
  assert.equal(restarted('192', '192'), false);
  assert.equal(restarted('192', '200'), false);
  assert.equal(restarted('192', '3'), true); // ids count from 1 again
  assert.equal(restarted('192', null), true); // an empty, new log
});
