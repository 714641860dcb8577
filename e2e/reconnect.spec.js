import { test, expect, logIn, rows } from './fixtures.js';

test('the stream drops and recovers; nothing made meanwhile is missed', async ({ labPage: page, otherPage: other }) => {
  const connection = page.locator('#connection');
  await logIn(other, { mechanism: 'cookie' });
  await expect(rows(page, 'POST /api/cookie/login')).toHaveCount(1);

  // Cut the hook log off (history and stream), then drop the live connection.
  await page.route('**/api/hooks**', (route) => route.abort('connectionreset'));
  await page.evaluate(() => window.statelab.dropStream());
  await expect(connection).toHaveAttribute('data-state', 'reconnecting');
  await expect(connection).toHaveText('Reconnecting…');

  // Meanwhile the other browser keeps working.
  await other.getByLabel('Comment', { exact: true }).fill('while you were away');
  await other.getByRole('button', { name: 'Post' }).click();
  await other.getByRole('button', { name: 'abort(403)', exact: true }).click();
  await other.getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(other.locator('#login-status')).toContainText('Not logged in');
  await expect(rows(page, 'POST /api/cookie/comment')).toHaveCount(0);

  await page.unroute('**/api/hooks**');
  await expect(connection).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  await expect(connection).toHaveText('Live');

  // Every request made while disconnected is there, once, complete.
  await expect(rows(page, 'POST /api/cookie/comment')).toHaveCount(1);
  await expect(rows(page, 'GET /api/error/403')).toHaveCount(1);
  await expect(rows(page, 'POST /api/cookie/logout')).toHaveCount(1);
  await expect(rows(page, 'POST /api/cookie/login')).toHaveCount(1);
  await expect(rows(page, 'GET /api/error/403')).toContainText('403');

  // And live events flow again.
  await other.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(rows(page, 'GET /api/error/404')).toHaveCount(1);
});
