import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionTamper } from '../tamper.js';

const raw = 'eyJ1c2VybmFtZSI6IlRvbSJ9.Z1x2.c2ln';

test('valid JSON keeps the old timestamp and signature', () => {
  const { value, error } = sessionTamper(raw, '{"username": "Liu Bei"}');
  assert.equal(error, undefined);
  assert.match(value, /\.Z1x2\.c2ln$/);
});

test('invalid JSON, a non-object, or no cookie is refused with a reason', () => {
  assert.match(sessionTamper(raw, '{"username": ').error, /not valid JSON/);
  assert.match(sessionTamper(raw, '"Tom"').error, /JSON object/);
  assert.match(sessionTamper(raw, '[1]').error, /JSON object/);
  assert.match(sessionTamper(null, '{}').error, /log in with Signed session first/);
});

test('after a document.cookie write, the form says what the cookie holds and who the server then believes you are', async () => {
  const { usernameEffect } = await import('../tamper-effect.js');
  const server = { mechanisms: { cookie: { user: 'Liu Bei', raw: 'Liu Bei' } } };
  assert.equal(usernameEffect('theme=dark; username="Liu Bei"', server),
    'document.cookie now holds username="Liu Bei". The next request (GET /api/state) sent it: the server believes you are Liu Bei.');
  assert.equal(usernameEffect('theme=dark', { mechanisms: { cookie: { user: null } } }),
    'document.cookie now holds no username cookie. The next request (GET /api/state) sent none: the server believes you are nobody.');
});
