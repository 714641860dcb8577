// Desktop, projector and phone sizes, light and dark: as the lab's owner (the waterfall
// off and on) and as a participant. The page never scrolls sideways, and a
// screenshot of each is left in test-results/shots/ for a person to look at. Each state
// is reached once per size and shot in both schemes (they differ only in CSS).
import { test, expect, logIn, openRequest, rows } from './fixtures.js';

const SIZES = { desktop: [1440, 900], projector: [1280, 720], phone: [390, 844] };

/** A screenshot of `page` in each scheme, and no sideways scroll in either. */
async function shootBothSchemes(page, width, name) {
  for (const colorScheme of ['light', 'dark']) {
    // Reduced motion: no CSS transition is caught half-way from the other scheme.
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    await page.screenshot({ path: `test-results/shots/${name.replace('*', colorScheme)}.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
}

for (const [name, [width, height]] of Object.entries(SIZES)) {
  test(`${name}, light and dark`, async ({ labPage: page, otherPage: other }) => {
    test.setTimeout(150_000); // two pages, a 3 s request and six screenshots
    await other.getByRole('button', { name: 'abort(404)' }).click();
    await page.setViewportSize({ width, height });
    await logIn(page, { mechanism: 'session' });
    await page.getByRole('button', { name: 'Raise ZeroDivisionError' }).click();
    await openRequest(page, 'GET /api/error/exception');
    await shootBothSchemes(page, width, `${name}-*-owner`);

    // The waterfall on, a slow request beside fast ones, the login's details open.
    await page.getByRole('button', { name: 'Slow request (3 s)' }).click();
    await page.getByRole('button', { name: 'abort(404)', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Waterfall' }).check();
    await expect(rows(page, 'GET /api/slow')).toContainText('200', { timeout: 15_000 });
    await openRequest(page, 'POST /api/session/login');
    await expect(page.getByRole('region', { name: /^Steps of POST/ })).toBeVisible();
    if (name === 'phone') await page.getByRole('region', { name: 'Waterfall' }).scrollIntoViewIfNeeded();
    await shootBothSchemes(page, width, `${name}-*-waterfall`);
    await other.setViewportSize({ width, height });
    await other.getByRole('button', { name: 'Clear my view' }).click();
    await other.getByRole('button', { name: 'abort(403)' }).click();
    await expect(other.locator('#lab-activity')).toBeVisible();
    await shootBothSchemes(other, width, `${name}-*-participant`);
  });
}
