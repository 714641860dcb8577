import { test, expect, logIn, serverUser, loginStatus } from './fixtures.js';

for (const mechanism of ['cookie', 'session']) {
  test(`a 3 second ${mechanism} cookie counts down and expires`, async ({ labPage: page }) => {
    await logIn(page, { mechanism, lifetime: '3 seconds' });
    await expect(serverUser(page, mechanism)).toHaveText('Tom');
    const countdown = page.locator('#countdown');
    await expect(countdown).toBeVisible();
    await expect(countdown).toContainText(/expires in \d\.\d s/);

    await expect(countdown).toContainText('expired', { timeout: 6_000 });
    // The browser dropped the cookie, so the server no longer knows us.
    await expect(serverUser(page, mechanism)).toHaveText('nobody', { timeout: 4_000 });
    await expect(loginStatus(page)).toContainText('Not logged in');
  });
}
