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

/** A stream whose every open is refused, noting its statuses and refusals in `seen`. */
function refusedStream(api, seen, more = {}) {
  return createStream({
    api,
    lastId: () => null,
    onEvents() {},
    onStatus: (s) => seen.status.push(s),
    onDropped() {},
    onFull: (r) => seen.full.push(r),
    ...more,
  });
}

test('a full lab is read by polling, said with its viewer count; the first read tells what was dropped', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  globalThis.EventSource = RefusedSource;
  const reads = [];
  const seen = { status: [], full: [], history: [] };
  const stream = refusedStream(fakeApi(reads, { status: 429, data: { error: 'lab_full', viewers: 3 } }), seen,
    { onHistory: (n) => seen.history.push(n) });
  await stream.start();
  mock.timers.tick(0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen.full, [{ error: 'lab_full', viewers: 3 }]);
  assert.equal(seen.status.at(-1), 'polling');
  assert.deepEqual(seen.history, [7]);
  const before = reads.length;
  mock.timers.tick(POLL_MS);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads.length, before + 1); // polled GET /api/hooks
  mock.timers.reset();
});

test('a server following as many labs as it may is read by polling too, and the stream tried again later', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  globalThis.EventSource = RefusedSource;
  const reads = [];
  const seen = { status: [], full: [], opened: 0 };
  const refusal = { error: 'too_many_watched_labs', labs: 100 };
  const api = fakeApi(reads, { status: 429, data: refusal });
  const streamUrl = api.streamUrl;
  api.streamUrl = (...args) => { seen.opened += 1; return streamUrl(...args); };
  const stream = refusedStream(api, seen);
  await stream.start();
  mock.timers.tick(0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen.full, [refusal]);
  assert.equal(seen.status.at(-1), 'polling');
  const before = reads.length;
  mock.timers.tick(POLL_MS);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads.length, before + 1); // polled GET /api/hooks
  assert.equal(seen.opened, 1);
  mock.timers.tick(10_000); // the server's Retry-After
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.opened, 2); // the stream tried again, not before
  mock.timers.reset();
});

test('the refusals that mean "no room now" are polled; others are retried', async () => {
  const { pollsFor } = await import('../stream.js');
  for (const error of ['lab_full', 'too_many_streams', 'too_many_watched_labs']) {
    assert.equal(pollsFor({ status: 429, data: { error } }), true, error);
  }
  assert.equal(pollsFor({ status: 429, data: { error: 'rate_limited' } }), false);
  assert.equal(pollsFor({ status: 503, data: { error: 'backend_unavailable' } }), false);
  assert.equal(pollsFor({ status: 429, data: null }), false); // not JSON
  assert.equal(pollsFor(null), false); // the probe itself failed
});

test('any other refusal retries the stream with a backoff, without polling', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  globalThis.EventSource = RefusedSource;
  const seen = { status: [], full: [] };
  const stream = refusedStream(fakeApi([], { status: 503, data: { error: 'backend_unavailable' } }), seen);
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

test('a log of another epoch is a restart, however far its ids have got', async () => {
  const { otherLog } = await import('../stream.js');
  assert.equal(otherLog(null, '100.000000'), false); // the page's first read
  assert.equal(otherLog('100.000000', '100.000000'), false); // Redis: an app restart keeps it
  assert.equal(otherLog('100.000000', '200.000000'), true);
  assert.equal(otherLog('100.000000', undefined), false); // a server that tells none
});

/** An EventSource the test drives: its listeners, fired by name. */
class DrivenSource {
  static made = [];
  constructor(url) {
    this.url = url;
    this.listeners = {};
    DrivenSource.made.push(this);
  }
  addEventListener(type, listener) { (this.listeners[type] ??= []).push(listener); }
  emit(type, data) { for (const listener of this.listeners[type] ?? []) listener({ data: JSON.stringify(data) }); }
  close() { this.closed = true; }
}

/** A page on a stream over answers to GET /api/hooks given in turn; what it did. */
async function pageOn(answers) {
  globalThis.EventSource = DrivenSource;
  DrivenSource.made = [];
  const seen = { reads: [], urls: [], restarts: 0, dropped: 0, lastId: null };
  const api = {
    hooks: (after) => ({
      send: async () => {
        seen.reads.push(after);
        return { ok: true, data: { dropped: false, dropped_before: 0, ...answers.shift() } };
      },
    }),
    streamUrl: (after, epoch) => { seen.urls.push({ after, epoch }); return '/s'; },
  };
  const stream = createStream({
    api,
    lastId: () => seen.lastId,
    onEvents(events) { seen.lastId = events.at(-1).id; },
    onStatus() {},
    onDropped() { seen.dropped += 1; },
    onRestart() { seen.restarts += 1; seen.lastId = null; },
  });
  await stream.start();
  return seen;
}

async function reconnect() {
  DrivenSource.made.at(-1).onerror();
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(1000); // the backoff
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

test('after a restart whose new log passed the last id seen, the page reads it from its start', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const seen = await pageOn([
    { events: [{ id: '5' }], last_id: '5', epoch: '100.000000' },
    // The class's reads after the restart: the new log is at 300 already.
    { events: [{ id: '6' }], last_id: '300', epoch: '200.000000' },
    { events: [{ id: '1' }, { id: '300' }], last_id: '300', epoch: '200.000000' },
  ]);
  assert.deepEqual(seen.urls, [{ after: '5', epoch: '100.000000' }]);
  await reconnect();
  assert.deepEqual(seen.reads, [null, '5', null]);
  assert.equal(seen.restarts, 1);
  assert.deepEqual(seen.urls.at(-1), { after: '300', epoch: '200.000000' });
  mock.timers.reset();
});

test('the stream\'s reset restarts the page on the new epoch; its gap says events were dropped', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const seen = await pageOn([
    { events: [{ id: '5' }], last_id: '5', epoch: '100.000000' },
    { events: [], last_id: '9', epoch: '300.000000' },
  ]);
  const source = DrivenSource.made[0];
  source.emit('reset', { after: '5', note: 'the server restarted', epoch: '300.000000' });
  assert.equal(seen.restarts, 1);
  source.emit('lab', { id: '1', type: 'lab' });
  source.emit('end', { id: '9', type: 'end' });
  assert.equal(seen.lastId, '9'); // the new log's events, from its first
  source.emit('gap', { after: '9', note: 'older events were pushed out' });
  assert.equal(seen.dropped, 1);
  await reconnect();
  assert.equal(seen.restarts, 1); // the page already knows this epoch: no second restart
  assert.deepEqual(seen.urls.at(-1), { after: '9', epoch: '300.000000' });
  mock.timers.reset();
});

test('a server that does not answer is tried again within every second, for as long as it takes', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  let down = true;
  const tries = [];
  const opened = [];
  globalThis.EventSource = class {
    constructor(url) { opened.push(url); }
    addEventListener() {}
    close() {}
  };
  const api = {
    hooks: () => ({ send: async () => { tries.push(down); if (down) throw new TypeError('Failed to fetch'); return { ok: true, data: { events: [], dropped: false } }; } }),
    streamUrl: () => '/api/hooks/stream?lab=L',
  };
  const seen = { status: [], full: [] };
  const stream = refusedStream(api, seen);
  await stream.start();
  const settle = async () => { for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve)); };
  await settle();
  for (let second = 1; second <= 30; second += 1) { // 0.8 s ±25% apart: never a second
    mock.timers.tick(1000);
    await settle();
    assert.equal(tries.length, second + 1, `tries after ${second} s`);
  }
  assert.equal(seen.status.at(-1), 'reconnecting');
  down = false; // the server is back: the next try reads the log and opens the stream
  mock.timers.tick(1000);
  await settle();
  assert.equal(opened.length, 1);
  assert.deepEqual(seen.full, []);
  mock.timers.reset();
});
