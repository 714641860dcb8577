// SameSite and Secure chosen at login, shown on the cookie row, explained,
// and measured: did the browser send the cookie back?
import { test, expect, openLesson, openRequest, logIn, serverUser } from './fixtures.js';

const flags = (page, cookie) => page.locator(`#inspector-body tr[data-cookie="${cookie}"] .flag.attrs`);

test('the cookie row shows the SameSite and Secure the server really set', async ({ labPage: page }) => {
  await logIn(page, { mechanism: 'session' });
  await expect(serverUser(page, 'session')).toHaveText('Tom');
  await openRequest(page, 'POST /api/session/login');
  const header = await page.locator('#details-body .cookie-list code.raw').filter({ hasText: /^session=/ }).textContent();
  const sameSite = header.match(/SameSite=(\w+)/i)?.[1];
  const expected = [sameSite ? `SameSite=${sameSite}` : null, /;\s*Secure/i.test(header) ? 'Secure' : null].filter(Boolean).join(' ') || 'no SameSite';
  await expect(flags(page, 'session')).toHaveText(expected);
  const lesson = await openLesson(page, 'SameSite and Secure');
  await expect(lesson.locator('#samesite-result')).toContainText('next request carried it: yes');
});

test('Chromium counts 127.0.0.1 as secure: a Secure cookie is kept and sent over plain HTTP', async ({ labPage: page }) => {
  // Measured in the real browser, whatever the server sets: page JavaScript writes a
  // Secure cookie on http://127.0.0.1, then the server says what it received.
  await page.evaluate(() => { document.cookie = 'secure_probe=1; Secure; path=/'; });
  await page.getByRole('button', { name: 'abort(404)' }).click();
  await openRequest(page, 'GET /api/error/404');
  await expect(page.locator('#details-body section[aria-label="Cookie header sent"]')).toContainText('secure_probe = 1');
});

test.describe('after the merge', () => {

  const LAX = 'not on cross-site subresource requests or POSTs';
  const cases = [
    { label: 'the session default', samesite: '', flag: 'SameSite=Lax', note: LAX, carried: 'yes' },
    { label: 'the plain cookie default', mechanism: 'cookie', samesite: '', flag: 'no SameSite', note: 'Lax+POST', carried: 'yes' },
    { label: 'Strict + Secure', samesite: 'Strict', secure: true, flag: 'SameSite=Strict Secure', note: 'this page\'s host (127.0.0.1) is one, so it works here', carried: 'yes' },
    { label: 'no attribute', samesite: 'omit', flag: 'no SameSite', note: 'Lax+POST', carried: 'yes' },
    { label: 'None without Secure', samesite: 'None', flag: 'SameSite=None', note: 'Chromium refuses to store the cookie at all', carried: 'no' },
  ];
  for (const c of cases) {
    test(`SameSite at login, ${c.label}: shown, explained, measured`, async ({ labPage: page }) => {
      const mechanism = c.mechanism ?? 'session';
      const cookie = mechanism === 'cookie' ? 'username' : 'session';
      await logIn(page, { mechanism, samesite: c.samesite, secure: Boolean(c.secure) });
      await expect(flags(page, cookie)).toHaveText(c.flag);
      const lesson = await openLesson(page, 'SameSite and Secure');
      const result = lesson.locator('#samesite-result');
      await expect(result).toContainText(c.note);
      await expect(result).toContainText(`next request carried it: ${c.carried}`);
      await expect(serverUser(page, mechanism)).toHaveText(c.carried === 'yes' ? 'Tom' : 'nobody');
    });
  }
});
