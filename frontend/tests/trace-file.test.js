import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceLog } from '../trace-log.js';
import { exportTraces, importTraces } from '../trace-file.js';

const ev = (id, type, trace, extra = {}) => ({ id, type, trace, lab: 'L', time: 1, ...extra });

test('export then import gives the same traces', () => {
  const log = new TraceLog();
  log.apply(ev('1', 'request', 'a', { method: 'POST', path: '/api/cookie/login', query: '', client: 'me' }));
  log.apply(ev('2', 'step', 'a', { index: 0, name: 'view', kind: 'view', function: 'f', offset_ms: 0, duration_ms: 1 }));
  log.apply(ev('3', 'end', 'a', { status: 200, duration_ms: 2, set_cookie: ['username=Tom'] }));
  log.apply(ev('4', 'request', 'b', { method: 'GET', path: '/api/state', query: '', client: 'me' }));
  const { log: back, lab, error } = importTraces(exportTraces(log, 'L'));
  assert.equal(error, undefined);
  assert.equal(lab, 'L');
  assert.deepEqual(back.order.map((t) => [t.id, t.request.path, t.steps.length, t.end?.status ?? null]),
    [['a', '/api/cookie/login', 1, 200], ['b', '/api/state', 0, null]]);
});

test('a file that is not a trace file is refused with a reason; bad entries are skipped', () => {
  assert.match(importTraces('{').error, /^Not JSON/);
  assert.match(importTraces('{"traces": []}').error, /Not a State Lab trace file/);
  const { log } = importTraces(JSON.stringify({ format: 'statelab-trace', traces: [null, { id: 3 }, { id: 'x', request: { method: 'GET', path: '/' } }] }));
  assert.deepEqual(log.order.map((t) => t.id), ['x']);
});

// The raw client id is a bearer credential (shareable.js): a shared file carries the public id.
const RAW = 'rawClient123456';
function myLog() {
  const log = new TraceLog();
  log.apply(ev('1', 'request', 's', { method: 'GET', path: '/api/state', query: '', client: RAW, person: 'pub12345',
    headers: [['X-Lab-Id', 'L'], ['X-Client-Id', RAW]] }));
  log.apply(ev('2', 'end', 's', { status: 200, duration_ms: 1, body: { type: 'application/json', size: 40, text: `{"client": "${RAW}", "lab": "L"}` } }));
  log.apply(ev('3', 'request', 'o', { method: 'GET', path: '/', query: '', client: null, person: null }));
  return log;
}

test('an exported trace of my own request has no raw client id anywhere, and carries the public id', () => {
  const text = exportTraces(myLog(), 'L');
  assert.equal(text.includes(RAW), false);
  const [mine, anonymous] = JSON.parse(text).traces;
  assert.equal(mine.client, 'pub12345');
  assert.equal(mine.person, 'pub12345');
  assert.deepEqual(mine.request.headers, [['X-Lab-Id', 'L'], ['X-Client-Id', 'pub12345']]);
  assert.equal(mine.end.body.text, '{"client": "pub12345", "lab": "L"}');
  assert.equal(anonymous.client, null);
});

test('the exported file imports: the same traces, still by public id', () => {
  const { log, error } = importTraces(exportTraces(myLog(), 'L'));
  assert.equal(error, undefined);
  assert.deepEqual(log.order.map((t) => [t.id, t.person, t.client, t.end?.status ?? null]), [['s', 'pub12345', 'pub12345', 200], ['o', null, null, null]]);
});

test('exporting leaves the live log whole (the page still knows its own requests)', () => {
  const log = myLog();
  exportTraces(log, 'L');
  assert.equal(log.get('s').client, RAW);
  assert.deepEqual(log.get('s').request.headers[1], ['X-Client-Id', RAW]);
});

test('a trace with a client id but no public id (a server before identity.py) exports neither', () => {
  const log = new TraceLog();
  log.apply(ev('1', 'request', 'x', { method: 'GET', path: '/', query: '', client: RAW, headers: [['X-Client-Id', RAW]] }));
  const text = exportTraces(log, 'L');
  assert.equal(text.includes(RAW), false);
  const [t] = JSON.parse(text).traces;
  assert.equal(t.client, null);
  assert.equal(t.request.client, null);
  assert.deepEqual(t.request.headers, [['X-Client-Id', '(client id not shared)']]);
});
