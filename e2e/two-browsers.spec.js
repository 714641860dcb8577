import { test, expect, logIn, serverUser, rows } from './fixtures.js';

test('two browsers in one lab: both requests shown, tagged by client, separate sessions', async ({ labPage: alice, otherPage: bob }) => {
  // Each page knows itself by its public id (what the other page sees), not its client id.
  const aliceId = await alice.evaluate(() => window.statelab.person);
  const bobId = await bob.evaluate(() => window.statelab.person);
  expect(aliceId).toMatch(/^[A-Za-z0-9_-]{8}$/);
  expect(aliceId).not.toBe(bobId);
  expect(aliceId).not.toBe(await alice.evaluate(() => window.statelab.client));

  await logIn(alice, { mechanism: 'session', username: 'Tom' });
  await expect(serverUser(alice, 'session')).toHaveText('Tom');
  await logIn(bob, { mechanism: 'session', username: 'Liu Bei' });
  await expect(serverUser(bob, 'session')).toHaveText('Liu Bei');

  // Each browser keeps its own signed session: different browsers, different sessions.
  await alice.getByLabel('Comment', { exact: true }).fill('hi from Tom');
  await alice.getByRole('button', { name: 'Post' }).click();
  await expect(serverUser(alice, 'session')).toHaveText('Tom');
  await expect(serverUser(bob, 'session')).toHaveText('Liu Bei');

  // Both watch the same lab: each sees the other's login, tagged with the other client.
  const bobName = `client ${bobId.slice(0, 4)}`;
  const aliceName = `client ${aliceId.slice(0, 4)}`;
  await expect(rows(alice, 'POST /api/session/login').filter({ hasText: bobName })).toHaveCount(1);
  await expect(rows(alice, 'POST /api/session/login').filter({ hasText: 'you' })).toHaveCount(1);
  await expect(rows(bob, 'POST /api/session/login').filter({ hasText: aliceName })).toHaveCount(1);

  // And the shared comment list.
  await expect(bob.locator('#comments')).toContainText('hi from Tom');

  // Filtering by client.
  await alice.getByLabel('Client').selectOption('others');
  await expect(rows(alice).filter({ hasText: 'you' })).toHaveCount(0);
  await expect(rows(alice, 'POST /api/session/login')).toHaveCount(1);
});
