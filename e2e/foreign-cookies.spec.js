// Cookies the lab did not set. Another app on this host (any port) sends its
// cookies to the lab too: the inspector lists every cookie received, marks the ones the
// lab never sets, and explains a signed session the lab's key cannot verify.
import { test, expect, openLab, serverUser, expectNoAxeViolations } from './fixtures.js';

test('a cookie another app on this host set is listed and marked; its session explained', async ({ page, lab, baseURL }) => {
  const host = new URL(baseURL).hostname;
  // As a Flask app on another port of the same host would have set them.
  await page.context().addCookies([
    { name: 'csrftoken', value: 'from-another-app', domain: host, path: '/' },
    { name: 'session', value: 'eyJ1c2VybmFtZSI6IlRvbSJ9.aGVsbG8.bm90LXRoaXMtbGFiJ3Mta2V5', domain: host, path: '/', httpOnly: true },
  ]);
  await openLab(page, lab);
  const row = page.locator('#cookie-table tr[data-cookie="csrftoken"]');
  await expect(row).toHaveAttribute('data-foreign', 'true');
  await expect(row).toContainText('not the lab\'s');
  await expect(row.locator('.server-got')).toHaveText('from-another-app');
  await expect(page.getByTestId('foreign-cookies')).toContainText('csrftoken');
  await expect(page.getByTestId('foreign-cookies')).toContainText('Cookies ignore the port');
  await expect(serverUser(page, 'session')).toHaveText('nobody');
  // After the merge: /api/state's hint on the session cookie the lab's key does not verify.
  await expect(page.getByTestId('cookie-hint')).toContainText('another app on this host');
  await expectNoAxeViolations(page, 'section[aria-labelledby="cookies-h"]', '.inspector');
});
