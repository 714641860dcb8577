import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHar } from '../har.js';
import { curlCommand, shellQuote } from '../curl.js';
import harValidator from 'har-validator';

const login = {
  id: 't1', client: 'me', time: 1700000000.5,
  request: {
    method: 'POST', path: '/api/cookie/login', query: '', cookie_header: 'a=1; b=2',
    headers: [['Content-Type', 'application/json'], ['Cookie', 'a=1; b=2'], ['X-Lab-Id', 'L']],
    body: { type: 'application/json', size: 37, text: '{"username": "Tom", "password": "123"}', truncated: false },
  },
  steps: [{ index: 0, name: 'before_request', kind: 'hook', function: 'f.x', offset_ms: 0.1, duration_ms: 0.2, error: null }],
  end: {
    status: 200, duration_ms: 12.5, set_cookie: ['username=Tom; Max-Age=10; HttpOnly; Path=/; SameSite=Lax'],
    headers: [['Content-Type', 'application/json'], ['Vary', 'Cookie'], ['…', '(3 more headers)']],
    body: { type: 'application/json', size: 27, text: '{"msg": "Login succeeded!"}', truncated: false }, traceback: null,
  },
};
const old = { id: 't2', client: 'me', time: 1700000001, request: { method: 'GET', path: '/api/slow', query: 'ms=5', cookie_header: null }, steps: [], end: null };

test('HAR 1.2: one entry per request, the wire as recorded, the steps in _steps', () => {
  const har = buildHar([login, old], { origin: 'http://127.0.0.1:5000', version: '3.1.3' });
  assert.equal(har.log.version, '1.2');
  assert.equal(har.log.creator.name, 'Flask State Lab');
  assert.equal(har.log.entries.length, 2);
  const [e, pending] = har.log.entries;
  assert.equal(e.startedDateTime, '2023-11-14T22:13:20.500Z');
  assert.equal(e.request.url, 'http://127.0.0.1:5000/api/cookie/login');
  assert.deepEqual(e.request.cookies, [{ name: 'a', value: '1' }, { name: 'b', value: '2' }]);
  assert.deepEqual(e.request.postData, { mimeType: 'application/json', text: '{"username": "Tom", "password": "123"}' });
  assert.equal(e.response.status, 200);
  assert.equal(e.response.statusText, 'OK');
  assert.deepEqual(e.response.headers.map((x) => x.name), ['Content-Type', 'Vary']); // the cut marker is not a header
  assert.deepEqual(e.response.cookies, [{ name: 'username', value: 'Tom', path: '/', httpOnly: true, secure: false, sameSite: 'Lax' }]);
  assert.equal(e.response.content.text, '{"msg": "Login succeeded!"}');
  assert.equal(e.time, 12.5);
  assert.equal(e._steps[0].name, 'before_request');
  assert.deepEqual(pending.request.queryString, [{ name: 'ms', value: '5' }]);
  assert.equal(pending.response.status, 0);
  JSON.parse(JSON.stringify(har));
});

test('the HAR 1.2 JSON schema (har-validator) accepts it: a finished, a pending and a bodiless request', async () => {
  const bodiless = { id: 't3', client: null, time: 1700000002, request: { method: 'HEAD', path: '/', query: '', cookie_header: '' }, steps: [], end: { status: 204, duration_ms: 0.4, set_cookie: [], headers: [], body: null } };
  const har = buildHar([login, old, bodiless], { origin: 'http://127.0.0.1:5000', version: '3.1.3' });
  await harValidator.har(JSON.parse(JSON.stringify(har))); // rejects with the schema's errors
  await assert.rejects(harValidator.har({ log: { version: '1.2', entries: [{}] } }), 'a schema that can fail');
});

test('curl: method, URL, every header but hop-by-hop ones, and the body, shell-quoted', () => {
  const cmd = curlCommand(login, { origin: 'http://h:1', lab: 'L' });
  assert.equal(cmd, "curl -sS -X POST 'http://h:1/api/cookie/login' -H 'Content-Type: application/json' -H 'Cookie: a=1; b=2' -H 'X-Lab-Id: L' --data-raw '{\"username\": \"Tom\", \"password\": \"123\"}'");
  const bare = curlCommand({ ...old, request: { ...old.request, cookie_header: 'x=1' } }, { origin: 'http://h:1', lab: 'L' });
  assert.equal(bare, "curl -sS -X GET 'http://h:1/api/slow?ms=5' -H 'X-Lab-Id: L' -H 'Cookie: x=1'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
});

// The raw client id is a bearer credential (shareable.js): exports and copies carry the public id.
const RAW = 'rawClient123456';
const mine = {
  ...login, client: RAW, person: 'pub12345',
  request: { ...login.request, client: RAW, person: 'pub12345', headers: [...login.request.headers, ['X-Client-Id', RAW]] },
  end: { ...login.end, body: { type: 'application/json', size: 30, text: `{"client": "${RAW}"}`, truncated: false } },
};

test('HAR of my own request: no raw client id anywhere, the public id in _client and X-Client-Id', () => {
  const har = buildHar([mine], { origin: 'http://h:1' });
  assert.equal(JSON.stringify(har).includes(RAW), false);
  const [e] = har.log.entries;
  assert.equal(e._client, 'pub12345');
  assert.deepEqual(e.request.headers.find((x) => x.name === 'X-Client-Id'), { name: 'X-Client-Id', value: 'pub12345' });
  assert.equal(e.response.content.text, '{"client": "pub12345"}');
});

test('curl of my own request: no X-Client-Id and no raw client id (a request without one is valid)', () => {
  const cmd = curlCommand(mine, { origin: 'http://h:1', lab: 'L' });
  assert.equal(cmd.includes(RAW), false);
  assert.equal(/x-client-id/i.test(cmd), false);
  assert.match(cmd, /-H 'X-Lab-Id: L' -H 'Cookie: a=1; b=2'|-H 'Cookie: a=1; b=2' -H 'X-Lab-Id: L'/);
  // A server before the DevTools fields sent no header list: no client header is added either.
  const bare = curlCommand({ ...mine, request: { method: 'GET', path: '/', query: '', cookie_header: 'x=1' } }, { origin: 'http://h:1', lab: 'L' });
  assert.equal(bare, "curl -sS -X GET 'http://h:1/' -H 'X-Lab-Id: L' -H 'Cookie: x=1'");
});
