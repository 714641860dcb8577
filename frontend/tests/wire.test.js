import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyText, cookieAttributes } from '../wire.js';

test('a Set-Cookie line read as DevTools lists it', () => {
  const c = cookieAttributes('session=abc; Domain=example.org; Expires=Thu, 01 Jan 2037 00:00:00 GMT; Secure; HttpOnly; Path=/; SameSite=Lax');
  assert.deepEqual(c, {
    name: 'session', value: 'abc', size: 10, domain: 'example.org', path: '/',
    expires: 'Thu, 01 Jan 2037 00:00:00 GMT', secure: true, httpOnly: true, sameSite: 'Lax',
  });
  const plain = cookieAttributes('username=Tom; Max-Age=10; Path=/');
  assert.equal(plain.expires, 'Max-Age=10');
  assert.equal(plain.secure, false);
  assert.match(plain.sameSite, /not set/);
});

test('bodies: whole JSON pretty, cut JSON and HTML as they came, binary described', () => {
  assert.equal(bodyText({ type: 'application/json', size: 9, text: '{"a": 1}', truncated: false }), '{\n  "a": 1\n}');
  const cut = '{"a": "xxxx… (5000 more characters)';
  assert.equal(bodyText({ type: 'application/json', size: 9000, text: cut, truncated: true }), cut);
  assert.equal(bodyText({ type: 'text/html', size: 11, text: '<p>hi</p>', truncated: false }), '<p>hi</p>');
  assert.equal(bodyText({ type: 'image/png', size: 300, text: '', truncated: true }), '(not shown: image/png, 300 bytes)');
});
