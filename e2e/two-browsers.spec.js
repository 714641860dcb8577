import { test, expect, logIn, openLab, serverUser, rows } from './fixtures.js';

test('two browsers in one lab: both requests shown, tagged by client, separate sessions', async ({ labPage: alice, otherPage: bob }) => {
  test.setTimeout(120_000); // two pages, two scrypt logins: it ran past 60 s beside two CPU hogs
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

test('a stored client id the server refuses (too short) is replaced: the page has a public id, and a request from no client is not "you"', async ({ browser, lab, request }) => {
  const context = await browser.newContext();
  // The first visit finds "abc" stored (as an older page version let it keep): 3 characters, the server takes 8-64.
  await context.addInitScript(() => { if (localStorage.getItem('statelab.client') === null) localStorage.setItem('statelab.client', 'abc'); });
  const page = await context.newPage();
  await openLab(page, lab);
  const { client, person } = await page.evaluate(() => window.statelab);
  expect(client).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  expect(person).toMatch(/^[A-Za-z0-9_-]{8}$/);
  // A request with no X-Client-Id (as a copied curl sends): nobody's, so not this page's.
  expect((await request.get('/api/error/404', { headers: { 'X-Lab-Id': lab.id } })).status()).toBe(404);
  await expect(rows(page, 'GET /api/error/404')).toHaveCount(1);
  await expect(rows(page, 'GET /api/error/404').filter({ hasText: 'you' })).toHaveCount(0);
  await page.getByLabel('Client').selectOption('me');
  await expect(rows(page, 'GET /api/error/404')).toHaveCount(0);
  await context.close();
});
