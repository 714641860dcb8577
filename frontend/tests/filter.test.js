import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, matchesQuery, haystack } from '../filter.js';

const trace = (method, path, status, { steps = [], reqHeaders = [], resHeaders = [], cookie = null, body = null } = {}) => ({
  client: 'me',
  request: { method, path, query: '', cookie_header: cookie, headers: reqHeaders, body },
  end: status === null ? null : { status, endpoint: 'api.x', headers: resHeaders, set_cookie: [], body: null },
  steps: steps.map((name) => ({ name, function: `f.${name}` })),
});

const login = trace('POST', '/api/cookie/login', 200, { steps: ['before_request', 'view', 'teardown_request'], resHeaders: [['Set-Cookie', 'username=Tom; Path=/'], ['Vary', 'Cookie']], body: { text: '{"username": "Tom", "password": "‹masked›"}' } });
const read = trace('GET', '/api/state', 200, { steps: ['view'], cookie: 'username=Tom', reqHeaders: [['Cookie', 'username=Tom']] });
const crash = trace('GET', '/api/error/exception', 500, { steps: ['view', 'got_request_exception', 'teardown_request'] });
const running = trace('GET', '/api/slow', null);
const all = [login, read, crash, running];
const pick = (text) => all.filter((t) => matchesQuery(t, parseFilter(text))).map((t) => t.request.path);

test('key:value terms', () => {
  assert.deepEqual(pick('status:500'), ['/api/error/exception']);
  assert.deepEqual(pick('status:2xx'), ['/api/cookie/login', '/api/state']);
  assert.deepEqual(pick('status:pending'), ['/api/slow']);
  assert.deepEqual(pick('method:POST'), ['/api/cookie/login']);
  assert.deepEqual(pick('method:post'), ['/api/cookie/login']);
  assert.deepEqual(pick('hook:got_request_exception'), ['/api/error/exception']);
  assert.deepEqual(pick('hook:teardown_request'), ['/api/cookie/login', '/api/error/exception']);
  assert.deepEqual(pick('path:/api/error'), ['/api/error/exception']);
});

test('a leading "-" negates; terms combine with AND', () => {
  assert.deepEqual(pick('-path:/api/state'), ['/api/cookie/login', '/api/error/exception', '/api/slow']);
  assert.deepEqual(pick('-path:/api/state status:2xx'), ['/api/cookie/login']);
  assert.deepEqual(pick('-status:500 method:GET'), ['/api/state', '/api/slow']);
});

test('free text matches headers, cookies and bodies: "Tom" and "username" find the login and the read', () => {
  assert.deepEqual(pick('Tom'), ['/api/cookie/login', '/api/state']);
  assert.deepEqual(pick('username'), ['/api/cookie/login', '/api/state']);
  assert.deepEqual(pick('vary'), ['/api/cookie/login']);
  assert.deepEqual(pick('"Path=/"'), ['/api/cookie/login']);
  assert.match(haystack(login), /Set-Cookie: username=Tom/);
});

test('/regex/ with flags; an invalid one is reported, not thrown', () => {
  assert.deepEqual(pick('/^GET \\/api\\/(state|slow)/m'), ['/api/state', '/api/slow']);
  assert.deepEqual(pick('/EXCEPTION/i'), ['/api/error/exception']);
  assert.deepEqual(pick('path:/error|slow/'), ['/api/error/exception', '/api/slow']);
  const bad = parseFilter('/(/');
  assert.equal(bad.terms.length, 0);
  assert.match(bad.errors[0], /^\/\(\//);
});

test('an unknown key is free text; an empty filter matches all', () => {
  assert.deepEqual(parseFilter('foo:bar').terms, [{ key: null, value: 'foo:bar', negate: false, regex: null }]);
  assert.deepEqual(pick(''), all.map((t) => t.request.path));
  assert.deepEqual(pick('   '), all.map((t) => t.request.path));
});

test('sorting by a column keeps arrival order among ties; no key keeps arrival order', async () => {
  const { sortTraces } = await import('../filter.js');
  const t = (id, status, ms) => ({ id, client: 'me', request: { method: 'GET', path: `/${id}` }, end: status ? { status, duration_ms: ms } : null });
  const list = [t('a', 200, 5), t('b', 500, 1), t('c', null, null), t('d', 200, 300)];
  const ids = (sorted) => sorted.map((x) => x.id).join('');
  assert.equal(ids(sortTraces(list, { key: 'status' })), 'adbc');
  assert.equal(ids(sortTraces(list, { key: 'status', dir: 'desc' })), 'cbad');
  assert.equal(ids(sortTraces(list, { key: 'time' })), 'badc');
  assert.equal(ids(sortTraces(list, { key: 'request', dir: 'desc' })), 'dcba');
  assert.equal(ids(sortTraces(list, {})), 'abcd');
});

test('client: matches the public id every page shows, on this page\'s own rows too', () => {
  // Own rows carry the page's own client id whole, and its public id; others' only the public id.
  const mine = { ...read, client: 'my-raw-client-id', person: 'Mine5678' };
  const theirs = { ...crash, client: 'Them1234', person: 'Them1234' };
  const found = (text) => [mine, theirs].filter((t) => matchesQuery(t, parseFilter(text))).map((t) => t.person);
  assert.deepEqual(found('client:mine'), ['Mine5678']);
  assert.deepEqual(found('client:them'), ['Them1234']);
  assert.deepEqual(found('Mine5678'), ['Mine5678']);
});
