import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieClock } from '../cookie-clock.js';

const ended = (time, ...setCookie) => ({ end: { time, set_cookie: setCookie } });

test('a Max-Age cookie runs out once, reported once', () => {
  const clock = new CookieClock();
  assert.equal(clock.note(ended(100, 'username=Tom; Max-Age=2; Path=/'), 100_000), true);
  assert.equal(clock.expiries.get('username').at, 102_000);
  assert.deepEqual(clock.due(101_000), []);
  assert.deepEqual(clock.due(102_000), ['username']);
  assert.deepEqual(clock.due(103_000), []);
});

test('Expires is read against the response Date (whole seconds), not the receive time', () => {
  const clock = new CookieClock();
  // Sent at 100.9 s, Date header 100 s, Expires 101 s: 1 s after the server's date.
  clock.note(ended(100.9, 'session=x; Expires=Thu, 01 Jan 1970 00:01:41 GMT; Path=/'), 100_900);
  assert.equal(clock.expiries.get('session').at, 101_900);
});

test('a deleting Set-Cookie forgets the cookie; a browser-session cookie never runs out', () => {
  const clock = new CookieClock();
  clock.note(ended(1, 'username=Tom; Path=/'), 1000);
  assert.equal(clock.expiries.get('username').at, null);
  assert.deepEqual(clock.due(10 ** 12), []);
  clock.note(ended(2, 'username=; Max-Age=0; Path=/'), 2000);
  assert.equal(clock.expiries.has('username'), false);
  assert.equal(clock.setCookies.has('username'), false);
  assert.equal(clock.note(ended(3), 3000), false);
});
