import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  quoteCookieValue, unquoteCookieValue, parseCookies, cookieAssignment, parseSetCookie,
  cookieExpiry, cookieFlags,
} from '../cookies.js';

test('token values are written as they are', () => {
  assert.equal(quoteCookieValue('Tom'), 'Tom');
  assert.equal(quoteCookieValue('eyJ1c2VyIjoiVG9tIn0.Z1x2.abc-_'), 'eyJ1c2VyIjoiVG9tIn0.Z1x2.abc-_');
  assert.equal(quoteCookieValue(''), '');
});

test('spaces and non-ASCII are quoted with octal UTF-8 escapes, like Werkzeug', () => {
  assert.equal(quoteCookieValue('Liu Bei'), '"Liu Bei"');
  assert.equal(quoteCookieValue('刘备'), '"\\345\\210\\230\\345\\244\\207"');
  assert.equal(quoteCookieValue('a;b,c'), '"a\\073b\\054c"');
  assert.equal(quoteCookieValue('say "hi"\\'), '"say \\"hi\\"\\\\"');
  assert.equal(quoteCookieValue('<img src=x onerror=alert(1)>'), '"<img src=x onerror=alert(1)>"');
});

test('unquoting reverses quoting', () => {
  for (const v of ['Tom', 'Liu Bei', '刘备', 'a;b,c', 'say "hi"\\', '<img src=x onerror=alert(1)>', 'tab\there']) {
    assert.equal(unquoteCookieValue(quoteCookieValue(v)), v);
  }
  assert.equal(unquoteCookieValue('"\\345\\210\\230\\345\\244\\207"'), '刘备');
  assert.equal(unquoteCookieValue('"unterminated'), '"unterminated');
});

test('parseCookies reads document.cookie and Cookie headers', () => {
  const cookies = parseCookies('username="\\345\\210\\230\\345\\244\\207"; theme=dark; empty=');
  assert.deepEqual(cookies.map((c) => [c.name, c.value]), [['username', '刘备'], ['theme', 'dark'], ['empty', '']]);
  assert.equal(cookies[0].raw, '"\\345\\210\\230\\345\\244\\207"');
  assert.deepEqual(parseCookies(''), []);
  assert.deepEqual(parseCookies('a="x; y"; b=2').map((c) => c.name), ['a', 'b']);
});

test('cookieAssignment writes the quoted form with path /', () => {
  assert.equal(cookieAssignment('username', 'Liu Bei'), 'username="Liu Bei"; path=/');
});

test('parseSetCookie reads attributes and lifetimes', () => {
  const c = parseSetCookie('session=abc.def.ghi; Expires=Tue, 25 Nov 2025 10:00:03 GMT; Max-Age=3; HttpOnly; Path=/');
  assert.equal(c.name, 'session');
  assert.equal(c.value, 'abc.def.ghi');
  assert.equal(c.maxAge, 3);
  assert.equal(c.attributes.httponly, true);
  assert.equal(c.attributes.path, '/');
  assert.equal(c.expires, Date.UTC(2025, 10, 25, 10, 0, 3));
  const quoted = parseSetCookie('username="Liu Bei"; Path=/');
  assert.equal(quoted.value, 'Liu Bei');
  assert.equal(quoted.maxAge, null);
});

test('cookieExpiry prefers Max-Age, treats deletion and session cookies', () => {
  assert.equal(cookieExpiry('a=b; Max-Age=3; Expires=Thu, 01 Jan 2099 00:00:00 GMT', 1000), 4000);
  assert.equal(cookieExpiry('a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0', 1000), 0);
  assert.equal(cookieExpiry('a=b; Path=/', 1000), null);
});

test('Expires is read relative to the server Date when given (clock skew, as Chromium)', () => {
  const expires = 'a=b; Expires=Wed, 25 Nov 2026 10:37:53 GMT';
  const date = Date.UTC(2026, 10, 25, 10, 37, 50);
  // Received at .678 past the Date second: lives 3 s from receipt, not until :53.000.
  assert.equal(cookieExpiry(expires, date + 678, date), date + 678 + 3000);
  assert.equal(cookieExpiry(expires, date + 678), Date.UTC(2026, 10, 25, 10, 37, 53));
  assert.equal(cookieExpiry('a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 1000, 1000), 0);
});

test('cookie flags as the Set-Cookie wrote them', () => {
  assert.deepEqual(cookieFlags({ samesite: 'Lax', secure: true, httponly: true }), ['SameSite=Lax', 'Secure']);
  assert.deepEqual(cookieFlags({}), []);
});
