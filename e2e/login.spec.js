import { test, expect, logIn, chooseMechanism, loginStatus, serverUser, lastResponse } from './fixtures.js';

for (const mechanism of ['cookie', 'session', 'server-session']) {
  test(`log in, comment and log out with ${mechanism}`, async ({ labPage: page }) => {
    await chooseMechanism(page, mechanism);
    await expect(loginStatus(page)).toContainText('Not logged in');

    // The tutorial's message when commenting without a login.
    await page.getByLabel('Comment', { exact: true }).fill('before login');
    await page.getByRole('button', { name: 'Post' }).click();
    await expect(lastResponse(page)).toContainText('401');
    await expect(lastResponse(page)).toContainText('No login, login in comments first');

    await logIn(page, { mechanism, password: 'wrong' });
    await expect(lastResponse(page)).toContainText('Login failed!');

    await logIn(page, { mechanism, username: 'Liu Bei' });
    await expect(lastResponse(page)).toContainText('Login succeeded!');
    await expect(loginStatus(page)).toContainText('Logged in as Liu Bei');
    await expect(serverUser(page, mechanism)).toHaveText('Liu Bei');

    await page.getByLabel('Comment', { exact: true }).fill('Hello from the lab');
    await page.getByRole('button', { name: 'Post' }).click();
    await expect(lastResponse(page)).toContainText('Comment succeeded:Liu Bei');
    const comment = page.locator('#comments .comment').last();
    await expect(comment).toContainText('Liu Bei');
    await expect(comment).toContainText('Hello from the lab');

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect(lastResponse(page)).toContainText('Logged out');
    await expect(loginStatus(page)).toContainText('Not logged in');
    await expect(serverUser(page, mechanism)).toHaveText('nobody');
  });
}

test('a non-ASCII demo account round-trips through every mechanism', async ({ labPage: page }) => {
  for (const mechanism of ['cookie', 'session', 'server-session']) {
    await logIn(page, { mechanism, username: '刘备' });
    await expect(serverUser(page, mechanism)).toHaveText('刘备');
  }
  // The plain cookie is visible to page JavaScript, decoded from Werkzeug's quoting.
  await expect(page.locator('#inspector-body tr[data-cookie="username"] .page-sees')).toHaveText('刘备');
});

test('clear cookies one at a time, then all at once', async ({ labPage: page }) => {
  for (const mechanism of ['cookie', 'session', 'server-session']) {
    await logIn(page, { mechanism });
    await expect(serverUser(page, mechanism)).toHaveText('Tom');
  }
  // HttpOnly cookies are invisible to document.cookie, but the server receives them.
  await expect(page.locator('#inspector-body tr[data-cookie="session"] .page-sees')).toHaveText('hidden: HttpOnly');
  await expect(page.locator('#raw-document-cookie')).not.toContainText('session=');

  await page.getByRole('button', { name: 'Delete cookie session' }).click();
  await expect(serverUser(page, 'session')).toHaveText('nobody');
  await expect(serverUser(page, 'cookie')).toHaveText('Tom');
  await expect(serverUser(page, 'server-session')).toHaveText('Tom');

  await page.getByRole('button', { name: 'Clear username' }).click();
  await expect(serverUser(page, 'cookie')).toHaveText('nobody');
  await expect(serverUser(page, 'server-session')).toHaveText('Tom');

  await logIn(page, { mechanism: 'cookie' });
  await expect(serverUser(page, 'cookie')).toHaveText('Tom');
  await page.getByRole('button', { name: 'Clear all cookies' }).click();
  for (const mechanism of ['cookie', 'session', 'server-session']) {
    await expect(serverUser(page, mechanism)).toHaveText('nobody');
  }
  await expect(page.locator('#raw-cookie-header')).toHaveText('(none)');
});
