import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSignedCookie, forgeSignedCookie, bytesToBase64url } from '../signed-session.js';

// A cookie shaped like Flask's: payload {"username":"Tom"}, timestamp 0x69257e68, any signature.
const payload = bytesToBase64url(new TextEncoder().encode('{"username":"Tom"}'));
const stamp = bytesToBase64url(Uint8Array.from([0x69, 0x25, 0x7e, 0x68]));
const cookie = `${payload}.${stamp}.sig_-nature`;
const decode = (part) => Buffer.from(part, 'base64url').toString('utf8');

test('splits payload, timestamp and signature', () => {
  assert.deepEqual(splitSignedCookie(cookie), { payload, timestamp: stamp, signature: 'sig_-nature', compressed: false });
  assert.equal(decode(splitSignedCookie(cookie).payload), '{"username":"Tom"}');
  assert.equal(splitSignedCookie('nodots'), null);
  assert.equal(splitSignedCookie(undefined), null);
});

test('compressed payloads are flagged', () => {
  assert.equal(splitSignedCookie(`.eJyrVkrOz0nNS8_MUbJSCsnPSy1W0lEqLU4tykvMTQUAlGQKEw.${stamp}.x`).compressed, true);
});

test('forging keeps timestamp and signature, swaps the payload, as unpadded base64url UTF-8', () => {
  const forged = forgeSignedCookie(cookie, '{"username":"刘备"}');
  const parts = splitSignedCookie(forged);
  assert.equal(parts.timestamp, stamp);
  assert.equal(parts.signature, 'sig_-nature');
  assert.equal(decode(parts.payload), '{"username":"刘备"}');
  assert.ok(!forged.includes('='));
  assert.equal(forgeSignedCookie('not a cookie', '{}'), null);
});
