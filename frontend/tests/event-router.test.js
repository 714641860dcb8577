import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeEvents, mergeComments } from '../event-router.js';
import { TraceLog } from '../trace-log.js';
import { People } from '../people.js';

const req = (id, trace, path, client = 'me', method = 'POST', extra = {}) => ({ id, type: 'request', trace, lab: 'L', time: 1, method, path, query: '', client, ...extra });
const end = (id, trace, setCookie = []) => ({ id, type: 'end', trace, lab: 'L', time: 1, status: 200, duration_ms: 1, set_cookie: setCookie, error: null });

test('my login: started, ended with cookies, and state re-read as mine', () => {
  const out = routeEvents(new TraceLog(), [req('1', 'a', '/api/cookie/login'), end('2', 'a', ['username=Tom'])], { client: 'me', live: true });
  assert.deepEqual(out.started.map((t) => t.id), ['a']);
  assert.deepEqual(out.mineWithCookies.map((t) => t.id), ['a']);
  assert.deepEqual(out.refresh, { comments: false, mine: true });
});

test('another client\'s comment arrives as an event: nothing is re-read; the page\'s own reads re-read nothing', () => {
  const log = new TraceLog();
  const comment = { id: 7, author: 'Tom', text: 'hi', mechanism: 'session', time: 1 };
  const out = routeEvents(log, [req('1', 'a', '/api/session/comment', 'other'), { id: '2', type: 'comments', lab: 'L', comment, by: { client: 'othe5678' } }, end('3', 'a')], { client: 'me', live: true });
  assert.equal(out.refresh, null);
  assert.deepEqual(out.comments, [comment]);
  assert.deepEqual(out.started, []);
  const reads = routeEvents(log, [req('4', 'b', '/api/state', 'me', 'GET'), end('5', 'b')], { client: 'me', live: true });
  assert.equal(reads.refresh, null);
});

test('a settings event carries the settings; a key change without them asks for one re-read', () => {
  const log = new TraceLog();
  const settings = { short_circuit: true };
  const out = routeEvents(log, [{ id: '1', type: 'settings', lab: 'L', changes: { short_circuit: true }, settings, by: { client: 'abcd5678' } }], { client: 'me', live: true });
  assert.deepEqual(out.settings, settings);
  assert.equal(out.refresh, null);
  assert.deepEqual(out.labEvents.map((e) => e.type), ['settings']);
  const key = routeEvents(log, [{ id: '2', type: 'settings', lab: 'L', changes: { secret: 'rotated' }, by: {} }], { client: 'me', live: true });
  assert.deepEqual(key.refresh, { comments: false, mine: false });
});

test('who is in the lab: request events and name changes feed People by public id, in log order', () => {
  const log = [
    req('1', 'a', '/api/state', 'zzzz1234', 'GET', { person: 'zzzz1234', client_name: 'Zoe' }),
    // This page's own request arrives whole (its own id), with its public id.
    req('2', 'b', '/api/state', 'me', 'GET', { person: 'mePublic' }),
    { id: '3', type: 'people', lab: 'L', name: 'Me!', by: { client: 'mePublic' } },
  ];
  const mine = new People();
  routeEvents(new TraceLog(), log, { client: 'me', live: false, people: mine });
  assert.deepEqual(mine.list().map((p) => [p.key, p.name]), [['zzzz1234', 'Zoe'], ['mePublic', 'Me!']]);
  // Zoe's page receives this page's request as everyone else does: the same people, the same slots.
  const theirs = new People();
  const seenByZoe = log.map((e) => (e.trace === 'b' ? { ...e, client: 'mePublic' } : e));
  routeEvents(new TraceLog(), seenByZoe, { client: 'zoe-raw-id', live: false, people: theirs });
  assert.deepEqual(theirs.list(), mine.list());
});

test('history replayed on connect re-reads nothing and selects nothing; a clear is reported', () => {
  const out = routeEvents(new TraceLog(), [req('1', 'a', '/api/cookie/login'), end('2', 'a', ['x=1']), { id: '3', type: 'clear', lab: 'L', time: 1 }], { client: 'me', live: false });
  assert.equal(out.refresh, null);
  assert.deepEqual(out.started, []);
  assert.equal(out.cleared, true);
});

test('comments merge once each, by id, bounded', () => {
  const a = { id: 1 };
  const b = { id: 2 };
  assert.deepEqual(mergeComments([a], [a, b]), [a, b]);
  assert.deepEqual(mergeComments(null, [b, b]), [b]);
  assert.deepEqual(mergeComments([a, b], [{ id: 3 }], 2).map((c) => c.id), [2, 3]);
  const same = [a];
  assert.equal(mergeComments(same, []), same);
});

test('lab events are handed on once, saying who', () => {
  const log = new TraceLog();
  const by = { client: 'abcd5678', name: 'Anna' };
  const settings = { id: '1', type: 'settings', lab: 'L', time: 1, by, changes: { short_circuit: true }, settings: { short_circuit: true } };
  const clear = { id: '2', type: 'clear', lab: 'L', time: 2, by };
  const out = routeEvents(log, [settings, clear], { client: 'me', live: true });
  assert.deepEqual(out.labEvents.map((e) => e.type), ['settings', 'clear']);
  assert.equal(out.cleared, true);
  // Replayed after a reconnect: already seen, nothing shown twice.
  assert.deepEqual(routeEvents(log, [settings, clear], { client: 'me', live: true }).labEvents, []);
});
