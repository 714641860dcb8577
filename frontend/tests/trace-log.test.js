import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceLog, compareIds, errorKind, matchesFilter, isPageRead, stepFailed, traceHasError } from '../trace-log.js';
import { matchesQuery, parseFilter } from '../filter.js';

const req = (id, trace, extra = {}) => ({ id, type: 'request', trace, lab: 'L', time: 1, method: 'GET', path: '/api/state', query: '', client: 'me', person: 'mePublic', ...extra });
const step = (id, trace, index, name) => ({ id, type: 'step', trace, lab: 'L', time: 1, index, name, function: `f.${name}`, kind: 'hook', offset_ms: index, duration_ms: 1, error: null, detail: {} });
const end = (id, trace, status) => ({ id, type: 'end', trace, lab: 'L', time: 1, status, duration_ms: 5, set_cookie: [], error: null, endpoint: null });

test('ids compare as numbers, not as text', () => {
  assert.equal(compareIds('9', '10'), -1);
  assert.equal(compareIds('10', '9'), 1);
  assert.equal(compareIds('7', '7'), 0);
  assert.equal(compareIds(null, '1'), -1);
});

test('events group into traces with steps in index order', () => {
  const log = new TraceLog();
  log.apply(req('1', 't1'));
  log.apply(step('2', 't1', 1, 'view'));
  log.apply(step('3', 't1', 0, 'before_request'));
  log.apply(end('4', 't1', 200));
  const t = log.get('t1');
  assert.deepEqual(t.steps.map((s) => s.name), ['before_request', 'view']);
  assert.equal(t.end.status, 200);
  assert.equal(log.size, 1);
  assert.equal(log.lastId, '4');
});

test('a replay after reconnect does not duplicate', () => {
  const log = new TraceLog();
  const events = [req('1', 't1'), step('2', 't1', 0, 'view'), end('3', 't1', 200)];
  for (const e of events) log.apply(e);
  for (const e of events) assert.equal(log.apply(e), null);
  assert.equal(log.get('t1').steps.length, 1);
});

test('clear empties the log and keeps the last id', () => {
  const log = new TraceLog();
  log.apply(req('1', 't1'));
  assert.equal(log.apply({ id: '2', type: 'clear', lab: 'L', time: 1 }), 'clear');
  assert.equal(log.size, 0);
  assert.equal(log.lastId, '2');
});

test('the log is bounded', () => {
  const log = new TraceLog({ limit: 3 });
  for (let i = 1; i <= 5; i += 1) log.apply(req(String(i), `t${i}`));
  assert.deepEqual(log.order.map((t) => t.id), ['t3', 't4', 't5']);
  assert.equal(log.get('t1'), undefined);
});

test('filters by text, status, client and page reads', () => {
  const log = new TraceLog();
  log.apply(req('1', 'a', { method: 'POST', path: '/api/cookie/login' }));
  log.apply(end('2', 'a', 200));
  log.apply(req('3', 'b', { client: 'otherPub', person: 'otherPub', path: '/api/error/exception' }));
  log.apply(step('4', 'b', 0, 'got_request_exception'));
  log.apply(end('5', 'b', 500));
  log.apply(req('6', 'c'));
  const [a, b, c] = log.order;
  const text = (words) => ({ matches: (t) => matchesQuery(t, parseFilter(words)) });
  assert.ok(matchesFilter(a, text('LOGIN')));
  assert.ok(!matchesFilter(b, text('login')));
  assert.ok(matchesFilter(b, text('got_request')));
  assert.ok(matchesFilter(b, { status: '5xx' }) && !matchesFilter(a, { status: '5xx' }));
  assert.ok(matchesFilter(c, { status: 'pending' }));
  // "Mine" is by public id (trace.person), which the page's own requests carry too.
  assert.ok(matchesFilter(a, { client: 'me', me: 'mePublic' }) && !matchesFilter(b, { client: 'me', me: 'mePublic' }));
  assert.ok(matchesFilter(b, { client: 'others', me: 'mePublic' }) && !matchesFilter(a, { client: 'others', me: 'mePublic' }));
  assert.ok(matchesFilter(b, { client: 'person:otherPub', me: 'mePublic' }));
  assert.ok(isPageRead(c) && !matchesFilter(c, { hideReads: true }));
  assert.ok(traceHasError(b) && !traceHasError(a));
});

test('a 5xx row tells a raise from an abort', async () => {
  const { errorKind } = await import('../trace-log.js');
  const t = (status, steps, error = null) => ({ end: { status, error }, steps: steps.map((name) => ({ name })) });
  assert.equal(errorKind(t(500, ['view', 'got_request_exception', 'teardown_request'])), 'raised');
  assert.equal(errorKind(t(500, ['view', 'teardown_request'])), 'abort');
  assert.equal(errorKind(t(500, [], { type: 'ZeroDivisionError' })), 'raised');
  assert.equal(errorKind(t(404, ['view'])), null);
  assert.equal(errorKind({ end: null, steps: [] }), null);
});

test('the first request (the emulated before_first_request) is never hidden as a page read', async () => {
  const { isFirstRequest } = await import('../trace-log.js');
  const read = (steps) => ({ id: 'x', request: { method: 'GET', path: '/api/state' }, steps: steps.map((name) => ({ name })) });
  const first = read(['open_session', 'before_first_request', 'before_request', 'view']);
  const later = read(['open_session', 'before_request', 'view']);
  assert.ok(isFirstRequest(first) && !isFirstRequest(later));
  assert.ok(matchesFilter(first, { hideReads: true }), 'the first request stays visible');
  assert.ok(!matchesFilter(later, { hideReads: true }));
});

test('an empty view says why: nothing yet, cleared by me, or hidden by filters', async () => {
  const { emptyReason } = await import('../trace-log.js');
  const read = (id) => ({ id, request: { method: 'GET', path: '/api/state' }, steps: [] });
  const post = (id) => ({ id, request: { method: 'POST', path: '/login' }, steps: [], end: { status: 200 } });
  assert.deepEqual(emptyReason([], { hideReads: true }), { kind: 'nothing', count: 0 });
  assert.deepEqual(emptyReason([read('1'), read('2')], { hideReads: true }), { kind: 'filtered', count: 2 });
  assert.deepEqual(emptyReason([post('1'), read('2')], { hidden: new Set(['1', '2']) }), { kind: 'cleared', count: 2 });
  // Some cleared and the rest filtered: the filters are what hide the newer ones.
  assert.deepEqual(emptyReason([post('1'), read('2')], { hidden: new Set(['1']), hideReads: true }), { kind: 'filtered', count: 1 });
  assert.equal(emptyReason([post('1')], {}), null, 'a row shown: no empty state');
});

test('a page read whose session cookie Flask rejected is not hidden as a page read', async () => {
  const { cookieRejected } = await import('../trace-log.js');
  const read = (detail) => ({ id: 'r', request: { method: 'GET', path: '/api/state' }, steps: [{ name: 'open_session', detail }] });
  const tampered = read({ signed_cookie_rejected: 'bad_signature' });
  assert.equal(cookieRejected(tampered), 'bad_signature');
  assert.equal(cookieRejected(read({})), null);
  assert.ok(matchesFilter(tampered, { hideReads: true }));
  assert.ok(!matchesFilter(read({}), { hideReads: true }));
});

test('a step failed when it raised or is got_request_exception; the trace then counts as raised and as an error', () => {
  assert.equal(stepFailed({ name: 'before_request', error: { type: 'ValueError' } }), true);
  assert.equal(stepFailed({ name: 'got_request_exception' }), true);
  assert.equal(stepFailed({ name: 'view' }), false);
  const trace = { end: { status: 500 }, steps: [{ name: 'before_request', error: { type: 'ValueError' } }] };
  assert.equal(errorKind(trace), 'raised');
  assert.equal(traceHasError({ end: null, steps: trace.steps }), true);
});
