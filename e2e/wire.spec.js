// Every header both ways, each Set-Cookie's attributes, the response body of
// every request, the traceback of one that raised, and an anonymous request's server
// session said not stored.
import { test, expect, logIn, openRequest, expectNoAxeViolations } from './fixtures.js';

const details = (page) => page.locator('#details-body');
const wire = (page, key) => details(page).locator(`details.wire[data-wire="${key}"]`);

async function openWire(page, key) {
  const section = wire(page, key);
  if (!(await section.evaluate((el) => el.open))) await section.locator('summary').click();
  return section;
}

test('an anonymous request\'s fresh server_session is said not stored', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
  await openRequest(page, 'GET /api/error/404');
  await expect(details(page).getByTestId('not-stored')).toContainText('stored nothing');
  await logIn(page, { mechanism: 'server-session' });
  await openRequest(page, 'POST /api/server-session/login');
  await expect(details(page).getByTestId('not-stored')).toHaveCount(0);
});

test('a login\'s request and response headers, its Set-Cookie attributes and its body', async ({ labPage: page, otherPage: other }) => {
  await logIn(page, { mechanism: 'session', lifetime: '10 seconds' });
  await openRequest(page, 'POST /api/session/login');
  const req = await openWire(page, 'request-headers');
  await expect(req.locator('th', { hasText: /^Content-Type$/i })).toBeVisible();
  await expect(req.locator('th', { hasText: /^X-Lab-Id$/i })).toBeVisible();
  const reqBody = await openWire(page, 'request-body');
  await expect(reqBody).toContainText('"username": "Tom"');
  await expect(reqBody).toContainText('"password": "123"'); // its own client sees what it sent
  const res = await openWire(page, 'response-headers');
  await expect(res.locator('tr', { hasText: /^Vary/i })).toContainText('Cookie');
  await expect(res.locator('th', { hasText: /^Set-Cookie$/i })).toHaveCount(1);
  const attrs = await openWire(page, 'set-cookie');
  const session = attrs.locator('tr[data-cookie="session"]');
  await expect(session.locator('td').nth(6)).toHaveText('✓'); // HttpOnly
  await expect(session.locator('td').nth(4)).toHaveText(/Expires|GMT|Max-Age/);
  await expect(session.locator('td').nth(7)).toHaveText('Lax');
  const body = await openWire(page, 'response-body');
  await expect(body.locator('pre')).toContainText('"msg": "Login succeeded!"');
  // The whole page with every wire section open: a11y.spec.js's waterfall test.
  await expectNoAxeViolations(page, '#details-body');

  // Another viewer of the lab sees the request, its password masked.
  await openRequest(other, 'POST /api/session/login');
  const seen = await openWire(other, 'request-body');
  await expect(seen).toContainText('"username": "Tom"');
  await expect(seen).not.toContainText('"123"');
});

test('a raised exception shows its traceback; abort(500) has none', async ({ labPage: page }) => {
  await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
  await openRequest(page, 'GET /api/error/exception');
  await expect(wire(page, 'traceback')).toHaveAttribute('open', '');
  await expect(wire(page, 'traceback').locator('pre')).toContainText('ZeroDivisionError');
  await expect(wire(page, 'traceback').locator('pre')).toContainText('Traceback (most recent call last)');
  await expectNoAxeViolations(page, '#details-body');
  await page.getByRole('button', { name: 'abort(500)', exact: true }).click();
  await openRequest(page, 'GET /api/error/500');
  await expect(wire(page, 'traceback')).toHaveCount(0);
});

test('an HTML body is shown as text: its tags are characters, not elements', async ({ labPage: page }) => {
  const lesson = page.locator('#lesson-tutorial');
  await lesson.locator('summary').click();
  await lesson.locator('[data-tutorial="POST /login"]').click();
  await openRequest(page, 'POST /login');
  const body = await openWire(page, 'response-body');
  await expect(body.locator('pre')).toHaveText('<h1>Login succeeded!</h1>');
  await expect(body.locator('pre h1')).toHaveCount(0);
});
