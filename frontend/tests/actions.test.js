import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActions, feedback, lastRequestLine } from '../actions.js';
import { TraceWaiters } from '../trace-waiters.js';

const answer = (status, data = null) => ({ method: 'POST', path: '/p', status, ok: status < 400, type: 'application/json', text: '', data });

test('every answer has its own feedback: one without a message clears the last one', () => {
  assert.deepEqual(feedback(answer(200, { msg: 'Logged out' })), { kind: 'ok', text: '200: Logged out' });
  assert.deepEqual(feedback(answer(200, { cleared: ['username'] })), { kind: 'ok', text: null });
  assert.equal(feedback(null).kind, 'error');
});

test('the last-request line says method, path, status and message', () => {
  const call = { method: 'POST', path: '/api/cookie/login' };
  assert.equal(lastRequestLine(call, answer(401, { message: 'No login' })), 'POST /api/cookie/login → 401 Unauthorized: No login');
  assert.equal(lastRequestLine(call, answer(200)), 'POST /api/cookie/login → 200 OK');
  assert.match(lastRequestLine(call, null), /did not reach the server/);
});

test('act announces the call, reports the answer, then refreshes; a network error reports null and skips the refresh', async () => {
  const seen = [];
  const { act } = createActions({
    waiters: new TraceWaiters(), client: 'me',
    refresh: async (opts) => seen.push(['refresh', opts.comments]),
    expectRequest: (call) => seen.push(['expect', call.path]),
    onAnswer: (call, res) => seen.push(['answer', res?.status ?? null]),
  });
  await act({ method: 'POST', path: '/a', send: async () => answer(200) }, { comments: true });
  await act({ method: 'POST', path: '/b', send: async () => { throw new TypeError('offline'); } });
  assert.deepEqual(seen, [['expect', '/a'], ['answer', 200], ['refresh', true], ['expect', '/b'], ['answer', null]]);
});

test('traced resolves the finished trace of the call it sent', async () => {
  const waiters = new TraceWaiters({ timeoutMs: 1000 });
  const { traced } = createActions({ waiters, client: 'me', refresh: async () => {}, onAnswer: () => {} });
  const trace = { client: 'me', request: { method: 'GET', path: '/api/error/500' }, end: { status: 500 } };
  const call = { method: 'GET', path: '/api/error/500', send: async () => { setTimeout(() => waiters.ended(trace), 5); return answer(500); } };
  const out = await traced(call);
  assert.equal(out.trace, trace);
  assert.equal(out.res.status, 500);
});
