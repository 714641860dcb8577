import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi } from '../api.js';

const api = createApi({ lab: 'L', client: 'me' });

test('each call names its method and the path its trace will record, before sending', () => {
  assert.deepEqual([api.login('session', { username: 'a', password: 'b' })].map(({ method, path }) => ({ method, path })),
    [{ method: 'POST', path: '/api/session/login' }]);
  const slow = api.slow(1500);
  assert.equal(slow.path, '/api/slow');
  assert.equal(slow.url, '/api/slow?ms=1500');
  assert.equal(api.error('500').method, 'GET');
  assert.equal(api.error('login-abort', { username: 'x' }).method, 'POST');
});

test('a percent-encoded segment is matched decoded, as Werkzeug records request.path', () => {
  const call = api.demo('a b', 'hello');
  assert.equal(call.url, '/demo/a%20b/hello');
  assert.equal(call.path, '/demo/a b/hello');
  assert.equal(api.putCookie('server_session', 'x').path, '/api/cookies/server_session');
});

test('nothing is sent until send() is called', async () => {
  const sent = [];
  globalThis.fetch = async (url, init) => {
    sent.push([init.method, url, init.headers['X-Lab-Id']]);
    return new Response('{"ok": true}', { headers: { 'Content-Type': 'application/json' } });
  };
  const call = api.putSettings({ propagate_exceptions: true });
  assert.equal(sent.length, 0);
  const res = await call.send();
  assert.deepEqual(sent, [['PUT', '/api/lab/settings', 'L']]);
  assert.deepEqual([res.method, res.path, res.status, res.data], ['PUT', '/api/lab/settings', 200, { ok: true }]);
});

test('the owner token goes on every request as X-Lab-Owner; a participant sends none', async () => {
  const seen = [];
  globalThis.fetch = async (url, init) => {
    seen.push(init.headers['X-Lab-Owner'] ?? null);
    return new Response(null, { status: 204 });
  };
  await createApi({ lab: 'L', client: 'me', owner: 'tok' }).clearHooks().send();
  await createApi({ lab: 'L', client: 'me', owner: 'tok' }).putSettings({ short_circuit: true }).send();
  await createApi({ lab: 'L', client: 'you' }).clearHooks().send();
  assert.deepEqual(seen, ['tok', 'tok', null]);
});

test('a refused stream is asked why: lab_full and its viewer count come back', async () => {
  globalThis.fetch = async (url) => {
    assert.equal(url, '/api/hooks/stream?lab=L&client=me');
    return new Response('{"error": "lab_full", "viewers": 3}', { status: 429, headers: { 'Content-Type': 'application/json' } });
  };
  assert.deepEqual(await api.probeStream(), { status: 429, data: { error: 'lab_full', viewers: 3 } });
});
