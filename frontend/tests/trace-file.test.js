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
