import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSignedCookie, decodeTimestamp, readSignedCookie, forgeSignedCookie, bytesToBase64url } from '../signed-session.js';

// A cookie shaped like Flask's: payload {"username":"Tom"}, timestamp 0x69257e68, any signature.
const payload = bytesToBase64url(new TextEncoder().encode('{"username":"Tom"}'));
const stamp = bytesToBase64url(Uint8Array.from([0x69, 0x25, 0x7e, 0x68]));
const cookie = `${payload}.${stamp}.sig_-nature`;

test('splits payload, timestamp and signature', () => {
  assert.deepEqual(splitSignedCookie(cookie), { payload, timestamp: stamp, signature: 'sig_-nature', compressed: false });
  assert.equal(splitSignedCookie('nodots'), null);
  assert.equal(splitSignedCookie(undefined), null);
});

test('the timestamp is big-endian epoch seconds', () => {
  assert.equal(decodeTimestamp(stamp), 0x69257e68);
});

test('anyone can read the payload', () => {
  const read = readSignedCookie(cookie);
  assert.equal(read.payloadText, '{"username":"Tom"}');
  assert.deepEqual(read.payload, { username: 'Tom' });
  assert.equal(read.timestamp, 0x69257e68);
});

test('non-ASCII payloads decode as UTF-8', () => {
  const p = bytesToBase64url(new TextEncoder().encode('{"username":"刘备"}'));
  assert.deepEqual(readSignedCookie(`${p}.${stamp}.x`).payload, { username: '刘备' });
});

test('compressed payloads are flagged, not guessed', () => {
  const read = readSignedCookie(`.eJyrVkrOz0nNS8_MUbJSCsnPSy1W0lEqLU4tykvMTQUAlGQKEw.${stamp}.x`);
  assert.equal(read.compressed, true);
  assert.equal(read.payload, null);
});

test('forging keeps timestamp and signature, swaps the payload', () => {
  const forged = forgeSignedCookie(cookie, '{"username":"Liu Bei"}');
  const parts = splitSignedCookie(forged);
  assert.equal(parts.timestamp, stamp);
  assert.equal(parts.signature, 'sig_-nature');
  assert.deepEqual(readSignedCookie(forged).payload, { username: 'Liu Bei' });
  assert.ok(!forged.includes('='));
});
