import { test, expect, logIn, serverUser, openRequest, rows, showPageReads } from './fixtures.js';

test('a plain cookie can be forged: the server believes the edited username', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'cookie', username: 'Tom' });
  await expect(serverUser(page, 'cookie')).toHaveText('Tom');

  for (const forged of ['Liu Bei', '刘备']) {
    await page.getByLabel('Forge the plain username cookie').fill(forged);
    await page.getByRole('button', { name: 'Write with document.cookie' }).click();
    await expect(serverUser(page, 'cookie')).toHaveText(forged);
    await expect(page.locator('#inspector-body tr[data-cookie="username"] .server-got')).toHaveText(forged);
    // The effect is said beside the button, where the learner looks.
    const effect = page.locator('#tamper-username').getByRole('status');
    await expect(effect).toContainText(`the server believes you are ${forged}.`);
    await expect(effect).toContainText('document.cookie now holds username=');
    await expect(effect).toBeInViewport();
  }
  // Written in Werkzeug's quoted form, so the server decodes the same name.
  expect(await page.evaluate(() => document.cookie)).toContain('username="\\345\\210\\230\\345\\244\\207"');
  await showPageReads(page);
  await openRequest(page, 'GET /api/state');
  await expect(page.locator('#details-body')).toContainText('username = 刘备');
});

test('a signed session cannot be forged: the server rejects it and logs you out', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session', username: 'Tom' });
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  await expect(page.getByTestId('signature')).toHaveText('valid');

  // Anyone can read the payload...
  const payload = page.getByLabel('Edit the signed session payload (JSON)');
  await expect(payload).toHaveValue(/"username":\s*"Tom"/);
  // ...but changing it breaks the signature.
  await payload.fill((await payload.inputValue()).replace('Tom', 'Liu Bei'));
  await page.getByRole('button', { name: 'Re-encode and send' }).click();

  await expect(page.getByTestId('signature')).toHaveText('invalid (bad_signature)');
  await expect(serverUser(page, 'session')).toHaveText('nobody');
  await expect(page.locator('#inspector-body')).toContainText('Flask rejected this cookie');

  // The PUT wrote the forged cookie (200); the next request carried it, and its row says
  // Flask rejected it, though page reads are hidden.
  await expect(page.getByLabel('Hide page reads')).toBeChecked();
  const rejected = rows(page, 'GET /api/state').getByTestId('cookie-rejected');
  await expect(rejected.first()).toBeVisible();
  await expect(rejected.first()).toHaveAttribute('title', /bad_signature/);
  // The trace of the next request shows the forged cookie sent and an empty session opened.
  await showPageReads(page);
  await openRequest(page, 'GET /api/state');
  await expect(page.locator('#details-body [data-testid="rejected-session"]')).toBeVisible();
  await expect(page.locator('#details-body tr[data-step="open_session"]')).toBeVisible();
  await expect(rows(page, 'PUT /api/cookies/session')).toHaveCount(1);
});

test('a server-side session id swapped for another finds no data', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'server-session', username: 'Tom' });
  await expect(serverUser(page, 'server-session')).toHaveText('Tom');
  await page.getByLabel('Replace the server_session id').fill('not-a-real-session-id');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(serverUser(page, 'server-session')).toHaveText('nobody');
});
