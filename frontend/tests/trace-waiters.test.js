import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceWaiters } from '../trace-waiters.js';

const trace = (client, method, path) => ({ client, request: { method, path }, end: { status: 200 } });

test('a waiter gets the first matching trace from its client, not another client\'s', async () => {
  const waiters = new TraceWaiters();
  const got = waiters.wait({ client: 'me', method: 'GET', path: '/x' });
  waiters.ended(trace('other', 'GET', '/x'));
  waiters.ended(trace('me', 'POST', '/x'));
  const mine = trace('me', 'GET', '/x');
  waiters.ended(mine);
  assert.equal(await got, mine);
  assert.equal(waiters.pending.length, 0);
});

test('waiters for the same request are served oldest first; none waits forever', async () => {
  const waiters = new TraceWaiters({ timeoutMs: 20 });
  const first = waiters.wait({ client: 'me', method: 'GET', path: '/x' });
  const second = waiters.wait({ client: 'me', method: 'GET', path: '/x' });
  const a = trace('me', 'GET', '/x');
  waiters.ended(a);
  assert.equal(await first, a);
  assert.equal(await second, null);
});
