import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeEvents } from '../event-router.js';
import { TraceLog } from '../trace-log.js';

const req = (id, trace, path, client = 'me', method = 'POST') => ({ id, type: 'request', trace, lab: 'L', time: 1, method, path, query: '', client });
const end = (id, trace, setCookie = []) => ({ id, type: 'end', trace, lab: 'L', time: 1, status: 200, duration_ms: 1, set_cookie: setCookie, error: null });

test('my login: started, ended with cookies, and state re-read as mine', () => {
  const out = routeEvents(new TraceLog(), [req('1', 'a', '/api/cookie/login'), end('2', 'a', ['username=Tom'])], { client: 'me', live: true });
  assert.deepEqual(out.started.map((t) => t.id), ['a']);
  assert.deepEqual(out.mineWithCookies.map((t) => t.id), ['a']);
  assert.deepEqual(out.refresh, { comments: false, mine: true });
});

test('another client\'s comment re-reads comments; the page\'s own reads re-read nothing', () => {
  const log = new TraceLog();
  const out = routeEvents(log, [req('1', 'a', '/api/session/comment', 'other'), end('2', 'a')], { client: 'me', live: true });
  assert.deepEqual(out.refresh, { comments: true, mine: false });
  assert.deepEqual(out.started, []);
  const reads = routeEvents(log, [req('3', 'b', '/api/state', 'me', 'GET'), end('4', 'b')], { client: 'me', live: true });
  assert.equal(reads.refresh, null);
});

test('history replayed on connect re-reads nothing and selects nothing; a clear is reported', () => {
  const out = routeEvents(new TraceLog(), [req('1', 'a', '/api/cookie/login'), end('2', 'a', ['x=1']), { id: '3', type: 'clear', lab: 'L', time: 1 }], { client: 'me', live: false });
  assert.equal(out.refresh, null);
  assert.deepEqual(out.started, []);
  assert.equal(out.cleared, true);
});

test('lab events are handed on once, say who; a settings change re-reads the switches', () => {
  const log = new TraceLog();
  const by = { client: 'abcd\u2026', name: 'Anna' };
  const settings = { id: '1', type: 'settings', lab: 'L', time: 1, by, changes: { short_circuit: true } };
  const clear = { id: '2', type: 'clear', lab: 'L', time: 2, by };
  const out = routeEvents(log, [settings, clear, { id: '3', type: 'comments', lab: 'L', comment: {} }], { client: 'me', live: true });
  assert.deepEqual(out.labEvents.map((e) => e.type), ['settings', 'clear']);
  assert.equal(out.cleared, true);
  assert.deepEqual(out.refresh, { comments: false, mine: false });
  // Replayed after a reconnect: already seen, nothing shown twice.
  assert.deepEqual(routeEvents(log, [settings, clear], { client: 'me', live: true }).labEvents, []);
});
