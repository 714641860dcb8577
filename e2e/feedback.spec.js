// Every action's feedback is its own; the last request is shown
// where the learner is looking (a strip; on a phone pinned to the bottom); a tamper
// with invalid JSON is refused with a message instead of being sent.
import { test, expect, logIn, rows, expectNoAxeViolations } from './fixtures.js';

const toast = (page) => page.locator('#toast');
const strip = (page) => page.locator('#last-request');

test('a response with no message replaces the previous toast: "Logged out" does not stay after Clear all cookies', async ({ labPage: page }) => {
  await logIn(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(toast(page)).toHaveText('200: Logged out');
  await expect(strip(page)).toHaveText('POST /api/cookie/logout → 200 OK: Logged out');
  await page.locator('[data-clear="all"]').click();
  await expect(strip(page)).toHaveText(/^POST \/api\/cookies\/clear → 200 OK$/);
  // Read once, not retried: the old toast would fade by itself after 3.5 s.
  expect(await toast(page).getAttribute('class')).not.toMatch(/show/);
  expect(await toast(page).textContent()).not.toContain('Logged out');
  await expectNoAxeViolations(page, '#toast', '#last-request', 'section[aria-labelledby="cookies-h"]');
});

test('"Login succeeded!" does not stay up after a tamper; a 500\'s toast does not outlive the next 404', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  await expect(toast(page)).toHaveText('200: Login succeeded!');
  // The page's read after the login brings the cookie to forge (until then the box refuses).
  const payload = page.getByLabel('Edit the signed session payload (JSON)');
  await expect(payload).toHaveValue(/"username"/);
  await payload.fill('{"username": "Liu Bei"}');
  await page.getByRole('button', { name: 'Re-encode and send' }).click();
  await expect(strip(page)).toContainText('PUT /api/cookies/session →');
  expect(await toast(page).textContent()).not.toContain('Login succeeded');

  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await expect(toast(page)).toContainText('500: ');
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(rows(page, 'GET /api/error/404')).toContainText('404');
  await expect(strip(page)).toContainText('GET /api/error/404 → 404 Not Found');
  expect(await toast(page).textContent()).not.toContain('500');
});

test('an error answer is marked in the strip; the next action replaces it', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await expect(strip(page)).toHaveAttribute('data-kind', 'error');
  await expect(strip(page)).toContainText('GET /api/error/404 → 404 Not Found');
  await logIn(page);
  await expect(strip(page)).toHaveAttribute('data-kind', 'ok');
  await expect(strip(page)).toContainText('POST /api/cookie/login → 200 OK: Login succeeded!');
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('after a tap, the strip shows the answer on screen and the toast covers no control', async ({ labPage: page }) => {
    await logIn(page);
    await expect(strip(page)).toBeInViewport();
    await expect(strip(page)).toContainText('POST /api/cookie/login → 200 OK');
    const login = await page.getByRole('button', { name: 'Log in', exact: true }).boundingBox();
    await expect(toast(page)).toHaveClass(/show/);
    const box = await toast(page).boundingBox();
    const overlaps = box.y < login.y + login.height && login.y < box.y + box.height;
    expect(overlaps, 'toast over the Log in button').toBe(false);
    // The strip does not hide the page's end: the body leaves room for it.
    const padding = await page.evaluate(() => parseFloat(getComputedStyle(document.body).paddingBottom));
    expect(padding).toBeGreaterThanOrEqual((await strip(page).boundingBox()).height - 1);
    // The whole page with the phone strip: a11y.spec.js's waterfall test, in both schemes.
    await expectNoAxeViolations(page, '#toast', '#last-request', '#login-form');
  });
});

test('invalid JSON in the session tamper box is refused with a message and not sent', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  const payload = page.getByLabel('Edit the signed session payload (JSON)');
  await expect(payload).toHaveValue(/"username"/);
  await payload.fill('{"username": "Liu Bei"');
  await page.getByRole('button', { name: 'Re-encode and send' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'not valid JSON' })).toBeVisible();
  await expectNoAxeViolations(page, '.tamper');
  await payload.fill('{"username": "Liu Bei"}');
  await expect(page.locator('#tamper-session-error')).toBeHidden();
  await page.getByRole('button', { name: 'Re-encode and send' }).click();
  await expect(rows(page, 'PUT /api/cookies/session')).toHaveCount(1);
});

test('"Signed at … (N s ago)" counts on by itself', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  const signedAt = page.locator('#inspector-body [data-signed-at]');
  await expect(signedAt).toContainText(/\(\d+ s ago\)/);
  const seconds = async () => Number((await signedAt.textContent()).match(/\((\d+) s ago\)/)[1]);
  const first = await seconds();
  // No action, no state read: only the page's ticking can change it.
  await expect.poll(seconds, { timeout: 15_000 }).toBeGreaterThanOrEqual(first + 2);
});
